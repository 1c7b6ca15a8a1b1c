"""The composed fallbacks of the indexing / sorting extension kernels in
``backends/contract.py`` (what a new backend gets before it writes its own):
every indexing and sorting conformance case is replayed on the cpu backend
with its NumPy overrides swapped for the fallbacks."""
import types

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402
from rustorch.backends.contract import Backend  # noqa: E402
from conformance import cases_indexing, cases_sorting  # noqa: E402
from conformance.harness import compare_records, run_case  # noqa: E402

_KERNELS = ("index_put", "scatter", "scatter_add", "scatter_reduce", "topk")
CASES = cases_indexing.CASES + cases_sorting.CASES


@pytest.fixture
def fallback_cpu(monkeypatch):
    b = rt.backends.get("cpu")
    for name in _KERNELS:
        monkeypatch.setattr(b, name, types.MethodType(getattr(Backend, name), b), raising=False)
    return b


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_on_fallbacks(case, fallback_cpu):
    want = run_case(case, torch)
    got = run_case(case, rt, device="cpu")
    compare_records(got, want, case)


def test_fallbacks_really_used(fallback_cpu):
    assert fallback_cpu.scatter_add.__func__ is Backend.scatter_add
    x = rt.zeros(3)
    x.index_put_((rt.tensor([0, 0, 2]),), rt.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [3.0, 0.0, 3.0]


def test_index_put_accumulate_fallback_on_strided_view(fallback_cpu):
    base = rt.zeros(4, 6)
    view = base[:, ::2]
    fallback_cpu.index_put(view._data, (slice(None), view._b.xp.asarray([0, 0, 2])),
                           view._b.xp.ones((4, 3), dtype=view._data.dtype), True)
    assert base[0].tolist() == [2.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def test_topk_fallback_unsigned_descending(fallback_cpu):
    x = rt.tensor([3, 250, 0, 7], dtype=rt.uint8)
    v, i = rt.topk(x, 2)
    assert v.tolist() == [250, 7] and i.tolist() == [1, 3]
