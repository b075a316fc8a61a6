"""Pickling and deep copies of objects that hold locks.

A lock cannot be pickled (``TypeError: cannot pickle '_thread.RLock'``) and
must not be shared between a model and its copy.  ``without_locks`` replaces
every lock in an object's ``__dict__`` by a note of how to make a new one;
``with_new_locks`` makes those new, unlocked locks when the copy is built.
"""
import threading
from typing import Any, TypeVar, cast

import numpy as np

_T = TypeVar("_T")

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _NewLock:
    """Stands for a lock in a pickled state: ``make()`` builds a new one."""

    def __init__(self, make):
        self.make = make


def _lock_factory(value):
    """How to make a new lock like ``value``, or None if it is not a lock."""
    if isinstance(value, type(threading.Lock())):
        return threading.Lock
    if isinstance(value, _LOCK_TYPES):
        return type(value)
    # nnc's own lock objects (a class defined in nnc holding a lock): built
    # again by calling their class with no arguments.
    cls = type(value)
    if (cls.__module__.startswith("nnc.") and hasattr(cls, "__enter__")
            and hasattr(cls, "__exit__")):
        return cls
    return None


def without_locks(obj):
    """A copy of ``obj.__dict__`` with every lock replaced by a ``_NewLock``."""
    state = dict(obj.__dict__)
    for key, value in state.items():
        make = _lock_factory(value)
        if make is not None:
            state[key] = _NewLock(make)
    return state


def with_new_locks(obj, state):
    """Sets ``obj.__dict__`` from ``state``, making a new lock for every
    ``_NewLock``."""
    obj.__dict__.update({key: value.make() if isinstance(value, _NewLock) else value
                         for key, value in state.items()})


def writable(value: _T) -> _T:
    """An array nnc may update in place: ``value`` itself when it is a plain,
    writeable, C-contiguous ndarray, else a copy (e.g. of the read-only
    memory map ``joblib.load(..., mmap_mode="r")`` gives); other values as
    they are.  Dicts (one level, or two for optimizer state) are done
    entry by entry."""
    out: Any = value
    if isinstance(out, dict):
        return cast(_T, {k: writable(v) for k, v in out.items()})
    if isinstance(out, np.ndarray) and not (type(out) is np.ndarray
                                            and out.flags.writeable
                                            and out.flags.c_contiguous):
        return cast(_T, np.array(out, order="C"))
    return value
