"""nn.utils against torch.nn.utils: gradient clipping, parameter vectors, and
the hook-based weight_norm / spectral_norm (same state dict, same outputs,
gradients and power-iteration buffers)."""
import math

import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")


def to_rt(t, device="cpu"):
    name = str(t.dtype).split(".")[-1]
    return rt.tensor(t.detach().tolist(), dtype=getattr(rt, name), device=device)


def close(r, t, tol=1e-5):
    a = r.detach().cpu().double().flatten().tolist() if r.ndim else [r.item()]
    b = t.detach().double().flatten().tolist() if t.ndim else [t.item()]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if math.isnan(y):
            assert math.isnan(x)
        else:
            assert x == pytest.approx(y, rel=tol, abs=tol), (a, b)


def _grad_pair(device, shapes=((3, 4), (5,), (2, 2, 2)), scale=1.0, none_at=None):
    torch.manual_seed(0)
    tps, rps = [], []
    for i, s in enumerate(shapes):
        tp = torch.nn.Parameter(torch.randn(s))
        rp = rt.nn.Parameter(to_rt(tp, device))
        if i != none_at:
            tp.grad = torch.randn(s) * scale
            rp.grad = to_rt(tp.grad, device)
        tps.append(tp)
        rps.append(rp)
    return tps, rps


# ---------------------------------------------------------------- clipping

@pytest.mark.parametrize("norm_type", [2, 2.0, 1, float("inf"), "inf", -float("inf"), 0, 0.5, 3])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm(norm_type, max_norm, device):
    tps, rps = _grad_pair(device, none_at=1 if norm_type == 1 else None)
    want = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    got = rt.nn.utils.clip_grad_norm_(rps, max_norm, norm_type=norm_type)
    assert isinstance(got, rt.Tensor) and got.ndim == 0 and got.dtype == rt.float32
    close(got, want)
    for tp, rp in zip(tps, rps):
        if tp.grad is None:
            assert rp.grad is None
        else:
            close(rp.grad, tp.grad)


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_single_tensor_generator_and_foreach(foreach):
    tps, rps = _grad_pair("cpu")
    want = torch.nn.utils.clip_grad_norm_(tps[0], 0.1, foreach=foreach)
    got = rt.nn.utils.clip_grad_norm_(rps[0], 0.1, foreach=foreach)
    close(got, want)
    close(rps[0].grad, tps[0].grad)
    want = torch.nn.utils.clip_grad_norm_((p for p in tps), 0.05)
    got = rt.nn.utils.clip_grad_norm_((p for p in rps), 0.05)
    close(got, want)
    for tp, rp in zip(tps, rps):
        close(rp.grad, tp.grad)


def test_clip_grad_norm_empty_and_no_grads():
    assert rt.nn.utils.clip_grad_norm_([], 1.0).item() == torch.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    p = rt.nn.Parameter(rt.ones(2))
    got = rt.nn.utils.clip_grad_norm_([p], 1.0)
    assert got.item() == 0.0 and p.grad is None


def test_clip_grad_norm_nonfinite():
    for lib in (torch, rt):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.tensor([1.0, float("nan"), 2.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p = rt.nn.Parameter(rt.ones(2))
    p.grad = rt.tensor([float("inf"), 1.0])
    with pytest.raises(rt.RustorchError):
        rt.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    # without the flag the grads are scaled by the non-finite norm, like torch
    tp = torch.nn.Parameter(torch.ones(2))
    tp.grad = torch.tensor([float("inf"), 1.0])
    close(rt.nn.utils.clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([tp], 1.0))
    close(p.grad, tp.grad)


def test_clip_grad_norm_double_and_mixed():
    tp = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    tp.grad = torch.tensor([3.0, 4.0, 12.0], dtype=torch.float64)
    rp = rt.nn.Parameter(rt.ones(3, dtype=rt.float64))
    rp.grad = rt.tensor([3.0, 4.0, 12.0], dtype=rt.float64)
    want = torch.nn.utils.clip_grad_norm_([tp], 1.0)
    got = rt.nn.utils.clip_grad_norm_([rp], 1.0)
    assert got.dtype == rt.float64 and got.item() == want.item() == 13.0
    close(rp.grad, tp.grad, 1e-12)


def test_clip_grad_norm_inside_training_step():
    m = rt.nn.Linear(4, 3)
    out = (m(rt.ones(2, 4)) * 100).sum()
    out.backward()
    total = rt.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    assert total.item() > 1.0
    after = math.sqrt(sum((p.grad ** 2).sum().item() for p in m.parameters()))
    assert after == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("clip", [0.1, 1, 10.0])
def test_clip_grad_value(clip, device):
    tps, rps = _grad_pair(device, scale=2.0, none_at=2)
    assert torch.nn.utils.clip_grad_value_(tps, clip) is None
    assert rt.nn.utils.clip_grad_value_(rps, clip) is None
    for tp, rp in zip(tps, rps):
        if tp.grad is None:
            assert rp.grad is None
        else:
            close(rp.grad, tp.grad)
    tps, rps = _grad_pair(device)
    torch.nn.utils.clip_grad_value_(tps[0], 0.3, foreach=True)
    rt.nn.utils.clip_grad_value_(rps[0], 0.3, foreach=True)
    close(rps[0].grad, tps[0].grad)


def test_deprecated_clip_grad_norm():
    p = rt.nn.Parameter(rt.ones(2))
    p.grad = rt.ones(2) * 3
    with pytest.warns(FutureWarning):
        rt.nn.utils.clip_grad_norm(p, 1.0)


# ---------------------------------------------------------------- parameter vectors

def test_parameters_to_vector_round_trip(device):
    torch.manual_seed(1)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    rm = rt.nn.Sequential(rt.nn.Linear(3, 4), rt.nn.Linear(4, 2)).to(device)
    rm.load_state_dict({k: to_rt(v, device) for k, v in tm.state_dict().items()})
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    rv = rt.nn.utils.parameters_to_vector(rm.parameters())
    assert tuple(rv.shape) == tuple(tv.shape) == (26,)
    close(rv, tv)
    # parameters_to_vector is differentiable, like torch's
    assert rv.requires_grad
    new = torch.arange(26, dtype=torch.float32)
    torch.nn.utils.vector_to_parameters(new, tm.parameters())
    weights = [p for p in rm.parameters()]
    rt.nn.utils.vector_to_parameters(to_rt(new, device), rm.parameters())
    assert [p for p in rm.parameters()] == weights        # same Parameter objects
    for (n, tp), (_, rp) in zip(tm.named_parameters(), rm.named_parameters()):
        close(rp, tp)
        assert rp.requires_grad
    x = torch.randn(2, 3)
    close(rm(to_rt(x, device)), tm(x))


def test_vector_to_parameters_errors():
    with pytest.raises(TypeError):
        torch.nn.utils.vector_to_parameters([1.0], [torch.nn.Parameter(torch.ones(1))])
    with pytest.raises(TypeError):
        rt.nn.utils.vector_to_parameters([1.0], [rt.nn.Parameter(rt.ones(1))])


# ---------------------------------------------------------------- weight_norm

def _linear_pair(device, make, wrap, seed=0):
    torch.manual_seed(seed)
    tm = wrap(torch, make(torch.nn))
    rm = wrap(rt, make(rt.nn)).to(device)
    assert list(rm.state_dict()) == list(tm.state_dict())
    rm.load_state_dict({k: to_rt(v, device) for k, v in tm.state_dict().items()})
    return tm, rm


def _fwd_bwd(m, x, lib):
    x = x.detach().requires_grad_()
    out = m(x)
    torch.manual_seed(5)
    go = torch.randn(tuple(out.shape))
    go = go if lib is torch else to_rt(go, x.device.type if lib is rt else None)
    out.backward(go)
    grads = {n: p.grad for n, p in m.named_parameters()}
    return out, x.grad, grads


WN_CASES = [
    ("linear_dim0", lambda nn: nn.Linear(4, 3), 0, (5, 4)),
    ("linear_dim1", lambda nn: nn.Linear(4, 3), 1, (5, 4)),
    ("linear_dimNone", lambda nn: nn.Linear(4, 3), None, (5, 4)),
    ("linear_nobias", lambda nn: nn.Linear(3, 2, bias=False), 0, (2, 3)),
    ("bilinear_dim0", lambda nn: nn.Bilinear(3, 3, 2), 0, None),
    ("conv1d_dim0", lambda nn: nn.Conv1d(2, 3, 3), 0, (2, 2, 6)),
    ("conv2d_dim1", lambda nn: nn.Conv2d(2, 3, 2), 1, (1, 2, 4, 4)),
]


@pytest.mark.parametrize("name,make,dim,xshape", WN_CASES, ids=[c[0] for c in WN_CASES])
def test_weight_norm_matches_torch(name, make, dim, xshape, device):
    tm, rm = _linear_pair(device, make, lambda lib, m: lib.nn.utils.weight_norm(m, dim=dim))
    assert "weight" not in rm._parameters and {"weight_g", "weight_v"} <= set(rm._parameters)
    assert [n for n, _ in rm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert tuple(rm.weight_g.shape) == tuple(tm.weight_g.shape)
    torch.manual_seed(2)
    if xshape is None:       # bilinear: two inputs
        a, b = torch.randn(4, 3), torch.randn(4, 3)
        tout = tm(a, b)
        rout = rm(to_rt(a, device), to_rt(b, device))
        close(rout, tout)
        return
    x = torch.randn(xshape)
    tout, tgx, tg = _fwd_bwd(tm, x, torch)
    rout, rgx, rg = _fwd_bwd(rm, to_rt(x, device), rt)
    close(rout, tout)
    close(rgx, tgx, 1e-4)
    for n in tg:
        close(rg[n], tg[n], 1e-4)
    # the recomputed weight equals g * v / ||v||
    close(rm.weight, tm.weight)
    # removing folds the weight back into a Parameter
    torch.nn.utils.remove_weight_norm(tm)
    rt.nn.utils.remove_weight_norm(rm)
    assert isinstance(rm.weight, rt.nn.Parameter) and rm.weight.requires_grad
    assert list(rm.state_dict()) == list(tm.state_dict())
    close(rm.weight, tm.weight)
    assert not any(isinstance(h, rt.nn.utils.weight_norm.__globals__["WeightNorm"])
                   for h in rm._forward_pre_hooks.values())


def test_weight_norm_g_init_and_training():
    m = rt.nn.utils.weight_norm(rt.nn.Linear(4, 3))
    v = m.weight_v
    assert m.weight_g.flatten().tolist() == pytest.approx(v.norm(2, dim=1).tolist())
    # scaling g scales the weight
    with rt.no_grad():
        m.weight_g.mul_(2)
    m(rt.ones(1, 4))
    row_norms = m.weight.norm(2, dim=1).tolist()
    assert row_norms == pytest.approx(m.weight_g.flatten().tolist(), rel=1e-5)


def test_weight_norm_errors():
    for lib in (torch, rt):
        m = lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            lib.nn.utils.weight_norm(m)
        with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
            lib.nn.utils.remove_weight_norm(m, "bias")
    m = rt.nn.utils.weight_norm(rt.nn.Linear(2, 2), name="bias", dim=0)
    assert {"bias_g", "bias_v", "weight"} == set(m._parameters)


# ---------------------------------------------------------------- spectral_norm

SN_CASES = [
    ("linear", lambda nn: nn.Linear(5, 4), {}, (3, 5)),
    ("linear_3iters", lambda nn: nn.Linear(4, 6), {"n_power_iterations": 3}, (2, 4)),
    ("linear_dim1", lambda nn: nn.Linear(4, 3), {"dim": 1}, (2, 4)),
    ("conv2d", lambda nn: nn.Conv2d(2, 3, 2), {}, (1, 2, 4, 4)),
    ("conv_transpose1d", lambda nn: nn.ConvTranspose1d(3, 2, 3), {}, (1, 3, 5)),
]


@pytest.mark.parametrize("name,make,kw,xshape", SN_CASES, ids=[c[0] for c in SN_CASES])
def test_spectral_norm_matches_torch(name, make, kw, xshape, device):
    tm, rm = _linear_pair(device, make, lambda lib, m: lib.nn.utils.spectral_norm(m, **kw))
    assert list(rm.state_dict()) == list(tm.state_dict())
    assert set(rm._buffers) == {"weight_u", "weight_v"} and "weight_orig" in rm._parameters
    assert tuple(rm.weight_u.shape) == tuple(tm.weight_u.shape)
    assert tuple(rm.weight_v.shape) == tuple(tm.weight_v.shape)
    torch.manual_seed(3)
    for step in range(3):                 # training: u, v move by power iteration
        x = torch.randn(xshape)
        for m in (tm, rm):
            m.zero_grad()
        tout, tgx, tg = _fwd_bwd(tm, x, torch)
        rout, rgx, rg = _fwd_bwd(rm, to_rt(x, device), rt)
        close(rout, tout, 1e-4)
        close(rgx, tgx, 1e-4)
        for n in tg:
            close(rg[n], tg[n], 1e-4)
        close(rm.weight_u, tm.weight_u, 1e-4)
        close(rm.weight_v, tm.weight_v, 1e-4)
    # eval: no power iteration, buffers frozen
    tm.eval()
    rm.eval()
    u_before = rm.weight_u.clone()
    x = torch.randn(xshape)
    with torch.no_grad():
        tout = tm(x)
    with rt.no_grad():
        rout = rm(to_rt(x, device))
    close(rout, tout, 1e-4)
    assert rm.weight_u.tolist() == u_before.tolist()
    torch.nn.utils.remove_spectral_norm(tm)
    rt.nn.utils.remove_spectral_norm(rm)
    assert list(rm.state_dict()) == list(tm.state_dict())
    close(rm.weight, tm.weight, 1e-4)
    assert isinstance(rm.weight, rt.nn.Parameter)


def test_spectral_norm_normalizes_largest_singular_value():
    np = pytest.importorskip("numpy")
    # seeded, and enough iterations for any singular-value gap of this size
    gen_state = rt.get_rng_state()
    rt.manual_seed(0)
    try:
        m = rt.nn.utils.spectral_norm(rt.nn.Linear(6, 5), n_power_iterations=500)
    finally:
        rt.set_rng_state(gen_state)
    m(rt.ones(1, 6))
    s = np.linalg.svd(np.array(m.weight.detach().tolist()), compute_uv=False)
    assert s[0] == pytest.approx(1.0, rel=1e-3)


def test_spectral_norm_errors():
    for lib in (torch, rt):
        with pytest.raises(ValueError, match="n_power_iterations"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)
        m = lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
            lib.nn.utils.spectral_norm(m)
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found"):
            lib.nn.utils.remove_spectral_norm(m, "bias")
