"""Special functions composed from the namespace, accurate to float64.

Used by backends without a native implementation: erf by its Taylor series
(|x| < 2.5) and a continued fraction for erfc (|x| >= 2.5); erfinv by Newton
steps on erf; lgamma/digamma by recurrence plus the asymptotic series.
"""
import math

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _f64(xp, x):
    return xp.astype(x, xp.float64)


def erf(xp, x):
    a = _f64(xp, x)
    ax = xp.abs(a)
    small = xp.minimum(ax, 2.5)
    # Taylor series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    term = small
    total = small
    x2 = xp.multiply(small, small)
    for n in range(1, 60):
        term = xp.multiply(term, xp.divide(xp.negative(x2), n))
        total = xp.add(total, xp.divide(term, 2 * n + 1))
    series = xp.multiply(total, _TWO_OVER_SQRT_PI)
    big = xp.subtract(1.0, _erfc_cf(xp, xp.maximum(ax, 2.5)))
    r = xp.where(xp.less(ax, 2.5), series, big)
    r = xp.multiply(xp.sign(a), r)
    r = xp.where(xp.isnan(a), a, r)
    return xp.astype(r, x.dtype)


def _erfc_cf(xp, x):
    """erfc(x) for x >= 2.5 by the Laplace continued fraction (backward recurrence)."""
    f = xp.zeros(x.shape, dtype=xp.float64)
    for k in range(60, 0, -1):
        f = xp.divide(k / 2.0, xp.add(x, f))
    return xp.divide(xp.exp(xp.negative(xp.multiply(x, x))),
                     xp.multiply(xp.add(x, f), math.sqrt(math.pi)))


def erfc(xp, x):
    a = _f64(xp, x)
    big = _erfc_cf(xp, xp.maximum(a, 2.5))
    r = xp.where(xp.greater_equal(a, 2.5), big, xp.subtract(1.0, erf(xp, a)))
    return xp.astype(r, x.dtype)


def erfinv(xp, x):
    a = _f64(xp, x)
    # Giles' single-precision approximation as a start, then Newton steps
    inside = xp.minimum(xp.abs(a), 1 - 1e-300)
    w = xp.negative(xp.log(xp.multiply(xp.subtract(1.0, inside), xp.add(1.0, inside))))
    lo = xp.subtract(w, 2.5)
    hi = xp.subtract(xp.sqrt(xp.maximum(w, 0)), 3.0)
    p_lo = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p_lo = xp.add(xp.multiply(p_lo, lo), c)
    p_hi = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p_hi = xp.add(xp.multiply(p_hi, hi), c)
    y = xp.multiply(xp.where(xp.less(w, 5.0), p_lo, p_hi), xp.clip(a, -1.0, 1.0))  # ~1e-7 relative
    for _ in range(3):  # Newton steps to double precision
        err = xp.subtract(erf(xp, y), a)
        y = xp.subtract(y, xp.divide(err, xp.multiply(_TWO_OVER_SQRT_PI,
                                                      xp.exp(xp.negative(xp.multiply(y, y))))))
    inf = float("inf")
    y = xp.where(xp.equal(a, 1.0), inf, xp.where(xp.equal(a, -1.0), -inf, y))
    y = xp.where(xp.greater(xp.abs(a), 1.0), float("nan"), y)
    return xp.astype(y, x.dtype)


def _shift_up(xp, a, n=8):
    """Recurrence moving every argument to >= n; returns (shifted, count of shifts)."""
    shifts = xp.maximum(xp.ceil(xp.subtract(n, a)), 0.0)
    return xp.add(a, shifts), shifts


def lgamma(xp, x):
    a = _f64(xp, x)
    # reflection for a < 0.5: lgamma(a) = log(pi/|sin(pi a)|) - lgamma(1-a)
    neg = xp.less(a, 0.5)
    z = xp.where(neg, xp.subtract(1.0, a), a)
    zs, shifts = _shift_up(xp, z)
    # sum log(z + k) for the shifts
    corr = xp.zeros(a.shape, dtype=xp.float64)
    for k in range(0, 64):
        use = xp.less(k, shifts)
        corr = xp.add(corr, xp.where(use, xp.log(xp.abs(xp.add(z, k))), 0.0))
        if k > 10:
            break
    inv = xp.divide(1.0, zs)
    inv2 = xp.multiply(inv, inv)
    series = xp.multiply(inv, xp.add(1 / 12, xp.multiply(inv2, xp.add(-1 / 360, xp.multiply(
        inv2, xp.add(1 / 1260, xp.multiply(inv2, xp.add(-1 / 1680, xp.multiply(inv2, 1 / 1188)))))))))
    stirling = xp.add(xp.subtract(xp.multiply(xp.subtract(zs, 0.5), xp.log(zs)), zs),
                      xp.add(0.5 * math.log(2 * math.pi), series))
    lg = xp.subtract(stirling, corr)
    s = xp.abs(xp.sin(xp.multiply(math.pi, a)))
    refl = xp.subtract(xp.log(xp.divide(math.pi, xp.where(xp.equal(s, 0), 1.0, s))), lg)
    r = xp.where(neg, refl, lg)
    r = xp.where(xp.logical_and(neg, xp.equal(s, 0)), float("inf"), r)
    return xp.astype(r, x.dtype)


def digamma(xp, x):
    a = _f64(xp, x)
    neg = xp.less(a, 0.5)
    z = xp.where(neg, xp.subtract(1.0, a), a)
    zs, shifts = _shift_up(xp, z)
    corr = xp.zeros(a.shape, dtype=xp.float64)
    for k in range(0, 12):
        corr = xp.add(corr, xp.where(xp.less(k, shifts), xp.divide(1.0, xp.add(z, k)), 0.0))
    inv = xp.divide(1.0, zs)
    inv2 = xp.multiply(inv, inv)
    series = xp.multiply(inv2, xp.add(1 / 12, xp.multiply(inv2, xp.add(-1 / 120, xp.multiply(
        inv2, xp.add(1 / 252, xp.multiply(inv2, xp.add(-1 / 240, xp.multiply(inv2, 1 / 132)))))))))
    dg = xp.subtract(xp.subtract(xp.subtract(xp.log(zs), xp.multiply(0.5, inv)), series), corr)
    # reflection: psi(1-a) - psi(a) = pi cot(pi a)
    t = xp.tan(xp.multiply(math.pi, a))
    refl = xp.subtract(dg, xp.divide(math.pi, xp.where(xp.equal(t, 0), 1.0, t)))
    r = xp.where(neg, refl, dg)
    r = xp.where(xp.logical_and(neg, xp.equal(a, xp.floor(a))), float("nan"), r)
    return xp.astype(r, x.dtype)


def polygamma1(xp, x):
    """trigamma, for x > 0 (enough for second derivatives of lgamma)."""
    a = _f64(xp, x)
    zs, shifts = _shift_up(xp, a)
    corr = xp.zeros(a.shape, dtype=xp.float64)
    for k in range(0, 12):
        corr = xp.add(corr, xp.where(xp.less(k, shifts), xp.divide(1.0, xp.square(xp.add(a, k))), 0.0))
    inv = xp.divide(1.0, zs)
    inv2 = xp.multiply(inv, inv)
    series = xp.add(inv, xp.multiply(inv2, xp.add(0.5, xp.multiply(inv, xp.add(1 / 6, xp.multiply(
        inv2, xp.add(-1 / 30, xp.multiply(inv2, xp.add(1 / 42, xp.multiply(inv2, -1 / 30))))))))))
    return xp.astype(xp.add(series, corr), x.dtype)
