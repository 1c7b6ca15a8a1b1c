"""Bad optimizer configurations: every optimizer in rustorch.optim must reject
what torch rejects, with an exception that is a RustorchError *and* an instance
of the builtin class torch raises, and a message naming the problem.  torch is
run on the same input each time, so the expectation is torch's, not ours."""
import builtins

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402

OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
              "ASGD", "Rprop", "LBFGS", "SparseAdam"]
WITH_EPS = {"Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
            "SparseAdam"}
WITH_BETAS = {"Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam"}
WITH_WEIGHT_DECAY = {"SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad",
                     "Adadelta", "ASGD"}


def _p(m, n=2):
    return m.zeros(n, requires_grad=True)


# (case id, optimizers it applies to (None: all), make(m) -> (params, kwargs), message regex)
CASES = [
    ("negative lr", None, lambda m: ([_p(m)], dict(lr=-1.0)), r"learning rate"),
    ("lr tensor of 2 elements", None, lambda m: ([_p(m)], dict(lr=m.tensor([0.1, 0.2]))),
     r"1-element"),
    ("negative eps", WITH_EPS, lambda m: ([_p(m)], dict(eps=-1e-8)), r"epsilon"),
    ("beta1 = 1", WITH_BETAS, lambda m: ([_p(m)], dict(betas=(1.0, 0.999))),
     r"beta parameter at index 0"),
    ("beta1 < 0", WITH_BETAS, lambda m: ([_p(m)], dict(betas=(-0.1, 0.999))),
     r"beta parameter at index 0"),
    ("beta2 > 1", WITH_BETAS, lambda m: ([_p(m)], dict(betas=(0.9, 1.5))),
     r"beta parameter at index 1"),
    ("negative weight_decay", WITH_WEIGHT_DECAY, lambda m: ([_p(m)], dict(weight_decay=-0.1)),
     r"weight_decay"),
    ("parameter in two groups", None,
     lambda m: ((lambda w: [{"params": [w]}, {"params": [w]}])(_p(m)), {}),
     r"more than one parameter group"),
    ("non-leaf tensor", None, lambda m: ([_p(m) * 2], {}), r"non-leaf"),
    # a set as a group's params is refused (its order changes between runs); torch
    # 2.13 takes a top-level set (list() of it becomes the group), and so do we
    ("set of params in a group", None, lambda m: ([{"params": {_p(m)}}], {}),
     r"ordered collections"),
    ("set of params", None, lambda m: ({_p(m)}, {}), r"ordered collections"),
    ("empty list", None, lambda m: ([], {}), r"empty parameter list"),
    ("a bare tensor", None, lambda m: (_p(m), {}), r"iterable"),
    ("a non-tensor param", None, lambda m: ([_p(m), 3.0], {}), r"Tensor"),
    ("group is not a dict", None, lambda m: ([{"params": [_p(m)]}, [_p(m)]], {}), r"dict"),
    # optimizer-specific options
    ("SGD negative momentum", {"SGD"}, lambda m: ([_p(m)], dict(momentum=-0.5)), r"momentum"),
    ("SGD nesterov without momentum", {"SGD"}, lambda m: ([_p(m)], dict(nesterov=True)),
     r"[Nn]esterov"),
    ("NAdam negative momentum_decay", {"NAdam"},
     lambda m: ([_p(m)], dict(momentum_decay=-1.0)), r"momentum_decay"),
    ("RMSprop negative momentum", {"RMSprop"}, lambda m: ([_p(m)], dict(momentum=-0.5)),
     r"momentum"),
    ("RMSprop negative alpha", {"RMSprop"}, lambda m: ([_p(m)], dict(alpha=-0.5)), r"alpha"),
    ("Adagrad negative lr_decay", {"Adagrad"}, lambda m: ([_p(m)], dict(lr_decay=-0.5)),
     r"lr_decay"),
    ("Adagrad negative initial_accumulator_value", {"Adagrad"},
     lambda m: ([_p(m)], dict(initial_accumulator_value=-1.0)), r"initial_accumulator_value"),
    ("Adadelta rho > 1", {"Adadelta"}, lambda m: ([_p(m)], dict(rho=1.5)), r"rho"),
    ("Adadelta rho < 0", {"Adadelta"}, lambda m: ([_p(m)], dict(rho=-0.1)), r"rho"),
    ("Rprop etaminus >= 1", {"Rprop"}, lambda m: ([_p(m)], dict(etas=(1.5, 1.2))), r"eta"),
    ("Rprop etaplus <= 1", {"Rprop"}, lambda m: ([_p(m)], dict(etas=(0.5, 0.9))), r"eta"),
    ("LBFGS two groups", {"LBFGS"},
     lambda m: ([{"params": [_p(m)]}, {"params": [_p(m, 1)]}], {}), r"parameter groups"),
    ("SparseAdam zero lr", {"SparseAdam"}, lambda m: ([_p(m)], dict(lr=0.0)), r"learning rate"),
    ("SparseAdam zero eps", {"SparseAdam"}, lambda m: ([_p(m)], dict(eps=0.0)), r"epsilon"),
]

PAIRS = [(opt, case) for opt in OPTIMIZERS for case in CASES
         if case[1] is None or opt in case[1]]


def _builtin_base(exc_type):
    """The most derived builtin exception class torch's exception is."""
    for cls in exc_type.__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls
    return Exception


def _call(m, name, make):
    params, kwargs = make(m)
    return getattr(m.optim, name)(params, **kwargs)


@pytest.mark.parametrize("name,case", PAIRS, ids=[f"{o}-{c[0]}" for o, c in PAIRS])
def test_bad_configuration(name, case):
    _, _, make, pattern = case
    try:
        _call(torch, name, make)
        torch_exc = None
    except Exception as e:       # the oracle's answer
        torch_exc = e
    if torch_exc is None:        # torch accepts it, so must rustorch
        _call(rt, name, make)
        return
    want = _builtin_base(type(torch_exc))
    with pytest.raises(Exception) as info:
        _call(rt, name, make)
    got = info.value
    assert isinstance(got, want), \
        f"torch raises {type(torch_exc).__name__} ({torch_exc}); rustorch raised {type(got).__name__} ({got})"
    assert isinstance(got, rt.RustorchError), f"{type(got).__name__} is not a RustorchError: {got}"
    import re
    assert re.search(pattern, str(torch_exc)), f"the case's pattern does not fit torch's message: {torch_exc}"
    assert re.search(pattern, str(got)), f"unclear message: {got!r} (torch: {torch_exc})"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_good_configuration_builds(name):
    """The defaults build in both (so that the cases above fail for their own reason)."""
    ro = getattr(rt.optim, name)([_p(rt)])
    to = getattr(torch.optim, name)([_p(torch)])
    assert ro.state_dict()["param_groups"] == to.state_dict()["param_groups"]
