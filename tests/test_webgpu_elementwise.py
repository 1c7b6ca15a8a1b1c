"""WebGPU elementwise completeness (issue 8): the WGSL of kernels.UNARY / BINARY /
TERNARY behind webgpu/elementwise_ext.py.

torch (CPU) is the oracle: float32 math against torch's float64 answer, special
values (NaN, +-inf, +-0) against torch's float32 answer, integer semantics
(floor division, remainder, shifts, wrapping of narrow dtypes) exactly.  Inputs
are transposed, step-sliced and broadcast views, 0-d and empty arrays, and
sizes needing several workgroups (and > 65,535 of them once per template).
"""
import math

import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch._errors import DTypeError, InvalidArgument  # noqa: E402

NAN, INF = float("nan"), float("inf")
SPECIALS = [NAN, -NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-30, -1e30, 88.0,
            -88.0, 100.0, 7.25, -0.75]
RT_OF = {np.float32: rt.float32, np.float16: rt.float16, np.int32: rt.int32, np.int64: rt.int64,
         np.int16: rt.int16, np.int8: rt.int8, np.uint8: rt.uint8, np.uint32: rt.uint32,
         np.bool_: rt.bool}


@pytest.fixture(scope="module")
def be():
    from rustorch.backends import get
    from rustorch._errors import BackendUnavailableError
    try:
        return get("webgpu")
    except BackendUnavailableError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def xp(be):
    return be.xp


@pytest.fixture
def no_host():
    """Fails the test if anything took the host bridge."""
    from rustorch.backends.webgpu import host
    host.reset_counts()
    yield
    assert host.counts() == {}


def up(be, a):
    a = np.asarray(a)
    return be.from_host(a, RT_OF[a.dtype.type])


def down(be, g):
    return np.asarray(be.to_numpy(g))


def views(be, base):
    """(GPU view, NumPy view) pairs: contiguous, transposed, step-sliced, broadcast row."""
    g = up(be, base)
    yield g, base
    yield g.permute(tuple(reversed(range(base.ndim)))), base.T
    yield g[::2, 1:], base[::2, 1:]
    yield up(be, base[:1]).broadcast_to(base.shape), np.broadcast_to(base[:1], base.shape)


def close(got, want, rtol, atol, what):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, what
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    assert not bad.any(), \
        f"{what}: got {got[bad][:5]} want {want[bad][:5]} at {np.argwhere(bad)[:5]}"


# ------------------------------------------------------------------ float unary
UNARY = {   # name: (range, torch fn, atol)
    "acos": ((-1, 1), torch.acos, 0), "asin": ((-1, 1), torch.asin, 0),
    "atan": ((-40, 40), torch.atan, 0), "tan": ((-1.5, 1.5), torch.tan, 0),
    "sinh": ((-30, 30), torch.sinh, 0), "cosh": ((-30, 30), torch.cosh, 0),
    "tanh": ((-12, 12), torch.tanh, 0),
    "asinh": ((-1e3, 1e3), torch.asinh, 0), "acosh": ((1, 1e3), torch.acosh, 0),
    "atanh": ((-1, 1), torch.atanh, 0), "expm1": ((-20, 20), torch.expm1, 0),
    "log1p": ((-0.99, 50), torch.log1p, 0), "log2": ((1e-3, 1e3), torch.log2, 0),
    "log10": ((1e-3, 1e3), torch.log10, 0), "log": ((1e-3, 1e3), torch.log, 0),
    "exp": ((-80, 80), torch.exp, 0),
    "sin": ((-1e4, 1e4), torch.sin, 2e-7), "cos": ((-1e4, 1e4), torch.cos, 2e-7),
}
SPECIAL = {   # backend.special names
    "erf": ((-6, 6), torch.erf, 0), "erfc": ((-3, 9), torch.erfc, 1e-30),
    "erfinv": ((-1, 1), torch.erfinv, 0), "lgamma": ((-12, 40), torch.lgamma, 5e-6),
    "digamma": ((-12, 40), torch.digamma, 5e-6),
    "polygamma1": ((-6, 40), lambda t: torch.polygamma(1, t), 5e-6),
}


def _sample(rng, lo, hi, n=3 * 37 * 41):
    x = rng.uniform(lo, hi, n)
    if lo < 0 < hi:   # and values near 0, where cancellation would show
        x[::7] *= 1e-4
    return x.astype(np.float32).reshape(3, 37, 41)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float_unary_accuracy(be, xp, name, no_host):
    (lo, hi), fn, atol = UNARY[name]
    base = _sample(np.random.default_rng(0), lo, hi)
    for g, h in views(be, base):
        want = fn(torch.from_numpy(np.ascontiguousarray(h)).double()).numpy()
        close(down(be, getattr(xp, name)(g)), want, 2e-6, atol + 1e-37, name)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_accuracy(be, name, no_host):
    (lo, hi), fn, atol = SPECIAL[name]
    base = _sample(np.random.default_rng(1), lo, hi)
    for g, h in views(be, base):
        want = fn(torch.from_numpy(np.ascontiguousarray(h)).double()).numpy()
        got = down(be, be.special(name, g))
        # digamma/polygamma near poles: compare relative to the magnitude there
        close(got, want, 4e-6 if name in ("digamma", "polygamma1") else 2e-6, atol, name)


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(SPECIAL) + ["sigmoid", "sinc"])
def test_float_unary_special_values(be, xp, name, no_host):
    x = np.array(SPECIALS, np.float32)
    if name == "polygamma1":   # torch's float32 trigamma loses digits for x < 0
        x = x[~(x < 0)]
    if name in ("tan", "sin", "cos"):   # |x| > 1e5 uses the builtins (kernels._TRIG)
        x = x[~(np.abs(x) > 1e6)]
    t = torch.from_numpy(x)
    if name in SPECIAL:
        got, want = be.special(name, up(be, x)), SPECIAL[name][1](t)
    elif name in ("sigmoid", "sinc"):
        got, want = getattr(be, name)(up(be, x)), getattr(torch, name)(t)
    else:
        got, want = getattr(xp, name)(up(be, x)), getattr(torch, name)(t)
    g, w = down(be, got), want.numpy()
    assert np.array_equal(np.isnan(g), np.isnan(w)), (name, x, g, w)
    inf = np.isinf(w)
    assert np.array_equal(g[inf], w[inf]), (name, x[inf], g[inf], w[inf])
    close(g, w, 2e-6, 1e-30, name)


def test_sigmoid_sinc_accuracy(be, no_host):
    base = _sample(np.random.default_rng(2), -40, 40)
    for g, h in views(be, base):
        t = torch.from_numpy(np.ascontiguousarray(h))
        close(down(be, be.sigmoid(g)), torch.sigmoid(t.double()).numpy(), 2e-6, 1e-37, "sigmoid")
        # torch's float32 sinc rounds pi * x first: compare with it
        close(down(be, be.sinc(g)), torch.sinc(t).numpy(), 1e-5, 1e-6, "sinc")


@pytest.mark.parametrize("name", ["erf", "lgamma", "sigmoid", "log1p", "atan", "cosh"])
def test_float16(be, xp, name, no_host):
    if "shader-f16" not in be.context.adapter.features:
        pytest.skip("this adapter lacks 'shader-f16'")
    x = np.linspace(0.1, 3, 257).astype(np.float16)
    g = up(be, x)
    got = be.special(name, g) if name in SPECIAL else \
        be.sigmoid(g) if name == "sigmoid" else getattr(xp, name)(g)
    assert got.dtype is rt.float16
    want = getattr(torch, name)(torch.from_numpy(x)).numpy()   # float32 math, rounded once
    close(down(be, got), want, 1e-3, 1e-3, name)


def test_int_inputs_compute_in_float32(be, xp, no_host):
    x = np.arange(1, 9, dtype=np.int64)
    for name in ("log2", "sqrt", "exp", "atan", "cosh"):
        r = getattr(xp, name)(up(be, x))
        assert r.dtype is rt.float32
        close(down(be, r), getattr(torch, name)(torch.from_numpy(x).float()).numpy(), 1e-6, 0, name)
    r = be.special("erf", up(be, x.astype(np.int32)))
    assert r.dtype is rt.float32
    with pytest.raises(InvalidArgument, match="unknown special function"):
        be.special("zeta", up(be, x))


def test_empty_and_0d(be, xp, no_host):
    e = up(be, np.zeros((0, 3), np.float32))
    for r in (xp.acos(e), be.special("lgamma", e), xp.isnan(e), xp.atan2(e, e),
              xp.where(xp.isnan(e), e, 1.0), xp.clip(e, 0, 1)):
        assert r.shape == (0, 3)
    s = up(be, np.array(0.25, np.float32))
    assert down(be, be.special("erfinv", s)).shape == ()
    close(down(be, xp.atan2(s, -1.0)), math.atan2(0.25, -1.0), 1e-6, 0, "atan2 0-d")


# ------------------------------------------------------------------ predicates, sign
PRED_DTYPES = [np.float32, np.float16, np.int32, np.int64, np.int8, np.uint8, np.bool_]


@pytest.mark.parametrize("dtype", PRED_DTYPES, ids=lambda d: d.__name__)
def test_predicates_and_sign(be, xp, dtype, no_host):
    if dtype is np.float16 and "shader-f16" not in be.context.adapter.features:
        pytest.skip("this adapter lacks 'shader-f16'")
    if dtype in (np.float32, np.float16):
        with np.errstate(over="ignore"):   # -1e30 is -inf in float16
            x = np.array(SPECIALS + [-1e-30, 65000.0], np.float32).astype(dtype)
    elif dtype is np.bool_:
        x = np.array([True, False, True])
    else:
        x = np.array([0, 1, -1, 7, -128, 127, 5, -3], np.int64).astype(dtype)
    t = torch.from_numpy(x)
    g = up(be, x)
    for name in ("isnan", "isinf", "isfinite", "signbit"):
        r = getattr(xp, name)(g)
        assert r.dtype is rt.bool
        assert np.array_equal(down(be, r), getattr(torch, name)(t).numpy()), name
    s = xp.sign(g)
    assert s.dtype is RT_OF[dtype]
    want = t.sign() if dtype is not np.bool_ else t
    assert np.array_equal(down(be, s), want.numpy(), equal_nan=dtype in (np.float32, np.float16))


def test_signbit_bit_patterns(be, xp, no_host):
    bits = np.array([0x80000000, 0x00000000, 0xffc00000, 0x7fc00000, 0xff800000, 0x80000001],
                    np.uint32)
    x = bits.view(np.float32)
    assert down(be, xp.signbit(up(be, x))).tolist() == [True, False, True, False, True, True]
    assert down(be, xp.isnan(up(be, x))).tolist() == [False, False, True, True, False, False]


# ------------------------------------------------------------------ float binary
FLOAT_BINARY = ("atan2", "copysign", "hypot", "logaddexp", "fmod", "remainder", "floor_divide")


@pytest.mark.parametrize("name", FLOAT_BINARY)
def test_float_binary_special_values(be, xp, name, no_host):
    v = np.array(SPECIALS, np.float32)
    a, b = np.meshgrid(v, v, indexing="ij")
    got = down(be, getattr(xp, name)(up(be, a), up(be, b)))
    # torch element by element: its SIMD loop gives NaN for remainder(-1e30, 1e-30),
    # its scalar loop (the documented C fmod semantics) a number
    fn = getattr(torch, name)
    want = np.array([fn(torch.tensor([p]), torch.tensor([q])).item()
                     for p, q in zip(a.ravel(), b.ravel())], np.float32).reshape(a.shape)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (a[np.isnan(got) != np.isnan(want)],
                                                          b[np.isnan(got) != np.isnan(want)])
    close(got, want, 2e-6, 0, name)
    # the sign of zeros and infinities too
    both = ~np.isnan(want) & ((want == 0) | np.isinf(want))
    assert np.array_equal(np.signbit(got[both]), np.signbit(want[both])), name


@pytest.mark.parametrize("name", FLOAT_BINARY)
def test_float_binary_broadcast(be, xp, name, no_host):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((5, 1, 300)) * 20).astype(np.float32)
    b = (rng.standard_normal((7, 1)) * 3).astype(np.float32)
    ga, gb = up(be, a), up(be, b)
    for x, y, hx, hy in ((ga, gb, a, b), (ga.permute((2, 1, 0)), gb, a.transpose(2, 1, 0), b)):
        got = down(be, getattr(xp, name)(x, y))
        want = getattr(torch, name)(torch.from_numpy(np.ascontiguousarray(hx)).double(),
                                    torch.from_numpy(hy).double()).numpy()
        close(got, want, 2e-6, 1e-6, name)
    # a Python scalar on either side
    close(down(be, getattr(xp, name)(ga, 1.5)),
          getattr(torch, name)(torch.from_numpy(a).double(), torch.tensor(1.5).double()).numpy(),
          2e-6, 1e-6, name)


def test_pow_special_values_and_exact_small_powers(be, xp, no_host):
    v = np.array(SPECIALS + [-2.0, -0.5], np.float32)
    e = np.array([0.5, 2, 3, -1, -2, 1, -0.5, 0.0, -0.0, 7.0, -3.0, INF, -INF, NAN, 2.5, 1e9],
                 np.float32)
    a, b = np.meshgrid(v, e, indexing="ij")
    got = down(be, xp.pow(up(be, a), up(be, b)))
    want = np.array([torch.pow(torch.tensor([p]), torch.tensor([q])).item()
                     for p, q in zip(a.ravel(), b.ravel())], np.float32).reshape(a.shape)
    close(got, want, 1e-5, 0, "pow")
    fin = ~np.isnan(want)
    assert np.array_equal(np.signbit(got[fin]), np.signbit(want[fin]))
    x = np.random.default_rng(7).standard_normal(1000).astype(np.float32)
    for p in (2, 3, -1):   # bit for bit, like x * x
        assert np.array_equal(down(be, xp.pow(up(be, x), p)),
                              torch.pow(torch.from_numpy(x), p).numpy()), p


def test_fmod_is_exact(be, xp, no_host):
    a = np.array([1e30, 7.5e20, 123456.7, -3e38, 5.0, 1e-30], np.float32)
    b = np.array([3.0, 7.1, 0.3, 1.1e-3, -1e-30, 7.0], np.float32)
    got = down(be, xp.fmod(up(be, a), up(be, b)))
    assert np.array_equal(got, np.fmod(a, b))   # C fmod is exact


# ------------------------------------------------------------------ integer binary
INT_DTYPES = [np.int32, np.int64, np.int16, np.int8, np.uint8]


def _wrap32(t):
    """torch's int64 answer as our int64 (held in int32) sees it."""
    return ((t + 2 ** 31) % 2 ** 32) - 2 ** 31


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod"])
def test_int_division(be, xp, name, dtype, no_host):
    rng = np.random.default_rng(4)
    lo = 0 if dtype is np.uint8 else -100
    a = rng.integers(lo, 100, (6, 70)).astype(dtype)
    b = rng.integers(1, 9, (70,)).astype(dtype)
    if dtype is not np.uint8:
        b[::3] *= -1
    if dtype is np.int8:   # -128 // -1 wraps to -128, as in torch
        a[0, 0], b[0] = -128, -1
    fn = getattr(torch, name)
    for x, hx in ((up(be, a), a), (up(be, a).permute((1, 0)), a.T)):
        hb = b if hx.shape[-1] == b.shape[0] else b[:6]
        y = up(be, hb)
        r = getattr(xp, name)(x, y)
        assert r.dtype is RT_OF[dtype]
        want = fn(torch.from_numpy(np.ascontiguousarray(hx)), torch.from_numpy(hb)).numpy()
        assert np.array_equal(down(be, r), want), name
    # a Python scalar divisor, and division by zero gives 0 (the tensor layer raises)
    assert np.array_equal(down(be, getattr(xp, name)(up(be, a), 3)),
                          fn(torch.from_numpy(a), 3).numpy())
    assert not down(be, getattr(xp, name)(up(be, a), up(be, np.zeros(70, dtype)))).any()


def test_int_pow_and_bool_arithmetic(be, xp, no_host):
    a = np.array([-3, -1, 0, 1, 2, 7, 1000, -2], np.int32)
    b = np.array([3, -3, 5, -7, 31, 2, 4, -1], np.int32)
    want = [int(x) ** int(y) if y >= 0 else (1 if x == 1 else (-1) ** -int(y) if x == -1 else 0)
            for x, y in zip(a, b)]
    assert down(be, xp.pow(up(be, a), up(be, b))).tolist() == [(w + 2 ** 31) % 2 ** 32 - 2 ** 31
                                                               for w in want]
    p = np.array([True, True, False, False])
    q = np.array([True, False, True, False])
    tp, tq = torch.from_numpy(p), torch.from_numpy(q)
    for name, tfn in (("add", torch.add), ("multiply", torch.mul), ("maximum", torch.maximum),
                      ("minimum", torch.minimum), ("bitwise_and", torch.bitwise_and),
                      ("bitwise_or", torch.bitwise_or), ("bitwise_xor", torch.bitwise_xor)):
        r = getattr(xp, name)(up(be, p), up(be, q))
        assert r.dtype is rt.bool and down(be, r).tolist() == tfn(tp, tq).tolist(), name


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts(be, xp, name, dtype, no_host):
    vals = np.array([0, 1, -1, 5, -5, 100, -128, 127] if dtype is not np.uint8
                    else [0, 1, 255, 5, 128, 100, 7, 3], np.int64)
    amounts = np.arange(-2, 70) if dtype is not np.uint8 else np.arange(0, 70)
    a, s = np.meshgrid(vals, amounts, indexing="ij")
    a, s = a.astype(dtype), s.astype(dtype)
    r = getattr(xp, name)(up(be, a), up(be, s))
    assert r.dtype is RT_OF[dtype]
    want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(s)).numpy()
    if dtype is np.int64:
        want = _wrap32(want)
    assert np.array_equal(down(be, r), want), (a[down(be, r) != want], s[down(be, r) != want])


def test_int_errors(be, xp):
    f = up(be, np.ones(3, np.float32))
    with pytest.raises(DTypeError, match="bitwise_left_shift"):
        xp.bitwise_left_shift(f, f)
    b = up(be, np.ones(3, bool))
    with pytest.raises(DTypeError, match="remainder"):
        xp.remainder(b, b)


# ------------------------------------------------------------------ where, clip, mask_zero
WHERE_DTYPES = [np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_]


@pytest.mark.parametrize("dtype", WHERE_DTYPES, ids=lambda d: d.__name__)
def test_where(be, xp, dtype, no_host):
    if dtype is np.float16 and "shader-f16" not in be.context.adapter.features:
        pytest.skip("this adapter lacks 'shader-f16'")
    rng = np.random.default_rng(5)
    c = rng.random((4, 1, 300)) > 0.4
    x = rng.integers(-5, 100, (3, 300)).astype(dtype)
    y = rng.integers(-5, 100, (4, 3, 1)).astype(dtype)
    gc, gx, gy = up(be, c), up(be, x), up(be, y)
    r = xp.where(gc, gx, gy)
    assert r.dtype is RT_OF[dtype] and r.shape == (4, 3, 300)
    assert np.array_equal(down(be, r), np.where(c, x, y))
    # a transposed view and Python scalars on either side
    xt = up(be, np.ascontiguousarray(x.T)).permute((1, 0))
    r = xp.where(gc, xt, 1)
    assert np.array_equal(down(be, r), np.where(c, x, dtype(1)))
    r = xp.where(gc, 0, gy)
    assert np.array_equal(down(be, r), np.where(c, dtype(0), y))


def test_where_promotes_and_keeps_nan(be, xp, no_host):
    c = np.array([True, False, True])
    x = np.array([NAN, 1.0, -0.0], np.float32)
    r = xp.where(up(be, c), up(be, x), up(be, np.arange(3, dtype=np.int32)))
    assert r.dtype is rt.float32
    got = down(be, r)
    assert np.isnan(got[0]) and got[1] == 1.0 and np.signbit(got[2])
    r = xp.where(up(be, c), 2.5, -1.0)
    assert r.dtype is rt.float32 and down(be, r).tolist() == [2.5, -1.0, 2.5]
    # a non-bool condition is taken as nonzero
    r = xp.where(up(be, np.array([0, 3, -1], np.int32)), 1.0, 0.0)
    assert down(be, r).tolist() == [0.0, 1.0, 1.0]


def test_clip(be, xp, no_host):
    x = np.array([-3.0, NAN, 0.5, 2.0, INF, -INF, -0.0], np.float32)
    t = torch.from_numpy(x)
    cases = [((-1.0, 1.0), t.clamp(-1.0, 1.0)), ((None, 0.0), t.clamp(max=0.0)),
             ((0.0, None), t.clamp(min=0.0)), ((2.0, 1.0), t.clamp(2.0, 1.0))]
    for (lo, hi), want in cases:
        close(down(be, xp.clip(up(be, x), lo, hi)), want.numpy(), 0, 0, f"clip {lo} {hi}")
    # array bounds, broadcast, NaN in a bound
    lo = np.array([[-1.0], [NAN]], np.float32)
    hi = np.full(7, 1.5, np.float32)
    want = torch.clamp(t, torch.from_numpy(lo), torch.from_numpy(hi)).numpy()
    close(down(be, xp.clip(up(be, x), up(be, lo), up(be, hi))), want, 0, 0, "clip arrays")
    # integers, narrow dtypes keep their dtype
    for dtype in (np.int64, np.int32, np.uint8, np.int8):
        xi = np.array([0, 1, 5, 100, 7, 3], dtype)
        r = xp.clip(up(be, xi), 2, 50)
        assert r.dtype is RT_OF[dtype]
        assert down(be, r).tolist() == np.clip(xi, 2, 50).tolist()
    assert down(be, xp.clip(up(be, np.array([-9, 9], np.int32)), None, 3)).tolist() == [-9, 3]


def test_mask_zero(be, no_host):
    rng = np.random.default_rng(6)
    g = rng.standard_normal((5, 300)).astype(np.float32)
    g[0, :3] = [NAN, INF, -0.0]
    keep = rng.random((5, 300)) > 0.5
    keep[0, :3] = False
    got = down(be, be.mask_zero(up(be, g), up(be, keep)))
    assert np.array_equal(got, np.where(keep, g, 0), equal_nan=True)
    # broadcast keep, int dtypes
    gi = np.arange(-6, 6, dtype=np.int64).reshape(3, 4)
    k = np.array([True, False, True, False])
    r = be.mask_zero(up(be, gi), up(be, k))
    assert r.dtype is rt.int64 and np.array_equal(down(be, r), np.where(k, gi, 0))


def test_tensor_api_on_webgpu(no_host):
    """The tensor layer reaches these kernels (values and gradients)."""
    try:
        x = rt.tensor([-1.5, -0.2, 0.0, 0.7, 2.0], device="webgpu", requires_grad=True)
    except Exception as e:   # no adapter
        pytest.skip(str(e))
    tx = torch.tensor([-1.5, -0.2, 0.0, 0.7, 2.0], requires_grad=True)
    for f in (lambda m, v: m.relu(v).sum(), lambda m, v: m.clamp(v, -1, 1).sum(),
              lambda m, v: m.erf(v).sum(), lambda m, v: m.sigmoid(v).sum(),
              lambda m, v: m.where(v > 0, v, v * 2).sum(), lambda m, v: m.sinc(v).sum()):
        x.grad = None
        tx.grad = None
        y, ty = f(rt, x), f(torch, tx)
        y.backward()
        ty.backward()
        close(y.item(), ty.item(), 1e-5, 1e-6, "value")
        close(x.grad.tolist(), tx.grad.tolist(), 1e-5, 1e-6, "grad")


# ------------------------------------------------------------------ beyond 65,535 workgroups
def test_more_than_65535_workgroups(be, xp, no_host):
    n = 256 * 65_536 + 37   # one invocation per element: > 65,535 workgroups of 256
    c = np.zeros(n, bool)
    c[::3] = True
    c[-1] = True
    x = np.zeros(n, np.float32)
    x[-5:] = [NAN, 1.0, -2.0, INF, 3.0]
    gx = up(be, x)
    r = down(be, xp.where(up(be, c), gx, -1.0))
    assert r[-1] == 3.0 and r[3] == 0.0 and r[4] == -1.0
    assert np.array_equal(r, np.where(c, x, np.float32(-1.0)), equal_nan=True)
    nan = down(be, xp.isnan(gx))
    assert nan.sum() == 1 and nan[-5]


def test_every_table_op_is_tested_here_or_in_the_foundation_tests():
    """kernels.UNARY / BINARY / TERNARY rows: test_webgpu_foundation.py checks its
    NP_UNARY / NP_BINARY against NumPy on every dtype; this file the rest."""
    from rustorch.backends.webgpu import kernels
    foundation = {"copy", "neg", "abs", "square", "relu", "sigmoid", "exp", "log", "sqrt", "sin",
                  "cos", "tanh", "floor", "ceil", "trunc", "round", "bitwise_not",
                  "logical_not", "add", "sub", "mul", "div", "maximum", "minimum", "pow", "eq",
                  "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
                  "bitwise_and", "bitwise_or", "bitwise_xor"}
    here = set(UNARY) | set(SPECIAL) | set(FLOAT_BINARY) | {
        "sinc", "sign", "isnan", "isinf", "isfinite", "signbit", "bitwise_left_shift",
        "bitwise_right_shift", "mask_zero", "where", "clip"}
    def base(name):   # the op a per-dtype variant row belongs to
        for suffix in kernels._SUFFIXES:
            if name.endswith(suffix):
                return name[:-len(suffix)]
        return name
    for table in (kernels.UNARY, kernels.BINARY, kernels.TERNARY):
        names = {base(k) for k in table}
        assert names <= foundation | here, names - foundation - here


def test_imag_of_real_arrays_is_zero(be, xp, no_host):
    x = up(be, np.array([[1.5, -2.0]], np.float32))
    r = xp.imag(x)
    assert r.dtype is rt.float32 and r.shape == (1, 2) and not down(be, r).any()
