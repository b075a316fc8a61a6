"""Build of nnc's C extension (nnc._core).

The compiler flags are chosen per compiler when the build starts: GCC and
Clang (Linux, macOS, MinGW) get GCC_FLAGS, Microsoft's compiler MSVC_FLAGS.
Both keep IEEE arithmetic exactly (never -ffast-math / /fp:fast) and never
fuse a*b+c on their own, so every platform computes the same bits.

Environment switches (for CI and tools/, never needed by users):
  NNC_WERROR=1    turn warnings into errors
  NNC_SANITIZE=1  build with AddressSanitizer and UndefinedBehaviorSanitizer
                  (GCC/Clang only)
"""
import glob
import os

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

GCC_FLAGS = [
    "-std=c11",
    "-O3",
    "-Wall",
    "-Wextra",
    # Plain a*b+c must round twice, exactly as Python does; a kernel that wants
    # a fused multiply-add calls fma() explicitly.
    "-ffp-contract=off",
    # sqrt and friends need not set errno (nothing reads it); this lets GCC
    # vectorise loops that call sqrt.  Results are unchanged: unlike
    # -ffast-math it keeps IEEE semantics, NaN and inf.
    "-fno-math-errno",
    # `#pragma omp simd` without an OpenMP runtime.
    "-fopenmp-simd",
    "-fno-strict-aliasing",
    "-pthread",
]
GCC_LDFLAGS = ["-pthread", "-lm"]

MSVC_FLAGS = [
    # C11 (_Alignas, restrict, anonymous structs); VS 2019 16.8 or newer.
    "/std:c11",
    "/O2",
    "/W3",
    # IEEE semantics; /fp:precise does not contract a*b+c into an FMA unless
    # /fp:contract is given (VS 2022), matching -ffp-contract=off.
    "/fp:precise",
    # `#pragma omp simd` / `#pragma GCC unroll` are hints MSVC does not know.
    "/wd4068",
    # Conversions between int64_t and double/size_t are checked by hand.
    "/wd4244",
    "/wd4267",
]
MSVC_LDFLAGS = []


def compile_flags(compiler_type):
    """(compile flags, link flags) for a setuptools compiler_type."""
    werror = os.environ.get("NNC_WERROR") == "1"
    if compiler_type == "msvc":
        cflags, ldflags = list(MSVC_FLAGS), list(MSVC_LDFLAGS)
        if werror:
            cflags.append("/WX")
        return cflags, ldflags
    cflags, ldflags = list(GCC_FLAGS), list(GCC_LDFLAGS)
    if werror:
        cflags.append("-Werror")
    if os.environ.get("NNC_SANITIZE") == "1":
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
               "-fno-omit-frame-pointer", "-g"]
        cflags = [f for f in cflags if f != "-O3"] + san + ["-O1"]
        ldflags += san
    return cflags, ldflags


class BuildExt(build_ext):
    """Picks the flags for the compiler setuptools actually uses."""

    def build_extensions(self):
        cflags, ldflags = compile_flags(self.compiler.compiler_type)
        for e in self.extensions:
            e.extra_compile_args = cflags
            e.extra_link_args = ldflags
            # build_info() reports them; MSVC's preprocessor wants the quotes
            # escaped the same way as GCC's.
            e.define_macros = [m for m in e.define_macros if m[0] != "NNC_BUILD_FLAGS"]
            e.define_macros.append(("NNC_BUILD_FLAGS", '"' + " ".join(cflags) + '"'))
        super().build_extensions()


sources = sorted(glob.glob("csrc/core/*.c")) + sorted(glob.glob("csrc/module/*.c"))

ext = Extension(
    "nnc._core",
    sources=sources,
    include_dirs=["csrc/core", "csrc/module", numpy.get_include()],
    depends=sorted(glob.glob("csrc/core/*.h") + glob.glob("csrc/core/*.def")
                   + glob.glob("csrc/module/*.h")),
)

setup(ext_modules=[ext], package_dir={"": "src"}, cmdclass={"build_ext": BuildExt})
