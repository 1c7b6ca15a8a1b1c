"""Run an ONNX graph with rustorch ops: :func:`load` and :class:`OnnxModule`.

A model is compiled once, at load time, into a *plan* per graph (the main graph
and every If/Loop/Scan body): the operator implementation of each node, its
decoded attributes, and which values die after it.  Compiling up front means
unknown operators, undefined values and broken topological order are reported
when the file is loaded, not halfway through a forward pass.

Values live in one dict per graph run; a value is dropped after its last use
(so activations do not pile up), and subgraphs read enclosing values through the
dict of the graph that runs them.  Sequences are Python lists of Tensors, an
empty optional is ``None``.
"""
import os
import re

import rustorch as rt

from .._errors import (DataNotFoundError, DTypeError, FormatError, InvalidArgument, InvalidType,
                       RustorchError, ShapeError, UnsupportedError, shape_str)
from ..nn.modules.module import Module
from ..nn.parameter import Parameter
from . import _ops
from ._ops import NodeContext
from ._proto import DATA_TYPE_NAMES, ONNX_TO_RT, decode_model, tensor_to_rt

# IR versions this reader understands (onnx 1.23 writes 13/14; 3 is the first with opset_import).
MAX_IR_VERSION = 14
# Functions may call functions; a cycle would recurse forever while inlining.
_MAX_FUNCTION_DEPTH = 32
# Each function call site is compiled on its own, so nested calls multiply: a hostile
# file could expand to billions of nodes.  No real model comes near this.
MAX_COMPILED_NODES = 2_000_000

# AttributeProto.type values (onnx.proto AttributeType).
_A_FLOAT, _A_INT, _A_STRING, _A_TENSOR, _A_GRAPH = 1, 2, 3, 4, 5
_A_FLOATS, _A_INTS, _A_STRINGS, _A_TENSORS, _A_GRAPHS = 6, 7, 8, 9, 10
_A_SPARSE_TENSOR, _A_SPARSE_TENSORS, _A_TYPE_PROTO, _A_TYPE_PROTOS = 11, 12, 13, 14

# ----------------------------------------------------------------- proto access
# The model may be our own _proto classes or the `onnx` package's messages: the
# field names are the same, only "is this optional field set?" differs.

def _has(msg, field):
    """Whether optional field ``field`` of ``msg`` is set (proto2-style presence)."""
    return msg is not None and msg.HasField(field)


def _sub(msg, field):
    """An optional sub-message, or None when unset."""
    return getattr(msg, field) if _has(msg, field) else None


def elem_type_name(elem_type):
    """float32, int64 ... for types rustorch has, ONNX's own name (UINT16 ...) otherwise."""
    dtype = ONNX_TO_RT.get(elem_type)
    if dtype is not None:
        return str(dtype).replace("rustorch.", "")
    return DATA_TYPE_NAMES.get(elem_type, f"data type {elem_type}")


def _type_str(tp):
    """A readable form of a TypeProto: tensor(float32)[N, 3], seq(tensor(int64)) ..."""
    if tp is None:
        return "any"
    tt = _sub(tp, "tensor_type")
    if tt is not None:
        s = f"tensor({elem_type_name(tt.elem_type)})"
        shape = _sub(tt, "shape")
        if shape is not None:
            s += "[" + ", ".join(_dim_str(d) for d in shape.dim) + "]"
        return s
    st = _sub(tp, "sequence_type")
    if st is not None:
        return f"seq({_type_str(_sub(st, 'elem_type'))})"
    ot = _sub(tp, "optional_type")
    if ot is not None:
        return f"optional({_type_str(_sub(ot, 'elem_type'))})"
    return "unsupported type"


def _dim_str(d):
    if _has(d, "dim_value"):
        return str(d.dim_value)
    return d.dim_param or "?"


# ----------------------------------------------------------------- attributes

def _decode_attr(a, device, base_dir, where):
    """One AttributeProto as a Python value (see NodeContext.attrs)."""
    kind = a.type
    if kind == 0:          # very old writers leave type unset: infer it from what is filled
        kind = _infer_attr_type(a)
    if kind == _A_FLOAT:
        return float(a.f)
    if kind == _A_INT:
        return int(a.i)
    if kind == _A_STRING:
        return _text(a.s, where, a.name)
    if kind == _A_TENSOR:
        return _tensor(a.t, device, base_dir)
    if kind == _A_GRAPH:
        return a.g
    if kind == _A_FLOATS:
        return [float(v) for v in a.floats]
    if kind == _A_INTS:
        return [int(v) for v in a.ints]
    if kind == _A_STRINGS:
        return [_text(v, where, a.name) for v in a.strings]
    if kind == _A_TENSORS:
        return [_tensor(t, device, base_dir) for t in a.tensors]
    if kind == _A_GRAPHS:
        return list(a.graphs)
    if kind == _A_TYPE_PROTO:
        return a.tp
    if kind == _A_TYPE_PROTOS:
        return list(a.type_protos)
    if kind in (_A_SPARSE_TENSOR, _A_SPARSE_TENSORS):
        raise UnsupportedError(f"attribute {a.name!r} of {where} is a sparse tensor, which rustorch "
                               "does not support")
    raise FormatError(f"attribute {a.name!r} of {where} has unknown type {kind}")


def _infer_attr_type(a):
    for kind, field in ((_A_FLOATS, "floats"), (_A_INTS, "ints"), (_A_STRINGS, "strings"),
                        (_A_TENSORS, "tensors"), (_A_GRAPHS, "graphs")):
        if len(getattr(a, field, ())):
            return kind
    for kind, field in ((_A_TENSOR, "t"), (_A_GRAPH, "g")):
        if _has(a, field):
            return kind
    if getattr(a, "s", b""):
        return _A_STRING
    if getattr(a, "f", 0.0):
        return _A_FLOAT
    return _A_INT


def _text(b, where, name):
    if isinstance(b, str):
        return b
    try:
        return bytes(b).decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"string attribute {name!r} of {where} is not valid UTF-8") from None


def _tensor(t, device, base_dir):
    return tensor_to_rt(t, device=device, base_dir=base_dir)


# ----------------------------------------------------------------- compiled plans

class _Step:
    """One node, ready to run."""
    __slots__ = ("fn", "ctx", "inputs", "outputs", "free", "subplans", "where")

    def __init__(self, fn, ctx, inputs, outputs, subplans, where):
        self.fn = fn
        self.ctx = ctx
        self.inputs = inputs          # value names ('' = omitted optional input)
        self.outputs = outputs
        self.free = ()                # names no later step (or graph output) reads
        self.subplans = subplans      # [(GraphProto, _Plan)] for control-flow bodies (matched by
        #                               identity, which deepcopy keeps, unlike id())
        self.where = where


class _Plan:
    """A graph compiled against its enclosing scope."""
    __slots__ = ("steps", "inputs", "input_types", "outputs", "output_types", "outer", "consts",
                 "name")

    def __init__(self, name):
        self.name = name
        self.steps = []
        self.inputs = []        # graph input names, in order
        self.input_types = []   # their TypeProto (or None)
        self.outputs = []
        self.output_types = []
        self.outer = []         # names read from enclosing graphs
        self.consts = {}        # initializers of this (sub)graph: name -> Tensor


class _Compiler:
    """Turns graphs into plans, collecting every unsupported operator on the way."""

    def __init__(self, opsets, functions, device, base_dir):
        self.opsets = opsets
        self.base_dir = base_dir
        self.functions = functions      # (domain, name, overload) -> FunctionProto
        self.device = device
        self.unsupported = {}           # "domain::Op" -> reason
        self.depth = 0
        self.compiled = 0               # nodes compiled so far (see MAX_COMPILED_NODES)
        self.function_plans = {}        # function key -> plan, for call sites without attributes

    # -- graph --------------------------------------------------------------
    def graph(self, g, outer_names, opsets, consts=None, inputs=None, input_types=None,
              outputs=None, ref_attrs=None, label=None):
        """Compile a GraphProto (or a function body: then inputs/outputs are given)."""
        plan = _Plan(label or getattr(g, "name", "") or "graph")
        if consts is None:
            consts = {}
            for t in getattr(g, "initializer", ()):
                if t.name in consts:
                    raise FormatError(f"graph {plan.name!r} has two initializers named {t.name!r}")
                consts[t.name] = _tensor(t, self.device, self.base_dir)
            if len(getattr(g, "sparse_initializer", ())):
                raise UnsupportedError(f"graph {plan.name!r} has sparse initializers, which "
                                       "rustorch does not support")
        plan.consts = consts
        if inputs is None:
            inputs = [v.name for v in g.input]
            input_types = [_sub(v, "type") for v in g.input]
            outputs = [v.name for v in g.output]
            plan.output_types = [_sub(v, "type") for v in g.output]
        plan.inputs, plan.input_types, plan.outputs = list(inputs), list(input_types), list(outputs)

        defined = set(plan.inputs) | set(consts)
        outer = []
        last_use = {}

        def read(name, i, who):
            if name in defined:
                last_use[name] = i
            elif name in outer_names:
                if name not in outer:
                    outer.append(name)
            else:
                raise FormatError(f"{who} reads {name!r}, which is not defined before it (ONNX "
                                  "graphs must list nodes in topological order)")

        nodes = g.node
        self.compiled += len(nodes)
        if self.compiled > MAX_COMPILED_NODES:
            raise FormatError(f"the model expands to more than {MAX_COMPILED_NODES} nodes once its "
                              "functions are inlined")
        for i, node in enumerate(nodes):
            where = f"node {node.name or i} ({node.op_type})"
            subplans, step = [], None
            for name in node.input:
                if name:
                    read(name, i, where)
            step = self.node(node, opsets, lambda: defined | outer_names, subplans, ref_attrs, where)
            for _, sub in subplans:            # values a body reads from this scope are used here
                for name in sub.outer:
                    read(name, i, f"a subgraph of {where}")
            for name in node.output:
                if not name:
                    continue
                if name in defined:
                    raise FormatError(f"{where} writes {name!r}, which is already defined (ONNX "
                                      "values are assigned once)")
                defined.add(name)
                last_use.setdefault(name, i)
            plan.steps.append(step)
        for name in plan.outputs:
            read(name, len(nodes), f"graph output of {plan.name!r}")
        keep = set(plan.outputs)
        frees = {}
        for name, i in last_use.items():
            if name not in keep and i < len(nodes):
                frees.setdefault(i, []).append(name)
        for i, step in enumerate(plan.steps):
            if step is not None:
                step.free = tuple(frees.get(i, ()))
        plan.outer = outer
        return plan

    # -- one node -------------------------------------------------------------
    def node(self, node, opsets, visible, subplans, ref_attrs, where):
        """A _Step for ``node`` (None if its op is unsupported: collected, reported later).
        ``visible()`` gives the names a body of this node may read from enclosing scopes."""
        domain = "" if node.domain == "ai.onnx" else node.domain
        key = (node.domain, node.op_type, getattr(node, "overload", ""))
        attrs = {}
        for a in node.attribute:
            if getattr(a, "ref_attr_name", ""):
                if ref_attrs is None:
                    raise FormatError(f"attribute {a.name!r} of {where} refers to "
                                      f"{a.ref_attr_name!r} outside a function")
                if a.ref_attr_name in ref_attrs:
                    attrs[a.name] = ref_attrs[a.ref_attr_name]
                continue
            attrs[a.name] = _decode_attr(a, self.device, self.base_dir, where)
        for value in attrs.values():
            for g in (value if isinstance(value, list) else [value]):
                if _is_graph(g):
                    subplans.append((g, self.graph(g, visible(), opsets, ref_attrs=ref_attrs,
                                                   label=f"{_attr_label(attrs, g)} of {where}")))
        if key in self.functions:
            fn = self._function(key, attrs, where)
            opset = 0
        else:
            if domain not in opsets:
                raise FormatError(f"{where} uses domain {node.domain!r}, which the model does not "
                                  f"import (opset_import has {sorted(opsets)})")
            opset = opsets[domain]
            try:
                fn = _ops.lookup(node.op_type, opset, domain)
            except UnsupportedError as e:
                name = f"{domain}::{node.op_type}" if domain else node.op_type
                self.unsupported.setdefault(name, str(e))
                return None
        ctx = NodeContext(node, attrs, opset, self.device, None)
        return _Step(fn, ctx, list(node.input), list(node.output), subplans, where)

    # -- model-local functions ------------------------------------------------
    def _function(self, key, attrs, where):
        """Compile a FunctionProto call site into a callable (attributes bound at this site;
        call sites without attributes share one plan)."""
        f = self.functions[key]
        plan = None if attrs else self.function_plans.get(key)
        if plan is None:
            plan = self._function_plan(f, attrs, where)
            if not attrs:
                self.function_plans[key] = plan

        def call(ctx, *inputs):
            return tuple(_run_plan(plan, list(inputs), {}))
        return call

    def _function_plan(self, f, attrs, where):
        if self.depth >= _MAX_FUNCTION_DEPTH:
            raise FormatError(f"{where}: model-local functions nest deeper than "
                              f"{_MAX_FUNCTION_DEPTH} (recursive function?)")
        bound = {}
        for a in getattr(f, "attribute_proto", ()):      # defaults
            bound[a.name] = _decode_attr(a, self.device, self.base_dir, f"function {f.name}")
        bound.update(attrs)
        opsets = dict(self.opsets)
        for o in getattr(f, "opset_import", ()):
            opsets["" if o.domain == "ai.onnx" else o.domain] = o.version
        self.depth += 1
        try:
            plan = self.graph(f, set(), opsets, consts={}, inputs=list(f.input),
                              input_types=[None] * len(f.input), outputs=list(f.output),
                              ref_attrs=bound, label=f"function {f.domain}::{f.name}")
        finally:
            self.depth -= 1
        return plan


def _attr_label(attrs, g):
    for k, v in attrs.items():
        if v is g or (isinstance(v, list) and any(x is g for x in v)):
            return f"attribute {k!r}"
    return "subgraph"


def _is_graph(v):
    return hasattr(v, "node") and hasattr(v, "output") and hasattr(v, "initializer")


# ----------------------------------------------------------------- execution

def _run_plan(plan, inputs, outer):
    """Run a compiled graph: ``inputs`` in graph-input order, ``outer`` the values of
    the enclosing graph (for bodies).  Returns the outputs as a list."""
    if len(inputs) > len(plan.inputs):
        raise InvalidArgument(f"{plan.name} takes {len(plan.inputs)} inputs, got {len(inputs)}")
    values = dict(plan.consts)
    for name in plan.outer:
        values[name] = outer[name]
    for name, v in zip(plan.inputs, inputs):
        values[name] = v
    for name in plan.inputs[len(inputs):]:     # trailing inputs not given: optional / initializer
        values.setdefault(name, None)
    for step in plan.steps:
        args = [values[n] if n else None for n in step.inputs]
        ctx = step.ctx
        if step.subplans:
            ctx = NodeContext(ctx.node, ctx.attrs, ctx.opset, ctx.device,
                              _graph_runner(step.subplans, values))
        try:
            result = step.fn(ctx, *args)
        except RustorchError as e:
            raise _at_node(e, step.where) from e
        except (KeyError, AttributeError, TypeError, ZeroDivisionError, OverflowError) as e:
            # A bug-shaped exception from deep inside an op: say which node it came from.
            raise InvalidArgument(f"{step.where} failed: {type(e).__name__}: {e}") from e
        outs = step.outputs
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) < len(outs) and any(outs[len(result):]):
            raise UnsupportedError(f"{step.where} produced {len(result)} outputs, the model asks "
                                   f"for {len(outs)}")
        for name, v in zip(outs, result):
            if name:
                values[name] = v
        for name in step.free:
            values.pop(name, None)
    return [values[name] for name in plan.outputs]


def _at_node(e, where):
    """The same kind of error, its message prefixed with the node it came from."""
    try:
        return type(e)(f"{where}: {e}")
    except Exception:           # an error class with another constructor: keep it as is
        return e


def _graph_runner(subplans, values):
    def run_graph(graph, inputs, outer_scope=None):
        for g, plan in subplans:
            if g is graph:
                return _run_plan(plan, list(inputs), values if outer_scope is None else outer_scope)
        raise InvalidArgument("an op ran a graph that is not one of its node's attributes")
    return run_graph


# ----------------------------------------------------------------- the module

def _sanitize(name, taken):
    key = re.sub(r"[^0-9A-Za-z_]", "_", name) or "param"
    if key[0].isdigit():
        key = "p_" + key
    base, n = key, 1
    while key in taken or hasattr(OnnxModule, key):
        key = f"{base}_{n}"
        n += 1
    taken.add(key)
    return key


class OnnxModule(Module):
    """An ONNX graph as a rustorch module.

    ``forward(*inputs, **named)`` takes the graph inputs (rt Tensors, lists of
    Tensors for sequences, ``None`` for an empty optional) in ``input_names``
    order or by name, and returns one value or a tuple in ``output_names`` order.
    Float initializers are parameters (named after the initializer with
    characters other than letters, digits and ``_`` replaced by ``_``)."""

    def __init__(self, plan, param_keys, device, ir_version, opsets, producer=""):
        super().__init__()
        d = self.__dict__
        d["_plan"] = plan
        d["_param_keys"] = param_keys            # initializer name -> attribute name here
        d["_device"] = rt.device(device) if device is not None else rt.device("cpu")
        d["ir_version"] = ir_version
        d["opset_import"] = dict(opsets)
        d["producer_name"] = producer
        inits = set(param_keys)
        d["input_names"] = [n for n in plan.inputs if n not in inits]
        listed = set(plan.inputs)
        d["_init_only"] = [n for n in param_keys if n not in listed]   # not overridable by inputs
        d["output_names"] = list(plan.outputs)
        d["_input_types"] = {n: t for n, t in zip(plan.inputs, plan.input_types)}

    @property
    def device(self):
        return self._device

    def extra_repr(self):
        return f"inputs={self.input_names}, outputs={self.output_names}, opset={self.opset_import}"

    def forward(self, *args, **named):
        plan = self._plan
        names = self.input_names
        if len(args) > len(names):
            raise InvalidArgument(f"the model takes {len(names)} inputs {names}, got {len(args)}")
        given = dict(zip(names, args))
        for k, v in named.items():
            if k not in self._input_types:
                raise InvalidArgument(f"the model has no input named {k!r}; its inputs are {names}")
            if k in given:
                raise InvalidArgument(f"input {k!r} given both by position and by name")
            given[k] = v
        feeds = []
        for name in plan.inputs:
            if name in given:
                feeds.append(self._check_input(name, given[name]))
            elif name in self._param_keys:
                feeds.append(self._tensor_of(name))
            elif self._is_optional(name):
                feeds.append(None)
            else:
                missing = [n for n in names if n not in given and not self._is_optional(n)]
                raise InvalidArgument(f"missing model inputs {missing} (the model takes {names})")
        params = {n: self._tensor_of(n) for n in self._init_only}
        outs = _run_plan(_WithParams(plan, params), feeds, {})
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _tensor_of(self, init_name):
        key = self._param_keys[init_name]
        p = self._parameters.get(key)
        return p if p is not None else self._buffers[key]

    def _is_optional(self, name):
        return _sub(self._input_types.get(name), "optional_type") is not None

    def _check_input(self, name, v):
        tp = self._input_types.get(name)
        if isinstance(v, rt.Tensor):
            if v.device != self._device:
                v = v.to(self._device)
        elif isinstance(v, (list, tuple)):
            v = [t.to(self._device) if isinstance(t, rt.Tensor) and t.device != self._device else t
                 for t in v]
        elif v is not None:
            raise InvalidType(f"input {name!r} must be a rustorch Tensor (or a list of Tensors for "
                              f"a sequence), got {type(v).__name__}")
        if tp is not None:
            _check_value(name, v, tp)
        return v

    def _apply(self, fn):
        super()._apply(fn)
        # Where did .to()/.cuda() send the parameters?  Ask fn with a probe tensor.
        probe = fn(rt.zeros(1, device=self._device))
        if probe.device != self._device:
            self.__dict__["_device"] = probe.device
            _move_plan(self._plan, probe.device, set())
        return self


class _WithParams:
    """A plan view whose constants are the module's current parameters/buffers."""
    __slots__ = ("_plan", "consts")

    def __init__(self, plan, params):
        self._plan = plan
        self.consts = params

    def __getattr__(self, name):
        return getattr(self._plan, name)


def _move_plan(plan, device, seen):
    if id(plan) in seen:
        return
    seen.add(id(plan))
    for name, t in plan.consts.items():
        plan.consts[name] = t.to(device)
    for step in plan.steps:
        ctx = step.ctx
        for k, v in ctx.attrs.items():
            if isinstance(v, rt.Tensor):
                ctx.attrs[k] = v.to(device)
            elif isinstance(v, list) and v and isinstance(v[0], rt.Tensor):
                ctx.attrs[k] = [t.to(device) for t in v]
        ctx.device = device
        for _, sub in step.subplans:
            _move_plan(sub, device, seen)


def _check_value(name, v, tp):
    """Check a graph input against its declared TypeProto."""
    ot = _sub(tp, "optional_type")
    if ot is not None:
        if v is None:
            return
        inner = _sub(ot, "elem_type")
        return _check_value(name, v, inner) if inner is not None else None
    st = _sub(tp, "sequence_type")
    if st is not None:
        if not isinstance(v, list):
            raise InvalidType(f"input {name!r} is a sequence ({_type_str(tp)}): pass a list of "
                              f"Tensors, not {type(v).__name__}")
        inner = _sub(st, "elem_type")
        for i, t in enumerate(v):
            if inner is not None:
                _check_value(f"{name}[{i}]", t, inner)
        return
    tt = _sub(tp, "tensor_type")
    if tt is None:
        return
    if not isinstance(v, rt.Tensor):
        raise InvalidType(f"input {name!r} must be a Tensor ({_type_str(tp)}), got {type(v).__name__}")
    want = tt.elem_type
    if want:
        dtype = ONNX_TO_RT.get(want)
        if dtype is None:
            raise UnsupportedError(f"input {name!r} is declared {elem_type_name(want)}, which "
                                   "rustorch has no dtype for")
        if v.dtype != dtype:
            raise DTypeError(f"input {name!r} must be {dtype} ({_type_str(tp)}), got {v.dtype}")
    shape = _sub(tt, "shape")
    if shape is None:
        return
    dims = list(shape.dim)
    if len(dims) != v.dim():
        raise ShapeError(f"input {name!r} must have rank {len(dims)} ({_type_str(tp)}), got shape "
                         f"{shape_str(v.shape)}")
    for i, (d, n) in enumerate(zip(dims, v.shape)):
        if _has(d, "dim_value") and not d.dim_param and d.dim_value != n:
            raise ShapeError(f"input {name!r} must have shape [{', '.join(_dim_str(x) for x in dims)}]"
                             f", got {shape_str(v.shape)} (dim {i})")


# ----------------------------------------------------------------- load

def _read_model(f, base_dir):
    if hasattr(f, "graph") and hasattr(f, "opset_import"):
        return f, base_dir
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if not os.path.isfile(path):
            raise DataNotFoundError(f"ONNX model file {path!r} does not exist")
        with open(path, "rb") as fh:
            data = fh.read()
        if base_dir is None:
            base_dir = os.path.dirname(os.path.abspath(path))
    elif isinstance(f, (bytes, bytearray, memoryview)):
        data = bytes(f)
    elif hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidType("the file object must be opened in binary mode ('rb')")
        if base_dir is None and isinstance(getattr(f, "name", None), str):
            base_dir = os.path.dirname(os.path.abspath(f.name))
    else:
        raise InvalidType(f"rustorch.onnx.load takes a path, bytes, a binary file object or a "
                          f"ModelProto, got {type(f).__name__}")
    if not data:
        raise FormatError("the ONNX model is empty (0 bytes)")
    return decode_model(bytes(data)), base_dir


def _opsets(model):
    opsets = {}
    for o in model.opset_import:
        dom = "" if o.domain == "ai.onnx" else o.domain
        opsets[dom] = int(o.version)
    if "" not in opsets and model.ir_version < 3:
        opsets[""] = 1      # before IR 3 the default opset was implied
    return opsets


def load(f, device=None, trainable=True, base_dir=None):
    """Read an ONNX model (path, bytes, binary file object or ModelProto) as an
    :class:`OnnxModule` on ``device``.

    Float initializers become parameters (``requires_grad=trainable``), the others
    buffers.  Every operator is resolved now: a model with operators rustorch
    lacks fails here with one :class:`UnsupportedError` naming all of them."""
    model, base_dir = _read_model(f, base_dir)
    ir = int(getattr(model, "ir_version", 0) or 0)
    if ir < 1:
        raise FormatError("the ONNX model has no ir_version: not an ONNX model, or a corrupted one")
    if ir > MAX_IR_VERSION:
        raise UnsupportedError(f"the ONNX model has IR version {ir}; rustorch reads up to "
                               f"{MAX_IR_VERSION}")
    graph = _sub(model, "graph")
    if graph is None:
        raise FormatError("the ONNX model has no graph")
    opsets = _opsets(model)
    device = rt.device(device) if device is not None else rt.device(rt.get_default_device())
    functions = {}
    for fp in getattr(model, "functions", ()):
        functions[(fp.domain, fp.name, getattr(fp, "overload", ""))] = fp

    comp = _Compiler(opsets, functions, device, base_dir)
    consts = {}
    for t in graph.initializer:
        if not t.name:
            raise FormatError("the graph has an initializer without a name")
        if t.name in consts:
            raise FormatError(f"the graph has two initializers named {t.name!r}")
        consts[t.name] = _tensor(t, device, base_dir)
    if len(getattr(graph, "sparse_initializer", ())):
        raise UnsupportedError("the graph has sparse initializers, which rustorch does not support")
    plan = comp.graph(graph, set(), opsets, consts=consts)
    if comp.unsupported:
        names = sorted(comp.unsupported)
        detail = "; ".join(comp.unsupported[n] for n in names)
        raise UnsupportedError(f"the model uses ONNX operators rustorch does not support: "
                               f"{', '.join(names)} ({detail})")
    plan.consts = {}      # the main graph's initializers live on the module (parameters/buffers)
    taken, keys = set(), {}
    for name in consts:
        keys[name] = _sanitize(name, taken)
    module = OnnxModule(plan, keys, device, ir, opsets, getattr(model, "producer_name", ""))
    for name, t in consts.items():
        if t.is_floating_point():
            module.register_parameter(keys[name], Parameter(t, requires_grad=trainable))
        else:
            module.register_buffer(keys[name], t)
    return module
