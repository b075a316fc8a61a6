/* Compiler portability: the few non-standard things the core uses, behind
 * macros so that GCC, Clang and MSVC (C11 mode, /std:c11) all build it.
 *
 *   NNC_ALWAYS_INLINE   `static NNC_ALWAYS_INLINE void f(...)`: inline even at
 *                       -O0 / in big bodies (a hint where unsupported)
 *   NNC_NOINLINE        keep a function out of line
 *   NNC_ALIGNAS(n)      align a variable to n bytes (_Alignas in C11)
 *   NNC_RESTRICT        C99 `restrict` (also in C++ and old MSVC modes)
 *   NNC_HAS_TARGET_ATTR 1 when __attribute__((target("avx2"))) and
 *                       __builtin_cpu_supports exist (GCC, Clang on x86) */
#ifndef NNC_PORT_H
#define NNC_PORT_H

#include <limits.h> /* defines __GLIBC__ where the C library is glibc */

#if defined(__GNUC__) || defined(__clang__)
#define NNC_ALWAYS_INLINE inline __attribute__((always_inline))
#define NNC_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define NNC_ALWAYS_INLINE __forceinline
#define NNC_NOINLINE __declspec(noinline)
#else
#define NNC_ALWAYS_INLINE inline
#define NNC_NOINLINE
#endif

#if defined(_MSC_VER) && !defined(__clang__) &&                                             \
    (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L)
#define NNC_ALIGNAS(n) __declspec(align(n))
#else
#define NNC_ALIGNAS(n) _Alignas(n)
#endif

#if defined(__cplusplus) || (defined(_MSC_VER) && !defined(__clang__) &&                    \
                             (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L))
#define NNC_RESTRICT __restrict
#else
#define NNC_RESTRICT restrict
#endif

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define NNC_HAS_TARGET_ATTR 1
#else
#define NNC_HAS_TARGET_ATTR 0
#endif

/* Linux wheels must run on old glibc (manylinux2014: glibc 2.17).  Linking
 * against a newer glibc binds a few symbols to versions added since: exp, log,
 * pow and their float forms to GLIBC_2.27/2.29 (new implementations without
 * the SVID error wrapper) and pthread_create/join/mutex_trylock to GLIBC_2.34
 * (libpthread merged into libc), which is why auditwheel offered only
 * manylinux_2_34.  Every glibc keeps the original versions as compatibility
 * symbols, so the binary is bound to those instead; they compute the same
 * values (the old math wrappers only add errno setting, which nnc never
 * reads).  The original version is GLIBC_2.2.5 on x86-64 and GLIBC_2.17 on
 * aarch64.  -DNNC_NO_GLIBC_COMPAT turns this off. */
#if defined(__GLIBC__) && !defined(NNC_NO_GLIBC_COMPAT) &&                                  \
    (defined(__x86_64__) || defined(__aarch64__)) && (defined(__GNUC__) || defined(__clang__))
#if defined(__x86_64__)
#define NNC_GLIBC_BASE_ "GLIBC_2.2.5"
#else
#define NNC_GLIBC_BASE_ "GLIBC_2.17"
#endif
#define NNC_GLIBC_PIN_(sym) __asm__(".symver " #sym "," #sym "@" NNC_GLIBC_BASE_);
NNC_GLIBC_PIN_(exp)
NNC_GLIBC_PIN_(log)
NNC_GLIBC_PIN_(pow)
NNC_GLIBC_PIN_(expf)
NNC_GLIBC_PIN_(logf)
NNC_GLIBC_PIN_(powf)
NNC_GLIBC_PIN_(pthread_create)
NNC_GLIBC_PIN_(pthread_join)
NNC_GLIBC_PIN_(pthread_mutex_trylock)
#undef NNC_GLIBC_PIN_
#undef NNC_GLIBC_BASE_
#endif

#endif /* NNC_PORT_H */
