"""The graph an export builds: nodes, initializers and graph inputs/outputs as
plain Python records, turned into ``_proto`` messages only at the end (so the
tracer never depends on how protobuf objects are constructed)."""
import rustorch as rt

from .._errors import UnsupportedError

# rustorch dtype name -> TensorProto.DataType
ONNX_DTYPE = {"float32": 1, "uint8": 2, "int8": 3, "int16": 5, "int32": 6, "int64": 7, "bool": 9,
              "float16": 10, "float64": 11, "complex64": 14, "complex128": 15, "bfloat16": 16}


def onnx_dtype(dtype):
    code = ONNX_DTYPE.get(dtype.name if hasattr(dtype, "name") else str(dtype))
    if code is None:
        raise UnsupportedError(f"dtype {dtype} has no ONNX tensor type")
    return code


class Node:
    __slots__ = ("op_type", "inputs", "outputs", "attrs", "name", "domain")

    def __init__(self, op_type, inputs, outputs, attrs, name, domain=""):
        self.op_type, self.inputs, self.outputs = op_type, inputs, outputs
        self.attrs, self.name, self.domain = attrs, name, domain


class Floats(list):
    """Marks an attribute list as FLOATS even when it holds whole numbers."""


class GraphBuilder:
    """Collects nodes and initializers under unique value names."""

    def __init__(self, opset):
        self.opset = opset
        self.nodes = []
        self.initializers = {}          # name -> rt.Tensor (in insertion order)
        self.inputs = []                # (name, elem_type, dims)
        self.outputs = []               # (name, elem_type, dims)
        self._taken = set()
        self._consts = {}               # (dtype name, shape, values) -> name of a small constant
        self.scope = ""                 # module path of the op being emitted, for node names

    def fresh(self, hint):
        base = hint if hint not in self._taken else None
        if base is None:
            i = 1
            while f"{hint}_{i}" in self._taken:
                i += 1
            base = f"{hint}_{i}"
        self._taken.add(base)
        return base

    def reserve(self, name):
        self._taken.add(name)

    def node(self, op_type, inputs, n_out=1, domain="", **attrs):
        """Append a node; returns its output name (a list of names when n_out != 1)."""
        prefix = f"/{self.scope.replace('.', '/')}/" if self.scope else "/"
        name = self.fresh(f"{prefix}{op_type}")
        outs = [self.fresh(f"{name}_output_{i}") for i in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(Node(op_type, list(inputs), outs, attrs, name, domain))
        return outs[0] if n_out == 1 else outs

    def initializer(self, tensor, name=None):
        name = self.fresh(name or "onnx::Constant")
        self.initializers[name] = tensor.detach()
        return name

    def const(self, values, dtype=None):
        """A small constant (Python number or nested list, or a Tensor) as an initializer name."""
        if isinstance(values, rt.Tensor):
            t = values.detach()
        else:
            t = rt.tensor(values, dtype=dtype if dtype is not None else rt.int64)
        if t.numel() <= 16:
            key = (t.dtype.name, tuple(t.shape), repr(t.tolist()))
            hit = self._consts.get(key)
            if hit is None:
                hit = self._consts[key] = self.initializer(t, "onnx::Constant")
            return hit
        return self.initializer(t, "onnx::Constant")

    def ints(self, values):
        """A 1-D int64 constant."""
        return self.const([int(v) for v in values], rt.int64)


def _attribute(P, name, value):
    a = P.AttributeProto()
    a.name = name
    if isinstance(value, Floats):
        a.type, a.floats = 6, [float(v) for v in value]
    elif isinstance(value, bool) or isinstance(value, int):
        a.type, a.i = 2, int(value)
    elif isinstance(value, float):
        a.type, a.f = 1, value
    elif isinstance(value, str):
        a.type, a.s = 3, value.encode()
    elif isinstance(value, rt.Tensor):
        a.type, a.t = 4, P.rt_to_tensor(value)
    elif isinstance(value, (list, tuple)):
        if all(isinstance(v, int) for v in value):
            a.type, a.ints = 7, [int(v) for v in value]
        elif all(isinstance(v, (int, float)) for v in value):
            a.type, a.floats = 6, [float(v) for v in value]
        elif all(isinstance(v, str) for v in value):
            a.type, a.strings = 8, [v.encode() for v in value]
        else:
            raise UnsupportedError(f"attribute {name}={value!r} has no ONNX type")
    else:
        raise UnsupportedError(f"attribute {name}={value!r} has no ONNX type")
    return a


def _value_info(P, name, elem_type, dims):
    v = P.ValueInfoProto()
    v.name = name
    tp = P.TypeProto()
    tp.tensor_type.elem_type = elem_type
    shape = tp.tensor_type.shape
    for d in dims:
        dim = P.TensorShapeProto.Dimension() if hasattr(P.TensorShapeProto, "Dimension") else P.Dimension()
        if isinstance(d, str):
            dim.dim_param = d
        elif d is not None:
            dim.dim_value = int(d)
        shape.dim.append(dim)
    v.type = tp
    return v


def to_model(P, g, graph_name="main_graph", producer="rustorch"):
    """The ModelProto for builder ``g``, using the classes of module ``P`` (``_proto``)."""
    nodes = []
    for n in g.nodes:
        np_ = P.NodeProto()
        np_.op_type, np_.name, np_.domain = n.op_type, n.name, n.domain
        np_.input = list(n.inputs)
        np_.output = list(n.outputs)
        np_.attribute = [_attribute(P, k, v) for k, v in sorted(n.attrs.items())]
        nodes.append(np_)
    graph = P.GraphProto()
    graph.name = graph_name
    graph.node = nodes
    graph.initializer = [P.rt_to_tensor(t, name=k) for k, t in g.initializers.items()]
    graph.input = [_value_info(P, *i) for i in g.inputs]
    graph.output = [_value_info(P, *o) for o in g.outputs]
    model = P.ModelProto()
    model.ir_version = 8 if g.opset <= 18 else 9
    model.producer_name = producer
    model.producer_version = rt.__version__
    opset = P.OperatorSetIdProto()
    opset.domain, opset.version = "", g.opset
    model.opset_import = [opset]
    model.graph = graph
    return model
