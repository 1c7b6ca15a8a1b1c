"""``optim.Optimizer``: parameter groups, per-parameter state, state dicts in
torch's layout, step hooks and closures.  Subclasses implement ``step``."""
from collections import OrderedDict, defaultdict
from copy import deepcopy
import itertools

from .._errors import InvalidArgument, InvalidType
from .._tensor import Tensor
from ..autograd.graph import RemovableHandle
from ..autograd.grad_mode import no_grad


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class _HookHandle(RemovableHandle):
    __slots__ = ()

    def remove(self):
        self._list.pop(self._item, None)


_GLOBAL_PRE_HOOKS = OrderedDict()
_GLOBAL_POST_HOOKS = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    key = object()
    _GLOBAL_PRE_HOOKS[key] = hook
    return _HookHandle(_GLOBAL_PRE_HOOKS, key)


def register_optimizer_step_post_hook(hook):
    key = object()
    _GLOBAL_POST_HOOKS[key] = hook
    return _HookHandle(_GLOBAL_POST_HOOKS, key)


class Optimizer:
    """Base class.  ``params`` is an iterable of tensors or of dicts (param
    groups, each with its own options); ``defaults`` fills missing options."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._pre_hooks = OrderedDict()
        self._post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise InvalidType("params argument given to the optimizer should be an iterable of "
                              f"Tensors or dicts, but got {type(params).__name__}")
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if len(groups) == 0:
            raise InvalidArgument("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._pre_hooks = OrderedDict()
        self._post_hooks = OrderedDict()

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += ("\n" if i else "") + "\nParameter Group {0}".format(i)
            for key in sorted(group.keys()):
                if key != "params":
                    s += "\n    {0}: {1}".format(key, group[key])
        return s + "\n)"

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise InvalidType(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise InvalidType("optimizer parameters need to be organized in ordered collections, "
                              "but the ordering of tensors in sets will change between runs. "
                              "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise InvalidType("optimizer can only optimize Tensors, but one of the params is "
                                  + type(p).__name__)
            if not p.is_leaf:
                raise InvalidArgument("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise InvalidArgument(f"parameter group didn't specify a value of required "
                                      f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error", stacklevel=3)
        seen = set()
        for g in self.param_groups:
            seen.update(id(p) for p in g["params"])
        if seen & set(ids):
            raise InvalidArgument("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad
                    if g.grad_fn is not None:
                        g = g.detach()
                        p.grad = g
                    with no_grad():
                        g.zero_()

    # ------------------------------------------------------------ state dicts
    def state_dict(self):
        """torch's layout: params replaced by indices in order of appearance."""
        index = {}
        counter = itertools.count()

        def pack(group):
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = next(counter)
            packed["params"] = [index[id(p)] for p in group["params"]]
            return packed
        groups = [pack(g) for g in self.param_groups]
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = deepcopy(state_dict)
        groups = self.param_groups
        saved = state_dict["param_groups"]
        if len(groups) != len(saved):
            raise InvalidArgument("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise InvalidArgument("loaded state dict contains a parameter group that doesn't match "
                                  "the size of optimizer's group")
        id_map = {old: p for g, s in zip(groups, saved) for old, p in zip(s["params"], g["params"])}
        self.state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                self.state[p] = {name: self._cast_state(p, name, val) for name, val in v.items()}
        new_groups = []
        for g, s in zip(groups, saved):
            s = dict(s)
            s["params"] = g["params"]
            new_groups.append(s)
        self.param_groups = new_groups

    @staticmethod
    def _cast_state(param, key, value):
        """State tensors follow the parameter's device (and float dtype, except step)."""
        if isinstance(value, Tensor):
            if key == "step":
                return value
            if value.dtype.category >= 2:
                return value.to(dtype=param.dtype, device=param.device)
            return value.to(device=param.device)
        if not isinstance(value, Tensor) and hasattr(value, "detach") and hasattr(value, "dtype"):
            from ..nn.modules.module import _to_tensor
            return Optimizer._cast_state(param, key, _to_tensor(value))
        return value

    # ------------------------------------------------------------ hooks and step
    def register_step_pre_hook(self, hook):
        key = object()
        self._pre_hooks[key] = hook
        return _HookHandle(self._pre_hooks, key)

    def register_step_post_hook(self, hook):
        key = object()
        self._post_hooks[key] = hook
        return _HookHandle(self._post_hooks, key)

    def _run_step(self, step_impl, closure):
        for hook in itertools.chain(_GLOBAL_PRE_HOOKS.values(), self._pre_hooks.values()):
            r = hook(self, (closure,), {})
            if r is not None:
                (closure,), _ = r
        loss = step_impl(closure)
        for hook in itertools.chain(_GLOBAL_POST_HOOKS.values(), self._post_hooks.values()):
            hook(self, (closure,), {})
        return loss

    def step(self, closure=None):
        """One update: hooks around ``self._step(closure)``, which subclasses
        implement (returning the closure's loss, if any)."""
        if not hasattr(self, "_step"):
            raise NotImplementedError(f"{type(self).__name__} does not implement _step")
        return self._run_step(self._step, closure)

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        return [p for p in group["params"] if p.grad is not None]


def check_lr(lr):
    if isinstance(lr, Tensor):
        if lr.numel() != 1:
            raise InvalidArgument("Tensor lr must be 1-element")
        lr = lr.item()
    if not 0.0 <= lr:
        raise InvalidArgument(f"Invalid learning rate: {lr}")


def check_nonneg(name, value, what="value"):
    if not 0.0 <= value:
        raise InvalidArgument(f"Invalid {name} {what}: {value}")
