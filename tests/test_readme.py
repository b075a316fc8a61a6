"""Every Python code block in README.md runs as written.

Each ```python block is run on its own, in a fresh namespace, in a temporary
working directory, with matplotlib's non-interactive backend: a block must
carry its own imports and define what it uses.

Marker comments (an HTML comment on the line right before the opening fence,
invisible when the README is rendered):

    <!-- readme-test: requires sklearn torch -->
        the block needs these importable modules (an optional extra); it is
        skipped, saying which is missing, when one is not installed.
    <!-- readme-test: skip REASON -->
        the block is not run (say why: e.g. it downloads, or runs for minutes).

Blocks in other languages (```sh, plain ```) are not run.
"""
import importlib.util
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"

_FENCE = re.compile(r"^```(\w*)\s*$")
_MARKER = re.compile(r"^<!--\s*readme-test:\s*(requires|skip)\b\s*(.*?)\s*-->\s*$")


def readme_blocks():
    """[(first line number, code, marker kind or None, marker argument)]."""
    if not README.exists():
        return []
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        lang, start = m.group(1), i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if lang == "python":
            prev = lines[i - 1] if i > 0 else ""
            mk = _MARKER.match(prev)
            blocks.append((start + 1, "\n".join(lines[start:j]) + "\n",
                           mk.group(1) if mk else None, mk.group(2) if mk else ""))
        i = j + 1
    return blocks


BLOCKS = readme_blocks()


def test_the_readme_has_python_blocks():
    if not README.exists():
        pytest.skip("README.md is not beside the tests")
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("line,code,kind,arg", BLOCKS,
                         ids=[f"README.md:{b[0]}" for b in BLOCKS])
def test_readme_block_runs(line, code, kind, arg, tmp_path, monkeypatch):
    if kind == "skip":
        pytest.skip(f"README.md:{line}: {arg or 'marked skip'}")
    if kind == "requires":
        missing = [m for m in arg.replace(",", " ").split()
                   if importlib.util.find_spec(m) is None]
        if missing:
            pytest.skip(f"README.md:{line} needs {', '.join(missing)}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__readme__"}
    try:
        exec(compile(code, f"README.md:{line}", "exec"), namespace)
    finally:
        if "matplotlib.pyplot" in __import__("sys").modules:
            __import__("matplotlib.pyplot").pyplot.close("all")


def test_markers_are_well_formed():
    # A misspelt marker would silently run (or not skip) a block.
    if not README.exists():
        pytest.skip("README.md is not beside the tests")
    for n, text in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if text.lstrip().startswith("<!--") and "readme-test" in text:
            assert _MARKER.match(text), f"README.md:{n}: malformed marker {text!r}"
