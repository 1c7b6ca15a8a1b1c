"""Views and in-place ops, compared with torch: shared storage, strides and
offsets, the shared version counter, autograd through in-place ops on views,
and the errors torch raises for in-place misuse."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402


def _base(m, shape=(4, 6), dtype="float32"):
    n = 1
    for s in shape:
        n *= s
    return m.arange(n, dtype=getattr(m, dtype)).reshape(shape)


def _same(r, t):
    assert list(r.shape) == list(t.shape), (list(r.shape), list(t.shape))
    assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(np.asarray(r.detach().tolist()), np.asarray(t.detach().tolist()),
                               rtol=1e-5, atol=1e-6)


# name -> (base shape, fn(m, x) returning a view of x, writable)
VIEWS = {
    "view": ((4, 6), lambda m, x: x.view(3, 8), True),
    "view_minus1": ((4, 6), lambda m, x: x.view(-1), True),
    "view_as": ((4, 6), lambda m, x: x.view_as(m.zeros(2, 12)), True),
    "reshape_possible": ((4, 6), lambda m, x: x.reshape(2, 2, 6), True),
    "reshape_of_transpose_possible": ((4, 6), lambda m, x: x.t().reshape(3, 2, 4), True),
    "flatten": ((2, 3, 4), lambda m, x: x.flatten(1), True),
    "unflatten": ((4, 6), lambda m, x: x.unflatten(1, (2, 3)), True),
    "slice_rows": ((4, 6), lambda m, x: x[1:3], True),
    "slice_step": ((4, 6), lambda m, x: x[::2, 1::2], True),
    "slice_ellipsis_int": ((2, 3, 4), lambda m, x: x[..., 2], True),
    "slice_none": ((4, 6), lambda m, x: x[None, 1], True),
    "select": ((4, 6), lambda m, x: x.select(1, 3), True),
    "select_neg": ((2, 3, 4), lambda m, x: x.select(-1, -2), True),
    "narrow": ((4, 6), lambda m, x: x.narrow(1, 2, 3), True),
    "transpose": ((2, 3, 4), lambda m, x: x.transpose(0, 2), True),
    "permute": ((2, 3, 4), lambda m, x: x.permute(1, 2, 0), True),
    "movedim": ((2, 3, 4), lambda m, x: x.movedim(0, -1), True),
    "t": ((4, 6), lambda m, x: x.t(), True),
    "T": ((4, 6), lambda m, x: x.T, True),
    "mT": ((2, 3, 4), lambda m, x: x.mT, True),
    "squeeze": ((4, 1, 6), lambda m, x: x.squeeze(), True),
    "squeeze_dim": ((1, 4, 1), lambda m, x: x.squeeze(0), True),
    "unsqueeze": ((4, 6), lambda m, x: x.unsqueeze(1), True),
    "diagonal": ((4, 6), lambda m, x: x.diagonal(), True),
    "diagonal_offset": ((4, 6), lambda m, x: x.diagonal(2), True),
    "diagonal_neg_offset_dims": ((3, 4, 5), lambda m, x: x.diagonal(-1, 2, 0), True),
    "unfold": ((4, 6), lambda m, x: x[1].unfold(0, 3, 2), False),  # windows overlap? no: step 2 < 3
    "as_strided": ((4, 6), lambda m, x: x.as_strided((3, 2), (6, 1), 2), True),
    "split_piece": ((4, 6), lambda m, x: x.split(2, 1)[1], True),
    "split_sizes_piece": ((4, 6), lambda m, x: x.split([1, 3], 0)[1], True),
    "chunk_piece": ((5, 6), lambda m, x: x.chunk(3)[2], True),
    "unbind_piece": ((4, 6), lambda m, x: x.unbind(1)[4], True),
    "tensor_split_piece": ((7, 2), lambda m, x: x.tensor_split(3)[1], True),
    "detach": ((4, 6), lambda m, x: x.detach(), True),
    "expand": ((4, 1), lambda m, x: x.expand(4, 5), False),
    "broadcast_to": ((6,), lambda m, x: m.broadcast_to(x, (2, 6)), False),
    "chain": ((4, 6), lambda m, x: x.t()[1:].unsqueeze(0).narrow(2, 1, 2).squeeze(0), True),
}
# the unfold above has overlapping windows (step 2, size 3): writes are ambiguous
VIEWS["unfold_disjoint"] = ((4, 6), lambda m, x: x[1].unfold(0, 2, 2), True)


# Views the NumPy backend builds with as_strided: it cannot report their storage
# offset yet (numpy_backend.storage_offset stops at the DummyArray base that
# np.lib.stride_tricks.as_strided leaves), so only their strides are compared.
_OFFSET_UNKNOWN = {"as_strided", "unfold", "unfold_disjoint", "diagonal_offset",
                   "diagonal_neg_offset_dims"}
# x[None, ...]: the stride of an inserted size-1 dim is 0 in NumPy, torch makes one up
_SIZE1_STRIDE_FREE = {"slice_none"}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_metadata_matches_torch(name):
    shape, fn, _ = VIEWS[name]
    r, t = fn(rt, _base(rt, shape)), fn(torch, _base(torch, shape))
    _same(r, t)
    rs, ts = tuple(r.stride()), tuple(t.stride())
    if name in _SIZE1_STRIDE_FREE:
        rs = tuple(s for s, n in zip(rs, r.shape) if n != 1)
        ts = tuple(s for s, n in zip(ts, t.shape) if n != 1)
    assert rs == ts, (r.stride(), t.stride())
    assert r.is_contiguous() == t.is_contiguous()
    if name not in _OFFSET_UNKNOWN:
        assert r.storage_offset() == t.storage_offset()


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_base_writes_are_seen_by_view(name):
    shape, fn, _ = VIEWS[name]
    res = []
    for m in (rt, torch):
        x = _base(m, shape)
        v = fn(m, x)
        x.mul_(-2).add_(1)
        res.append((x, v))
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("name", sorted(n for n, (_, _, w) in VIEWS.items() if w))
def test_view_writes_are_seen_by_base(name):
    shape, fn, _ = VIEWS[name]
    res = []
    for m in (rt, torch):
        x = _base(m, shape)
        v = fn(m, x)
        v.add_(100)
        v.mul_(m.arange(v.shape[-1], dtype=v.dtype) if v.ndim else 3)
        res.append((x, v))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("name", sorted(n for n, (_, _, w) in VIEWS.items() if w))
def test_view_shares_version_counter(name):
    shape, fn, _ = VIEWS[name]
    x = _base(rt, shape)
    v = fn(rt, x)
    x0 = x._version_counter
    assert v._version_counter == x0
    v.add_(1)
    assert x._version_counter == v._version_counter == x0 + 1
    x.zero_()
    assert x._version_counter == v._version_counter == x0 + 2


@pytest.mark.parametrize("name", ["expand", "broadcast_to"])
def test_writing_to_expanded_view_raises(name):
    shape, fn, _ = VIEWS[name]
    with pytest.raises(RuntimeError):
        fn(torch, _base(torch, shape)).add_(1)
    with pytest.raises(rt.ShapeError, match="single memory location"):
        fn(rt, _base(rt, shape)).add_(1)
    with pytest.raises(rt.ShapeError):
        fn(rt, _base(rt, shape)).fill_(1)
    with pytest.raises(rt.ShapeError):
        fn(rt, _base(rt, shape)).copy_(rt.zeros(1))


def test_setitem_through_view_chain():
    res = []
    for m in (rt, torch):
        x = _base(m, (3, 4))
        x.t()[1:, 0] = -1
        x[:, 2].fill_(7)
        x.view(-1)[::5] = 0
        res.append(x)
    _same(*res)


# ------------------------------------------------------------------ .view errors
def test_view_on_noncontiguous_raises_shape_error():
    x = _base(rt, (3, 4)).t()
    with pytest.raises(rt.ShapeError) as ei:
        x.view(12)
    assert isinstance(ei.value, RuntimeError)
    with pytest.raises(RuntimeError):
        _base(torch, (3, 4)).t().view(12)
    # but reshape copies
    _same(x.reshape(12), _base(torch, (3, 4)).t().reshape(12))


def test_view_bad_size_raises():
    with pytest.raises(rt.ShapeError):
        _base(rt, (3, 4)).view(5, -1)
    with pytest.raises(rt.ShapeError):
        _base(rt, (3, 4)).view(-1, -1)


def test_reshape_noncontiguous_copies_and_does_not_share():
    x = _base(rt, (3, 4))
    y = x.t().reshape(12)
    y.add_(1)
    _same(x, _base(torch, (3, 4)))


# ------------------------------------------------------------------ version counter
def test_version_counter_bumped_by_inplace_ops():
    for m in (rt, torch):
        x = m.zeros(3)
        ver = (lambda t: t._version_counter) if m is rt else (lambda t: t._version)
        assert ver(x) == 0
        x.add_(1)
        x.mul_(2)
        x[0] = 5
        assert ver(x) == 3, m
        d = x.detach()
        assert ver(d) == 3
        d.zero_()
        assert ver(x) == 4
        y = x + 1  # out of place: a fresh counter
        assert ver(y) == 0


# ------------------------------------------------------------------ autograd through in-place on views
def _grads(m, fn, *inputs):
    leaves = [m.tensor(v, dtype=m.float64, requires_grad=True) for v in inputs]
    out = fn(m, *leaves)
    out.backward()
    return [l.grad for l in leaves], out


X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]


def _mul_col(m, x):
    y = x * 1
    y[:, 0].mul_(2)
    return y.sum()


def _view_add(m, x, w):
    y = x * 1
    y.view(-1).add_(w.reshape(-1))
    return (y * y).sum()


def _transpose_copy(m, x, v):
    y = x * 1
    y.transpose(0, 1)[0].copy_(v[0, :2])
    return (y * m.arange(1, 4, dtype=m.float64)).sum()


def _diag_mul_w(m, x, w):
    y = x.sin() + 1  # (exp would save its output, which the mul_ then modifies)
    y.diagonal().mul_(w[0, :2])
    return (y ** 2).sum()


def _chain_views(m, x, w):
    y = x * 2
    y[1:].t()[1:].squeeze(-1).mul_(w[1, 1:])
    return (y.sin()).sum()


def _inplace_saves_self(m, x):
    y = x * 1
    y[0].exp_()   # saves its result: no later in-place on y
    z = x * 2
    z[1, 1:].sigmoid_()
    return (y * y).sum() + (z * y).sum()


def _base_modified_then_view_used(m, x):
    y = x * 1
    v = y[0]
    y.mul_(3)
    return (v * v).sum()


def _two_views_same_base(m, x, w):
    y = x + 0
    a = y[:, :2]
    b = y[:, 1:]
    a.mul_(w[:, :2])
    b.add_(w[:, 1:])
    return (y ** 3).sum()


def _unsqueeze_view_inplace(m, x):
    y = x * 1
    y.unsqueeze(0).mul_(3)
    y.select(1, 2).neg_()
    return (y * x).sum()


def _view_then_inplace_on_nonview_result(m, x, w):
    y = x.t().contiguous()
    y.narrow(0, 1, 2).addcmul_(w.t()[1:], w.t()[1:])
    return y.pow(2).sum()


def _setitem_tensor_value(m, x, w):
    y = x * 1
    y[0, 1:] = w[1, :2] * 3
    return (y * y).sum()


def _unfold_inplace(m, x):
    y = x.reshape(-1) * 1
    y.unfold(0, 2, 2).mul_(m.tensor([1.0, -2.0], dtype=m.float64))
    return (y * y).sum()


def _as_strided_inplace(m, x):
    y = x * 1
    y.as_strided((2,), (4,), 0).mul_(5)
    return (y * y).sum()


def _view_of_plain_base_then_grad_inplace(m, x, w):
    y = m.zeros(2, 3, dtype=m.float64)  # needs no grad when the view is taken
    v = y[1]
    y.add_(w)                            # now it does; v must see that
    v.grad_fn  # torch regenerates v's autograd data only when this is read
    v.mul_(x[0])
    return (y * y).sum()


def _copy_from_leaf(m, x, w):
    y = m.zeros(2, 3, dtype=m.float64)
    y.copy_(w)
    y[0].copy_(x[1])
    return (y * m.arange(6, dtype=m.float64).reshape(2, 3)).sum()


def _setitem_leaf_row(m, x, w):
    y = x * 2
    y[1] = w[0]
    return (y ** 2).sum()


def _inplace_cast_into_view(m, x, w):
    y = (x * 1).float()
    y[0].add_(w[0])     # float64 result cast back into the float32 view
    return (y * y).sum().double()


def _fill_view(m, x):
    y = x * 3
    y[:, 1].fill_(2.0)
    y.t()[2].zero_()
    return (y * x).sum()


def _view_used_before_and_after(m, x, w):
    y = x * 1
    v = y[:, 1:]
    a = v.sum() * 3  # (v * v would save v, which the mul_ then modifies)
    v.mul_(w[:, 1:])
    b = (v * y[:, 1:]).sum()
    return a + b + y.sum()


AUTOGRAD_CASES = {
    "view_of_plain_base_then_grad_inplace": (_view_of_plain_base_then_grad_inplace, [X, W]),
    "copy_from_leaf": (_copy_from_leaf, [X, W]),
    "setitem_leaf_row": (_setitem_leaf_row, [X, W]),
    "inplace_cast_into_view": (_inplace_cast_into_view, [X, W]),
    "fill_view": (_fill_view, [X]),
    "view_used_before_and_after": (_view_used_before_and_after, [X, W]),
    "mul_column": (_mul_col, [X]),
    "view_add_w": (_view_add, [X, W]),
    "transpose_copy": (_transpose_copy, [X, W]),
    "diagonal_mul_w": (_diag_mul_w, [X, W]),
    "chain_views": (_chain_views, [X, W]),
    "inplace_saves_self": (_inplace_saves_self, [X]),
    "base_modified_then_view_used": (_base_modified_then_view_used, [X]),
    "two_views_same_base": (_two_views_same_base, [X, W]),
    "unsqueeze_select_inplace": (_unsqueeze_view_inplace, [X]),
    "narrow_addcmul": (_view_then_inplace_on_nonview_result, [X, W]),
    "setitem_tensor_value": (_setitem_tensor_value, [X, W]),
    "unfold_inplace": (_unfold_inplace, [X]),
    "as_strided_inplace": (_as_strided_inplace, [X]),
}


@pytest.mark.parametrize("name", sorted(AUTOGRAD_CASES))
def test_inplace_on_view_gradients_match_torch(name):
    fn, inputs = AUTOGRAD_CASES[name]
    gr, outr = _grads(rt, fn, *inputs)
    gt, outt = _grads(torch, fn, *inputs)
    _same(outr, outt)
    for a, b in zip(gr, gt):
        _same(a, b)


def test_double_backward_through_inplace_on_view():
    res = []
    for m in (rt, torch):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        y = x * 1
        y[0].mul_(x[0])
        y[:, 2].pow_(3)
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        res.append((g, gg))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


def test_view_made_under_no_grad_then_inplace_raises():
    for m in (rt, torch):
        x = m.ones(2, 2, requires_grad=True)
        y = x * 1
        with m.no_grad():
            v = y[0]
        with pytest.raises(RuntimeError, match="no_grad"):
            v.mul_(2)
        with m.no_grad():
            v.mul_(2)  # both inside no_grad is fine


def test_view_requires_grad_after_base_gets_grad_in_place():
    for m in (rt, torch):
        w = m.ones(3, requires_grad=True)
        y = m.zeros(3)
        v = y[:2]
        assert not v.requires_grad
        y.add_(w)
        assert v.requires_grad and y.requires_grad


def test_view_grad_fn_after_inplace_on_view():
    for m in (rt, torch):
        x = m.tensor(X, requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(2)
        assert y.grad_fn is not None and v.grad_fn is not None
        assert v.requires_grad and y.requires_grad and not v.is_leaf


def test_inplace_on_leaf_requiring_grad_raises():
    x = rt.ones(3, requires_grad=True)
    with pytest.raises(rt.AutogradError) as ei:
        x.add_(1)
    assert isinstance(ei.value, RuntimeError)
    assert "leaf Variable that requires grad" in str(ei.value)
    with pytest.raises(RuntimeError):
        torch.ones(3, requires_grad=True).add_(1)
    with pytest.raises(RuntimeError):
        x[0] = 2.0
    with rt.no_grad():  # allowed without grad recording (optimizer steps)
        x.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("make_view", [lambda x: x[0], lambda x: x.view(-1), lambda x: x.t(),
                                       lambda x: x.diagonal(), lambda x: x.unsqueeze(0)])
def test_inplace_on_view_of_leaf_raises(make_view):
    x = rt.ones(2, 2, requires_grad=True)
    with pytest.raises(rt.AutogradError) as ei:
        make_view(x).mul_(2)
    assert isinstance(ei.value, RuntimeError)
    assert "view of a leaf Variable" in str(ei.value)
    with pytest.raises(RuntimeError):
        make_view(torch.ones(2, 2, requires_grad=True)).mul_(2)


def test_detach_inplace_is_allowed_and_shared():
    for m in (rt, torch):
        x = m.ones(3, requires_grad=True)
        x.detach().mul_(4)
        assert x.tolist() == [4.0, 4.0, 4.0]


@pytest.mark.parametrize("scenario", ["exp_output", "mul_input", "through_view", "sin_input",
                                      "pow_base"])
def test_modified_saved_tensor_raises_on_backward(scenario):
    def run(m):
        x = m.tensor([0.5, 1.0, 2.0], requires_grad=True)
        if scenario == "exp_output":
            y = x.exp()
            out = y.sum()
            y.add_(1)
        elif scenario == "mul_input":
            a = x * 1
            out = (a * a).sum()
            a.mul_(2)
        elif scenario == "through_view":
            a = x * 1
            out = a.sin().sum()
            a[1:].add_(1)
        elif scenario == "sin_input":
            a = x + 1
            b = a.sin()
            a.view(3).zero_()
            out = b.sum()
        else:
            a = x * 2
            out = (a ** 3).sum()
            a.t().div_(2)
        out.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(torch)
    with pytest.raises(rt.AutogradError, match="modified by an inplace operation") as ei:
        run(rt)
    assert isinstance(ei.value, RuntimeError)


def test_unsaved_tensor_may_be_modified():
    # add saves nothing: modifying its input afterwards is fine in torch and here
    for m in (rt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        out = (a + 1).sum()
        a.mul_(5)
        out.backward()
        assert x.grad.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ numpy interop
def test_from_numpy_is_zero_copy_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = rt.from_numpy(a)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1].mul_(10)
    assert a[1].tolist() == [30.0, 40.0, 50.0]
    t.t()[2].fill_(-1)
    assert a[:, 2].tolist() == [-1.0, -1.0]
    assert t.dtype is rt.float32 and tuple(t.stride()) == (3, 1)


def test_from_numpy_noncontiguous_keeps_strides():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2]
    t = rt.from_numpy(a)
    tt = torch.from_numpy(a)
    assert tuple(t.stride()) == tuple(tt.stride())
    a[2, 1] = -5
    assert t[2, 1].item() == -5


def test_numpy_method_is_zero_copy():
    t = rt.zeros(2, 3)
    a = t.numpy()
    a[1, 2] = 9
    assert t[1, 2].item() == 9
    t.add_(1)
    assert a[0, 0] == 1
    with pytest.raises(RuntimeError):
        rt.zeros(2, requires_grad=True).numpy()


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                   np.float16, np.float32, np.float64, np.complex64, np.complex128])
def test_from_numpy_dtypes(dtype):
    a = np.ones(3, dtype=dtype)
    assert str(rt.from_numpy(a).dtype).split(".")[-1] == \
        str(torch.from_numpy(a).dtype).split(".")[-1]


# ------------------------------------------------------------------ copies do not share
def test_clone_does_not_share():
    x = _base(rt, (2, 3))
    c = x.clone()
    c.add_(1)
    x.mul_(2)
    _same(c, _base(torch, (2, 3)) + 1)
    _same(x, _base(torch, (2, 3)) * 2)
    assert c._version_counter == 1


@pytest.mark.parametrize("op", [lambda x: x.contiguous(), lambda x: x.flip(0), lambda x: x.roll(1),
                                lambda x: x.repeat(1, 1), lambda x: x.tril(5), lambda x: x[[0, 1]],
                                lambda x: x.reshape(-1), lambda x: rt.cat([x]) if isinstance(x, rt.Tensor)
                                else torch.cat([x])])
def test_copying_ops_do_not_share(op):
    x = _base(rt, (3, 4)).t()
    y = op(x)
    y.add_(1000)
    _same(x, _base(torch, (3, 4)).t())


def test_contiguous_of_noncontiguous_is_contiguous():
    for m in (rt, torch):
        x = _base(m, (3, 4)).t()
        c = x.contiguous()
        assert c.is_contiguous() and tuple(c.stride()) == (3, 1)
        assert x.contiguous() is not x
        y = _base(m, (3, 4))
        assert y.contiguous() is y


def test_clone_strides_like_torch():
    for shape, fn in [((3, 4), lambda x: x.t()), ((2, 3), lambda x: x), ((4, 6), lambda x: x[:, ::2])]:
        r = fn(_base(rt, shape)).clone()
        t = fn(_base(torch, shape)).clone()
        assert tuple(r.stride()) == tuple(t.stride()), (shape, r.stride(), t.stride())
