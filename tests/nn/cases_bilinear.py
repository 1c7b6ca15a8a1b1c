"""nn.Bilinear (y = x1^T A x2 + b)."""
from .harness import LayerCase, T

CASES = [
    LayerCase("bilinear", lambda nn: nn.Bilinear(3, 4, 2), [T(5, 3), T(5, 4)]),
    LayerCase("bilinear_nobias", lambda nn: nn.Bilinear(2, 3, 4, bias=False), [T(3, 2), T(3, 3)]),
    LayerCase("bilinear_batch_dims", lambda nn: nn.Bilinear(3, 2, 3), [T(2, 3, 3), T(2, 3, 2)]),
    LayerCase("bilinear_unbatched", lambda nn: nn.Bilinear(3, 3, 2), [T(3), T(3)]),
    LayerCase("bilinear_square_same_input", lambda nn: nn.Bilinear(4, 4, 1), [T(2, 4)],
              call=lambda mod, x: mod(x, x)),
    LayerCase("bilinear_double", lambda nn: nn.Bilinear(2, 3, 2), [T(4, 2), T(4, 3)], double=True),
]
