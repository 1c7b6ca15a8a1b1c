"""Stochastic weight averaging against torch: AveragedModel (SWA, EMA, custom
averaging functions, buffers), SWALR's lr sequence and update_bn."""
import random
import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from optim_harness import assert_same_trajectory, trajectory  # noqa: E402
from test_optim_schedulers import assert_close, plain, run  # noqa: E402

_RNG = random.Random(42)
X = [[_RNG.uniform(-2, 2) for _ in range(3)] for _ in range(12)]
Y = [[_RNG.uniform(-1, 1) for _ in range(2)] for _ in range(12)]


def build(m, device=None, bn_momentum=0.1):
    model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.ReLU(), m.nn.Linear(4, 2),
                            m.nn.BatchNorm1d(2, momentum=bn_momentum))
    rng = random.Random(7)
    with m.no_grad():
        for p in model.parameters():
            flat = [rng.uniform(-0.6, 0.6) for _ in range(p.numel())]
            p.copy_(m.tensor(flat).reshape(p.shape))
    if device is not None:
        model.to(device)
    return model


def values(sd):
    return {k: v.detach().cpu().tolist() if hasattr(v, "cpu") else v.detach().tolist()
            for k, v in sd.items()}


def assert_tensors_close(got, want, rtol=1e-5, atol=1e-6):
    assert list(got) == list(want), f"keys {list(got)} vs torch {list(want)}"

    def flat(v):
        if isinstance(v, list):
            for i in v:
                yield from flat(i)
        else:
            yield v
    for k in want:
        g, w = list(flat(got[k])), list(flat(want[k]))
        assert len(g) == len(w), k
        bad = [(a, b) for a, b in zip(g, w) if abs(a - b) > atol + rtol * abs(b)]
        assert not bad, f"{k}: {len(bad)} values differ from torch, e.g. {bad[:3]}"


def train_and_average(m, avg_kw, device=None, steps=5, avg_device=None):
    model = build(m, device)
    x, y = m.tensor(X), m.tensor(Y)
    if device is not None:
        x, y = x.to(device), y.to(device)
    su = m.optim.swa_utils
    avg = su.AveragedModel(model, device=avg_device, **avg_kw(su))
    opt = m.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        avg.update_parameters(model)
    avg.eval()
    with m.no_grad():
        out = avg(x.to(avg_device) if avg_device is not None else x)
    return avg, out


AVG_CONFIGS = [
    ("swa", lambda su: {}),
    ("swa-buffers", lambda su: dict(use_buffers=True)),
    ("ema-avg_fn", lambda su: dict(avg_fn=su.get_ema_avg_fn(0.9))),
    ("ema-multi", lambda su: dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.8))),
    ("ema-multi-buffers", lambda su: dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.7), use_buffers=True)),
    ("swa-multi", lambda su: dict(multi_avg_fn=su.get_swa_multi_avg_fn())),
    ("swa-avg_fn-buffers", lambda su: dict(avg_fn=su.get_swa_avg_fn(), use_buffers=True)),
    ("custom-avg_fn", lambda su: dict(avg_fn=lambda a, p, n: 0.25 * a + 0.75 * p)),
]


@pytest.mark.parametrize("name,avg_kw", AVG_CONFIGS, ids=[c[0] for c in AVG_CONFIGS])
def test_averaged_model_matches_torch(name, avg_kw, device):
    ravg, rout = train_and_average(rt, avg_kw, device=device)
    tavg, tout = train_and_average(torch, avg_kw)
    assert_tensors_close(values(ravg.state_dict()), values(tavg.state_dict()))
    assert ravg.n_averaged.item() == tavg.n_averaged.item() == 5
    assert ravg.n_averaged.dtype == rt.int64
    assert_tensors_close({"out": rout.cpu().tolist()}, {"out": tout.tolist()})


def test_averaged_model_device_argument(device):
    ravg, _ = train_and_average(rt, lambda su: {}, avg_device=device)
    tavg, _ = train_and_average(torch, lambda su: {})
    assert all(str(p.device).split(":")[0] == device for p in ravg.parameters())
    assert str(ravg.n_averaged.device).split(":")[0] == device
    assert_tensors_close(values(ravg.state_dict()), values(tavg.state_dict()))


def test_averaged_model_is_a_copy_and_first_update_copies():
    model = build(rt)
    avg = rt.optim.swa_utils.AveragedModel(model)
    assert avg.module is not model
    assert all(a is not b for a, b in zip(avg.parameters(), model.parameters()))
    with rt.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    avg.update_parameters(model)
    assert_tensors_close(values(avg.module.state_dict()), values(model.state_dict()))
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        rt.optim.swa_utils.AveragedModel(model, avg_fn=lambda *a: a[0], multi_avg_fn=lambda *a: None)
    for fn in (rt.optim.swa_utils.get_ema_avg_fn, rt.optim.swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match="Invalid decay value"):
            fn(1.5)


# ------------------------------------------------------------------ SWALR
SWALR_CONFIGS = [
    ("cos", lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=0.01, anneal_epochs=5), 30),
    ("linear", lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=0.02, anneal_epochs=10, anneal_strategy="linear"), 30),
    ("no-anneal", lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=0.03, anneal_epochs=0), 30),
    ("per-group", lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=[0.5, 0.001], anneal_epochs=7), 30),
    ("one-epoch", lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=0.2, anneal_epochs=1, anneal_strategy="linear"), 30),
]


@pytest.mark.parametrize("name,make_sched,steps", SWALR_CONFIGS, ids=[c[0] for c in SWALR_CONFIGS])
def test_swalr_sequence_matches_torch(name, make_sched, steps):
    got, rs, ro = run(rt, make_sched, steps)
    want, ts, to = run(torch, make_sched, steps)
    assert_close(got, want)
    assert_close(plain(rs.state_dict()), plain(ts.state_dict()))
    assert "anneal_func" not in rs.state_dict()
    assert_close(ro.state_dict()["param_groups"], to.state_dict()["param_groups"])
    reloaded, _, _ = run(rt, make_sched, steps, reload_at=3)
    assert_close(reloaded, want)


def test_swalr_after_another_schedule():
    """The usual recipe: a cosine schedule, then SWALR takes over the same optimizer."""
    def seq(m):
        w = m.zeros(2, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        cos = m.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
        swa = None
        out = []
        for epoch in range(30):
            opt.step()
            if epoch < 12:
                cos.step()
            else:
                if swa is None:
                    swa = m.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=4)
                swa.step()
            out.append(opt.param_groups[0]["lr"])
        return out
    assert_close(seq(rt), seq(torch))


def test_swalr_bad_configuration():
    w = rt.zeros(2, requires_grad=True)
    opt = rt.optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        rt.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        rt.optim.swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr must have the same length"):
        rt.optim.swa_utils.SWALR(opt, [0.1, 0.2])


def test_swalr_trajectory(device):
    make_opt = lambda m, p: m.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    make_sched = lambda m, o: m.optim.swa_utils.SWALR(o, swa_lr=0.01, anneal_epochs=6)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = trajectory(torch, make_opt, steps=25, reload_at=9, make_sched=make_sched)
        got = trajectory(rt, make_opt, steps=25, device=device, reload_at=9, make_sched=make_sched)
    assert_same_trajectory(got, want)


# ------------------------------------------------------------------ update_bn
def bn_state(m, device=None, loader_kind="tensors", pass_device=False, train_first=True):
    model = build(m, device, bn_momentum=0.3)
    x = m.tensor(X)
    if train_first:   # make the running statistics something other than the reset values
        model.train()
        with m.no_grad():
            model((x * 3 + 1).to(device) if device is not None else x * 3 + 1)
    if device is not None and not pass_device:
        x = x.to(device)
    model.eval()
    batches = [x[i:i + 4] for i in range(0, 12, 4)] + [x[:5] * 0.5]
    if loader_kind == "pairs":
        batches = [(b, b.sum(1)) for b in batches]
    elif loader_kind == "lists":
        batches = [[b] for b in batches]
    m.optim.swa_utils.update_bn(batches, model, device=device if pass_device else None)
    assert not model.training
    assert model[1].momentum == 0.1 and model[4].momentum == 0.3
    return values({k: v for k, v in model.state_dict().items() if "running" in k or "num_batches" in k})


@pytest.mark.parametrize("loader_kind", ["tensors", "pairs", "lists"])
def test_update_bn_matches_torch(loader_kind, device):
    got = bn_state(rt, device, loader_kind)
    want = bn_state(torch, None, loader_kind)
    assert_tensors_close(got, want)
    assert got["1.num_batches_tracked"] == 4


def test_update_bn_moves_batches_to_device(device):
    got = bn_state(rt, device, pass_device=True)
    want = bn_state(torch, None)
    assert_tensors_close(got, want)


def test_update_bn_without_batchnorm_and_training_mode():
    model = rt.nn.Sequential(rt.nn.Linear(3, 2))
    consumed = []

    def loader():
        consumed.append(True)
        yield rt.zeros(1, 3)
    rt.optim.swa_utils.update_bn(loader(), model)   # no BatchNorm: returns before reading the loader
    assert consumed == []
    model = build(rt)
    model.train()
    rt.optim.swa_utils.update_bn([rt.tensor(X)], model)
    assert model.training
    assert model[1].num_batches_tracked.item() == 1


def test_update_bn_on_averaged_model():
    """update_bn on an AveragedModel (the SWA recipe's last step)."""
    def final(m):
        avg, _ = train_and_average(m, lambda su: {})
        m.optim.swa_utils.update_bn([m.tensor(X[:6]), m.tensor(X[6:])], avg)
        return values(avg.state_dict())
    assert_tensors_close(final(rt), final(torch))
