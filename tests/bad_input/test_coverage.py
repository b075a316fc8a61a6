"""Every public callable of nnc has bad-input coverage.

public_callables() walks the package (nnc, its public submodules, the public
methods and properties of its classes, and nnc._core); each must be in the
case table or registered with covers() by one of the bad-input modules.  A
function added to nnc without a case fails here, by name."""
import importlib
import pkgutil

import bad_input

from .cases import COVERED, public_callables


def _import_all_bad_input_modules():
    for m in pkgutil.iter_modules(bad_input.__path__):
        if m.name.startswith("test_"):
            importlib.import_module(f"bad_input.{m.name}")


def test_every_public_callable_is_covered():
    _import_all_bad_input_modules()
    found = public_callables()
    missing = sorted(set(found) - COVERED)
    assert not missing, "public callables without bad-input coverage: " + ", ".join(missing)


def test_the_walk_finds_what_it_should():
    """The enumeration itself is not empty-handed (a broken walk would make
    the test above pass vacuously)."""
    found = public_callables()
    for name in ("nnc._core.matmul", "nnc._core.relu_backward", "nnc._core.adam_step",
                 "nnc.random.Generator", "nnc.random.Generator.uniform",
                 "nnc.random.Generator.state", "nnc.init.xavier_uniform", "nnc._core.rng_seed"):
        assert name in found, name
    assert len(found) >= 80
