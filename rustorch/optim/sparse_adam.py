"""SparseAdam: Adam for sparse gradients.  rustorch has no sparse gradients
(``nn.Embedding(sparse=True)`` yields dense ones), so the optimizer can be
built and saved like torch's, but ``step`` on a dense gradient raises -- torch
raises too, and points to Adam, as this does."""
from ..autograd.grad_mode import no_grad
from .._errors import InvalidArgument, UnsupportedError
from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise InvalidArgument("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise InvalidArgument(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise InvalidArgument(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise InvalidArgument(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise InvalidArgument(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))
        complex_params = [[i, j] for i, g in enumerate(self.param_groups)
                          for j, p in enumerate(g["params"]) if p.is_complex()]
        if complex_params:
            raise InvalidArgument(f"Complex params at indices {complex_params}: SparseAdam does "
                                  "not support complex parameters")

    @no_grad()
    def _step(self, closure):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    raise UnsupportedError(
                        "SparseAdam does not support dense gradients, please consider Adam "
                        "instead (rustorch has no sparse gradients, so SparseAdam can never "
                        f"step; got a dense gradient of shape {list(p.grad.shape)})")
        return loss
