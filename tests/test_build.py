import nnc


def test_extension_flags():
    info = nnc._core.build_info()
    assert info["fp_contract_off"] == 1
    assert "-ffp-contract=off" in info["flags"]


def _setup_module():
    """(repository root, setup.py's flag lists and compile_flags())."""
    import pathlib

    import pytest
    root = pathlib.Path(__file__).resolve().parents[1]
    if not (root / "setup.py").exists() or not (root / "csrc").is_dir():
        pytest.skip("no setup.py and csrc/ beside the tests")
    src = (root / "setup.py").read_text()
    ns = {}  # only the part before the build class, without running setup()
    exec(compile(src.split("class BuildExt")[0], str(root / "setup.py"), "exec"), ns)
    return root, ns


def test_c_test_program_uses_the_extension_flags():
    # The C test program (csrc/tests/Makefile) must see exactly the code the
    # extension compiles: same standard, same floating-point flags.
    root, ns = _setup_module()
    text = (root / "csrc" / "tests" / "Makefile").read_text().replace("\\\n", " ")
    line = next(l for l in text.splitlines() if l.startswith("CFLAGS_COMMON"))
    make_flags = set(line.split(":=", 1)[1].split())
    missing = [f for f in ns["GCC_FLAGS"] if f not in make_flags and f != "-O3"]
    assert missing == [], f"csrc/tests/Makefile lacks the extension's flags {missing}"


def test_flags_are_chosen_per_compiler():
    _, ns = _setup_module()
    gcc, _ = ns["compile_flags"]("unix")
    msvc, _ = ns["compile_flags"]("msvc")
    assert "-ffp-contract=off" in gcc and "-fno-math-errno" in gcc
    assert "/std:c11" in msvc and "/fp:precise" in msvc
    # Nothing GCC-only reaches MSVC, and never fast-math anywhere.
    assert not any(f.startswith("-") for f in msvc)
    assert not any("fast" in f for f in gcc + msvc)
