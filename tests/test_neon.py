"""aarch64: the portable kernels are nnc's fast path there, so they must be
vectorised for NEON.  tools/check_neon.py cross-compiles the core with the
extension's flags and looks for NEON vector arithmetic in every hot kernel;
these tests run it (CI: .ci/steps/21-aarch64-qemu.sh installs the cross
compiler) and check that the check fails when vectorisation is switched off.
Skipped without aarch64-linux-gnu-gcc / -objdump."""
import importlib.util
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "check_neon.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not TOOL.exists() or not (ROOT / "csrc" / "core").is_dir(),
                       reason="needs the source tree (tools/, csrc/)"),
    pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None
                       or shutil.which("aarch64-linux-gnu-objdump") is None,
                       reason="needs aarch64-linux-gnu-gcc and -objdump"),
]


def _tool():
    spec = importlib.util.spec_from_file_location("check_neon", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_hot_kernels_are_vectorised_for_neon(capsys):
    tool = _tool()
    assert tool.main(["--table"]) == 0, capsys.readouterr().err
    assert "not vectorised" not in capsys.readouterr().err


def test_the_check_fails_without_vectorisation(capsys):
    tool = _tool()
    assert tool.main(["--cflags=-fno-tree-vectorize"]) == 1
    err = capsys.readouterr().err
    # The auto-vectorised loops lose their vector arithmetic, and the check
    # names them (kernels written with `#pragma omp simd` may stay vectorised).
    for name in ("nnc_gemm_mk_generic_f64", "nnc_gemm_dk_generic_f32", "nnc_dot_f64",
                 "loss_mse_f64_generic", "nnc_red_expsum_f32_generic"):
        assert name in err, err


def test_vector_counts_parses_objdump():
    tool = _tool()
    text = """
0000000000000100 <opt_sgd_f32_generic>:
     128:	ldr	q2, [x2, x3]
     130:	fmul	v2.4s, v2.4s, v3.4s
     134:	fsub	v1.4s, v1.4s, v2.4s
     138:	str	q1, [x1, x3]

0000000000000200 <scalar_f64>:
     200:	movi	v0.2d, #0x0
     204:	fadd	d0, d0, d1
"""
    counts = tool.vector_counts(text)
    assert counts["opt_sgd_f32_generic"] == {".2d": 0, ".4s": 2}
    assert counts["scalar_f64"] == {".2d": 0, ".4s": 0}
