"""What an image is (rustorch tensor (..., C, H, W), PIL image, NumPy array), its
dimensions, and conversions between them. Pillow and NumPy are imported lazily:
neither exists in Pyodide, where only the tensor path runs."""
import array
import sys

import rustorch as rt
from rustorch._errors import InvalidArgument, InvalidType, ShapeError

_INT_DTYPES = (rt.uint8, rt.int8, rt.int16, rt.int32, rt.int64)


def is_tensor(img):
    return isinstance(img, rt.Tensor)


def is_pil(img):
    mod = sys.modules.get("PIL.Image")   # PIL images only exist if Pillow was imported
    return mod is not None and isinstance(img, mod.Image)


def is_ndarray(img):
    mod = sys.modules.get("numpy")
    return mod is not None and isinstance(img, mod.ndarray)


def pil_image_module():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("this operation needs Pillow: pip install pillow") from None
    return Image


def check_image_tensor(img, fn):
    if not is_tensor(img):
        raise InvalidType(f"{fn}: img should be a rustorch Tensor image, got {type(img).__name__}")
    if img.ndim < 2:
        raise ShapeError(f"{fn}: tensor is not a torch image: expected (..., H, W), got shape "
                         f"{list(img.shape)}")


def check_image(img, fn):
    if is_tensor(img):
        check_image_tensor(img, fn)
    elif not is_pil(img):
        raise InvalidType(f"{fn}: img should be a PIL Image or a rustorch Tensor, got "
                          f"{type(img).__name__}")


def check_channels(img, allowed, fn):
    c = 1 if img.ndim == 2 else img.shape[-3]
    if c not in allowed:
        raise ShapeError(f"{fn}: input image tensor permitted channel values are {list(allowed)}, "
                         f"but found {c} (shape {list(img.shape)})")


def get_dimensions(img):
    """[channels, height, width] of a tensor or PIL image."""
    if is_tensor(img):
        check_image_tensor(img, "get_dimensions")
        c = 1 if img.ndim == 2 else img.shape[-3]
        return [c, img.shape[-2], img.shape[-1]]
    if is_pil(img):
        w, h = img.size
        return [len(img.getbands()), h, w]
    raise InvalidType(f"Unexpected type {type(img).__name__}: expected a PIL Image or a rustorch Tensor")


def max_value(dtype):
    """The value of 'full intensity' for an image dtype: 1.0 for floats, the max for ints."""
    if dtype.is_floating_point:
        return 1.0
    if dtype == rt.bool:
        return 1
    return rt.iinfo(dtype).max


def as_float_4d(img, dtypes=(rt.float32, rt.float64)):
    """(N, C, H, W) float view of an image tensor of any leading shape, plus what
    ``restore`` needs to undo it (torchvision's _cast_squeeze_in)."""
    lead = tuple(img.shape[:-3]) if img.ndim >= 3 else None
    x = img
    if img.ndim == 2:
        x = x.reshape(1, 1, *img.shape)
    elif img.ndim == 3:
        x = x.unsqueeze(0)
    elif img.ndim > 4:
        x = x.reshape(-1, *img.shape[-3:])
    out_dtype = img.dtype
    if out_dtype not in dtypes:
        x = x.to(dtypes[0])
    return x, (img.ndim, lead, out_dtype)


def restore(x, state):
    """Undo ``as_float_4d``: integer images are rounded back (and clamped to the
    dtype's range so nothing wraps around)."""
    ndim, lead, out_dtype = state
    if x.dtype != out_dtype:
        if out_dtype in _INT_DTYPES:
            info = rt.iinfo(out_dtype)
            x = x.round().clamp(info.min, info.max)
        x = x.to(out_dtype)
    if ndim == 2:
        return x.reshape(x.shape[-2:])
    if ndim == 3:
        return x.squeeze(0)
    if ndim > 4:
        return x.reshape(*lead, *x.shape[-3:])
    return x


# ------------------------------------------------------------------ PIL <-> tensor
# Pillow raw modes that map to one rustorch dtype per sample.
_PIL_DTYPES = {"I": rt.int32, "F": rt.float32}


def pil_to_tensor(pic):
    """(C, H, W) tensor of a PIL image's samples, dtype kept (uint8 for 8-bit modes)."""
    if not is_pil(pic):
        raise InvalidType(f"pic should be PIL Image, got {type(pic).__name__}")
    if pic.mode == "1":
        pic = pic.convert("L")
        data = rt.frombuffer(pic.tobytes(), dtype=rt.uint8) if pic.size[0] * pic.size[1] else \
            rt.zeros(0, dtype=rt.uint8)
        return (data != 0).reshape(1, pic.size[1], pic.size[0])
    if pic.mode.startswith("I;16"):
        pic = pic.convert("I")     # 16-bit samples as int32: nothing wraps around
    dtype = _PIL_DTYPES.get(pic.mode, rt.uint8)
    w, h = pic.size
    c = len(pic.getbands())
    if w * h == 0:
        return rt.zeros(c, h, w, dtype=dtype)
    raw = pic.tobytes()
    data = rt.frombuffer(raw, dtype=dtype)
    return data.reshape(h, w, c).permute(2, 0, 1).contiguous()


def tensor_bytes(t):
    """The bytes of a contiguous tensor, through NumPy when it is there."""
    t = t.contiguous()
    try:
        return t.numpy().tobytes()
    except Exception:   # no NumPy (Pyodide) or a backend that cannot export
        pass
    codes = {rt.uint8: "B", rt.int16: "h", rt.int32: "i", rt.float32: "f"}
    return array.array(codes[t.dtype], t.flatten().tolist()).tobytes()


def to_pil_image(pic, mode=None):
    """A PIL image from a (C, H, W) / (H, W) tensor or an (H, W, C) / (H, W) ndarray."""
    Image = pil_image_module()
    from_array = is_ndarray(pic)
    if from_array:
        if pic.ndim not in (2, 3):
            raise InvalidArgument(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 3:
            pic = pic.transpose(2, 0, 1)
        if pic.dtype.kind not in "uif" or pic.dtype.itemsize > 4:
            raise InvalidType(f"Input type {pic.dtype} is not supported")
        pic = rt.from_numpy(pic.copy())
    if not is_tensor(pic):
        raise InvalidType(f"pic should be Tensor or ndarray. Got {type(pic).__name__}.")
    if pic.ndim not in (2, 3):
        raise InvalidArgument(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.ndim == 2:
        pic = pic.unsqueeze(0)
    c = pic.shape[-3]
    if c > 4:
        raise InvalidArgument(f"pic should not have > 4 channels. Got {c} channels.")
    if pic.is_floating_point() and mode != "F" and not from_array:
        pic = pic.mul(255).to(rt.uint8)     # torchvision's pic.mul(255).byte(): truncates
    if pic.dtype == rt.bool:
        pic = pic.to(rt.uint8) * 255
    if pic.dtype == rt.float64:
        pic = pic.float()
    hwc = pic.permute(1, 2, 0)
    if c == 1:
        expected = {rt.uint8: "L", rt.int16: "I;16", rt.int32: "I", rt.float32: "F"}.get(pic.dtype)
        if mode is not None and mode != expected:
            raise InvalidArgument(f"Incorrect mode ({mode}) supplied for input type {pic.dtype}. "
                                  f"Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[c]
        if mode is not None and mode not in permitted:
            raise InvalidArgument(f"Only modes {permitted} are supported for {c}D inputs")
        if pic.dtype != rt.uint8:
            raise InvalidType(f"Input type {pic.dtype} is not supported for {c}-channel images "
                              f"(only uint8)")
        if mode is None:
            mode = permitted[0]
    if mode is None:
        raise InvalidType(f"Input type {pic.dtype} is not supported")
    h, w = hwc.shape[0], hwc.shape[1]
    raw_mode = {"I;16": "I;16", "I": "I", "F": "F"}.get(mode, mode)
    if raw_mode == "I;16":
        return Image.frombytes("I;16", (w, h), tensor_bytes(hwc))
    return Image.frombytes(mode, (w, h), tensor_bytes(hwc), "raw", raw_mode)
