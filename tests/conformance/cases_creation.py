"""Creation ops with deterministic output: tensor() and its dtype inference,
filled tensors, ranges (torch's float-step rounding), *_like / new_*, clone,
dtype conversions -- values, dtype, shape and, where there is one, gradients."""
from .harness import Case, T

CASES = []


def C(name, fn, inputs=(), **kw):
    kw.setdefault("grad", bool(inputs))
    CASES.append(Case(f"create_{name}", fn, list(inputs), **kw))


def _meta(t):
    """Shape and dtype only (for tensors whose values are unspecified, e.g. empty)."""
    return [list(t.shape), str(t.dtype).split(".")[-1]]


# ------------------------------------------------------------------ tensor(): dtype inference
C("tensor_ints", lambda m: m.tensor([[1, 2, 3], [4, 5, 6]]))
C("tensor_floats", lambda m: m.tensor([[1.5, -2.0], [0.25, 3.0]]))
C("tensor_bools", lambda m: m.tensor([True, False, True]))
C("tensor_bool_int", lambda m: m.tensor([True, 2, 0]))
C("tensor_int_float", lambda m: m.tensor([1, 2.5, 3]))
C("tensor_bool_float", lambda m: m.tensor([[True, 0.5], [False, 2]]))
C("tensor_complex", lambda m: m.tensor([1 + 2j, 3.0, -1j]))
C("tensor_complex_int", lambda m: m.tensor([[1, 2j]]))
C("tensor_scalar_int", lambda m: m.tensor(7))
C("tensor_scalar_float", lambda m: m.tensor(-3.25))
C("tensor_scalar_bool", lambda m: m.tensor(False))
C("tensor_empty", lambda m: m.tensor([]))
C("tensor_nested_empty", lambda m: m.tensor([[], []]))
C("tensor_tuples", lambda m: m.tensor(((1, 2), (3, 4))))
C("tensor_big_int", lambda m: m.tensor([2 ** 40, -(2 ** 50)]))
C("tensor_dtype_f64", lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.float64))
C("tensor_dtype_int_from_float", lambda m: m.tensor([1.7, -1.7, 0.2], dtype=m.int32))
C("tensor_dtype_bool", lambda m: m.tensor([0, 3, -1], dtype=m.bool))
C("tensor_from_tensor", lambda m, x: m.tensor(x) * 1, [T(2, 3, grad=False)], grad=False)
C("tensor_of_0d_tensors", lambda m: m.tensor([m.tensor(1.5), m.tensor(2.5)]))
C("as_tensor_list", lambda m: m.as_tensor([[1, 2], [3, 4]], dtype=m.float32))

# ------------------------------------------------------------------ filled
C("zeros", lambda m: m.zeros(2, 3))
C("zeros_tuple_int", lambda m: m.zeros((2, 3), dtype=m.int64))
C("zeros_size_kw", lambda m: m.zeros(size=(1, 2)))
C("zeros_0d", lambda m: m.zeros(()))
C("zeros_empty", lambda m: m.zeros(0, 3))
C("ones_list_bool", lambda m: m.ones([2, 2], dtype=m.bool))
C("ones_f16", lambda m: m.ones(3, dtype=m.float16))
C("full_int", lambda m: m.full((2, 2), 7))
C("full_float", lambda m: m.full((3,), -1.5))
C("full_bool", lambda m: m.full((2,), True))
C("full_complex", lambda m: m.full((2,), 1 + 1j))
C("full_dtype", lambda m: m.full((2, 3), 2, dtype=m.float64))
C("eye", lambda m: m.eye(3))
C("eye_rect", lambda m: m.eye(2, 4, dtype=m.int64))
C("eye_tall", lambda m: m.eye(4, 2))
C("eye_0", lambda m: m.eye(0))
C("empty_meta", lambda m: _meta(m.empty(2, 3, dtype=m.int32)))

# ------------------------------------------------------------------ ranges
C("arange_int", lambda m: m.arange(5))
C("arange_start_end_step", lambda m: m.arange(1, 10, 3))
C("arange_neg_step", lambda m: m.arange(10, 0, -3))
C("arange_neg_float_step", lambda m: m.arange(0, -1, -0.25))
C("arange_float_end", lambda m: m.arange(5.0))
C("arange_float_step", lambda m: m.arange(0, 1, 0.1))
C("arange_float_step_rounding_down", lambda m: m.arange(0, 0.3, 0.1))
C("arange_float_step_rounding_up", lambda m: m.arange(1, 1.3, 0.1))
C("arange_mixed", lambda m: m.arange(-5, 5, 0.7))
C("arange_int_dtype_f64", lambda m: m.arange(0, 6, 2, dtype=m.float64))
C("arange_float_args_int_dtype", lambda m: m.arange(0.0, 5.0, 1.5, dtype=m.int64))
C("arange_empty", lambda m: m.arange(3, 3))
C("linspace", lambda m: m.linspace(0, 1, 5))
C("linspace_neg", lambda m: m.linspace(-1, 1, 7))
C("linspace_int_dtype", lambda m: m.linspace(0, 10, 4, dtype=m.int64))
C("linspace_int32_dtype", lambda m: m.linspace(3, 10, steps=5, dtype=m.int32))
C("linspace_one", lambda m: m.linspace(2, 5, 1))
C("linspace_zero", lambda m: m.linspace(2, 5, 0))
C("linspace_f64_many", lambda m: m.linspace(-3.5, 7.25, 33, dtype=m.float64))
C("linspace_descending", lambda m: m.linspace(5, -5, 11))
C("logspace", lambda m: m.logspace(0, 2, 3))
C("logspace_base2", lambda m: m.logspace(0, 1, 4, base=2))
C("logspace_f64", lambda m: m.logspace(-1, 1, 5, dtype=m.float64))

# ------------------------------------------------------------------ *_like / new_*
C("zeros_like", lambda m, x: m.zeros_like(x), [T(2, 3, layout="transposed")], grad=False)
C("ones_like_dtype", lambda m, x: m.ones_like(x, dtype=m.int64), [T(2, 3)], grad=False)
C("full_like", lambda m, x: m.full_like(x, 2.5), [T(3, dtype="float64")], grad=False)
C("full_like_int_truncates", lambda m, x: m.full_like(x, 2.7), [T(3, dtype="int32", grad=False)], grad=False)
C("empty_like_meta", lambda m, x: _meta(m.empty_like(x)), [T(2, 2, dtype="int16", grad=False)], grad=False)
C("new_zeros", lambda m, x: x.new_zeros(2, 2), [T(3, dtype="float64")], grad=False)
C("new_ones_tuple", lambda m, x: x.new_ones((3,)), [T(2, dtype="int32", grad=False)], grad=False)
C("new_full", lambda m, x: x.new_full((2,), 4), [T(3, dtype="float16", grad=False)], grad=False)
C("new_tensor", lambda m, x: x.new_tensor([1, 2, 3]), [T(2, dtype="float64")], grad=False)
C("new_tensor_dtype", lambda m, x: x.new_tensor([1.5, 2.5], dtype=m.int64), [T(2)], grad=False)
C("new_empty_meta", lambda m, x: _meta(x.new_empty((2, 0))), [T(2, dtype="bool")], grad=False)

# ------------------------------------------------------------------ clone / conversions
C("clone", lambda m, x: x.clone() * 2, [T(3, 4)])
C("clone_noncontig", lambda m, x: m.clone(x), [T(3, 4, layout="transposed")])
C("to_f64_grad", lambda m, x: x.to(m.float64) * 3, [T(3, 2)])
C("to_chain", lambda m, x: x.to(m.int64).to(m.float16).to(m.float64), [T(5, low=-5, high=5)], grad=False)
C("to_other", lambda m, x, y: x.to(y), [T(4), T(2, dtype="float64", grad=False)])
C("to_int_truncates", lambda m, x: x.to(m.int32), [T(6, values=[-2.7, -0.5, 0.0, 0.5, 1.9, 3.5])], grad=False)
C("to_bool", lambda m, x: x.to(m.bool), [T(4, values=[0.0, -0.0, 0.1, -3.0])], grad=False)
C("to_uint8", lambda m, x: x.to(m.uint8), [T(4, values=[0.0, 1.5, 200.9, 255.0])], grad=False)
C("int_to_float", lambda m, x: x.float() / 3, [T(4, dtype="int64", low=-9, high=9)], grad=False)
C("type_dtype", lambda m, x: x.type(m.float64), [T(3)])
C("type_string", lambda m, x: x.type().split(".")[-1], [T(3, dtype="int32", grad=False)], grad=False)
C("type_as", lambda m, x, y: x.type_as(y), [T(3), T(2, dtype="int16", grad=False)], grad=False)
C("float_double_long", lambda m, x: (x.double(), x.long(), x.int(), x.float()), [T(4, low=-3, high=3)])
C("bool_half", lambda m, x: (x.bool(), x.half()), [T(4, values=[0.0, 1.25, -2.5, 0.0])], grad=False)
C("half_roundtrip_grad", lambda m, x: x.half().float() * 2, [T(4)])
C("double_float_grad", lambda m, x: x.double().float().sum(), [T(2, 3)])
C("short_char_byte", lambda m, x: (x.short(), x.char(), x.byte()), [T(4, dtype="int64", low=0, high=100)],
  grad=False)
C("complex_cfloat", lambda m, x: x.cfloat() * (1 + 1j), [T(3, grad=False)], grad=False)
C("arange_float_args_int32", lambda m: m.arange(0.5, 5.0, 1.5, dtype=m.int32))
C("arange_float_args_int64_trunc", lambda m: m.arange(1.5, 9.6, 2.2, dtype=m.int64))
C("arange_neg_float_args_int64", lambda m: m.arange(-0.5, -7.9, -2.5, dtype=m.int64))
C("arange_f16", lambda m: m.arange(0, 2.5, 0.5, dtype=m.float16))
C("arange_ones_size_kw", lambda m: m.ones(size=[3], dtype=m.int8))
