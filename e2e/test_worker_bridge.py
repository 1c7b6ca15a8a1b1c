"""The JS bridge in a module Web Worker (web/rustorch-remote.js + rustorch-worker.js):
web/worker-bridge.html trains an MLP on 2-D spirals through the worker API on the
page's WebGPU device while the main thread keeps animating; then the error paths
through the worker, driven with page.evaluate.

The page trains 100 steps by default; the test asks for 40, which reach ~99%
(SwiftShader takes ~0.4 s a step here, the python device ~0.08 s)."""

THRESHOLD = 0.9   # three spirals: a linear model stays near 0.5, chance is 1/3


def test_worker_trains_while_the_page_animates(bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/worker-bridge.html?steps=40") == "1", \
        page.text_content("#error")
    r = page.evaluate("window.workerResults")
    assert r["device"] == "webgpu", r           # Chromium here has WebGPU (SwiftShader)
    assert r["steps"] == 40 and r["points"] == 240
    assert r["lastLoss"] < 0.5 * r["firstLoss"], r["losses"]
    assert r["accuracy"] >= THRESHOLD, r
    # the main thread painted frames all through training: it was never blocked for long
    assert r["ticks"] >= 20, r
    # rt.tidy freed each step's handles: the count after 40 steps is the one after 1
    assert r["memory"]["pageHandles"] == r["handlesAfterFirstStep"], r
    assert r["memory"]["workerHandles"] == r["memory"]["pageHandles"], r["memory"]
    assert r["memoryAfterDispose"]["pageHandles"] == 0, r["memoryAfterDispose"]
    assert r["memoryAfterDispose"]["workerHandles"] == 0, r["memoryAfterDispose"]
    assert r["memoryAfterDispose"]["numTensors"] == 0, r["memoryAfterDispose"]
    page.shot("worker-bridge.png")
    assert page.foreign == []


THROUGH_THE_WORKER = """async () => {
  const rt = window.rt, out = {};
  const failure = async (promise) => {
    try { await promise; return null; }
    catch (e) { return { name: e.name, message: e.message, pythonType: e.pythonType ?? null }; }
  };
  const a = await rt.tensor([[1, 2, 3]], { dtype: "float32" });
  out.shape = a.shape;
  out.python = await failure(a.matmul(a));                         // (1x3) @ (1x3)
  out.badDtype = await failure(rt.tensor([1, 2], { dtype: "complex64" }));
  out.badDtypePython = await failure(rt.zeros([2], { dtype: "not_a_dtype" }));
  out.noMethod = await failure(a.call("no_such_method"));
  const b = await a.mul(2);
  b.dispose();
  out.disposed = await failure(b.add(1));
  out.disposedArg = await failure(a.add(b));
  try { a.dataSync(); out.dataSync = null; } catch (e) { out.dataSync = e.message; }
  // the worker still answers, in order, after all that
  const c = await a.add(1);
  out.after = Array.from(await c.data());
  out.afterType = (await c.data()).constructor.name;
  const m = await rt.nn.Linear(3, 2);
  out.weightShape = (await m.weight).shape;
  out.modelOut = (await m(a)).shape;
  out.modelError = await failure(m(c.reshape(3, 1)));
  // TypedArrays: copied to the worker by default, moved with { transfer: true }
  const f = new Float32Array([1, 2, 3]), g = new Float32Array([4, 5, 6]);
  await rt.tensor(f);
  out.copiedLength = f.length;
  out.movedSum = await (await (await rt.tensor(g, { transfer: true })).sum()).item();
  out.movedLength = g.length;
  // tidy frees what fn made except what it returns or keeps
  let kept, tmp;
  const returned = await rt.tidy(async () => {
    kept = rt.keep(await rt.ones([2]));
    tmp = await kept.mul(3);
    return tmp.add(1);
  });
  out.tidy = { tmpDisposed: tmp.isDisposed, keptAlive: !kept.isDisposed, returned: await returned.array() };
  out.python = [out.python, await rt.runPython("float((t * 2).sum())", { t: a })];
  // indexing with slices; setIndex writes in place and resolves to the same tensor
  const z = await (await rt.arange(6, { dtype: "float32" })).reshape(2, 3);
  out.column = await (await z.index(rt.slice(), 1)).array();
  out.setIndexSame = (await z.setIndex([0, rt.slice(1, null)], 9)) === z;
  out.afterSet = await z.array();
  // autograd and attributes through the worker
  const w = await rt.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
  await (await (await w.mul(w)).sum()).backward();
  out.grad = [await w.requiresGrad, await (await w.grad).array()];
  await m.set("training", false);
  out.training = await m.training;
  out.memory = await rt.memory();
  // a worker whose script does not load, and a terminated one: clear errors, no hang
  const { RusTorch } = await import("./rustorch.js");
  out.noScript = await failure(RusTorch.load({ worker: true, workerURL: "./no-such-worker.js" }));
  out.badBundle = await failure(RusTorch.load({ worker: true, manifestURL: "./no-such-bundle.json" }));
  // calls made before the load failed, and after, reject with the load error
  const { startWorker } = await import("./rustorch-remote.js");
  const broken = startWorker({ manifestURL: "./no-such-bundle.json" });
  const early = broken.zeros([2]);
  out.brokenReady = await failure(broken.ready);
  out.brokenEarly = await failure(early);
  out.brokenLater = await failure(broken.ones([2]));
  rt.terminate();
  out.terminated = await failure(rt.zeros([2]));
  return out;
}"""


def test_errors_cross_the_worker_and_it_keeps_answering(bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/worker-bridge.html?train=0") == "1", \
        page.text_content("#error")
    r = page.evaluate(THROUGH_THE_WORKER)
    assert r["shape"] == [1, 3]
    py, from_python = r["python"]
    assert from_python == 12.0
    assert py and py["pythonType"], r
    assert py["pythonType"] == "ShapeError" and "cannot be multiplied (1x3 and 1x3)" in py["message"], py
    assert r["badDtype"] and "unknown dtype" in r["badDtype"]["message"], r
    assert r["badDtypePython"]["pythonType"] and "not_a_dtype" in r["badDtypePython"]["message"], r
    assert r["noMethod"] and "no_such_method" in r["noMethod"]["message"], r
    for key in ("disposed", "disposedArg"):
        assert r[key] and "disposed" in r[key]["message"] and r[key]["pythonType"] is None, r
    assert r["dataSync"] and "await t.data()" in r["dataSync"], r
    assert r["after"] == [2, 3, 4] and r["afterType"] == "Float32Array", r
    assert r["weightShape"] == [2, 3] and r["modelOut"] == [1, 2], r
    assert r["modelError"] and r["modelError"]["pythonType"], r
    assert r["copiedLength"] == 3 and r["movedLength"] == 0 and r["movedSum"] == 15, r
    assert r["tidy"] == {"tmpDisposed": True, "keptAlive": True, "returned": [4, 4]}, r
    assert r["grad"] == [True, [2, 4, 6]] and r["training"] is False, r
    assert r["column"] == [1, 4] and r["setIndexSame"] and r["afterSet"] == [[0, 9, 9], [3, 4, 5]], r
    assert r["memory"]["workerHandles"] == r["memory"]["pageHandles"], r
    assert r["noScript"] and "no-such-worker.js" in r["noScript"]["message"], r
    for key in ("brokenReady", "brokenEarly", "brokenLater"):
        assert r[key] and "no-such-bundle.json" in r[key]["message"], r
    assert r["badBundle"] and "no-such-bundle.json" in r["badBundle"]["message"], r
    assert r["terminated"] and "terminated" in r["terminated"]["message"], r
