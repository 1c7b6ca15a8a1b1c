import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

import rustorch as rt  # noqa: E402

# Backends the conformance suite runs on: every one this machine has.
CONFORMANCE_BACKENDS = [b for b in ("cpu", "python", "numba", "webgpu", "opencl", "cuda")
                        if b in rt.backends.available()]


def pytest_report_header(config):
    missing = {b: rt.backends.why_unavailable(b) for b in ("python", "numba", "webgpu", "opencl", "cuda")
               if b not in CONFORMANCE_BACKENDS}
    lines = [f"rustorch backends under test: {', '.join(CONFORMANCE_BACKENDS)}"]
    lines += [f"  skipped backend {b}: {why}" for b, why in missing.items()]
    return lines


@pytest.fixture(params=CONFORMANCE_BACKENDS)
def device(request):
    return request.param


@pytest.fixture(scope="session")
def golden_path(tmp_path_factory):
    """Torch's answers to every conformance case, generated once per session
    into a temp dir (never committed): see tests/golden.py."""
    pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")
    import golden
    from conformance.registry import all_cases
    path = tmp_path_factory.mktemp("golden") / "conformance.json"
    info = golden.generate(all_cases(), str(path))
    print(f"\ngolden file: {info['count']} cases, {info['bytes'] / 1e6:.1f} MB in {info['seconds']:.1f}s")
    return str(path)


def skip_unsupported_dtypes(case, device):
    """Skip a case whose inputs use a dtype the device declares it cannot hold
    (its backend's Capabilities: e.g. webgpu has no float64 or complex)."""
    caps = rt.backends.get(device).caps.dtypes
    bad = sorted({s.dtype for s in case.inputs
                  if hasattr(s, "dtype") and isinstance(s.dtype, str)
                  and getattr(rt, s.dtype) not in caps})
    if bad:
        pytest.skip(f"device '{device}' does not hold {', '.join(bad)} (backend capabilities)")


@contextlib.contextmanager
def skip_on_dtype_refusal(device):
    """A case that makes a dtype the device refuses (its clear UnsupportedError,
    e.g. float64 on webgpu) is skipped with that message; other errors fail."""
    try:
        yield
    except rt.UnsupportedError as e:
        if f"is not supported on device '{device}'" in str(e) and str(e).startswith("dtype "):
            pytest.skip(str(e))
        raise


def require_float64(device):
    """Skip a test written around float64 where the device holds no doubles."""
    if rt.float64 not in rt.backends.get(device).caps.dtypes:
        pytest.skip(f"device '{device}' does not hold float64 (backend capabilities)")
