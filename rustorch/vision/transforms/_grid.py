"""Affine warps of tensor images (rotate, affine), the way torchvision does them:
an inverse affine matrix -> a sampling grid in normalised coordinates (its
_gen_affine_grid) -> grid sampling with zero padding and align_corners=False
(torch.nn.functional.grid_sample's rules) -> optional fill colour through a
validity mask.

rustorch.nn.functional has no grid_sample, so sampling is written here with
whole-tensor ops: the grid is the same for every image of a batch, so the four
(bilinear) or one (nearest) source pixels are picked with one index_select over
the flattened H*W axis."""
import math

import rustorch as rt
from rustorch._errors import InvalidArgument, ShapeError, UnsupportedError

from ._image import as_float_4d, restore


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """torchvision's _get_inverse_affine_matrix: the output->input map
    C * (R S Sh)^-1 * C^-1 * T^-1 as a flat [a, b, c, d, e, f]."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def expanded_size(matrix, w, h):
    """(width, height) that holds the whole rotated image (rotate(expand=True)),
    computed in float32 with torchvision's 1e-4 truncation so that a corner at
    23.00000001 does not grow the image by a pixel."""
    pts = rt.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                     [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=rt.float32)
    theta = rt.tensor(matrix, dtype=rt.float32).view(2, 3)
    new_pts = pts.matmul(theta.t())
    shift = rt.tensor([w * 0.5, h * 0.5], dtype=rt.float32)
    lo = new_pts.min(dim=0).values + shift
    hi = new_pts.max(dim=0).values + shift
    tol = 1e-4
    size = (hi / tol).trunc().mul(tol).ceil() - (lo / tol).trunc().mul(tol).floor()
    sw, sh = size.tolist()
    return int(sw), int(sh)


def affine_grid(matrix, w, h, ow, oh, dtype, device):
    """(oh, ow, 2) grid of normalised input coordinates (x, y) in [-1, 1] for each
    output pixel centre (torchvision's _gen_affine_grid)."""
    theta = rt.tensor(matrix, dtype=dtype, device=device).reshape(2, 3)
    xs = rt.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=dtype, device=device)
    ys = rt.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=dtype, device=device)
    base = rt.stack([xs.unsqueeze(0).expand(oh, ow), ys.unsqueeze(1).expand(oh, ow),
                     rt.ones(oh, ow, dtype=dtype, device=device)], dim=-1)
    rescaled = theta.t() / rt.tensor([0.5 * w, 0.5 * h], dtype=dtype, device=device)
    return base.reshape(oh * ow, 3).matmul(rescaled).reshape(oh, ow, 2)


def _taps(coord, size):
    """Source pixel index clamped into range and whether it was in range."""
    valid = (coord >= 0) & (coord <= size - 1)
    return coord.clamp(0, size - 1).to(rt.int64), valid


def grid_sample(img, grid, mode):
    """grid_sample(img, grid[None].expand(N, ...), mode, padding_mode='zeros',
    align_corners=False) for a float (N, C, H, W) img and one (oh, ow, 2) grid.
    Returns the samples and the sampled validity mask (what sampling a channel
    of ones gives), (N, C, oh, ow) and (oh, ow)."""
    n, c, h, w = img.shape
    oh, ow = grid.shape[0], grid.shape[1]
    flat = img.reshape(n * c, h * w)
    # unnormalise with align_corners=False: -1 -> -0.5, 1 -> size - 0.5
    ix = ((grid[..., 0] + 1) * w - 1) / 2
    iy = ((grid[..., 1] + 1) * h - 1) / 2
    if mode == "nearest":
        x, vx = _taps(ix.round(), w)      # round half to even, like nearbyint
        y, vy = _taps(iy.round(), h)
        valid = (vx & vy).to(img.dtype)
        out = flat.index_select(1, (y * w + x).reshape(-1)).reshape(n, c, oh, ow) * valid
        return out, valid
    if mode != "bilinear":
        raise UnsupportedError(f"grid sampling mode {mode!r} is not supported (nearest, bilinear)")
    x0f, y0f = ix.floor(), iy.floor()
    x1f, y1f = x0f + 1, y0f + 1
    weights = ((x1f - ix) * (y1f - iy), (ix - x0f) * (y1f - iy),     # nw, ne
               (x1f - ix) * (iy - y0f), (ix - x0f) * (iy - y0f))     # sw, se
    (x0, vx0), (x1, vx1) = _taps(x0f, w), _taps(x1f, w)
    (y0, vy0), (y1, vy1) = _taps(y0f, h), _taps(y1f, h)
    corners = ((x0, y0, vx0 & vy0), (x1, y0, vx1 & vy0), (x0, y1, vx0 & vy1), (x1, y1, vx1 & vy1))
    out = None
    mask = None
    for (x, y, v), wt in zip(corners, weights):
        wt = wt * v.to(img.dtype)
        tap = flat.index_select(1, (y * w + x).reshape(-1)).reshape(n, c, oh, ow) * wt
        out = tap if out is None else out + tap
        mask = wt if mask is None else mask + wt
    return out, mask


def check_fill(fill, channels, fn):
    if fill is None:
        return None
    if isinstance(fill, (int, float)) and not isinstance(fill, bool):
        return [float(fill)]
    if isinstance(fill, (list, tuple)):
        if len(fill) not in (1, channels):
            raise InvalidArgument(f"{fn}: the number of elements in 'fill' ({len(fill)}) cannot "
                                  f"broadcast to match the number of channels of the image "
                                  f"({channels} != {len(fill)})")
        return [float(f) for f in fill]
    raise InvalidArgument(f"{fn}: fill should be a number, a sequence or None, got "
                          f"{type(fill).__name__}")


def warp(img, matrix, mode, fill, out_size=None):
    """Warp a tensor image (..., C, H, W) by an inverse affine matrix: the
    samples come from a grid built for output size ``out_size`` (w, h)."""
    if mode not in ("nearest", "bilinear"):
        raise UnsupportedError(f"Interpolation mode {mode!r} is unsupported with Tensor input "
                               f"(use nearest or bilinear)")
    if img.ndim < 2:
        raise ShapeError(f"expected an image tensor of shape (..., C, H, W) or (H, W), got "
                         f"{list(img.shape)}")
    h, w = img.shape[-2], img.shape[-1]
    ow, oh = out_size if out_size is not None else (w, h)
    fill = check_fill(fill, 1 if img.ndim == 2 else img.shape[-3], "warp")
    dtype = img.dtype if img.is_floating_point() else rt.float32
    x, state = as_float_4d(img, (dtype,))
    grid = affine_grid(matrix, w, h, ow, oh, dtype, img.device)
    out, mask = grid_sample(x, grid, mode)
    if fill is not None:
        fill_img = rt.tensor(fill, dtype=dtype, device=img.device).view(1, len(fill), 1, 1)
        if mode == "nearest":
            out = rt.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return restore(out, state)
