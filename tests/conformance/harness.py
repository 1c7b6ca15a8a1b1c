"""Build a case's inputs for torch and for rustorch, run both, compare.

A case is data plus ``fn(m, *inputs)``, where ``m`` is the ``torch`` or the
``rustorch`` module, so one definition drives both sides.  Inputs are made from
Python's ``random`` (no NumPy), so the same cases can be replayed where only
rustorch runs (Pyodide, the browser) against answers recorded from torch.
"""
import math
import random
import zlib


class Spec:
    """One input tensor: shape, dtype name, value range, layout."""

    def __init__(self, shape, dtype="float32", grad=None, low=-2.0, high=2.0, layout="contig",
                 values=None, distinct=False):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.grad = dtype in ("float32", "float64", "complex64", "complex128") if grad is None else grad
        self.low, self.high = low, high
        self.layout = layout          # "contig", "transposed" (non-contiguous), "expanded"
        self.values = values          # explicit nested list
        self.distinct = distinct      # all values different (sort/topk/max ties)


def T(*shape, **kw):
    return Spec(shape, **kw)


class Case:
    def __init__(self, name, fn, inputs, grad=True, atol=1e-5, rtol=1e-4, kwargs=None,
                 skip=None, check_dtype=True):
        self.name = name
        self.fn = fn
        self.inputs = [i if isinstance(i, Spec) else i for i in inputs]
        self.grad = grad
        self.atol, self.rtol = atol, rtol
        self.skip = skip or {}        # backend name -> reason
        self.check_dtype = check_dtype

    def __repr__(self):
        return self.name


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _nest(flat, shape):
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = _numel(shape[1:])
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def make_values(spec, rng):
    """Flat Python values for a spec (shape as the *stored* layout)."""
    shape = spec.shape
    if spec.layout == "transposed" and len(shape) >= 2:
        shape = shape[:-2] + (shape[-1], shape[-2])
    if spec.layout == "expanded" and len(shape) >= 1:
        shape = (1,) + shape[1:]
    n = _numel(shape)
    d = spec.dtype
    if d == "bool":
        flat = [rng.random() < 0.5 for _ in range(n)]
    elif d.startswith("int") or d == "uint8":
        lo, hi = int(spec.low), int(spec.high)
        if d == "uint8":
            lo = max(lo, 0)
        if spec.distinct:
            pool = list(range(lo, max(hi, lo + n) + 1))
            rng.shuffle(pool)
            flat = pool[:n]
        else:
            flat = [rng.randint(lo, hi) for _ in range(n)]
    elif d.startswith("complex"):
        flat = [complex(rng.uniform(spec.low, spec.high), rng.uniform(spec.low, spec.high))
                for _ in range(n)]
    else:
        if spec.distinct:
            flat = []
            seen = set()
            while len(flat) < n:
                v = round(rng.uniform(spec.low, spec.high), 3)
                if v not in seen:
                    seen.add(v)
                    flat.append(v)
        else:
            flat = [rng.uniform(spec.low, spec.high) for _ in range(n)]
        if d in ("float16", "bfloat16"):
            flat = [round(v, 2) for v in flat]
    return shape, flat


def build(m, spec, shape, flat, device=None):
    """A tensor of module ``m`` holding ``flat`` with the spec's layout."""
    dtype = getattr(m, spec.dtype)
    kw = {"dtype": dtype}
    if device is not None:
        kw["device"] = device
    if spec.values is not None:
        t = m.tensor(spec.values, **kw)
    else:
        t = m.tensor(_nest(flat, shape), **kw) if shape else m.tensor(flat[0], **kw)
        if not flat and shape:  # nested lists cannot spell (0, 3) or (2, 0)
            t = t.reshape(shape)
    if spec.layout == "transposed" and len(spec.shape) >= 2:
        t = t.transpose(-1, -2)
    elif spec.layout == "expanded" and len(spec.shape) >= 1:
        t = t.expand(*spec.shape)
    if spec.grad:
        # non-leaf layouts are detached into leaves that keep the strides
        t = t.detach().requires_grad_(True)
    return t


def case_inputs(case, m, device=None):
    rng = random.Random(zlib.crc32(case.name.encode()))
    out = []
    for spec in case.inputs:
        if not isinstance(spec, Spec):
            out.append(spec)
            continue
        shape, flat = make_values(spec, rng)
        out.append(build(m, spec, shape, flat, device))
    return out


def _as_list(x):
    if isinstance(x, (tuple, list)):
        return list(x)
    return [x]


def _is_tensor(m, x):
    return isinstance(x, m.Tensor)


def grad_outputs(m, outs, name, device=None):
    """Deterministic cotangents for the differentiable outputs."""
    rng = random.Random(zlib.crc32((name + "/grad").encode()))
    res = []
    for o in outs:
        shape = tuple(o.shape)
        n = _numel(shape)
        if o.dtype.is_complex:
            flat = [complex(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]
        else:
            flat = [rng.uniform(-1, 1) for _ in range(n)]
        kw = {"dtype": o.dtype}
        if device is not None:
            kw["device"] = device
        g = m.tensor(_nest(flat, shape), **kw) if shape else m.tensor(flat[0], **kw)
        res.append(g.reshape(shape) if n == 0 else g)
    return res


def run_case(case, m, device=None):
    """Forward (and backward) of a case under module ``m``; returns plain data:
    {"outputs": [(dtype, shape, values)], "grads": [...] or None}."""
    inputs = case_inputs(case, m, device)
    if device is not None and hasattr(m, "set_default_device"):
        # tensors a case makes itself (index lists, masks) land on its device
        prev = m.get_default_device()
        m.set_default_device(device)
        try:
            outs = _as_list(case.fn(m, *inputs))
        finally:
            m.set_default_device(prev)
    else:
        outs = _as_list(case.fn(m, *inputs))
    record = {"outputs": [_describe(o) for o in outs], "grads": None}
    if case.grad:
        diff_in = [t for t in inputs if _is_tensor(m, t) and t.requires_grad]
        diff_out = [o for o in outs if _is_tensor(m, o) and o.requires_grad]
        if diff_in and diff_out:
            gos = grad_outputs(m, diff_out, case.name, device)
            grads = m.autograd.grad(diff_out, diff_in, gos, allow_unused=True)
            record["grads"] = [None if g is None else _describe(g) for g in grads]
    return record


def _describe(o):
    if hasattr(o, "tolist") and hasattr(o, "dtype"):
        return (str(o.dtype).split(".")[-1], list(o.shape), o.detach().tolist())
    if isinstance(o, (list, tuple)):
        return ("list", [len(o)], [_describe(x) for x in o])
    return ("py", [], o)


def _flatten(v):
    if isinstance(v, list):
        for x in v:
            yield from _flatten(x)
    else:
        yield v


def _close(a, b, atol, rtol):
    if isinstance(a, complex) or isinstance(b, complex):
        return _close(complex(a).real, complex(b).real, atol, rtol) and \
            _close(complex(a).imag, complex(b).imag, atol, rtol)
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= atol + rtol * abs(b)
    return a == b


def compare_described(got, want, atol, rtol, what, check_dtype=True):
    gd, gs, gv = got
    wd, ws, wv = want
    if gd == "list" or wd == "list":
        assert gd == wd and len(gv) == len(wv), f"{what}: {gd}{gs} vs {wd}{ws}"
        for i, (g, w) in enumerate(zip(gv, wv)):
            compare_described(g, w, atol, rtol, f"{what}[{i}]", check_dtype)
        return
    if check_dtype:
        assert gd == wd, f"{what}: dtype {gd} != torch's {wd}"
    assert list(gs) == list(ws), f"{what}: shape {gs} != torch's {ws}"
    gf, wf = list(_flatten(gv)), list(_flatten(wv))
    assert len(gf) == len(wf), f"{what}: {len(gf)} values != torch's {len(wf)}"
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(gf, wf)) if not _close(g, w, atol, rtol)]
    assert not bad, f"{what}: {len(bad)} of {len(gf)} values differ from torch, first {bad[:3]}"


def compare_records(got, want, case):
    assert len(got["outputs"]) == len(want["outputs"]), \
        f"{len(got['outputs'])} outputs vs torch's {len(want['outputs'])}"
    for i, (g, w) in enumerate(zip(got["outputs"], want["outputs"])):
        compare_described(g, w, case.atol, case.rtol, f"output {i}", case.check_dtype)
    if want["grads"] is not None:
        assert got["grads"] is not None, "no gradients computed"
        for i, (g, w) in enumerate(zip(got["grads"], want["grads"])):
            if w is None:
                continue  # torch has no gradient: rustorch may give None or zeros
            assert g is not None, f"gradient {i}: missing (torch has one)"
            compare_described(g, w, case.atol * 10, case.rtol * 10, f"grad {i}", case.check_dtype)
