"""Every nn layer case on every backend: same weights as torch (through the
state dict), same inputs; outputs, input gradients, parameter gradients and
buffers must match."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from nn.harness import build_pair, compare_layer, run_layer  # noqa: E402
from nn.registry import all_layer_cases  # noqa: E402
from conftest import skip_unsupported_dtypes  # noqa: E402

CASES = all_layer_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_layer(case, device):
    if device in case.skip:
        pytest.skip(case.skip[device])
    if case.double and rt.float64 not in rt.backends.get(device).caps.dtypes:
        pytest.skip(f"device '{device}' does not hold float64 (backend capabilities)")
    skip_unsupported_dtypes(case, device)
    tmod, rmod = build_pair(case, torch, rt, device)
    want = run_layer(case, torch, tmod)
    got = run_layer(case, rt, rmod, device)
    compare_layer(got, want, case)
