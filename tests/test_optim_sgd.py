"""SGD trajectories against torch (the pattern every optimizer test follows)."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from optim_harness import assert_same_trajectory, trajectory  # noqa: E402

CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.05, maximize=True, weight_decay=0.1),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_sgd_trajectory(cfg, device):
    want = trajectory(torch, lambda m, p: m.optim.SGD(p, **cfg))
    got = trajectory(rt, lambda m, p: m.optim.SGD(p, **cfg), device=device, reload_at=20)
    assert_same_trajectory(got, want)


def test_sgd_param_groups_and_state_dict_layout():
    def groups(m, model):
        return [{"params": model[0].parameters(), "lr": 0.1},
                {"params": model[2].parameters(), "momentum": 0.5}]
    from optim_harness import build
    rm, _, _ = build(rt)
    tm, _, _ = build(torch)
    ro = rt.optim.SGD(groups(rt, rm), lr=0.01)
    to = torch.optim.SGD(groups(torch, tm), lr=0.01)
    assert ro.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    assert repr(ro) == repr(to)


def test_sgd_bad_configuration():
    w = rt.zeros(2, requires_grad=True)
    for kw, msg in [(dict(lr=-1), "Invalid learning rate"), (dict(lr=0.1, momentum=-1), "momentum"),
                    (dict(lr=0.1, nesterov=True), "Nesterov")]:
        with pytest.raises(ValueError, match=msg):
            rt.optim.SGD([w], **kw)
    with pytest.raises(ValueError, match="more than one parameter group"):
        rt.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        rt.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        rt.optim.SGD([], lr=0.1)
