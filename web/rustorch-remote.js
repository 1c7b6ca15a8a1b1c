// rustorch in a module Web Worker, driven from the page: the RusTorch API with
// every call async, so the page keeps painting while Python trains.
//
//   import { RusTorch } from "./rustorch.js";
//   const rt = await RusTorch.load({ worker: true, device: "webgpu" });  // or loadInWorker()
//   const a = await rt.tensor([[1, 2], [3, 4]], { dtype: "float32" });
//   const b = await (await a.matmul(a)).sum({ dim: 1 });
//   console.log(await b.data());                  // the buffer is transferred, not copied
//   const model = await rt.nn.Sequential(rt.nn.Linear(2, 8), rt.nn.ReLU(), rt.nn.Linear(8, 3));
//   const out = await model(a);                   // or model.call(a)
//   await rt.tidy(async () => { ... });           // handles made inside are disposed after
//
// Each RemoteTensor / remote object names a handle in the worker
// (rustorch-worker.js documents the messages).  Promises may be passed as
// arguments: the call is sent once they resolve.  Calls without Promise
// arguments are sent at once, in the order made, and the worker runs them in
// that order.
import { RusTorchError, TENSOR_METHODS, slice } from "./rustorch.js";

const misuse = (message) => new RusTorchError(`rustorch: ${message}`);
const isPlainObject = (x) => x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
const isThenable = (x) => x !== null && (typeof x === "object" || typeof x === "function") && typeof x.then === "function";
const numel = (shape) => shape.reduce((a, b) => a * b, 1);

// an error answered by the worker -> a JS Error with the Python type
function errorFrom({ name, message, pythonType = null, traceback = null }) {
  if (name === "RusTorchError" || pythonType) return new RusTorchError(message, pythonType, traceback);
  const e = new Error(message);
  e.name = name || "Error";
  e.pythonType = null;
  return e;
}

// a handle's life: counted in rt.memory().pageHandles; disposed once (by
// dispose(), tidy, or the FinalizationRegistry when the wrapper is collected)
class HandleRecord {
  constructor(rt, id) {
    this.rt = rt;
    this.id = id;
    this.live = true;
    rt._live.add(this);
  }

  release() {
    if (!this.live) return;
    this.live = false;
    this.rt._live.delete(this);
    this.rt._disposeLater(this.id);
  }
}

const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry((record) => record.release()) : null;

function track(rt, wrapper, record) {
  if (registry) registry.register(wrapper, record, record);
  if (rt._scopes.length) rt._scopes[rt._scopes.length - 1].add(wrapper);
}

/** A tensor living in the worker; every method returns a Promise. */
export class RemoteTensor {
  constructor(rt, id, shape, dtype, device) {
    this._rt = rt;
    this._record = new HandleRecord(rt, id);
    this._meta = [Object.freeze(shape), dtype, device];
    this._kept = false;
    track(rt, this, this._record);
  }

  get shape() { return this._meta[0]; }
  get dtype() { return this._meta[1]; }
  get device() { return this._meta[2]; }
  get size() { return numel(this.shape); }
  get rank() { return this.shape.length; }
  get isDisposed() { return !this._record.live; }
  /** Promise<boolean> */
  get requiresGrad() { return this._rt._request({ op: "get", target: () => this._id(), name: "requiresGrad" }); }
  set requiresGrad(_v) { throw misuse("in worker mode set it with `await t.requiresGrad_(true)`"); }
  /** Promise<RemoteTensor | null>: a new handle each time (dispose it) */
  get grad() { return this._rt._request({ op: "get", target: () => this._id(), name: "grad" }); }

  _id() {
    if (!this._record.live) throw misuse("this tensor was disposed (t.dispose() or rt.tidy) and cannot be used");
    return this._record.id;
  }

  _call(name, args) {
    return this._rt._request({ op: "call", target: () => this._id(), name, args }, this);
  }

  /** Free the worker's tensor (and its GPU buffer when nothing else holds it). */
  dispose() {
    if (registry) registry.unregister(this._record);
    this._record.release();
  }

  call(name, ...args) { return this._call("call", [name, ...args]); }
  index(...keys) { return this._call("index", keys); }
  setIndex(keys, value) { return this._call("setIndex", [keys, value]); }
  backward(gradient) { return this._call("backward", gradient === undefined ? [] : [gradient]); }
  /** The elements as the dtype's TypedArray; its buffer is moved from the worker, not copied. */
  data() { return this._call("data", []); }
  array() { return this._call("array", []); }
  item() { return this._call("item", []); }
  toStringAsync() { return this._call("toStringAsync", []); }
  async print() { console.log(await this.toStringAsync()); }
  toJSON() { return this.toString(); }
  toString() {
    return this.isDisposed ? "RemoteTensor(disposed)"
      : `RemoteTensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  dataSync() { throw misuse("dataSync() cannot wait for a worker: use `await t.data()`"); }
  arraySync() { throw misuse("arraySync() cannot wait for a worker: use `await t.array()`"); }
  itemSync() { throw misuse("itemSync() cannot wait for a worker: use `await t.item()`"); }
}

for (const name of TENSOR_METHODS) {
  RemoteTensor.prototype[name] = function (...args) { return this._call(name, args); };
}

// A Python object in the worker (module, optimizer, function): call it like a
// function or with .call(...); `await obj.attr` reads an attribute,
// `obj.method(...)` calls one, obj.get(name) / obj.set(name, value) spell it out.
function remoteObject(rt, id, pyType, root = false) {
  const record = root ? null : new HandleRecord(rt, id);
  const ref = () => {
    if (record && !record.live) throw misuse(`this ${pyType} was disposed and cannot be used`);
    return id;
  };
  let kept = false;
  const invoke = (...args) => rt._request({ op: "invoke", target: ref, args });
  const members = new Map();
  const member = (name) => {
    if (members.has(name)) return members.get(name);
    const fn = (...args) => rt._request({ op: "call", target: ref, name, args });
    // `await obj.weight` reads the attribute (the member is thenable)
    fn.then = (ok, fail) => rt._request({ op: "get", target: ref, name }).then(ok, fail);
    members.set(name, fn);
    return fn;
  };
  const handle = new Proxy(function remoteObject() {}, {
    apply(_t, _this, args) { return invoke(...args); },
    get(_t, name) {
      if (typeof name === "symbol") return undefined;
      switch (name) {
        case "then": return undefined;   // the object itself is not a thenable
        case "pyType": return pyType;
        case "isDisposed": return record ? !record.live : false;
        case "_kept": return kept;
        case "_remoteId": return ref();
        case "call": return invoke;
        case "get": return (attr) => rt._request({ op: "get", target: ref, name: attr });
        case "set": return (attr, value) => rt._request({ op: "set", target: ref, name: attr, value: [value] });
        case "dispose": return () => {
          if (!record) return;
          if (registry) registry.unregister(record);
          record.release();
        };
        case "toString": case "toJSON": return () => `RemoteObject(${pyType})`;
        default: return member(name);
      }
    },
    set(_t, name, value) {
      if (name === "_kept") { kept = Boolean(value); return true; }
      throw misuse(`in worker mode set attributes with \`await obj.set(${JSON.stringify(String(name))}, value)\``);
    },
  });
  if (record) track(rt, handle, record);
  return handle;
}

/** rustorch in a module Web Worker; create it with `await loadInWorker()` (or startWorker()). */
export class RemoteRusTorch {
  constructor(worker, { onStatus, stdout, stderr, url = "the worker script" } = {}) {
    this._worker = worker;
    this._nextId = 1;
    this._pending = new Map();   // request id -> { resolve, reject, self }
    this._dead = null;           // the Error every call rejects with once the worker failed
    this._live = new Set();      // HandleRecords of live page-side handles
    this._scopes = [];
    this._disposals = [];
    this.device = null;
    this.notice = null;
    this.version = null;
    this.slice = slice;
    this.torch = remoteObject(this, "torch", "module", true);
    this.nn = remoteObject(this, "nn", "module", true);
    this.optim = remoteObject(this, "optim", "module", true);
    this.functional = remoteObject(this, "functional", "module", true);
    this._events = { status: onStatus, stdout, stderr };
    this.ready = new Promise((resolve, reject) => { this._readyWaiters = { resolve, reject }; });
    this.ready.catch(() => {});
    worker.onmessage = (e) => this._answer(e.data);
    // before it loaded, an error event means the script (or an import) did not
    // load: fatal.  Afterwards requests catch their own errors, so a stray one
    // (say from a callback) is reported and the worker goes on answering.
    worker.onerror = (e) => {
      e.preventDefault?.();
      const where = e.filename ? `${e.filename}:${e.lineno}` : url;
      const error = misuse(`the worker failed (${where}): ${e.message || "its script did not load (network error or a syntax error)"}`);
      if (this.version === null) this._fail(error);
      else console.error(error);
    };
    worker.onmessageerror = () => this._fail(misuse("a message from the worker could not be read"));
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return `RemoteRusTorch { version: ${this.version}, device: ${this.device} }`;
  }

  // ------------------------------------------------------------ plumbing
  _answer(m) {
    if (m.op === "status" || m.op === "stdout" || m.op === "stderr") {
      const fn = this._events[m.op];
      if (fn) fn(m.text);
      else if (m.op !== "status") (m.op === "stderr" ? console.warn : console.log)(m.text);
      return;
    }
    if (m.op === "ready") {
      Object.assign(this, { device: m.device, notice: m.notice, version: m.version });
      this._readyWaiters.resolve(this);
      return;
    }
    if (m.op === "failed") {
      this._fail(errorFrom(m.error));
      return;
    }
    const p = this._pending.get(m.id);
    if (!p) return;
    this._pending.delete(m.id);
    if (m.ok) p.resolve(this._fromWire(m.value, p.self));
    else p.reject(errorFrom(m.error));
  }

  // the worker is gone or never loaded: every pending and later call rejects with `error`
  _fail(error) {
    if (this._dead) return;
    this._dead = error;
    this._readyWaiters.reject(error);
    for (const p of this._pending.values()) p.reject(error);
    this._pending.clear();
    this._worker.terminate();
  }

  /** Stop the worker; later calls reject. */
  terminate() {
    this._fail(misuse("the rustorch worker was terminated (rt.terminate())"));
  }

  _post(msg, transfer = []) {
    if (this._disposals.length && msg.op !== "dispose") this._flushDisposals();
    this._worker.postMessage(msg, transfer);
  }

  _disposeLater(id) {
    if (this._dead) return;
    this._disposals.push(id);
    if (this._disposals.length === 1) queueMicrotask(() => this._flushDisposals());
  }

  _flushDisposals() {
    if (!this._disposals.length || this._dead) return;
    const ids = this._disposals;
    this._disposals = [];
    this._post({ op: "dispose", ids });
  }

  // send a request; `msg.target` may be a function (checked when sent), `msg.args`
  // / `msg.value` hold page values (encoded here); resolves with the answer
  _request(msg, self = undefined, transfer = []) {
    if (this._dead) return Promise.reject(this._dead);
    const argsOf = msg.args ?? msg.value;
    if (argsOf && hasThenable(argsOf)) {   // send once the Promise arguments resolved
      return resolveDeep(argsOf).then((resolved) =>
        this._request({ ...msg, [msg.args ? "args" : "value"]: resolved }, self, transfer));
    }
    let wire;
    try {
      wire = { ...msg, id: this._nextId++ };
      if (typeof wire.target === "function") wire.target = wire.target();
      if (msg.args) wire.args = this._toWire(msg.args);
      if (msg.value) wire.value = this._toWire(msg.value)[0];
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this._pending.set(wire.id, { resolve, reject, self });
      try {
        this._post(wire, transfer);
      } catch (e) {   // DataCloneError: a function, a DOM node ...
        this._pending.delete(wire.id);
        reject(misuse(`cannot send this to the worker: ${e.message}`));
      }
    });
  }

  _toWire(v) {
    if (v instanceof RemoteTensor) {
      if (v._rt !== this) throw misuse("this tensor belongs to another worker");
      return { __handle__: v._id() };
    }
    if (typeof v === "function") {
      if (v.pyType !== undefined) return { __handle__: v._remoteId };
      throw misuse("a JavaScript function cannot cross to the worker");
    }
    if (Array.isArray(v)) return v.map((x) => this._toWire(x));
    if (isPlainObject(v) && !v.__slice__) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this._toWire(x)]));
    return v;
  }

  _fromWire(v, self) {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map((x) => this._fromWire(x));
    if (!isPlainObject(v)) return v;   // a TypedArray, ...
    if (v.__self__) return self;
    if (v.__tensor__ !== undefined) return new RemoteTensor(this, v.__tensor__, v.shape, v.dtype, v.device);
    if (v.__object__ !== undefined) return remoteObject(this, v.__object__, v.pyType);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this._fromWire(x)]));
  }

  _rt(name, args, transfer) {
    return this._request({ op: "call", target: "rt", name, args }, undefined, transfer);
  }

  // ------------------------------------------------------------ tensors
  /** Like RusTorch.tensor; a TypedArray is copied once to the worker, or moved
   *  there with { transfer: true } (the array is then unusable here). */
  tensor(data, options = {}) {
    const { transfer = false, ...rest } = options ?? {};
    const moved = transfer && ArrayBuffer.isView(data) ? [data.buffer] : [];
    return this._rt("tensor", [data, rest], moved);
  }

  zeros(shape, opts = {}) { return this._rt("zeros", [shape, opts]); }
  ones(shape, opts = {}) { return this._rt("ones", [shape, opts]); }
  full(shape, value, opts = {}) { return this._rt("full", [shape, value, opts]); }
  rand(shape, opts = {}) { return this._rt("rand", [shape, opts]); }
  randn(shape, opts = {}) { return this._rt("randn", [shape, opts]); }
  randint(low, high, shape, opts = {}) { return this._rt("randint", [low, high, shape, opts]); }
  arange(...args) { return this._rt("arange", args); }
  linspace(start, end, steps, opts = {}) { return this._rt("linspace", [start, end, steps, opts]); }
  eye(n, opts = {}) { return this._rt("eye", [n, opts]); }
  cat(tensors, opts = {}) { return this._rt("cat", [tensors, opts]); }
  stack(tensors, opts = {}) { return this._rt("stack", [tensors, opts]); }
  where(cond, a, b) { return this._rt("where", [cond, a, b]); }
  manualSeed(seed) { return this._rt("manualSeed", [seed]); }

  /** Run async fn with autograd off in the worker (do not interleave other work meanwhile). */
  async noGrad(fn) {
    const was = await this._request({ op: "gradMode", enabled: false });
    try { return await fn(); } finally { await this._request({ op: "gradMode", enabled: was }); }
  }

  // ------------------------------------------------------------ memory
  /**
   * Run fn (sync or async) and dispose every handle created while it ran except
   * those it returns (in an array or object too) and those passed to rt.keep().
   * Handles made by other code while fn awaits are counted as fn's: keep
   * concurrent work out of a tidy.
   */
  async tidy(fn) {
    if (typeof fn !== "function") throw misuse("rt.tidy(fn) takes a function");
    const scope = new Set();
    this._scopes.push(scope);
    let result;
    try {
      result = await fn();
    } finally {
      this._scopes.splice(this._scopes.lastIndexOf(scope), 1);
      const keep = new Set();
      const collect = (v) => {
        if (v instanceof RemoteTensor || (typeof v === "function" && v.pyType !== undefined)) keep.add(v);
        else if (Array.isArray(v)) v.forEach(collect);
        else if (isPlainObject(v)) Object.values(v).forEach(collect);
      };
      collect(result);
      const parent = this._scopes[this._scopes.length - 1];
      for (const h of scope) {
        if (keep.has(h) || h._kept) { if (parent) parent.add(h); } else h.dispose();
      }
    }
    return result;
  }

  /** Exempt a tensor (or remote object) from the enclosing rt.tidy(). */
  keep(t) {
    if (!(t instanceof RemoteTensor) && !(typeof t === "function" && t.pyType !== undefined)) {
      throw misuse("rt.keep(x) takes a RemoteTensor or a remote object");
    }
    t._kept = true;
    return t;
  }

  /** The worker's rt.memory() (numTensors, numBytes, gpu*), its handle count
   *  (workerHandles) and the page's live handles (pageHandles). */
  async memory(options = {}) {
    const pageHandles = this._live.size;   // counted as the request leaves: the worker sees the same disposals
    const m = await this._request({ op: "memory", options });
    return { ...m, pageHandles };
  }

  // ------------------------------------------------------------ files and Python
  /** Like RusTorch.load; a URL is resolved against this page. */
  load(source, options = {}) {
    if (typeof source === "string" || source instanceof URL) source = new URL(source, globalThis.location?.href).href;
    return this._rt("load", [source, options]);
  }

  /** Like RusTorch.runPython, in the worker. */
  runPython(code, globals = {}) { return this._rt("runPython", [String(code), globals]); }
}

function hasThenable(v) {
  if (isThenable(v) && !(typeof v === "function" && v.pyType !== undefined)) return true;
  if (Array.isArray(v)) return v.some(hasThenable);
  if (isPlainObject(v)) return Object.values(v).some(hasThenable);
  return false;
}

async function resolveDeep(v) {
  if (isThenable(v) && !(typeof v === "function" && v.pyType !== undefined)) return v;  // await unwraps
  if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
  if (isPlainObject(v)) {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveDeep(x)]));
    return Object.fromEntries(entries);
  }
  return v;
}

const URL_OPTIONS = ["indexURL", "manifestURL", "baseURL", "wheelURL"];

/**
 * Start rustorch in a module Web Worker and wait until it loaded.  Options are
 * RusTorch.load's (device, indexURL, manifestURL, baseURL, wheelURL,
 * pyodideOptions; stdout, stderr and onStatus run here), plus workerURL (default:
 * rustorch-worker.js next to this module).  Rejects with the worker's load error.
 */
export async function loadInWorker(options = {}) {
  return startWorker(options).ready;
}

/**
 * loadInWorker without waiting: the RemoteRusTorch at once (device, notice and
 * version are null until `await rt.ready`).  Calls made meanwhile run once
 * rustorch loaded; if it fails to load, they and every later call reject with
 * the load error.
 */
export function startWorker(options = {}) {
  const { workerURL, onStatus, stdout, stderr, ...rest } = options;
  const here = globalThis.location?.href;
  for (const k of URL_OPTIONS) if (rest[k] !== undefined) rest[k] = new URL(rest[k], here).href;
  const url = workerURL ? new URL(workerURL, here) : new URL("./rustorch-worker.js", import.meta.url);
  const worker = new Worker(url, { type: "module", name: "rustorch" });
  const rt = new RemoteRusTorch(worker, { onStatus, stdout, stderr, url: url.href });
  try {
    worker.postMessage({ op: "init", options: rest });
  } catch (e) {
    rt._fail(misuse(`cannot send the load options to the worker: ${e.message}`));
  }
  return rt;
}

export default loadInWorker;
