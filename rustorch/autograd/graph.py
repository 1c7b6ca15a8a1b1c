"""Nodes of the backward graph.

A tensor produced by a differentiable op points at its ``grad_fn`` node; each
node's ``next_functions`` holds one edge ``(node, output_nr)`` per input (None
for inputs that need no grad).  Leaves that require grad are reached through an
``AccumulateGrad`` node.
"""
import traceback
import weakref

from .._errors import AutogradError
from .grad_mode import STATE


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class RemovableHandle:
    __slots__ = ("_list", "_item")

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self):
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node:
    """Base of every backward node.  Subclasses implement ``apply(grads)``,
    which takes one gradient per output and returns one per input."""
    __slots__ = ("next_functions", "_pre_hooks", "_post_hooks", "_trace", "_freed",
                 "metadata", "__weakref__")
    num_outputs = 1

    def name(self):
        return type(self).__name__

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after the node runs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) before the node runs; may return new grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    def _init_node(self, next_functions):
        self.next_functions = next_functions
        self._pre_hooks = None
        self._post_hooks = None
        self._freed = False
        self.metadata = None
        self._trace = traceback.format_stack()[:-3] if STATE.anomaly else None

    def __repr__(self):
        return f"<{self.name()} object>"


class AccumulateGrad(Node):
    """Sink node of a leaf tensor: adds the incoming gradient to ``leaf.grad``.
    The leaf owns its node; the node refers back weakly (no reference cycle)."""
    __slots__ = ("_variable",)

    def __init__(self, variable):
        self._init_node(())
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "AccumulateGrad"


class OpNode(Node):
    """A built-in op's node.  ``fn(node, grad)`` computes the input gradients
    with Tensor ops (so create_graph gives higher-order gradients); ``saved``
    holds tensors checked against in-place modification."""
    __slots__ = ("_name", "fn", "saved", "versions", "ctx", "_out_ref", "_out_version")

    def __init__(self, name, fn, next_functions, saved, ctx):
        # _init_node inlined: this runs once per recorded op
        self.next_functions = next_functions
        self._pre_hooks = None
        self._post_hooks = None
        self._freed = False
        self.metadata = None
        self._trace = traceback.format_stack()[:-3] if STATE.anomaly else None
        self._name = name
        self.fn = fn
        self.saved = saved
        if not saved:
            self.versions = ()
        else:
            self.versions = tuple(-1 if t is None else t._version[0] for t in saved)
        self.ctx = ctx
        self._out_ref = None

    def name(self):
        return self._name

    def unpack(self):
        """The saved tensors, after checking nobody modified them in place."""
        if self._freed and self.versions:
            raise AutogradError(FREED_MESSAGE)
        out = []
        for i, (t, v) in enumerate(zip(self.saved, self.versions)):
            if t is not None and t._version[0] != v:
                raise AutogradError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t._b.name} {t.dtype.name} "
                    f"{list(t.shape)}], which is saved by {self._name} (saved tensor {i}), "
                    f"is at version {t._version[0]}; expected version {v} instead.")
            out.append(t)
        return out

    def out(self):
        """The op's own output as saved (for formulas like exp' = exp); inside a
        create_graph backward it is connected to this node again."""
        a = self._out_ref
        if a is None:
            if self._freed:
                raise AutogradError(FREED_MESSAGE)
            raise AutogradError(f"{self._name} did not save its output")
        if a._version[0] != self._out_version:
            raise AutogradError(
                "one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: [{a._b.name} {a.dtype.name} {list(a.shape)}], "
                f"which is output 0 of {self._name}, is at version {a._version[0]}; "
                f"expected version {self._out_version} instead.")
        if STATE.enabled:
            a = a._alias()
            a.requires_grad = True
            a.grad_fn = self
        return a

    def save_output(self, out):
        self._out_ref = out._alias()
        self._out_version = out._version[0]

    def apply(self, grads):
        return self.fn(self, grads[0])

    def release(self):
        # free the saved tensors; keep ctx (shapes, dims) so nodes that saved
        # nothing can run again, as in torch
        self.saved = ()
        self._out_ref = None
        self._freed = True


def edge_of(t):
    """The graph edge a tensor contributes as an input, or None."""
    if t._base is not None and t._view_ver != t._version[0]:
        refresh_view(t)
    if not t._rg:
        return None
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_nr)
    node = t._accum
    if node is None:
        node = t._accum = AccumulateGrad(t)
    return (node, 0)


def refresh_view(t):
    """A view whose memory was modified in place (through its base or another
    view) since its grad_fn was made: replay it from the base's current version,
    as torch regenerates a view's grad_fn."""
    base, fn = t._base, t._view_fn
    if fn is None or not STATE.enabled:
        return
    t._view_ver = t._version[0]
    if not base._rg:
        return
    fresh = fn(base)
    t._rg = True
    t.grad_fn = fresh.grad_fn
    t._out_nr = fresh._out_nr
