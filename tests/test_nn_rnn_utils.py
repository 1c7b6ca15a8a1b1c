"""nn.utils.rnn (PackedSequence, pack/pad helpers) against torch, on every backend."""
import random

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402


def _vals(shape, seed):
    rng = random.Random(seed)
    n = 1
    for s in shape:
        n *= s
    flat = [rng.uniform(-2, 2) for _ in range(n)]

    def nest(f, sh):
        if len(sh) == 1:
            return f
        step = len(f) // sh[0]
        return [nest(f[i * step:(i + 1) * step], sh[1:]) for i in range(sh[0])]
    return nest(flat, list(shape))


def _pair(shape, seed, device, grad=True):
    v = _vals(shape, seed)
    t = torch.tensor(v, requires_grad=grad)
    r = rt.tensor(v, device=device, requires_grad=grad)
    return t, r


def _same(r, t, atol=1e-6):
    assert r.dtype == getattr(rt, str(t.dtype).split(".")[-1]), (r.dtype, t.dtype)
    assert list(r.shape) == list(t.shape), (list(r.shape), list(t.shape))
    got = torch.tensor(r.detach().tolist(), dtype=t.dtype)
    assert torch.allclose(got, t.detach(), atol=atol, equal_nan=True), (got, t)


def _same_packed(rp, tp):
    _same(rp.data, tp.data)
    _same(rp.batch_sizes, tp.batch_sizes)
    for a, b in ((rp.sorted_indices, tp.sorted_indices), (rp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            _same(a, b)


def _grads_match(rt_out, t_out, rx, tx, seed=7):
    g = _vals(list(t_out.shape), seed)
    (gt,) = torch.autograd.grad(t_out, tx, torch.tensor(g), retain_graph=True)
    (gr,) = rt.autograd.grad(rt_out, rx, rt.tensor(g, device=rx.device), retain_graph=True)
    _same(gr, gt)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([4, 2, 1], True), ([2, 4, 1], False), ([3, 3, 3], True),
                                             ([1, 2, 4], False)])
def test_pack_pad_roundtrip(device, batch_first, lengths, enforce):
    shape = (3, 4, 2) if batch_first else (4, 3, 2)
    tx, rx = _pair(shape, 1, device)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce)
    rp = rt.nn.utils.rnn.pack_padded_sequence(rx, lengths, batch_first=batch_first, enforce_sorted=enforce)
    assert isinstance(rp, rt.nn.utils.rnn.PackedSequence) and isinstance(rp, tuple)
    _same_packed(rp, tp)
    _grads_match(rp.data, tp.data, rx, tx)
    for kw in ({}, {"padding_value": -1.5}, {"total_length": 6}):
        to, tl = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first=batch_first, **kw)
        ro, rl = rt.nn.utils.rnn.pad_packed_sequence(rp, batch_first=batch_first, **kw)
        _same(ro, to)
        _same(rl, tl)
        _grads_match(ro, to, rx, tx, seed=11)


def test_pack_lengths_as_tensor(device):
    tx, rx = _pair((3, 2, 2), 2, device)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor([2, 3]), enforce_sorted=False)
    rp = rt.nn.utils.rnn.pack_padded_sequence(rx, rt.tensor([2, 3]), enforce_sorted=False)
    _same_packed(rp, tp)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(device, batch_first, side):
    pairs = [_pair(s, i, device) for i, s in enumerate([(3, 2), (1, 2), (4, 2)])]
    to = torch.nn.utils.rnn.pad_sequence([t for t, _ in pairs], batch_first=batch_first, padding_value=0.5,
                                         padding_side=side)
    ro = rt.nn.utils.rnn.pad_sequence([r for _, r in pairs], batch_first=batch_first, padding_value=0.5,
                                      padding_side=side)
    _same(ro, to)
    _grads_match(ro, to, pairs[0][1], pairs[0][0])


def test_pad_sequence_1d_and_int(device):
    ts = [torch.tensor([1, 2, 3]), torch.tensor([4])]
    rs = [rt.tensor([1, 2, 3], device=device), rt.tensor([4], device=device)]
    _same(rt.nn.utils.rnn.pad_sequence(rs), torch.nn.utils.rnn.pad_sequence(ts))
    _same(rt.nn.utils.rnn.pad_sequence(rs, batch_first=True, padding_value=-1),
          torch.nn.utils.rnn.pad_sequence(ts, batch_first=True, padding_value=-1))


@pytest.mark.parametrize("enforce", [True, False])
def test_pack_unpack_sequence(device, enforce):
    shapes = [(4, 2), (2, 2), (1, 2)] if enforce else [(2, 2), (4, 2), (1, 2)]
    pairs = [_pair(s, i + 3, device) for i, s in enumerate(shapes)]
    tp = torch.nn.utils.rnn.pack_sequence([t for t, _ in pairs], enforce_sorted=enforce)
    rp = rt.nn.utils.rnn.pack_sequence([r for _, r in pairs], enforce_sorted=enforce)
    _same_packed(rp, tp)
    tl = torch.nn.utils.rnn.unpack_sequence(tp)
    rl = rt.nn.utils.rnn.unpack_sequence(rp)
    assert len(rl) == len(tl)
    for r, t in zip(rl, tl):
        _same(r, t)
    _grads_match(rl[1], tl[1], pairs[1][1], pairs[1][0])


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(device, batch_first):
    tx, rx = _pair((3, 4, 2) if batch_first else (4, 3, 2), 5, device, grad=False)  # torch transposes its input in place
    lengths = [4, 1, 3]
    tl = torch.nn.utils.rnn.unpad_sequence(tx, torch.tensor(lengths), batch_first=batch_first)
    rl = rt.nn.utils.rnn.unpad_sequence(rx, rt.tensor(lengths), batch_first=batch_first)
    for r, t in zip(rl, tl):
        _same(r, t)


def test_invert_permutation_and_constructor(device):
    p = rt.tensor([2, 0, 1], device=device)
    assert rt.nn.utils.rnn.invert_permutation(p).tolist() == [1, 2, 0]
    assert rt.nn.utils.rnn.invert_permutation(None) is None
    data = rt.ones(3, 2, device=device)
    ps = rt.nn.utils.rnn.PackedSequence(data, rt.tensor([2, 1]), p)
    assert ps.unsorted_indices.tolist() == [1, 2, 0]
    wide = rt.float64 if rt.float64 in rt.backends.get(device).caps.dtypes else rt.float16
    if wide is rt.float16 and wide not in rt.backends.get(device).caps.dtypes:
        wide = rt.int32
    assert ps.to(wide).data.dtype == wide
    assert ps.to(wide).batch_sizes is ps.batch_sizes
    if wide is rt.float64:
        assert ps.double().data.dtype == rt.float64


def test_errors(device):
    x = rt.zeros(3, 2, 1, device=device)
    with pytest.raises(ValueError, match="sorted in decreasing order"):
        rt.nn.utils.rnn.pack_padded_sequence(x, [1, 3])
    with pytest.raises(ValueError, match="greater than 0"):
        rt.nn.utils.rnn.pack_padded_sequence(x, [3, 0])
    p = rt.nn.utils.rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="total_length"):
        rt.nn.utils.rnn.pad_packed_sequence(p, total_length=2)
    with pytest.raises(ValueError, match="padding_side"):
        rt.nn.utils.rnn.pad_sequence([x], padding_side="middle")
