/* Compiles the kernel body NNC_ISA_BODY (a header name, e.g.
 * "activations_impl.h") once per instruction-set level -- generic, and AVX2
 * and AVX-512 on x86 -- for the dtype nnc_tmpl.h has set, then its dispatch
 * table NNC_ISA_DISPATCH (see nnc_dispatch.h).  Include it once per dtype.
 * No include guard. */
#define NNC_ISA_SFX generic
#include "nnc_isa_body_begin.h"
#include NNC_ISA_BODY
#include "nnc_isa_body_end.h"
#if NNC_ISA_X86
NNC_TARGET_PUSH_AVX2
#define NNC_ISA_SFX avx2
#include "nnc_isa_body_begin.h"
#include NNC_ISA_BODY
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
NNC_TARGET_PUSH_AVX512
#define NNC_ISA_SFX avx512
#include "nnc_isa_body_begin.h"
#include NNC_ISA_BODY
#include "nnc_isa_body_end.h"
NNC_TARGET_POP
#endif
#include NNC_ISA_DISPATCH
