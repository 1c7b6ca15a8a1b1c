"""ONNX in and out, without torch and without the ``onnx`` package.

    model = rustorch.onnx.load("model.onnx")          # a runnable (trainable) nn.Module
    rustorch.onnx.export(model, (x,), "model.onnx")   # trace a module into an ONNX file

The protobuf wire format is read and written in pure Python (``_proto``), so
both work in Pyodide too.
"""


def load(f, device=None, **kwargs):
    """An ONNX model (path, bytes or file object) as an :class:`OnnxModule`."""
    from .runtime import load as _load
    return _load(f, device=device, **kwargs)


# Importing the submodule ``export`` binds the package attribute ``export`` to the
# module; the function defined below rebinds it, so import the module first.
from . import export as _export_module  # noqa: E402


def export(model, args, f=None, **kwargs):
    """Trace ``model(*args)`` into ONNX; returns the bytes and writes them to ``f``
    (a path or file object) when given.  See :func:`rustorch.onnx.export.export`."""
    return _export_module.export(model, args, f, **kwargs)
