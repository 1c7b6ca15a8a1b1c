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
