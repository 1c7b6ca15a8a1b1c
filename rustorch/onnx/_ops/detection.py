"""ONNX detection operators: NonMaxSuppression (opset 10/11) and DeformConv
(opset 19/22; the two versions differ only in the dtypes they accept).

Box overlaps and the deformable sampling are tensor computations on the
input's device (autograd flows through DeformConv to X, W, offsets and mask).
NonMaxSuppression's greedy pass is inherently sequential and its output size
depends on the data, so it reads one overlap matrix per batch back to the host.
"""
import rustorch as rt

from ..._errors import InvalidArgument, ShapeError, UnsupportedError
from . import op
from .nn import _ints_attr as _ints, _name


def _scalar(ctx, t, what, default, kind):
    """The one value of an optional scalar (or 1-element) input."""
    if t is None or t.numel() == 0:
        return default
    if t.numel() != 1:
        raise ShapeError(f"{_name(ctx)}: {what} must hold one value, got shape {list(t.shape)}")
    return kind(t.reshape(-1).tolist()[0])


# ---------------------------------------------------------------- NonMaxSuppression

def _corners(ctx, boxes, center_point_box):
    """(xmin, xmax, ymin, ymax), each (B, N), from the box format of the spec."""
    if center_point_box == 0:           # [y1, x1, y2, x2], any two diagonal corners
        y1, x1, y2, x2 = boxes.unbind(-1)
        return rt.minimum(x1, x2), rt.maximum(x1, x2), rt.minimum(y1, y2), rt.maximum(y1, y2)
    if center_point_box == 1:           # [x_center, y_center, width, height]
        cx, cy, w, h = boxes.unbind(-1)
        hw, hh = w / 2, h / 2
        return cx - hw, cx + hw, cy - hh, cy + hh
    raise InvalidArgument(f"{_name(ctx)}: center_point_box={center_point_box}; expected 0 or 1")


# Up to this many (box, box) pairs per batch the whole overlap matrix is computed at
# once; beyond it (tens of thousands of anchors) one row per kept box, so memory stays O(N).
_MATRIX_PAIRS = 1 << 22


class _Overlaps:
    """Which boxes of one batch a box suppresses (IoU strictly above the threshold),
    as host lists of bools, computed on the boxes' device in their dtype."""

    def __init__(self, corners, iou_threshold):
        self.xmin, self.xmax, self.ymin, self.ymax = corners       # each (N,)
        self.area = (self.xmax - self.xmin) * (self.ymax - self.ymin)
        self.threshold = iou_threshold
        n = self.xmin.shape[0]
        self.rows = {}
        if n * n <= _MATRIX_PAIRS:
            self.rows = dict(enumerate(self._compute(slice(None)).tolist()))

    def _compute(self, rows):
        def pair(a):
            return a[rows].unsqueeze(1), a.unsqueeze(0)

        (x0i, x0j), (x1i, x1j) = pair(self.xmin), pair(self.xmax)
        (y0i, y0j), (y1i, y1j) = pair(self.ymin), pair(self.ymax)
        iw = rt.minimum(x1i, x1j) - rt.maximum(x0i, x0j)
        ih = rt.minimum(y1i, y1j) - rt.maximum(y0i, y0j)
        inter = iw * ih
        ai, aj = pair(self.area)
        union = ai + aj - inter
        # Degenerate boxes (no area) and disjoint boxes never suppress anything.
        ok = (iw > 0) & (ih > 0) & (inter > 0) & (ai > 0) & (aj > 0) & (union > 0)
        safe = rt.where(ok, union, rt.ones_like(union))
        return ok & (inter / safe > self.threshold)

    def row(self, i):
        if i not in self.rows:
            self.rows[i] = self._compute(slice(i, i + 1)).tolist()[0]
        return self.rows[i]


@op("NonMaxSuppression", since=10)
def non_max_suppression(ctx, boxes, scores, max_output_boxes_per_class=None, iou_threshold=None,
                        score_threshold=None):
    if boxes.ndim != 3 or boxes.shape[2] != 4:
        raise ShapeError(f"{_name(ctx)}: boxes must have shape [batches, boxes, 4], "
                         f"got {list(boxes.shape)}")
    if scores.ndim != 3 or scores.shape[0] != boxes.shape[0] or scores.shape[2] != boxes.shape[1]:
        raise ShapeError(f"{_name(ctx)}: scores of shape {list(scores.shape)} do not match boxes of "
                         f"shape {list(boxes.shape)} (expected [{boxes.shape[0]}, classes, "
                         f"{boxes.shape[1]}])")
    if not boxes.dtype.is_floating_point or not scores.dtype.is_floating_point:
        raise InvalidArgument(f"{_name(ctx)}: boxes and scores must be floating point, got "
                              f"{boxes.dtype} and {scores.dtype}")
    limit = max(_scalar(ctx, max_output_boxes_per_class, "max_output_boxes_per_class", 0, int), 0)
    iou = _scalar(ctx, iou_threshold, "iou_threshold", 0.0, float)
    if not 0.0 <= iou <= 1.0:
        raise InvalidArgument(f"{_name(ctx)}: iou_threshold={iou} is outside [0, 1]")
    min_score = _scalar(ctx, score_threshold, "score_threshold", None, float)
    center = int(ctx.attr("center_point_box", 0))
    batches, classes, n = scores.shape

    selected = []
    if limit > 0 and n > 0 and classes > 0:
        corners = _corners(ctx, boxes, center)
        all_scores = scores.tolist()
        for b in range(batches):
            overlaps = _Overlaps([t[b] for t in corners], iou)
            for c in range(classes):
                s = all_scores[b][c]
                cand = [i for i in range(n) if min_score is None or s[i] > min_score]
                # highest score first, the lower index first on ties; NaN scores last
                cand.sort(key=lambda i: (s[i] != s[i], -s[i] if s[i] == s[i] else 0.0, i))
                kept = []
                for i in cand:
                    if len(kept) >= limit:
                        break
                    if not any(overlaps.row(j)[i] for j in kept):
                        kept.append(i)
                        selected.append([b, c, i])
    device = boxes.device
    if not selected:
        return rt.zeros([0, 3], dtype=rt.int64, device=device)
    return rt.tensor(selected, dtype=rt.int64, device=device)


# ---------------------------------------------------------------- DeformConv

def _prod(xs):
    p = 1
    for v in xs:
        p *= int(v)
    return p


def _axis_coords(length, inner, size, device):
    """For a flattened row-major grid, the coordinate along one axis of every position:
    (arange(length) // inner) % size, as int64."""
    return (rt.arange(length, device=device) // inner) % size


def _sample_multilinear(xg, pos, sizes):
    """Multilinear samples of ``xg`` (N, G, Cg, P) at positions ``pos`` (nd tensors, each
    (N, G, K, L)); taps outside the input count as zero.  Returns (N, G, Cg, K, L)."""
    n, g, cg, _ = xg.shape
    k, length = pos[0].shape[2], pos[0].shape[3]
    nd = len(sizes)
    strides = [_prod(sizes[d + 1:]) for d in range(nd)]
    lows = [p.detach().floor() for p in pos]         # the corner choice is not differentiated
    out = None
    for corner in range(1 << nd):
        weight, flat, valid = None, None, None
        for d in range(nd):
            bit = (corner >> (nd - 1 - d)) & 1
            idx = lows[d] + bit
            w = 1 - (pos[d] - idx).abs()
            inside = (idx >= 0) & (idx <= sizes[d] - 1)
            weight = w if weight is None else weight * w
            valid = inside if valid is None else valid & inside
            term = idx.clamp(0, sizes[d] - 1).to(rt.int64) * strides[d]
            flat = term if flat is None else flat + term
        weight = rt.where(valid, weight, rt.zeros_like(weight))
        index = flat.reshape(n, g, 1, k * length).expand(n, g, cg, k * length)
        vals = xg.gather(3, index) * weight.reshape(n, g, 1, k * length)
        out = vals if out is None else out + vals
    return out.reshape(n, g, cg, k, length)


def _deform_conv(ctx, x, w, offset, bias, mask):
    if x.ndim < 3:
        raise ShapeError(f"{_name(ctx)}: X must have a batch, a channel and at least one spatial "
                         f"axis, got shape {list(x.shape)}")
    if not x.dtype.is_floating_point:
        raise UnsupportedError(f"{_name(ctx)}: X of dtype {x.dtype}; DeformConv needs floats")
    nd = x.ndim - 2
    n, c, sizes = x.shape[0], x.shape[1], list(x.shape[2:])
    if w.ndim != nd + 2:
        raise ShapeError(f"{_name(ctx)}: W of shape {list(w.shape)} does not fit X of shape "
                         f"{list(x.shape)}")
    kshape = _ints(ctx, "kernel_shape", nd, 0) if ctx.attr("kernel_shape") else list(w.shape[2:])
    if kshape != list(w.shape[2:]):
        raise ShapeError(f"{_name(ctx)}: kernel_shape={kshape} disagrees with W of shape "
                         f"{list(w.shape)}")
    strides = _ints(ctx, "strides", nd, 1)
    dils = _ints(ctx, "dilations", nd, 1)
    pads = ctx.attr("pads") or [0] * (2 * nd)
    pads = [int(p) for p in pads]
    if len(pads) != 2 * nd:
        raise InvalidArgument(f"{_name(ctx)}: pads={pads} needs {2 * nd} values")
    if any(v <= 0 for v in strides + dils) or any(p < 0 for p in pads):
        raise InvalidArgument(f"{_name(ctx)}: strides={strides} and dilations={dils} must be "
                              f"positive, pads={pads} non-negative")
    group, ogroup = int(ctx.attr("group", 1)), int(ctx.attr("offset_group", 1))
    oc = w.shape[0]
    if group <= 0 or ogroup <= 0 or c != w.shape[1] * group or oc % group or c % ogroup:
        raise ShapeError(f"{_name(ctx)}: X of shape {list(x.shape)}, W of shape {list(w.shape)}, "
                         f"group={group} and offset_group={ogroup} do not fit (C must equal "
                         f"W.shape[1] * group and be divisible by offset_group; oC by group)")
    outs = [(sizes[d] + pads[d] + pads[nd + d] - (kshape[d] - 1) * dils[d] - 1) // strides[d] + 1
            for d in range(nd)]
    if any(o <= 0 for o in outs):
        raise ShapeError(f"{_name(ctx)}: the kernel {kshape} (dilations {dils}) is larger than the "
                         f"padded input {list(x.shape)} (pads {pads})")
    kk, length = _prod(kshape), _prod(outs)
    want = [n, ogroup * kk * nd] + outs
    if list(offset.shape) != want:
        raise ShapeError(f"{_name(ctx)}: offset has shape {list(offset.shape)}, expected {want}")
    if mask is not None and list(mask.shape) != [n, ogroup * kk] + outs:
        raise ShapeError(f"{_name(ctx)}: mask has shape {list(mask.shape)}, expected "
                         f"{[n, ogroup * kk] + outs}")
    if bias is not None and list(bias.shape) != [oc]:
        raise ShapeError(f"{_name(ctx)}: B has shape {list(bias.shape)}, expected [{oc}]")

    dev, dt = x.device, x.dtype
    off = offset.to(dt).reshape(n, ogroup, kk, nd, length)
    pos = []
    for d in range(nd):
        o = _axis_coords(length, _prod(outs[d + 1:]), outs[d], dev)           # (L,)
        kpos = _axis_coords(kk, _prod(kshape[d + 1:]), kshape[d], dev)        # (K,)
        base = (kpos * dils[d]).reshape(kk, 1) + (o * strides[d] - pads[d]).reshape(1, length)
        pos.append(off[:, :, :, d] + base.to(dt))
    xg = x.reshape(n, ogroup, c // ogroup, _prod(sizes))
    cols = _sample_multilinear(xg, pos, sizes)                                # (N, G, Cg, K, L)
    if mask is not None:
        cols = cols * mask.to(dt).reshape(n, ogroup, 1, kk, length)
    cols = cols.reshape(n, group, (c // group) * kk, length)
    wg = w.to(dt).reshape(1, group, oc // group, (c // group) * kk)
    y = rt.matmul(wg, cols).reshape([n, oc] + outs)
    if bias is not None:
        y = y + bias.to(dt).reshape([1, oc] + [1] * nd)
    return y


@op("DeformConv", since=19)
def deform_conv(ctx, x, w, offset, bias=None, mask=None):
    return _deform_conv(ctx, x, w, offset, bias, mask)
