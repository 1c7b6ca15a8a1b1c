// bench.html's logic: rustorch (Pyodide + WebGPU) against TensorFlow.js's WebGPU
// backend in the same page, on the same inputs.
//
// What is timed, on both sides alike: after the (untimed) checks, `warmup` calls
// and a sync; then `rounds` rounds, alternating the sides, each `reps` calls back
// to back ended by one sync; ms per call = a round's span / reps, and the table
// gives the median over rounds.  A sync is one read of the last call's result:
// its first element for the compute workloads (a 4-byte read that waits for all
// queued GPU work), the whole result for the bridge workloads (4 elements, or
// the round trip being measured).  No other copy of a result leaves the GPU
// inside the timing.  The checks compare both outputs with a float64 reference
// computed here in JS and with each other.
//
// Two sections: "compute" (issue 9: matmul, conv, MLP step; rustorch from Python
// through runPythonAsync) and "bridge" (issue 10: rustorch's JS API in
// rustorch.js -- per-call overhead of a tiny op, 1M-element round trips), each
// against TF.js.
import { loadRustorch } from "./rustorch-loader.js";

const $ = (id) => document.getElementById(id);
const TFJS_URLS = ["vendor/tfjs/tf.min.js", "vendor/tfjs/tf-backend-webgpu.min.js"];
const COMPUTE = ["matmul", "conv", "mlp"];
const BRIDGE = ["add_tiny", "add_tiny_gpu", "roundtrip", "roundtrip_op"];
const ALL = [...COMPUTE, ...BRIDGE];

function intParam(params, name, dflt, min) {
  const raw = params.get(name);
  if (raw === null) return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`?${name}=${raw}: expected an integer >= ${min}`);
  return v;
}

function readConfig(search = location.search) {
  const params = new URLSearchParams(search);
  const only = (params.get("only") || ALL.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((w) => !ALL.includes(w));
  if (unknown.length || !only.length) {
    throw new Error(`?only=${params.get("only")}: unknown workload ${unknown.join(", ")} (choose from ${ALL.join(", ")})`);
  }
  return {
    reps: intParam(params, "reps", 10, 1),
    warmup: intParam(params, "warmup", 2, 0),
    rounds: intParam(params, "rounds", 3, 1),
    calls: intParam(params, "calls", 200, 1),   // the tiny op's reps: it is fast
    only: ALL.filter((w) => only.includes(w)),
  };
}

// ------------------------------------------------------------ deterministic inputs
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function uniform(n, seed, lo = -1, hi = 1) {
  const r = mulberry32(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}
function labels(n, classes, seed) {
  const r = mulberry32(seed), out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(classes * r());
  return out;
}

// ------------------------------------------------------------ float64 references
function refMatmul(a, b, n) {
  const out = new Float64Array(n * n), row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k], bk = k * n;
      for (let j = 0; j < n; j++) row[j] += aik * b[bk + j];
    }
    out.set(row, i * n);
  }
  return out;
}
// NCHW input, OIHW weight, stride 1, `pad` zero padding, "same" output size
function refConv(x, w, bias, { n, cin, cout, h, wd, k, pad }) {
  const out = new Float64Array(n * cout * h * wd);
  for (let b = 0; b < n; b++) for (let o = 0; o < cout; o++) {
    const plane = out.subarray((b * cout + o) * h * wd, (b * cout + o + 1) * h * wd);
    plane.fill(bias[o]);
    for (let c = 0; c < cin; c++) {
      const xin = (b * cin + c) * h * wd;
      for (let di = 0; di < k; di++) for (let dj = 0; dj < k; dj++) {
        const wv = w[((o * cin + c) * k + di) * k + dj];
        for (let i = 0; i < h; i++) {
          const si = i + di - pad;
          if (si < 0 || si >= h) continue;
          for (let j = 0; j < wd; j++) {
            const sj = j + dj - pad;
            if (sj >= 0 && sj < wd) plane[i * wd + j] += wv * x[xin + si * wd + sj];
          }
        }
      }
    }
  }
  return out;
}
// mean cross-entropy of relu(x W1^T + b1) W2^T + b2 (torch's Linear layout)
function refMlpLoss(x, y, p, { batch, nin, hidden, nout }) {
  let total = 0;
  const h = new Float64Array(hidden), z = new Float64Array(nout);
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < hidden; u++) {
      let s = p.b1[u];
      for (let i = 0; i < nin; i++) s += x[b * nin + i] * p.w1[u * nin + i];
      h[u] = Math.max(0, s);
    }
    let m = -Infinity;
    for (let o = 0; o < nout; o++) {
      let s = p.b2[o];
      for (let u = 0; u < hidden; u++) s += h[u] * p.w2[o * hidden + u];
      z[o] = s; m = Math.max(m, s);
    }
    let se = 0;
    for (let o = 0; o < nout; o++) se += Math.exp(z[o] - m);
    total += m + Math.log(se) - z[y[b]];
  }
  return total / batch;
}

// the largest |a - b| against atol + rtol * max |ref|
function compare(name, got, ref, { rtol = 1e-4, atol = 1e-4 } = {}) {
  if (got.length !== ref.length) return { name, ok: false, why: `length ${got.length} != ${ref.length}` };
  let diff = 0, scale = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  const tol = atol + rtol * scale;
  return { name, ok: diff <= tol, max_abs_diff: diff, tol };
}

// ------------------------------------------------------------ the workloads
// each: inputs (JS typed arrays, generated here and passed to both sides), a
// float64 reference, the rustorch side (compute: `py`, Python defining _fn,
// _check and maybe _final; bridge: `rustorch(rt, inp)`), the TF.js side
// (`tfjs(tf, inp)`), the checks against the reference and across the sides
const MATMUL_N = 512;
const CONV = { n: 16, cin: 16, cout: 32, h: 32, wd: 32, k: 3, pad: 1 };
const MLP = { batch: 64, nin: 784, hidden: 256, nout: 10, lr: 0.1 };

const WORKLOADS = {
  matmul: {
    label: `matmul ${MATMUL_N}x${MATMUL_N} @ ${MATMUL_N}x${MATMUL_N} float32`,
    inputs: () => ({ a: uniform(MATMUL_N ** 2, 1), b: uniform(MATMUL_N ** 2, 2) }),
    reference: (inp) => ({ out: refMatmul(inp.a, inp.b, MATMUL_N) }),
    py: `
_a = _tensor(_IN.a, (${MATMUL_N}, ${MATMUL_N}))
_b = _tensor(_IN.b, (${MATMUL_N}, ${MATMUL_N}))
def _fn():
    return _a @ _b
async def _check():
    return {"out": await _floats(_fn())}
`,
    tfjs(tf, inp) {
      const a = tf.tensor2d(inp.a, [MATMUL_N, MATMUL_N]), b = tf.tensor2d(inp.b, [MATMUL_N, MATMUL_N]);
      return {
        fn: () => tf.matMul(a, b),
        check: async () => ({ out: await readAll(tf, tf.matMul(a, b)) }),
        dispose: () => tf.dispose([a, b]),
      };
    },
    checks: (ref, side) => [compare("output vs float64 reference", side.out, ref.out)],
    cross: (r, t) => [compare("output: rustorch vs tfjs", r.out, t.out)],
  },

  conv: {
    label: `conv2d ${CONV.cin}->${CONV.cout} channels, ${CONV.k}x${CONV.k}, padding ${CONV.pad}, + bias, ` +
           `batch ${CONV.n}, ${CONV.h}x${CONV.wd}`,
    inputs: () => ({
      x: uniform(CONV.n * CONV.cin * CONV.h * CONV.wd, 3),
      w: uniform(CONV.cout * CONV.cin * CONV.k * CONV.k, 4, -1 / 12, 1 / 12),
      bias: uniform(CONV.cout, 5, -0.1, 0.1),
    }),
    reference: (inp) => ({ out: refConv(inp.x, inp.w, inp.bias, CONV) }),
    py: `
_x = _tensor(_IN.x, (${CONV.n}, ${CONV.cin}, ${CONV.h}, ${CONV.wd}))
_w = _tensor(_IN.w, (${CONV.cout}, ${CONV.cin}, ${CONV.k}, ${CONV.k}))
_bias = _tensor(_IN.bias, (${CONV.cout},))
def _fn():
    return F.conv2d(_x, _w, _bias, padding=${CONV.pad})
async def _check():
    return {"out": await _floats(_fn())}
`,
    // TF.js in its native layout (NHWC input, HWIO filter: transposed once, untimed)
    // and its fused conv + bias, as its layers use; the check transposes back to NCHW
    tfjs(tf, inp) {
      const { n, cin, cout, h, wd, k } = CONV;
      const x = tf.tidy(() => tf.tensor4d(inp.x, [n, cin, h, wd]).transpose([0, 2, 3, 1]));
      const w = tf.tidy(() => tf.tensor4d(inp.w, [cout, cin, k, k]).transpose([2, 3, 1, 0]));
      const bias = tf.tensor1d(inp.bias);
      const fn = () => tf.fused.conv2d({ x, filter: w, bias, strides: 1, pad: "same" });
      return {
        fn,
        check: async () => ({ out: await readAll(tf, tf.tidy(() => fn().transpose([0, 3, 1, 2]))) }),
        dispose: () => tf.dispose([x, w, bias]),
      };
    },
    checks: (ref, side) => [compare("output vs float64 reference", side.out, ref.out)],
    cross: (r, t) => [compare("output: rustorch vs tfjs", r.out, t.out)],
  },

  mlp: {
    label: `MLP training step ${MLP.nin}-${MLP.hidden}-${MLP.nout} (ReLU), batch ${MLP.batch}, ` +
           `cross-entropy, SGD lr ${MLP.lr}`,
    inputs: () => {
      const { batch, nin, hidden, nout } = MLP;
      return {
        x: uniform(batch * nin, 6, 0, 1), y: labels(batch, nout, 7),
        w1: uniform(hidden * nin, 8, -1 / Math.sqrt(nin), 1 / Math.sqrt(nin)),
        b1: uniform(hidden, 9, -1 / Math.sqrt(nin), 1 / Math.sqrt(nin)),
        w2: uniform(nout * hidden, 10, -1 / Math.sqrt(hidden), 1 / Math.sqrt(hidden)),
        b2: uniform(nout, 11, -1 / Math.sqrt(hidden), 1 / Math.sqrt(hidden)),
      };
    },
    reference: (inp) => ({ loss: [refMlpLoss(inp.x, inp.y, inp, MLP)] }),
    py: `
_x = _tensor(_IN.x, (${MLP.batch}, ${MLP.nin}))
_y = _tensor(_IN.y, (${MLP.batch},), rt.int32).long()
_model = nn.Sequential(nn.Linear(${MLP.nin}, ${MLP.hidden}), nn.ReLU(), nn.Linear(${MLP.hidden}, ${MLP.nout})).to(DEV)
with rt.no_grad():
    for _p, _src in zip(_model.parameters(), (_IN.w1, _IN.b1, _IN.w2, _IN.b2)):
        _p.copy_(_tensor(_src, tuple(_p.shape)))
_opt = optim.SGD(_model.parameters(), lr=${MLP.lr})
_lossf = nn.CrossEntropyLoss()
def _fn():
    _opt.zero_grad()
    loss = _lossf(_model(_x), _y)
    loss.backward()
    _opt.step()
    return loss
def _loss_now():
    with rt.no_grad():
        return _lossf(_model(_x), _y)
async def _check():
    return {"loss": [await _loss_now().item_async()]}
async def _final():
    return {"loss_after": [await _loss_now().item_async()]}
`,
    // the same layers by hand (torch's [out, in] weights: x W^T), tf.variableGrads
    // through optimizer.minimize
    tfjs(tf, inp) {
      const { batch, nin, hidden, nout, lr } = MLP;
      const w1 = tf.variable(tf.tensor2d(inp.w1, [hidden, nin])), b1 = tf.variable(tf.tensor1d(inp.b1));
      const w2 = tf.variable(tf.tensor2d(inp.w2, [nout, hidden])), b2 = tf.variable(tf.tensor1d(inp.b2));
      const x = tf.tensor2d(inp.x, [batch, nin]);
      const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(inp.y, "int32"), nout));
      const opt = tf.train.sgd(lr);
      const loss = () => {
        const h = tf.relu(tf.add(tf.matMul(x, w1, false, true), b1));
        return tf.losses.softmaxCrossEntropy(onehot, tf.add(tf.matMul(h, w2, false, true), b2));
      };
      const lossNow = async () => [await readAll(tf, tf.tidy(loss)).then((v) => v[0])];
      return {
        fn: () => opt.minimize(loss, true, [w1, b1, w2, b2]),
        check: async () => ({ loss: await lossNow() }),
        final: async () => ({ loss_after: await lossNow() }),
        dispose: () => { tf.dispose([w1, b1, w2, b2, x, onehot]); opt.dispose(); },
      };
    },
    checks: (ref, side) => [compare("loss before the step vs float64 reference", side.loss, ref.loss)],
    cross: (r, t) => [
      compare("loss before the step: rustorch vs tfjs", r.loss, t.loss),
      // both sides took the same warmup + rounds * reps SGD steps from the same weights
      compare("loss after every step taken: rustorch vs tfjs", r.loss_after, t.loss_after, { rtol: 1e-3 }),
    ],
  },

  // ---- the bridge section (issue 10): rustorch's JS API (rustorch.js) vs TF.js;
  // `rustorch(rt, inp)` and `tfjs(tf, inp)` give {fn, sync, check, dispose}
  // TF.js's WebGPU backend computes ops on tensors of < 1000 elements whose values
  // are on the CPU in JavaScript (its WEBGPU_CPU_FORWARD flag): add_tiny measures
  // that default, add_tiny_gpu turns the flag off so that TF.js dispatches to the
  // GPU as rustorch always does
  add_tiny: {
    label: "per-call overhead: t.add(1), 4 floats (TF.js default: computes it on the CPU)",
    repsKey: "calls",
    inputs: () => ({ x: uniform(4, 12) }),
    reference: (inp) => ({ out: Array.from(inp.x, (v) => v + 1) }),
    rustorch: (rt, inp) => tinyAdd(inp, (x) => rt.tensor(x, { shape: [x.length] })),
    tfjs: (tf, inp) => tinyAdd(inp, (x) => tf.tensor1d(x)),
    checks: (ref, side) => [compare("t.add(1) vs float64 reference", side.out, ref.out, { rtol: 1e-6, atol: 0 })],
    cross: (r, t) => [compare("t.add(1): rustorch vs tfjs", r.out, t.out, { rtol: 0, atol: 0 })],
  },
  add_tiny_gpu: {
    label: "per-call overhead: t.add(1), 4 floats, on the GPU (TF.js: WEBGPU_CPU_FORWARD off)",
    repsKey: "calls",
    inputs: () => ({ x: uniform(4, 15) }),
    reference: (inp) => ({ out: Array.from(inp.x, (v) => v + 1) }),
    rustorch: (rt, inp) => tinyAdd(inp, (x) => rt.tensor(x, { shape: [x.length] })),
    tfjs(tf, inp) {
      const before = tf.env().getBool("WEBGPU_CPU_FORWARD");
      tf.env().set("WEBGPU_CPU_FORWARD", false);
      const spec = tinyAdd(inp, (x) => tf.tensor1d(x));
      return { ...spec, dispose: () => { spec.dispose(); tf.env().set("WEBGPU_CPU_FORWARD", before); } };
    },
    checks: (ref, side) => [compare("t.add(1) vs float64 reference", side.out, ref.out, { rtol: 1e-6, atol: 0 })],
    cross: (r, t) => [compare("t.add(1): rustorch vs tfjs", r.out, t.out, { rtol: 0, atol: 0 })],
  },

  // TF.js keeps a new tensor's values on the CPU until a kernel uses them and
  // data() then returns them without touching the GPU; rustorch writes the GPU
  // buffer at once and reads it back.  roundtrip_op makes both sides go through
  // the GPU (one add kernel).
  roundtrip: {
    label: "1M floats round trip: tensor(Float32Array), await data() (TF.js: stays on the CPU)",
    async: true,
    inputs: () => ({ x: uniform(1 << 20, 13) }),
    reference: (inp) => ({ out: inp.x }),
    rustorch: (rt, inp) => roundTrip(inp, (x) => rt.tensor(x, { shape: [x.length] }), false),
    tfjs: (tf, inp) => roundTrip(inp, (x) => tf.tensor1d(x), false),
    checks: (ref, side) => [compare("data() == the input", side.out, ref.out, { rtol: 0, atol: 0 })],
    cross: () => [],
  },
  roundtrip_op: {
    label: "1M floats through the GPU: tensor(Float32Array).add(1), await data()",
    async: true,
    inputs: () => ({ x: uniform(1 << 20, 14) }),
    reference: (inp) => ({ out: Array.from(inp.x, (v) => v + 1) }),
    rustorch: (rt, inp) => roundTrip(inp, (x) => rt.tensor(x, { shape: [x.length] }), true),
    tfjs: (tf, inp) => roundTrip(inp, (x) => tf.tensor1d(x), true),
    checks: (ref, side) => [compare("data() == input + 1 vs float64 reference", side.out, ref.out, { rtol: 1e-6, atol: 0 })],
    cross: (r, t) => [compare("data(): rustorch vs tfjs", r.out, t.out, { rtol: 0, atol: 0 })],
  },
};

// rustorch.js and TF.js share these method names: tensor.add, data, dispose
function tinyAdd(inp, make) {
  const t = make(inp.x);
  return {
    fn: () => t.add(1),
    sync: (out) => out.data(),
    check: async () => { const o = t.add(1); const out = await o.data(); o.dispose(); return { out }; },
    dispose: () => t.dispose(),
  };
}

function roundTrip(inp, make, viaOp) {
  const once = async () => {
    const t = make(inp.x);
    const u = viaOp ? t.add(1) : t;
    const out = await u.data();
    if (u !== t) u.dispose();
    t.dispose();
    return out;
  };
  return { fn: once, check: async () => ({ out: await once() }), dispose: () => {} };
}

// ------------------------------------------------------------ the sides
// A side is {check(), warm(n), time(reps) -> ms per call, final(), dispose()}.

// rustorch from Python (the compute section): the workload's code defines _fn,
// _check and maybe _final; timing loops run in Python
const PY_PRELUDE = `
import array, time
import rustorch as rt
from rustorch import nn, optim
import rustorch.nn.functional as F
from pyodide.ffi import to_js

DEV = "webgpu" if rt.webgpu.is_available() else "python"

def _tensor(js_array, shape, dtype=rt.float32):
    return rt.frombuffer(js_array.to_bytes(), dtype=dtype, device=DEV).reshape(*shape)

async def _sync(out):
    # one element of the last result: a 4-byte read that waits for the queued work
    await out.detach().reshape(-1)[:1].tolist_async()

async def _warm(fn, n):
    for _ in range(n):
        out = fn()
    if n:
        await _sync(out)

async def _time(fn, reps):
    t0 = time.perf_counter()
    for _ in range(reps):
        out = fn()
    await _sync(out)
    return (time.perf_counter() - t0) * 1e3 / reps

async def _floats(t):
    # untimed: the whole result for the checks, as a JS Float32Array
    return to_js(memoryview(array.array("f", await t.detach().reshape(-1).tolist_async())))

def _info():
    info = {"device": DEV, "rustorch": rt.__version__}
    if DEV == "webgpu":
        info["adapter"] = {k: str(v) for k, v in rt.webgpu.adapter_info().items()}
    else:
        info["why_not_webgpu"] = str(rt.backends.why_unavailable("webgpu"))
    return info

_KEEP = set(globals()) | {"_KEEP"}
`;

function toJs(proxy) {
  if (!proxy || typeof proxy.toJs !== "function") return proxy;
  const v = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  proxy.destroy();
  return v;
}

async function pythonSide(py, code, inp) {
  py.globals.set("_IN", inp);   // a JsProxy: _IN.a is the Float32Array
  await py.runPythonAsync(code);
  const run = async (expr) => toJs(await py.runPythonAsync(expr));
  return {
    check: () => run("await _check()"),
    warm: (n) => run(`await _warm(_fn, ${n})`),
    time: (reps) => run(`await _time(_fn, ${reps})`),
    final: async () => (py.globals.has("_final") ? run("await _final()") : {}),
    // the workload's tensors go before the next workload's
    dispose: () => py.runPython(
      "for _k in [k for k in globals() if k.startswith('_') and k not in _KEEP]: del globals()[_k]"),
  };
}

// JS calls (TF.js; rustorch.js): {fn, sync(out), check, final?, dispose}; each
// call's result is disposed when the next one arrives, as a loop would
function jsSide(spec) {
  let out = null;
  const call = () => { const o = spec.fn(); if (out) out.dispose(); out = o; };
  return {
    check: spec.check,
    async warm(n) { for (let i = 0; i < n; i++) call(); if (out) await spec.sync(out); },
    async time(reps) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) call();
      await spec.sync(out);
      return (performance.now() - t0) / reps;
    },
    final: spec.final ?? (async () => ({})),
    dispose() { if (out) out.dispose(); out = null; spec.dispose(); },
  };
}

// async JS calls, each awaited (a round trip is its own sync)
function asyncSide(spec) {
  return {
    check: spec.check,
    async warm(n) { for (let i = 0; i < n; i++) await spec.fn(); },
    async time(reps) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await spec.fn();
      return (performance.now() - t0) / reps;
    },
    final: async () => ({}),
    dispose: spec.dispose,
  };
}

// ------------------------------------------------------------ TF.js
async function readAll(tf, t) {
  const v = await t.data();
  t.dispose();
  return v;
}

// the compute workloads' sync: the first element, like rustorch's _sync
function tfFirst(tf) {
  return async (out) => {
    const first = tf.tidy(() => out.reshape([-1]).slice(0, 1));
    await first.data();
    first.dispose();
  };
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`${url} did not load (the bundle has no TF.js: run \`npm ci\` in wasm/ and rebuild)`));
    document.head.append(s);
  });
}

// TF.js on its WebGPU backend, or {available: false, reason}
async function loadTfjs() {
  try {
    if (!navigator.gpu) throw new Error("this browser has no WebGPU (navigator.gpu is missing)");
    for (const url of TFJS_URLS) await loadScript(url);
    const tf = window.tf;
    if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') failed (see the console)");
    await tf.ready();
    if (tf.getBackend() !== "webgpu") throw new Error(`TF.js chose the ${tf.getBackend()} backend`);
    return { tf, available: true, version: tf.version.tfjs, backend: tf.getBackend() };
  } catch (e) {
    return { available: false, reason: String(e.message || e) };
  }
}

// rustorch's JS API on the page's Pyodide, or {available: false, reason}
async function loadBridge(py, device) {
  let mod;
  try {
    mod = await import("./rustorch.js");
  } catch (e) {
    return { available: false, reason: `rustorch.js did not load: ${e.message || e}` };
  }
  const rt = await mod.RusTorch.load({ pyodide: py, device });
  return { rt, available: true, device: rt.device };
}

// ------------------------------------------------------------ running a workload
function median(xs) {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function runWorkload(name, w, sides, cfg, status) {
  const reps = cfg[w.repsKey ?? "reps"];
  const row = { section: COMPUTE.includes(name) ? "compute" : "bridge", label: w.label, reps,
                rustorch_ms: null, tfjs_ms: null, ratio: null, rounds: {}, checks: [] };
  status(`${name}: inputs and the float64 reference`);
  await new Promise((r) => setTimeout(r, 0));   // let the status paint
  const inp = w.inputs();
  const ref = w.reference(inp);
  const made = {};
  try {
    for (const [side, make] of Object.entries(sides)) {
      status(`${name}: ${side} (check and warm-up)`);
      made[side] = await make(w, inp);
      const got = await made[side].check();
      row.checks.push(...w.checks(ref, got).map((c) => ({ ...c, name: `${side} ${c.name}` })));
      made[side].checked = got;
      await made[side].warm(cfg.warmup);
      row.rounds[side] = [];
    }
    for (let k = 0; k < cfg.rounds; k++) {       // alternate the sides: drift hits both alike
      for (const side of Object.keys(made)) {
        status(`${name}: ${side}, round ${k + 1}/${cfg.rounds}`);
        row.rounds[side].push(await made[side].time(reps));
      }
    }
    for (const side of Object.keys(made)) {
      Object.assign(made[side].checked, await made[side].final());
      row[`${side}_ms`] = median(row.rounds[side]);
    }
    if (made.rustorch && made.tfjs) {
      row.ratio = row.rustorch_ms / row.tfjs_ms;
      row.checks.push(...w.cross(made.rustorch.checked, made.tfjs.checked));
    }
  } finally {
    for (const s of Object.values(made)) s.dispose();
  }
  return row;
}

// ------------------------------------------------------------ the page
const fmt = (v) => (typeof v === "number" && Number.isFinite(v) ? v.toPrecision(4) : "-");

function render(results) {
  for (const section of ["compute", "bridge"]) {
    const rows = Object.entries(results.workloads).filter(([, r]) => r.section === section).map(([name, r]) => {
      const checks = r.checks.map((c) => `${c.ok ? "ok" : "FAILED"}: ${c.name}` +
        (c.max_abs_diff !== undefined
          ? ` (max |diff| ${c.max_abs_diff.toExponential(2)}, tolerance ${c.tol.toExponential(2)})` : "") +
        (c.why ? ` (${c.why})` : "")).join("<br>");
      return `<tr data-workload="${name}"><td>${r.label}</td><td class="num">${fmt(r.rustorch_ms)}</td>` +
        `<td class="num">${fmt(r.tfjs_ms)}</td><td class="num">${fmt(r.ratio)}</td><td class="checks">${checks}</td></tr>`;
    });
    $(`rows-${section}`).innerHTML = rows.join("");
  }
  $("results").textContent = JSON.stringify(results, null, 1);
}

function describeAdapter(info) {
  if (!info) return "none";
  const a = info.adapter || {};
  return [a.vendor, a.device || a.architecture, a.description, a.backend_type].filter(Boolean).join(" / ") || "unknown adapter";
}

async function main() {
  const cfg = readConfig();
  $("config").textContent = Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join(", ");
  const results = { config: cfg, rustorch: null, tfjs: null, bridge: null, workloads: {}, ok: false };
  window.benchResults = results;
  const status = (m) => { $("status").textContent = m; };

  const py = await loadRustorch({ onStatus: status });
  await py.runPythonAsync(PY_PRELUDE);
  results.rustorch = toJs(await py.runPythonAsync("_info()"));
  $("rt-device").textContent = results.rustorch.device === "webgpu"
    ? `webgpu (${describeAdapter(results.rustorch)})`
    : `python: no WebGPU for rustorch (${results.rustorch.why_not_webgpu})`;

  status("loading TF.js");
  const tfjs = await loadTfjs();
  results.tfjs = { available: tfjs.available, version: tfjs.version, backend: tfjs.backend, reason: tfjs.reason };
  $("tf-device").textContent = tfjs.available ? `TF.js ${tfjs.version} on ${tfjs.backend}` : `unavailable: ${tfjs.reason}`;
  if (!tfjs.available) console.warn(`bench: TF.js unavailable: ${tfjs.reason}`);
  const tfSide = tfjs.available ? (w, inp) => {
    const spec = w.tfjs(tfjs.tf, inp);
    return w.async ? asyncSide(spec) : jsSide({ sync: tfFirst(tfjs.tf), ...spec });
  } : null;

  for (const name of cfg.only.filter((n) => COMPUTE.includes(n))) {
    const sides = { rustorch: (w, inp) => pythonSide(py, w.py, inp), ...(tfSide ? { tfjs: tfSide } : {}) };
    results.workloads[name] = await runWorkload(name, WORKLOADS[name], sides, cfg, status);
    render(results);
  }

  const bridgeNames = cfg.only.filter((n) => BRIDGE.includes(n));
  if (bridgeNames.length) {
    // after the compute section: RusTorch.load makes its device rustorch's default
    status("loading rustorch.js");
    const bridge = await loadBridge(py, results.rustorch.device);
    results.bridge = { available: bridge.available, device: bridge.device, reason: bridge.reason };
    $("bridge-device").textContent = bridge.available ? `rustorch.js on ${bridge.device}` : `skipped: ${bridge.reason}`;
    if (bridge.available) {
      const rtSide = (w, inp) => {
        const spec = w.rustorch(bridge.rt, inp);
        return w.async ? asyncSide(spec) : jsSide(spec);
      };
      for (const name of bridgeNames) {
        const sides = { rustorch: rtSide, ...(tfSide ? { tfjs: tfSide } : {}) };
        results.workloads[name] = await runWorkload(name, WORKLOADS[name], sides, cfg, status);
        render(results);
      }
    }
  }
  results.ok = Object.values(results.workloads).every((row) => row.checks.every((c) => c.ok));
  render(results);
  status(results.ok ? "done: every check passed" : "done: a check FAILED (see the table)");
  document.body.dataset.ready = "1";
}

main().catch((e) => {
  console.error(e);
  $("error").hidden = false;
  $("error").textContent = String((e && (e.stack || e.message)) || e);
  $("status").textContent = "failed";
  document.body.dataset.ready = "error";
});
