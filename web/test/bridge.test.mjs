// The JS bridge (web/rustorch.js) in Pyodide under Node, python device:
//   node --test web/test/        (tests/test_js_bridge.py runs it from pytest)
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadForTest, ROOT } from "./pyodide-env.mjs";
import { RusTorchError, TENSOR_METHODS, DTYPES } from "../rustorch.js";

const rt = await loadForTest();
const close = (a, b, tol = 1e-5) => {
  assert.equal(a.length, b.length, `length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = Number(b[i]);
    assert.ok(x === y || Math.abs(x - y) <= tol, `[${i}] ${a[i]} != ${b[i]}`);
  }
};
const rejects = (fn, pythonType, pattern) => {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof RusTorchError, `not a RusTorchError: ${e}`);
    assert.equal(e.pythonType, pythonType);
    assert.match(e.message, pattern);
    return true;
  });
};

test("tensors from nested arrays, TypedArrays and numbers, with torch's dtype rules", () => {
  const a = rt.tensor([[1.5, 2], [3, 4]]);
  assert.deepEqual([a.shape, a.dtype, a.device], [[2, 2], "float32", "python"]);
  assert.deepEqual(Array.from(a.dataSync()), [1.5, 2, 3, 4]);
  assert.equal(rt.tensor([1, 2, 3]).dtype, "int64");          // torch.tensor([1, 2, 3])
  assert.equal(rt.tensor([true, false]).dtype, "bool");
  assert.equal(rt.tensor(new Int32Array([1, 2])).dtype, "int32");
  assert.equal(rt.tensor(new Uint8Array([1, 2])).dtype, "uint8");
  const s = rt.tensor(3.5);
  assert.deepEqual([s.shape, s.itemSync()], [[], 3.5]);
  const shaped = rt.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  assert.deepEqual(shaped.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  const conv = rt.tensor([1.7, -2.2], { dtype: "int32" });        // like a C cast
  assert.deepEqual(Array.from(conv.dataSync()), [1, -2]);
  assert.equal(rt.tensor([1, 2], { requiresGrad: true, dtype: "float32" }).requiresGrad, true);
});

test("data() gives the dtype's TypedArray for every dtype that crosses", async () => {
  const cases = {
    float32: [1.5, -2], float64: [1e-300, 2], int32: [-7, 8], int64: [-(2 ** 40), 5], int16: [-300, 3],
    int8: [-100, 7], uint8: [200, 1], uint16: [60000, 2], uint32: [4e9, 3], bool: [true, false],
  };
  for (const [dtype, values] of Object.entries(cases)) {
    const t = rt.tensor(values, { dtype });
    const d = await t.data();
    assert.ok(d instanceof DTYPES[dtype], `${dtype}: ${d.constructor.name}`);
    const want = dtype === "bool" ? [1, 0] : values;
    assert.deepEqual(Array.from(d, Number), want, dtype);
    assert.deepEqual(Array.from(t.dataSync(), Number), want, dtype);
  }
  // float16 through Float16Array where the engine has it, else bit patterns in JS
  const halves = [0.5, -2, 65504, 1e-7, 3.14159, -0, 1e6, 2 ** -24];
  const h = rt.tensor(halves, { dtype: "float16" });
  const want = await rt.runPython("import rustorch as rt\nrt.tensor(v, dtype=rt.float16).float().tolist()", { v: halves });
  close(await h.data(), want, 0);
  close(await rt.runPython("t.float().tolist()", { t: h }), want, 0);
});

test("a non-contiguous view reads out in C order", () => {
  const x = rt.arange(6, { dtype: "float32" }).reshape(2, 3);
  assert.deepEqual(Array.from(x.t().dataSync()), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(x.t().arraySync(), [[0, 3], [1, 4], [2, 5]]);
});

test("the Tensor method surface: arithmetic, matmul, reductions, shape ops, activations", () => {
  const a = rt.tensor([[1, 2], [3, 4]], { dtype: "float32" });
  const b = rt.tensor([[0.5, -1], [2, 0]], { dtype: "float32" });
  close(a.add(b).dataSync(), [1.5, 1, 5, 4]);
  close(a.sub(1).mul(2).div(b.add(3)).dataSync(), [0 / 3.5, 2 / 2, 4 / 5, 6 / 3]);
  close(a.matmul(b).dataSync(), [4.5, -1, 9.5, -3]);
  close(a.sum({ dim: 0 }).dataSync(), [4, 6]);
  close(a.mean().dataSync(), [2.5]);
  const [vals, idx] = a.max({ dim: 1 });
  close(vals.dataSync(), [2, 4]);
  assert.deepEqual(Array.from(idx.dataSync(), Number), [1, 1]);
  close(a.sum({ dim: 1, keepdim: true }).dataSync(), [3, 7]);
  assert.deepEqual(a.sum({ dim: 1, keepdim: true }).shape, [2, 1]);
  assert.deepEqual(a.reshape(4).shape, [4]);
  assert.deepEqual(a.reshape([1, 4]).shape, [1, 4]);
  assert.deepEqual(a.unsqueeze(0).permute(2, 0, 1).shape, [2, 1, 2]);
  close(a.transpose(0, 1).dataSync(), [1, 3, 2, 4]);
  close(b.relu().dataSync(), [0.5, 0, 2, 0]);
  close(rt.tensor([0], { dtype: "float32" }).sigmoid().dataSync(), [0.5]);
  const sm = a.softmax({ dim: 1 }).dataSync();
  close([sm[0] + sm[1], sm[2] + sm[3]], [1, 1]);
  close(a.logSoftmax({ dim: 1 }).exp().sum({ dim: 1 }).dataSync(), [1, 1]);   // camelCase -> log_softmax
  close(a.call("log_softmax", { dim: 1 }).exp().sum({ dim: 1 }).dataSync(), [1, 1]);
  close(a.clamp({ min: 2, max: 3 }).dataSync(), [2, 2, 3, 3]);
  assert.deepEqual(Array.from(a.gt(2).dataSync()), [0, 0, 1, 1]);
  close(rt.cat([a, b], { dim: 0 }).sum().dataSync(), [11.5]);
  close(rt.stack([a, b]).index(1).dataSync(), [0.5, -1, 2, 0]);
  assert.equal(a.numel(), 4);
  assert.equal(a.dim(), 2);
});

test("indexing with integers, slices, null, '...', tensors and arrays; setIndex writes in place", () => {
  const x = rt.arange(12, { dtype: "float32" }).reshape(3, 4);
  assert.deepEqual(x.index(1).arraySync(), [4, 5, 6, 7]);
  assert.deepEqual(x.index(-1, rt.slice(null, null, 2)).arraySync(), [8, 10]);
  assert.deepEqual(x.index(rt.slice(1, 3), rt.slice(2)).arraySync(), [[6, 7], [10, 11]]);
  assert.deepEqual(x.index("...", 0).arraySync(), [0, 4, 8]);
  assert.deepEqual(x.index(null).shape, [1, 3, 4]);
  assert.deepEqual(x.index([0, 2], 1).arraySync(), [1, 9]);
  assert.deepEqual(x.index(rt.tensor([2, 0]), 0).arraySync(), [8, 0]);
  assert.deepEqual(x.index(x.gt(9)).arraySync(), [10, 11]);
  x.setIndex([0, rt.slice(0, 2)], -1);
  x.setIndex(2, rt.tensor([1, 1, 1, 1], { dtype: "float32" }));
  assert.deepEqual(x.arraySync(), [[-1, -1, 2, 3], [4, 5, 6, 7], [1, 1, 1, 1]]);
  rejects(() => x.index(3), "IndexOutOfRange", /index 3 is out of bounds/);
});

test("Python exceptions become RusTorchErrors with the Python type and message", () => {
  const a = rt.ones([2, 3]);
  rejects(() => a.matmul(rt.ones([2, 3])), "ShapeError", /cannot be multiplied \(2x3 and 2x3\)/);
  rejects(() => a.reshape(5), "ShapeError", /shape '\[5\]' is invalid for input of size 6/);
  rejects(() => a.call("noSuchMethod"), "InvalidArgument", /no attribute 'noSuchMethod'.*no_such_method/);
  rejects(() => rt.zeros([2], { dtype: "float128" }), "InvalidType", /float128/);
  const e = (() => { try { a.matmul(a); } catch (err) { return err; } })();
  assert.match(e.traceback, /Traceback/);
  assert.ok(e instanceof Error);
});

test("JS misuse gets a clear error: disposed tensors, bad shapes and dtypes, ragged arrays", () => {
  const bad = (fn, pattern) => assert.throws(fn, (e) => e instanceof RusTorchError && e.pythonType === null && pattern.test(e.message));
  const t = rt.tensor([1, 2]);
  t.dispose();
  t.dispose();   // twice is harmless
  assert.equal(t.isDisposed, true);
  bad(() => t.add(1), /disposed/);
  bad(() => t.dataSync(), /disposed/);
  bad(() => rt.ones([2]).add(t), /disposed/);
  bad(() => rt.tensor([1, 2, 3], { shape: [2, 2] }), /shape \[2,2\] needs 4 values, got 3/);
  bad(() => rt.tensor([1, 2], { dtype: "complex32" }), /unknown dtype "complex32"/);
  bad(() => rt.tensor([[1, 2], [3]]), /ragged/);
  bad(() => rt.tensor(["a"]), /numbers, booleans or bigints/);
  bad(() => rt.tensor({}), /takes a number, an array or a TypedArray/);
  bad(() => rt.tensor([1], { shape: [-1] }), /non-negative/);
  bad(() => rt.ones([2, 2]).itemSync(), /4 elements, not 1/);
  bad(() => rt.tidy(async () => 1), /Promise/);
});

test("tidy disposes what fn created except what it returns or keeps; memory() counts handles", () => {
  const before = rt.memory().numTensors;
  const bytesBefore = rt.memory().numBytes;
  const x = rt.ones([4, 4]);
  let kept;
  const out = rt.tidy(() => {
    const y = x.mul(2).add(1);
    kept = rt.keep(y.sum());
    const inner = rt.tidy(() => [y.relu(), y.exp()]);
    assert.equal(inner.length, 2);
    return { total: inner[0].add(inner[1]).sum() };
  });
  close(out.total.dataSync(), [16 * (3 + Math.exp(3))], 1e-2);
  close(kept.dataSync(), [48]);
  assert.equal(x.isDisposed, false);
  assert.equal(rt.memory().numTensors, before + 3);   // x, out.total, kept
  assert.equal(rt.memory().numBytes, bytesBefore + 4 * 16 + 4 + 4);   // float32 4x4 and two scalars
  for (const t of [x, out.total, kept]) t.dispose();
  assert.equal(rt.memory().numTensors, before);
  assert.throws(() => rt.tidy(() => { rt.ones([2]); throw new Error("boom"); }), /boom/);
  assert.equal(rt.memory().numTensors, before);       // disposed on the error path too
});

test("leak test: 10,000 create/compute/dispose cycles keep rt.memory() flat", () => {
  const cycle = () => {
    const a = rt.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
    const b = rt.tidy(() => a.matmul(a).relu().add(1).sum({ dim: 0 }));
    b.dataSync();
    a.dispose();
    b.dispose();
  };
  for (let i = 0; i < 200; i++) cycle();   // warm caches first
  const m0 = rt.memory({ python: true });
  for (let i = 0; i < 10_000; i++) cycle();
  const m1 = rt.memory({ python: true });
  assert.equal(m1.numTensors, m0.numTensors);
  assert.equal(m1.numBytes, m0.numBytes);
  // a leak of one object per cycle would add 10,000
  assert.ok(m1.pythonObjects - m0.pythonObjects < 100, `python objects ${m0.pythonObjects} -> ${m1.pythonObjects}`);
});

test("nn and optim from JS train a small classifier", () => {
  rt.manualSeed(0);
  // two interleaved half-moons-ish clusters: 4 Gaussian blobs, XOR labels
  const pts = [], labels = [];
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  for (let i = 0; i < 128; i++) {
    const cx = i % 2 ? 1 : -1, cy = (i >> 1) % 2 ? 1 : -1;
    pts.push([cx + 0.4 * rand(), cy + 0.4 * rand()]);
    labels.push(cx * cy > 0 ? 1 : 0);
  }
  const x = rt.tensor(pts, { dtype: "float32" });
  const y = rt.tensor(labels);
  const model = rt.nn.Sequential(rt.nn.Linear(2, 16), rt.nn.Tanh(), rt.nn.Linear(16, 2));
  const opt = rt.optim.Adam(model.parameters(), { lr: 0.05 });
  const lossOf = () => rt.functional.crossEntropy(model(x), y);
  const first = rt.tidy(() => lossOf().itemSync());
  for (let step = 0; step < 60; step++) {
    rt.tidy(() => {
      opt.zeroGrad();
      const loss = lossOf();
      loss.backward();
      opt.step();
    });
  }
  const last = rt.tidy(() => lossOf().itemSync());
  const acc = rt.tidy(() => rt.noGrad(() => model(x).argmax({ dim: 1 }).eq(y).float().mean().itemSync()));
  assert.ok(last < first / 4, `loss ${first} -> ${last}`);
  assert.equal(acc, 1);
  const ps = model.parameters();
  assert.equal(ps.length, 4);
  assert.deepEqual(ps[0].shape, [16, 2]);
  assert.equal(model.training, true);
  model.eval();
  assert.equal(model.training, false);
  model.training = true;
  assert.equal(model.training, true);
  assert.equal(model.pyType, "Sequential");
  const grad = ps[0].grad;
  assert.deepEqual(grad.shape, [16, 2]);
});

test("runPython: globals in, the last expression out", async () => {
  const t = rt.tensor([1, 2, 3], { dtype: "float32" });
  const r = await rt.runPython("import rustorch as rt\n(t * k).sum()", { t, k: 2 });
  close(r.dataSync(), [12]);
  assert.deepEqual(await rt.runPython("[1, 'a', None, {'b': 2.5}]"), [1, "a", null, { b: 2.5 }]);
  assert.equal(t.isDisposed, false);
  await assert.rejects(rt.runPython("1 / 0"), (e) => e.pythonType === "ZeroDivisionError" && /division by zero/.test(e.message));
});

const FIXTURES = process.env.RUSTORCH_BRIDGE_FIXTURES;
test("rt.load reads safetensors, torch .pt and ONNX bytes", { skip: !FIXTURES && "RUSTORCH_BRIDGE_FIXTURES unset (tests/test_js_bridge.py sets it)" }, async () => {
  const read = (f) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)));
  const want = JSON.parse(fs.readFileSync(path.join(FIXTURES, "expected.json"), "utf8"));
  const x = rt.tensor(want.input, { dtype: "float32" });
  const sd = await rt.load(read("mlp.safetensors"));
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(want.state).sort());
  for (const [k, v] of Object.entries(want.state)) close(sd[k].dataSync(), v.flat(), 1e-6);
  const onnx = await rt.load(read("mlp.onnx"), { format: "onnx" });
  close(onnx(x).dataSync(), want.output.flat(), 1e-4);
  const model = rt.nn.Sequential(rt.nn.Linear(4, 8), rt.nn.ReLU(), rt.nn.Linear(8, 3));
  const same = await rt.load(read("mlp.pt"), { model });
  close(same(x).dataSync(), want.output.flat(), 1e-4);
  close(model(x).dataSync(), want.output.flat(), 1e-4);
  const sd2 = await rt.load(read("mlp.pt").buffer);
  close(sd2["0.weight"].dataSync(), want.state["0.weight"].flat(), 1e-6);
  await assert.rejects(rt.load(new Uint8Array([1, 2, 3])), (e) => e instanceof RusTorchError && /cannot tell the format/.test(e.message));
  await assert.rejects(rt.load(read("mlp.safetensors").slice(0, 40), { format: "safetensors" }),
    (e) => e instanceof RusTorchError && e.pythonType !== null);
});

test("rustorch.d.ts declares every Tensor method and package.json lists the module files", () => {
  const dts = fs.readFileSync(path.join(ROOT, "web", "rustorch.d.ts"), "utf8");
  for (const name of TENSOR_METHODS) {
    assert.match(dts, new RegExp(`[ ;]${name}(: Op?;|\\()`), `rustorch.d.ts lacks ${name}`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "web", "package.json"), "utf8"));
  assert.equal(pkg.type, "module");
  for (const f of pkg.files.filter((f) => f !== "README.md")) {
    assert.ok(fs.existsSync(path.join(ROOT, "web", f)), `package.json lists ${f}, which is missing`);
  }
  for (const entry of Object.values(pkg.exports).filter((e) => typeof e === "object")) {
    for (const f of Object.values(entry)) assert.ok(fs.existsSync(path.join(ROOT, "web", f)), f);
  }
});

test("device 'webgpu' where there is none falls back to 'python' with a console notice", async () => {
  const { RusTorch } = await import("../rustorch.js");
  const warned = [];
  const warn = console.warn;
  console.warn = (m) => warned.push(String(m));
  let other;
  try {
    other = await RusTorch.load({ pyodide: rt._py, device: "webgpu" });
  } finally {
    console.warn = warn;
  }
  assert.equal(other.device, "python");
  assert.match(other.notice, /WebGPU is not available here .*using the python device/);
  assert.deepEqual(warned, [other.notice]);
  assert.equal(other.tensor([1, 2]).device, "python");
  await assert.rejects(RusTorch.load({ pyodide: rt._py, device: "no-such-device" }),
    (e) => e instanceof RusTorchError && /no-such-device/.test(e.message));
});

test("integer data past its dtype's range is refused, not wrapped", () => {
  const bad = (fn, pattern) => assert.throws(fn, (e) => e instanceof RusTorchError && pattern.test(e.message));
  bad(() => rt.tensor([200], { dtype: "int8" }), /value 200 cannot be converted to int8 without overflow/);
  bad(() => rt.tensor([-1], { dtype: "uint8" }), /value -1 cannot be converted to uint8/);
  bad(() => rt.tensor([2 ** 31], { dtype: "int32" }), /without overflow/);
  bad(() => rt.tensor(new Float32Array([1e10]), { dtype: "int32" }), /without overflow/);
  bad(() => rt.tensor([NaN], { dtype: "int16" }), /NaN cannot be converted to int16/);
  assert.deepEqual(Array.from(rt.tensor([127, -128], { dtype: "int8" }).dataSync()), [127, -128]);
  assert.deepEqual(Array.from(rt.tensor(new Int8Array([-5]), { dtype: "int32" }).dataSync()), [-5]);
  assert.deepEqual(Array.from(rt.tensor([2 ** 40]).dataSync()), [2n ** 40n]);   // int64 on python
});
