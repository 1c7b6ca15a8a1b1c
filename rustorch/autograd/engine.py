"""The backward engine: runs the graph from the roots in dependency order."""
import sys

from .._errors import AutogradError, InvalidArgument
from .graph import AccumulateGrad, edge_of
from .grad_mode import STATE


def _ones_like(t):
    from .. import ones_like
    return ones_like(t)


def _check_root_grad(t, g):
    from .._tensor import Tensor
    if g is None:
        if t.numel() != 1:
            raise AutogradError(f"grad can be implicitly created only for scalar outputs; "
                                f"got an output of shape {list(t.shape)}")
        return _ones_like(t)
    if not isinstance(g, Tensor):
        from .. import tensor as _tensor
        g = _tensor(g, dtype=t.dtype, device=t.device)
    if tuple(g.shape) != tuple(t.shape):
        raise AutogradError(f"Mismatch in shape: grad_output[0] has a shape of {list(g.shape)} "
                            f"and output[0] has a shape of {list(t.shape)}.")
    return g


def _accumulate(buf, i, g):
    old = buf[i]
    buf[i] = g if old is None else old + g


def _stealable(g):
    # Like torch's use_count()==1 check: keep the gradient buffer itself as
    # leaf.grad when nobody else can see it, else copy it.  The references at
    # this point: run_backward's local, _accumulate_into_leaf's argument, this
    # function's argument and getrefcount's own; a gradient also waiting in
    # another buffer (the same tensor routed to two leaves) has more.
    return (g._base is None and g.grad_fn is None and sys.getrefcount(g) <= 4
            and g._b.is_exclusive(g._data))


def _accumulate_into_leaf(node, g, create_graph):
    leaf = node.variable
    if leaf is None:  # the leaf is gone; nobody can read its gradient
        return
    hooks = leaf._hooks
    if hooks:
        for h in list(hooks):
            r = h(g)
            if r is not None:
                g = r
    if g.dtype is not leaf.dtype:
        g = g.to(leaf.dtype)
    old = leaf._grad
    if old is None:
        if create_graph:
            leaf._grad = g
        elif _stealable(g):
            leaf._grad = g
        else:
            leaf._grad = g.detach().clone()
    elif create_graph or STATE.enabled or not old._b.is_writable(old._data) \
            or old._base is not None:
        leaf._grad = old + g
    else:
        old.add_(g)  # in place, like torch: earlier references to .grad see the sum
    post = leaf._post_acc_hooks
    if post:
        for h in list(post):
            h(leaf)


def run_backward(roots, grads, retain_graph=None, create_graph=False, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from ``roots``.  With ``accumulate`` the gradients land in
    the leaves' ``.grad`` (Tensor.backward); without, the gradients reaching
    ``inputs`` are returned (autograd.grad)."""
    if retain_graph is None:
        retain_graph = create_graph
    if len(grads) != len(roots):
        raise InvalidArgument(f"got {len(grads)} gradients for {len(roots)} outputs")
    root_edges = []
    for i, (t, g) in enumerate(zip(roots, grads)):
        if not t.requires_grad:
            raise AutogradError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        root_edges.append((edge_of(t), _check_root_grad(t, g)))

    # which (node, output) pairs the caller wants back
    capture = {}
    if inputs is not None:
        for k, t in enumerate(inputs):
            if not t.requires_grad:
                raise AutogradError(f"One of the differentiated Tensors (input {k}) does not require grad")
            capture.setdefault(edge_of(t), []).append(k)
    results = [None] * (len(inputs) if inputs is not None else 0)

    # dependency counts over the reachable graph
    deps = {}
    seen = set()
    stack = [e[0] for e, _ in root_edges]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for e in node.next_functions:
            if e is not None:
                nxt = e[0]
                deps[nxt] = deps.get(nxt, 0) + 1
                if nxt not in seen:
                    stack.append(nxt)

    needed = None
    if inputs is not None and not accumulate:
        needed = _nodes_leading_to({e[0] for e in capture}, seen)

    buffers = {}
    for (node, nr), g in root_edges:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
        _accumulate(buf, nr, g)
    ready = [n for n in buffers if deps.get(n, 0) == 0]

    prev_mode = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            buf = buffers.pop(node)
            if node._pre_hooks:
                for h in list(node._pre_hooks):
                    r = h(tuple(buf))
                    if r is not None:
                        buf = list(r)
            if capture:
                for nr in range(node.num_outputs):
                    for k in capture.get((node, nr), ()):
                        results[k] = buf[nr]
            if isinstance(node, AccumulateGrad):
                if accumulate and buf[0] is not None:
                    g = buf[0]
                    del buf
                    _accumulate_into_leaf(node, g, create_graph)
                continue
            if needed is not None and node not in needed:
                _release_deps(node, deps, ready, buffers)
                continue
            grads_in = _apply_node(node, buf)
            if not retain_graph:
                node.release()
            if node._post_hooks:
                for h in list(node._post_hooks):
                    r = h(grads_in, tuple(buf))
                    if r is not None:
                        grads_in = tuple(r)
            del buf
            for e, g in zip(node.next_functions, grads_in):
                if e is None:
                    continue
                nxt, nr = e
                if g is not None:
                    nbuf = buffers.get(nxt)
                    if nbuf is None:
                        nbuf = buffers[nxt] = [None] * nxt.num_outputs
                    _accumulate(nbuf, nr, g)
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    if nxt in buffers:
                        ready.append(nxt)
                    else:
                        _release_deps(nxt, deps, ready, buffers)
    finally:
        STATE.enabled = prev_mode

    if inputs is not None and not allow_unused:
        for k, r in enumerate(results):
            if r is None:
                raise AutogradError(
                    f"One of the differentiated Tensors (input {k}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
    return results


def _release_deps(node, deps, ready, buffers):
    """A node no gradient reached: its inputs lose one dependency each, and
    so on down the graph (iteratively: graphs can be very deep)."""
    stack = [node]
    while stack:
        n = stack.pop()
        for e in n.next_functions:
            if e is None:
                continue
            nxt = e[0]
            deps[nxt] -= 1
            if deps[nxt] == 0:
                if nxt in buffers:
                    ready.append(nxt)
                else:
                    stack.append(nxt)


def _nodes_leading_to(targets, seen):
    """Nodes from which some target node is reachable (the part of the graph
    autograd.grad has to run): reverse reachability from the targets."""
    parents = {}
    for n in seen:
        for e in n.next_functions:
            if e is not None:
                parents.setdefault(e[0], []).append(n)
    out = set()
    stack = [t for t in targets if t in seen]
    while stack:
        n = stack.pop()
        if n in out:
            continue
        out.add(n)
        stack.extend(parents.get(n, ()))
    return out


def _apply_node(node, buf):
    if node.num_outputs == 1 and buf[0] is None:
        return (None,) * len(node.next_functions)
    grads_in = node.apply(buf)
    if not isinstance(grads_in, tuple):
        grads_in = tuple(grads_in) if isinstance(grads_in, list) else (grads_in,)
    if len(grads_in) != len(node.next_functions):
        raise AutogradError(f"function {node.name()} returned an incorrect number of gradients "
                            f"(expected {len(node.next_functions)}, got {len(grads_in)})")
    if STATE.anomaly and STATE.anomaly_check_nan:
        for i, g in enumerate(grads_in):
            if g is not None and g.dtype.category >= 2 and bool(g.isnan().any()):
                where = "".join(node._trace or [])
                raise AutogradError(
                    f"Function '{node.name()}' returned nan values in its {i}th output."
                    + (f"\nThe forward call that created it:\n{where}" if where else ""))
    return grads_in
