"""Upsample / F.interpolate: nearest, nearest-exact, (bi/tri)linear, bicubic,
area and antialiased bilinear/bicubic; sizes and scale factors (int, float,
tuple), up and down, align_corners both ways."""
from .harness import LayerCase, T


def _F(x):
    if type(x).__module__.startswith("torch"):
        import torch
        return torch.nn.functional
    import rustorch
    return rustorch.nn.functional


def _interp(**kw):
    return lambda mod, x: _F(x).interpolate(x, **kw)


def _up(name, inputs, double=False, **kw):
    return LayerCase(name, lambda nn: nn.Upsample(**kw), inputs, double=double)


CASES = [
    # nearest
    _up("upsample_nearest_2d_int", [T(2, 3, 3, 4)], scale_factor=2),
    _up("upsample_nearest_2d_float", [T(1, 2, 3, 5)], scale_factor=1.7),
    _up("upsample_nearest_2d_tuple", [T(1, 2, 3, 4)], scale_factor=(2, 3)),
    _up("upsample_nearest_2d_size", [T(2, 2, 3, 4)], size=(5, 7)),
    _up("upsample_nearest_2d_down", [T(1, 2, 7, 6)], size=(3, 4)),
    _up("upsample_nearest_2d_down_sf", [T(1, 2, 7, 6)], scale_factor=0.6),
    _up("upsample_nearest_2d_near2", [T(1, 2, 3, 4)], scale_factor=2.0000001),
    _up("upsample_nearest_1d", [T(2, 3, 5)], scale_factor=2.5),
    _up("upsample_nearest_1d_size", [T(2, 2, 7)], size=4),
    _up("upsample_nearest_1d_near2", [T(1, 2, 4)], scale_factor=2.0000001),
    _up("upsample_nearest_3d", [T(1, 2, 2, 3, 2)], scale_factor=(2, 1.5, 1)),
    _up("upsample_nearest_3d_size", [T(1, 1, 3, 2, 4)], size=(2, 3, 3)),
    _up("upsample_nearest_recompute", [T(1, 2, 3, 5)], scale_factor=1.7, recompute_scale_factor=True),
    _up("upsample_nearest_double", [T(1, 2, 3, 4)], double=True, scale_factor=(1.5, 2.5)),
    LayerCase("upsampling_nearest2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=2), [T(1, 2, 3, 3)]),
    LayerCase("upsampling_nearest2d_size", lambda nn: nn.UpsamplingNearest2d(size=(4, 5)), [T(1, 2, 3, 3)]),
    # nearest-exact
    _up("upsample_nexact_2d", [T(1, 2, 3, 4)], scale_factor=1.7, mode="nearest-exact"),
    _up("upsample_nexact_2d_down", [T(1, 2, 7, 5)], size=(3, 2), mode="nearest-exact"),
    _up("upsample_nexact_1d", [T(2, 2, 5)], scale_factor=2.5, mode="nearest-exact"),
    _up("upsample_nexact_3d", [T(1, 1, 3, 2, 3)], size=(4, 3, 2), mode="nearest-exact"),
    # linear
    _up("upsample_linear_sf", [T(2, 3, 5)], scale_factor=2, mode="linear"),
    _up("upsample_linear_ac", [T(2, 3, 5)], scale_factor=2, mode="linear", align_corners=True),
    _up("upsample_linear_size_down", [T(2, 2, 9)], size=4, mode="linear"),
    _up("upsample_linear_float_ac", [T(1, 2, 6)], scale_factor=0.7, mode="linear", align_corners=True),
    _up("upsample_linear_float", [T(1, 2, 6)], scale_factor=1.3, mode="linear"),
    # bilinear
    _up("upsample_bilinear_int", [T(2, 3, 3, 4)], scale_factor=2, mode="bilinear"),
    _up("upsample_bilinear_int_ac", [T(2, 3, 3, 4)], scale_factor=2, mode="bilinear", align_corners=True),
    _up("upsample_bilinear_tuple", [T(1, 2, 3, 4)], scale_factor=(1.5, 2.5), mode="bilinear"),
    _up("upsample_bilinear_size", [T(1, 2, 4, 3)], size=(7, 5), mode="bilinear"),
    _up("upsample_bilinear_size_ac", [T(1, 2, 4, 3)], size=(7, 5), mode="bilinear", align_corners=True),
    _up("upsample_bilinear_down", [T(1, 2, 8, 7)], size=(3, 4), mode="bilinear"),
    _up("upsample_bilinear_down_ac", [T(1, 2, 8, 7)], scale_factor=0.45, mode="bilinear", align_corners=True),
    _up("upsample_bilinear_mixed", [T(1, 2, 6, 3)], size=(4, 6), mode="bilinear"),
    _up("upsample_bilinear_to1", [T(1, 2, 4, 5)], size=(1, 3), mode="bilinear", align_corners=True),
    _up("upsample_bilinear_recompute", [T(1, 2, 3, 5)], scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
    _up("upsample_bilinear_double", [T(1, 2, 3, 4)], double=True, scale_factor=(1.7, 0.8), mode="bilinear"),
    _up("upsample_bilinear_double_ac", [T(1, 2, 3, 4)], double=True, size=(5, 6), mode="bilinear", align_corners=True),
    LayerCase("upsampling_bilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), [T(1, 2, 3, 3)]),
    LayerCase("upsampling_bilinear2d_size", lambda nn: nn.UpsamplingBilinear2d(size=(5, 4)), [T(2, 1, 3, 3)]),
    # trilinear
    _up("upsample_trilinear", [T(1, 2, 2, 3, 2)], scale_factor=2, mode="trilinear"),
    _up("upsample_trilinear_ac", [T(1, 1, 3, 2, 3)], size=(4, 3, 2), mode="trilinear", align_corners=True),
    _up("upsample_trilinear_float", [T(1, 1, 2, 3, 4)], scale_factor=(1.5, 0.7, 1.2), mode="trilinear"),
    # bicubic
    _up("upsample_bicubic", [T(1, 2, 3, 4)], scale_factor=2, mode="bicubic"),
    _up("upsample_bicubic_ac", [T(1, 2, 3, 4)], size=(5, 7), mode="bicubic", align_corners=True),
    _up("upsample_bicubic_down", [T(1, 2, 7, 6)], scale_factor=0.6, mode="bicubic"),
    _up("upsample_bicubic_same", [T(1, 2, 3, 4)], scale_factor=1.2, mode="bicubic"),
    # area
    _up("upsample_area_down", [T(1, 2, 6, 7)], size=(3, 4), mode="area"),
    _up("upsample_area_up", [T(1, 2, 3, 2)], scale_factor=(2, 1.5), mode="area"),
    _up("upsample_area_1d", [T(2, 2, 7)], scale_factor=0.5, mode="area"),
    _up("upsample_area_3d", [T(1, 1, 4, 3, 5)], size=(2, 3, 2), mode="area"),
    # F.interpolate directly: antialias
    LayerCase("interpolate_aa_bilinear_down", lambda nn: nn.Identity(), [T(1, 2, 8, 7)],
              call=_interp(size=(3, 4), mode="bilinear", antialias=True)),
    LayerCase("interpolate_aa_bilinear_up_ac", lambda nn: nn.Identity(), [T(1, 2, 3, 4)],
              call=_interp(scale_factor=(1.5, 0.6), mode="bilinear", align_corners=True, antialias=True)),
    LayerCase("interpolate_aa_bicubic", lambda nn: nn.Identity(), [T(1, 2, 7, 6)],
              call=_interp(scale_factor=0.5, mode="bicubic", antialias=True)),
    LayerCase("interpolate_aa_same_dim", lambda nn: nn.Identity(), [T(1, 1, 2, 5)],
              call=_interp(scale_factor=(1.4, 0.8), mode="bilinear", antialias=True), double=True),
]
