"""torch.nn.functional.pad in every mode: constant (negative pads crop,
value=), reflect, replicate, circular, with 1-D/2-D/3-D pads on batched and
unbatched inputs -- values, dtype, shape and gradients (second order where
the case says so)."""
from .harness import Case, T

CASES = []


def P(name, inputs, pad, mode="constant", value=None, **kw):
    def fn(m, x):
        if value is None:
            return m.nn.functional.pad(x, pad, mode=mode)
        return m.nn.functional.pad(x, pad, mode=mode, value=value)
    CASES.append(Case(f"pad_{name}", fn, inputs, **kw))


def _double(pad, mode):
    def fn(m, x):
        y = m.nn.functional.pad(x, pad, mode=mode)
        g, = m.autograd.grad((y * y * y).sum(), [x], create_graph=True)
        return g
    return fn


# ------------------------------------------------------------------ constant
P("constant_1d_on_1d", [T(5)], (2, 1))
P("constant_1d_on_3d", [T(2, 3, 4)], (1, 2))
P("constant_2d", [T(2, 3, 4)], (1, 0, 2, 3))
P("constant_3d", [T(1, 2, 3, 4)], (1, 1, 0, 2, 1, 0))
P("constant_all_dims_2d", [T(2, 3)], (1, 1, 2, 0))
P("constant_value", [T(3, 4)], (1, 2, 1, 1), value=2.5)
P("constant_negative_crop", [T(3, 5)], (-1, -2))
P("constant_negative_both_dims", [T(4, 5)], (-1, -1, -2, 0))
P("constant_mixed_signs", [T(3, 5)], (-2, 3, 1, -1), value=-1.0)
P("constant_crop_to_empty", [T(2, 4)], (-3, -1))
P("constant_zero_pads", [T(2, 3)], (0, 0, 0, 0))
P("constant_empty_pad", [T(2, 3)], ())
P("constant_empty_input", [T(0, 3)], (1, 1))
P("constant_noncontig_f64", [T(3, 4, dtype="float64", layout="transposed")], (1, 2, 2, 1), value=0.5)
P("constant_int_value", [T(2, 3, dtype="int64", low=-5, high=5)], (1, 1), value=7, grad=False)
P("constant_int_float_value", [T(2, 3, dtype="int32", low=-5, high=5)], (2, 0), value=2.7, grad=False)
P("constant_bool", [T(2, 3, dtype="bool")], (1, 1, 1, 0), value=True, grad=False)
P("constant_complex", [T(2, 3, dtype="complex64")], (1, 1))
P("constant_0d", [T()], ())
CASES.append(Case("pad_constant_positional", lambda m, x: m.nn.functional.pad(x, [1, 2], "constant", 3.0),
                  [T(2, 2)]))
CASES.append(Case("pad_constant_double_backward", _double((1, -1, 2, 0), "constant"), [T(3, 4)]))

# ------------------------------------------------------------------ reflect
P("reflect_1d_unbatched", [T(3, 5)], (2, 3), mode="reflect")
P("reflect_1d_batched", [T(2, 3, 5)], (4, 1), mode="reflect")
P("reflect_2d_unbatched", [T(2, 4, 5)], (1, 2, 3, 1), mode="reflect")
P("reflect_2d_batched", [T(2, 2, 4, 5)], (2, 2, 1, 3), mode="reflect")
P("reflect_3d_unbatched", [T(2, 3, 4, 5)], (1, 1, 2, 0, 1, 2), mode="reflect")
P("reflect_3d_batched", [T(1, 2, 3, 3, 4)], (2, 1, 1, 2, 2, 1), mode="reflect")
P("reflect_negative", [T(2, 3, 5)], (-1, 3), mode="reflect")
P("reflect_negative_2d", [T(2, 4, 5)], (2, -2, -1, 2), mode="reflect")
P("reflect_noncontig_f64", [T(2, 4, 5, dtype="float64", layout="transposed")], (2, 1, 3, 3), mode="reflect")
P("reflect_int", [T(2, 5, dtype="int64", low=-9, high=9)], (2, 2), mode="reflect", grad=False)
P("reflect_complex", [T(2, 4, dtype="complex128")], (1, 2), mode="reflect")
P("reflect_value_zero_ok", [T(2, 4)], (1, 1), mode="reflect", value=0)
CASES.append(Case("pad_reflect_double_backward", _double((2, 1, 1, 2), "reflect"), [T(1, 3, 4)]))

# ------------------------------------------------------------------ replicate
P("replicate_1d_unbatched", [T(3, 4)], (3, 2), mode="replicate")
P("replicate_1d_batched", [T(2, 3, 4)], (5, 0), mode="replicate")
P("replicate_2d_unbatched", [T(2, 3, 4)], (2, 2, 3, 1), mode="replicate")
P("replicate_2d_batched", [T(2, 1, 3, 4)], (1, 4, 2, 2), mode="replicate")
P("replicate_3d_batched", [T(1, 2, 2, 3, 3)], (1, 2, 2, 1, 3, 0), mode="replicate")
P("replicate_3d_unbatched", [T(2, 2, 3, 3)], (0, 1, 1, 0, 2, 2), mode="replicate")
P("replicate_negative", [T(2, 3, 5)], (-2, 3, 1, -1), mode="replicate")
P("replicate_noncontig", [T(2, 4, 5, layout="transposed")], (2, 1, 1, 2), mode="replicate")
P("replicate_empty_batch", [T(0, 2, 3, 4)], (1, 1, 1, 1), mode="replicate")
P("replicate_uint8", [T(2, 3, dtype="uint8", low=0, high=200)], (1, 2), mode="replicate", grad=False)
CASES.append(Case("pad_replicate_double_backward", _double((2, 1), "replicate"), [T(2, 3)]))

# ------------------------------------------------------------------ circular
P("circular_1d_unbatched", [T(3, 4)], (2, 4), mode="circular")
P("circular_1d_batched", [T(2, 3, 4)], (1, 3), mode="circular")
P("circular_2d_batched", [T(2, 2, 3, 4)], (1, 2, 3, 1), mode="circular")
P("circular_2d_unbatched", [T(2, 3, 4)], (4, 0, 0, 2), mode="circular")
P("circular_3d", [T(1, 2, 2, 3, 4)], (1, 1, 2, 1, 1, 2), mode="circular")
P("circular_negative", [T(2, 3, 5)], (-1, 2, 1, -2), mode="circular")
P("circular_crop_to_empty", [T(3, 4)], (-2, -2), mode="circular")
P("circular_bool", [T(2, 4, dtype="bool")], (1, 2), mode="circular", grad=False)
P("circular_f64_noncontig", [T(2, 4, 3, dtype="float64", layout="transposed")], (2, 1, 1, 1), mode="circular")
CASES.append(Case("pad_circular_double_backward", _double((1, 2, 2, 0), "circular"), [T(1, 3, 4)]))
