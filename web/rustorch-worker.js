// rustorch in a module Web Worker: the page side is rustorch-remote.js
// (`await RusTorch.load({ worker: true })`), which proxies every call here so the
// page stays responsive while Python trains.
//
// Wire protocol (structured clone; one message per request, answered in order):
//
//   page -> worker
//     { op: "init", options }                  first message: RusTorch.load(options)
//     { id, op: "call", target, name, args }   target[name](...args)
//     { id, op: "invoke", target, args }       target(...args)  (a module / function)
//     { id, op: "get", target, name }          target[name]     (t.grad, model.weight)
//     { id, op: "set", target, name, value }   target[name] = value
//     { id, op: "memory", options }            rt.memory(options) + handles
//     { id, op: "gradMode", enabled }          set autograd on/off; answers the old mode
//     { op: "dispose", ids }                   free handles (no answer)
//   worker -> page
//     { op: "ready", device, notice, version } or { op: "failed", error }   (to "init")
//     { op: "status" | "stdout" | "stderr", text }                         (while loading)
//     { id, ok: true, value } or { id, ok: false, error: { name, message, pythonType, traceback } }
//
//   target: a handle id (a number) or a root: "rt", "torch", "nn", "optim", "functional".
//   Values in args and answers are plain structured-clone data, except
//     { __handle__: id }                         a handle, in args
//     { __tensor__: id, shape, dtype, device }   a new tensor handle, in answers
//     { __object__: id, pyType }                 a new Python object handle (module, optimizer ...)
//     { __self__: true }                         the target itself (t.setIndex returns t)
//   A `data` answer transfers its TypedArray's buffer (no copy across the boundary).
//
// Requests run one at a time in arrival order (async ones too), so the page may
// send several without waiting.  A failing request answers an error and the
// worker carries on; a handle answered twice is two ids for the same object.
import { RusTorch, Tensor, TENSOR_METHODS, RusTorchError } from "./rustorch.js";

let rt = null;
let nextId = 1;
const handles = new Map();   // id -> Tensor or Python object wrapper
const refs = new Map();      // the same object -> how many ids name it

const ROOTS = new Set(["torch", "nn", "optim", "functional"]);
const RT_METHODS = new Set([
  "tensor", "zeros", "ones", "full", "rand", "randn", "randint", "arange", "linspace", "eye",
  "cat", "stack", "where", "manualSeed", "load", "runPython",
]);
const TENSOR_CALLS = new Set([...TENSOR_METHODS, "index", "setIndex", "backward", "call", "data",
  "array", "item", "toStringAsync"]);
const TENSOR_GETS = new Set(["shape", "dtype", "device", "size", "rank", "requiresGrad", "grad"]);
const RT_GETS = new Set(["device", "notice", "version"]);

const misuse = (message) => new RusTorchError(`rustorch: ${message}`);
const isPlainObject = (x) => x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
const isPyObject = (x) => typeof x === "function" && x._py !== undefined;

function target(t) {
  if (rt === null) throw misuse("the worker has not loaded rustorch (send init first)");
  if (t === "rt") return rt;
  if (ROOTS.has(t)) return rt[t];
  const obj = handles.get(t);
  if (obj === undefined) throw misuse(`handle ${t} was disposed (t.dispose() or rt.tidy) and cannot be used`);
  return obj;
}

function addHandle(obj) {
  const id = nextId++;
  handles.set(id, obj);
  refs.set(obj, (refs.get(obj) ?? 0) + 1);
  return id;
}

function dispose(ids) {
  for (const id of ids) {
    const obj = handles.get(id);
    if (obj === undefined) continue;
    handles.delete(id);
    const n = refs.get(obj) - 1;
    if (n > 0) { refs.set(obj, n); continue; }
    refs.delete(obj);
    try { obj.dispose(); } catch { /* already gone */ }
  }
}

// args from the page: { __handle__: id } -> the object it names
function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (isPlainObject(v)) {
    if (v.__handle__ !== undefined) return target(v.__handle__);
    if (v.__slice__) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

// a result for the page: tensors and Python objects become new handles
function encode(v, self) {
  if (v === undefined || v === null) return null;
  if (self !== undefined && v === self) return { __self__: true };
  if (v instanceof Tensor) {
    const [shape, dtype, device] = v._describe();
    return { __tensor__: addHandle(v), shape: Array.from(shape), dtype, device };
  }
  if (isPyObject(v)) return { __object__: addHandle(v), pyType: v.pyType };
  if (typeof v === "function") throw misuse("a JavaScript function cannot cross to the page");
  if (Array.isArray(v)) return v.map((x) => encode(x));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

async function call(msg) {
  const obj = target(msg.target);
  const { name } = msg;
  if (obj === rt && !RT_METHODS.has(name)) throw misuse(`rt.${name} cannot be called in the worker`);
  if (obj instanceof Tensor && !TENSOR_CALLS.has(name)) throw misuse(`Tensor has no method ${JSON.stringify(name)}`);
  const fn = obj[name];
  if (typeof fn !== "function") {
    throw misuse(`${String(name)} is not a method (read it with \`await obj.${String(name)}\`)`);
  }
  const result = await fn.apply(obj, decode(msg.args ?? []));
  if (name === "data" && ArrayBuffer.isView(result)) return [result, [result.buffer]];
  return [encode(result, obj), []];
}

async function handle(msg) {
  switch (msg.op) {
    case "call": return call(msg);
    case "invoke": {
      const fn = target(msg.target);
      if (!isPyObject(fn)) throw misuse("only Python objects (modules, functions) can be called");
      return [encode(fn(...decode(msg.args ?? []))), []];
    }
    case "get": {
      const obj = target(msg.target);
      const allowed = obj === rt ? RT_GETS : obj instanceof Tensor ? TENSOR_GETS : null;
      if (allowed && !allowed.has(msg.name)) throw misuse(`cannot read ${JSON.stringify(msg.name)} here`);
      if (!allowed && ["dispose", "toString", "_py"].includes(msg.name)) throw misuse(`cannot read ${msg.name}`);
      const v = obj[msg.name];
      if (typeof v === "function" && !isPyObject(v)) {
        throw misuse(`${msg.name} is a method: call it (\`await obj.${msg.name}(...)\`)`);
      }
      return [encode(v), []];
    }
    case "set": {
      const obj = target(msg.target);
      if (obj === rt || (obj instanceof Tensor && msg.name !== "requiresGrad")) {
        throw misuse(`cannot set ${JSON.stringify(msg.name)} here`);
      }
      obj[msg.name] = decode(msg.value);
      return [null, []];
    }
    case "memory": {
      if (rt === null) throw misuse("the worker has not loaded rustorch");
      return [{ ...rt.memory(msg.options ?? {}), workerHandles: handles.size }, []];
    }
    case "gradMode": {
      if (rt === null) throw misuse("the worker has not loaded rustorch");
      const was = rt._guard(() => rt._mod.is_grad_enabled());
      rt._guard(() => rt._mod.set_grad_enabled(Boolean(msg.enabled)).destroy());
      return [was, []];
    }
    default: throw misuse(`unknown request ${JSON.stringify(msg.op)}`);
  }
}

function errorOf(e) {
  if (!(e instanceof Error)) return { name: "Error", message: String(e), pythonType: null, traceback: null };
  return { name: e.name, message: e.message, pythonType: e.pythonType ?? null, traceback: e.traceback ?? null };
}

async function init(options) {
  const say = (op) => (text) => self.postMessage({ op, text: String(text) });
  try {
    rt = await RusTorch.load({ ...options, stdout: say("stdout"), stderr: say("stderr"), onStatus: say("status") });
    self.postMessage({ op: "ready", device: rt.device, notice: rt.notice, version: rt.version });
  } catch (e) {
    self.postMessage({ op: "failed", error: errorOf(e) });
  }
}

// every request waits for the one before it: answers come back in order
let queue = Promise.resolve();

self.onmessage = (event) => {
  const msg = event.data ?? {};
  if (msg.op === "init") { queue = queue.then(() => init(msg.options ?? {})); return; }
  if (msg.op === "dispose") { queue = queue.then(() => dispose(msg.ids ?? [])); return; }
  queue = queue.then(async () => {
    let answer, transfer = [];
    try {
      const [value, t] = await handle(msg);
      answer = { id: msg.id, ok: true, value };
      transfer = t;
    } catch (e) {
      answer = { id: msg.id, ok: false, error: errorOf(e) };
    }
    try {
      self.postMessage(answer, transfer);
    } catch (e) {   // a value structured clone refuses: answer the reason instead
      self.postMessage({ id: msg.id, ok: false, error: errorOf(misuse(`the answer cannot cross to the page: ${e.message}`)) });
    }
  });
};
