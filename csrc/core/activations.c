/* Activations forward and backward, float64 and float32 from one body
 * (activations_impl.h). */
#include "nnc_core.h"

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "activations_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "activations_impl.h"
#include "nnc_tmpl_end.h"
