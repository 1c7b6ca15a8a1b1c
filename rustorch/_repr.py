"""torch-style printing: ``tensor([[1., 2.], [3., 4.]], requires_grad=True)``."""
import math

from . import _dtype as dt

PRINT_OPTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    if profile == "default":
        PRINT_OPTS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        PRINT_OPTS.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        PRINT_OPTS.update(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            PRINT_OPTS[k] = v
    PRINT_OPTS["sci_mode"] = sci_mode


def _flat(values):
    if isinstance(values, list):
        for v in values:
            yield from _flat(v)
    else:
        yield values


class _Formatter:
    def __init__(self, values, dtype):
        self.dtype = dtype
        self.floating = dtype.category == 2
        self.int_mode = True
        self.sci = False
        prec = PRINT_OPTS["precision"]
        self.prec = prec
        finite = [abs(v) for v in values if self.floating and math.isfinite(v)]
        if self.floating:
            self.int_mode = all(float(v).is_integer() for v in finite)
            if finite:
                nz = [v for v in finite if v != 0]
                mx = max(finite)
                mn = min(nz) if nz else 0
                if PRINT_OPTS["sci_mode"] is not None:
                    self.sci = PRINT_OPTS["sci_mode"]
                elif self.int_mode:
                    self.sci = mx > 1e8
                else:
                    self.sci = (mn != 0 and mx / mn > 1000.0) or mx > 1e8 or (mn != 0 and mn < 1e-4)
        self.width = max((len(self._fmt(v)) for v in values), default=1)

    def _fmt(self, v):
        if self.dtype is dt.bool:
            return "True" if v else "False"
        if not self.floating:
            return str(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci:
            return f"{v:.{self.prec}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{self.prec}f}"

    def format(self, v):
        return self._fmt(v).rjust(self.width)


def _complex_fmt(values):
    re = _Formatter([v.real for v in values], dt.float64)
    im = _Formatter([v.imag for v in values], dt.float64)

    def f(v):
        sign = "+" if v.imag >= 0 or math.isnan(v.imag) else "-"
        return f"{re._fmt(v.real)}{sign}{im._fmt(abs(v.imag))}j"
    return f


def _summarize(values, edge):
    if not isinstance(values, list):
        return values
    if len(values) > 2 * edge:
        return [_summarize(v, edge) for v in values[:edge]] + [Ellipsis] + \
               [_summarize(v, edge) for v in values[-edge:]]
    return [_summarize(v, edge) for v in values]


def _render(values, fmt, indent, linewidth):
    if not isinstance(values, list):
        return "..." if values is Ellipsis else fmt(values)
    if not values:
        return "[]"
    if values and not isinstance(values[0], list) and (values[0] is not Ellipsis or
                                                       not isinstance(values[-1], list)):
        items = ["..." if v is Ellipsis else fmt(v) for v in values]
        lines, cur = [], ""
        for it in items:
            piece = it if not cur else ", " + it
            if cur and len(cur) + len(piece) + indent + 2 > linewidth:
                lines.append(cur + ",")
                cur = it
            else:
                cur += piece
        lines.append(cur)
        return "[" + ("\n" + " " * (indent + 1)).join(lines) + "]"
    rows = []
    for v in values:
        rows.append("..." if v is Ellipsis else _render(v, fmt, indent + 1, linewidth))
    depth = 1
    probe = values[0] if values[0] is not Ellipsis else values[-1]
    while isinstance(probe, list) and probe and isinstance(probe[0], list):
        depth += 1
        probe = probe[0]
    sep = "," + "\n" * depth + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def tensor_repr(t):
    dtype = t.dtype
    values = t._b.to_list(t._data)
    numel = t.numel()
    summarize = numel > PRINT_OPTS["threshold"]
    if summarize:
        values = _summarize(values, PRINT_OPTS["edgeitems"])
    flat = [v for v in _flat(values) if v is not Ellipsis]
    if dtype.category == 3:
        fmt = _complex_fmt(flat)
    else:
        f = _Formatter(flat, dtype)
        fmt = f.format
    prefix = "tensor("
    if numel == 0:
        body = "[]"
    else:
        body = _render(values, fmt, len(prefix), PRINT_OPTS["linewidth"])
    suffix = []
    if t._b.name != "cpu":
        suffix.append(f"device='{t.device}'")
    if numel == 0 and t.ndim != 1:
        suffix.append(f"size={tuple(t.shape)}")
    default_float = dt.get_default_dtype()
    implicit = {default_float, dt.int64, dt.bool}
    if dtype.category == 3:
        implicit.add(dt._default_complex())
    if dtype not in implicit or numel == 0 and dtype is not default_float:
        suffix.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffix.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffix) + ")"
