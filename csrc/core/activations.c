/* Activations: float64 and float32 from one body (activations_impl.h), each compiled
 * once per instruction-set level and chosen at run time (nnc_dispatch.h). */
#include "nnc_core.h"
#include "nnc_dispatch.h"

#define NNC_ISA_BODY "activations_impl.h"
#define NNC_ISA_DISPATCH "activations_dispatch_impl.h"

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "nnc_isa_copies.h"

#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "nnc_isa_copies.h"
#include "nnc_tmpl_end.h"
