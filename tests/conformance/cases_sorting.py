"""Sorting, selection and set ops: sort, argsort, msort, topk, kthvalue,
unique, unique_consecutive, searchsorted, bucketize.  Values are distinct
where ties would make the indices ambiguous; the tie cases use stable=True."""
from .harness import Case, T

CASES = []


def add(name, fn, inputs, **kw):
    CASES.append(Case(name, fn, inputs, **kw))


def D(*shape, **kw):
    """A tensor of distinct values (no ties)."""
    kw.setdefault("distinct", True)
    return T(*shape, **kw)


_NAN = float("nan")
_TIES = [3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 0.5]
_TIES_2D = [[2.0, 1.0, 2.0, 1.0], [0.0, 0.0, 5.0, 0.0], [1.0, 1.0, 1.0, 1.0]]

# ------------------------------------------------------------------ sort
add("sort_1d", lambda m, x: m.sort(x), [D(7)])
add("sort_2d_lastdim", lambda m, x: m.sort(x), [D(3, 5)])
add("sort_2d_dim0", lambda m, x: m.sort(x, dim=0), [D(4, 3)])
add("sort_3d_dim1_desc", lambda m, x: m.sort(x, 1, True), [D(2, 4, 3)])
add("sort_neg_dim_desc", lambda m, x: m.sort(x, dim=-2, descending=True), [D(3, 4, 2)])
add("sort_method", lambda m, x: x.sort(dim=0, descending=True), [D(5, 2)])
add("sort_noncontig", lambda m, x: m.sort(x, dim=1), [D(4, 5, layout="transposed")])
add("sort_f64", lambda m, x: m.sort(x, descending=True), [D(3, 6, dtype="float64")])
add("sort_f16", lambda m, x: m.sort(x), [D(9, dtype="float16")], atol=1e-2)
add("sort_int64", lambda m, x: m.sort(x, dim=0), [D(5, 3, dtype="int64", low=-50, high=50)])
add("sort_int32_desc", lambda m, x: m.sort(x, descending=True), [D(3, 5, dtype="int32", low=-50, high=50)])
add("sort_uint8_desc", lambda m, x: m.sort(x, descending=True),
    [D(10, dtype="uint8", low=0, high=255)])
add("sort_int16_desc_stable", lambda m, x: m.sort(x, descending=True, stable=True),
    [T(12, dtype="int16", low=-3, high=3)])
add("sort_bool_stable", lambda m, x: m.sort(x, stable=True), [T(10, dtype="bool")])
add("sort_bool_desc_stable", lambda m, x: m.sort(x, descending=True, stable=True),
    [T(3, 5, dtype="bool")])
add("sort_0d", lambda m, x: m.sort(x), [T()])
add("sort_empty", lambda m, x: m.sort(x, dim=0), [T(0, 3)])
add("sort_empty_lastdim", lambda m, x: m.sort(x), [T(3, 0)])
add("sort_stable_ties", lambda m, x: m.sort(x, stable=True), [T(8, values=_TIES)])
add("sort_stable_ties_desc", lambda m, x: m.sort(x, descending=True, stable=True),
    [T(8, values=_TIES)])
add("sort_stable_ties_2d_dim0", lambda m, x: m.sort(x, dim=0, stable=True), [T(3, 4, values=_TIES_2D)])
add("sort_stable_ties_2d_desc", lambda m, x: m.sort(x, dim=1, descending=True, stable=True),
    [T(3, 4, values=_TIES_2D)])
add("sort_stable_kwonly_first", lambda m, x: m.sort(x, stable=True, dim=0, descending=True),
    [T(3, 4, values=_TIES_2D)])
add("sort_nan", lambda m, x: m.sort(x), [T(6, values=[1.0, _NAN, -2.0, 0.5, _NAN, 3.0])])
add("sort_nan_desc", lambda m, x: m.sort(x, descending=True),
    [T(6, values=[1.0, _NAN, -2.0, 0.5, 4.0, 3.0])])
add("sort_inf", lambda m, x: m.sort(x), [T(5, values=[1.0, float("inf"), -2.0, float("-inf"), 3.0])])
add("sort_values_field", lambda m, x: m.sort(x, dim=0).values * 2, [D(4, 3)])
add("sort_indices_field", lambda m, x: m.sort(x, descending=True).indices, [D(4, 3)])
add("sort_unpack_chain", lambda m, x: (lambda v, i: (v.exp() * i).sum(1))(*m.sort(x, dim=1)), [D(3, 4)])
add("sort_double_backward",
    lambda m, x: m.autograd.grad((m.sort(x, 1).values ** 3).sum(), x, create_graph=True)[0],
    [D(2, 4)])
add("sort_expanded", lambda m, x: m.sort(x, dim=0), [D(4, 3, layout="expanded")])

# ------------------------------------------------------------------ argsort / msort
add("argsort_1d", lambda m, x: m.argsort(x), [D(9)])
add("argsort_2d_dim0_desc", lambda m, x: m.argsort(x, dim=0, descending=True), [D(4, 5)])
add("argsort_method", lambda m, x: x.argsort(1), [D(3, 4, dtype="int64", low=-20, high=20)])
add("argsort_stable_ties", lambda m, x: m.argsort(x, stable=True), [T(8, values=_TIES)])
add("argsort_stable_ties_desc", lambda m, x: m.argsort(x, dim=-1, descending=True, stable=True),
    [T(3, 4, values=_TIES_2D)])
add("argsort_uint8_desc_stable", lambda m, x: m.argsort(x, descending=True, stable=True),
    [T(14, dtype="uint8", low=0, high=4)])
add("argsort_0d", lambda m, x: m.argsort(x), [T()])
add("argsort_take_along", lambda m, x: m.take_along_dim(x, m.argsort(x, 1), 1), [D(3, 5)])
add("msort", lambda m, x: m.msort(x), [D(5, 3)])
add("msort_method_int", lambda m, x: x.msort(), [D(4, 2, dtype="int32", low=-9, high=9)])

# ------------------------------------------------------------------ topk
add("topk_1d", lambda m, x: m.topk(x, 3), [D(8)])
add("topk_2d", lambda m, x: m.topk(x, 2), [D(3, 6)])
add("topk_smallest", lambda m, x: m.topk(x, 3, largest=False), [D(4, 5)])
add("topk_dim0", lambda m, x: m.topk(x, 2, dim=0), [D(5, 3)])
add("topk_3d_mid", lambda m, x: m.topk(x, 2, 1, False), [D(2, 4, 3)])
add("topk_k_all", lambda m, x: m.topk(x, 5), [D(2, 5)])
add("topk_k0", lambda m, x: m.topk(x, 0), [D(2, 5)])
add("topk_k1_method", lambda m, x: x.topk(1, dim=-1), [D(4, 3, dtype="float64")])
add("topk_int", lambda m, x: m.topk(x, 3), [D(2, 7, dtype="int64", low=-30, high=30)])
add("topk_uint8", lambda m, x: m.topk(x, 4), [D(9, dtype="uint8", low=0, high=200)])
add("topk_uint8_smallest", lambda m, x: m.topk(x, 4, largest=False), [D(9, dtype="uint8", low=0, high=200)])
add("topk_unsorted_resorted", lambda m, x: m.sort(m.topk(x, 3, sorted=False).values).values, [D(2, 6)])
add("topk_noncontig", lambda m, x: m.topk(x, 2, dim=0), [D(4, 5, layout="transposed")])
add("topk_0d", lambda m, x: m.topk(x, 1), [T()])
add("topk_nan_largest", lambda m, x: m.topk(x, 2), [T(5, values=[1.0, _NAN, -2.0, 0.5, 3.0])])
add("topk_values_sum_bwd", lambda m, x: m.topk(x, 3, dim=1).values.sum(1), [D(3, 6)])
add("topk_double_backward",
    lambda m, x: m.autograd.grad((m.topk(x, 2).values.sin()).sum(), x, create_graph=True)[0],
    [D(3, 4)])

# ------------------------------------------------------------------ kthvalue
add("kthvalue_1d", lambda m, x: m.kthvalue(x, 3), [D(7)])
add("kthvalue_2d", lambda m, x: m.kthvalue(x, 2), [D(3, 5)])
add("kthvalue_dim0_keepdim", lambda m, x: m.kthvalue(x, 4, 0, True), [D(5, 3)])
add("kthvalue_k1", lambda m, x: m.kthvalue(x, 1, dim=1), [D(3, 4)])
add("kthvalue_kn", lambda m, x: m.kthvalue(x, 4, dim=-1, keepdim=True), [D(2, 3, 4)])
add("kthvalue_method_int", lambda m, x: x.kthvalue(2, 0), [D(4, 3, dtype="int32", low=-20, high=20)])
add("kthvalue_f64_noncontig", lambda m, x: m.kthvalue(x, 2, dim=0),
    [D(3, 4, dtype="float64", layout="transposed")])
add("kthvalue_0d", lambda m, x: m.kthvalue(x, 1), [T()])
add("kthvalue_fields", lambda m, x: (lambda r: (r.values, r.indices))(m.kthvalue(x, 2, 1)), [D(3, 4)])

# ------------------------------------------------------------------ unique / unique_consecutive
_U = dict(grad=False, dtype="int64", low=-3, high=3)
add("unique_1d", lambda m, x: m.unique(x), [T(12, **_U)], grad=False)
add("unique_2d_flat", lambda m, x: m.unique(x), [T(3, 5, **_U)], grad=False)
add("unique_inverse", lambda m, x: m.unique(x, return_inverse=True), [T(3, 4, **_U)], grad=False)
add("unique_counts", lambda m, x: m.unique(x, return_counts=True), [T(15, **_U)], grad=False)
add("unique_all", lambda m, x: m.unique(x, sorted=True, return_inverse=True, return_counts=True),
    [T(2, 3, 4, **_U)], grad=False)
add("unique_unsorted_flag", lambda m, x: m.unique(x, sorted=False), [T(10, **_U)], grad=False)
add("unique_float", lambda m, x: m.unique(x, return_counts=True),
    [T(9, values=[1.5, -2.0, 1.5, 0.0, 3.25, -2.0, 0.0, 0.0, 7.0], grad=False)], grad=False)
add("unique_bool", lambda m, x: m.unique(x, return_inverse=True), [T(6, dtype="bool")], grad=False)
add("unique_method", lambda m, x: x.unique(return_inverse=True, return_counts=True),
    [T(4, 3, **_U)], grad=False)
add("unique_empty", lambda m, x: m.unique(x, return_inverse=True, return_counts=True),
    [T(0, **_U)], grad=False)
add("unique_0d", lambda m, x: m.unique(x, return_inverse=True), [T(**_U)], grad=False)
add("unique_dim0", lambda m, x: m.unique(x, dim=0, return_inverse=True, return_counts=True),
    [T(5, 2, values=[[1, 2], [0, 5], [1, 2], [0, 4], [0, 5]], dtype="int64", grad=False)], grad=False)
add("unique_dim1", lambda m, x: m.unique(x, dim=1, return_inverse=True, return_counts=True),
    [T(2, 5, values=[[1, 0, 1, 2, 0], [3, 2, 3, 0, 2]], dtype="int64", grad=False)], grad=False)
add("unique_dim0_3d", lambda m, x: m.unique(x, dim=0),
    [T(4, 2, 2, values=[[[1, 2], [3, 4]], [[0, 0], [0, 1]], [[1, 2], [3, 4]], [[0, 0], [0, 0]]],
       dtype="int64", grad=False)], grad=False)
add("unique_dim_neg_float", lambda m, x: m.unique(x, dim=-1, return_counts=True),
    [T(2, 4, values=[[1.5, 0.5, 1.5, 0.5], [2.0, 1.0, 2.0, 3.0]], grad=False)], grad=False)
add("unique_consecutive_1d", lambda m, x: m.unique_consecutive(x),
    [T(10, values=[1, 1, 2, 2, 3, 1, 1, 2, 2, 2], dtype="int64", grad=False)], grad=False)
add("unique_consecutive_all", lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
    [T(2, 5, values=[[1, 1, 2, 2, 3], [3, 1, 1, 2, 2]], dtype="int64", grad=False)], grad=False)
add("unique_consecutive_random", lambda m, x: x.unique_consecutive(return_counts=True),
    [T(20, dtype="int64", low=0, high=1, grad=False)], grad=False)
add("unique_consecutive_dim0", lambda m, x: m.unique_consecutive(x, return_inverse=True,
                                                                  return_counts=True, dim=0),
    [T(5, 2, values=[[1, 2], [1, 2], [0, 5], [1, 2], [1, 2]], dtype="int64", grad=False)], grad=False)
add("unique_consecutive_dim1", lambda m, x: m.unique_consecutive(x, dim=1),
    [T(2, 4, values=[[1, 1, 2, 1], [0, 0, 0, 0]], dtype="int64", grad=False)], grad=False)

# ------------------------------------------------------------------ searchsorted / bucketize
_SEQ = [-1.5, -0.5, 0.0, 0.5, 1.0, 1.0, 2.0]
add("searchsorted_1d", lambda m, s, v: m.searchsorted(s, v), [T(7, values=_SEQ), T(3, 4)], grad=False)
add("searchsorted_right", lambda m, s, v: m.searchsorted(s, v, right=True),
    [T(7, values=_SEQ), T(6, values=[-2.0, -0.5, 1.0, 1.5, 2.0, 3.0])], grad=False)
add("searchsorted_left_ties", lambda m, s, v: m.searchsorted(s, v),
    [T(7, values=_SEQ), T(6, values=[-2.0, -0.5, 1.0, 1.5, 2.0, 3.0])], grad=False)
add("searchsorted_side_right", lambda m, s, v: m.searchsorted(s, v, side="right"),
    [T(7, values=_SEQ), T(5, values=[-0.5, 0.0, 1.0, 2.0, 0.25])], grad=False)
add("searchsorted_side_left_right_false", lambda m, s, v: m.searchsorted(s, v, side="left", right=False),
    [T(7, values=_SEQ), T(5, values=[-0.5, 0.0, 1.0, 2.0, 0.25])], grad=False)
add("searchsorted_nd", lambda m, s, v: m.searchsorted(s, v),
    [T(2, 4, values=[[0.0, 1.0, 2.0, 3.0], [-3.0, -1.0, 1.0, 3.0]]),
     T(2, 3, values=[[1.0, 2.5, -1.0], [0.0, 3.0, 5.0]])], grad=False)
add("searchsorted_nd_right", lambda m, s, v: m.searchsorted(s, v, right=True),
    [T(2, 2, 4, values=[[[0, 1, 1, 3], [0, 0, 2, 2]], [[-3, -1, 1, 3], [5, 6, 7, 8]]], dtype="int64"),
     T(2, 2, 2, values=[[[1, 3], [0, 2]], [[1, 9], [5, 4]]], dtype="int64")], grad=False)
add("searchsorted_sorter", lambda m, s, v: m.searchsorted(s, v, sorter=m.argsort(s)),
    [T(6, values=[3.0, 1.0, 2.0, 0.0, 5.0, 4.0]), T(4, values=[2.5, 0.0, 6.0, -1.0])], grad=False)
add("searchsorted_sorter_right", lambda m, s, v: m.searchsorted(s, v, right=True, sorter=m.argsort(s)),
    [T(6, values=[3.0, 1.0, 2.0, 0.0, 5.0, 4.0]), T(4, values=[2.0, 0.0, 5.0, 4.5])], grad=False)
add("searchsorted_scalar", lambda m, s: m.searchsorted(s, 0.75), [T(7, values=_SEQ)], grad=False)
add("searchsorted_out_int32", lambda m, s, v: m.searchsorted(s, v, out_int32=True),
    [T(7, values=_SEQ), T(2, 3)], grad=False)
add("searchsorted_int_seq_float_vals", lambda m, s, v: m.searchsorted(s, v),
    [T(5, values=[0, 2, 4, 6, 8], dtype="int64"), T(4, values=[3.5, -1.0, 8.0, 9.5])], grad=False)
add("searchsorted_empty_values", lambda m, s, v: m.searchsorted(s, v), [T(7, values=_SEQ), T(0)],
    grad=False)
add("bucketize", lambda m, x, b: m.bucketize(x, b), [T(3, 4), T(4, values=[-1.0, 0.0, 0.5, 1.5])],
    grad=False)
add("bucketize_right", lambda m, x, b: m.bucketize(x, b, right=True),
    [T(5, values=[-1.0, 0.0, 0.25, 0.5, 3.0]), T(4, values=[-1.0, 0.0, 0.5, 1.5])], grad=False)
add("bucketize_out_int32_int", lambda m, x, b: m.bucketize(x, b, out_int32=True),
    [T(2, 5, dtype="int64", low=-5, high=15), T(3, values=[0, 5, 10], dtype="int64")], grad=False)
add("bucketize_scalar", lambda m, b: m.bucketize(0.5, b), [T(4, values=[-1.0, 0.0, 0.5, 1.5])],
    grad=False)
