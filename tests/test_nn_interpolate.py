"""F.interpolate argument checks and Upsample reprs, against torch."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402
from rustorch._errors import RustorchError  # noqa: E402

BAD = [
    ((1, 1, 2, 3), dict(scale_factor=0.2)),
    ((1, 2, 3), dict(scale_factor=0.2, mode="linear")),
    ((1, 1, 2, 3), dict(size=2, mode="linear")),
    ((1, 1, 2, 3), dict(size=2, align_corners=True)),
    ((1, 1, 2, 3), dict(size=(2, 2), mode="foo")),
    ((1, 1, 2, 3), dict(size=(2, 2), scale_factor=2)),
    ((1, 1, 2, 3), dict()),
    ((1, 1, 2, 3), dict(size=(2.0, 2))),
    ((1, 1, 2, 3), dict(size=2, recompute_scale_factor=True)),
    ((2, 3), dict(size=2)),
    ((1, 1, 2, 3), dict(scale_factor=(2, 2, 2))),
    ((1, 1, 2, 3), dict(size=(2,))),
    ((1, 1, 1, 2, 3), dict(scale_factor=2, mode="bicubic")),
    ((1, 1, 2, 3), dict(scale_factor=2, antialias=True)),
    ((1, 1, 2, 3), dict(size=(0, 2))),
]


@pytest.mark.parametrize("shape,kw", BAD, ids=[str(i) for i in range(len(BAD))])
def test_interpolate_errors(shape, kw):
    with pytest.raises(Exception) as want:
        torch.nn.functional.interpolate(torch.zeros(shape), **kw)
    with pytest.raises(RustorchError) as got:
        rt.nn.functional.interpolate(rt.zeros(shape), **kw)
    assert isinstance(got.value, type(want.value)), (type(got.value), type(want.value))


def test_integer_dtypes():
    x = rt.zeros((1, 1, 2, 2), dtype=rt.int64)
    with pytest.raises(NotImplementedError):
        rt.nn.functional.interpolate(x, scale_factor=2)
    u = rt.tensor([[[[1, 2], [3, 4]]]], dtype=rt.uint8)
    assert rt.nn.functional.interpolate(u, scale_factor=2).tolist() == \
        torch.nn.functional.interpolate(torch.tensor(u.tolist(), dtype=torch.uint8), scale_factor=2).tolist()


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    lambda nn: nn.Upsample(scale_factor=(2, 3.5), mode="nearest-exact"),
    lambda nn: nn.UpsamplingNearest2d(size=3),
    lambda nn: nn.UpsamplingBilinear2d(scale_factor=(2, 3)),
])
def test_upsample_repr(make):
    assert repr(make(rt.nn)) == repr(make(torch.nn))


def test_deprecated_aliases():
    x = rt.randn(1, 2, 3, 3)
    tx = torch.tensor(x.tolist())
    with pytest.warns(UserWarning):
        got = rt.nn.functional.upsample_bilinear(x, size=5)
    with pytest.warns(UserWarning):
        want = torch.nn.functional.upsample_bilinear(tx, size=5)
    assert torch.allclose(torch.tensor(got.tolist()), want, atol=1e-6)
    with pytest.warns(UserWarning):
        assert rt.nn.functional.upsample_nearest(x, scale_factor=2).shape == (1, 2, 6, 6)
    with pytest.warns(UserWarning):
        assert rt.nn.functional.upsample(x, size=4, mode="bilinear").shape == (1, 2, 4, 4)
