"""Optimizer trajectories against torch: the same model, data and optimizer
settings in both frameworks; parameters compared after every step, and an
optimizer state save/load in the middle must not change the trajectory."""
import copy

_DATA = None


def _data(m):
    """A fixed regression problem (values made once, shared by both sides)."""
    global _DATA
    if _DATA is None:
        import random
        rng = random.Random(1234)
        _DATA = ([[rng.uniform(-1, 1) for _ in range(5)] for _ in range(16)],
                 [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(16)],
                 {"0.weight": [[rng.uniform(-0.5, 0.5) for _ in range(5)] for _ in range(4)],
                  "0.bias": [rng.uniform(-0.5, 0.5) for _ in range(4)],
                  "2.weight": [[rng.uniform(-0.5, 0.5) for _ in range(4)] for _ in range(3)],
                  "2.bias": [rng.uniform(-0.5, 0.5) for _ in range(3)]})
    x, y, w = _DATA
    return m.tensor(x), m.tensor(y), {k: m.tensor(v) for k, v in w.items()}


def build(m, device=None):
    model = m.nn.Sequential(m.nn.Linear(5, 4), m.nn.Tanh(), m.nn.Linear(4, 3))
    x, y, w = _data(m)
    model.load_state_dict(w)
    if device is not None:
        model.to(device)
        x, y = x.to(device), y.to(device)
    return model, x, y


def trajectory(m, make_opt, steps=50, device=None, reload_at=None, closure_steps=False,
               make_sched=None):
    """Parameters (as lists) after each step; optionally reload the optimizer
    (and scheduler) from a state-dict round trip at step ``reload_at``."""
    model, x, y = build(m, device)
    opt = make_opt(m, model.parameters())
    sched = make_sched(m, opt) if make_sched else None
    out = []
    for step in range(steps):
        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss
        if closure_steps:
            opt.step(closure)
        else:
            closure()
            opt.step()
        if sched is not None:
            sched.step()
        if reload_at is not None and step == reload_at:
            sd = copy.deepcopy(opt.state_dict())
            opt = make_opt(m, model.parameters())
            opt.load_state_dict(sd)
            if sched is not None:
                ssd = sched.state_dict()
                sched = make_sched(m, opt)
                sched.load_state_dict(ssd)
        out.append([p.detach().cpu().tolist() if hasattr(p, "cpu") else p.detach().tolist()
                    for p in model.parameters()])
    return out


def assert_same_trajectory(got, want, rtol=1e-5, atol=1e-6):
    def flat(v):
        if isinstance(v, list):
            for i in v:
                yield from flat(i)
        else:
            yield v
    for step, (g, w) in enumerate(zip(got, want)):
        gf, wf = list(flat(g)), list(flat(w))
        bad = [(a, b) for a, b in zip(gf, wf) if abs(a - b) > atol + rtol * abs(b)]
        assert not bad, f"step {step}: {len(bad)} parameters differ from torch, e.g. {bad[:3]}"
