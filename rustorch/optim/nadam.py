"""NAdam: Adam with Nesterov momentum and momentum decay (torch's
single-tensor update; ``mu_product`` kept as a float32 0-d tensor like torch)."""
from .._errors import InvalidArgument
from .adam import AdamFamily, addcdiv_, addcmul_sq_, check_adam_args, grads_of, lerp_, new_step, \
    scalar_expr, zeros_state

__all__ = ["NAdam"]


class NAdam(AdamFamily):
    _group_defaults = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                           decoupled_weight_decay=False)
    _scalar_state = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise InvalidArgument(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _group_step(self, group):
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        md = group["momentum_decay"]
        for p, g in grads_of(group, "NAdam"):
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group["capturable"])
                st["mu_product"] = new_step(p, group["capturable"], 1.0)
                st["exp_avg"] = zeros_state(p)
                st["exp_avg_sq"] = zeros_state(p)
            m, v = st["exp_avg"], st["exp_avg_sq"]
            mu_product, step_t = st["mu_product"], st["step"]
            if group["maximize"]:
                g = -g
            step_t.add_(1)
            step = step_t.item()
            bc2 = 1 - beta2 ** step
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(scalar_expr(lambda lr_: 1 - lr_ * wd, lr))
                else:
                    g = g.add(p, alpha=wd)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
            mu_product.mul_(mu)
            lerp_(m, g, 1 - beta1)
            addcmul_sq_(v.mul_(beta2), g, 1 - beta2)
            denom = v.div(bc2).sqrt()
            mp = mu_product.item()
            mp_next = mp * mu_next
            denom.add_(eps)
            addcdiv_(p, g, denom, scalar_expr(lambda lr_: -lr_ * (1.0 - mu) / (1.0 - mp), lr))
            addcdiv_(p, m, denom, scalar_expr(lambda lr_: (-lr_ * mu_next) / (1.0 - mp_next), lr))
