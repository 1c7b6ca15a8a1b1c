"""Adagrad (torch's single-tensor update with lr decay, weight decay,
initial accumulator and maximize).  Like torch, the state of every parameter
is created at construction."""
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, check_lr, check_nonneg
from ._scalar_state import new_step, scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg("lr_decay", lr_decay)
        check_nonneg("weight_decay", weight_decay)
        check_nonneg("initial_accumulator_value", initial_accumulator_value)
        check_nonneg("epsilon", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state["step"] = new_step()
        state["sum"] = p.detach().new_full(p.shape, self.defaults["initial_accumulator_value"])

    @no_grad()
    def _step(self, closure):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = scalar(group["lr"]), group["lr_decay"], group["eps"]
            wd = group["weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p)
                step_t, state_sum = state["step"], state["sum"]
                step_t += 1
                step = step_t.item()
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum.addcmul_(grad, grad, value=1)
                std = state_sum.sqrt().add_(eps)
                p.addcdiv_(grad, std, value=-clr)
        return loss
