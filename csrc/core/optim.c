/* Optimizer steps (SGD, momentum, Adam, RMSProp), float64 and float32 from one body
 * (optim_impl.h). */
#include "nnc_core.h"
#include "nnc_isa.h"

#include <math.h>
#include <string.h>
#if NNC_ISA_X86
#include <immintrin.h>
#endif

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "optim_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "optim_impl.h"
#include "nnc_tmpl_end.h"
