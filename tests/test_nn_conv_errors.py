"""Bad input to convolution / pooling / unfold layers: a rustorch error class
that is also the builtin torch raises for the same mistake."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from conftest import require_float64  # noqa: E402
from rustorch._errors import InvalidArgument, ShapeError, DTypeError  # noqa: E402

# (name, fn(m), rustorch error class, builtin torch raises, text in the message)
CASES = [
    ("conv2d_rank", lambda m: m.nn.functional.conv2d(m.randn(2, 3), m.randn(6, 3, 5, 5)),
     ShapeError, RuntimeError, "Expected 3D (unbatched) or 4D (batched) input to conv2d"),
    ("conv2d_channels", lambda m: m.nn.functional.conv2d(m.randn(1, 4, 8, 8), m.randn(6, 3, 5, 5)),
     ShapeError, RuntimeError, "to have 3 channels, but got 4 channels instead"),
    ("conv2d_kernel_too_big", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 5, 5)),
     ShapeError, RuntimeError, "Kernel size can't be greater than actual input size"),
    ("conv2d_bad_padding_str", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 3, 3), padding="foo"),
     InvalidArgument, RuntimeError, "Invalid padding string"),
    ("conv2d_module_bad_padding_str", lambda m: m.nn.Conv2d(3, 6, 3, padding="foo"),
     InvalidArgument, ValueError, "Invalid padding string 'foo'"),
    ("conv2d_same_strided", lambda m: m.nn.Conv2d(3, 6, 3, padding="same", stride=2),
     InvalidArgument, ValueError, "padding='same' is not supported for strided convolutions"),
    ("conv2d_same_strided_f", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 3, 3), padding="same", stride=2),
     InvalidArgument, RuntimeError, "padding='same' is not supported for strided convolutions"),
    ("conv2d_groups_in", lambda m: m.nn.Conv2d(3, 6, 3, groups=2),
     InvalidArgument, ValueError, "in_channels must be divisible by groups"),
    ("conv2d_groups_out", lambda m: m.nn.Conv2d(4, 6, 3, groups=4),
     InvalidArgument, ValueError, "out_channels must be divisible by groups"),
    ("conv2d_padding_mode", lambda m: m.nn.Conv2d(3, 6, 3, padding_mode="foo"),
     InvalidArgument, ValueError, "padding_mode must be one of"),
    ("conv2d_dtype", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4).double(), m.randn(6, 3, 3, 3)),
     DTypeError, RuntimeError, "expected scalar type Double but found Float"),
    ("conv2d_bias_size", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 3, 3), bias=m.randn(5)),
     ShapeError, RuntimeError, "expected bias to be 1-dimensional with 6 elements"),
    ("conv2d_stride0", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 3, 3), stride=0),
     InvalidArgument, RuntimeError, "non-positive stride is not supported"),
    ("conv2d_neg_padding", lambda m: m.nn.functional.conv2d(m.randn(1, 3, 4, 4), m.randn(6, 3, 3, 3), padding=-1),
     InvalidArgument, RuntimeError, "negative padding is not supported"),
    ("conv1d_rank", lambda m: m.nn.Conv1d(2, 2, 3)(m.randn(1, 2, 3, 4)),
     ShapeError, RuntimeError, "Expected 2D (unbatched) or 3D (batched) input to conv1d"),
    ("conv1d_kernel_too_big", lambda m: m.nn.Conv1d(2, 2, 5)(m.randn(1, 2, 3)),
     ShapeError, RuntimeError, "Kernel size can't be greater than actual input size"),
    ("convt2d_outpad", lambda m: m.nn.functional.conv_transpose2d(m.randn(1, 3, 4, 4), m.randn(3, 2, 3, 3), output_padding=2),
     InvalidArgument, RuntimeError, "output padding must be smaller than either stride or dilation"),
    ("convt2d_output_size", lambda m: m.nn.ConvTranspose2d(3, 2, 3, stride=2)(m.randn(1, 3, 4, 4), output_size=(20, 20)),
     InvalidArgument, ValueError, "requested an output size of (20, 20)"),
    ("maxpool_too_small", lambda m: m.nn.functional.max_pool2d(m.randn(1, 3, 4, 4), 5),
     ShapeError, RuntimeError, "Output size is too small"),
    ("maxpool_pad_too_big", lambda m: m.nn.functional.max_pool2d(m.randn(1, 3, 4, 4), 3, padding=2),
     InvalidArgument, RuntimeError, "pad should be at most half of effective kernel size"),
    ("avgpool_pad_too_big", lambda m: m.nn.functional.avg_pool2d(m.randn(1, 3, 4, 4), 3, padding=2),
     InvalidArgument, RuntimeError, "pad should be at most half of effective kernel size"),
    ("maxpool_rank", lambda m: m.nn.functional.max_pool2d(m.randn(3, 4), 2),
     ShapeError, RuntimeError, None),
    ("maxpool_stride0", lambda m: m.nn.functional.max_pool2d(m.randn(1, 3, 4, 4), 2, stride=0),
     InvalidArgument, RuntimeError, "stride should not be zero"),
    ("maxpool1d_dilation0", lambda m: m.nn.functional.max_pool1d(m.randn(1, 3, 4), 2, dilation=0),
     InvalidArgument, RuntimeError, "dilation must be greater than zero"),
    ("adaptive_rank", lambda m: m.nn.functional.adaptive_avg_pool2d(m.randn(3, 4), 2),
     ShapeError, RuntimeError, None),
    ("unfold_rank", lambda m: m.nn.functional.unfold(m.randn(2, 3, 4, 4, 4), 2),
     ShapeError, RuntimeError, None),
    ("fold_blocks", lambda m: m.nn.functional.fold(m.randn(1, 12, 8), (4, 4), 2),
     ShapeError, RuntimeError, "sliding blocks"),
]


@pytest.mark.parametrize("name,fn,rt_cls,builtin,text", CASES, ids=[c[0] for c in CASES])
def test_conv_pool_errors(name, fn, rt_cls, builtin, text, device):
    if name.endswith("_dtype") or "double()" in (text or ""):
        require_float64(device)
    with pytest.raises(builtin) as te:
        fn(torch)
    prev = rt.get_default_device()
    rt.set_default_device(device)
    try:
        with pytest.raises(rt_cls) as re_:
            fn(rt)
    finally:
        rt.set_default_device(prev)
    assert isinstance(re_.value, builtin), f"{type(re_.value).__mro__} is not a {builtin.__name__}"
    if text is not None:
        assert text in str(te.value), str(te.value)
        assert text in str(re_.value), str(re_.value)
