/* Optimizer steps (SGD, momentum, Adam, RMSProp), float64 and float32 from one body
 * (optim_impl.h). */
#include "nnc_core.h"

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "optim_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "optim_impl.h"
#include "nnc_tmpl_end.h"
