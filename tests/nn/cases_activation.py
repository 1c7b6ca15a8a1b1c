"""Activation layers: every one, several configs, float32 and float64."""
from .harness import LayerCase, T


def _nonleaf(mod, x):
    # in-place activations need a non-leaf input
    return mod(x * 1)


def _cases():
    out = []
    simple = {
        "relu": lambda nn: nn.ReLU(),
        "relu6": lambda nn: nn.ReLU6(),
        "leaky_relu": lambda nn: nn.LeakyReLU(),
        "leaky_relu_02": lambda nn: nn.LeakyReLU(0.2),
        "elu": lambda nn: nn.ELU(),
        "elu_alpha": lambda nn: nn.ELU(alpha=0.7),
        "selu": lambda nn: nn.SELU(),
        "celu": lambda nn: nn.CELU(),
        "celu_alpha": lambda nn: nn.CELU(alpha=1.7),
        "gelu": lambda nn: nn.GELU(),
        "gelu_tanh": lambda nn: nn.GELU(approximate="tanh"),
        "silu": lambda nn: nn.SiLU(),
        "mish": lambda nn: nn.Mish(),
        "softplus": lambda nn: nn.Softplus(),
        "softplus_beta": lambda nn: nn.Softplus(beta=2.0, threshold=3.0),
        "softsign": lambda nn: nn.Softsign(),
        "sigmoid": lambda nn: nn.Sigmoid(),
        "tanh": lambda nn: nn.Tanh(),
        "hardtanh": lambda nn: nn.Hardtanh(),
        "hardtanh_range": lambda nn: nn.Hardtanh(-0.5, 1.5),
        "hardswish": lambda nn: nn.Hardswish(),
        "hardsigmoid": lambda nn: nn.Hardsigmoid(),
        "threshold": lambda nn: nn.Threshold(0.1, 20.0),
        "logsigmoid": lambda nn: nn.LogSigmoid(),
        "tanhshrink": lambda nn: nn.Tanhshrink(),
        "softshrink": lambda nn: nn.Softshrink(),
        "softshrink_1": lambda nn: nn.Softshrink(1.0),
        "hardshrink": lambda nn: nn.Hardshrink(),
        "hardshrink_1": lambda nn: nn.Hardshrink(1.2),
        "prelu": lambda nn: nn.PReLU(),
        "prelu_init": lambda nn: nn.PReLU(init=0.1),
    }
    wide = {"relu6", "hardtanh_range", "hardswish", "hardsigmoid", "softplus_beta", "elu"}
    for name, make in simple.items():
        lo, hi = (-5.0, 5.0) if name in wide else (-2.0, 2.0)
        out.append(LayerCase(f"act_{name}", make, [T(3, 4, low=lo, high=hi)]))
        out.append(LayerCase(f"act_{name}_double", make, [T(2, 3, 2, low=lo, high=hi)], double=True))
    inplace = {
        "relu": lambda nn: nn.ReLU(inplace=True),
        "relu6": lambda nn: nn.ReLU6(inplace=True),
        "leaky_relu": lambda nn: nn.LeakyReLU(0.1, inplace=True),
        "elu": lambda nn: nn.ELU(inplace=True),
        "selu": lambda nn: nn.SELU(inplace=True),
        "celu": lambda nn: nn.CELU(inplace=True),
        "silu": lambda nn: nn.SiLU(inplace=True),
        "mish": lambda nn: nn.Mish(inplace=True),
        "hardtanh": lambda nn: nn.Hardtanh(inplace=True),
        "hardswish": lambda nn: nn.Hardswish(inplace=True),
        "hardsigmoid": lambda nn: nn.Hardsigmoid(inplace=True),
        "threshold": lambda nn: nn.Threshold(0.0, -1.0, inplace=True),
    }
    for name, make in inplace.items():
        out.append(LayerCase(f"act_{name}_inplace", make, [T(3, 5, low=-4, high=4)], call=_nonleaf))
    out += [
        LayerCase("act_prelu_channels", lambda nn: nn.PReLU(3, init=0.3), [T(2, 3, 4)]),
        LayerCase("act_prelu_channels_4d", lambda nn: nn.PReLU(3), [T(2, 3, 2, 2)], double=True),
        LayerCase("act_prelu_1d", lambda nn: nn.PReLU(), [T(5)]),
        LayerCase("act_softmax", lambda nn: nn.Softmax(dim=1), [T(3, 4)]),
        LayerCase("act_softmax_last", lambda nn: nn.Softmax(dim=-1), [T(2, 3, 4)], double=True),
        LayerCase("act_softmax_none", lambda nn: nn.Softmax(), [T(2, 3, 4)]),
        LayerCase("act_softmax_0", lambda nn: nn.Softmax(0), [T(4, 3)]),
        LayerCase("act_softmax_big", lambda nn: nn.Softmax(dim=1), [T(2, 5, low=-60, high=60)]),
        LayerCase("act_softmax2d", lambda nn: nn.Softmax2d(), [T(2, 3, 2, 2)]),
        LayerCase("act_log_softmax", lambda nn: nn.LogSoftmax(dim=1), [T(3, 4)]),
        LayerCase("act_log_softmax_d", lambda nn: nn.LogSoftmax(dim=0), [T(3, 4, 2)], double=True),
        LayerCase("act_log_softmax_big", lambda nn: nn.LogSoftmax(dim=1), [T(2, 5, low=-60, high=60)]),
        LayerCase("act_softmin", lambda nn: nn.Softmin(dim=1), [T(3, 4)]),
        LayerCase("act_softmin_d", lambda nn: nn.Softmin(dim=-1), [T(2, 4)], double=True),
        LayerCase("act_softmax_1d", lambda nn: nn.Softmax(dim=0), [T(5)]),
        LayerCase("act_glu", lambda nn: nn.GLU(), [T(3, 4)]),
        LayerCase("act_glu_dim0", lambda nn: nn.GLU(dim=0), [T(4, 3)], double=True),
        LayerCase("act_glu_mid", lambda nn: nn.GLU(dim=1), [T(2, 6, 2)]),
        LayerCase("act_softplus_linear_region", lambda nn: nn.Softplus(beta=1.0, threshold=1.0),
                  [T(3, 4, low=-3, high=3)]),
        LayerCase("act_softmax_dtype", lambda nn: _SoftmaxDtype(nn), [T(2, 3)],
                  skip={"webgpu": "asks for float64 results, which webgpu does not hold"}),
        LayerCase("act_seq_mix", lambda nn: nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.Linear(6, 4),
                                                          nn.LogSoftmax(dim=-1)), [T(3, 4)]),
    ]
    return out


def _SoftmaxDtype(nn):
    import importlib
    F = importlib.import_module(nn.__name__ + ".functional")
    m = importlib.import_module(nn.__name__.split(".")[0])

    class M(nn.Module):
        def forward(self, x):
            return F.softmax(x, dim=1, dtype=m.float64) + F.log_softmax(x, 0, dtype=m.float64)
    return M()


CASES = _cases()
