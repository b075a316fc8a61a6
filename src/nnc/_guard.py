"""One model, one lock: the machinery behind ``Sequential``'s thread rules.

Every method that reads or writes a model's parameters, gradients or
optimizer state runs under the model's ``ModelLock`` (``model._lock``), so it
is serialised with ``fit`` on the same model.  The lock is reentrant: a
callback of a running ``fit`` runs on the fitting thread and may call the
model's read-only methods (``predict``, ``evaluate``, ``save``, its
generator) without deadlock.  A second ``fit`` of the same model from inside
its own ``fit`` (a callback calling ``fit``) is refused with a RuntimeError:
the outer run's engine is paused mid-run on the very arrays the inner run
would train.
"""
import contextlib
import functools
import threading

__all__ = ["ModelLock", "locked"]


class ModelLock:
    """A reentrant lock plus a note of which thread is inside ``fit``.

    ``with lock:`` serialises with every other holder (other threads wait);
    ``with lock.fitting(what):`` does the same and marks the fit, raising
    RuntimeError when the holder is already fitting this model.
    """

    __slots__ = ("_rlock", "_fitting")

    def __init__(self):
        self._rlock = threading.RLock()
        self._fitting = False

    def __enter__(self):
        self._rlock.acquire()
        return self

    def __exit__(self, *exc):
        self._rlock.release()
        return False

    @property
    def in_fit(self):
        """True while a ``fit`` of this model runs (read it under the lock)."""
        return self._fitting

    def begin_fit(self, what="fit"):
        """Takes the lock and marks the fit (RuntimeError, lock released, when
        this thread is already fitting); ``end_fit`` undoes both.  The pair
        is ``fitting`` without a generator's cost, for ``fit``'s hot path."""
        self._rlock.acquire()
        # Only the thread holding the lock can see _fitting set: another
        # thread's fit waits on the RLock above until the first one ends.
        if self._fitting:
            self._rlock.release()
            raise RuntimeError(
                f"{what}: this model is already being trained by a fit further up this "
                f"thread's stack (a callback called {what} on the model it is watching); "
                f"return True from the callback to stop the run, then fit again, or fit "
                f"a copy (model.copy())")
        self._fitting = True

    def end_fit(self):
        self._fitting = False
        self._rlock.release()

    @contextlib.contextmanager
    def fitting(self, what="fit"):
        self.begin_fit(what)
        try:
            yield
        finally:
            self.end_fit()


def locked(method):
    """Decorator: runs ``method(self, ...)`` holding ``self._lock``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper
