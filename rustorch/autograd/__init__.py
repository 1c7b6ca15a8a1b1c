"""Reverse-mode automatic differentiation over a dynamic graph."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        detect_anomaly, set_detect_anomaly, is_grad_enabled,
                        is_anomaly_enabled)
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from .graph import Node  # noqa: F401
from . import graph  # noqa: F401


def _seq(x):
    from .._tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``."""
    from .engine import run_backward
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           allow_unused=True, accumulate=False)
        for t, g in zip(inputs, res):
            if g is not None:
                g = g if create_graph else g.detach()
                t._grad = g if t._grad is None else t._grad + g
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    from .engine import run_backward
    single = not isinstance(inputs, (list, tuple))
    outputs = _seq(outputs)
    ins = _seq(inputs)
    gos = _seq(grad_outputs) or [None] * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, gos, retain_graph, create_graph, inputs=ins,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from .. import zeros_like
        res = [zeros_like(i) if r is None else r for i, r in zip(ins, res)]
    if not create_graph:
        res = [r.detach() if r is not None else None for r in res]
    return tuple(res)
