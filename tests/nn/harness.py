"""Run one nn layer in torch and in rustorch with the same weights and inputs.

A ``LayerCase`` builds its module from an ``nn`` namespace (``make(nn)`` is
called with ``torch.nn`` and with ``rustorch.nn``); rustorch's copy gets torch's
state dict, so parameters and buffers start equal.  Forward outputs, input
gradients, parameter gradients and buffers after the step are compared.
"""
import random
import zlib

from conformance.harness import Spec, T, case_inputs, compare_described, grad_outputs, _describe  # noqa: F401


class LayerCase:
    def __init__(self, name, make, inputs, call=None, grad=True, atol=1e-5, rtol=1e-4,
                 train=True, skip=None, check_buffers=True, double=False):
        self.name = name
        self.make = make
        self.inputs = inputs
        self.call = call or (lambda mod, *xs: mod(*xs))
        self.grad = grad
        self.atol, self.rtol = atol, rtol
        self.train = train
        self.skip = skip or {}
        self.check_buffers = check_buffers
        self.double = double          # run both sides in float64

    def __repr__(self):
        return self.name


def _rt_value(rt, v, device):
    name = str(v.dtype).split(".")[-1]
    return rt.tensor(v.detach().cpu().tolist(), dtype=getattr(rt, name), device=device)


def build_pair(case, torch, rt, device):
    """(torch module, rustorch module) with equal state."""
    torch.manual_seed(zlib.crc32(case.name.encode()) & 0xFFFF)
    tmod = case.make(torch.nn)
    rmod = case.make(rt.nn)
    if case.double:
        tmod = tmod.double()
        rmod = rmod.double()
    rmod.to(device)
    state = {k: _rt_value(rt, v, device) for k, v in tmod.state_dict().items()}
    rmod.load_state_dict(state)
    tmod.train(case.train)
    rmod.train(case.train)
    return tmod, rmod


def _flat_tensors(x, is_tensor):
    if is_tensor(x):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flat_tensors(item, is_tensor)]
    return []


def run_layer(case, m, mod, device=None):
    """Forward/backward of ``mod`` on the case's inputs; plain-data record."""
    inputs = case_inputs(case, m, device)
    if case.double:
        inputs = [t.double() if hasattr(t, "is_floating_point") and t.is_floating_point() else t
                  for t in inputs]
        inputs = [t.detach().requires_grad_() if hasattr(t, "requires_grad") and t.dtype == m.float64
                  and any(s.grad for s in case.inputs if isinstance(s, Spec)) else t for t in inputs]
    if device is not None and hasattr(m, "set_default_device"):
        prev = m.get_default_device()
        m.set_default_device(device)
        try:
            out = case.call(mod, *inputs)
        finally:
            m.set_default_device(prev)
    else:
        out = case.call(mod, *inputs)
    outs = _flat_tensors(out, lambda x: isinstance(x, m.Tensor))
    rec = {"outputs": [_describe(o) for o in outs], "input_grads": None, "param_grads": None,
           "buffers": {k: _describe(v) for k, v in mod.named_buffers()}}
    if case.grad:
        diff_out = [o for o in outs if o.requires_grad]
        diff_in = [t for t in inputs if isinstance(t, m.Tensor) and t.requires_grad]
        params = [(n, p) for n, p in mod.named_parameters() if p.requires_grad]
        if diff_out:
            gos = grad_outputs(m, diff_out, case.name, device)
            targets = diff_in + [p for _, p in params]
            grads = m.autograd.grad(diff_out, targets, gos, allow_unused=True)
            rec["input_grads"] = [None if g is None else _describe(g) for g in grads[:len(diff_in)]]
            rec["param_grads"] = {n: (None if g is None else _describe(g))
                                  for (n, _), g in zip(params, grads[len(diff_in):])}
    return rec


def compare_layer(got, want, case):
    assert len(got["outputs"]) == len(want["outputs"]), \
        f"{len(got['outputs'])} outputs vs torch's {len(want['outputs'])}"
    for i, (g, w) in enumerate(zip(got["outputs"], want["outputs"])):
        compare_described(g, w, case.atol, case.rtol, f"output {i}")
    if case.check_buffers:
        assert set(got["buffers"]) == set(want["buffers"]), (set(got["buffers"]), set(want["buffers"]))
        for k in want["buffers"]:
            compare_described(got["buffers"][k], want["buffers"][k], case.atol, case.rtol, f"buffer {k}")
    if want["input_grads"] is not None:
        for i, (g, w) in enumerate(zip(got["input_grads"], want["input_grads"])):
            if w is not None:
                assert g is not None, f"input grad {i} missing"
                compare_described(g, w, case.atol * 10, case.rtol * 10, f"input grad {i}")
    if want["param_grads"] is not None:
        assert set(got["param_grads"]) == set(want["param_grads"]), \
            (set(got["param_grads"]), set(want["param_grads"]))
        for k, w in want["param_grads"].items():
            if w is not None:
                g = got["param_grads"][k]
                assert g is not None, f"grad of {k} missing"
                compare_described(g, w, case.atol * 10, case.rtol * 10, f"grad of {k}")
