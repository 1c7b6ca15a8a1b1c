"""Adamax: Adam with the infinity norm (torch's single-tensor update)."""
from ..ops.elementwise import maximum
from .adam import AdamFamily, addcdiv_, check_adam_args, grads_of, lerp_, new_step, scalar_expr, \
    zeros_state

__all__ = ["Adamax"]


class Adamax(AdamFamily):
    _group_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _group_step(self, group):
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        for p, g in grads_of(group, "Adamax"):
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group["capturable"])
                st["exp_avg"] = zeros_state(p)
                st["exp_inf"] = zeros_state(p)
            m, u, step_t = st["exp_avg"], st["exp_inf"], st["step"]
            if group["maximize"]:
                g = -g
            step_t.add_(1)
            if wd != 0:
                g = g.add(p, alpha=wd)
            lerp_(m, g, 1 - beta1)
            u.copy_(maximum(u.mul_(beta2), g.abs().add_(eps)))
            bc = 1 - beta1 ** step_t.item()
            clr = scalar_expr(lambda lr_: lr_ / bc, lr)
            addcdiv_(p, m, u, -clr)
