"""``rustorch.onnx.export``: trace ``model(*args)`` into an ONNX file.

The model runs once on the example inputs while the tracer
(``_export_trace``) records what the public ops do to values that come from
the inputs (rules in ``_export_ops`` and ``_export_nn``).  Parameters and
buffers become initializers named by their state_dict keys; tensors that do
not depend on the inputs are folded into constants by the run itself.
"""
import os

import rustorch as rt
from rustorch import nn

from .._errors import InvalidArgument, InvalidType, UnsupportedError
from . import _proto
from ._export_graph import GraphBuilder, onnx_dtype, to_model
from ._export_trace import Patcher, Tracer, TracerWarning  # noqa: F401
from ._export_ops import RULES
from ._export_nn import MODULE_RULES

MIN_OPSET, MAX_OPSET = 13, 21


def export(model, args, f=None, *, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=17, do_constant_folding=True, training=False, export_params=True,
           keep_initializers_as_inputs=False, verbose=False, **unsupported):
    """Trace ``model(*args)`` and write it as an ONNX model to ``f`` (a path or a binary
    file object); returns the model's bytes.  Arguments mean what they mean in
    ``torch.onnx.export``; ``dynamic_axes`` maps input/output names to the dims that
    may vary ({name: [dims]} or {name: {dim: "label"}})."""
    if unsupported:
        raise InvalidArgument(f"export() got unsupported arguments: {sorted(unsupported)}")
    if not isinstance(model, nn.Module) and not callable(model):
        raise InvalidType(f"export expects an nn.Module or a callable, got {type(model).__name__}")
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise UnsupportedError(f"opset_version {opset_version!r} is not supported: use {MIN_OPSET}..{MAX_OPSET}")
    if training not in (False, None) and getattr(training, "name", training) not in ("EVAL", False):
        raise UnsupportedError("export with training=True is not supported: export the model in eval mode")
    if not export_params or keep_initializers_as_inputs:
        raise UnsupportedError("export_params=False / keep_initializers_as_inputs=True are not supported")
    del do_constant_folding   # values that do not depend on the inputs are folded by the trace itself

    args, kwargs = _split_args(args)
    g = GraphBuilder(opset_version)
    flat_in = [t for t in _flatten(args) if isinstance(t, rt.Tensor)] + \
              [t for t in _flatten(list(kwargs.values())) if isinstance(t, rt.Tensor)]
    in_names = _names(input_names, len(flat_in), "input")
    dyn = _check_dynamic(dynamic_axes)

    module = model if isinstance(model, nn.Module) else None
    param_names = {}
    if module is not None:
        for key, t in module.state_dict(keep_vars=True).items():
            if isinstance(t, rt.Tensor):
                param_names.setdefault(id(t), key)
    tracer = Tracer(g, param_names, dynamic=bool(dyn))
    if module is not None:
        tracer.module_names = {id(m): name for name, m in module.named_modules() if name}

    # traced copies of the inputs: float ones require grad so that anything computed
    # from them behind the tracer's back is caught (see _export_trace)
    copies = []          # in the order of flat_in (one copy per occurrence)

    def traced_copy(t):
        c = t.detach().clone()
        if c.dtype.category >= 2:
            with rt.enable_grad():
                c = c.requires_grad_() * 1
        copies.append(c)
        return c
    t_args = _map(args, lambda t: traced_copy(t) if isinstance(t, rt.Tensor) else t)
    t_kwargs = {k: _map(v, lambda t: traced_copy(t) if isinstance(t, rt.Tensor) else t) for k, v in kwargs.items()}
    for t, c, name in zip(flat_in, copies, in_names):
        g.reserve(name)
        tracer.bind(c, name)
        g.inputs.append((name, onnx_dtype(t.dtype), _dims(t, dyn.get(name, {}))))

    saved_training = module.training if module is not None else None
    saved_rg = []
    if module is not None:
        for p in module.parameters():
            saved_rg.append((p, p.requires_grad))
            p.requires_grad_(False)
        module.train(False)
    try:
        with rt.enable_grad(), Patcher(tracer, RULES, MODULE_RULES):
            out = model(*t_args, **t_kwargs)
    finally:
        if module is not None:
            module.train(saved_training)
            for p, rg in saved_rg:
                p.requires_grad_(rg)

    flat_out = _flatten(out)
    for o in flat_out:
        if not isinstance(o, rt.Tensor):
            raise UnsupportedError(f"model outputs must be tensors (or tuples/lists/dicts of them), "
                                   f"got {type(o).__name__}")
    out_names = _names(output_names, len(flat_out), "output")
    unknown = set(dyn) - set(in_names) - set(out_names)
    if unknown:
        raise InvalidArgument(f"dynamic_axes names {sorted(unknown)} are neither input names {in_names} "
                              f"nor output names {out_names}")
    _name_outputs(tracer, g, flat_out, out_names, in_names, dyn)
    _prune(g)
    data = _proto.encode_model(to_model(_proto, g))
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "wb") as fh:
                fh.write(data)
        elif hasattr(f, "write"):
            f.write(data)
        else:
            raise InvalidType(f"f must be a path or a binary file object, got {type(f).__name__}")
    if verbose:
        print(f"exported {len(g.nodes)} nodes, {len(g.initializers)} initializers")
    return data


def _split_args(args):
    if isinstance(args, rt.Tensor):
        return (args,), {}
    if not isinstance(args, (tuple, list)):
        raise InvalidType(f"args must be a Tensor or a tuple of arguments, got {type(args).__name__}")
    args = tuple(args)
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def _flatten(obj):
    if isinstance(obj, rt.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _flatten(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flatten(o)]
    if obj is None:
        return []
    return [obj]


def _map(obj, fn):
    if isinstance(obj, (list, tuple)) and not isinstance(obj, rt.Size):
        mapped = [_map(o, fn) for o in obj]
        return type(obj)(*mapped) if hasattr(obj, "_fields") else type(obj)(mapped)
    if isinstance(obj, dict):
        return {k: _map(v, fn) for k, v in obj.items()}
    return fn(obj)


def _names(given, n, prefix):
    if given is None:
        given = []
    given = list(given)
    if len(given) > n:
        raise InvalidArgument(f"{len(given)} {prefix} names given for {n} {prefix}s: {given}")
    if len(set(given)) != len(given):
        raise InvalidArgument(f"{prefix} names must be unique: {given}")
    out = given + [f"{prefix}" if n == 1 else f"{prefix}_{i}" for i in range(len(given), n)]
    return out


def _check_dynamic(dynamic_axes):
    if not dynamic_axes:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise InvalidType(f"dynamic_axes must be a dict, got {type(dynamic_axes).__name__}")
    out = {}
    for name, axes in dynamic_axes.items():
        if isinstance(axes, dict):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        elif isinstance(axes, (list, tuple)):
            out[name] = {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(axes)}
        else:
            raise InvalidType(f"dynamic_axes[{name!r}] must be a list or dict of dims, got {axes!r}")
    return out


def _dims(t, dyn_dims, unknown=False):
    nd = t.ndim
    for d in dyn_dims:
        if not -nd <= d < nd:
            raise InvalidArgument(f"dynamic axis {d} is out of range for a tensor of shape {list(t.shape)}")
    dyn_dims = {d % nd if nd else d: v for d, v in dyn_dims.items()}
    return [dyn_dims[i] if i in dyn_dims else (None if unknown else s) for i, s in enumerate(t._data.shape)]


def _name_outputs(tracer, g, flat_out, out_names, in_names, dyn):
    producers = {o: n for n in g.nodes for o in n.outputs}
    renamed = {}
    for t, name in zip(flat_out, out_names):
        src = tracer.name(t)
        if name in in_names:
            raise InvalidArgument(f"output name {name!r} is also an input name")
        node = producers.get(src)
        if node is not None and src not in renamed and name not in g._taken:
            renamed[src] = name
            g.reserve(name)
        else:            # an input, initializer or a value already given another output name
            g.reserve(name)
            g.nodes.append(_identity(g, renamed.get(src, src), name))
        g.outputs.append((name, onnx_dtype(t.dtype), _dims(t, dyn.get(name, {}), unknown=tracer.dynamic)))
    if renamed:
        for n in g.nodes:
            n.inputs = [renamed.get(i, i) for i in n.inputs]
            n.outputs = [renamed.get(o, o) for o in n.outputs]


def _identity(g, src, dst):
    from ._export_graph import Node
    return Node("Identity", [src], [dst], {}, g.fresh("/Identity"))


def _prune(g):
    """Drop nodes and initializers no output depends on (e.g. shapes read but not used)."""
    needed = {o[0] for o in g.outputs}
    keep = []
    for n in reversed(g.nodes):
        if any(o in needed for o in n.outputs):
            keep.append(n)
            needed.update(i for i in n.inputs if i)
    g.nodes = keep[::-1]
    g.initializers = {k: v for k, v in g.initializers.items() if k in needed}
