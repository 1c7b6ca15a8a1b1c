"""Rprop, resilient backpropagation (torch's single-tensor update)."""
from ..autograd.grad_mode import no_grad
from .._errors import InvalidArgument
from .optimizer import Optimizer, check_lr
from ._scalar_state import new_step, scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise InvalidArgument(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    @no_grad()
    def _step(self, closure):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["prev"] = p.detach().new_zeros(p.shape)
                    state["step_size"] = grad.new_full(grad.shape, scalar(group["lr"]))
                if group["maximize"]:
                    grad = -grad
                prev, step_size = state["prev"], state["step_size"]
                state["step"] += 1
                sign = grad.mul(prev).sign()
                # the masks come from the sign itself, so an eta that float32 cannot
                # hold exactly still selects the right entries
                pos, neg = sign.gt(0), sign.lt(0)
                zero = sign.eq(0)
                sign.masked_fill_(pos, etaplus)
                sign.masked_fill_(neg, etaminus)
                sign.masked_fill_(zero, 1)
                step_size.mul_(sign).clamp_(step_size_min, step_size_max)
                grad = grad.clone()
                grad.masked_fill_(neg, 0)
                p.addcmul_(grad.sign(), step_size, value=-1)
                prev.copy_(grad)
        return loss
