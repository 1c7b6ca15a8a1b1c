"""Property tests (hypothesis): broadcasting, chains of view ops, autograd
identities and type promotion, checked against torch or against identities."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import given, settings, strategies as st  # noqa: E402

import rustorch as rt  # noqa: E402

FAST = settings(max_examples=60, deadline=None)
SOME = settings(max_examples=40, deadline=None)

dims = st.integers(min_value=0, max_value=4)
shapes = st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=4).map(tuple)
# sizes 1..4 (no empty dims): for chains whose ops need non-empty dims
full_shapes = st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4).map(tuple)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _values(shape, seed=0, dtype="float32"):
    rng = np.random.default_rng(seed + 7 * len(shape) + _numel(shape))
    a = rng.uniform(-2, 2, size=shape)
    return a.astype(dtype) if dtype != "bool" else np.asarray(a > 0)


def _rt(arr, requires_grad=False):
    """A rustorch tensor holding a NumPy array's values (any shape, incl. empty)."""
    t = rt.tensor(arr.tolist(), dtype=getattr(rt, str(arr.dtype))).reshape(arr.shape)
    return t.requires_grad_() if requires_grad else t


def _pair(arr):
    """The same values as a rustorch and a torch tensor."""
    return _rt(arr), torch.tensor(arr)


def _close(r, t, rtol=1e-5, atol=1e-6):
    assert list(r.shape) == list(t.shape), (list(r.shape), list(t.shape))
    assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (r.dtype, t.dtype)
    if t.dtype.is_complex:
        want = t.detach().to(torch.complex128).numpy()
        got = np.asarray(r.detach().tolist(), dtype=np.complex128).reshape(want.shape)
    else:
        want = t.detach().double().numpy()
        got = np.asarray(r.detach().tolist(), dtype=np.float64).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _shape_text(s):
    return "[" + ", ".join(str(n) for n in s) + "]"


# ------------------------------------------------------------------ broadcasting
@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast (built from one target shape)."""
    target = draw(shapes)
    out = []
    for _ in range(2):
        k = draw(st.integers(0, len(target)))
        s = list(target[len(target) - k:])
        for i in range(len(s)):
            if draw(st.booleans()):
                s[i] = 1
        out.append(tuple(s))
    return out


@FAST
@given(broadcastable_pair(), st.sampled_from(["add", "mul", "sub", "maximum"]))
def test_broadcasting_binary_matches_torch(pair, op):
    a, b = pair
    (ra, ta), (rb, tb) = _pair(_values(a, 1)), _pair(_values(b, 2))
    r, t = getattr(rt, op)(ra, rb), getattr(torch, op)(ta, tb)
    _close(r, t)
    assert tuple(rt.broadcast_shapes(a, b)) == tuple(torch.broadcast_shapes(a, b))


@FAST
@given(shapes, shapes, st.sampled_from(["add", "mul"]))
def test_any_shapes_broadcast_or_raise_like_torch(a, b, op):
    (ra, ta), (rb, tb) = _pair(_values(a, 3)), _pair(_values(b, 4))
    try:
        t = getattr(torch, op)(ta, tb)
    except RuntimeError:
        with pytest.raises(rt.ShapeError) as ei:
            getattr(rt, op)(ra, rb)
        assert isinstance(ei.value, RuntimeError)
        msg = str(ei.value)
        assert _shape_text(a) in msg and _shape_text(b) in msg, msg
        with pytest.raises(rt.ShapeError):
            rt.broadcast_shapes(a, b)
        return
    _close(getattr(rt, op)(ra, rb), t)


@FAST
@given(st.data())
def test_where_broadcasting_matches_torch(data):
    target = data.draw(shapes)

    def sub():
        k = data.draw(st.integers(0, len(target)))
        return tuple(1 if data.draw(st.booleans()) else n for n in target[len(target) - k:])
    c, x, y = sub(), sub(), sub()
    rc, tc = _pair(_values(c, 5, "bool"))
    (rx, tx), (ry, ty) = _pair(_values(x, 6)), _pair(_values(y, 7))
    _close(rt.where(rc, rx, ry), torch.where(tc, tx, ty))


@FAST
@given(shapes, shapes, shapes)
def test_where_bad_shapes_raise_shape_error(c, x, y):
    try:
        torch.broadcast_shapes(c, x, y)
        return
    except RuntimeError:
        pass
    rc = _rt(_values(c, 8, "bool"))
    rx, ry = rt.zeros(x), rt.ones(y)
    with pytest.raises(rt.ShapeError) as ei:
        rt.where(rc, rx, ry)
    assert isinstance(ei.value, RuntimeError)


@SOME
@given(broadcastable_pair())
def test_broadcast_gradients_match_torch(pair):
    a, b = pair
    ra, rb = _rt(_values(a, 9, "float64"), True), _rt(_values(b, 10, "float64"), True)
    ta = torch.tensor(_values(a, 9, "float64"), requires_grad=True)
    tb = torch.tensor(_values(b, 10, "float64"), requires_grad=True)
    (ra * rb + ra).sum().backward()
    (ta * tb + ta).sum().backward()
    _close(ra.grad, ta.grad)
    _close(rb.grad, tb.grad)


# ------------------------------------------------------------------ chains of view ops
def _draw_op(data, shape, bijective_only=False, strided_ok=True, writable=False):
    """One view op valid for ``shape``: (description, fn(m, t)).  ``strided_ok``
    False leaves out the ops the NumPy backend builds with as_strided
    (diagonal, unfold): on an input that itself came from as_strided it loses
    track of the storage (see _chain)."""
    nd = len(shape)
    kinds = ["permute", "transpose", "reshape", "unsqueeze", "flatten", "movedim"]
    if any(n == 1 for n in shape):
        kinds.append("squeeze")
    if not bijective_only:
        kinds += ["slice", "narrow", "select", "split", "t", "diagonal"]
        if not writable:  # these two overlap memory
            kinds += ["expand", "unfold"]
        if not strided_ok:
            kinds = [k for k in kinds if k not in ("diagonal", "unfold")]
    kind = data.draw(st.sampled_from(kinds))
    if nd == 0 and kind in ("permute", "transpose", "movedim", "slice", "narrow", "select",
                            "diagonal", "unfold", "split", "t"):
        kind = "unsqueeze"
    if kind == "permute":
        perm = data.draw(st.permutations(range(nd)))
        return f"permute{tuple(perm)}", lambda m, t: t.permute(*perm)
    if kind == "transpose":
        i, j = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        return f"transpose({i},{j})", lambda m, t: t.transpose(i, j)
    if kind == "movedim":
        i, j = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        return f"movedim({i},{j})", lambda m, t: t.movedim(i, j)
    if kind == "reshape":
        n = _numel(shape)
        new, rest = [], n
        for _ in range(data.draw(st.integers(0, 3))):
            divs = [d for d in range(1, rest + 1) if rest % d == 0] or [1]
            d = data.draw(st.sampled_from(divs))
            new.append(d)
            rest //= d
        new.append(rest)
        if data.draw(st.booleans()):
            new[data.draw(st.integers(0, len(new) - 1))] = -1
            if n == 0:
                new = [0 if v == -1 else v for v in new]
        return f"reshape{tuple(new)}", lambda m, t: t.reshape(*new)
    if kind == "unsqueeze":
        d = data.draw(st.integers(-nd - 1, nd))
        return f"unsqueeze({d})", lambda m, t: t.unsqueeze(d)
    if kind == "squeeze":
        d = data.draw(st.sampled_from([i for i, n in enumerate(shape) if n == 1]))
        return f"squeeze({d})", lambda m, t: t.squeeze(d)
    if kind == "flatten":
        if nd == 0:
            return "flatten()", lambda m, t: t.flatten()
        a = data.draw(st.integers(0, nd - 1))
        b = data.draw(st.integers(a, nd - 1))
        return f"flatten({a},{b})", lambda m, t: t.flatten(a, b)
    if kind == "t" and nd <= 2:
        return "t()", lambda m, t: t.t()
    if kind == "expand":
        target = tuple(data.draw(st.integers(1, 3)) if s == 1 else s for s in shape)
        lead = tuple(data.draw(st.lists(st.integers(1, 2), min_size=0 if nd else 1, max_size=1)))
        return f"expand{lead + target}", lambda m, t: t.expand(*(lead + target))
    d = data.draw(st.integers(0, nd - 1))
    n = shape[d]
    if kind == "slice":
        start = data.draw(st.integers(0, n))
        stop = data.draw(st.integers(start, n))
        step = data.draw(st.integers(1, 3))
        key = (slice(None),) * d + (slice(start, stop, step),)
        return f"[{key}]", lambda m, t: t[key]
    if kind == "narrow":
        start = data.draw(st.integers(0, n))
        length = data.draw(st.integers(0, n - start))
        return f"narrow({d},{start},{length})", lambda m, t: t.narrow(d, start, length)
    if kind == "select" and n > 0:
        i = data.draw(st.integers(-n, n - 1))
        return f"select({d},{i})", lambda m, t: t.select(d, i)
    if kind == "split" and n > 0:
        size = data.draw(st.integers(1, n))
        k = data.draw(st.integers(0, max(0, (n - 1) // size)))
        return f"split({size},{d})[{k}]", lambda m, t: t.split(size, d)[k]
    if kind == "unfold" and n > 0:
        size = data.draw(st.integers(1, n))
        step = data.draw(st.integers(1, 3))
        return f"unfold({d},{size},{step})", lambda m, t: t.unfold(d, size, step)
    if kind == "diagonal" and nd >= 2:
        e = data.draw(st.sampled_from([i for i in range(nd) if i != d]))
        off = data.draw(st.integers(-2, 2))
        return f"diagonal({off},{d},{e})", lambda m, t: t.diagonal(off, d, e)
    return "unsqueeze(0)", lambda m, t: t.unsqueeze(0)


def _chain(data, shape, max_ops=5, **kw):
    """A list of (description, fn) view ops, applied in order from ``shape``.
    At most one diagonal/unfold per chain: numpy_backend.as_strided and
    .storage_offset cannot find the storage behind an array that
    np.lib.stride_tricks.as_strided made (its .base is a DummyArray), so a
    second strided view of one would read the wrong memory."""
    ops, strided = [], False
    t = torch.zeros(shape)
    for _ in range(data.draw(st.integers(1, max_ops))):
        desc, fn = _draw_op(data, tuple(t.shape), strided_ok=not strided, **kw)
        strided = strided or desc.startswith(("diagonal", "unfold"))
        t = fn(torch, t)
        ops.append((desc, fn))
    return ops


@FAST
@given(shapes, st.data())
def test_view_chains_match_torch_values_and_strides(shape, data):
    arr = _values(shape, 11)
    r, t = _pair(arr)
    trail = []
    for desc, fn in _chain(data, shape):
        trail.append(desc)
        r, t = fn(rt, r), fn(torch, t)
        _close(r, t)
        assert r.is_contiguous() == t.is_contiguous(), trail
        if t.numel() == 0:
            continue  # strides of an empty tensor carry no meaning
        rs = [s for s, n in zip(r.stride(), r.shape) if n > 1]
        ts = [s for s, n in zip(t.stride(), t.shape) if n > 1]
        assert rs == ts, (trail, r.stride(), t.stride())


@FAST
@given(full_shapes, st.data())
def test_writes_through_view_chains_reach_the_base(shape, data):
    arr = _values(shape, 12)
    rb, tb = _pair(arr)
    r, t = rb, tb
    for desc, fn in _chain(data, shape, max_ops=4, writable=True):
        r, t = fn(rt, r), fn(torch, t)
    r.mul_(-3).add_(1)
    t.mul_(-3).add_(1)
    _close(rb, tb)


# ------------------------------------------------------------------ autograd identities
@FAST
@given(broadcastable_pair())
def test_grad_of_sum_x_times_y_is_y(pair):
    shape = pair[0]
    x, y = _rt(_values(shape, 13, "float64"), True), _rt(_values(shape, 14, "float64"))
    (x * y).sum().backward()
    assert x.grad.tolist() == y.tolist()


@FAST
@given(full_shapes, st.data())
def test_grad_of_bijective_view_chain_sum_is_ones(shape, data):
    x = _rt(_values(shape, 15), True)
    y = x
    for _, fn in _chain(data, shape, bijective_only=True):
        y = fn(rt, y)
    (y * 1).sum().backward()
    assert x.grad.tolist() == np.ones(shape, dtype=np.float32).tolist()


@FAST
@given(full_shapes, st.data())
def test_grad_of_any_view_chain_matches_torch(shape, data):
    arr = _values(shape, 16, "float64")
    rx, tx = _rt(arr, True), torch.tensor(arr, requires_grad=True)
    r, t = rx, tx
    for _, fn in _chain(data, shape):
        r, t = fn(rt, r), fn(torch, t)
    w = _values(tuple(t.shape), 17, "float64")
    (r * _rt(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    _close(rx.grad, tx.grad, rtol=1e-9, atol=1e-12)


@FAST
@given(shapes)
def test_grad_of_exp_log_is_ones(shape):
    x = _rt(_values(shape, 18, "float64"), True)
    x.exp().log().sum().backward()
    assert tuple(x.grad.shape) == shape
    np.testing.assert_allclose(np.asarray(x.grad.reshape(-1).tolist()), np.ones(_numel(shape)),
                               rtol=1e-12)


@SOME
@given(full_shapes)
def test_grad_of_sum_of_squares_is_2x(shape):
    arr = _values(shape, 19, "float64")
    x = _rt(arr, True)
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad.tolist()), 2 * arr, rtol=1e-12)


# ------------------------------------------------------------------ type promotion
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]
SCALARS = [True, 3, -2, 2.5, 1 + 2j]


def _dname(d):
    return str(d).split(".")[-1]


def test_promote_types_all_pairs_match_torch():
    for a in DTYPES:
        for b in DTYPES:
            got = rt.promote_types(getattr(rt, a), getattr(rt, b))
            want = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert _dname(got) == _dname(want), (a, b, got, want)


def _tensors(name, zero_dim):
    shape = () if zero_dim else (2,)
    return (rt.ones(shape, dtype=getattr(rt, name)), torch.ones(shape, dtype=getattr(torch, name)))


@FAST
@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.booleans(), st.booleans())
def test_result_type_tensor_pairs_match_torch(a, b, a0, b0):
    (ra, ta), (rb, tb) = _tensors(a, a0), _tensors(b, b0)
    want = torch.result_type(ta, tb)
    if want == torch.complex32:
        return  # (float16 with a lower-priority complex) rustorch has no complex32
    assert _dname(rt.result_type(ra, rb)) == _dname(want), (a, a0, b, b0)


@FAST
@given(st.sampled_from(DTYPES), st.booleans(), st.sampled_from(SCALARS), st.booleans())
def test_result_type_with_scalars_matches_torch(a, a0, s, scalar_first):
    if a == "float16" and isinstance(s, complex):
        return  # torch answers complex32, a dtype rustorch does not have
    ra, ta = _tensors(a, a0)
    if scalar_first:
        got, want = rt.result_type(s, ra), torch.result_type(s, ta)
    else:
        got, want = rt.result_type(ra, s), torch.result_type(ta, s)
    assert _dname(got) == _dname(want), (a, a0, s)


@SOME
@given(st.sampled_from([d for d in DTYPES if d != "bfloat16"]),
       st.sampled_from([d for d in DTYPES if d != "bfloat16"]), st.booleans(),
       st.sampled_from(["add", "mul"]))
def test_binary_op_result_dtype_and_values_match_torch(a, b, b0, op):
    (ra, ta), (rb, tb) = _tensors(a, False), _tensors(b, b0)
    if a != "bool":
        ra, ta = ra * 2, ta * 2
    if torch.result_type(ta, tb) == torch.complex32:
        return  # rustorch has no complex32
    _close(getattr(rt, op)(ra, rb), getattr(torch, op)(ta, tb))


@SOME
@given(st.sampled_from([d for d in DTYPES if d != "bfloat16"]), st.sampled_from(SCALARS),
       st.sampled_from(["add", "mul"]))
def test_tensor_scalar_op_dtype_matches_torch(a, s, op):
    ra, ta = _tensors(a, False)
    if torch.result_type(ta, s) == torch.complex32:
        return  # rustorch has no complex32
    _close(getattr(rt, op)(ra, s), getattr(torch, op)(ta, s))


def test_cat_promotes_like_result_type():
    for a in DTYPES:
        for b in DTYPES:
            if "bfloat16" in (a, b):
                continue
            (ra, ta), (rb, tb) = _tensors(a, False), _tensors(b, False)
            got, want = rt.cat([ra, rb]), torch.cat([ta, tb])
            assert _dname(got.dtype) == _dname(want.dtype), (a, b)
