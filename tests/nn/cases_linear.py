"""Linear and structural layers."""
from .harness import LayerCase, T

CASES = [
    LayerCase("linear", lambda nn: nn.Linear(4, 3), [T(5, 4)]),
    LayerCase("linear_nobias", lambda nn: nn.Linear(4, 3, bias=False), [T(2, 6, 4)]),
    LayerCase("linear_1d_input", lambda nn: nn.Linear(4, 2), [T(4)]),
    LayerCase("linear_double", lambda nn: nn.Linear(3, 3), [T(2, 3)], double=True),
    LayerCase("sequential_mlp", lambda nn: nn.Sequential(nn.Linear(6, 5), nn.Flatten(0), nn.Unflatten(0, (1, 5)),
                                                         nn.Identity(), nn.Linear(5, 2)), [T(1, 6)]),
]
