"""Checks that the C core's hot portable kernels are vectorised for NEON.

On aarch64 nnc has no hand-written SIMD kernels: the portable C kernels are
the fast path, and they are fast only if the compiler vectorises them.  The
speed cannot be measured under qemu, so this checks the machine code instead:
it cross-compiles every csrc/core/*.c with the extension's flags (setup.py's
GCC_FLAGS, plus -Werror), disassembles the objects, and counts in each
kernel the NEON arithmetic instructions on full 128-bit vectors (`v0.2d`
lanes for a float64 kernel; `v0.4s`, or `v0.2d` for the vmath functions
that compute float32 in double, for a float32 kernel; loads, stores, moves
and duplicates do not count).  A kernel without one has lost
its vectorisation, and the check exits 1, naming it.

    python tools/check_neon.py                     the check (CI: .ci/steps/21-aarch64-qemu.sh)
    python tools/check_neon.py --table             also print every kernel's count
    python tools/check_neon.py --cflags=-fno-tree-vectorize   must fail (tests/test_neon.py)

Needs aarch64-linux-gnu-gcc and aarch64-linux-gnu-objdump (Debian:
gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu).
"""
from __future__ import annotations

import argparse
import ast
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORE = ROOT / "csrc" / "core"

# The hot kernels of the portable path, by family; each name is checked in
# float32 and float64 (f"{stem}_f32..." / "_f64").  "{}" marks the dtype.
KERNELS: dict[str, list[str]] = {
    "GEMM (micro-kernel, small-product kernel)": [
        "nnc_gemm_mk_generic_{}", "nnc_gemm_dk_generic_{}"],
    "matrix": ["nnc_gemv_{}", "nnc_dot_{}", "nnc_axpy_{}", "nnc_add_{}", "nnc_scale_{}"],
    "activations": [
        "act_relu_fwd_{}_generic", "act_relu_bwd_{}_generic",
        "act_leaky_relu_fwd_{}_generic", "act_leaky_relu_bwd_{}_generic",
        "act_step_fwd_{}_generic", "act_sigmoid_bwd_{}_generic", "act_tanh_bwd_{}_generic",
        "act_prelu_bwd_{}_generic"],
    "vmath (sigmoid, tanh, exp, log forward)": [
        "nnc_vm_exp_loop_{}_generic", "nnc_vm_tanh_loop_{}_generic",
        "nnc_vm_sigmoid_loop_{}_generic", "nnc_vm_log_loop_{}_generic",
        "nnc_vm_expm1_loop_{}_generic", "nnc_vm_log1p_loop_{}_generic"],
    "optimizer steps": [
        "opt_sgd_{}_generic", "opt_momentum_{}_generic", "opt_adam_{}_generic",
        "opt_rmsprop_{}_generic"],
    "reductions": [
        "nnc_red_expsum_{}_generic", "loss_mse_{}_generic", "loss_mae_{}_generic",
        "nnc_l2_penalty_{}", "engine_colsum_{}"],
}

_LANES = {"f64": (".2d",), "f32": (".4s", ".2d")}
_NOT_ARITH = {"mov", "movi", "mvni", "dup", "ins", "umov", "smov", "fmov", "ldr", "str",
              "ldp", "stp", "ldur", "stur", "ld1", "st1", "ld1r", "ld2", "st2"}
_FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
_INSN = re.compile(r"^\s+[0-9a-f]+:\s+([a-z0-9.]+)\s*(.*)$")


def extension_flags() -> list[str]:
    """setup.py's GCC_FLAGS, read without running setup.py."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "GCC_FLAGS"):
            flags = ast.literal_eval(node.value)
            assert isinstance(flags, list)
            return [str(f) for f in flags]
    raise SystemExit("setup.py has no GCC_FLAGS list")


def vector_counts(objdump_text: str) -> dict[str, dict[str, int]]:
    """Per function: NEON arithmetic instructions on .2d and on .4s lanes."""
    counts: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for line in objdump_text.splitlines():
        m = _FUNC.match(line)
        if m:
            current = counts.setdefault(m.group(1), {".2d": 0, ".4s": 0})
            continue
        m = _INSN.match(line)
        if current is None or not m or m.group(1) in _NOT_ARITH:
            continue
        for lanes in current:
            if re.search(r"\bv\d+" + re.escape(lanes) + r"\b", m.group(2)):
                current[lanes] += 1
    return counts


def build_and_count(cc: str, objdump: str, extra: list[str]) -> dict[str, dict[str, int]]:
    flags = extension_flags() + ["-Werror", f"-I{CORE}"] + extra
    counts: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted(CORE.glob("*.c")):
            obj = pathlib.Path(tmp) / (src.stem + ".o")
            subprocess.run([cc, *flags, "-c", str(src), "-o", str(obj)], check=True)
            text = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(obj)],
                                  check=True, capture_output=True, text=True).stdout
            counts.update(vector_counts(text))
    return counts


def check(counts: dict[str, dict[str, int]], table: bool) -> list[str]:
    """The kernels without a NEON arithmetic instruction of their dtype."""
    failures = []
    for family, stems in KERNELS.items():
        if table:
            print(f"{family}:")
        for stem in stems:
            for dtype, lanes in _LANES.items():
                name = stem.format(dtype)
                # GCC may split a function into name.part.0 / name.constprop.0.
                found = [sum(v[lane] for lane in lanes)
                         for k, v in counts.items() if k.split(".")[0] == name]
                n = max(found, default=-1)
                if table:
                    print(f"  {name:40s} {'missing' if n < 0 else n:>7} {'/'.join(lanes)}")
                if n <= 0:
                    failures.append(f"{name}: {'not in the objects' if n < 0 else 'no NEON ' + '/'.join(lanes) + ' arithmetic'}")
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cc", default="aarch64-linux-gnu-gcc")
    ap.add_argument("--objdump", default="aarch64-linux-gnu-objdump")
    ap.add_argument("--cflags", default="", help="extra flags (space-separated), e.g. to test the check")
    ap.add_argument("--table", action="store_true", help="print every kernel's count")
    args = ap.parse_args(argv)
    counts = build_and_count(args.cc, args.objdump, args.cflags.split())
    failures = check(counts, args.table)
    n = sum(len(s) for s in KERNELS.values()) * len(_LANES)
    if failures:
        print(f"check_neon: {len(failures)} of {n} hot kernels are not vectorised for NEON:",
              *failures, sep="\n  ", file=sys.stderr)
        return 1
    print(f"check_neon: all {n} hot portable kernels contain NEON vector arithmetic "
          f"({args.cc}, setup.py's GCC_FLAGS)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
