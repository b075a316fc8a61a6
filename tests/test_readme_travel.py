"""The README section "Take your model further" runs as written: each of its
Python blocks, in a fresh namespace, in a temporary directory (blocks that
need an optional package skip when it is missing)."""
import importlib.util
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _blocks():
    if not README.exists():
        return []
    text = README.read_text(encoding="utf-8")
    start = text.find("<!-- section: travel -->")
    if start < 0:
        return []
    end = text.find("<!-- section:", start + 1)
    section = text[start:end if end > 0 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


BLOCKS = _blocks()


def test_the_section_has_its_blocks():
    if not README.exists():
        pytest.skip("README.md is not next to the tests")
    assert len(BLOCKS) == 4


@pytest.mark.parametrize("code", BLOCKS, ids=["pickle", "sklearn", "torch", "onnx"][:len(BLOCKS)])
def test_readme_block_runs(code, tmp_path, monkeypatch):
    for mod in re.findall(r"^(?:import|from) (\w+)", code, flags=re.M):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"{mod} is not installed")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
