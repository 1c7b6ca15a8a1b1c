"""Matrix products and friends: matmul in every rank combination, mm/bmm/mv/dot,
einsum in each of its forms, tensordot, outer/inner/vdot, the add* family,
kron, cross, trace, diag/diag_embed/diagflat, diagonal gradients,
tril/triu_indices, cdist -- values, dtype, shape and gradients (second order
where the case says so)."""
from .harness import Case, T

CASES = []


def C(name, fn, inputs, **kw):
    CASES.append(Case(f"linalg_{name}", fn, inputs, **kw))


def _double(op):
    """fn computing d(sum(op(...)**2))/d(inputs) with create_graph, so the
    harness's gradient is a second derivative."""
    def fn(m, *xs):
        y = op(m, *xs)
        gs = m.autograd.grad((y * y).sum(), xs, create_graph=True)
        return list(gs)
    return fn


# ------------------------------------------------------------------ matmul, every rank combination
C("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [T(4), T(4)])
C("matmul_1d_2d", lambda m, a, b: m.matmul(a, b), [T(3), T(3, 4)])
C("matmul_2d_1d", lambda m, a, b: m.matmul(a, b), [T(2, 3), T(3)])
C("matmul_2d_2d", lambda m, a, b: m.matmul(a, b), [T(2, 3), T(3, 4)])
C("matmul_1d_3d", lambda m, a, b: m.matmul(a, b), [T(3), T(2, 3, 4)])
C("matmul_3d_1d", lambda m, a, b: m.matmul(a, b), [T(2, 4, 3), T(3)])
C("matmul_1d_4d", lambda m, a, b: m.matmul(a, b), [T(3), T(2, 2, 3, 2)])
C("matmul_3d_2d", lambda m, a, b: m.matmul(a, b), [T(2, 3, 4), T(4, 5)])
C("matmul_2d_4d", lambda m, a, b: m.matmul(a, b), [T(3, 4), T(2, 2, 4, 5)])
C("matmul_3d_3d", lambda m, a, b: m.matmul(a, b), [T(2, 3, 4), T(2, 4, 2)])
C("matmul_batch_bcast", lambda m, a, b: m.matmul(a, b), [T(2, 1, 3, 4), T(5, 4, 2)])
C("matmul_batch_bcast_both", lambda m, a, b: m.matmul(a, b), [T(3, 1, 2, 3), T(1, 4, 3, 2)])
C("matmul_transposed", lambda m, a, b: m.matmul(a, b),
  [T(3, 4, layout="transposed"), T(4, 5, layout="transposed")])
C("matmul_f64_transposed_batch", lambda m, a, b: m.matmul(a, b),
  [T(2, 3, 4, dtype="float64", layout="transposed"), T(2, 4, 3, dtype="float64")])
C("matmul_expanded", lambda m, a, b: m.matmul(a, b), [T(3, 2, 4, layout="expanded"), T(4, 2)])
C("matmul_f64_1d_nd", lambda m, a, b: m.matmul(a, b), [T(4, dtype="float64"), T(3, 4, 2, dtype="float64")])
C("matmul_empty_k", lambda m, a, b: m.matmul(a, b), [T(2, 0), T(0, 3)])
C("matmul_empty_rows", lambda m, a, b: m.matmul(a, b), [T(0, 3), T(3, 4)])
C("matmul_empty_batch", lambda m, a, b: m.matmul(a, b), [T(0, 2, 3), T(3, 4)])
C("matmul_empty_1d", lambda m, a, b: m.matmul(a, b), [T(0), T(0)])
C("matmul_operator", lambda m, a, b: a @ b, [T(2, 3), T(3, 2)])
C("matmul_method", lambda m, a, b: a.matmul(b), [T(4, 3), T(3)])
C("matmul_int64", lambda m, a, b: m.matmul(a, b),
  [T(2, 3, dtype="int64", low=-4, high=4), T(3, 2, dtype="int64", low=-4, high=4)], grad=False)
C("matmul_int32_batch", lambda m, a, b: m.matmul(a, b),
  [T(2, 2, 3, dtype="int32", low=-4, high=4), T(3, 2, dtype="int32", low=-4, high=4)], grad=False)
C("matmul_complex", lambda m, a, b: m.matmul(a, b), [T(2, 3, dtype="complex64"), T(3, 2, dtype="complex64")])
C("matmul_complex_1d_2d", lambda m, a, b: m.matmul(a, b), [T(3, dtype="complex128"), T(3, 2, dtype="complex128")])
C("matmul_double_backward", _double(lambda m, a, b: m.matmul(a, b)), [T(2, 3), T(3, 4)])
C("matmul_double_backward_1d", _double(lambda m, a, b: m.matmul(a, b)), [T(3), T(2, 3, 4)])
C("mm", lambda m, a, b: m.mm(a, b), [T(3, 2), T(2, 4)])
C("mm_f64_transposed", lambda m, a, b: a.mm(b), [T(3, 2, dtype="float64", layout="transposed"), T(2, 4, dtype="float64")])
C("bmm", lambda m, a, b: m.bmm(a, b), [T(2, 3, 4), T(2, 4, 2)])
C("bmm_transposed", lambda m, a, b: a.bmm(b), [T(2, 3, 4, layout="transposed"), T(2, 4, 2, layout="transposed")])
C("mv", lambda m, a, v: m.mv(a, v), [T(3, 4), T(4)])
C("mv_transposed", lambda m, a, v: a.mv(v), [T(3, 4, layout="transposed"), T(4)])
C("dot", lambda m, a, b: m.dot(a, b), [T(5), T(5)])
C("dot_f64", lambda m, a, b: a.dot(b), [T(5, dtype="float64"), T(5, dtype="float64")])
C("dot_int", lambda m, a, b: m.dot(a, b), [T(4, dtype="int64", low=-3, high=3), T(4, dtype="int64", low=-3, high=3)],
  grad=False)
C("vdot_real", lambda m, a, b: m.vdot(a, b), [T(4), T(4)])
C("vdot_complex", lambda m, a, b: m.vdot(a, b), [T(4, dtype="complex128"), T(4, dtype="complex128")])

# ------------------------------------------------------------------ einsum
C("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [T(2, 3), T(3, 4)])
C("einsum_implicit_mm", lambda m, a, b: m.einsum("ij,jk", a, b), [T(2, 3), T(3, 4)])
C("einsum_diag", lambda m, a: m.einsum("ii->i", a), [T(3, 3)])
C("einsum_trace_implicit", lambda m, a: m.einsum("ii", a), [T(4, 4)])
C("einsum_ellipsis_bmm", lambda m, a, b: m.einsum("...ij,...jk", a, b), [T(2, 1, 3, 4), T(5, 4, 2)])
C("einsum_ellipsis_explicit", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), [T(2, 3, 4), T(4, 2)])
C("einsum_bmm", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [T(2, 3, 4), T(2, 4, 5)])
C("einsum_dot", lambda m, a, b: m.einsum("i,i->", a, b), [T(5), T(5)])
C("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [T(3), T(4)])
C("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [T(2, 3)])
C("einsum_sum_all", lambda m, a: m.einsum("ij->", a), [T(2, 3)])
C("einsum_sum_rows", lambda m, a: m.einsum("ij->j", a), [T(2, 3)])
C("einsum_repeated_in_3d", lambda m, a: m.einsum("iji->j", a), [T(3, 2, 3)])
C("einsum_two_diagonals", lambda m, a: m.einsum("iijj->ij", a), [T(2, 2, 3, 3)])
C("einsum_batch_diag", lambda m, a: m.einsum("...ii->...i", a), [T(2, 3, 3)])
C("einsum_sum_ellipsis", lambda m, a: m.einsum("...ij->ij", a), [T(4, 2, 3)])
C("einsum_ellipsis_middle", lambda m, a, b: m.einsum("i...j,j...k->...ik", a, b), [T(2, 4, 3), T(3, 1, 5)])
C("einsum_bcast_size1", lambda m, a, b: m.einsum("ij,ij->ij", a, b), [T(1, 3), T(2, 3)])
C("einsum_three_operands", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [T(2, 3), T(3, 4), T(4, 2)])
C("einsum_bilinear", lambda m, a, w, b: m.einsum("bn,anm,bm->ba", a, w, b), [T(2, 3), T(4, 3, 5), T(2, 5)])
C("einsum_uppercase_implicit", lambda m, a, b: m.einsum("ba,Ab", a, b), [T(2, 2), T(3, 2)])
C("einsum_spaces", lambda m, a, b: m.einsum(" ij , kj -> ik ", a, b), [T(2, 3), T(4, 3)])
C("einsum_list_form", lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), [T(2, 3), T(3, 2)])
C("einsum_sublist_form", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [T(2, 3), T(3, 4)])
C("einsum_sublist_ellipsis", lambda m, a: m.einsum(a, [Ellipsis, 0, 0], [Ellipsis, 0]), [T(2, 3, 3)])
C("einsum_transposed_inputs", lambda m, a, b: m.einsum("ij,jk->ik", a, b),
  [T(2, 3, layout="transposed"), T(3, 4, layout="transposed")])
C("einsum_f64", lambda m, a, b: m.einsum("bij,bkj->bik", a, b), [T(2, 3, 4, dtype="float64"), T(2, 2, 4, dtype="float64")])
C("einsum_complex", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [T(2, 3, dtype="complex64"), T(3, 2, dtype="complex64")],
  atol=1e-4)
C("einsum_int32_sum_promotes", lambda m, a: m.einsum("ij->i", a), [T(2, 3, dtype="int32", low=-5, high=5)], grad=False)
C("einsum_int32_mm", lambda m, a, b: m.einsum("ij,jk", a, b),
  [T(2, 3, dtype="int32", low=-5, high=5), T(3, 2, dtype="int32", low=-5, high=5)], grad=False)
C("einsum_empty_dot", lambda m, a, b: m.einsum("i,i", a, b), [T(0), T(0)])
C("einsum_empty_contract", lambda m, a, b: m.einsum("ij,jk", a, b), [T(2, 0), T(0, 3)])
C("einsum_0d", lambda m, a, b: m.einsum(",i->i", a, b), [T(), T(3)])
C("einsum_double_backward", _double(lambda m, a, b: m.einsum("ij,jk->ik", a, b)), [T(2, 3), T(3, 4)])
C("einsum_double_backward_diag", _double(lambda m, a, b: m.einsum("ii,ij->j", a, b)), [T(3, 3), T(3, 2)])

# ------------------------------------------------------------------ tensordot, outer, inner
C("tensordot_default", lambda m, a, b: m.tensordot(a, b), [T(2, 3, 4), T(3, 4, 2)])
C("tensordot_dims1", lambda m, a, b: m.tensordot(a, b, dims=1), [T(2, 3), T(3, 4)])
C("tensordot_dims0", lambda m, a, b: m.tensordot(a, b, dims=0), [T(2, 3), T(2)])
C("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), [T(3, 4, 5), T(4, 2, 3)])
C("tensordot_negative_dims", lambda m, a, b: m.tensordot(a, b, dims=([-1], [-2])), [T(2, 3), T(4, 3, 2)])
C("tensordot_tensor_dims", lambda m, a, b: m.tensordot(a, b, dims=m.tensor([[1], [0]])), [T(2, 3), T(3, 2)])
C("tensordot_transposed", lambda m, a, b: m.tensordot(a, b, dims=2),
  [T(2, 3, 4, layout="transposed"), T(3, 4, layout="transposed")])
C("outer", lambda m, a, b: m.outer(a, b), [T(3), T(4)])
C("ger", lambda m, a, b: m.ger(a, b), [T(3), T(2)])
C("outer_promotes", lambda m, a, b: a.outer(b), [T(3, dtype="int32", low=-3, high=3), T(2)])
C("inner_2d", lambda m, a, b: m.inner(a, b), [T(2, 3), T(4, 3)])
C("inner_1d", lambda m, a, b: m.inner(a, b), [T(4), T(4)])
C("inner_0d", lambda m, a, b: m.inner(a, b), [T(), T(2, 3)])

# ------------------------------------------------------------------ beta * input + alpha * product
C("addmm", lambda m, x, a, b: m.addmm(x, a, b), [T(2, 4), T(2, 3), T(3, 4)])
C("addmm_scaled_bcast", lambda m, x, a, b: m.addmm(x, a, b, beta=0.5, alpha=2.0), [T(4), T(2, 3), T(3, 4)])
C("addmm_beta0_ignores_nan", lambda m, x, a, b: m.addmm(x, a, b, beta=0),
  [T(2, 2, values=[[float("nan"), 1.0], [2.0, float("inf")]]), T(2, 3), T(3, 2)])
C("addmm_int", lambda m, x, a, b: m.addmm(x, a, b, beta=2, alpha=3),
  [T(2, 2, dtype="int64", low=-3, high=3), T(2, 3, dtype="int64", low=-3, high=3),
   T(3, 2, dtype="int64", low=-3, high=3)], grad=False)
C("addmm_method_transposed", lambda m, x, a, b: x.addmm(a, b), [T(3, 3, layout="transposed"), T(3, 2), T(2, 3, layout="transposed")])
C("addmm_int_float_scalars", lambda m, x, a, b: m.addmm(x, a, b, beta=2.7, alpha=-1.5),
  [T(2, 2, dtype="int64", low=-3, high=3), T(2, 3, dtype="int64", low=-3, high=3),
   T(3, 2, dtype="int64", low=-3, high=3)], grad=False)
C("addbmm_int_float_alpha", lambda m, x, a, b: m.addbmm(x, a, b, alpha=2.5),
  [T(2, dtype="int32", low=-3, high=3), T(2, 2, 3, dtype="int32", low=-3, high=3),
   T(2, 3, 2, dtype="int32", low=-3, high=3)], grad=False)
C("addr_bool", lambda m, x, a, b: m.addr(x, a, b), [T(2, 3, dtype="bool"), T(2, dtype="bool"), T(3, dtype="bool")],
  grad=False)
C("addv_beta0_bool_alpha0", lambda m, x, a, b: m.addr(x, a, b, beta=0, alpha=False),
  [T(2, 3, dtype="bool"), T(2, dtype="bool"), T(3, dtype="bool")], grad=False)
C("addmm_inplace", lambda m, x, a, b: x.clone().addmm_(a, b, beta=0.5), [T(2, 2), T(2, 3), T(3, 2)])
C("baddbmm_inplace", lambda m, x, a, b: (x * 1).baddbmm_(a, b, alpha=2), [T(2, 3, 2), T(2, 3, 4), T(2, 4, 2)])
C("addmv", lambda m, x, a, v: m.addmv(x, a, v, beta=-1.5, alpha=0.5), [T(3), T(3, 4), T(4)])
C("addmv_bcast", lambda m, x, a, v: m.addmv(x, a, v), [T(1), T(3, 4), T(4)])
C("addr", lambda m, x, a, b: m.addr(x, a, b, alpha=2), [T(3, 2), T(3), T(2)])
C("addr_bcast_int", lambda m, x, a, b: m.addr(x, a, b),
  [T(2, dtype="int64", low=-3, high=3), T(3, dtype="int64", low=-3, high=3), T(2, dtype="int64", low=-3, high=3)],
  grad=False)
C("baddbmm", lambda m, x, a, b: m.baddbmm(x, a, b, beta=0.5), [T(2, 3, 2), T(2, 3, 4), T(2, 4, 2)])
C("baddbmm_bcast", lambda m, x, a, b: x.baddbmm(a, b, alpha=-1),
  [T(3, 1), T(2, 3, 4), T(2, 4, 2)])
C("addbmm", lambda m, x, a, b: m.addbmm(x, a, b, beta=2, alpha=0.5), [T(3, 2), T(4, 3, 5), T(4, 5, 2)])

# ------------------------------------------------------------------ kron, cross, trace
C("kron_2d_1d", lambda m, a, b: m.kron(a, b), [T(2, 3), T(4)])
C("kron_2d_2d", lambda m, a, b: m.kron(a, b), [T(2, 2), T(3, 2)])  # torch.kron fails on transposed input
C("kron_3d_2d_f64", lambda m, a, b: a.kron(b), [T(2, 1, 2, dtype="float64"), T(2, 3, dtype="float64")])
C("kron_0d", lambda m, a, b: m.kron(a, b), [T(), T(3)])
C("cross_last", lambda m, a, b: m.cross(a, b, dim=-1), [T(4, 3), T(4, 3)])
C("cross_dim0", lambda m, a, b: m.cross(a, b, dim=0), [T(3, 2), T(3, 2)])
C("cross_bcast", lambda m, a, b: m.cross(a, b, dim=1), [T(2, 3), T(1, 3)])
C("cross_default_dim", lambda m, a, b: m.cross(a, b), [T(2, 3, 3), T(2, 3, 3)])
C("cross_int", lambda m, a, b: m.cross(a, b, dim=-1),
  [T(2, 3, dtype="int32", low=-3, high=3), T(2, 3, dtype="int32", low=-3, high=3)], grad=False)
C("trace", lambda m, a: m.trace(a), [T(3, 3)])
C("trace_nonsquare", lambda m, a: a.trace(), [T(2, 4, layout="transposed")])
C("trace_int_promotes", lambda m, a: m.trace(a), [T(3, 3, dtype="int32", low=-5, high=5)], grad=False)
C("trace_empty", lambda m, a: m.trace(a), [T(0, 3)])

# ------------------------------------------------------------------ diag & co, diagonal gradients
C("diag_1d", lambda m, a: m.diag(a), [T(3)])
C("diag_1d_offset", lambda m, a: m.diag(a, 1), [T(3)])
C("diag_1d_neg_offset", lambda m, a: a.diag(-2), [T(2)])
C("diag_2d", lambda m, a: m.diag(a), [T(3, 4)])
C("diag_2d_offset", lambda m, a: m.diag(a, 2), [T(3, 4)])
C("diag_2d_neg_offset", lambda m, a: m.diag(a, -1), [T(4, 3, layout="transposed")])
C("diag_2d_out_of_range", lambda m, a: m.diag(a, 5), [T(3, 4)])
C("diag_embed", lambda m, a: m.diag_embed(a), [T(2, 3)])
C("diag_embed_offset_dims", lambda m, a: m.diag_embed(a, 1, 0, 2), [T(2, 3)])
C("diag_embed_reversed_dims", lambda m, a: m.diag_embed(a, -1, -1, -2), [T(2, 3)])
C("diag_embed_int", lambda m, a: m.diag_embed(a, 1), [T(3, dtype="int64", low=-3, high=3)], grad=False)
C("diagflat", lambda m, a: m.diagflat(a), [T(2, 2)])
C("diagflat_offset", lambda m, a: m.diagflat(a, -1), [T(3)])
C("diagonal_grad_offset_nonsquare", lambda m, a: a.diagonal(1), [T(3, 5)])
C("diagonal_grad_neg_offset_nonsquare", lambda m, a: a.diagonal(-2), [T(5, 3)])
C("diagonal_grad_3d_dims", lambda m, a: m.diagonal(a, 1, 2, 0), [T(3, 2, 4)])
C("diagonal_grad_empty", lambda m, a: a.diagonal(4), [T(3, 3)])
C("diagonal_double_backward", _double(lambda m, a: a.diagonal(-1) * a.diagonal(1).flip(0)), [T(3, 3)])
C("diag_embed_double_backward", _double(lambda m, a: m.diag_embed(a, 1) * 2), [T(2, 3)])
C("tril_indices", lambda m: m.tril_indices(3, 4, 1), [])
C("triu_indices", lambda m: m.triu_indices(4, 3, -1), [])
C("tril_indices_empty", lambda m: m.tril_indices(3, 4, -5), [])
C("triu_indices_int32", lambda m: m.triu_indices(3, 3, dtype=m.int32), [])

# ------------------------------------------------------------------ cdist
C("cdist_p2", lambda m, a, b: m.cdist(a, b), [T(3, 4), T(5, 4)])
C("cdist_p1_batch", lambda m, a, b: m.cdist(a, b, p=1), [T(2, 3, 4), T(2, 2, 4)])
C("cdist_p3_bcast", lambda m, a, b: m.cdist(a, b, p=3), [T(2, 3, 2), T(1, 4, 2)], atol=1e-4)
C("cdist_pinf", lambda m, a, b: m.cdist(a, b, p=float("inf")), [T(3, 2, distinct=True), T(2, 2, distinct=True)])
C("cdist_f64_zero_distance", lambda m, a, b: m.cdist(a, b),
  [T(2, 2, dtype="float64", values=[[1.0, 2.0], [0.5, -1.0]]),
   T(2, 2, dtype="float64", values=[[1.0, 2.0], [3.0, 0.0]])])
