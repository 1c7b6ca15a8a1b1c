"""Indexing: ``t[key]`` with every kind of key, ``t[key] = v`` (through a
clone so gradients reach both the source and the value), and the index ops
(gather, scatter*, index_*, masked_*, take, take_along_dim, nonzero), each
with gradients."""
from .harness import Case, T

CASES = []


def add(name, fn, inputs, **kw):
    CASES.append(Case(name, fn, inputs, **kw))


def L(m, v):
    """An int64 index tensor of module ``m``."""
    return m.tensor(v, dtype=m.int64)


def B(m, v):
    return m.tensor(v, dtype=m.bool)


# ------------------------------------------------------------------ __getitem__: basic keys
_X = T(4, 5, 6)
add("getitem_int", lambda m, x: x[2], [_X])
add("getitem_neg_int", lambda m, x: x[-1], [_X])
add("getitem_int_int", lambda m, x: x[1, -2], [_X])
add("getitem_scalar_result", lambda m, x: x[1, 2, 3], [_X])
add("getitem_slice", lambda m, x: x[1:3], [_X])
add("getitem_slice_step", lambda m, x: x[::2, 1::3], [_X])
add("getitem_slice_neg_bounds", lambda m, x: x[-3:-1, :-2, -4:], [_X])
add("getitem_slice_past_end", lambda m, x: x[2:100, -100:2], [_X])
add("getitem_slice_empty", lambda m, x: x[3:1], [_X])
add("getitem_slice_step_big", lambda m, x: x[:, ::7, 1::4], [_X])
add("getitem_none", lambda m, x: x[None], [_X])
add("getitem_none_middle", lambda m, x: x[:, None, 1, None], [_X])
add("getitem_ellipsis", lambda m, x: x[..., 1], [_X])
add("getitem_ellipsis_middle", lambda m, x: x[1, ..., 2:4], [_X])
add("getitem_ellipsis_none", lambda m, x: x[..., None, ::2], [_X])
add("getitem_ellipsis_all", lambda m, x: x[...], [_X])
add("getitem_int_slice_mix", lambda m, x: x[-2, 1:4:2, ::-1 if False else 1], [_X])
add("getitem_two_ellipsis", lambda m, x: x[..., 0, ...], [T(3, 5)])
add("getitem_0d_ellipsis", lambda m, x: x[...], [T()])
add("getitem_0d_none", lambda m, x: x[None, None], [T()])
add("getitem_noncontig", lambda m, x: x[1:, ::2], [T(4, 5, layout="transposed")])
add("getitem_f64", lambda m, x: x[:, 2], [T(3, 4, dtype="float64")])
add("getitem_int_dtype", lambda m, x: x[1:, 0], [T(3, 4, dtype="int32", low=-9, high=9)])
add("getitem_chain", lambda m, x: x[1][2:][0], [_X])
add("getitem_true", lambda m, x: x[True], [T(3, 2)])
add("getitem_false", lambda m, x: x[False], [T(3, 2)])

# ------------------------------------------------------------------ __getitem__: advanced keys
add("getitem_int_tensor", lambda m, x: x[L(m, [0, 2, 3])], [_X])
add("getitem_int_tensor_neg", lambda m, x: x[L(m, [-1, 0, -4])], [_X])
add("getitem_int_tensor_dup_grad", lambda m, x: x[L(m, [1, 1, 3, 1])], [T(4, 3)])
add("getitem_int_tensor_2d", lambda m, x: x[L(m, [[0, 1], [3, 2]])], [T(4, 3)])
add("getitem_list", lambda m, x: x[[0, 2]], [_X])
add("getitem_nested_list", lambda m, x: x[[[0, 1], [1, 0]]], [T(3, 4)])
add("getitem_0d_int_tensor", lambda m, x: x[L(m, 2)], [_X])
add("getitem_int32_tensor", lambda m, x: x[m.tensor([1, 0, 1], dtype=m.int32)], [T(3, 4)])
add("getitem_empty_int_tensor", lambda m, x: x[L(m, [])], [_X])
add("getitem_two_tensors", lambda m, x: x[L(m, [0, 1, 3]), L(m, [4, 0, 2])], [_X])
add("getitem_two_tensors_bcast", lambda m, x: x[L(m, [[0], [3]]), L(m, [1, 2, 4])], [_X])
add("getitem_adv_then_slice", lambda m, x: x[L(m, [2, 0]), 1:4], [_X])
add("getitem_slice_then_adv", lambda m, x: x[:, L(m, [4, 0, 1])], [_X])
add("getitem_slice_adv_slice", lambda m, x: x[1:3, [0, 2], ::2], [_X])
add("getitem_adjacent_adv_middle", lambda m, x: x[:, L(m, [0, 1]), L(m, [2, 5])], [_X])
add("getitem_separated_adv_to_front", lambda m, x: x[L(m, [0, 3]), :, L(m, [1, 5])], [_X])
add("getitem_separated_adv_bcast", lambda m, x: x[L(m, [[0], [2]]), 1:3, L(m, [1, 5, 0])], [_X])
add("getitem_int_and_adv_separated", lambda m, x: x[1, :, [0, 2]], [_X])
add("getitem_adv_int_adv", lambda m, x: x[[0, 2], 1, [3, 4]], [_X])
add("getitem_adv_none", lambda m, x: x[None, L(m, [1, 2])], [_X])
add("getitem_adv_ellipsis", lambda m, x: x[..., L(m, [0, 5, 5])], [_X])
add("getitem_ellipsis_adv_int", lambda m, x: x[L(m, [1]), ..., 2], [_X])
# torch selects ints (and 0-d int tensors) first; NumPy would count them as advanced
add("getitem_int_sep_adv_4d", lambda m, x: x[:, [0, 1], 1, [2, 3]], [T(2, 3, 4, 5)])
add("getitem_int_slice_adv_none", lambda m, x: x[None, 1, :, [0, 2]], [_X])
add("getitem_0d_tensor_sep_adv", lambda m, x: x[L(m, 1), :, L(m, [0, 2])], [_X])
add("getitem_true_sep_adv", lambda m, x: x[True, :, [0, 1]], [_X])
add("getitem_list_with_slice", lambda m, x: x[[1, slice(None), [0, 4]]], [_X])
add("getitem_bool_mask_full", lambda m, x: x[x > 0], [T(4, 5)])
add("getitem_bool_mask_rows", lambda m, x: x[B(m, [True, False, True, True])], [_X])
add("getitem_bool_mask_2d_prefix", lambda m, x: x[B(m, [[True, False, False, True, False]] * 2
                                                    + [[False] * 5, [True] * 5])], [_X])
add("getitem_bool_mask_dim1", lambda m, x: x[:, B(m, [False, True, True, False, True])], [_X])
add("getitem_bool_mask_and_int_tensor", lambda m, x: x[B(m, [True, False, True, True]), L(m, [0, 4, 2])],
    [_X])
add("getitem_bool_mask_all_false", lambda m, x: x[B(m, [False] * 4)], [_X])
add("getitem_bool_mask_0d_true", lambda m, x: x[B(m, True)], [T(2, 3)])
add("getitem_uint8_mask", lambda m, x: x[(x > 0).to(m.bool)], [T(3, 3)])
add("getitem_adv_noncontig", lambda m, x: x[[2, 0], 1:], [T(4, 5, layout="transposed")])
add("getitem_adv_int_input", lambda m, x: x[L(m, [1, 1]), :2], [T(3, 3, dtype="int64", low=-5, high=5)])
add("getitem_adv_bool_input", lambda m, x: x[[0, 2]], [T(3, 2, dtype="bool")])
add("getitem_index_tensor_from_argmax_like", lambda m, x: x[m.arange(3), L(m, [2, 0, 1])], [T(3, 4)])
add("getitem_then_math_grad", lambda m, x: (x[1:, L(m, [0, 0, 2])] ** 2).sum(0), [T(3, 4)])

# ------------------------------------------------------------------ __setitem__ (through a clone)
def _set(key_fn, val_fn=None):
    """fn(m, x[, v]): y = x.clone(); y[key] = value; return y."""
    def fn(m, x, *vs):
        y = x.clone()
        y[key_fn(m)] = val_fn(m) if val_fn is not None else vs[0]
        return y
    return fn


add("setitem_int_sep_adv", _set(lambda m: (1, slice(None), L(m, [0, 2]))), [T(3, 4, 5), T(4, 2)])
add("setitem_int_sep_adv_4d_bcast", _set(lambda m: (slice(None), L(m, [0, 1]), 1, L(m, [2, 3]))),
    [T(2, 3, 4, 5), T(2)])
add("setitem_int_scalar", _set(lambda m: 1, lambda m: 5.0), [T(3, 4)])
add("setitem_slice_scalar", _set(lambda m: (slice(1, None),), lambda m: -2.0), [T(3, 4)])
add("setitem_slice_tensor_bcast", _set(lambda m: slice(1, None)), [T(3, 4), T(4)])
add("setitem_slice_tensor_full", _set(lambda m: (slice(None), slice(0, 4, 2))), [T(3, 4), T(3, 2)])
add("setitem_int_tensor_bcast_col", _set(lambda m: (slice(None), 2)), [T(3, 4), T(3)])
add("setitem_ellipsis", _set(lambda m: (Ellipsis, 1)), [T(2, 3, 4), T(2, 3)])
add("setitem_none", _set(lambda m: (None, 0)), [T(3, 4), T(1, 4)])
add("setitem_step_neg_start", _set(lambda m: (slice(-2, None), slice(None, None, 3))),
    [T(4, 5), T(2, 2)])
add("setitem_adv_rows", _set(lambda m: L(m, [0, 2])), [T(3, 4), T(2, 4)])
add("setitem_adv_rows_bcast", _set(lambda m: L(m, [2, 0])), [T(3, 4), T(4)])
add("setitem_adv_pairs", _set(lambda m: (L(m, [0, 1, 2]), L(m, [3, 0, 1]))), [T(3, 4), T(3)])
add("setitem_adv_separated", _set(lambda m: (L(m, [0, 1]), slice(None), L(m, [2, 0]))),
    [T(2, 3, 4), T(2, 3)])
add("setitem_adv_scalar", _set(lambda m: (slice(None), L(m, [1, 3])), lambda m: 0.5), [T(3, 4)])
add("setitem_bool_mask_scalar", lambda m, x: (lambda y: (y.__setitem__(x > 0, 0.0), y)[1])(x.clone()),
    [T(4, 5)])
add("setitem_bool_mask_rows_tensor", _set(lambda m: B(m, [True, False, True])), [T(3, 4), T(4)])
add("setitem_bool_mask_values", _set(lambda m: B(m, [[True, False], [False, True], [True, True]])),
    [T(3, 2), T(4)])
add("setitem_0d_value_tensor", _set(lambda m: (1, slice(1, 3))), [T(3, 4), T()])
add("setitem_int_value_into_float", _set(lambda m: 0, lambda m: 3), [T(2, 3)])
add("setitem_promote_value_dtype", _set(lambda m: slice(0, 1)), [T(2, 3), T(3, dtype="float64")])
add("setitem_view_of_clone", lambda m, x, v: (lambda y: (y[1].__setitem__(slice(0, 2), v), y)[1])(x.clone()),
    [T(3, 4), T(2)])
add("setitem_twice", lambda m, x, v: (lambda y: (y.__setitem__(0, v), y.__setitem__(1, v * 2), y)[2])(
    x.clone()), [T(3, 4), T(4)])
add("setitem_then_use", lambda m, x, v: (lambda y: (y.__setitem__((slice(None), 0), v), (y * x).sum(1))[1])(
    x.clone()), [T(3, 4), T(3)])
add("setitem_no_grad_int", lambda m, x: (lambda y: (y.__setitem__((L(m, [0, 2]), 1), -7), y)[1])(x.clone()),
    [T(3, 3, dtype="int64", low=0, high=9)])
add("setitem_noncontig_leaf_clone", _set(lambda m: (slice(None), 1)), [T(4, 3, layout="transposed"), T(4)])
add("setitem_empty_key", _set(lambda m: L(m, []), lambda m: 9.0), [T(3, 2)])

# ------------------------------------------------------------------ gather / scatter family
add("gather_dim1", lambda m, x: m.gather(x, 1, L(m, [[0, 0, 2], [1, 3, 2], [3, 3, 3]])), [T(3, 4)])
add("gather_dim0", lambda m, x: m.gather(x, 0, L(m, [[2, 0, 1, 1], [0, 0, 2, 1]])), [T(3, 4)])
add("gather_smaller_index", lambda m, x: m.gather(x, 1, L(m, [[3], [0]])), [T(3, 4)])
add("gather_neg_dim_3d", lambda m, x: x.gather(-1, L(m, [[[1, 0]], [[2, 2]]])), [T(2, 3, 3)])
add("gather_3d_dim1", lambda m, x: m.gather(x, 1, L(m, [[[0, 1], [2, 0]], [[1, 1], [0, 2]]])), [T(2, 3, 2)])
add("gather_int32_index", lambda m, x: m.gather(x, 1, m.tensor([[1, 0], [2, 2]], dtype=m.int32)), [T(2, 3)])
add("gather_int_input", lambda m, x: m.gather(x, 0, L(m, [[1, 0, 1]])), [T(2, 3, dtype="int64", low=0, high=9)])
add("gather_empty_index", lambda m, x: m.gather(x, 1, m.zeros(3, 0, dtype=m.int64)), [T(3, 4)])
add("gather_noncontig", lambda m, x: m.gather(x, 0, L(m, [[1, 0, 3], [2, 2, 0]])), [T(4, 3, layout="transposed")])
add("gather_1d", lambda m, x: m.gather(x, 0, L(m, [4, 0, 0, 2])), [T(5)])
add("gather_double_backward",
    lambda m, x: m.autograd.grad((m.gather(x, 1, L(m, [[0, 0], [1, 2]])) ** 2).sum(), x,
                                 create_graph=True)[0], [T(2, 3)])

add("scatter_src", lambda m, x, s: m.scatter(x, 1, L(m, [[2, 0], [1, 3], [0, 1]]), s), [T(3, 4), T(3, 2)])
add("scatter_src_dim0", lambda m, x, s: x.scatter(0, L(m, [[1, 0, 2, 1]]), s), [T(3, 4), T(1, 4)])
add("scatter_value", lambda m, x: m.scatter(x, 1, L(m, [[2], [0], [3]]), 1.5), [T(3, 4)])
add("scatter_value_kw", lambda m, x: m.scatter(x, 0, L(m, [[1, 2]]), value=-1.0), [T(3, 4)])
add("scatter_src_larger", lambda m, x, s: m.scatter(x, 1, L(m, [[1], [2]]), s), [T(2, 3), T(2, 3)], grad=False)
add("scatter_3d", lambda m, x, s: m.scatter(x, 2, L(m, [[[0, 2]], [[1, 0]]]), s), [T(2, 2, 3), T(2, 1, 2)])
add("scatter_int", lambda m, x: m.scatter(x, 1, L(m, [[0], [2]]), 7), [T(2, 3, dtype="int64", low=0, high=5)])
add("scatter_reduce_add_legacy", lambda m, x, s: m.scatter(x, 1, L(m, [[0, 0], [2, 1]]), s, reduce="add"),
    [T(2, 3, grad=False), T(2, 2, grad=False)], grad=False)
add("scatter_reduce_multiply_legacy",
    lambda m, x, s: x.scatter(0, L(m, [[1, 1, 0]]), s, reduce="multiply"),
    [T(2, 3, grad=False), T(1, 3, grad=False)], grad=False)
add("scatter_inplace", lambda m, x, s: x.clone().scatter_(1, L(m, [[1], [0]]), s), [T(2, 3), T(2, 1)])
add("scatter_inplace_value", lambda m, x: x.clone().scatter_(0, L(m, [[0, 1, 0]]), 2.0), [T(2, 3)])

add("scatter_add", lambda m, x, s: m.scatter_add(x, 1, L(m, [[0, 0, 2], [1, 1, 1]]), s), [T(2, 3), T(2, 3)])
add("scatter_add_dim0_dups", lambda m, x, s: x.scatter_add(0, L(m, [[1, 1, 0], [1, 0, 0], [2, 2, 2]]), s),
    [T(3, 3), T(3, 3)])
add("scatter_add_src_larger", lambda m, x, s: m.scatter_add(x, 0, L(m, [[1, 0]]), s), [T(2, 3), T(2, 3)],
    grad=False)
add("scatter_add_int", lambda m, x, s: m.scatter_add(x, 0, L(m, [0, 0, 2, 1]), s),
    [T(3, dtype="int64", low=0, high=5), T(4, dtype="int64", low=0, high=5)])
add("scatter_add_inplace", lambda m, x, s: x.clone().scatter_add_(1, L(m, [[0, 0], [2, 2]]), s),
    [T(2, 3), T(2, 2)])
add("scatter_add_3d", lambda m, x, s: m.scatter_add(x, 1, L(m, [[[0, 1], [0, 0], [2, 1]]]), s),
    [T(1, 3, 2), T(1, 3, 2)])

_SR_IDX = [[0, 0, 2, 2], [1, 3, 1, 3]]
for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        add(f"scatter_reduce_{_red}_{'self' if _inc else 'noself'}",
            lambda m, x, s, r=_red, i=_inc: m.scatter_reduce(x, 1, L(m, _SR_IDX), s, r, include_self=i),
            [T(2, 5, low=0.5, high=2.0, distinct=True), T(2, 4, low=0.5, high=2.0, distinct=True)])
add("scatter_reduce_amax_ties", lambda m, x, s: m.scatter_reduce(x, 0, L(m, [0, 0, 1, 1]), s, "amax"),
    [T(3, values=[1.0, 2.0, 0.0]), T(4, values=[1.0, 0.5, 2.0, 2.0])])
add("scatter_reduce_prod_zero", lambda m, x, s: m.scatter_reduce(x, 0, L(m, [0, 0, 1, 2]), s, "prod"),
    [T(3, values=[1.5, 2.0, 0.0]), T(4, values=[0.0, 3.0, 2.0, 4.0])])
add("scatter_reduce_mean_int", lambda m, x, s: m.scatter_reduce(x, 0, L(m, [0, 0, 1, 1, 1]), s, "mean"),
    [T(3, values=[1, 2, 3], dtype="int64"), T(5, values=[-4, -5, 6, 7, -1], dtype="int64")])
add("scatter_reduce_amin_int_noself",
    lambda m, x, s: m.scatter_reduce(x, 0, L(m, [2, 0, 2]), s, "amin", include_self=False),
    [T(4, dtype="int32", low=-9, high=9), T(3, dtype="int32", low=-9, high=9)])
add("scatter_reduce_max_alias", lambda m, x, s: m.scatter_reduce(x, 0, L(m, [1, 1, 0]), s, "max"),
    [T(3, distinct=True), T(3, distinct=True)], grad=False)  # torch has no derivative for "max"
add("scatter_reduce_method_dim0", lambda m, x, s: x.scatter_reduce(0, L(m, [[1, 0], [1, 1]]), s, "sum"),
    [T(2, 2), T(2, 2)])
add("scatter_reduce_inplace", lambda m, x, s: x.clone().scatter_reduce_(1, L(m, _SR_IDX), s, "amax"),
    [T(2, 5, distinct=True), T(2, 4, distinct=True)])

add("take_along_dim", lambda m, x: m.take_along_dim(x, L(m, [[0, 3], [2, 2], [1, 0]]), dim=1), [T(3, 4)])
add("take_along_dim_none", lambda m, x: m.take_along_dim(x, L(m, [[0, 11], [5, 5]])), [T(3, 4)])
add("take_along_dim_bcast_index", lambda m, x: m.take_along_dim(x, L(m, [[2, 0]]), dim=1), [T(3, 4)])
add("take_along_dim_bcast_input", lambda m, x: x.take_along_dim(L(m, [[[1], [0]], [[2], [2]]]), 2),
    [T(1, 2, 3)])
add("take_along_dim_neg_dim", lambda m, x: m.take_along_dim(x, L(m, [[1, 0, 1]]), dim=-2), [T(2, 3)])

# ------------------------------------------------------------------ index_* ops
add("index_select_dim0", lambda m, x: m.index_select(x, 0, L(m, [2, 0, 2])), [T(3, 4)])
add("index_select_dim1", lambda m, x: x.index_select(1, L(m, [3, 1])), [T(2, 4, 2)])
add("index_select_neg_dim", lambda m, x: m.index_select(x, -1, L(m, [0, 0, 1])), [T(3, 2)])
add("index_select_empty", lambda m, x: m.index_select(x, 0, L(m, [])), [T(3, 2)])
add("index_select_0d_index", lambda m, x: m.index_select(x, 0, L(m, 1)), [T(3, 2)])
add("index_select_int32", lambda m, x: m.index_select(x, 1, m.tensor([1, 0], dtype=m.int32)), [T(2, 3)])
add("index_select_noncontig", lambda m, x: m.index_select(x, 0, L(m, [3, 1])), [T(4, 3, layout="transposed")])
add("index_add", lambda m, x, s: m.index_add(x, 0, L(m, [0, 2, 0]), s), [T(3, 4), T(3, 4)])
add("index_add_alpha_dim1", lambda m, x, s: x.index_add(1, L(m, [3, 0]), s, alpha=-2.0), [T(2, 4), T(2, 2)])
add("index_add_inplace", lambda m, x, s: x.clone().index_add_(0, L(m, [1, 1]), s), [T(3, 2), T(2, 2)])
add("index_copy", lambda m, x, s: m.index_copy(x, 0, L(m, [2, 0]), s), [T(3, 4), T(2, 4)])
add("index_copy_dim1", lambda m, x, s: x.index_copy(1, L(m, [1]), s), [T(2, 3), T(2, 1)])
add("index_copy_inplace", lambda m, x, s: x.clone().index_copy_(1, L(m, [2, 0]), s), [T(2, 3), T(2, 2)])
add("index_fill", lambda m, x: m.index_fill(x, 1, L(m, [0, 2]), -1.0), [T(3, 4)])
add("index_fill_neg_index", lambda m, x: x.index_fill(0, L(m, [-1]), 2.5), [T(3, 4)])
add("index_fill_tensor_value", lambda m, x, v: m.index_fill(x, 0, L(m, [1]), v), [T(3, 2), T()])
add("index_fill_inplace", lambda m, x: x.clone().index_fill_(1, L(m, [1]), 0.0), [T(2, 3)])

add("index_put", lambda m, x, v: m.index_put(x, (L(m, [0, 2]), L(m, [1, 1])), v), [T(3, 4), T(2)])
add("index_put_accumulate_dups", lambda m, x, v: x.index_put((L(m, [0, 0, 2, 0]),), v, accumulate=True),
    [T(3, 4), T(4, 4)])
add("index_put_accumulate_bcast", lambda m, x, v: m.index_put(x, (L(m, [1, 1]), L(m, [0, 0])), v, True),
    [T(2, 3), T()])
add("index_put_bool_mask", lambda m, x, v: x.index_put((x > 0,), v), [T(3, 3), T()])
add("index_put_inplace_clone", lambda m, x, v: x.clone().index_put_((L(m, [2, 1]),), v, accumulate=True),
    [T(3, 2), T(2, 2)])
add("gather_0d", lambda m, x: m.gather(x, 0, L(m, 0)), [T()])
add("scatter_0d", lambda m, x, s: m.scatter(x, 0, L(m, 0), s), [T(), T()])

# ------------------------------------------------------------------ masked_* / take / nonzero
add("masked_fill", lambda m, x: m.masked_fill(x, x > 0.5, 0.0), [T(3, 4)])
add("masked_fill_bcast_mask", lambda m, x: x.masked_fill(B(m, [True, False, True, False]), -3.0), [T(3, 4)])
add("masked_fill_tensor_value", lambda m, x, v: m.masked_fill(x, B(m, [[True], [False]]), v), [T(2, 3), T()])
add("masked_fill_int", lambda m, x: x.masked_fill(x < 0, 0), [T(2, 5, dtype="int64", low=-5, high=5)])
add("masked_fill_inplace", lambda m, x: x.clone().masked_fill_(x < 0, 1.0), [T(3, 3)])
add("masked_select", lambda m, x: m.masked_select(x, x > 0), [T(3, 4)])
add("masked_select_bcast", lambda m, x: x.masked_select(B(m, [False, True, True])), [T(2, 3)])
add("masked_select_bcast_input", lambda m, x: m.masked_select(x, B(m, [[True, False], [True, True]])), [T(2)])
add("masked_scatter", lambda m, x, s: m.masked_scatter(x, x > 0, s), [T(3, 4), T(12)])
add("masked_scatter_bcast", lambda m, x, s: x.masked_scatter(B(m, [True, False, True]), s), [T(2, 3), T(2, 4)])
add("masked_scatter_inplace", lambda m, x, s: x.clone().masked_scatter_(B(m, [[False, True], [True, True]]), s),
    [T(2, 2), T(5)])
add("take", lambda m, x: m.take(x, L(m, [[0, 5], [11, 3]])), [T(3, 4)])
add("take_neg", lambda m, x: x.take(L(m, [-1, 0, -12])), [T(3, 4)])
add("take_noncontig", lambda m, x: m.take(x, L(m, [1, 2, 7])), [T(3, 4, layout="transposed")])
add("nonzero", lambda m, x: m.nonzero(x), [T(3, 4, dtype="int64", low=0, high=2)])
add("nonzero_as_tuple", lambda m, x: m.nonzero(x, as_tuple=True), [T(2, 3, 2, dtype="int64", low=0, high=2)])
add("nonzero_float_bool", lambda m, x: (x > 0).nonzero(), [T(4, 3)])
add("nonzero_1d_as_tuple", lambda m, x: x.nonzero(as_tuple=True), [T(6, dtype="bool")])
add("nonzero_empty_result", lambda m, x: m.nonzero(x * 0), [T(2, 3)])
add("nonzero_0d", lambda m, x: (m.nonzero(x + 1), m.nonzero(x * 0), m.nonzero(x + 1, as_tuple=True)),
    [T(dtype="int64", low=0, high=3)])
add("argwhere", lambda m, x: m.argwhere(x), [T(3, 3, dtype="int32", low=0, high=1)])
add("count_nonzero", lambda m, x: m.count_nonzero(x, dim=1), [T(3, 4, dtype="int64", low=0, high=2)])
add("nonzero_index_roundtrip", lambda m, x: x[tuple(m.nonzero(x > 0, as_tuple=True))], [T(3, 4)])
