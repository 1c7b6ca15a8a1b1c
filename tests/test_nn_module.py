"""nn.Module, Parameter, Buffer and the containers behave like torch's: the
same code runs on ``torch.nn`` and ``rustorch.nn`` and gives the same names,
orders, reprs, errors and state."""
import copy
import pickle
import re
from collections import OrderedDict

import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

LIBS = [pytest.param(torch, id="torch"), pytest.param(rt, id="rustorch")]


def both(fn):
    """fn(lib) on torch and on rustorch; the two results."""
    return fn(torch), fn(rt)


def to_rt(t):
    name = str(t.dtype).split(".")[-1]
    return rt.tensor(t.detach().tolist(), dtype=getattr(rt, name))


def copy_state(tmod, rmod):
    rmod.load_state_dict({k: to_rt(v) for k, v in tmod.state_dict().items()})


class Net:
    """A nested model built from either library, same structure."""

    @staticmethod
    def make(lib):
        nn = lib.nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)
                self.register_buffer("running", lib.zeros(3))
                self.register_buffer("scratch", lib.ones(2), persistent=False)
                self.scale = nn.Parameter(lib.ones(1))

            def forward(self, x):
                return self.fc(x) * self.scale + self.running

        class Top(nn.Module):
            def __init__(self):
                super().__init__()
                self.alpha = nn.Parameter(lib.zeros(3))
                self.body = nn.Sequential(Block(), nn.ReLU() if hasattr(nn, "ReLU") else nn.Identity(),
                                          Block())
                self.heads = nn.ModuleDict({"b": nn.Linear(3, 2), "a": nn.Linear(3, 1, bias=False)})
                self.extra = nn.ModuleList([nn.Linear(2, 2), nn.Identity()])
                self.register_buffer("count", lib.zeros((), dtype=lib.int64))
                self.plist = nn.ParameterList([nn.Parameter(lib.ones(2)), nn.Parameter(lib.zeros(1))])
                self.pdict = nn.ParameterDict({"z": nn.Parameter(lib.ones(1)), "y": nn.Parameter(lib.ones(2))})

            def forward(self, x):
                h = self.body(x + self.alpha)
                return self.heads["b"](h), self.heads["a"](h)
        return Top()


# ---------------------------------------------------------------- registration

@pytest.mark.parametrize("lib", LIBS)
def test_attribute_registration(lib):
    nn = lib.nn
    m = nn.Module()
    m.w = nn.Parameter(lib.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("b", lib.zeros(2))
    m.register_buffer("np", lib.zeros(1), persistent=False)
    m.plain = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["b", "np"]
    assert "plain" in m.__dict__ and "w" not in m.__dict__
    assert list(m.state_dict()) == ["w", "b", "sub.weight", "sub.bias"]
    # re-assigning a buffer with a tensor keeps it a buffer
    m.b = lib.ones(2)
    assert "b" in m._buffers and m.b.sum().item() == 2
    # assigning None keeps the slot
    m.w = None
    assert "w" in m._parameters and m.w is None and list(m.parameters()) == list(m.sub.parameters())
    m.sub = None
    assert "sub" in m._modules and m.sub is None
    m.b = None
    assert m.b is None and "b" not in m.state_dict()
    # a Parameter replacing a plain attribute moves it out of __dict__
    m.plain = nn.Parameter(lib.ones(1))
    assert "plain" in m._parameters and "plain" not in m.__dict__
    del m.plain
    assert "plain" not in m._parameters
    with pytest.raises(AttributeError):
        m.plain


@pytest.mark.parametrize("lib", LIBS)
def test_registration_errors(lib):
    nn = lib.nn
    m = nn.Module()
    m.w = nn.Parameter(lib.ones(2))
    with pytest.raises(TypeError):
        m.w = lib.ones(2)                       # plain tensor onto a parameter slot
    with pytest.raises(TypeError):
        m.register_parameter("p", lib.ones(2))
    with pytest.raises(TypeError):
        m.register_buffer("b", 3)
    with pytest.raises(KeyError):
        m.register_buffer("a.b", lib.ones(1))
    with pytest.raises(KeyError):
        m.register_parameter("", None)
    with pytest.raises(KeyError):
        m.add_module("x.y", nn.Identity())
    with pytest.raises(TypeError):
        m.add_module("x", 5)
    with pytest.raises(TypeError):
        m.register_buffer(1, lib.ones(1))
    m.attr = 1
    with pytest.raises(KeyError):
        m.register_buffer("attr", lib.ones(1))
    with pytest.raises(KeyError):
        m.register_parameter("attr", None)
    m.sub = nn.Identity()
    with pytest.raises(TypeError):
        m.sub = 3
    m.register_buffer("buf", lib.ones(1))
    with pytest.raises(TypeError):
        m.buf = 3


@pytest.mark.parametrize("lib", LIBS)
def test_non_leaf_parameter_and_pre_init(lib):
    nn = lib.nn
    m = nn.Module()
    m.register_parameter("q", nn.Parameter(lib.ones(2, requires_grad=True) * 2))
    assert m.q.grad_fn is None and m.q.requires_grad

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(lib.ones(1))
            super().__init__()
    with pytest.raises(AttributeError):
        Early()

    class EarlyMod(nn.Module):
        def __init__(self):
            self.l = nn.Identity()
            super().__init__()
    with pytest.raises(AttributeError):
        EarlyMod()


def test_registration_error_types_are_rustorch():
    m = rt.nn.Module()
    for fn in (lambda: m.register_parameter("p", rt.ones(2)), lambda: m.register_buffer("b", 3),
               lambda: m.add_module("x", 5)):
        with pytest.raises(rt.RustorchError):
            fn()


@pytest.mark.parametrize("lib", LIBS)
def test_buffer_class(lib):
    nn = lib.nn
    m = nn.Module()
    m.a = nn.Buffer(lib.ones(2))
    m.b = nn.Buffer(lib.zeros(1), persistent=False)
    assert list(m._buffers) == ["a", "b"]
    assert list(m.state_dict()) == ["a"]
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert not isinstance(m.a, nn.Parameter)
    assert type(m.a) is lib.Tensor


# ---------------------------------------------------------------- traversal

def _names(m):
    return {
        "parameters": [n for n, _ in m.named_parameters()],
        "parameters_nonrec": [n for n, _ in m.named_parameters(recurse=False)],
        "parameters_prefix": [n for n, _ in m.named_parameters(prefix="net")],
        "buffers": [n for n, _ in m.named_buffers()],
        "children": [n for n, _ in m.named_children()],
        "modules": [n for n, _ in m.named_modules()],
        "modules_prefix": [n for n, _ in m.named_modules(prefix="root")],
        "state_dict": list(m.state_dict()),
        "n_params": len(list(m.parameters())),
        "n_modules": len(list(m.modules())),
        "types": [type(x).__name__ for x in m.modules()],
    }


def test_traversal_order_matches_torch():
    t, r = both(Net.make)
    assert _names(r) == _names(t)


def _shared(lib):
    nn = lib.nn
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, nn.Identity(), lin)
    m.add_module("again", m[1])
    tied = nn.Module()
    tied.a = nn.Linear(2, 2, bias=False)
    tied.b = nn.Linear(2, 2, bias=False)
    tied.b.weight = tied.a.weight
    outer = nn.ModuleDict({"seq": m, "tied": tied})
    return outer


def test_shared_modules_and_parameters():
    t, r = both(_shared)
    assert _names(r) == _names(t)
    for remove in (True, False):
        assert [n for n, _ in r.named_parameters(remove_duplicate=remove)] == \
            [n for n, _ in t.named_parameters(remove_duplicate=remove)]
        assert [n for n, _ in r.named_modules(remove_duplicate=remove)] == \
            [n for n, _ in t.named_modules(remove_duplicate=remove)]
    # state dict keeps every alias, like torch
    assert list(r.state_dict()) == list(t.state_dict())


def test_get_submodule_parameter_buffer():
    t, r = both(Net.make)
    for m in (t, r):
        assert m.get_submodule("") is m
        assert m.get_submodule("body.0.fc") is m.body[0].fc
        assert m.get_parameter("body.2.fc.weight") is m.body[2].fc.weight
        assert m.get_parameter("alpha") is m.alpha
        assert m.get_buffer("body.0.running") is m.body[0].running
        with pytest.raises(AttributeError):
            m.get_submodule("body.7")
        with pytest.raises(AttributeError):
            m.get_submodule("alpha")          # a parameter, not a module
        with pytest.raises(AttributeError):
            m.get_parameter("body.0.running")
        with pytest.raises(AttributeError):
            m.get_buffer("alpha")


# ---------------------------------------------------------------- state dicts

def test_state_dict_keys_values_and_detach():
    t, r = both(Net.make)
    copy_state(t, r)
    ts, rs = t.state_dict(), r.state_dict()
    assert list(rs) == list(ts)
    for k in ts:
        assert rs[k].flatten().tolist() == pytest.approx(ts[k].flatten().tolist())
        assert not rs[k].requires_grad
        assert str(rs[k].dtype).split(".")[-1] == str(ts[k].dtype).split(".")[-1]
    kv = r.state_dict(keep_vars=True)
    assert kv["alpha"] is r.alpha
    # prefix
    assert list(r.state_dict(prefix="m.")) == list(t.state_dict(prefix="m."))
    # state dict values share memory with the parameters (detach, not clone)
    sd = r.state_dict()
    sd["alpha"].add_(1)
    assert r.alpha.tolist() == [1.0, 1.0, 1.0]


def test_load_torch_state_dict_gives_same_outputs():
    torch.manual_seed(0)
    t, r = both(Net.make)
    with torch.no_grad():
        for p in t.parameters():
            p.normal_()
        for b in t.buffers():
            if b.is_floating_point():
                b.normal_()
    copy_state(t, r)
    x = torch.randn(4, 3)
    want = t(x)
    got = r(to_rt(x))
    for g, w in zip(got, want):
        assert g.flatten().tolist() == pytest.approx(w.flatten().tolist(), rel=1e-5, abs=1e-5)
    # loading straight from torch tensors works as well (copied)
    r2 = Net.make(rt)
    r2.load_state_dict(t.state_dict())
    assert r2.body[0].fc.weight.flatten().tolist() == pytest.approx(t.body[0].fc.weight.flatten().tolist())


def _sd_error(lib, mutate, strict=True):
    m = Net.make(lib)
    sd = m.state_dict()
    mutate(lib, sd)
    try:
        res = m.load_state_dict(sd, strict=strict)
    except Exception as e:  # noqa: BLE001
        return e
    return res


def _missing(lib, sd):
    del sd["alpha"]
    del sd["heads.a.weight"]


def _unexpected(lib, sd):
    sd["bogus"] = lib.ones(1)
    sd["body.0.zzz"] = lib.ones(1)
    sd["body.9.weight"] = lib.ones(1)


def _size(lib, sd):
    sd["heads.b.weight"] = lib.ones(5, 3)


def _nonpersistent(lib, sd):
    sd["body.0.scratch"] = lib.ones(2)


@pytest.mark.parametrize("mutate", [_missing, _unexpected, _size, _nonpersistent])
def test_load_state_dict_strict_errors_match_torch(mutate):
    te = _sd_error(torch, mutate)
    re_ = _sd_error(rt, mutate)
    assert isinstance(te, RuntimeError)
    assert isinstance(re_, RuntimeError) and isinstance(re_, rt.RustorchError), re_
    tmsg = str(te).replace("torch.Size", "rustorch.Size")
    assert str(re_) == tmsg


@pytest.mark.parametrize("mutate", [_missing, _unexpected, _nonpersistent])
def test_load_state_dict_non_strict(mutate):
    tres = _sd_error(torch, mutate, strict=False)
    rres = _sd_error(rt, mutate, strict=False)
    assert type(rres).__name__ == "IncompatibleKeys" or hasattr(rres, "missing_keys"), rres
    assert list(rres.missing_keys) == list(tres.missing_keys)
    assert list(rres.unexpected_keys) == list(tres.unexpected_keys)


def test_load_state_dict_non_strict_size_mismatch_still_raises():
    te = _sd_error(torch, _size, strict=False)
    re_ = _sd_error(rt, _size, strict=False)
    assert isinstance(re_, RuntimeError)
    assert str(re_) == str(te).replace("torch.Size", "rustorch.Size")


def test_load_state_dict_result_and_bad_input():
    r = Net.make(rt)
    res = r.load_state_dict(r.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == repr(torch.nn.Linear(1, 1).load_state_dict(torch.nn.Linear(1, 1).state_dict()))
    with pytest.raises(TypeError):
        r.load_state_dict([1, 2])


def test_load_state_dict_keeps_parameter_identity_and_assign():
    r = rt.nn.Linear(2, 2)
    w = r.weight
    r.load_state_dict({"weight": rt.ones(2, 2), "bias": rt.zeros(2)})
    assert r.weight is w and r.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert r.weight.requires_grad
    new = rt.full((2, 2), 3.0)
    r.load_state_dict({"weight": new, "bias": rt.zeros(2)}, assign=True)
    t = torch.nn.Linear(2, 2)
    t.load_state_dict({"weight": torch.full((2, 2), 3.0), "bias": torch.zeros(2)}, assign=True)
    assert isinstance(r.weight, rt.nn.Parameter) and r.weight.requires_grad == t.weight.requires_grad
    assert r.weight.tolist() == t.weight.tolist()


def test_state_dict_hooks_and_extra_state():
    class WithExtra(rt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = rt.nn.Linear(1, 1)
            self.value = 7

        def get_extra_state(self):
            return {"v": self.value}

        def set_extra_state(self, s):
            self.value = s["v"]
    m = WithExtra()
    sd = m.state_dict()
    assert list(sd) == ["_extra_state", "lin.weight", "lin.bias"]
    m2 = WithExtra()
    m2.value = 0
    m2.load_state_dict(sd)
    assert m2.value == 7


# ---------------------------------------------------------------- modes, dtypes, apply

@pytest.mark.parametrize("lib", LIBS)
def test_train_eval_propagation(lib):
    m = Net.make(lib)
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.body.train()
    assert m.body[0].fc.training and not m.heads.training and not m.training
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError):
        m.train("yes")


def test_train_bad_mode_type():
    with pytest.raises(ValueError):
        torch.nn.Linear(1, 1).train("x")
    with pytest.raises(ValueError):
        rt.nn.Linear(1, 1).train("x")


@pytest.mark.parametrize("conv", ["double", "to", "to_kw", "float_back"])
def test_dtype_moves_keep_parameter_identity(conv):
    m = Net.make(rt)
    params = dict(m.named_parameters())
    opt_view = list(m.parameters())
    if conv == "double":
        r = m.double()
        want = rt.float64
    elif conv == "to":
        r = m.to(rt.float64)
        want = rt.float64
    elif conv == "to_kw":
        r = m.to(dtype=rt.float64, device="cpu")
        want = rt.float64
    else:
        r = m.double().float()
        want = rt.float32
    assert r is m
    for n, p in m.named_parameters():
        assert p is params[n] and isinstance(p, rt.nn.Parameter) and p.requires_grad
        assert p.dtype == want
    assert [id(p) for p in m.parameters()] == [id(p) for p in opt_view]
    assert m.count.dtype == rt.int64          # integer buffers keep their dtype
    assert m.body[0].running.dtype == want
    out = m(rt.ones(2, 3, dtype=want))
    assert out[0].dtype == want


def test_dtype_moves_convert_grads_and_reject_ints():
    m = rt.nn.Linear(2, 2)
    m(rt.ones(1, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == rt.float64
    with pytest.raises(TypeError):
        m.to(rt.int64)
    with pytest.raises(TypeError):
        torch.nn.Linear(1, 1).to(torch.int64)


@pytest.mark.parametrize("lib", LIBS)
def test_apply_order(lib):
    m = Net.make(lib)
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    if lib is rt:
        tseen = []
        Net.make(torch).apply(lambda mod: tseen.append(type(mod).__name__))
        assert seen == tseen
    assert seen[-1] == "Top"


def test_apply_init():
    m = rt.nn.Sequential(rt.nn.Linear(2, 3), rt.nn.Linear(3, 1))

    def init(mod):
        if isinstance(mod, rt.nn.Linear):
            rt.nn.init.constant_(mod.weight, 0.5)
            rt.nn.init.zeros_(mod.bias)
    m.apply(init)
    assert m[1].weight.tolist() == [[0.5] * 3]
    assert m(rt.ones(1, 2)).tolist() == [[1.5]]


@pytest.mark.parametrize("lib", LIBS)
def test_zero_grad(lib):
    m = lib.nn.Linear(2, 2)
    m(lib.ones(1, 2)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is not None and m.weight.grad.abs().sum().item() == 0
    m(lib.ones(1, 2)).sum().backward()
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


@pytest.mark.parametrize("lib", LIBS)
def test_requires_grad_(lib):
    m = Net.make(lib)
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.body.requires_grad_()
    assert all(p.requires_grad for p in m.body.parameters())
    assert not m.alpha.requires_grad
    assert not any(b.requires_grad for b in m.buffers())


# ---------------------------------------------------------------- hooks

@pytest.mark.parametrize("lib", LIBS)
def test_forward_hooks(lib):
    nn = lib.nn
    m = nn.Linear(2, 2)
    with lib.no_grad():
        m.weight.copy_(lib.eye(2))
        m.bias.zero_()
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 2,)

    def pre_single(mod, args):
        calls.append("pre_single")
        return args[0] + 1                      # a non-tuple is wrapped

    def post(mod, args, out):
        calls.append("post")
        return out * 10

    def post_none(mod, args, out):
        calls.append("post_none")

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_pre_hook(pre_single, prepend=True)
    h3 = m.register_forward_hook(post)
    h4 = m.register_forward_hook(post_none, prepend=True)
    out = m(lib.ones(1, 2))
    assert calls == ["pre_single", "pre", "post_none", "post"]
    assert out.tolist() == [[40.0, 40.0]]
    for h in (h1, h2, h3, h4):
        h.remove()
    h1.remove()                                 # removing twice is fine
    calls.clear()
    assert m(lib.ones(1, 2)).tolist() == [[1.0, 1.0]] and calls == []
    with m.register_forward_hook(post):         # handles are context managers
        assert m(lib.ones(1, 2)).tolist() == [[10.0, 10.0]]
    assert m(lib.ones(1, 2)).tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("lib", LIBS)
def test_forward_hooks_with_kwargs(lib):
    nn = lib.nn

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor
    m = Scale()
    seen = {}

    def pre(mod, args, kwargs):
        seen["pre"] = dict(kwargs)
        return args, {"factor": kwargs.get("factor", 1.0) * 3}

    def post(mod, args, kwargs, out):
        seen["post"] = dict(kwargs)
        return out + 1
    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    out = m(lib.ones(2), factor=2.0)
    assert out.tolist() == [7.0, 7.0]
    assert seen == {"pre": {"factor": 2.0}, "post": {"factor": 6.0}}


@pytest.mark.parametrize("lib", LIBS)
def test_hooks_on_children_and_always_call(lib):
    nn = lib.nn
    m = nn.Sequential(nn.Linear(2, 2), nn.Identity())
    names = []
    for n, c in m.named_children():
        c.register_forward_hook(lambda mod, a, o, n=n: names.append(n))
    m(lib.ones(1, 2))
    assert names == ["0", "1"]
    m.register_forward_hook(lambda *a: None, always_call=True)
    m(lib.ones(1, 2))


@pytest.mark.parametrize("lib", LIBS)
def test_missing_forward(lib):
    with pytest.raises(NotImplementedError):
        lib.nn.Module()(lib.ones(1))


# ---------------------------------------------------------------- repr

def _repr_models(lib):
    nn = lib.nn
    return [
        nn.Linear(3, 4),
        nn.Linear(3, 4, bias=False),
        nn.Sequential(nn.Linear(6, 5), nn.Flatten(), nn.Unflatten(1, (1, 5)), nn.Identity(),
                      nn.Flatten(0, 2), nn.Unflatten(-1, [5, 1])),
        nn.Sequential(),
        nn.Sequential(OrderedDict([("enc", nn.Linear(1, 2)), ("dec", nn.Sequential(nn.Linear(2, 1)))])),
        nn.ModuleList([nn.Linear(2, 2) for _ in range(3)]),
        nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Identity(), nn.Linear(2, 3)]),
        nn.ModuleList(),
        nn.ModuleDict({"x": nn.Linear(1, 1), "y": nn.ModuleList([nn.Identity(), nn.Identity()])}),
        nn.Sequential(nn.ModuleList([nn.Sequential(nn.Linear(1, 1))]), nn.ModuleDict()),
        Net.make(lib),
        nn.Identity(),
        nn.Module(),
    ]


@pytest.mark.parametrize("i", range(13))
def test_repr_matches_torch(i):
    t = _repr_models(torch)[i]
    r = _repr_models(rt)[i]
    assert repr(r) == repr(t).replace("[torch.", "[rustorch.")


@pytest.mark.parametrize("lib", LIBS)
def test_parameter_list_dict_repr(lib):
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), nn.Parameter(lib.zeros(4))])
    pd = nn.ParameterDict({"a": nn.Parameter(lib.zeros(1)), "b": nn.Parameter(lib.zeros(2, 2, dtype=lib.float64))})
    name = lib.__name__
    assert repr(pl) == ("ParameterList(\n"
                        f"    (0): Parameter containing: [{name}.float32 of size 2x3]\n"
                        f"    (1): Parameter containing: [{name}.float32 of size 4]\n)")
    assert repr(pd) == ("ParameterDict(\n"
                        f"    (a): Parameter containing: [{name}.FloatTensor of size 1]\n"
                        f"    (b): Parameter containing: [{name}.DoubleTensor of size 2x2]\n)")
    assert repr(nn.ParameterList([nn.Parameter(lib.ones(1))])) == \
        f"ParameterList(  (0): Parameter containing: [{name}.float32 of size 1])"


def test_extra_repr_multiline():
    def make(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.l = lib.nn.Linear(1, 1)

            def extra_repr(self):
                return "a=1\nb=2"
        return M()
    t, r = both(make)
    assert repr(r) == repr(t)


@pytest.mark.parametrize("lib", LIBS)
def test_parameter_repr_and_flags(lib):
    nn = lib.nn
    p = nn.Parameter(lib.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert str(p) == repr(p)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    q = nn.Parameter(lib.tensor([1.0]), requires_grad=False)
    assert not q.requires_grad
    assert repr(q) == "Parameter containing:\ntensor([1.])"
    e = nn.Parameter()
    assert tuple(e.shape) == (0,) and isinstance(e, nn.Parameter)
    assert isinstance(p, lib.Tensor)
    # shares memory with the source
    src = lib.zeros(2)
    p2 = nn.Parameter(src)
    src.add_(1)
    assert p2.tolist() == [1.0, 1.0]
    # ops on a parameter give plain tensors
    assert type(p * 2) is lib.Tensor
    assert type(p.detach()) is lib.Tensor or lib is torch


@pytest.mark.parametrize("lib", LIBS)
def test_parameter_deepcopy_and_pickle(lib):
    nn = lib.nn
    p = nn.Parameter(lib.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.tolist() == p.tolist() and q.requires_grad
    r = pickle.loads(pickle.dumps(nn.Parameter(lib.tensor([3.0]), requires_grad=False)))
    assert isinstance(r, nn.Parameter) and not r.requires_grad and r.tolist() == [3.0]


# ---------------------------------------------------------------- copy and pickle

def _check_clone(m, c):
    assert type(c) is type(m) and c is not m
    assert list(c.state_dict()) == list(m.state_dict())
    for (n, a), (_, b) in zip(m.named_parameters(), c.named_parameters()):
        assert a is not b and isinstance(b, rt.nn.Parameter) and b.requires_grad == a.requires_grad
        assert a.tolist() == b.tolist()
    for (n, a), (_, b) in zip(m.named_buffers(), c.named_buffers()):
        assert a.tolist() == b.tolist() and a.dtype == b.dtype
    x = rt.ones(2, 3)
    for a, b in zip(m(x), c(x)):
        assert a.tolist() == b.tolist()
    assert repr(c) == repr(m)


def test_deepcopy_module():
    m = Net.make(rt)
    m.eval()
    c = copy.deepcopy(m)
    _check_clone(m, c)
    assert not c.training
    with rt.no_grad():
        c.alpha.add_(1)
    assert m.alpha.tolist() == [0.0, 0.0, 0.0]
    # shared parameters stay shared in the copy
    s = copy.deepcopy(_shared(rt))
    assert s["tied"].a.weight is s["tied"].b.weight
    assert s["seq"][0] is s["seq"][2]


class PickleNet(rt.nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = rt.nn.Sequential(rt.nn.Linear(3, 4), rt.nn.Flatten(), rt.nn.Linear(4, 2))
        self.register_buffer("b", rt.arange(3))
        self.register_buffer("np", rt.ones(1), persistent=False)

    def forward(self, x):
        return (self.seq(x),)


def test_pickle_round_trip():
    m = PickleNet()
    m.seq[0].weight.grad = rt.ones(4, 3)
    c = pickle.loads(pickle.dumps(m))
    _check_clone(m, c)
    assert list(c._non_persistent_buffers_set) == ["np"]
    assert c.b.dtype == rt.int64
    # hooks registered by name-level functions survive too; the copy trains
    out = c(rt.ones(1, 3))[0].sum()
    out.backward()
    assert c.seq[0].weight.grad is not None


# ---------------------------------------------------------------- containers

@pytest.mark.parametrize("lib", LIBS)
def test_sequential_api(lib):
    nn = lib.nn
    a, b, c, d = nn.Linear(1, 1), nn.Identity(), nn.Linear(1, 2), nn.Flatten()
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sl = s[1:]
    assert type(sl) is nn.Sequential and list(sl) == [b, c] and list(sl._modules) == ["1", "2"]
    s[1] = d
    assert s[1] is d
    s.append(b)
    assert list(s._modules) == ["0", "1", "2", "3"] and s[3] is b
    del s[1]
    assert list(s) == [a, c, b] and list(s._modules) == ["0", "1", "2"]
    s.insert(1, d)
    assert list(s) == [a, d, c, b] and list(s._modules) == ["0", "1", "2", "3"]
    s.insert(-1, nn.Identity())
    assert s[3] is not b and s[4] is b
    assert s.pop(0) is a and len(s) == 4
    s2 = s + nn.Sequential(a)
    assert len(s2) == 5 and s2[-1] is a
    s.extend([a])
    assert s[-1] is a
    del s[1:3]
    assert len(s) == 3 and list(s._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError):
        s[10]
    with pytest.raises(IndexError):
        s[-10]
    # OrderedDict keys
    od = nn.Sequential(OrderedDict([("x", a), ("y", b)]))
    assert od.x is a and list(od._modules) == ["x", "y"] and od[1] is b
    assert [n for n, _ in od.named_children()] == ["x", "y"]
    # forward chains
    f = nn.Sequential(nn.Flatten(0), nn.Unflatten(0, (2, 3)))
    assert tuple(f(lib.ones(3, 2)).shape) == (2, 3)


def test_sequential_api_edge_cases_match_torch():
    def run(lib):
        nn = lib.nn
        out = []
        s = nn.Sequential(*[nn.Linear(1, i + 1) for i in range(5)])
        del s[-1]
        out.append([m.out_features for m in s])
        s.insert(0, nn.Linear(1, 9))
        out.append([m.out_features for m in s])
        s.insert(len(s), nn.Linear(1, 8))
        out.append([m.out_features for m in s])
        s2 = s[::2]
        out.append((list(s2._modules), [m.out_features for m in s2]))
        s3 = nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.Linear(1, 2))]))
        s3.append(nn.Linear(1, 3))
        out.append(list(s3._modules))
        del s3[0]
        out.append(list(s3._modules))
        s4 = nn.Sequential(nn.Linear(1, 1))
        s4 += nn.Sequential(nn.Linear(1, 2))
        out.append(len(s4))
        s5 = nn.Sequential(nn.Linear(1, 1)) * 2
        out.append(list(s5._modules))
        return out
    t, r = both(run)
    assert r == t


def test_sequential_errors():
    for lib in (torch, rt):
        with pytest.raises(ValueError):
            lib.nn.Sequential(lib.nn.Identity()) + [1]
        with pytest.raises(ValueError):
            lib.nn.Sequential(lib.nn.Identity()) * 0
        with pytest.raises(TypeError):
            lib.nn.Sequential(lib.nn.Identity()) * 1.5
        with pytest.raises(TypeError):
            lib.nn.Sequential(3)
        with pytest.raises(IndexError):
            lib.nn.Sequential()[0]


@pytest.mark.parametrize("lib", LIBS)
def test_module_list_api(lib):
    nn = lib.nn
    a, b, c = nn.Linear(1, 1), nn.Identity(), nn.Linear(1, 2)
    ml = nn.ModuleList([a, b])
    ml.append(c)
    assert len(ml) == 3 and ml[-1] is c and list(ml) == [a, b, c]
    assert list(ml._modules) == ["0", "1", "2"]
    ml.insert(0, c)
    assert list(ml) == [c, a, b, c] and list(ml._modules) == ["0", "1", "2", "3"]
    # shared entries count once
    assert len(list(ml.parameters())) == 4
    del ml[0]
    assert list(ml) == [a, b, c] and list(ml._modules) == ["0", "1", "2"]
    ml[1] = nn.Flatten()
    assert type(ml[1]).__name__ == "Flatten"
    ml += [nn.Identity()]
    assert len(ml) == 4
    ml.extend([b])
    assert ml[4] is b
    sl = ml[1:3]
    assert type(sl) is nn.ModuleList and len(sl) == 2
    added = ml + nn.ModuleList([a])
    assert type(added) is nn.ModuleList and len(added) == 6
    assert ml.pop(1).__class__.__name__ == "Flatten" and len(ml) == 4
    del ml[1:3]
    assert len(ml) == 2 and list(ml._modules) == ["0", "1"]
    with pytest.raises(IndexError):
        ml[5]
    with pytest.raises(TypeError):
        ml.append(3)
    with pytest.raises(TypeError):
        nn.ModuleList(nn.Identity())             # not iterable
    assert a in nn.ModuleList([a])


@pytest.mark.parametrize("lib", LIBS)
def test_module_dict_api(lib):
    nn = lib.nn
    a, b, c = nn.Linear(1, 1), nn.Identity(), nn.Linear(1, 2)
    md = nn.ModuleDict({"b": b, "a": a})
    assert list(md) == ["b", "a"] and list(md.keys()) == ["b", "a"]
    assert list(md.values()) == [b, a] and list(md.items()) == [("b", b), ("a", a)]
    md["c"] = c
    assert "c" in md and md["c"] is c and md.c is c and len(md) == 3
    md.update([("d", nn.Identity())])
    md.update(OrderedDict(e=nn.Identity()))
    md.update(nn.ModuleDict({"f": nn.Identity()}))
    assert list(md) == ["b", "a", "c", "d", "e", "f"]
    assert md.pop("a") is a and "a" not in md
    del md["b"]
    assert list(md) == ["c", "d", "e", "f"]
    with pytest.raises(KeyError):
        md["zz"]
    with pytest.raises(TypeError):
        md["x"] = 5
    md.clear()
    assert len(md) == 0
    with pytest.raises(TypeError):
        nn.ModuleDict(5)
    with pytest.raises(ValueError):
        nn.ModuleDict([("a", a, b)])


def test_module_dict_update_from_dict_ordering():
    def run(lib):
        md = lib.nn.ModuleDict()
        md.update({"z": lib.nn.Identity(), "a": lib.nn.Identity()})
        return list(md)
    t, r = both(run)
    assert r == t


@pytest.mark.parametrize("lib", LIBS)
def test_parameter_list_api(lib):
    nn = lib.nn
    p1, p2 = nn.Parameter(lib.ones(2)), nn.Parameter(lib.zeros(3))
    pl = nn.ParameterList([p1])
    pl.append(p2)
    assert len(pl) == 2 and pl[0] is p1 and pl[-1] is p2 and list(pl) == [p1, p2]
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pl.append(lib.ones(1))                       # plain tensors become Parameters
    assert isinstance(pl[2], nn.Parameter) and pl[2].requires_grad
    pl.extend([nn.Parameter(lib.ones(4))])
    pl += [nn.Parameter(lib.ones(5))]
    assert len(pl) == 5
    pl[0] = nn.Parameter(lib.zeros(7))
    assert tuple(pl[0].shape) == (7,)
    sl = pl[1:3]
    assert type(sl) is nn.ParameterList and len(sl) == 2 and sl[0] is p2
    assert list(pl.state_dict()) == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError):
        pl[9]
    m = nn.Module()
    m.pl = pl
    assert [n for n, _ in m.named_parameters()][:2] == ["pl.0", "pl.1"]


@pytest.mark.parametrize("lib", LIBS)
def test_parameter_dict_api(lib):
    nn = lib.nn
    pd = nn.ParameterDict({"b": nn.Parameter(lib.ones(1)), "a": nn.Parameter(lib.ones(2))})
    assert list(pd) == ["a", "b"] and list(pd.keys()) == ["a", "b"] and len(pd) == 2   # plain dicts sorted
    pd = nn.ParameterDict(OrderedDict([("b", nn.Parameter(lib.ones(1))), ("a", nn.Parameter(lib.ones(2)))]))
    assert list(pd) == ["b", "a"]
    pd["c"] = lib.zeros(3)
    assert isinstance(pd["c"], nn.Parameter) and "c" in pd
    assert [n for n, _ in pd.named_parameters()] == ["b", "a", "c"]
    assert [k for k, _ in pd.items()] == ["b", "a", "c"]
    assert len(list(pd.values())) == 3
    pd.update({"d": nn.Parameter(lib.ones(1))})
    pd.update([("e", nn.Parameter(lib.ones(1)))])
    p = pd.pop("a")
    assert tuple(p.shape) == (2,) and "a" not in pd
    del pd["b"]
    assert list(pd) == ["c", "d", "e"]
    assert pd.get("zz") is None and pd.get("c") is pd["c"]
    with pytest.raises(AttributeError):
        pd["zz"]                                 # torch looks entries up as attributes
    assert list(pd.state_dict()) == ["c", "d", "e"]
    assert list(pd.copy()) == ["c", "d", "e"] and pd.setdefault("c") is pd["c"]
    k, v = pd.popitem()
    assert k == "e" and len(pd) == 2
    merged = pd | nn.ParameterDict(OrderedDict([("x", nn.Parameter(lib.ones(1)))]))
    assert list(merged) == ["c", "d", "x"] and list(reversed(pd)) == ["d", "c"]
    with pytest.raises(RuntimeError):
        pd(lib.ones(1))
    with pytest.raises(TypeError):
        nn.ParameterDict()[1] = nn.Parameter(lib.ones(1))
    pd.clear()
    assert len(pd) == 0


def test_container_state_dicts_match_torch():
    def make(lib):
        nn = lib.nn
        m = nn.Module()
        m.pl = nn.ParameterList([nn.Parameter(lib.ones(1)), nn.Parameter(lib.ones(2))])
        m.pd = nn.ParameterDict({"q": nn.Parameter(lib.ones(1))})
        m.ml = nn.ModuleList([nn.Linear(1, 1), nn.Sequential(nn.Linear(1, 1))])
        m.md = nn.ModuleDict({"z": nn.Linear(1, 1)})
        return m
    t, r = both(make)
    assert list(r.state_dict()) == list(t.state_dict())
    copy_state(t, r)


@pytest.mark.parametrize("lib", LIBS)
def test_flatten_unflatten_identity(lib):
    nn = lib.nn
    x = lib.ones(2, 3, 4)
    assert tuple(nn.Flatten()(x).shape) == (2, 12)
    assert tuple(nn.Flatten(0, -1)(x).shape) == (24,)
    assert tuple(nn.Unflatten(2, (2, 2))(x).shape) == (2, 3, 2, 2)
    assert tuple(nn.Unflatten(-1, (2, -1))(x).shape) == (2, 3, 2, 2)
    assert nn.Identity(3, foo=4)(x) is x


@pytest.mark.parametrize("lib", LIBS)
def test_dir_and_getattr(lib):
    m = Net.make(lib)
    d = dir(m)
    for name in ("alpha", "body", "count", "forward", "training"):
        assert name in d
    with pytest.raises(AttributeError, match="nope"):
        m.nope


def test_module_init_rejects_arguments():
    with pytest.raises(TypeError):
        rt.nn.Module(1)


def test_register_module_and_add_module_none():
    t, r = both(lambda lib: lib.nn.Module())
    for m, lib in ((t, torch), (r, rt)):
        m.register_module("a", lib.nn.Identity())
        m.add_module("b", None)
        assert list(m._modules) == ["a", "b"]
        assert [n for n, _ in m.named_children()] == ["a"]
    assert repr(r) == repr(t)


def test_error_message_names():
    m = rt.nn.Module()
    with pytest.raises(TypeError, match=re.escape("cannot assign 'Tensor' object to parameter 'p'")):
        m.register_parameter("p", rt.ones(1))
