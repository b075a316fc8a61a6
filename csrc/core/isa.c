/* Which instruction-set levels this build and CPU can run (nnc_isa.h). */
#include "nnc_isa.h"

#if NNC_ISA_X86 && defined(_MSC_VER) && !defined(__clang__)
/* Set by the MSVC runtime at start-up from CPUID (and XGETBV).  Its AVX2
 * level is taken to include FMA3, which every x86 CPU with AVX2 has. */
extern int __isa_available;
#define NNC_MSVC_ISA_AVX2 5
#define NNC_MSVC_ISA_AVX512 6
#endif

const char *nnc_isa_name(nnc_isa_t isa)
{
    switch (isa) {
    case NNC_ISA_GENERIC: return "generic";
    case NNC_ISA_AVX2: return "avx2";
    case NNC_ISA_AVX512: return "avx512";
    default: return "unknown";
    }
}

int nnc_isa_available(nnc_isa_t isa)
{
    switch (isa) {
    case NNC_ISA_GENERIC: return 1;
#if NNC_ISA_X86 && (defined(__GNUC__) || defined(__clang__))
    /* __builtin_cpu_supports also checks that the OS saves the registers;
     * __builtin_cpu_init is idempotent and needed when called from a
     * constructor-less shared object. */
    case NNC_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case NNC_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#elif NNC_ISA_X86 && defined(_MSC_VER)
    case NNC_ISA_AVX2: return __isa_available >= NNC_MSVC_ISA_AVX2;
    case NNC_ISA_AVX512: return __isa_available >= NNC_MSVC_ISA_AVX512;
#endif
    default: return 0;
    }
}

nnc_isa_t nnc_isa_clamp(nnc_isa_t isa)
{
    int level = (unsigned)isa < NNC_ISA_COUNT ? (int)isa : NNC_ISA_COUNT - 1;
    while (level > 0 && !nnc_isa_available((nnc_isa_t)level))
        level--;
    return (nnc_isa_t)level;
}

nnc_isa_t nnc_isa_best(void)
{
    return nnc_isa_clamp((nnc_isa_t)(NNC_ISA_COUNT - 1));
}
