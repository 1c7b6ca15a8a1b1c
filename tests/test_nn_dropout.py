"""Dropout family: train/eval behaviour, p=0 / p=1, scaling keeps the mean,
the gradient uses the output's mask, channel-wise masks, reproducibility."""
import math
import warnings

import pytest

import rustorch as rt
import rustorch.nn as nn
import rustorch.nn.functional as F

N = 4000


def _eq(a, b):
    # rustorch has no rt.equal yet
    return tuple(a.shape) == tuple(b.shape) and bool((a == b).all().item())


def _close(a, b, tol=1e-5):
    return tuple(a.shape) == tuple(b.shape) and bool(((a - b).abs() <= tol * (1 + b.abs())).all().item())


def _x(device, shape=(N,), value=1.0):
    return rt.full(shape, value, device=device, requires_grad=True)


@pytest.mark.parametrize("cls", [nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
                                 nn.AlphaDropout, nn.FeatureAlphaDropout])
def test_eval_is_identity(cls, device):
    m = cls(0.5).eval()
    shape = {nn.Dropout1d: (2, 3, 4), nn.Dropout2d: (2, 3, 4, 5)}.get(cls, (2, 3, 4, 5, 2))
    x = rt.randn(shape, device=device)
    assert m(x) is x


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_p_edges(p, device):
    x = _x(device, (10, 20))
    y = F.dropout(x, p, training=True)
    want = x.detach() if p == 0 else rt.zeros(10, 20, device=device)
    assert _eq(y.detach(), want)
    y.sum().backward()
    assert _eq(x.grad, rt.ones(10, 20, device=device) * (1 - p))


def test_p_edges_alpha(device):
    x = rt.randn(100, device=device)
    assert F.alpha_dropout(x, 0.0, training=True) is x
    assert _eq(F.alpha_dropout(x, 1.0, training=True), rt.zeros(100, device=device))


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_scaling_keeps_the_mean(p, device):
    rt.manual_seed(1)
    y = F.dropout(rt.ones(N, device=device), p)
    kept = (y != 0).float().mean().item()
    sigma = math.sqrt(p * (1 - p) / N)
    assert abs(kept - (1 - p)) < 5 * sigma
    vals = y[y != 0]
    assert _close(vals, rt.full_like(vals, 1 / (1 - p)))
    assert abs(y.mean().item() - 1) < 5 * sigma / (1 - p)


def test_alpha_dropout_keeps_mean_and_std(device):
    rt.manual_seed(2)
    x = rt.randn(20000, device=device)
    y = F.alpha_dropout(x, 0.3, training=True)
    assert abs(y.mean().item() - x.mean().item()) < 0.05
    assert abs(y.std().item() - x.std().item()) < 0.05


def test_gradient_uses_the_same_mask(device):
    rt.manual_seed(3)
    x = _x(device, (50, 40), 2.0)
    y = F.dropout(x, 0.4)
    y.backward(rt.ones_like(y))
    assert _close(x.grad, y.detach() / 2.0)


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (4, 6, 20)), (F.dropout2d, (4, 6, 5, 4)),
                                      (F.dropout3d, (3, 5, 2, 3, 4)),
                                      (F.feature_alpha_dropout, (4, 6, 5, 4)),
                                      (F.dropout1d, (6, 20)), (F.dropout3d, (5, 2, 3, 4))])
def test_channel_wise_masks(fn, shape, device):
    rt.manual_seed(4)
    x = rt.ones(shape, device=device)
    y = fn(x, 0.5, training=True)
    nb = {F.dropout1d: 2, F.dropout3d: 4}.get(fn, 0)
    flat = y.reshape(-1, math.prod(shape[-(len(shape) - 2):])) if len(shape) != nb \
        else y.reshape(shape[0], -1)
    # every channel is all-kept or all-dropped
    first = flat[:, :1]
    assert _eq(flat, first.expand_as(flat))
    if fn is not F.feature_alpha_dropout:
        assert set(first.flatten().tolist()) <= {0.0, 2.0}


def test_reproducible_under_manual_seed(device):
    outs = []
    for _ in range(2):
        rt.manual_seed(1234)
        outs.append(nn.Dropout(0.5)(rt.ones(64, device=device)))
    assert _eq(outs[0], outs[1])
    rt.manual_seed(1235)
    assert not _eq(outs[0], nn.Dropout(0.5)(rt.ones(64, device=device)))


def test_inplace(device):
    rt.manual_seed(5)
    x = rt.ones(100, device=device)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(x.tolist()) <= {0.0, 2.0}


def test_inplace_nonleaf_grad(device):
    rt.manual_seed(6)
    a = _x(device, (30,))
    b = a * 3
    y = nn.Dropout(0.5, inplace=True)(b)
    assert y is b
    y.sum().backward()
    assert _close(a.grad, (y.detach() != 0).float() * 6.0)


def test_bad_p():
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        F.dropout(rt.ones(3), -0.1)
    with pytest.raises(RuntimeError):
        F.dropout1d(rt.ones(3), 0.5)


def test_dropout2d_3d_input_warns():
    with pytest.warns(UserWarning):
        F.dropout2d(rt.ones(2, 3, 4), 0.5)


def test_repr():
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.2, inplace=True)) == "Dropout2d(p=0.2, inplace=True)"
    assert repr(nn.AlphaDropout(0.1)) == "AlphaDropout(p=0.1, inplace=False)"
