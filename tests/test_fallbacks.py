"""The composed fallbacks of every extension kernel (backends/fallbacks.py) are
what a new backend runs before it writes its own kernels: replay the whole
conformance suite on the cpu backend with every NumPy override of an extension
swapped for its fallback."""
import types

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
import rustorch.nn.functional as F  # noqa: E402
from rustorch.backends.contract import Backend, EXTENSIONS  # noqa: E402
from conformance.harness import compare_records, run_case  # noqa: E402
from conformance.registry import all_cases  # noqa: E402

CASES = all_cases()
# the fallback special functions are float64-accurate series; a hair looser than scipy
_LOOSER = {"erfinv", "lgamma", "digamma"}


@pytest.fixture
def fallback_cpu(monkeypatch):
    b = rt.backends.get("cpu")
    for name in EXTENSIONS:
        monkeypatch.setattr(b, name, types.MethodType(getattr(Backend, name), b))
    return b


def test_every_extension_has_a_fallback():
    from rustorch.backends.fallbacks import ComposedKernels
    assert set(EXTENSIONS) <= set(vars(ComposedKernels)), set(EXTENSIONS) - set(vars(ComposedKernels))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_on_fallbacks(case, fallback_cpu):
    want = run_case(case, torch)
    got = run_case(case, rt, device="cpu")
    if case.name.split("_")[0] in _LOOSER:
        case.atol, case.rtol = max(case.atol, 1e-4), max(case.rtol, 1e-3)
    compare_records(got, want, case)


def test_fallbacks_really_used(fallback_cpu):
    for name in EXTENSIONS:
        assert getattr(fallback_cpu, name).__func__ is getattr(Backend, name)
    x = rt.zeros(3)
    x.index_put_((rt.tensor([0, 0, 2]),), rt.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [3.0, 0.0, 3.0]
    y = rt.arange(4.0, requires_grad=True).reshape(1, 4)
    z = F.pad(y, (2, 1), mode="reflect")
    assert z.tolist() == [[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]
