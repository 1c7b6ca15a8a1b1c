"""rt.load(url) in the page (web/rustorch.js over rustorch/jsbridge.py) on the
page's WebGPU device: a torch MLP saved by torch itself as ONNX, safetensors and
a torch.save .pt file, served from the bundle's models/ folder, loaded and run
from JavaScript and compared with torch's own output; missing and garbage files
reject with clear errors."""
import os
import warnings

import pytest

TOL = 1e-4


@pytest.fixture(scope="module")
def saved_mlp(bundle_dir):
    """A torch MLP written three ways into <bundle>/models/, with its input,
    output and state as plain lists."""
    torch = pytest.importorskip("torch")
    save_file = pytest.importorskip("safetensors.torch").save_file

    out = os.path.join(bundle_dir, "models")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
    x = torch.randn(5, 4)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(out, "mlp.safetensors"))
    torch.save(sd, os.path.join(out, "mlp.pt"))
    with warnings.catch_warnings():   # the TorchScript exporter (no onnxscript needed) is deprecated
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), os.path.join(out, "mlp.onnx"), dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    with open(os.path.join(out, "garbage.safetensors"), "wb") as fh:   # a length, then no JSON
        fh.write(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!" + bytes(range(64)))
    with open(os.path.join(out, "garbage.onnx"), "wb") as fh:          # not a protobuf message
        fh.write(b"\x08\x01\x02\x03\x04\x05")
    with torch.no_grad():
        y = model(x)
    return {"x": x.tolist(), "y": y.tolist(), "state": {k: v.tolist() for k, v in sd.items()}}


@pytest.fixture()
def bridge_page(bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/bridge-test.html") == "1", page.text_content("#error")
    assert page.evaluate("rt.device") == "webgpu", page.text_content("#status")
    return page


def _close(got, want):
    flat = lambda v: [a for row in v for a in flat(row)] if isinstance(v, list) else [v]  # noqa: E731
    g, w = flat(got), flat(want)
    assert len(g) == len(w), (len(g), len(w))
    worst = max(abs(a - b) for a, b in zip(g, w))
    assert worst < TOL, f"max |diff| {worst} (got {g[:6]}, want {w[:6]})"


def test_onnx_model_runs_from_javascript(saved_mlp, bridge_page):
    r = bridge_page.evaluate("""async (x) => {
      const model = await rt.load("models/mlp.onnx");
      const input = rt.tensor(x, { dtype: "float32" });
      const y = model(input);
      const out = { shape: y.shape, device: y.device, values: await y.array(),
                    inputs: model.inputNames, outputs: model.outputNames };
      y.dispose(); input.dispose(); model.dispose();
      return out;
    }""", saved_mlp["x"])
    assert r["inputs"] == ["x"] and r["outputs"] == ["y"]
    assert r["shape"] == [5, 3] and r["device"] == "webgpu"
    _close(r["values"], saved_mlp["y"])


def test_safetensors_weights_by_name(saved_mlp, bridge_page):
    r = bridge_page.evaluate("""async () => {
      const sd = await rt.load("models/mlp.safetensors");
      const out = {};
      for (const [name, t] of Object.entries(sd)) {
        out[name] = { shape: t.shape, dtype: t.dtype, device: t.device, values: await t.array() };
        t.dispose();
      }
      return out;
    }""")
    assert sorted(r) == sorted(saved_mlp["state"])
    for name, want in saved_mlp["state"].items():
        got = r[name]
        assert got["dtype"] == "float32" and got["device"] == "webgpu", (name, got["dtype"], got["device"])
        assert got["shape"] == [len(want)] + ([len(want[0])] if isinstance(want[0], list) else [])
        _close(got["values"], want)


def test_pt_file_loads_into_a_model_built_in_javascript(saved_mlp, bridge_page):
    r = bridge_page.evaluate("""async (x) => {
      const model = rt.nn.Sequential(rt.nn.Linear(4, 8), rt.nn.ReLU(), rt.nn.Linear(8, 3));
      const input = rt.tensor(x, { dtype: "float32" });
      const run = async (m) => { const y = m(input); const v = await y.array(); y.dispose(); return v; };
      const before = await run(model);
      const loaded = await rt.load("models/mlp.pt", { model });
      const out = { before, after: await run(model), returned: await run(loaded) };
      input.dispose(); model.dispose();
      return out;
    }""", saved_mlp["x"])
    with pytest.raises(AssertionError):   # the fresh model computes something else
        _close(r["before"], saved_mlp["y"])
    _close(r["after"], saved_mlp["y"])
    _close(r["returned"], saved_mlp["y"])


def test_missing_and_garbage_files_reject_clearly(saved_mlp, bridge_page):
    r = bridge_page.evaluate("""async () => {
      const caught = async (p) => {
        try { await p; return null; } catch (e) {
          return { name: e.name, message: e.message, pythonType: e.pythonType ?? null,
                   isRusTorchError: e instanceof RusTorchError };
        }
      };
      return { missing: await caught(rt.load("models/no-such-model.onnx")),
               garbage: await caught(rt.load("models/garbage.safetensors")),
               garbageOnnx: await caught(rt.load("models/garbage.onnx")),
               live: rt.memory().numTensors };
    }""")
    missing, garbage = r["missing"], r["garbage"]
    assert missing is not None and missing["isRusTorchError"], missing
    assert "HTTP 404" in missing["message"] and "no-such-model.onnx" in missing["message"], missing
    assert garbage is not None and garbage["isRusTorchError"], garbage
    assert garbage["pythonType"], garbage                       # the Python exception's type
    assert garbage["message"].startswith(garbage["pythonType"]), garbage
    assert "safetensors" in garbage["message"], garbage
    onnx = r["garbageOnnx"]
    assert onnx is not None and onnx["isRusTorchError"] and onnx["pythonType"], onnx
    assert "ONNX" in onnx["message"], onnx
    assert r["live"] == 0                                       # nothing leaked by the failures
    assert bridge_page.foreign == []
