"""Errors particular to data loading, built on rustorch's hierarchy.

torch raises ``RuntimeError`` for a timed-out or crashed worker and
``AssertionError`` for tensors of different lengths in a TensorDataset; these
classes are those builtins *and* ``RustorchError``s, so both styles of
``except`` keep working.
"""
import pickle
import traceback

from .._errors import RustorchError, ShapeError


class WorkerError(RustorchError, RuntimeError):
    """A DataLoader worker failed: it raised, died, or sent something unpicklable."""


class DataLoaderTimeoutError(RustorchError, RuntimeError, TimeoutError):
    """No batch arrived from the workers within ``DataLoader(timeout=...)`` seconds."""


class SizeMismatchError(ShapeError, AssertionError):
    """Tensors of a TensorDataset whose first dimensions differ."""


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type
    plus the worker's traceback text (tracebacks themselves do not pickle)."""

    __slots__ = ("exc_type", "exc_name", "where", "text")

    def __init__(self, exc, where):
        self.exc_type = type(exc)
        self.exc_name = type(exc).__qualname__
        self.where = where
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:  # a class defined inside a function cannot cross a process boundary
            pickle.dumps(self.exc_type)
        except Exception:
            self.exc_type = None

    def __getstate__(self):
        return {s: getattr(self, s) for s in self.__slots__}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)

    def reraise(self):
        """Raise the worker's exception type again (as torch does), with the
        worker's traceback in the message; WorkerError where the type cannot be
        rebuilt from one message argument."""
        # built in a helper so no frame of the traceback holds the exception
        # (a cycle that would keep the DataLoader iterator and its workers alive)
        raise self._rebuild() from None

    def _rebuild(self):
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError's str() would quote the whole text
        if self.exc_type is not None:
            try:
                return self.exc_type(msg)
            except Exception:
                pass
        return WorkerError(msg)


class _KeyErrorMessage(str):
    def __repr__(self):
        return str(self)
