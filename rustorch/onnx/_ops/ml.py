"""ai.onnx.ml tree ensembles: TreeEnsemble (ai.onnx.ml opset 5) and the older
TreeEnsembleRegressor (opset 1, ``*_as_tensor`` attributes from opset 3).

The tree structure lives in attributes, so it is checked and compiled on the
host once per call into small lookup tables (one row per interior node, then
one per leaf).  Evaluation is then tensor work on X's device: every (sample,
tree) pair walks one level per step, all pairs at once, for as many steps as
the deepest tree has levels; leaves point to themselves so extra steps are no-ops.
"""
import math

import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import FormatError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from . import op

ML = "ai.onnx.ml"

# Node comparison modes, as TreeEnsemble (opset 5) numbers them.
LEQ, LT, GTE, GT, EQ, NEQ, MEMBER = range(7)
_MODE_NAMES = {"BRANCH_LEQ": LEQ, "BRANCH_LT": LT, "BRANCH_GTE": GTE, "BRANCH_GT": GT,
               "BRANCH_EQ": EQ, "BRANCH_NEQ": NEQ}
_AGGREGATES = {"AVERAGE": 0, "SUM": 1, "MIN": 2, "MAX": 3}
_TRANSFORMS = {"NONE": 0, "SOFTMAX": 1, "LOGISTIC": 2, "SOFTMAX_ZERO": 3, "PROBIT": 4}


def _name(ctx):
    n = ctx.node
    return f"{n.op_type} node {n.name!r}" if getattr(n, "name", "") else f"{n.op_type} node"


def _values(v):
    """An attribute (list, Tensor or None) as a Python list."""
    if v is None:
        return []
    if isinstance(v, rt.Tensor):
        return v.reshape(-1).tolist()
    return list(v)


class _Forest:
    """Host-side tables of a compiled ensemble.

    Rows ``0..M-1`` are interior nodes, rows ``M..M+L-1`` leaves.  ``contrib`` is a
    list of slots; slot ``s`` gives every leaf at most one (target, weight) pair,
    so a leaf feeding k targets uses k slots."""

    def __init__(self, where, n_nodes, n_leaves, feature, split, mode, true_row, false_row,
                 tracks, members, roots, contrib, n_targets):
        self.where = where
        self.rows = n_nodes + n_leaves
        self.feature, self.split, self.mode = feature, split, mode
        self.true_row, self.false_row, self.tracks = true_row, false_row, tracks
        self.members = members              # per row: a list of set members, or None
        self.roots = roots                  # start row of every tree
        self.contrib = contrib              # [(targets, weights, present)] per slot, each per leaf
        self.n_targets = n_targets
        self.n_nodes = n_nodes
        self.depth = self._depth()
        self.split_dtype = self.weight_dtype = rt.float32
        self.nan_uses_tracks_only = False

    def _depth(self):
        """Levels of the deepest tree; FormatError on a cycle."""
        depth = 0
        for root in self.roots:
            stack = [(root, 0)]
            while stack:
                row, d = stack.pop()
                if row >= self.n_nodes:
                    depth = max(depth, d)
                    continue
                if d > self.n_nodes:
                    raise FormatError(f"{self.where}: the trees contain a cycle (node {row})")
                stack.append((self.true_row[row], d + 1))
                stack.append((self.false_row[row], d + 1))
        return depth


def _tensor(values, dtype, device):
    return rt.tensor(values, dtype=dtype, device=device)


def _leaf_rows(forest, x):
    """(N, T) int64: the leaf (0-based, leaves only) each sample reaches in each tree."""
    n, dev = x.shape[0], x.device
    n_trees = len(forest.roots)
    cmp_dtype = rt.result_type(x, rt.zeros([], dtype=forest.split_dtype))
    xc = x.to(cmp_dtype)
    feature = _tensor(forest.feature, rt.int64, dev)
    split = _tensor(forest.split, cmp_dtype, dev)
    mode = _tensor(forest.mode, rt.int64, dev)
    nxt_t = _tensor(forest.true_row, rt.int64, dev)
    nxt_f = _tensor(forest.false_row, rt.int64, dev)
    tracks = _tensor(forest.tracks, rt.bool, dev)
    member_sets = [m for m in forest.members if m is not None]
    if member_sets:
        width = max(1, max(len(m) for m in member_sets))
        nan = float("nan")          # pads rows: NaN equals nothing
        table = [(m or []) + [nan] * (width - len(m or [])) for m in forest.members]
        members = _tensor(table, cmp_dtype, dev)
    cur = _tensor(forest.roots, rt.int64, dev).reshape(1, n_trees).expand(n, n_trees).contiguous()

    def at(table, idx):
        return table.index_select(0, idx.reshape(-1)).reshape(n, n_trees)

    for _ in range(forest.depth):
        xv = xc.gather(1, at(feature, cur))
        s, m = at(split, cur), at(mode, cur)
        cond = rt.where(m == LEQ, xv <= s,
                        rt.where(m == LT, xv < s,
                                 rt.where(m == GTE, xv >= s,
                                          rt.where(m == GT, xv > s,
                                                   rt.where(m == EQ, xv == s, xv != s)))))
        if member_sets:
            rows = members.index_select(0, cur.reshape(-1)).reshape(n, n_trees, -1)
            hit = (xv.unsqueeze(-1) == rows).any(dim=-1)
            cond = rt.where(m == MEMBER, hit, cond)
        if forest.nan_uses_tracks_only:     # legacy ops: NaN takes the tracked branch, whatever the mode
            cond = rt.where(rt.isnan(xv), at(tracks, cur), cond)
        else:                               # TreeEnsemble: "compare or (tracks and NaN)"
            cond = cond | (at(tracks, cur) & rt.isnan(xv))
        cur = rt.where(cond, at(nxt_t, cur), at(nxt_f, cur))
    return cur - forest.n_nodes


def _aggregate(forest, leaf, aggregate, acc_dtype, dev):
    """(N, n_targets): every tree's leaf contributions combined per target."""
    n, n_trees = leaf.shape
    if aggregate in (0, 1):
        acc = rt.zeros([n, forest.n_targets], dtype=acc_dtype, device=dev)
    else:
        info = rt.finfo(acc_dtype)
        start = info.max if aggregate == 2 else info.min
        acc = rt.full([n, forest.n_targets], start, dtype=acc_dtype, device=dev)
    flat = leaf.reshape(-1)
    for targets, weights, present in forest.contrib:
        tgt = _tensor(targets, rt.int64, dev).index_select(0, flat).reshape(n, n_trees)
        w = _tensor(weights, acc_dtype, dev).index_select(0, flat).reshape(n, n_trees)
        here = _tensor(present, rt.bool, dev).index_select(0, flat).reshape(n, n_trees)
        if aggregate in (0, 1):
            acc = acc.scatter_add(1, tgt, rt.where(here, w, rt.zeros_like(w)))
        else:
            # an absent contribution becomes the reduction's identity (the start value)
            w = rt.where(here, w, rt.full_like(w, start))
            acc = acc.scatter_reduce(1, tgt, w, reduce="amin" if aggregate == 2 else "amax",
                                     include_self=True)
    if aggregate == 0 and n_trees:
        acc = acc / n_trees
    return acc


def _post_transform(where, y, kind):
    if kind == 0:
        return y
    if kind == 1:
        return F.softmax(y, dim=1)
    if kind == 2:
        return y.sigmoid()
    if kind == 3:       # softmax over the non-zero scores; zeros stay zero
        nz = y != 0
        top = rt.where(nz, y, rt.full_like(y, float("-inf"))).amax(dim=1, keepdim=True)
        top = rt.where(rt.isinf(top), rt.zeros_like(top), top)
        e = rt.where(nz, (y - top).exp(), rt.zeros_like(y))
        tot = e.sum(dim=1, keepdim=True)
        return e / rt.where(tot == 0, rt.ones_like(tot), tot)
    if kind == 4:
        return rt.erfinv(y * 2 - 1) * math.sqrt(2.0)
    raise InvalidArgument(f"{where}: post_transform={kind}; expected 0 to 4 "
                          f"(NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT)")


def _check_input(where, x, forest):
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2:
        raise ShapeError(f"{where}: X must have shape [batch, features], got {list(x.shape)}")
    if x.dtype == rt.bool or x.dtype.is_complex:
        raise InvalidType(f"{where}: X of dtype {x.dtype} is not numeric")
    used = forest.feature[:forest.n_nodes]
    if used and not 0 <= min(used) <= max(used) < x.shape[1]:
        raise IndexOutOfRange(f"{where}: the trees read features {min(used)} to {max(used)}, X has "
                              f"{x.shape[1]} features (shape {list(x.shape)})")
    return x


def _run(where, forest, x, aggregate, transform, base=None, out_dtype=None):
    x = _check_input(where, x, forest)
    out_dtype = out_dtype or x.dtype
    acc_dtype = rt.result_type(rt.zeros([], dtype=out_dtype), rt.zeros([], dtype=forest.weight_dtype))
    if acc_dtype in (rt.float16, rt.bfloat16):
        acc_dtype = rt.float32
    leaf = _leaf_rows(forest, x)
    y = _aggregate(forest, leaf, aggregate, acc_dtype, x.device)
    if base:
        y = y + _tensor(base, acc_dtype, x.device)
    return _post_transform(where, y, transform).to(out_dtype)


# ---------------------------------------------------------------- TreeEnsemble (opset 5)

def _check_ids(where, what, ids, limit):
    bad = [i for i in ids if not 0 <= i < limit]
    if bad:
        raise FormatError(f"{where}: {what} {bad[:5]} are outside [0, {limit})")


def _compile_v5(ctx):
    where = _name(ctx)
    feature = [int(v) for v in _values(ctx.attr("nodes_featureids"))]
    m = len(feature)
    fields = {k: _values(ctx.attr(k)) for k in ("nodes_splits", "nodes_modes", "nodes_truenodeids",
                                                "nodes_falsenodeids", "nodes_trueleafs",
                                                "nodes_falseleafs")}
    tracks = _values(ctx.attr("nodes_missing_value_tracks_true")) or [0] * m
    fields["nodes_missing_value_tracks_true"] = tracks
    uneven = {k: len(v) for k, v in fields.items() if len(v) != m}
    if uneven:
        raise FormatError(f"{where}: nodes_* attributes must all have {m} entries (as "
                          f"nodes_featureids), got {uneven}")
    targets = [int(v) for v in _values(ctx.attr("leaf_targetids"))]
    weights = _values(ctx.attr("leaf_weights"))
    n_leaves = len(targets)
    if len(weights) != n_leaves:
        raise FormatError(f"{where}: leaf_targetids has {n_leaves} entries, leaf_weights {len(weights)}")
    n_targets = ctx.attr("n_targets")
    if n_targets is None or int(n_targets) <= 0:
        raise FormatError(f"{where}: n_targets={n_targets} must be a positive integer")
    n_targets = int(n_targets)
    _check_ids(where, "leaf_targetids", targets, n_targets)
    mode = [int(v) for v in fields["nodes_modes"]]
    _check_ids(where, "nodes_modes", mode, 7)
    t_ids = [int(v) for v in fields["nodes_truenodeids"]]
    f_ids = [int(v) for v in fields["nodes_falsenodeids"]]
    t_leaf = [bool(v) for v in fields["nodes_trueleafs"]]
    f_leaf = [bool(v) for v in fields["nodes_falseleafs"]]
    for ids, leafs, what in ((t_ids, t_leaf, "true"), (f_ids, f_leaf, "false")):
        _check_ids(where, f"nodes_{what}nodeids (leaves)", [i for i, lf in zip(ids, leafs) if lf], n_leaves)
        _check_ids(where, f"nodes_{what}nodeids (nodes)", [i for i, lf in zip(ids, leafs) if not lf], m)
    true_row = [m + i if lf else i for i, lf in zip(t_ids, t_leaf)]
    false_row = [m + i if lf else i for i, lf in zip(f_ids, f_leaf)]

    # Set members, one NaN-terminated run per BRANCH_MEMBER node in node order.
    members = [None] * m
    values = _values(ctx.attr("membership_values"))
    runs, run = [], []
    for v in values:
        if v != v:
            runs.append(run)
            run = []
        else:
            run.append(float(v))
    member_nodes = [i for i in range(m) if mode[i] == MEMBER]
    if len(runs) != len(member_nodes):
        raise FormatError(f"{where}: {len(member_nodes)} BRANCH_MEMBER nodes but membership_values "
                          f"holds {len(runs)} NaN-terminated sets")
    for i, members_i in zip(member_nodes, runs):
        members[i] = members_i

    roots = []
    for r in (int(v) for v in _values(ctx.attr("tree_roots"))):
        _check_ids(where, "tree_roots", [r], m)
        # A one-leaf tree: a root whose two branches are the same leaf.
        single = t_leaf[r] and f_leaf[r] and t_ids[r] == f_ids[r]
        roots.append(true_row[r] if single else r)
    split = [float(v) for v in fields["nodes_splits"]]
    pad = [0] * n_leaves
    forest = _Forest(where, m, n_leaves, feature + pad, split + [0.0] * n_leaves, mode + pad,
                     true_row + [m + i for i in range(n_leaves)],
                     false_row + [m + i for i in range(n_leaves)],
                     [bool(v) for v in tracks] + [False] * n_leaves,
                     members + [None] * n_leaves, roots,
                     [(targets, [float(w) for w in weights], [True] * n_leaves)], n_targets)
    forest.split_dtype = _attr_dtype(ctx.attr("nodes_splits"))
    forest.weight_dtype = _attr_dtype(ctx.attr("leaf_weights"))
    return forest


def _attr_dtype(t):
    return t.dtype if isinstance(t, rt.Tensor) and t.dtype.is_floating_point else rt.float32


@op("TreeEnsemble", since=5, domain=ML)
def tree_ensemble(ctx, x):
    if not x.dtype.is_floating_point:
        raise InvalidType(f"{_name(ctx)}: X must be float16, float32 or float64, got {x.dtype}")
    forest = _compile_v5(ctx)
    return _run(_name(ctx), forest, x, int(ctx.attr("aggregate_function", 1)),
                int(ctx.attr("post_transform", 0)))


# ---------------------------------------------------------------- TreeEnsembleRegressor (opset 1/3)

def _pick(ctx, name):
    """``name`` or its ``name_as_tensor`` twin (opset 3), whichever is set."""
    t = ctx.attr(name + "_as_tensor")
    return t if t is not None else ctx.attr(name)


def _compile_legacy(ctx, prefix):
    """The (treeid, nodeid)-addressed encoding of TreeEnsembleRegressor/Classifier."""
    where = _name(ctx)
    tree_ids = [int(v) for v in _values(ctx.attr("nodes_treeids"))]
    node_ids = [int(v) for v in _values(ctx.attr("nodes_nodeids"))]
    n = len(tree_ids)
    fields = {"nodes_nodeids": node_ids,
              "nodes_featureids": [int(v) for v in _values(ctx.attr("nodes_featureids"))],
              "nodes_modes": list(_values(ctx.attr("nodes_modes"))),
              "nodes_values": [float(v) for v in _values(_pick(ctx, "nodes_values"))],
              "nodes_truenodeids": [int(v) for v in _values(ctx.attr("nodes_truenodeids"))],
              "nodes_falsenodeids": [int(v) for v in _values(ctx.attr("nodes_falsenodeids"))]}
    tracks = [int(v) for v in _values(ctx.attr("nodes_missing_value_tracks_true"))] or [0] * n
    uneven = {k: len(v) for k, v in fields.items() if len(v) != n}
    if len(tracks) != n:
        uneven["nodes_missing_value_tracks_true"] = len(tracks)
    if uneven:
        raise FormatError(f"{where}: nodes_* attributes must all have {n} entries (as "
                          f"nodes_treeids), got {uneven}")
    modes = [m.decode() if isinstance(m, bytes) else str(m) for m in fields["nodes_modes"]]
    unknown = sorted({m for m in modes if m != "LEAF" and m not in _MODE_NAMES})
    if unknown:
        raise FormatError(f"{where}: unknown nodes_modes {unknown}")
    key_of = {}
    for i, key in enumerate(zip(tree_ids, node_ids)):
        if key in key_of:
            raise FormatError(f"{where}: node {key[1]} of tree {key[0]} is defined twice")
        key_of[key] = i
    interior = [i for i in range(n) if modes[i] != "LEAF"]
    leaves = [i for i in range(n) if modes[i] == "LEAF"]
    row = {i: r for r, i in enumerate(interior)}
    m = len(interior)
    row.update({i: m + r for r, i in enumerate(leaves)})

    def child(i, which):
        key = (tree_ids[i], fields[which][i])
        if key not in key_of:
            raise FormatError(f"{where}: node {node_ids[i]} of tree {tree_ids[i]} points to "
                              f"missing node {key[1]}")
        return row[key_of[key]]

    true_row = [child(i, "nodes_truenodeids") for i in interior] + [m + r for r in range(len(leaves))]
    false_row = [child(i, "nodes_falsenodeids") for i in interior] + [m + r for r in range(len(leaves))]
    # A tree's root is its first node in attribute order; trees go in tree-id order.
    roots = {}
    for i in range(n):
        roots.setdefault(tree_ids[i], row[i])

    # Leaf contributions: (treeid, nodeid) -> several (target, weight) pairs.
    t_trees = [int(v) for v in _values(ctx.attr(prefix + "_treeids"))]
    t_nodes = [int(v) for v in _values(ctx.attr(prefix + "_nodeids"))]
    t_ids = [int(v) for v in _values(ctx.attr(prefix + "_ids"))]
    t_w = [float(v) for v in _values(_pick(ctx, prefix + "_weights"))]
    if not len(t_trees) == len(t_nodes) == len(t_ids) == len(t_w):
        raise FormatError(f"{where}: {prefix}_treeids/_nodeids/_ids/_weights have different "
                          f"lengths ({len(t_trees)}, {len(t_nodes)}, {len(t_ids)}, {len(t_w)})")
    per_leaf = {}
    for tree, node, tid, w in zip(t_trees, t_nodes, t_ids, t_w):
        i = key_of.get((tree, node))
        if i is None or modes[i] != "LEAF":
            raise FormatError(f"{where}: {prefix} entry for node {node} of tree {tree}, which is "
                              f"not a leaf")
        per_leaf.setdefault(row[i] - m, []).append((tid, w))
    slots = max((len(v) for v in per_leaf.values()), default=1)
    contrib = []
    for s in range(slots):
        pairs = [per_leaf.get(r, [])[s] if s < len(per_leaf.get(r, [])) else None
                 for r in range(len(leaves))]
        contrib.append(([p[0] if p else 0 for p in pairs], [p[1] if p else 0.0 for p in pairs],
                        [p is not None for p in pairs]))
    feature = [fields["nodes_featureids"][i] for i in interior] + [0] * len(leaves)
    split = [fields["nodes_values"][i] for i in interior] + [0.0] * len(leaves)
    mode = [_MODE_NAMES[modes[i]] for i in interior] + [0] * len(leaves)
    track = [bool(tracks[i]) for i in interior] + [False] * len(leaves)
    return (where, m, len(leaves), feature, split, mode, true_row, false_row, track,
            [None] * (m + len(leaves)), [roots[t] for t in sorted(roots)], contrib, t_ids)


@op("TreeEnsembleRegressor", since=1, domain=ML)
def tree_ensemble_regressor(ctx, x):
    parts = _compile_legacy(ctx, "target")
    ids = parts[-1]
    n_targets = int(ctx.attr("n_targets", max(ids, default=0) + 1))
    _check_ids(parts[0], "target_ids", ids, n_targets)
    forest = _Forest(*parts[:-1], n_targets)
    forest.split_dtype = _attr_dtype(ctx.attr("nodes_values_as_tensor"))
    forest.weight_dtype = _attr_dtype(ctx.attr("target_weights_as_tensor"))
    forest.nan_uses_tracks_only = True
    agg = ctx.attr("aggregate_function", "SUM")
    agg = agg.decode() if isinstance(agg, bytes) else agg
    post = ctx.attr("post_transform", "NONE")
    post = post.decode() if isinstance(post, bytes) else post
    if agg not in _AGGREGATES or post not in _TRANSFORMS:
        raise InvalidArgument(f"{_name(ctx)}: aggregate_function={agg!r} / post_transform={post!r} "
                              f"not one of {list(_AGGREGATES)} / {list(_TRANSFORMS)}")
    base = [float(v) for v in _values(_pick(ctx, "base_values"))]
    if base and len(base) != n_targets:
        raise FormatError(f"{_name(ctx)}: base_values has {len(base)} entries for {n_targets} targets")
    # the spec's output is float whatever X is (float, double, int32, int64)
    return _run(_name(ctx), forest, x, _AGGREGATES[agg], _TRANSFORMS[post], base, rt.float32)
