"""Build of nnc's C extension (nnc._core).

Environment switches (for CI and tools/, never needed by users):
  NNC_WERROR=1    turn warnings into errors
  NNC_SANITIZE=1  build with AddressSanitizer and UndefinedBehaviorSanitizer
"""
import glob
import os

import numpy
from setuptools import Extension, setup

CFLAGS = [
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
LDFLAGS = ["-pthread", "-lm"]

if os.environ.get("NNC_WERROR") == "1":
    CFLAGS.append("-Werror")
if os.environ.get("NNC_SANITIZE") == "1":
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           "-fno-omit-frame-pointer", "-g"]
    CFLAGS += san
    LDFLAGS += san
    CFLAGS = [f for f in CFLAGS if f != "-O3"] + ["-O1"]

sources = sorted(glob.glob("csrc/core/*.c")) + sorted(glob.glob("csrc/module/*.c"))

ext = Extension(
    "nnc._core",
    sources=sources,
    include_dirs=["csrc/core", "csrc/module", numpy.get_include()],
    depends=sorted(glob.glob("csrc/core/*.h") + glob.glob("csrc/core/*.def")
                   + glob.glob("csrc/module/*.h")),
    extra_compile_args=CFLAGS,
    define_macros=[("NNC_BUILD_FLAGS", '"' + " ".join(CFLAGS) + '"')],
    extra_link_args=LDFLAGS,
)

setup(ext_modules=[ext], package_dir={"": "src"})
