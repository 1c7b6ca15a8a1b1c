"""Adam, AdamW, Adamax, NAdam, RAdam against torch: trajectories (with a
state-dict reload in the middle) on every device, both Adam paths (the fused
``adam_step`` kernel and the step-by-step Tensor ops) bit for bit, state-dict
layout and values, loading torch's state dicts, and torch's errors."""
import copy
import types

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from rustorch.backends.contract import Backend  # noqa: E402
from optim_harness import assert_same_trajectory, build, trajectory  # noqa: E402

CONFIGS = {
    "Adam": [dict(lr=0.01), dict(lr=0.01, amsgrad=True), dict(lr=0.01, weight_decay=0.1),
             dict(lr=0.01, maximize=True, weight_decay=0.05), dict(lr=0.005, betas=(0.3, 0.9)),
             dict(lr=0.01, betas=(0.6, 0.95), eps=1e-3, amsgrad=True),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
             dict(lr="tensor", weight_decay=0.05)],
    "AdamW": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1, amsgrad=True),
              dict(lr=0.01, maximize=True), dict(lr="tensor", weight_decay=0.3)],
    "Adamax": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, maximize=True),
               dict(lr=0.01, betas=(0.8, 0.999)), dict(lr="tensor")],
    "NAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.005, momentum_decay=0.01, maximize=True), dict(lr="tensor")],
    "RAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.01, betas=(0.8, 0.9), maximize=True), dict(lr="tensor")],
}
CASES = [(name, cfg) for name, cfgs in CONFIGS.items() for cfg in cfgs]


def _maker(name, cfg, **extra):
    def make(m, params):
        kw = dict(cfg, **extra)
        if kw.get("lr") == "tensor":
            kw["lr"] = m.tensor(0.01)
        return getattr(m.optim, name)(params, **kw)
    return make


def _id(case):
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory(case, device):
    name, cfg = case
    want = trajectory(torch, _maker(name, cfg))
    got = trajectory(rt, _maker(name, cfg), device=device, reload_at=20)
    assert_same_trajectory(got, want)


ADAMS = [c for c in CASES if c[0] in ("Adam", "AdamW")]


@pytest.mark.parametrize("case", ADAMS, ids=[_id(c) for c in ADAMS])
def test_adam_step_by_step_path(case, device):
    """foreach=False takes the Tensor-op path: same trajectory as torch."""
    name, cfg = case
    want = trajectory(torch, _maker(name, cfg))
    got = trajectory(rt, _maker(name, cfg, foreach=False), device=device, reload_at=20)
    assert_same_trajectory(got, want)


@pytest.mark.parametrize("case", ADAMS, ids=[_id(c) for c in ADAMS])
def test_adam_paths_bit_for_bit(case, device, monkeypatch):
    """With torch's rounding switched on, the fused kernel (backend override and
    composed fallback) and the step-by-step path compute the same bits."""
    from rustorch.backends import numpy_backend
    monkeypatch.setattr(numpy_backend, "EXACT_ADAM_KERNEL", True)
    name, cfg = case
    fused = trajectory(rt, _maker(name, cfg), device=device, steps=25)
    steps = trajectory(rt, _maker(name, cfg, foreach=False), device=device, steps=25)
    assert fused == steps
    b = rt.backends.get(device)
    saved = b.__dict__.get("adam_step")
    b.adam_step = types.MethodType(Backend.adam_step, b)
    try:
        fallback = trajectory(rt, _maker(name, cfg), device=device, steps=25)
    finally:
        del b.adam_step
        if saved is not None:
            b.adam_step = saved
    assert fallback == fused


def test_fused_path_really_runs(monkeypatch):
    calls = []
    b = rt.backends.get("cpu")
    orig = b.adam_step

    def spy(*a, **k):
        calls.append(1)
        return orig(*a, **k)
    monkeypatch.setattr(b, "adam_step", spy)
    trajectory(rt, _maker("Adam", dict(lr=0.01)), steps=2)
    assert len(calls) == 2
    trajectory(rt, _maker("Adam", dict(lr=0.01), foreach=False), steps=2)
    trajectory(rt, _maker("Adam", dict(lr=0.01), differentiable=True), steps=0)
    assert len(calls) == 2


@pytest.mark.parametrize("name", ["Adam", "AdamW", "NAdam"])
@pytest.mark.parametrize("foreach", [None, False])
def test_non_contiguous_params(name, foreach, device):
    """Transposed (strided) leaf parameters are updated through their views."""
    def run(m, dev=None):
        gen = [[((i * 7 + j * 3) % 11 - 5) / 10 for j in range(4)] for i in range(5)]
        w = m.tensor(gen)
        if dev is not None:
            w = w.to(dev)
        w = w.t().detach().requires_grad_()
        x = m.tensor([[0.5, -1.0, 0.25, 2.0]] * 3)
        if dev is not None:
            x = x.to(dev)
        kw = {} if m is torch else dict(foreach=foreach)
        opt = getattr(m.optim, name)([w], lr=0.05, weight_decay=0.1, **kw)
        out = []
        for _ in range(8):
            opt.zero_grad()
            ((x @ w).tanh() ** 2).sum().backward()
            opt.step()
            out.append(w.detach().cpu().tolist())
        assert not w.is_contiguous()
        return out
    assert_same_trajectory(run(rt, device), run(torch))


def test_version_counters_bumped():
    w = rt.ones(3, requires_grad=True)
    opt = rt.optim.Adam([w], lr=0.1, amsgrad=True)
    w.grad = rt.ones(3)
    v0 = w._version[0]
    opt.step()
    st = opt.state[w]
    assert w._version[0] > v0
    assert all(st[k]._version[0] > 0 for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))


def _run_both(name, cfg, steps=3):
    rm, rx, ry = build(rt)
    tm, tx, ty = build(torch)
    ro = _maker(name, cfg)(rt, rm.parameters())
    to = _maker(name, cfg)(torch, tm.parameters())
    for m, model, opt, x, y in ((rt, rm, ro, rx, ry), (torch, tm, to, tx, ty)):
        for _ in range(steps):
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()
    return (rm, ro, rx, ry), (tm, to, tx, ty)


def _plain(v):
    if hasattr(v, "tolist") and hasattr(v, "dtype"):
        return ("tensor", str(v.dtype).split(".")[-1], tuple(v.shape), v.tolist())
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(i) for i in v)
    if isinstance(v, dict):
        return {k: _plain(i) for k, i in v.items()}
    return v


STATE_CASES = [(n, c) for n, c in CASES if c.get("lr") != "tensor"] + [("Adam", dict(lr="tensor"))]


@pytest.mark.parametrize("case", STATE_CASES, ids=[_id(c) for c in STATE_CASES])
def test_state_dict_matches_torch(case):
    (rm, ro, *_), (tm, to, *_) = _run_both(*case)
    rs, ts = ro.state_dict(), to.state_dict()
    assert _plain(rs["param_groups"]) == _plain(ts["param_groups"])
    assert list(rs["state"]) == list(ts["state"])
    for k in ts["state"]:
        r, t = rs["state"][k], ts["state"][k]
        assert list(r) == list(t)
        for key in t:
            pr, pt = _plain(r[key]), _plain(t[key])
            assert pr[:3] == pt[:3], key  # kind, dtype, shape
            flat_r = rt.tensor(pr[3]).reshape(-1).tolist()
            flat_t = torch.tensor(pt[3]).reshape(-1).tolist()
            assert flat_r == pytest.approx(flat_t, rel=1e-5, abs=1e-7), key
    if case[1].get("lr") != "tensor":  # f"{t}" of a 0-d tensor differs (see report)
        assert repr(ro) == repr(to)


def _to_rt(v):
    if isinstance(v, torch.Tensor):
        return rt.tensor(v.tolist(), dtype=getattr(rt, str(v.dtype).split(".")[-1]))
    if isinstance(v, dict):
        return {k: _to_rt(i) for k, i in v.items()}
    if isinstance(v, list):
        return [_to_rt(i) for i in v]
    if isinstance(v, tuple):
        return tuple(_to_rt(i) for i in v)
    return v


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_load_torch_state_dict(case, device):
    """torch's state dict (tensors converted) continues torch's trajectory."""
    name, cfg = case
    tm, tx, ty = build(torch)
    to = _maker(name, cfg)(torch, tm.parameters())
    for _ in range(10):
        to.zero_grad()
        ((tm(tx) - ty) ** 2).mean().backward()
        to.step()
    sd = _to_rt(copy.deepcopy(to.state_dict()))
    rm, rx, ry = build(rt, device)
    rm.load_state_dict({k: _to_rt(v.detach()) for k, v in tm.state_dict().items()})
    rm.to(device)
    ro = _maker(name, cfg)(rt, rm.parameters())
    ro.load_state_dict(sd)
    got, want = [], []
    for m, model, opt, x, y, out in ((rt, rm, ro, rx, ry, got), (torch, tm, to, tx, ty, want)):
        for _ in range(10):
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()
            out.append([p.detach().cpu().tolist() for p in model.parameters()])
    assert_same_trajectory(got, want)


def test_step_loaded_as_float_becomes_tensor():
    (rm, ro, *_), _ = _run_both("Adam", dict(lr=0.01), steps=2)
    sd = copy.deepcopy(ro.state_dict())
    for st in sd["state"].values():
        st["step"] = float(st["step"].item())
    o2 = rt.optim.Adam(rm.parameters(), lr=0.01)
    o2.load_state_dict(sd)
    st = next(iter(o2.state.values()))
    assert isinstance(st["step"], rt.Tensor) and st["step"].dtype is rt.float32
    assert st["step"].item() == 2.0


BAD = [
    ("Adam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adam", dict(betas=(0, 0.99)), "betas must be either both floats or both Tensors"),
    ("Adam", dict(lr="tensor", foreach=True), "lr as a Tensor is not supported"),
    ("AdamW", dict(lr=-0.5), "Invalid learning rate: -0.5"),
    ("AdamW", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("Adamax", dict(eps=-1e-3), "Invalid epsilon value: -0.001"),
    ("Adamax", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
    ("NAdam", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("RAdam", dict(lr=-1e-3), "Invalid learning rate: -0.001"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{b[0]}-{b[2][:30]}" for b in BAD])
def test_bad_configuration(name, kw, msg):
    import re
    for m in (torch, rt):
        w = m.zeros(2, requires_grad=True)
        kw2 = dict(kw)
        if kw2.get("lr") == "tensor":
            kw2["lr"] = m.tensor(0.01)
        with pytest.raises(ValueError, match=re.escape(msg)):
            getattr(m.optim, name)([w], **kw2)


def test_fused_flag_errors():
    w = rt.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
        rt.optim.Adam([w], fused=True, differentiable=True)
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        rt.optim.AdamW([w], fused=True, foreach=True)


@pytest.mark.parametrize("name,cfg", [("Adam", {}), ("Adam", dict(amsgrad=True, weight_decay=0.1)),
                                      ("AdamW", dict(maximize=True)), ("Adam", dict(betas=(0.3, 0.9)))])
def test_fast_kernel_within_float32_rounding_of_torchs(name, cfg, monkeypatch):
    """The default NumPy kernel (two roundings per multiply-add, threads for big
    updates) stays within float32 rounding of the torch-exact kernel."""
    from rustorch.backends import numpy_backend

    def run(exact):
        monkeypatch.setattr(numpy_backend, "EXACT_ADAM_KERNEL", exact)
        rt.manual_seed(0)
        # big enough for the threaded path; gradients and parameters positive so that
        # grad + wd * param never cancels (where it does, any change of rounding -- torch's
        # own fused kernel included -- moves the update by up to lr * 1e-2)
        p = rt.nn.Parameter(rt.rand(1 << 20 | 3) + 0.5)
        opt = getattr(rt.optim, name)([p], lr=1e-2, **cfg)
        g = rt.Generator().manual_seed(1)
        for _ in range(5):
            p.grad = rt.rand(p.shape, generator=g) + 0.5
            opt.step()
        return p.detach()
    calls = []
    orig = numpy_backend._run_chunks_threaded
    monkeypatch.setattr(numpy_backend, "_run_chunks_threaded", lambda t: (calls.append(1), orig(t)))
    exact, fast = run(True), run(False)
    assert calls, "the fast kernel did not run"
    assert rt.allclose(fast, exact, rtol=1e-5, atol=1e-6)
    assert not rt.equal(fast, exact)  # really a different rounding path
