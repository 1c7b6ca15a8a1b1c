"""rt.frombuffer against torch.frombuffer (values, dtype, count/offset, errors)."""
import array
import struct

import pytest
import torch

import rustorch as rt


@pytest.mark.parametrize("device", ["cpu", "python"])
@pytest.mark.parametrize("name,fmt", [("float32", "f"), ("float64", "d"), ("int16", "h"),
                                      ("int32", "i"), ("int64", "q"), ("uint8", "B"), ("int8", "b")])
def test_values_match_torch(device, name, fmt):
    raw = struct.pack(f"<6{fmt}", *([1, -2, 3, 4, 5, 6] if fmt != "B" else [1, 2, 3, 4, 5, 255]))
    want = torch.frombuffer(bytearray(raw), dtype=getattr(torch, name))
    got = rt.frombuffer(raw, dtype=getattr(rt, name), device=device)
    assert got.dtype == getattr(rt, name) and got.tolist() == want.tolist()
    isz = want.element_size()
    part = rt.frombuffer(raw, dtype=getattr(rt, name), count=3, offset=isz, device=device)
    assert part.tolist() == torch.frombuffer(bytearray(raw), dtype=getattr(torch, name),
                                             count=3, offset=isz).tolist()


def test_accepts_buffer_objects_and_copies():
    buf = bytearray(struct.pack("<3f", 1, 2, 3))
    t = rt.frombuffer(buf, dtype=rt.float32)
    buf[0:4] = struct.pack("<f", 9)
    assert t.tolist() == [1.0, 2.0, 3.0]  # a copy: later writes do not show through
    assert rt.frombuffer(memoryview(buf), dtype=rt.float32).tolist() == [9.0, 2.0, 3.0]
    assert rt.frombuffer(array.array("h", [5, -6]), dtype=rt.int16).tolist() == [5, -6]


@pytest.mark.parametrize("kwargs", [dict(count=4), dict(offset=12), dict(offset=-1), dict(count=0),
                                    dict(offset=2)])
def test_bad_sizes_raise_like_torch(kwargs):
    raw = struct.pack("<3f", 1, 2, 3)
    with pytest.raises(ValueError):
        torch.frombuffer(bytearray(raw), dtype=torch.float32, **kwargs)
    with pytest.raises(rt.InvalidArgument):
        rt.frombuffer(raw, dtype=rt.float32, **kwargs)


def test_non_buffer_is_a_type_error():
    with pytest.raises(rt.InvalidType, match="buffer interface"):
        rt.frombuffer([1, 2, 3], dtype=rt.uint8)
