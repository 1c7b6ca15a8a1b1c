"""The composed fallbacks of ``einsum``, ``pad`` and ``pad_backward`` in
``backends/contract.py`` (what a new backend gets before it writes its own):
every linalg and pad conformance case is replayed on the cpu backend with its
NumPy overrides swapped for the fallbacks."""
import types

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed")

import rustorch as rt  # noqa: E402
import rustorch.nn.functional as F  # noqa: E402
from rustorch.backends.contract import Backend  # noqa: E402
from conformance import cases_linalg, cases_pad  # noqa: E402
from conformance.harness import compare_records, run_case  # noqa: E402

_KERNELS = ("einsum", "pad", "pad_backward")
CASES = cases_linalg.CASES + cases_pad.CASES


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
    assert fallback_cpu.einsum.__func__ is Backend.einsum
    assert fallback_cpu.pad.__func__ is Backend.pad
    x = rt.arange(4.0, requires_grad=True).reshape(1, 4)
    y = F.pad(x, (2, 1), mode="reflect")
    assert y.tolist() == [[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]
    g, = rt.autograd.grad(y.sum(), x)
    assert g.tolist() == [[1.0, 2.0, 3.0, 1.0]]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", [(2, 1, 0, 3), (-1, 2, 1, -1), (0, 0, 2, 2), (3, -3, 0, 0)])
def test_pad_backward_override_matches_fallback(mode, pads):
    b = rt.backends.get("cpu")
    x = rt.randn(2, 3, 4)
    try:
        y = F.pad(x, pads, mode=mode)
    except RuntimeError:
        return
    g = rt.randn(*y.shape)._data
    full = ((0, 0), (pads[2], pads[3]), (pads[0], pads[1]))
    want = Backend.pad_backward(b, g, full, mode, tuple(x.shape))
    got = b.pad_backward(g, full, mode, tuple(x.shape))
    assert got.shape == want.shape and abs(got - want).max() < 1e-5
