/* Matrix kernels (GEMM, GEMV, dot, axpy, add, scale, transpose) in float64 and
 * float32, instantiated from the one body in matrix_impl.h. */
#include "nnc_core.h"

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "matrix_impl.h"

#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "matrix_impl.h"

#include "nnc_tmpl_end.h"
