"""Tensor attributes, conversions, printing and random numbers."""
import pickle
import copy

import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")


def test_attributes_match_torch():
    vals = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]
    r, t = rt.tensor(vals), torch.tensor(vals)
    assert tuple(r.shape) == tuple(t.shape) and r.size() == tuple(t.size()) and r.size(-1) == 3
    assert r.ndim == t.ndim == r.dim() and r.numel() == t.numel()
    assert r.stride() == t.stride() and r.stride(1) == t.stride(1)
    assert r.is_contiguous() and not r.transpose(1, 2).is_contiguous()
    assert r.transpose(1, 2).stride() == t.transpose(1, 2).stride()
    assert tuple(r.mT.shape) == tuple(t.mT.shape)
    assert tuple(rt.ones(2, 3).T.shape) == (3, 2)
    assert r.element_size() == 4 and r.dtype is rt.float32 and r.device == rt.device("cpu")
    assert repr(r.shape) == "rustorch.Size([1, 2, 3])" and r.shape.numel() == 6
    assert len(r[0]) == 2 and [row.tolist() for row in r[0]] == vals[0]
    assert r.is_leaf and not r.requires_grad and r.is_floating_point()


def test_item_tolist_numpy_and_python_conversions():
    np = pytest.importorskip("numpy")
    r = rt.tensor([[1, 2], [3, 4]], dtype=rt.int32)
    assert r.tolist() == [[1, 2], [3, 4]]
    assert r[1, 1].item() == 4 and isinstance(r[1, 1].item(), int)
    assert float(rt.tensor(2.5)) == 2.5 and int(rt.tensor(3)) == 3 and bool(rt.tensor(True))
    a = r.numpy()
    assert a.dtype == np.int32 and a.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match="requires grad"):
        rt.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(rt.ones(2))
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        rt.ones(2).item()
    assert [1, 2, 3][rt.tensor(1)] == 2  # __index__


@pytest.mark.parametrize("values,kw", [
    ([1.0, 2.0, 3.0], {}),
    ([[1.5, -2.25], [3.0, 4.125]], {}),
    ([1, 2, 3], {}),
    ([True, False], {}),
    ([0.1, 123456.0], {}),
    ([1e-8, 1.0], {}),
    (3.5, {}),
    ([1.0, 2.0], {"dtype": "float64"}),
    ([1, 2], {"dtype": "int32"}),
    ([1 + 2j, -0.5j], {}),
    ([[1.0, float("nan")], [float("inf"), -2.0]], {}),
    ([[]], {}),
])
def test_repr_matches_torch(values, kw):
    r = rt.tensor(values, **{k: getattr(rt, v) for k, v in kw.items()})
    t = torch.tensor(values, **{k: getattr(torch, v) for k, v in kw.items()})
    assert repr(r) == repr(t).replace("torch.", "rustorch."), (repr(r), repr(t))


def test_repr_autograd_suffixes():
    x = rt.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    big = rt.arange(2000)
    assert "..." in repr(big) and repr(big).startswith("tensor([   0,    1,    2,")


def test_manual_seed_reproducible_and_generator_state():
    rt.manual_seed(1234)
    a = rt.rand(5)
    b = rt.randn(3, 2)
    rt.manual_seed(1234)
    assert rt.rand(5).tolist() == a.tolist() and rt.randn(3, 2).tolist() == b.tolist()
    g = rt.Generator().manual_seed(7)
    state = g.get_state()
    x = rt.randint(0, 10, (20,), generator=g)
    g.set_state(state)
    assert rt.randint(0, 10, (20,), generator=g).tolist() == x.tolist()
    assert g.initial_seed() == 7


def test_random_distributions_are_sane():
    g = rt.Generator().manual_seed(0)
    u = rt.rand(20000, generator=g)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    assert abs(u.mean().item() - 0.5) < 0.01
    n = rt.randn(20000, dtype=rt.float64, generator=g)
    assert abs(n.mean().item()) < 0.03 and abs(n.std().item() - 1) < 0.03
    r = rt.randint(3, 9, (5000,), generator=g)
    assert r.dtype is rt.int64 and set(r.unique().tolist()) == set(range(3, 9))
    p = rt.randperm(50, generator=g)
    assert sorted(p.tolist()) == list(range(50))
    nm = rt.normal(2.0, 3.0, (10000,), generator=g)
    assert abs(nm.mean().item() - 2.0) < 0.1
    b = rt.bernoulli(rt.full((10000,), 0.3), generator=g)
    assert abs(b.mean().item() - 0.3) < 0.02
    w = rt.empty(1000).uniform_(-2, 2)
    assert -2 <= w.min().item() and w.max().item() <= 2
    m = rt.multinomial(rt.tensor([0.0, 1.0, 3.0]), 4000, replacement=True, generator=g)
    counts = [(m == i).sum().item() for i in range(3)]
    assert counts[0] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03


def test_philox_matches_random123_known_answers():
    from rustorch.random_philox import philox4x32
    assert philox4x32((0, 0, 0, 0), (0, 0)) == (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)
    assert philox4x32((0xffffffff,) * 4, (0xffffffff,) * 2) == \
        (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)
    assert philox4x32((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0)) == \
        (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)
    # the vectorised stream every backend uses equals the scalar reference
    from rustorch.random_philox import philox_block
    words = rt.backends.get("cpu").random_bits(99, 8, 8).tolist()
    assert words == list(philox_block(99, 2)) + list(philox_block(99, 3))


def test_pickle_and_deepcopy():
    x = rt.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad and y.dtype is rt.float32
    z = copy.deepcopy(x)
    assert z.tolist() == x.tolist() and z is not x
    assert pickle.loads(pickle.dumps(rt.float16)) is rt.float16


def test_from_numpy_shares_memory_and_tensor_copies():
    np = pytest.importorskip("numpy")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = rt.from_numpy(a)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    t[1, 2] = -1
    assert a[1, 2] == -1
    c = rt.tensor(a)
    a[0, 1] = 55
    assert c[0, 1].item() == 1
    assert rt.tensor(np.arange(3)).dtype is rt.int64
    assert rt.tensor(np.float64(2.5)).dtype is rt.float64
    assert rt.as_tensor(a)._data is a


def test_dtype_objects_and_promotion_helpers():
    assert rt.float is rt.float32 and rt.long is rt.int64 and rt.double is rt.float64
    assert rt.promote_types(rt.uint8, rt.int8) is rt.int16
    assert rt.result_type(rt.ones(2, dtype=rt.int32), 2.5) is rt.float32
    assert rt.finfo(rt.float32).eps == torch.finfo(torch.float32).eps
    assert rt.iinfo(rt.int8).min == -128
    rt.set_default_dtype(rt.float64)
    try:
        assert rt.tensor([1.5]).dtype is rt.float64 and rt.ones(2).dtype is rt.float64
    finally:
        rt.set_default_dtype(rt.float32)


def test_bfloat16_rounds_like_torch():
    pytest.importorskip("ml_dtypes")
    vals = [1.0, 3.14159, -2.71828, 1000.5]
    r = rt.tensor(vals, dtype=rt.bfloat16)
    t = torch.tensor(vals, dtype=torch.bfloat16)
    assert r.tolist() == t.tolist()
    assert (r + r).tolist() == (t + t).tolist()
