/* Losses: float64 and float32 from one body (losses_impl.h), each compiled
 * once per instruction-set level and chosen at run time (nnc_dispatch.h). */
#include "nnc_core.h"
#include "nnc_dispatch.h"

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#define NNC_ISA_SFX generic
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
#if NNC_ISA_X86
NNC_TARGET_PUSH_AVX2
#define NNC_ISA_SFX avx2
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
NNC_TARGET_PUSH_AVX512
#define NNC_ISA_SFX avx512
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
#endif
#include "losses_dispatch_impl.h"

#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#define NNC_ISA_SFX generic
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
#if NNC_ISA_X86
NNC_TARGET_PUSH_AVX2
#define NNC_ISA_SFX avx2
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
NNC_TARGET_PUSH_AVX512
#define NNC_ISA_SFX avx512
#include "nnc_isa_body_begin.h"
#include "losses_impl.h"
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
#endif
#include "losses_dispatch_impl.h"
#include "nnc_tmpl_end.h"
