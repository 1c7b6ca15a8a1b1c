"""nn.init against torch.nn.init: gains and fans exactly, distributions by
their statistics on large tensors, structured initialisers exactly, and every
layer's default initialisation by comparing its parameters' statistics with the
same layer built by torch."""
import math
import warnings

import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")
np = pytest.importorskip("numpy")

init = rt.nn.init


def arr(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


# ---------------------------------------------------------------- gains and fans

GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
              ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
              ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
              ("leaky_relu", 0.2), ("leaky_relu", 3), ("leaky_relu", math.sqrt(5)), ("selu", None)]


@pytest.mark.parametrize("nl,param", GAIN_CASES)
def test_calculate_gain_exact(nl, param):
    want = torch.nn.init.calculate_gain(nl, param)
    got = init.calculate_gain(nl, param)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("nl,param", [("leaky_relu", True), ("leaky_relu", "0.1"), ("swish", None),
                                      ("gelu", None)])
def test_calculate_gain_errors(nl, param):
    with pytest.raises(ValueError) as t:
        torch.nn.init.calculate_gain(nl, param)
    with pytest.raises(ValueError) as r:
        init.calculate_gain(nl, param)
    assert isinstance(r.value, rt.RustorchError)
    assert str(r.value) == str(t.value)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2), (4, 3, 5), (6, 2, 3, 3), (2, 4, 1, 2, 3), (0, 3), (3, 0, 2)])
def test_fans_exact(shape):
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(rt.empty(shape)) == want
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(rt.empty(shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)


def test_fan_errors():
    for lib, mod in ((torch, torch.nn.init), (rt, init)):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            mod._calculate_fan_in_and_fan_out(lib.empty(3))
        with pytest.raises(ValueError, match="Mode fan_avg not supported"):
            mod.kaiming_uniform_(lib.empty(3, 3), mode="fan_avg")
        with pytest.raises(ValueError):
            mod.xavier_normal_(lib.empty(3))
        with pytest.raises(ValueError):
            mod.orthogonal_(lib.empty(3))
        with pytest.raises(ValueError):
            mod.eye_(lib.empty(3, 3, 3))
        with pytest.raises(ValueError):
            mod.dirac_(lib.empty(3, 3))
        with pytest.raises(ValueError):
            mod.dirac_(lib.empty(3, 3, 3), groups=2)
        with pytest.raises(ValueError):
            mod.sparse_(lib.empty(3), 0.1)


# ---------------------------------------------------------------- distributions

SHAPE = (200, 150)      # fan_in 150, fan_out 200, 30000 draws


def _uniform_bound(fn_name, kwargs, shape):
    """The bound of torch's uniform initialiser (same formula both sides)."""
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    if fn_name == "uniform_":
        return kwargs.get("a", 0.0), kwargs.get("b", 1.0)
    if fn_name == "xavier_uniform_":
        b = kwargs.get("gain", 1.0) * math.sqrt(6.0 / (fan_in + fan_out))
        return -b, b
    if fn_name == "kaiming_uniform_":
        fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
        gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
        b = math.sqrt(3.0) * gain / math.sqrt(fan)
        return -b, b
    raise AssertionError(fn_name)


def _normal_std(fn_name, kwargs, shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    if fn_name == "normal_":
        return kwargs.get("mean", 0.0), kwargs.get("std", 1.0)
    if fn_name == "xavier_normal_":
        return 0.0, kwargs.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    if fn_name == "kaiming_normal_":
        fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
        gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
        return 0.0, gain / math.sqrt(fan)
    raise AssertionError(fn_name)


UNIFORM = [("uniform_", {}), ("uniform_", {"a": -3.0, "b": 0.5}), ("xavier_uniform_", {}),
           ("xavier_uniform_", {"gain": 2.5}), ("kaiming_uniform_", {}),
           ("kaiming_uniform_", {"a": math.sqrt(5)}),
           ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
           ("kaiming_uniform_", {"nonlinearity": "tanh"})]
NORMAL = [("normal_", {}), ("normal_", {"mean": 2.0, "std": 0.3}), ("xavier_normal_", {}),
          ("xavier_normal_", {"gain": 0.5}), ("kaiming_normal_", {}),
          ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
          ("kaiming_normal_", {"a": 0.2})]


@pytest.mark.parametrize("name,kwargs", UNIFORM, ids=[f"{n}{k}" for n, k in UNIFORM])
def test_uniform_family(name, kwargs):
    lo, hi = _uniform_bound(name, kwargs, SHAPE)
    t = rt.empty(SHAPE, requires_grad=True)
    out = getattr(init, name)(t, **kwargs)
    assert out is t and t.requires_grad and t.grad_fn is None
    a = arr(t)
    width = hi - lo
    assert a.min() >= lo and a.max() <= hi
    assert a.min() < lo + 0.01 * width and a.max() > hi - 0.01 * width
    assert abs(a.mean() - (lo + hi) / 2) < 0.02 * width
    assert abs(a.std() - width / math.sqrt(12)) < 0.02 * width
    # torch draws from the same law
    tt = getattr(torch.nn.init, name)(torch.empty(SHAPE), **kwargs)
    assert abs(float(tt.std()) - a.std()) < 0.03 * width


@pytest.mark.parametrize("name,kwargs", NORMAL, ids=[f"{n}{k}" for n, k in NORMAL])
def test_normal_family(name, kwargs):
    mean, std = _normal_std(name, kwargs, SHAPE)
    t = rt.empty(SHAPE)
    assert getattr(init, name)(t, **kwargs) is t
    a = arr(t)
    assert abs(a.mean() - mean) < 0.03 * std
    assert abs(a.std() - std) < 0.03 * std
    # a normal has its 4th standardized moment at 3
    z = (a - a.mean()) / a.std()
    assert abs((z ** 4).mean() - 3) < 0.2
    tt = getattr(torch.nn.init, name)(torch.empty(SHAPE), **kwargs)
    assert abs(float(tt.std()) - a.std()) < 0.05 * std


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 1.0, -0.5, 0.3), (1.0, 0.2, 0.9, 1.6),
                                          (0.0, 0.02, -0.04, 0.04), (0.0, 1.0, 1.0, 3.0)])
def test_trunc_normal(mean, std, a, b):
    t = rt.empty(SHAPE)
    assert init.trunc_normal_(t, mean, std, a, b) is t
    x = arr(t)
    assert x.min() >= a and x.max() <= b
    w = b - a
    assert x.min() < a + 0.02 * w and x.max() > b - 0.02 * w
    # moments of the truncated normal equal torch's draws
    tt = torch.nn.init.trunc_normal_(torch.empty(SHAPE), mean, std, a, b).double().numpy()
    assert abs(x.mean() - tt.mean()) < 0.03 * w
    assert abs(x.std() - tt.std()) < 0.03 * w


def test_trunc_normal_warns_like_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(rt.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("device", ["cpu", "python"])
def test_distributions_on_each_device(device):
    if device not in rt.backends.available():
        pytest.skip(f"{device} backend not available")
    t = rt.empty(60, 50, device=device)
    init.kaiming_uniform_(t, a=math.sqrt(5))
    bound = 1 / math.sqrt(50)
    a = arr(t)
    assert a.max() <= bound and a.min() >= -bound and a.std() > 0.5 * bound / math.sqrt(3)
    init.xavier_normal_(t)
    assert abs(arr(t).std() - math.sqrt(2 / 110)) < 0.1 * math.sqrt(2 / 110)
    init.trunc_normal_(t, std=0.5, a=-0.6, b=0.6)
    assert np.abs(arr(t)).max() <= 0.6
    init.orthogonal_(t)
    m = arr(t)
    assert np.allclose(m.T @ m, np.eye(50), atol=1e-4)
    assert t.device.type == device


def test_generator_reproducible():
    for name in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_"):
        a, b = rt.empty(6, 5), rt.empty(6, 5)
        getattr(init, name)(a, generator=rt.Generator().manual_seed(7))
        getattr(init, name)(b, generator=rt.Generator().manual_seed(7))
        assert a.tolist() == b.tolist(), name


def test_zero_element_warns_and_noop():
    for name in ("kaiming_uniform_", "kaiming_normal_"):
        with pytest.warns(UserWarning, match="zero-element"):
            getattr(init, name)(rt.empty(0, 3))
    assert tuple(init.orthogonal_(rt.empty(0, 3)).shape) == (0, 3)


# ---------------------------------------------------------------- exact initialisers

@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (1, 1), (3, 3)])
def test_eye_exact(shape):
    assert init.eye_(rt.empty(shape)).tolist() == torch.nn.init.eye_(torch.empty(shape)).tolist()


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 2, 3, 2), 1),
                                          ((6, 2, 5), 3), ((3, 5, 4, 4), 1), ((4, 2, 1, 1), 2)])
def test_dirac_exact(shape, groups):
    r = init.dirac_(rt.empty(shape), groups)
    t = torch.nn.init.dirac_(torch.empty(shape), groups)
    assert r.tolist() == t.tolist()


def test_dirac_preserves_conv_identity():
    w = init.dirac_(rt.empty(3, 3, 3))
    x = rt.randn(1, 3, 7)
    assert rt.nn.functional.conv1d(x, w, padding=1).flatten().tolist() == pytest.approx(x.flatten().tolist())


def test_constant_ones_zeros():
    t = rt.empty(3, 2, requires_grad=True)
    assert init.constant_(t, 0.25) is t and arr(t).tolist() == [[0.25] * 2] * 3
    assert init.ones_(t).tolist() == [[1.0] * 2] * 3
    assert init.zeros_(t).tolist() == [[0.0] * 2] * 3
    assert t.requires_grad and t.grad_fn is None
    i = rt.empty(4, dtype=rt.int64)
    assert init.constant_(i, 3).tolist() == [3] * 4


@pytest.mark.parametrize("shape,gain", [((5, 3), 1), ((3, 5), 1), ((8, 8), 2.0), ((4, 2, 3), 1),
                                        ((6, 3, 2, 2), 0.5), ((40, 30), 1)])
def test_orthogonal(shape, gain):
    t = rt.empty(shape)
    assert init.orthogonal_(t, gain=gain) is t
    m = arr(t).reshape(shape[0], -1)
    r, c = m.shape
    g = m @ m.T if r <= c else m.T @ m
    assert np.allclose(g, gain ** 2 * np.eye(min(r, c)), atol=1e-5 * max(1, gain ** 2) * 10)


def test_orthogonal_is_haar_like():
    """Signs fixed from R's diagonal: the first column's first entry is not biased."""
    firsts = []
    for s in range(60):
        t = init.orthogonal_(rt.empty(3, 3), generator=rt.Generator().manual_seed(s))
        firsts.append(arr(t)[0, 0])
    assert 10 < sum(f > 0 for f in firsts) < 50


def test_sparse():
    t = init.sparse_(rt.empty(20, 30), sparsity=0.3, std=0.5)
    a = arr(t)
    zeros_per_col = (a == 0).sum(axis=0)
    assert (zeros_per_col == math.ceil(0.3 * 20)).all()
    nz = a[a != 0]
    assert abs(nz.std() - 0.5) < 0.1


def test_deprecated_aliases_and_private_helpers():
    for name in ("uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                 "kaiming_normal", "orthogonal"):
        assert callable(getattr(init, name))
    t = rt.empty(3, 3)
    init._no_grad_uniform_(t, -1, 1)
    init._no_grad_normal_(t, 0, 1)
    init._no_grad_trunc_normal_(t, 0, 1, -1, 1)
    assert np.abs(arr(t)).max() <= 1
    init._no_grad_fill_(t, 2)
    assert arr(t).sum() == 18
    init._no_grad_zero_(t)
    assert arr(t).sum() == 0


def test_init_keeps_leafness_and_version():
    p = rt.nn.Parameter(rt.empty(3, 4))
    for name in ("uniform_", "normal_", "xavier_uniform_", "kaiming_uniform_", "orthogonal_", "trunc_normal_",
                 "zeros_", "ones_", "eye_"):
        getattr(init, name)(p)
        assert p.is_leaf and p.requires_grad and isinstance(p, rt.nn.Parameter)


# ---------------------------------------------------------------- default layer init

def _layers():
    """(name, make(nn)) for layers whose default init torch defines; layers not
    in rustorch yet are skipped."""
    return [
        ("Linear", lambda nn: nn.Linear(300, 200)),
        ("Linear_small", lambda nn: nn.Linear(7, 900)),
        ("Bilinear", lambda nn: nn.Bilinear(40, 30, 50)),
        ("Conv1d", lambda nn: nn.Conv1d(16, 64, 5)),
        ("Conv2d", lambda nn: nn.Conv2d(8, 64, 3)),
        ("Conv2d_groups", lambda nn: nn.Conv2d(8, 64, 3, groups=4)),
        ("Conv3d", lambda nn: nn.Conv3d(4, 32, 3)),
        ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(16, 64, 5)),
        ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(64, 8, 3)),
        ("Embedding", lambda nn: nn.Embedding(300, 40)),
        ("EmbeddingBag", lambda nn: nn.EmbeddingBag(300, 40)),
        ("LayerNorm", lambda nn: nn.LayerNorm(64)),
        ("GroupNorm", lambda nn: nn.GroupNorm(4, 64)),
        ("BatchNorm1d", lambda nn: nn.BatchNorm1d(64)),
        ("BatchNorm2d", lambda nn: nn.BatchNorm2d(64)),
        ("InstanceNorm1d_affine", lambda nn: nn.InstanceNorm1d(64, affine=True)),
        ("PReLU", lambda nn: nn.PReLU(8)),
        ("RNN", lambda nn: nn.RNN(30, 60)),
        ("LSTM", lambda nn: nn.LSTM(30, 60)),
        ("GRU", lambda nn: nn.GRU(30, 60)),
        ("RNNCell", lambda nn: nn.RNNCell(30, 60)),
        ("LSTMCell", lambda nn: nn.LSTMCell(30, 60)),
        ("GRUCell", lambda nn: nn.GRUCell(30, 60)),
        ("MultiheadAttention", lambda nn: nn.MultiheadAttention(64, 4)),
        ("MultiheadAttention_kdim", lambda nn: nn.MultiheadAttention(64, 4, kdim=32, vdim=16)),
    ]


LAYERS = _layers()


@pytest.mark.parametrize("name,make", LAYERS, ids=[n for n, _ in LAYERS])
def test_default_init_matches_torch(name, make):
    rmod = make(rt.nn)
    tmod = make(torch.nn)
    small = min([p.numel() for p in tmod.parameters() if p.numel()] or [1])
    reps = max(1, min(40, math.ceil(3000 / small)))
    tmods = [tmod] + [make(torch.nn) for _ in range(reps - 1)]
    rmods = [rmod] + [make(rt.nn) for _ in range(reps - 1)]
    tparams = dict(tmod.named_parameters())
    rparams = dict(rmod.named_parameters())
    assert list(rparams) == list(tparams)
    for n, tp in tparams.items():
        rp = rparams[n]
        assert tuple(rp.shape) == tuple(tp.shape), n
        a = np.concatenate([arr(dict(m.named_parameters())[n]).ravel() for m in rmods])
        b = np.concatenate([dict(m.named_parameters())[n].detach().double().numpy().ravel() for m in tmods])
        if b.std() == 0:                          # constants: exact
            assert np.array_equal(a, b), n
            continue
        # same law, different draws: spread within 10%, mean within noise,
        # and for uniform laws (max |x| = sqrt(3) std) the same bound
        sd = b.std()
        assert abs(a.std() - sd) < 0.1 * sd, (n, a.std(), sd)
        assert abs(a.mean() - b.mean()) < 0.1 * sd + 4 * sd / math.sqrt(b.size), (n, a.mean(), b.mean())
        if np.abs(b).max() < 1.05 * math.sqrt(3) * sd:
            assert np.abs(a).max() <= np.abs(b).max() * 1.05 + 1e-7, n
            assert a.size < 50 or np.abs(a).max() > 0.8 * np.abs(b).max(), n
    for n, tb in tmod.named_buffers():
        rb = dict(rmod.named_buffers())[n]
        assert arr(rb).ravel().tolist() == tb.detach().double().numpy().ravel().tolist(), n


def test_linear_default_bounds_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = rt.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = arr(m.weight), arr(m.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    # zero-size layers construct without error, like torch
    z = rt.nn.Linear(0, 3)
    assert tuple(z.weight.shape) == (3, 0) and arr(z.bias).tolist() == [0.0, 0.0, 0.0]
