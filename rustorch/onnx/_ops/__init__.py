"""The ONNX operator table: ``(domain, op_type)`` -> implementations by opset.

An implementation is ``fn(ctx, *inputs) -> Tensor | tuple[Tensor | list, ...]``:
``inputs`` are rustorch Tensors (``None`` for an omitted optional input; a
Python list of Tensors for a sequence value), ``ctx`` is a :class:`NodeContext`
(attributes, opset, device, subgraph runner).  Register with::

    @op("Add", since=7)
    def add(ctx, a, b): ...

``lookup`` picks the newest registration whose ``since`` is <= the model's
opset for that domain, as ONNX's versioning rules say.
"""
import importlib

from ..._errors import UnsupportedError

_TABLE = {}            # (domain, op_type) -> sorted list of (since, fn)
_FAMILIES = ("elementwise", "reduce", "shape", "nn", "rnn", "control", "misc", "loss", "llm",
             "attention_ext", "detection", "ml")
_loaded = []


def op(op_type, since=1, domain=""):
    """Decorator registering ``fn`` as ``op_type`` from opset ``since`` on."""
    def register(fn):
        impls = _TABLE.setdefault((domain, op_type), [])
        impls.append((since, fn))
        impls.sort(key=lambda p: p[0])
        return fn
    return register


def _load_families():
    if not _loaded:
        for fam in _FAMILIES:
            try:
                importlib.import_module(f"{__name__}.{fam}")
            except ModuleNotFoundError as e:   # a family not written yet
                if e.name != f"{__name__}.{fam}":
                    raise
        _loaded.append(True)


def lookup(op_type, opset, domain=""):
    """The implementation of ``op_type`` for ``opset``; UnsupportedError if none."""
    _load_families()
    domain = "" if domain == "ai.onnx" else domain
    impls = _TABLE.get((domain, op_type))
    if impls:
        for since, fn in reversed(impls):
            if since <= opset:
                return fn
        raise UnsupportedError(f"ONNX operator {op_type} is implemented from opset {impls[0][0]} "
                               f"on, the model uses opset {opset}")
    where = f" in domain {domain!r}" if domain else ""
    raise UnsupportedError(f"ONNX operator {op_type!r}{where} is not supported by rustorch")


def supported_ops():
    """Sorted ``op_type`` names of the default domain that have an implementation."""
    _load_families()
    return sorted(name for dom, name in _TABLE if dom == "")


class NodeContext:
    """What an operator sees besides its inputs."""
    __slots__ = ("node", "attrs", "opset", "device", "run_graph")

    def __init__(self, node, attrs, opset, device, run_graph):
        self.node = node              # the NodeProto (op_type, name, input, output ...)
        self.attrs = attrs            # name -> decoded Python value (int, float, str, list, Tensor, GraphProto)
        self.opset = opset            # the model's opset for this node's domain
        self.device = device          # where new tensors go (constants, shapes ...)
        self.run_graph = run_graph    # run_graph(graph, inputs: list, outer_scope: dict) -> list of outputs

    def attr(self, name, default=None):
        return self.attrs.get(name, default)
