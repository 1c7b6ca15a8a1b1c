"""The backend contract and the device registry."""
import pytest

import rustorch as rt
from rustorch.backends import contract


def test_cpu_backend_satisfies_the_contract():
    b = rt.backends.get("cpu")
    assert contract.check_backend(b) == []
    assert rt.float32 in b.caps.dtypes and rt.complex128 in b.caps.dtypes


def test_available_lists_cpu_and_reasons_for_the_rest():
    avail = rt.backends.available()
    assert "cpu" in avail
    for name in ("numba", "webgpu", "cuda", "opencl"):
        if name not in avail:
            why = rt.backends.why_unavailable(name)
            assert name in why and ("install" in why or "no backend" in why), why


def test_missing_backend_raises_a_clear_error():
    if "cuda" in rt.backends.available():
        pytest.skip("this machine has a CUDA backend")
    with pytest.raises(rt.BackendUnavailableError, match="cuda") as e:
        rt.ones(2, device="cuda")
    assert isinstance(e.value, RuntimeError)


def test_device_objects():
    d = rt.device("cpu")
    assert d.type == "cpu" and d.index is None and str(d) == "cpu"
    assert repr(rt.device("cuda:1")) == "device(type='cuda', index=1)"
    assert rt.device("cpu") == "cpu" and rt.ones(2).device == d
    with pytest.raises(rt.DeviceError, match="unknown device type 'tpu'"):
        rt.device("tpu")
    with pytest.raises(RuntimeError):
        rt.device("cuda:x")


def test_to_same_device_is_noop_and_dtype_cast():
    x = rt.ones(2)
    assert x.to("cpu") is x and x.to(rt.float32) is x
    assert x.to("cpu", rt.float64).dtype is rt.float64
    assert x.to(rt.zeros(1, dtype=rt.int32)).dtype is rt.int32


def test_register_out_of_tree_backend():
    import types
    import sys

    class Mini(contract.Backend):
        name = "opencl"
    mod = types.ModuleType("rt_fake_backend")
    mod.Mini = Mini
    sys.modules["rt_fake_backend"] = mod
    saved = dict(rt.backends._PROVIDERS)
    try:
        rt.backends.register("opencl", "rt_fake_backend", "Mini")
        b = rt.backends.get("opencl")
        assert isinstance(b, Mini)
        assert "asarray" in contract.check_backend(b) or contract.check_backend(b)
    finally:
        rt.backends._PROVIDERS.clear()
        rt.backends._PROVIDERS.update(saved)
        rt.backends._INSTANCES.pop("opencl", None)
        rt.backends._FAILURES.pop("opencl", None)


def test_unsupported_dtype_is_a_clear_error():
    b = rt.backends.get("cpu")
    saved = b.caps
    try:
        b.caps = contract.Capabilities([d for d in saved.dtypes if d is not rt.float16])
        with pytest.raises(rt.UnsupportedError, match="float16 is not supported on device 'cpu'"):
            rt.ones(2, dtype=rt.float16)
    finally:
        b.caps = saved


def test_core_imports_without_numpy(tmp_path):
    # the package must import with no third-party package at all
    import subprocess
    import sys
    import os
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numpy' or name.startswith('numpy.'):\n"
            "            raise ModuleNotFoundError('numpy blocked', name='numpy')\n"
            "sys.meta_path.insert(0, Block())\n"
            "import rustorch as rt\n"
            "print(rt.__version__, 'cpu' in rt.backends.available())\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == rt.__version__
