"""Normalization layers: batch / instance / layer / group / RMS / local response."""
from .harness import LayerCase, T


def _twice(mod, x):
    # two steps: running statistics are updated twice (momentum, cumulative average)
    mod(x * 0.5 + 1)
    return mod(x)


CASES = [
    # BatchNorm
    LayerCase("bn1d_train", lambda nn: nn.BatchNorm1d(3), [T(4, 3)]),
    LayerCase("bn1d_train_3d", lambda nn: nn.BatchNorm1d(3), [T(2, 3, 5)]),
    LayerCase("bn1d_eval", lambda nn: nn.BatchNorm1d(3), [T(4, 3)], train=False),
    LayerCase("bn1d_train_double", lambda nn: nn.BatchNorm1d(3), [T(4, 3)], double=True),
    LayerCase("bn1d_twice", lambda nn: nn.BatchNorm1d(3, momentum=0.3), [T(4, 3)], call=_twice),
    LayerCase("bn1d_cumulative", lambda nn: nn.BatchNorm1d(3, momentum=None), [T(5, 3)],
              call=_twice),
    LayerCase("bn1d_no_affine", lambda nn: nn.BatchNorm1d(3, affine=False), [T(4, 3)]),
    LayerCase("bn1d_no_bias", lambda nn: nn.BatchNorm1d(3, bias=False), [T(4, 3)]),
    LayerCase("bn1d_untracked", lambda nn: nn.BatchNorm1d(3, track_running_stats=False), [T(4, 3)]),
    LayerCase("bn1d_untracked_eval", lambda nn: nn.BatchNorm1d(3, track_running_stats=False),
              [T(4, 3)], train=False),
    LayerCase("bn2d_train", lambda nn: nn.BatchNorm2d(2), [T(2, 2, 3, 3)]),
    LayerCase("bn2d_train_double", lambda nn: nn.BatchNorm2d(2, eps=1e-3), [T(2, 2, 2, 3)],
              double=True),
    LayerCase("bn2d_eval", lambda nn: nn.BatchNorm2d(2), [T(2, 2, 3, 3)], train=False),
    LayerCase("bn2d_twice_eval_after", lambda nn: nn.BatchNorm2d(2),
              [T(2, 2, 2, 2)], call=lambda m, x: (m(x + 1), m.eval()(x))[1]),
    LayerCase("bn3d_train", lambda nn: nn.BatchNorm3d(2), [T(2, 2, 2, 2, 2)]),
    LayerCase("bn3d_eval_double", lambda nn: nn.BatchNorm3d(2), [T(1, 2, 2, 2, 3)], train=False,
              double=True),
    # LayerNorm
    LayerCase("ln_last", lambda nn: nn.LayerNorm(4), [T(3, 4)]),
    LayerCase("ln_last_double", lambda nn: nn.LayerNorm(4), [T(2, 3, 4)], double=True),
    LayerCase("ln_two_dims", lambda nn: nn.LayerNorm((3, 4)), [T(2, 3, 4)]),
    LayerCase("ln_two_dims_double", lambda nn: nn.LayerNorm([3, 2], eps=1e-3), [T(2, 3, 2)],
              double=True),
    LayerCase("ln_no_affine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), [T(2, 5)]),
    LayerCase("ln_no_bias", lambda nn: nn.LayerNorm(5, bias=False), [T(2, 5)], double=True),
    LayerCase("ln_1d_input", lambda nn: nn.LayerNorm(6), [T(6)]),
    LayerCase("ln_affine_trained", lambda nn: _perturbed(nn, nn.LayerNorm(4)), [T(3, 4)],
              double=True),
    # GroupNorm
    LayerCase("gn", lambda nn: nn.GroupNorm(2, 4), [T(2, 4, 3)]),
    LayerCase("gn_double", lambda nn: nn.GroupNorm(2, 4), [T(2, 4, 2, 2)], double=True),
    LayerCase("gn_one_group", lambda nn: nn.GroupNorm(1, 3), [T(2, 3, 4)]),
    LayerCase("gn_per_channel", lambda nn: nn.GroupNorm(3, 3, affine=False), [T(2, 3, 4)]),
    LayerCase("gn_trained", lambda nn: _perturbed(nn, nn.GroupNorm(2, 4)), [T(2, 4, 3)],
              double=True),
    # InstanceNorm
    LayerCase("in1d", lambda nn: nn.InstanceNorm1d(3), [T(2, 3, 5)]),
    LayerCase("in1d_double", lambda nn: nn.InstanceNorm1d(3, affine=True), [T(2, 3, 4)],
              double=True),
    LayerCase("in1d_unbatched", lambda nn: nn.InstanceNorm1d(3), [T(3, 5)]),
    LayerCase("in2d", lambda nn: nn.InstanceNorm2d(2), [T(2, 2, 3, 3)]),
    LayerCase("in2d_affine", lambda nn: _perturbed(nn, nn.InstanceNorm2d(2, affine=True)),
              [T(2, 2, 2, 3)]),
    LayerCase("in2d_tracked", lambda nn: nn.InstanceNorm2d(2, track_running_stats=True),
              [T(2, 2, 3, 3)], call=_twice),
    LayerCase("in2d_tracked_eval", lambda nn: nn.InstanceNorm2d(2, track_running_stats=True),
              [T(2, 2, 3, 3)], train=False),
    LayerCase("in3d", lambda nn: nn.InstanceNorm3d(2, affine=True), [T(1, 2, 2, 2, 2)]),
    # RMSNorm
    LayerCase("rms", lambda nn: nn.RMSNorm(4), [T(3, 4)]),
    LayerCase("rms_double", lambda nn: nn.RMSNorm([2, 3]), [T(2, 2, 3)], double=True),
    LayerCase("rms_eps", lambda nn: nn.RMSNorm(4, eps=1e-2, elementwise_affine=False), [T(3, 4)]),
    LayerCase("rms_trained", lambda nn: _perturbed(nn, nn.RMSNorm(4)), [T(3, 4)]),
    # LocalResponseNorm
    LayerCase("lrn", lambda nn: nn.LocalResponseNorm(2), [T(2, 4, 3)]),
    LayerCase("lrn_3", lambda nn: nn.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0),
              [T(2, 5, 2, 2)], double=True),
    LayerCase("lrn_5d", lambda nn: nn.LocalResponseNorm(4, alpha=0.2), [T(1, 3, 2, 2, 2)]),
]


def _perturbed(nn, mod):
    """Affine parameters away from their 1 / 0 initial values."""
    import importlib
    m = importlib.import_module(nn.__name__.split(".")[0])
    with m.no_grad():
        for p in mod.parameters():
            p.copy_(m.linspace(0.5, 1.5, p.numel()).reshape(p.shape))
    return mod
