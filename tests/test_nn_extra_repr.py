"""repr() of activation, dropout, normalization, embedding, pixel-shuffle and
padding layers equals torch's."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402

MAKERS = [
    lambda nn: nn.ReLU(), lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(True),
    lambda nn: nn.LeakyReLU(), lambda nn: nn.LeakyReLU(0.2, inplace=True), lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(3, init=0.1), lambda nn: nn.ELU(), lambda nn: nn.ELU(0.5, True),
    lambda nn: nn.SELU(), lambda nn: nn.SELU(True), lambda nn: nn.CELU(2.0),
    lambda nn: nn.GELU(), lambda nn: nn.GELU("tanh"), lambda nn: nn.SiLU(True), lambda nn: nn.Mish(),
    lambda nn: nn.Softplus(), lambda nn: nn.Softplus(2, 10), lambda nn: nn.Softsign(),
    lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(), lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 3, True), lambda nn: nn.Hardswish(True), lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Softmax(), lambda nn: nn.Softmax(1), lambda nn: nn.LogSoftmax(-1),
    lambda nn: nn.Softmin(0), lambda nn: nn.Softmax2d(), lambda nn: nn.GLU(), lambda nn: nn.GLU(1),
    lambda nn: nn.Threshold(0.1, 2.0), lambda nn: nn.Threshold(1, 0, True), lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Tanhshrink(), lambda nn: nn.Softshrink(), lambda nn: nn.Hardshrink(1.5),
    lambda nn: nn.Dropout(), lambda nn: nn.Dropout1d(0.1), lambda nn: nn.Dropout2d(0.3, True),
    lambda nn: nn.Dropout3d(), lambda nn: nn.AlphaDropout(0.2), lambda nn: nn.FeatureAlphaDropout(),
    lambda nn: nn.BatchNorm1d(3), lambda nn: nn.BatchNorm2d(4, eps=1e-3, momentum=None),
    lambda nn: nn.BatchNorm3d(2, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm1d(3, bias=False), lambda nn: nn.LayerNorm(4),
    lambda nn: nn.LayerNorm((2, 3), elementwise_affine=False), lambda nn: nn.LayerNorm(3, bias=False),
    lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.GroupNorm(1, 3, affine=False),
    lambda nn: nn.InstanceNorm1d(3), lambda nn: nn.InstanceNorm2d(2, affine=True),
    lambda nn: nn.InstanceNorm3d(2, track_running_stats=True), lambda nn: nn.RMSNorm(4),
    lambda nn: nn.RMSNorm([2, 3], eps=1e-4, elementwise_affine=False),
    lambda nn: nn.LocalResponseNorm(2), lambda nn: nn.LocalResponseNorm(3, 0.1, 0.5, 2.0),
    lambda nn: nn.Embedding(5, 3), lambda nn: nn.Embedding(5, 3, padding_idx=-1, max_norm=1.0,
                                                            norm_type=1.0, scale_grad_by_freq=True),
    lambda nn: nn.EmbeddingBag(5, 3), lambda nn: nn.EmbeddingBag(5, 3, mode="max", padding_idx=0),
    lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(3),
    lambda nn: nn.ZeroPad1d(2), lambda nn: nn.ZeroPad2d((1, 2, 3, 4)), lambda nn: nn.ZeroPad3d(1),
    lambda nn: nn.ConstantPad1d(2, 3.5), lambda nn: nn.ConstantPad2d(1, 0), lambda nn: nn.ConstantPad3d(1, -1.0),
    lambda nn: nn.ReflectionPad1d(2), lambda nn: nn.ReflectionPad2d((1, 0, 1, 0)), lambda nn: nn.ReflectionPad3d(1),
    lambda nn: nn.ReplicationPad1d(1), lambda nn: nn.ReplicationPad2d(2), lambda nn: nn.ReplicationPad3d(1),
    lambda nn: nn.CircularPad1d(1), lambda nn: nn.CircularPad2d(2), lambda nn: nn.CircularPad3d((1, 0, 1, 0, 1, 0)),
    lambda nn: nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.GELU(), nn.Dropout(0.1)),
]


@pytest.mark.parametrize("i", range(len(MAKERS)))
def test_repr_matches_torch(i):
    assert repr(MAKERS[i](rt.nn)) == repr(MAKERS[i](torch.nn))


def test_state_dict_keys_match_torch():
    for make in MAKERS:
        t, r = make(torch.nn), make(rt.nn)
        assert list(r.state_dict()) == list(t.state_dict()), repr(t)
