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

#endif /* NNC_PORT_H */
