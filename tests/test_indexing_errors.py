"""Bad input to indexing, index ops and sorting ops: rustorch raises one of its
own error classes that is also the builtin exception torch raises for the same
mistake, with a message that names what was wrong."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402


def _x(m):
    return m.arange(15.0).reshape(3, 5)


def _i(m, v, dtype=None):
    return m.tensor(v, dtype=dtype or m.int64)


def _set(m, key, value):
    y = _x(m)
    y[key] = value


# name -> (fn(m), words the rustorch message must contain)
CASES = {
    # __getitem__ / __setitem__
    "getitem_int_oob": (lambda m: _x(m)[3], ["index 3", "dimension 0", "size 3"]),
    "getitem_neg_int_oob": (lambda m: _x(m)[:, -6], ["index -6", "dimension 1", "size 5"]),
    "getitem_too_many": (lambda m: _x(m)[0, 0, 0], ["too many indices"]),
    "getitem_tensor_oob": (lambda m: _x(m)[_i(m, [0, 3])], ["index 3", "size 3"]),
    "getitem_tensor_neg_oob": (lambda m: _x(m)[:, _i(m, [-6])], ["index -6", "dimension 1", "size 5"]),
    "getitem_float_index": (lambda m: _x(m)[m.tensor([0.5])], ["long, int, byte or bool"]),
    "getitem_mask_shape": (lambda m: _x(m)[m.tensor([True, False, True, True])], ["mask", "[4]", "[3, 5]"]),
    "getitem_mask_2d_shape": (lambda m: _x(m)[m.ones(3, 4, dtype=m.bool)], ["mask", "[3, 4]"]),
    "setitem_int_oob": (lambda m: _set(m, 4, 1.0), ["index 4", "size 3"]),
    "setitem_tensor_oob": (lambda m: _set(m, (slice(None), _i(m, [5])), 1.0), ["index 5", "size 5"]),
    "setitem_mask_shape": (lambda m: _set(m, m.tensor([True, False]), 0.0), ["mask"]),
    "setitem_value_shape": (lambda m: _set(m, 0, m.ones(4)), ["shape", "[4]"]),
    "setitem_adv_value_shape": (lambda m: _set(m, [0, 1], m.ones(3, 5)), ["[3, 5]", "[2, 5]"]),
    "setitem_mask_value_count": (lambda m: _set(m, _x(m) > 10, m.ones(3)), ["[3]", "[4]"]),
    "index_put_value_shape": (lambda m: _x(m).index_put((_i(m, [0, 2]),), m.ones(3, 5)), ["[3, 5]"]),
    # gather / scatter family
    "gather_oob": (lambda m: m.gather(_x(m), 1, _i(m, [[0], [5], [1]])), ["index 5", "dimension 1", "size 5"]),
    "gather_negative": (lambda m: m.gather(_x(m), 0, _i(m, [[-1]])), ["index -1", "dimension 0"]),
    "gather_float_index": (lambda m: m.gather(_x(m), 1, m.tensor([[0.0]])), ["int32/int64"]),
    "gather_int16_index": (lambda m: m.gather(_x(m), 1, _i(m, [[0]], m.int16)), ["int32/int64"]),
    "gather_ndim": (lambda m: m.gather(_x(m), 1, _i(m, [0, 1])), ["same number of dimensions"]),
    "gather_index_too_big": (lambda m: m.gather(_x(m), 1, _i(m, [[0]] * 4)), ["no larger than self"]),
    "scatter_oob": (lambda m: m.scatter(_x(m), 1, _i(m, [[7]]), 1.0), ["index 7", "dimension 1", "size 5"]),
    "scatter_src_oob": (lambda m: m.scatter(_x(m), 0, _i(m, [[3, 0]]), m.ones(1, 2)), ["index 3", "size 3"]),
    "scatter_index_dtype": (lambda m: m.scatter(_x(m), 1, m.tensor([[0.0]]), 1.0), ["int32/int64"]),
    "scatter_src_dtype": (lambda m: m.scatter(_x(m), 1, _i(m, [[0]]), m.ones(1, 1, dtype=m.float64)),
                          ["dtype"]),
    "scatter_src_too_small": (lambda m: m.scatter(_x(m), 1, _i(m, [[0, 1]]), m.ones(1, 1)), ["src"]),
    "scatter_bad_reduce": (lambda m: m.scatter(_x(m), 1, _i(m, [[0]]), m.ones(1, 1), reduce="max"),
                           ["add or multiply"]),
    "scatter_add_oob": (lambda m: m.scatter_add(_x(m), 0, _i(m, [[0, 3]]), m.ones(1, 2)), ["index 3"]),
    "scatter_add_negative": (lambda m: m.scatter_add(_x(m), 1, _i(m, [[-1]]), m.ones(1, 1)), ["index -1"]),
    "scatter_reduce_bad": (lambda m: m.scatter_reduce(_x(m), 1, _i(m, [[0]]), m.ones(1, 1), "foo"),
                           ["sum, prod, mean, amax or amin"]),
    "scatter_reduce_oob": (lambda m: m.scatter_reduce(_x(m), 1, _i(m, [[9]]), m.ones(1, 1), "sum"),
                           ["index 9"]),
    "take_along_dim_ndim": (lambda m: m.take_along_dim(_x(m), _i(m, [0]), 1), ["same number of dimensions"]),
    # index_* ops
    "index_select_oob": (lambda m: m.index_select(_x(m), 1, _i(m, [5])), ["5"]),
    "index_select_negative": (lambda m: m.index_select(_x(m), 0, _i(m, [-1])), ["-1"]),
    "index_select_dtype": (lambda m: m.index_select(_x(m), 0, m.tensor([0.0])), ["int32"]),
    "index_add_oob": (lambda m: m.index_add(_x(m), 0, _i(m, [3]), m.ones(1, 5)), ["index 3", "size 3"]),
    "index_add_dtype": (lambda m: m.index_add(_x(m), 0, _i(m, [0], m.int16), m.ones(1, 5)), ["int32/int64"]),
    "index_copy_oob": (lambda m: m.index_copy(_x(m), 1, _i(m, [5]), m.ones(3, 1)), ["index 5", "size 5"]),
    "index_copy_int32": (lambda m: m.index_copy(_x(m), 1, _i(m, [0], m.int32), m.ones(3, 1)), ["int64"]),
    "index_fill_oob": (lambda m: m.index_fill(_x(m), 1, _i(m, [-6]), 0.0), ["index -6", "size 5"]),
    "index_fill_dtype": (lambda m: m.index_fill(_x(m), 1, _i(m, [0], m.int32), 0.0), ["int64"]),
    "take_oob": (lambda m: m.take(_x(m), _i(m, [15])), ["15"]),
    "take_int32": (lambda m: m.take(_x(m), _i(m, [0], m.int32)), ["int64"]),
    # masks
    "masked_fill_int_mask": (lambda m: m.masked_fill(_x(m), _i(m, [1, 0, 1, 0, 1]), 0.0), ["bool"]),
    "masked_fill_mask_shape": (lambda m: m.masked_fill(_x(m), m.ones(2, dtype=m.bool), 0.0), ["[2]"]),
    "masked_fill_value_ndim": (lambda m: m.masked_fill(_x(m), _x(m) > 3, m.ones(2)), ["0-dim"]),
    "masked_select_shape": (lambda m: m.masked_select(_x(m), m.ones(4, dtype=m.bool)), ["4"]),
    "masked_scatter_shape": (lambda m: m.masked_scatter(_x(m), m.ones(2, 1, dtype=m.bool), m.ones(15)),
                             ["2"]),
    # sorting / selection
    "topk_k_too_big": (lambda m: m.topk(_x(m), 6), ["k"]),
    "topk_k_negative": (lambda m: m.topk(_x(m), -1), ["k"]),
    "kthvalue_k0": (lambda m: m.kthvalue(_x(m), 0), ["k", "dimension 1"]),
    "kthvalue_k_too_big": (lambda m: m.kthvalue(_x(m), 4, dim=0), ["k", "dimension 0"]),
    "sort_bad_dim": (lambda m: m.sort(_x(m), dim=2), ["Dimension out of range"]),
    "sort_bool_dim": (lambda m: m.sort(_x(m), True), ["dim"]),
    "sort_complex": (lambda m: m.sort(m.ones(3, dtype=m.complex64)), ["complex"]),
    "unique_bad_dim": (lambda m: m.unique(_x(m), dim=3), ["out of range"]),
    "searchsorted_side_conflict": (lambda m: m.searchsorted(m.arange(3.0), m.ones(2), right=True, side="left"),
                                   ["side", "right"]),
    "searchsorted_bad_side": (lambda m: m.searchsorted(m.arange(3.0), m.ones(2), side="middle"), ["side"]),
    "searchsorted_leading_dims": (lambda m: m.searchsorted(m.zeros(2, 3), m.zeros(3, 1)), ["boundaries"]),
    "searchsorted_sorter_shape": (lambda m: m.searchsorted(m.arange(3.0), m.ones(2), sorter=_i(m, [0, 1])),
                                  ["sorter"]),
    "bucketize_2d_boundaries": (lambda m: m.bucketize(m.ones(2), m.zeros(2, 2)), ["1 dimension"]),
}


def _torch_error(fn):
    try:
        fn(torch)
    except Exception as e:  # noqa: BLE001 - we want torch's class
        return e
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name):
    fn, words = CASES[name]
    want = _torch_error(fn)
    assert want is not None, f"torch accepts {name}"
    builtin = next(c for c in type(want).__mro__ if c.__module__ == "builtins")
    with pytest.raises(rt.RustorchError) as info:
        fn(rt)
    err = info.value
    assert isinstance(err, builtin), \
        f"{type(err).__name__} is not a {builtin.__name__} (torch raises {type(want).__name__}: {want})"
    msg = str(err)
    for w in words:
        assert w in msg, f"{w!r} not in message {msg!r}"


def test_oob_error_is_index_out_of_range():
    # the same class for every op, whichever builtin torch picks there
    for fn in (lambda: _x(rt)[3], lambda: rt.gather(_x(rt), 1, _i(rt, [[9]])),
               lambda: rt.index_select(_x(rt), 0, _i(rt, [4])), lambda: rt.take(_x(rt), _i(rt, [99]))):
        with pytest.raises(rt.IndexOutOfRange):
            fn()


def test_failed_setitem_leaves_tensor_unchanged():
    y = _x(rt)
    with pytest.raises(rt.IndexOutOfRange):
        y[_i(rt, [0, 7])] = 1.0
    assert y.tolist() == _x(rt).tolist()
    assert y._version_counter == 0


def test_unique_has_no_derivative():
    x = rt.tensor([1.0, 2.0, 1.0], requires_grad=True)
    u = rt.unique(x)
    with pytest.raises(rt.AutogradError):
        u.sum().backward()


def test_sort_indices_not_differentiable():
    x = rt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    v, i = rt.sort(x)
    assert v.requires_grad and not i.requires_grad
    assert i.dtype is rt.int64
