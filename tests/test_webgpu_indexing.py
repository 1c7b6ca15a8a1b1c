"""WebGPU gather / scatter / indexing kernels (issue 8):
rustorch/backends/webgpu/index_ops.py with shaders/gather.wgsl, scatter.wgsl,
scatter_mean.wgsl, index_check.wgsl and nonzero.wgsl.

Oracle: torch (CPU) on the same data; NumPy where only NumPy defines the rule
(ints splitting advanced indices).  Inputs are transposed, step-sliced,
flipped and broadcast views; index arrays are transposed and broadcast too.
Every test asserts that nothing took the host bridge.
"""
import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch._errors import IndexOutOfRange  # noqa: E402
from webgpu_helpers import no_host_fallbacks, webgpu_backend as b  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("b", "no_host_fallbacks")


NPD = {"float32": np.float32, "int32": np.int32, "int64": np.int64, "bool": np.bool_,
       "float16": np.float16, "uint8": np.uint8, "int8": np.int8}


def sample(name, shape, rng):
    if name == "bool":
        return rng.random(shape) > 0.4
    if name in ("float32", "float16"):
        return rng.standard_normal(shape).astype(NPD[name])
    lo = 0 if name == "uint8" else -50
    return rng.integers(lo, 50, shape).astype(NPD[name])


def up(b, a):
    return b.xp.asarray(np.ascontiguousarray(a) if np.ndim(a) else np.asarray(a))


def down(b, g):
    return np.asarray(b.to_numpy(g))


def views(b, base):
    """(GPU view, the same view in NumPy) of a 3-D array: as is, transposed,
    step-sliced, flipped and broadcast."""
    g = up(b, base)
    yield g, base
    yield g.permute((2, 0, 1)), base.transpose(2, 0, 1)
    yield g[:, ::2, 1:], base[:, ::2, 1:]
    yield b.xp.flip(g, axis=1)[:, :, ::-1], np.flip(base, 1)[:, :, ::-1]
    row = base[:1]
    yield up(b, row).broadcast_to(base.shape), np.broadcast_to(row, base.shape)


def gkey(b, key):
    """A key with NumPy index arrays uploaded."""
    return tuple(up(b, k) if isinstance(k, np.ndarray) else k for k in key)


def tkey(key):
    return tuple(torch.from_numpy(np.ascontiguousarray(k)) if isinstance(k, np.ndarray) else k
                 for k in key)


def torch_of(a):
    return torch.from_numpy(np.ascontiguousarray(a))


KEYS = {
    "one_array": lambda r, s: (r.integers(-s[0], s[0], 7),),
    "second_dim": lambda r, s: (slice(None), r.integers(-s[1], s[1], (2, 3))),
    "broadcast_pair": lambda r, s: (r.integers(0, s[0], (4, 1)), r.integers(-s[1], s[1], (1, 3))),
    "non_adjacent": lambda r, s: (r.integers(0, s[0], 5), slice(1, None), r.integers(0, s[2], 5)),
    "none_ellipsis": lambda r, s: (None, r.integers(0, s[0], 3), Ellipsis, slice(1, 3)),
    "int_after_array": lambda r, s: (r.integers(0, s[0], 3), 1),
    "adjacent_after_slice": lambda r, s: (slice(None, None, 2), r.integers(0, s[1], 4),
                                         r.integers(0, s[2], 4)),
    "three_arrays": lambda r, s: (r.integers(0, s[0], (2, 2)), r.integers(0, s[1], 2),
                                  r.integers(0, s[2], (1, 2))),
    "mask_full": lambda r, s: (r.random(s) > 0.5,),
    "mask_last_two": lambda r, s: (slice(None), r.random(s[1:]) > 0.3),
    "mask_and_array": lambda r, s: (r.integers(0, s[0], 1), r.random(s[1]) > 0.5),
    "true_scalar": lambda r, s: (slice(None), True, r.integers(0, s[1], 3)),
    "false_scalar": lambda r, s: (Ellipsis, False),
    "empty_index": lambda r, s: (np.zeros((0,), np.int64),),
    "transposed_index": lambda r, s: (r.integers(0, s[0], (3, 5)).T,),
}


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16", "uint8"])
@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem_matches_torch(b, name, dtype):
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    base = sample(dtype, (4, 6, 5), rng)
    for g, a in views(b, base):
        key = KEYS[name](rng, a.shape)
        got = down(b, g[gkey(b, key)])
        want = torch_of(a)[tkey(key)].numpy()
        assert got.shape == want.shape, (name, got.shape, want.shape)
        np.testing.assert_array_equal(got, want)


def test_getitem_numpy_placement_of_ints(b):
    # NumPy counts ints as advanced: x[arr, :, 0] puts the broadcast dims first
    a = np.arange(120, dtype=np.float32).reshape(4, 5, 6)
    for key in [(np.array([1, 3]), slice(None), 0), (0, slice(None), np.array([[1], [2]])),
                (slice(None), np.array([2, 0]), 3)]:
        np.testing.assert_array_equal(down(b, up(b, a)[gkey(b, key)]), a[key])


def test_getitem_int32_and_transposed_index(b):
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    idx = np.array([[0, -1, 2], [4, 1, -5]], dtype=np.int32)
    gi = up(b, idx.T.copy()).permute((1, 0))     # a transposed view of the index
    np.testing.assert_array_equal(down(b, up(b, a)[gi]), a[idx])
    np.testing.assert_array_equal(down(b, up(b, a)[:, gi]), a[:, idx])


def test_getitem_oob_raises(b):
    # bounds are checked on the device and reported at the next sync (a read),
    # like CUDA's device-side asserts: indexing itself never stalls the GPU
    g = up(b, np.zeros((3, 4), np.float32))
    with pytest.raises(IndexOutOfRange, match="index 4 is out of bounds for axis 1 with size 4"):
        g[:, up(b, np.array([0, 4, 1]))].to_bytes()
    with pytest.raises(IndexOutOfRange, match="index -4"):
        g[up(b, np.array([[0], [-4]]))].to_bytes()
    with pytest.raises(IndexOutOfRange):
        g[up(b, np.ones((3, 5), bool))]          # a mask's shape is checked at once
    g[:, up(b, np.array([0, 3]))].to_bytes()     # the failed checks are gone after raising


def test_setitem_last_writer_wins(b):
    rng = np.random.default_rng(1)
    for dtype in ("float32", "int64", "float16", "bool", "int8"):
        base = sample(dtype, (6, 5), rng)
        idx = np.array([3, 1, 3, 0, 1, 3, 5])
        vals = sample(dtype, (7, 5), rng)
        g = up(b, base)
        g[gkey(b, (idx,))] = up(b, vals)
        t = torch_of(base.copy())
        t[torch.from_numpy(idx)] = torch_of(vals)
        np.testing.assert_array_equal(down(b, g), t.numpy())


def test_setitem_strided_target_and_broadcast_value(b):
    rng = np.random.default_rng(2)
    base = sample("float32", (5, 8, 3), rng)
    g = up(b, base)
    view = g.permute((1, 0, 2))[::2]          # a strided view of g: writes land in g
    a = base.transpose(1, 0, 2)[::2]
    key = (np.array([0, 3, -1]), slice(None), np.array([2, 0, 1]))
    v = rng.standard_normal((3, 1)).astype(np.float32)   # broadcast over the middle dim
    view[gkey(b, key)] = up(b, v)
    a[key] = v
    np.testing.assert_array_equal(down(b, g), base)
    g[up(b, base > 0)] = 0.5     # mask with a scalar value
    base[base > 0] = 0.5
    np.testing.assert_array_equal(down(b, g), base)


def test_setitem_value_aliases_target(b):
    a = np.arange(10, dtype=np.float32)
    g = up(b, a)
    idx = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    g[gkey(b, (idx,))] = g            # reads a snapshot of g
    np.testing.assert_array_equal(down(b, g), a[::-1])


def test_setitem_oob_leaves_array_unchanged(b):
    g = up(b, np.arange(6, dtype=np.float32))
    with pytest.raises(IndexOutOfRange):
        g[up(b, np.array([0, 7]))] = 1.0
    np.testing.assert_array_equal(down(b, g), np.arange(6, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "float16", "int8"])
def test_index_put_accumulate_sums_duplicates(b, dtype):
    rng = np.random.default_rng(3)
    base = sample(dtype, (5, 4), rng)
    idx0 = np.array([4, 0, 4, 4, 2, 0])
    idx1 = np.array([1, 1, 1, 3, 0, 1])
    vals = sample(dtype, (6,), rng)
    g = up(b, base)
    b.index_put(g, gkey(b, (idx0, idx1)), up(b, vals), True)
    t = torch_of(base.copy()).index_put((torch.from_numpy(idx0), torch.from_numpy(idx1)),
                                        torch_of(vals), accumulate=True)
    if dtype in ("float32", "float16"):
        np.testing.assert_allclose(down(b, g).astype(np.float32), t.numpy().astype(np.float32),
                                   rtol=2e-3 if dtype == "float16" else 1e-6, atol=1e-3)
    else:
        np.testing.assert_array_equal(down(b, g), t.numpy())


def _tensor(a):
    return rt.from_numpy(np.ascontiguousarray(a)).to("webgpu")


def _close(got, want, dtype):
    got = got.cpu().numpy() if hasattr(got, "cpu") else got
    want = want.numpy()
    if dtype in (torch.float32, torch.float16):
        np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32),
                                   rtol=3e-3 if dtype is torch.float16 else 1e-5, atol=1e-3)
    else:
        np.testing.assert_array_equal(got, want)


TDT = {"float32": torch.float32, "int32": torch.int32, "int64": torch.int64,
       "float16": torch.float16}


@pytest.mark.parametrize("dtype", sorted(TDT))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_family_matches_torch(b, dtype, dim):
    rng = np.random.default_rng(4)
    x = sample(dtype, (5, 6, 4), rng)
    index = rng.integers(0, x.shape[dim], (3, 6, 4) if dim == 0 else (5, 4, 4) if dim == 1
                         else (5, 6, 7))
    src = sample(dtype, (5, 7, 7), rng)
    tx, ti, ts = torch_of(x), torch.from_numpy(index), torch_of(src)
    rx, ri, rs = _tensor(x), _tensor(index), _tensor(src)
    _close(rt.gather(rx, dim, ri), torch.gather(tx, dim, ti), TDT[dtype])
    _close(rt.scatter_add(rx, dim, ri, rs[:index.shape[0], :index.shape[1], :index.shape[2]]),
           torch.scatter_add(tx, dim, ti, ts[:index.shape[0], :index.shape[1], :index.shape[2]]),
           TDT[dtype])
    src_cut = src[:index.shape[0], :index.shape[1], :index.shape[2]]
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        if reduce == "prod" and dtype != "float32":
            continue   # products of many ints overflow differently (wrap vs int64)
        for include_self in (True, False):
            got = rt.scatter_reduce(rx, dim, ri, _tensor(src_cut), reduce,
                                    include_self=include_self)
            want = torch.scatter_reduce(tx, dim, ti, torch_of(src_cut), reduce,
                                        include_self=include_self)
            _close(got, want, TDT[dtype])


def test_scatter_last_writer_wins(b):
    x = np.zeros((3, 5), np.float32)
    index = np.array([[0, 1, 0, 2, 0], [0, 1, 1, 2, 0], [0, 0, 0, 0, 0]])
    src = np.arange(15, dtype=np.float32).reshape(3, 5)
    got = rt.scatter(_tensor(x), 0, _tensor(index), _tensor(src))
    want = torch.scatter(torch_of(x), 0, torch.from_numpy(index), torch_of(src))
    np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


def test_scatter_reduce_nan_propagates(b):
    x = np.array([1.0, 2.0, 3.0], np.float32)
    src = np.array([np.nan, 5.0, -1.0, 0.5], np.float32)
    index = np.array([0, 0, 2, 1])
    for reduce in ("amax", "amin"):
        got = rt.scatter_reduce(_tensor(x), 0, _tensor(index), _tensor(src), reduce)
        want = torch.scatter_reduce(torch_of(x), 0, torch.from_numpy(index), torch_of(src), reduce)
        np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


def test_take_and_take_along_axis(b):
    rng = np.random.default_rng(5)
    base = sample("float32", (4, 6, 5), rng)
    for g, a in views(b, base):
        idx = rng.integers(-a.shape[1], a.shape[1], (2, 3))
        np.testing.assert_array_equal(down(b, b.xp.take(g, up(b, idx), axis=1)),
                                      np.take(a, idx, axis=1))
        along = rng.integers(-a.shape[2], a.shape[2], (a.shape[0], 1, 7))
        np.testing.assert_array_equal(down(b, b.xp.take_along_axis(g, up(b, along), axis=2)),
                                      np.take_along_axis(a, along, axis=2))
    flat = np.arange(7, dtype=np.int32)
    np.testing.assert_array_equal(down(b, b.xp.take(up(b, flat), up(b, np.array([6, -7, 0])))),
                                  [6, 0, 0])
    with pytest.raises(IndexOutOfRange):    # gathers report at the next sync
        b.xp.take(up(b, flat), up(b, np.array([7]))).to_bytes()
    with pytest.raises(IndexOutOfRange):
        b.xp.take_along_axis(up(b, base), up(b, np.full((4, 6, 1), 5)), axis=2).to_bytes()


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "float16"])
def test_nonzero_and_count_nonzero(b, dtype):
    rng = np.random.default_rng(6)
    base = sample(dtype, (3, 700, 5), rng)
    base[rng.random(base.shape) > 0.5] = 0
    if dtype in ("float32", "float16"):   # NaN counts as nonzero, -0.0 as zero
        base[0, :40:3, 1] = np.nan
        base[1, :40:3, 2] = -0.0
    for g, a in views(b, base):
        got = b.xp.nonzero(g)
        want = np.nonzero(a)
        assert len(got) == len(want)
        for x, y in zip(got, want):
            assert x.dtype is rt.int64
            np.testing.assert_array_equal(down(b, x), y)
        np.testing.assert_array_equal(down(b, b.xp.count_nonzero(g, axis=1)),
                                      np.count_nonzero(a, axis=1))
        assert int(down(b, b.xp.count_nonzero(g))) == np.count_nonzero(a)
    empty = b.xp.nonzero(up(b, np.zeros((0, 3), NPD[dtype])))
    assert [x.shape for x in empty] == [(0,), (0,)]
    none = b.xp.nonzero(up(b, np.zeros((4, 3), NPD[dtype])))
    assert [x.shape for x in none] == [(0,), (0,)]


def test_tensor_level_nonzero_masked_select(b):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((9, 33)).astype(np.float32)
    t = _tensor(a)
    np.testing.assert_array_equal(rt.nonzero(t > 0.3).cpu().numpy(),
                                  torch.nonzero(torch_of(a) > 0.3).numpy())
    np.testing.assert_array_equal(t[t > 0].cpu().numpy(), a[a > 0])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_and_its_gradient(b, mode):
    import torch.nn.functional as TF
    import rustorch.nn.functional as F
    rng = np.random.default_rng(8)
    cases = [((2, 3, 7), (2, 3)), ((2, 3, 6, 5), (1, 2, 3, 0)),
             ((1, 2, 4, 5, 6), (1, 1, 2, 0, 3, 1))]
    if mode in ("constant", "circular"):
        cases.append(((2, 3, 6, 5), (-1, 2, 3, -2)))
    for shape, pads in cases:
        a = rng.standard_normal(shape).astype(np.float32)
        x = _tensor(a).requires_grad_()
        tx = torch_of(a).requires_grad_()
        kw = {"value": 1.5} if mode == "constant" else {}
        y = F.pad(x, pads, mode=mode, **kw)
        ty = TF.pad(tx, pads, mode=mode, **kw)
        np.testing.assert_array_equal(y.detach().cpu().numpy(), ty.detach().numpy())
        w = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
        (y * _tensor(w)).sum().backward()
        (ty * torch_of(w)).sum().backward()
        np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_pad_of_strided_input(b):
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    g = up(b, a).permute((0, 2, 1))[:, ::2]
    want = np.pad(a.transpose(0, 2, 1)[:, ::2], ((0, 0), (2, 1), (1, 2)), mode="reflect")
    np.testing.assert_array_equal(down(b, b.pad(g, [(0, 0), (2, 1), (1, 2)], "reflect", None)),
                                  want)


def test_embedding_forward_backward(b):
    import torch.nn.functional as TF
    import rustorch.nn.functional as F
    rng = np.random.default_rng(9)
    w = rng.standard_normal((11, 6)).astype(np.float32)
    idx = rng.integers(0, 11, (4, 7))
    x = _tensor(w).requires_grad_()
    tw = torch_of(w).requires_grad_()
    y, ty = F.embedding(_tensor(idx), x), TF.embedding(torch.from_numpy(idx), tw)
    np.testing.assert_array_equal(y.detach().cpu().numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tw.grad.numpy(), rtol=1e-6)


def test_tensor_getitem_setitem_backward(b):
    rng = np.random.default_rng(10)
    a = rng.standard_normal((5, 4)).astype(np.float32)
    idx = np.array([0, 3, 3, 1])
    x, tx = _tensor(a).requires_grad_(), torch_of(a).requires_grad_()
    (x[_tensor(idx)] * 2.0).sum().backward()
    (tx[torch.from_numpy(idx)] * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy())


def test_more_than_65535_workgroups(b):
    # 2**24 + 3 invocations need 65,537 workgroups of 256: the 2-D tiled grid
    n = (1 << 24) + 3
    rng = np.random.default_rng(11)
    src = rng.standard_normal(1000).astype(np.float32)
    idx = rng.integers(-1000, 1000, n).astype(np.int32)
    got = up(b, src)[up(b, idx)]               # bounds check + gather
    np.testing.assert_array_equal(down(b, got), src[idx])
    target = b.xp.zeros((n,), rt.float32)
    rev = np.arange(n - 1, -1, -1, dtype=np.int32)
    target[up(b, rev)] = got                   # claim + store
    np.testing.assert_array_equal(down(b, target), src[idx][::-1])
    acc = b.xp.zeros((4,), rt.float32)         # combine: 2**24 atomic adds into 4 words
    ones = b.xp.ones((n,), rt.float32)
    b.index_put(acc, (up(b, (np.arange(n) % 4).astype(np.int32)),), ones, True)
    np.testing.assert_array_equal(down(b, acc), np.bincount(np.arange(n) % 4).astype(np.float32))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16"])
def test_narrow_dtypes_wrap_like_torch(b, dtype):
    # values combine in 32-bit words and wrap to the dtype's width on store
    tdt = getattr(torch, dtype)
    x = torch.tensor([[1, 0, 3], [4, 5, 0]]).to(tdt)
    v = torch.tensor([[100, 1, 0], [120, 0, 1], [1, 1, 1], [9, 0, 0]]).to(tdt)
    rdt = getattr(rt, dtype)
    rx, rv = rt.tensor(x.tolist(), dtype=rdt, device="webgpu"), rt.tensor(v.tolist(), dtype=rdt,
                                                                           device="webgpu")
    idx = [0, 0, 1, 0]
    got = rx.index_put((rt.tensor(idx, device="webgpu"),), rv, accumulate=True)
    assert got.tolist() == x.index_put((torch.tensor(idx),), v, accumulate=True).tolist()
    i2 = [[0, 1, 0], [1, 1, 1]]
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        if reduce == "mean" and dtype == "bool":
            continue   # torch has no boolean mean
        for include_self in (True, False):
            want = torch.scatter_reduce(x, 0, torch.tensor(i2), v[:2], reduce,
                                        include_self=include_self)
            got = rt.scatter_reduce(rx, 0, rt.tensor(i2, device="webgpu"), rv[:2], reduce,
                                    include_self=include_self)
            assert got.tolist() == want.tolist(), (reduce, include_self)


def test_float16_accumulate_keeps_neighbours_and_overflows(b):
    # two f16 share a 32-bit word: the neighbour's inf / NaN bits must survive,
    # and a sum past 65504 becomes inf as in torch
    x = torch.tensor([float("inf"), 1.0, float("nan"), 60000.0, -3.0, 5.0], dtype=torch.float16)
    i = torch.tensor([1, 1, 3, 3, 4])
    v = torch.tensor([2.0, 3.0, 6000.0, 1.0, 1e-3], dtype=torch.float16)
    want = x.index_put((i,), v, accumulate=True)
    got = rt.tensor(x.tolist(), dtype=rt.float16, device="webgpu").index_put(
        (rt.tensor(i.tolist(), device="webgpu"),),
        rt.tensor(v.tolist(), dtype=rt.float16, device="webgpu"), accumulate=True)
    np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


def test_more_index_arrays_than_one_dispatch_binds(b):
    # 6 index arrays: the first four fold into one array of partial addresses
    rng = np.random.default_rng(12)
    shape = (3, 4, 2, 5, 3, 2, 4)
    a = rng.standard_normal(shape).astype(np.float32)
    key = tuple(rng.integers(-n, n, (2, 3)) for n in shape[:6])
    g = up(b, a)
    np.testing.assert_array_equal(down(b, g[gkey(b, key)]), a[key])
    key5 = key[:2] + (slice(None, None, -1),) + key[3:]       # a slice between them
    np.testing.assert_array_equal(down(b, g[gkey(b, key5)]), a[key5])
    v = rng.standard_normal((2, 3, 4)).astype(np.float32)
    g[gkey(b, key)] = up(b, v)
    a[key] = v
    np.testing.assert_array_equal(down(b, g), a)
    acc = b.xp.zeros(shape, rt.float32)
    b.index_put(acc, gkey(b, key), up(b, v), True)
    want = np.zeros(shape, np.float32)
    np.add.at(want, key, v)
    np.testing.assert_allclose(down(b, acc), want, rtol=1e-6, atol=1e-6)


def test_setitem_host_values(b):
    g = b.xp.zeros((5,), rt.float32)
    i = up(b, np.array([0, 3]))
    g[i] = np.float32(2.5)
    g[up(b, np.array([4]))] = [7]
    g[up(b, np.array([1, 2]))] = np.array([1.0, -1.0])
    np.testing.assert_array_equal(down(b, g), [2.5, 1.0, -1.0, 2.5, 7.0])
