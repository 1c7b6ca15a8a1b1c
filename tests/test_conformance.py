"""Every conformance case, on every backend this machine has, against torch:
values, dtype, shape, and gradients."""
import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from conformance.harness import run_case, compare_records  # noqa: E402
from conformance.registry import all_cases  # noqa: E402
from conftest import skip_on_dtype_refusal, skip_unsupported_dtypes  # noqa: E402

CASES = all_cases()
_TORCH_CACHE = {}


def _torch_record(case):
    if case.name not in _TORCH_CACHE:
        _TORCH_CACHE[case.name] = run_case(case, torch)
    return _TORCH_CACHE[case.name]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, device):
    if device in case.skip:
        pytest.skip(case.skip[device])
    skip_unsupported_dtypes(case, device)
    want = _torch_record(case)
    with skip_on_dtype_refusal(device):
        got = run_case(case, rt, device=device)
    compare_records(got, want, case)


def test_suite_is_large():
    # the suite covers the core API; shrinking it by accident should fail
    assert len(CASES) >= 300, len(CASES)
