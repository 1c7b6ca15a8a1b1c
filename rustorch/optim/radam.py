"""RAdam: Adam with variance rectification (torch's single-tensor update)."""
from .adam import AdamFamily, addcmul_sq_, check_adam_args, grads_of, lerp_, new_step, \
    scalar_expr, value, zeros_state

__all__ = ["RAdam"]


class RAdam(AdamFamily):
    _group_defaults = dict(foreach=None, maximize=False, differentiable=False,
                           decoupled_weight_decay=False, capturable=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    def _group_step(self, group):
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        for p, g in grads_of(group, "RAdam"):
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, group["capturable"])
                st["exp_avg"] = zeros_state(p)
                st["exp_avg_sq"] = zeros_state(p)
            m, v, step_t = st["exp_avg"], st["exp_avg_sq"], st["step"]
            if group["maximize"]:
                g = -g
            step_t.add_(1)
            step = step_t.item()
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(scalar_expr(lambda lr_: 1 - lr_ * wd, lr))
                else:
                    g = g.add(p, alpha=wd)
            lerp_(m, g, 1 - beta1)
            addcmul_sq_(v.mul_(beta2), g, 1 - beta2)
            bc1 = 1 - beta1 ** step
            bc2 = 1 - beta2 ** step
            upd = (m / bc1).mul_(value(lr))
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                adaptive = (bc2 ** 0.5) / v.sqrt().add_(eps)
                upd = upd.mul_(adaptive).mul_(rect)
            p.add_(upd, alpha=-1.0)
