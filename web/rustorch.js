// rustorch for JavaScript: tensors, nn and optim from a web page (or Node, or a
// module Web Worker: see rustorch-worker.js) without writing Python.
//
//   import { RusTorch } from "./rustorch.js";
//   const rt = await RusTorch.load({ device: "webgpu" });   // falls back to "python"
//   const a = rt.tensor([[1, 2], [3, 4]], { dtype: "float32" });
//   const b = a.matmul(a).relu().sum({ dim: 1 });
//   console.log(await b.data());      // Float32Array [7, 10] ... one copy out
//   rt.tidy(() => a.mul(2).add(1));   // intermediates disposed, like tf.tidy
//   a.dispose(); b.dispose();
//
// A Tensor holds a Pyodide PyProxy of a rustorch Tensor; every method is one
// call into Python (rustorch/jsbridge.py).  Data crosses once: JS writes into
// the new tensor's storage (a view of the wasm heap, or queue.writeBuffer into
// the GPU buffer) and reads out of it (a copy from the heap, or one copy out of
// the mapped GPU staging buffer).  A dtype conversion (say Float64Array ->
// float32) is a second, documented pass.
import { loadRustorch } from "./rustorch-loader.js";

/** dtypes that cross between JS and rustorch, and the TypedArray data() returns */
export const DTYPES = Object.freeze({
  float32: Float32Array, float64: Float64Array, float16: globalThis.Float16Array ?? Float32Array,
  int32: Int32Array, int64: BigInt64Array, int16: Int16Array, int8: Int8Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, bool: Uint8Array,
});
// storage layouts named by rustorch/jsbridge.py (HOST_STORAGE / GPU_STORAGE)
const VIEWS = {
  f32: Float32Array, f64: Float64Array, i32: Int32Array, i64: BigInt64Array, i16: Int16Array,
  i8: Int8Array, u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, f16: Uint16Array,
};
const TYPED_DTYPE = new Map([
  [Float32Array, "float32"], [Float64Array, "float64"], [Int32Array, "int32"],
  [BigInt64Array, "int64"], [Int16Array, "int16"], [Int8Array, "int8"], [Uint8Array, "uint8"],
  [Uint8ClampedArray, "uint8"], [Uint16Array, "uint16"], [Uint32Array, "uint32"],
]);
if (globalThis.Float16Array) TYPED_DTYPE.set(globalThis.Float16Array, "float16");

/** A Python exception (or JS misuse) from rustorch, with the Python type's name. */
export class RusTorchError extends Error {
  constructor(message, pythonType = null, traceback = null) {
    super(message);
    this.name = "RusTorchError";
    this.pythonType = pythonType;
    this.traceback = traceback;
  }
}

function misuse(message) {
  return new RusTorchError(`rustorch: ${message}`);
}

// Pyodide's PythonError -> RusTorchError("ShapeError: ...", "ShapeError")
function fromPythonError(e) {
  if (!e || e.constructor?.name !== "PythonError" || typeof e.type !== "string") return e;
  const lines = String(e.message).trimEnd().split("\n");
  const head = new RegExp(`^(?:[\\w.]+\\.)?${e.type}(?::|$)`);
  let i = lines.length - 1;
  while (i > 0 && !head.test(lines[i])) i--;
  const text = lines.slice(i).join("\n").replace(/^(?:[\w.]+\.)?(\w+)/, "$1");
  return new RusTorchError(text, e.type, e.message);
}

const isTypedArray = (x) => ArrayBuffer.isView(x) && !(x instanceof DataView);
const isPlainObject = (x) => x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
const numel = (shape) => shape.reduce((a, b) => a * b, 1);

/** `rt.slice(start, stop, step)`: one axis of an index, like Python's start:stop:step. */
export function slice(start = null, stop = null, step = null) {
  return Object.freeze({ __slice__: true, start, stop, step });
}

// nested arrays -> [flat values, shape]; ragged input is an error
function flatten(data) {
  const shape = [];
  for (let d = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const flat = [];
  const walk = (d, depth) => {
    if (depth === shape.length) {
      if (Array.isArray(d)) throw misuse(`ragged nested array: expected a value at depth ${depth}, got an array`);
      flat.push(d);
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[depth]) {
      throw misuse(`ragged nested array: expected ${shape[depth]} entries at depth ${depth}, ` +
                   `got ${Array.isArray(d) ? d.length : typeof d}`);
    }
    for (const x of d) walk(x, depth + 1);
  };
  walk(data, 0);
  return [flat, shape];
}

function inferDtype(values) {
  if (values.length && values.every((v) => typeof v === "boolean")) return "bool";
  if (values.length && values.every((v) => typeof v === "bigint")) return "int64";
  if (values.length && values.every((v) => Number.isInteger(v))) return "int64"; // torch.tensor([1, 2])
  for (const v of values) {
    if (typeof v !== "number" && typeof v !== "boolean" && typeof v !== "bigint") {
      throw misuse(`tensor values must be numbers, booleans or bigints, got ${v === null ? "null" : typeof v}`);
    }
  }
  return "float32";
}

// integer dtypes: the values they hold (torch refuses to build a tensor past them)
const INT_RANGE = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 2 ** 32 - 1], int64: [-(2 ** 63), 2 ** 63 - 1],
};

// every value fits `dtype` (and the 32-bit words a webgpu int64 lives in), or a clear error
function checkRange(values, code, dtype) {
  const range = INT_RANGE[dtype];
  if (!range || values instanceof DTYPES[dtype]) return;   // a TypedArray of the dtype fits
  const gpuInt64 = dtype === "int64" && code === "i32";
  for (const v of values) {
    const x = Number(v);
    if (!Number.isFinite(x)) throw misuse(`${v} cannot be converted to ${dtype}`);
    const t = Math.trunc(x);
    if (t < range[0] || t > range[1]) throw misuse(`value ${v} cannot be converted to ${dtype} without overflow`);
    if (gpuInt64 && (t < INT_RANGE.int32[0] || t > INT_RANGE.int32[1])) {
      throw misuse(`dtype int64 value ${v} is not supported on device 'webgpu': its int64 tensors ` +
                   "hold int32's range (WGSL has no 64-bit integers)");
    }
  }
}

// values (TypedArray or array) -> a TypedArray in the storage layout `code`
function toStorage(values, code, dtype) {
  const View = VIEWS[code];
  checkRange(values, code, dtype);
  if (code === "f16") {
    const F16 = globalThis.Float16Array;
    if (!F16) return encodeHalf(values);
    const h = values instanceof F16 ? values : F16.from(values, Number);
    return new Uint16Array(h.buffer, h.byteOffset, h.length);
  }
  if (values instanceof View && dtype !== "bool") return values;
  if (dtype === "bool") return View.from(values, (v) => (v ? 1 : 0));
  if (View === BigInt64Array) {
    return BigInt64Array.from(values, (v) => {
      if (typeof v === "bigint") return v;
      if (!Number.isInteger(Number(v))) throw misuse(`int64 values must be integers, got ${v}`);
      return BigInt(v);
    });
  }
  if (values instanceof BigInt64Array || (values.length && typeof values[0] === "bigint")) return View.from(values, Number);
  return new View(values);   // converts like a C cast (float -> int truncates)
}

// a copy in storage layout -> what data() returns for `dtype`
function fromStorage(view, code, dtype) {
  const Out = DTYPES[dtype];
  if (code === "f16") {
    const F16 = globalThis.Float16Array;
    return F16 ? new F16(view.buffer, view.byteOffset, view.length) : decodeHalf(view);
  }
  if (view instanceof Out) return view;
  if (Out === BigInt64Array) return BigInt64Array.from(view, (v) => BigInt(v));
  return new Out(view);
}

// float16 bit patterns where the engine lacks Float16Array (rounds to nearest
// even from float32, so a float64 input is rounded twice)
function encodeHalf(values) {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = Number(values[i]);
    const x = u[0], sign = (x >>> 16) & 0x8000;
    let e = ((x >>> 23) & 0xff) - 127 + 15, m = x & 0x7fffff;
    if (e === 128 + 15) { out[i] = sign | 0x7c00 | (m ? 0x200 : 0); continue; }   // inf, NaN
    let shift = 13;
    if (e <= 0) {                       // a subnormal half (or zero)
      if (e < -10) { out[i] = sign; continue; }
      m |= 0x800000;
      shift = 14 - e;
      e = 0;
    }
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1))) h++;   // may carry into the exponent
    const bits = (e << 10) + h;
    out[i] = sign | (bits >= 0x7c00 ? 0x7c00 : bits);
  }
  return out;
}

function decodeHalf(bits) {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i], s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  const build = (off, d) => {
    if (d === shape.length - 1) return Array.from(flat.subarray(off, off + shape[d]));
    const step = numel(shape.slice(d + 1));
    return Array.from({ length: shape[d] }, (_, i) => build(off + i * step, d + 1));
  };
  return build(0, 0);
}

const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

// Tensor methods that map 1:1 onto rustorch's (JS camelCase -> Python snake_case)
export const TENSOR_METHODS = Object.freeze([
  // arithmetic and comparison
  "add", "sub", "mul", "div", "pow", "neg", "abs", "matmul", "mm", "bmm", "dot", "remainder",
  "floorDivide", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd",
  "logicalOr", "logicalNot", "where", "clamp", "sign", "addmm", "lerp",
  // math
  "exp", "log", "log2", "log1p", "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "tan",
  "tanh", "sigmoid", "relu", "gelu", "silu", "softplus", "floor", "ceil", "round", "reciprocal",
  "softmax", "logSoftmax", "isnan", "isfinite",
  // reductions
  "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "norm",
  "all", "any", "cumsum", "logsumexp", "sort", "argsort", "topk",
  // shape
  "reshape", "view", "transpose", "permute", "flatten", "squeeze", "unsqueeze", "expand",
  "expandAs", "contiguous", "flip", "repeat", "split", "chunk", "t", "narrow", "gather",
  "indexSelect", "maskedFill", "tril", "triu",
  // autograd and conversion
  "detach", "clone", "to", "float", "double", "int", "long", "bool", "half", "numel", "dim",
  "requiresGrad_", "retainGrad", "zero_", "fill_", "add_", "sub_", "mul_", "div_", "copy_",
]);

const tensorRegistry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry((held) => held.release()) : null;

/** A rustorch tensor seen from JavaScript. */
export class Tensor {
  constructor(rt, proxy, meta = null) {
    this._rt = rt;
    this._py = proxy;
    this._meta = meta;   // [shape, dtype, device], fetched on first use (one call less per op)
    this._kept = false;
    const live = rt._live;
    const held = {
      proxy, bytes: null,
      release() {
        if (!this.proxy) return;
        live.delete(this);
        try { this.proxy.destroy(); } catch { /* already gone */ }
        this.proxy = null;
      },
    };
    live.add(held);
    this._held = held;
    if (tensorRegistry) tensorRegistry.register(this, held, this);
    rt._track(this);
  }

  _describe() {
    if (this._meta === null) {
      const [shape, dtype, device] = this._rt._guard(() => this._rt._bridge.describe(this._live()));
      this._meta = [Object.freeze(shape), dtype, device];
    }
    return this._meta;
  }

  get shape() { return this._describe()[0]; }
  get dtype() { return this._describe()[1]; }
  get device() { return this._describe()[2]; }
  /** number of elements */
  get size() { return numel(this.shape); }
  get rank() { return this.shape.length; }

  get isDisposed() { return this._py === null; }

  // console.log / util.inspect show the values, not the proxies inside
  [Symbol.for("nodejs.util.inspect.custom")]() { return this.toString(); }

  _live() {
    if (this._py === null) throw misuse("this tensor was disposed (t.dispose() or rt.tidy) and cannot be used");
    return this._py;
  }

  /** Release the Python tensor now (and its GPU buffer, if nothing else uses it). */
  dispose() {
    if (this._py === null) return;
    this._py = null;
    if (tensorRegistry) tensorRegistry.unregister(this);
    this._held.release();
  }

  get requiresGrad() { return this._rt._guard(() => this._live().requires_grad); }
  set requiresGrad(v) { this.requiresGrad_(Boolean(v)); }
  /** The gradient (a new handle each time; dispose it), or null. */
  get grad() { return this._rt._guard(() => this._rt._fromPy(this._live().grad)); }

  /** Call any rustorch Tensor method by name: t.call("logSoftmax", { dim: 1 }). */
  call(name, ...args) {
    return this._rt._call(this._live(), name, args);
  }

  /** t.index(0, rt.slice(1, null), null, "...", tensor, [0, 2]) is Python's t[0, 1:, None, ..., tensor, [0, 2]]. */
  index(...keys) {
    const rt = this._rt;
    return rt._withArgs(keys, (pos) => rt._bridge.getitem(this._live(), ...pos));
  }

  /** In place: t[keys] = value (a number or a Tensor). */
  setIndex(keys, value) {
    const rt = this._rt;
    keys = Array.isArray(keys) ? keys : [keys];
    rt._withArgs([value, ...keys], ([v, ...pos]) => rt._bridge.setitem(this._live(), v, ...pos));
    return this;
  }

  backward(gradient) {
    this._rt._call(this._live(), "backward", gradient === undefined ? [] : [gradient]);
  }

  /** The elements, copied once into a new TypedArray (DTYPES[dtype]). */
  async data() {
    const rt = this._rt;
    const host = rt._guard(() => rt._bridge.host_view(this._live()));
    if (host) return rt._copyHost(host, this.dtype);
    const res = await rt._guardAsync(() => rt._bridge.read_gpu(this._py));
    const [buffer, code, n] = res;
    return fromStorage(n ? new VIEWS[code](buffer, 0, n) : new VIEWS[code](0), code, this.dtype);
  }

  /** data() without awaiting: works where rustorch can read synchronously (the
   *  python and cpu devices); on webgpu use `await t.data()`. */
  dataSync() {
    const rt = this._rt;
    const host = rt._guard(() => rt._bridge.host_view(this._live()));
    if (!host) {
      throw misuse(`dataSync() cannot wait for the ${this.device} device here (JavaScript cannot ` +
                   "block on the GPU): use `await t.data()`");
    }
    return rt._copyHost(host, this.dtype);
  }

  /** Nested arrays, like tf.Tensor.array(). */
  async array() { return nest(await this.data(), this.shape); }
  arraySync() { return nest(this.dataSync(), this.shape); }
  /** The single value of a one-element tensor. */
  async item() { return this._one(await this.data()); }
  itemSync() { return this._one(this.dataSync()); }
  _one(d) {
    if (d.length !== 1) throw misuse(`item(): the tensor has ${d.length} elements, not 1`);
    return this.dtype === "bool" ? Boolean(d[0]) : d[0];
  }

  /** Python's repr where the values can be read synchronously, else a summary. */
  toString() {
    if (this._py === null) return "Tensor(disposed)";
    try {
      return this._rt._bridge.host_view(this._py) ? this._py.toString()
        : `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
    } catch (e) { return `Tensor(<${fromPythonError(e).message}>)`; }
  }
  async print() { console.log(await this.toStringAsync()); }
  async toStringAsync() {
    if (this._py === null) return "Tensor(disposed)";
    if (this._rt._bridge.host_view(this._py)) return this._py.toString();
    const rt = this._rt;
    return await rt._guardAsync(() => rt._bridge.repr_async(this._py));
  }
}

for (const name of TENSOR_METHODS) {
  const pyName = name.endsWith("_") ? snake(name.slice(0, -1)) + "_" : snake(name);
  Tensor.prototype[name] = function (...args) { return this._rt._call(this._live(), pyName, args); };
}

// A Python object (module, optimizer, function ...) seen from JS: call it like a
// function, read and call its attributes (camelCase finds snake_case names).
function wrapObject(rt, proxy) {
  const target = function rustorchObject() {};
  const methods = new Map();
  const handle = new Proxy(target, {
    apply(_t, _this, args) { return rt._invoke(proxy, args); },
    get(_t, name) {
      if (typeof name === "symbol") return name === Symbol.toPrimitive ? () => String(proxy) : undefined;
      if (name === "_py") return proxy;
      if (name === "then") return undefined;           // not a thenable
      if (name === "dispose") return () => proxy.destroy();
      if (name === "toString") return () => proxy.toString();
      if (name === "pyType") return proxy.type;
      if (methods.has(name)) return methods.get(name);
      const [kind, value] = rt._guard(() => rt._bridge.lookup(proxy, name));
      if (kind === "method") {
        const fn = (...args) => rt._call(proxy, value, args);
        methods.set(name, fn);
        return fn;
      }
      return rt._fromPy(value);
    },
    set(_t, name, value) {
      rt._withArgs([value], ([v]) => rt._bridge.set_attr(proxy, name, v));
      return true;
    },
  });
  return handle;
}

/** rustorch loaded in this page (or Node): create with `await RusTorch.load()`. */
export class RusTorch {
  /**
   * Load Pyodide + rustorch and pick the device: "webgpu" (default where
   * navigator.gpu exists; falls back to "python" with a console notice),
   * "python" (pure Python, everywhere).  Options are passed to loadRustorch
   * (indexURL, manifestURL, baseURL, stdout, stderr, onStatus), or give a
   * ready `pyodide` with rustorch installed.
   */
  static async load(options = {}) {
    const { device, pyodide, worker, ...loaderOptions } = options;
    if (worker) {   // the same API, every call async, rustorch in a module Web Worker
      const { loadInWorker } = await import("./rustorch-remote.js");
      return loadInWorker({ device, ...loaderOptions });
    }
    const py = pyodide ?? await loadRustorch(loaderOptions);
    const want = device ?? (globalThis.navigator?.gpu ? "webgpu" : "python");
    const bridge = py.pyimport("rustorch.jsbridge");
    let dev, notice;
    try {
      [dev, notice] = await bridge.init_device(String(want));
    } catch (e) {
      throw fromPythonError(e);
    } finally {
      bridge.destroy();
    }
    if (notice) console.warn(notice);
    return new RusTorch(py, dev, notice);
  }

  constructor(py, device, notice = null) {
    this._py = py;
    this.device = device;
    this.notice = notice;
    this._bridge = py.pyimport("rustorch.jsbridge");
    this._PyProxy = py.ffi.PyProxy;
    this._mod = py.pyimport("rustorch");
    this._live = new Set();   // the release records of live Tensor handles
    this._scopes = [];
    /** Python's rustorch module, for anything not wrapped here: rt.torch.einsum(...) */
    this.torch = wrapObject(this, this._mod);
    this.nn = wrapObject(this, py.pyimport("rustorch.nn"));
    this.optim = wrapObject(this, py.pyimport("rustorch.optim"));
    this.functional = wrapObject(this, py.pyimport("rustorch.nn.functional"));
    this.slice = slice;
    this.version = py.runPython("import rustorch; rustorch.__version__");
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return `RusTorch { version: ${this.version}, device: ${this.device} }`;
  }

  // ------------------------------------------------------------ plumbing
  _guard(fn) {
    try { return fn(); } catch (e) { throw fromPythonError(e); }
  }

  async _guardAsync(fn) {
    try { return await fn(); } catch (e) { throw fromPythonError(e); }
  }

  _track(t) {
    if (this._scopes.length) this._scopes[this._scopes.length - 1].add(t);
  }

  // A JS argument -> what the bridge's from_js expects.  PyProxies must cross as
  // direct arguments: inside a JS array or object Pyodide treats them as
  // borrowed and destroys them after the call, so containers holding tensors
  // are built as Python lists/dicts first (temporaries, destroyed after the call).
  _toPy(v, temps) {
    if (v === null) return undefined;   // Python None (null would arrive as jsnull)
    if (v instanceof Tensor) return v._live();
    if (typeof v === "function" && v._py) return v._py;
    if (Array.isArray(v)) {
      const items = v.map((x) => this._toPy(x, temps));
      if (!items.some((x) => x instanceof this._PyProxy)) return items;
      const list = this._bridge.pylist(...items);
      temps.push(list);
      return list;
    }
    if (isPlainObject(v) && !v.__slice__) return this._kwToPy(v, temps);
    return v;
  }

  _kwToPy(obj, temps) {
    const keys = Object.keys(obj);
    const values = keys.map((k) => this._toPy(obj[k], temps));
    if (!values.some((x) => x instanceof this._PyProxy)) return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    const dict = this._bridge.pydict(keys, ...values);
    temps.push(dict);
    return dict;
  }

  // positional and keyword arguments converted, plus the temporaries to destroy
  _args(args) {
    const temps = [];
    const last = args[args.length - 1];
    const hasKw = args.length > 0 && isPlainObject(last) && !last.__slice__;
    const pos = (hasKw ? args.slice(0, -1) : args).map((a) => this._toPy(a, temps));
    return [pos, hasKw ? this._kwToPy(last, temps) : undefined, temps];
  }

  _withArgs(args, fn) {
    let temps = [];
    try {
      const [pos, kw, t] = this._args(args);
      temps = t;
      return this._fromPy(fn(pos, kw));
    } catch (e) {
      throw fromPythonError(e);
    } finally {
      for (const t of temps) t.destroy();
    }
  }

  // a bridge result -> Tensor / wrapped object / JS value
  _fromPy(v) {
    if (v === undefined || v === null) return null;
    if (typeof v !== "object" && typeof v !== "function") return v;
    if (Array.isArray(v)) return v.map((x) => this._fromPy(x));
    if (!(v instanceof this._PyProxy)) {
      return isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this._fromPy(x)])) : v;
    }
    const type = v.type;
    if (type === "Tensor" || type === "Parameter") return this._tensorOf(v);
    return wrapObject(this, v);
  }

  _tensorOf(proxy) {
    return new Tensor(this, proxy);
  }

  _call(proxy, name, args) {
    return this._withArgs(args, (pos, kw) => this._bridge.call(proxy, name, kw, ...pos));
  }

  _invoke(proxy, args) {
    return this._withArgs(args, (pos, kw) => this._bridge.invoke(proxy, kw, ...pos));
  }

  _copyHost(host, dtype) {
    const [store, code, n] = host;
    const buf = store.getBuffer(code === "f16" ? "u16" : code);
    try {
      return fromStorage(buf.data.slice(0, n), code, dtype);
    } finally {
      buf.release();
      store.destroy();
    }
  }

  // ------------------------------------------------------------ tensors
  /**
   * A tensor from a number, a (nested) array or a TypedArray.
   * Options: shape (default: the data's), dtype (default: from the TypedArray;
   * for arrays float32, int64 when all are integers like torch, bool for
   * booleans), device (default rt.device), requiresGrad.
   */
  tensor(data, { shape, dtype, device, requiresGrad = false } = {}) {
    if (data instanceof Tensor) return data.clone();
    let flat, inferred;
    if (isTypedArray(data)) {
      flat = data;
      inferred = [data.length];
      dtype ??= TYPED_DTYPE.get(data.constructor) ?? "float32";
    } else if (Array.isArray(data)) {
      [flat, inferred] = flatten(data);
      dtype ??= inferDtype(flat);
    } else if (["number", "boolean", "bigint"].includes(typeof data)) {
      flat = [data];
      inferred = [];
      dtype ??= inferDtype(flat);
    } else {
      throw misuse(`rt.tensor() takes a number, an array or a TypedArray, got ${data === null ? "null" : typeof data}`);
    }
    if (!(dtype in DTYPES)) throw misuse(`unknown dtype ${JSON.stringify(dtype)}; use one of ${Object.keys(DTYPES).join(", ")}`);
    shape = shape === undefined ? inferred : Array.from(shape);
    if (!shape.every((s) => Number.isInteger(s) && s >= 0)) throw misuse(`shape must be non-negative integers, got [${shape}]`);
    if (numel(shape) !== flat.length) {
      throw misuse(`shape [${shape}] needs ${numel(shape)} values, got ${flat.length}`);
    }
    return this._fromFlat(flat, shape, dtype, device ?? this.device, requiresGrad);
  }

  _fromFlat(flat, shape, dtype, device, requiresGrad) {
    const res = this._guard(() => this._bridge.alloc(shape, dtype, device, requiresGrad));
    const [proxy, kind, target, code] = res;
    if (kind === "bytes") {   // a device without direct storage access
      const view = toStorage(flat, code, dtype);
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      return this._guard(() => this._tensorOf(this._bridge.from_bytes(bytes, shape, dtype, device, requiresGrad)));
    }
    const t = new Tensor(this, proxy, [Object.freeze(shape.slice()), dtype, String(device)]);
    if (flat.length === 0) return t;
    const view = toStorage(flat, code, dtype);
    if (kind === "host") {
      const buf = target.getBuffer(code === "f16" ? "u16" : code);
      try { buf.data.set(view); } finally { buf.release(); target.destroy(); }
    } else {
      const [gpuBuffer, offset, queue] = target;
      let src = view;
      if (src.byteLength % 4) {   // writeBuffer moves whole words
        const padded = new Uint8Array(src.byteLength + 4 - (src.byteLength % 4));
        padded.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
        src = padded;
      }
      queue.writeBuffer(gpuBuffer, offset, src);
    }
    return t;
  }

  _factory(name, args) {
    const last = args[args.length - 1];
    const hasKw = args.length > 0 && isPlainObject(last);
    const pos = hasKw ? args.slice(0, -1) : args;
    return this._call(this._mod, name, [...pos, { device: this.device, ...(hasKw ? last : {}) }]);
  }

  zeros(shape, opts = {}) { return this._factory("zeros", [Array.from(shape), opts]); }
  ones(shape, opts = {}) { return this._factory("ones", [Array.from(shape), opts]); }
  full(shape, value, opts = {}) { return this._factory("full", [Array.from(shape), value, opts]); }
  rand(shape, opts = {}) { return this._factory("rand", [Array.from(shape), opts]); }
  randn(shape, opts = {}) { return this._factory("randn", [Array.from(shape), opts]); }
  randint(low, high, shape, opts = {}) { return this._factory("randint", [low, high, Array.from(shape), opts]); }
  arange(...args) { return this._factory("arange", args); }
  linspace(start, end, steps, opts = {}) { return this._factory("linspace", [start, end, steps, opts]); }
  eye(n, opts = {}) { return this._factory("eye", [n, opts]); }
  cat(tensors, opts = {}) { return this._call(this._mod, "cat", [tensors, opts]); }
  stack(tensors, opts = {}) { return this._call(this._mod, "stack", [tensors, opts]); }
  where(cond, a, b) { return this._call(this._mod, "where", [cond, a, b]); }
  manualSeed(seed) { this._call(this._mod, "manual_seed", [seed]); }
  noGrad(fn) {
    const ctx = this._guard(() => this._mod.no_grad());
    ctx.__enter__();
    try { return fn(); } finally { ctx.__exit__(null, null, null); ctx.destroy(); }
  }

  // ------------------------------------------------------------ memory
  /**
   * Run fn and dispose every tensor it created except those it returns (in an
   * array or object too) and those passed to rt.keep().  fn must be synchronous.
   */
  tidy(fn) {
    if (typeof fn !== "function") throw misuse("rt.tidy(fn) takes a function");
    const scope = new Set();
    this._scopes.push(scope);
    let result;
    try {
      result = fn();
      if (result && typeof result.then === "function") {
        throw misuse("rt.tidy(fn): fn returned a Promise; tidy only tracks synchronous code " +
                     "(await outside it, or dispose() tensors yourself)");
      }
    } finally {
      this._scopes.pop();
      const keep = new Set();
      const collect = (v) => {
        if (v instanceof Tensor) keep.add(v);
        else if (Array.isArray(v)) v.forEach(collect);
        else if (isPlainObject(v)) Object.values(v).forEach(collect);
      };
      collect(result);
      const parent = this._scopes[this._scopes.length - 1];
      for (const t of scope) {
        if (keep.has(t) || t._kept) { if (parent) parent.add(t); } else t.dispose();
      }
    }
    return result;
  }

  /** Exempt a tensor from the enclosing rt.tidy(). */
  keep(t) {
    if (!(t instanceof Tensor)) throw misuse("rt.keep(t) takes a Tensor");
    t._kept = true;
    return t;
  }

  /**
   * Live tensor handles and their bytes (like tf.memory()), plus the device's
   * numbers (webgpu: gpuAllocatedBytes, gpuCachedBytes); with
   * { python: true } also pythonObjects, the objects Python's collector tracks
   * (slower: a leak check).
   */
  memory({ python = false } = {}) {
    const extra = this._guard(() => this._bridge.memory(this.device, python));
    let numBytes = 0;
    for (const held of this._live) {
      held.bytes ??= this._guard(() => this._bridge.nbytes(held.proxy));
      numBytes += held.bytes;
    }
    return { numTensors: this._live.size, numBytes, ...extra };
  }

  // ------------------------------------------------------------ files and Python
  /**
   * Load a model file: ONNX -> a model you call with tensors; safetensors or a
   * torch.save .pt file -> { name: Tensor }, or loaded into `opts.model`.
   * `source` is a URL, an ArrayBuffer or a TypedArray; opts.format overrides
   * the guess from the name and the first bytes.
   */
  async load(source, { format = null, model = null, device = null } = {}) {
    let bytes, name = "";
    if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
    else if (isTypedArray(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    else {
      name = String(source);
      let r;
      try {
        r = await fetch(source);
      } catch (e) {
        throw misuse(`rt.load: cannot fetch ${name}: ${e.message ?? e}`);
      }
      if (!r.ok) throw misuse(`rt.load: cannot fetch ${name} (HTTP ${r.status})`);
      bytes = new Uint8Array(await r.arrayBuffer());
    }
    return this._withArgs([bytes, name, format, device ?? this.device, model ?? null],
      (pos) => this._bridge.load_bytes(...pos));
  }

  /**
   * Run Python (top-level await works) with `globals` bound as Python names
   * (Tensors arrive as rustorch tensors); returns the last expression's value
   * (tensors as Tensors, lists as arrays, dicts as objects).
   */
  async runPython(code, globals = {}) {
    const temps = [];
    const keys = Object.keys(globals);
    let ns;
    try {
      ns = this._bridge.pydict(keys, ...keys.map((k) => this._toPy(globals[k], temps)));
    } catch (e) {
      for (const t of temps) t.destroy();
      throw fromPythonError(e);
    }
    try {
      const out = await this._guardAsync(() => this._py.runPythonAsync(String(code), { globals: ns }));
      const res = this._guard(() => this._bridge.to_js_result(out));
      if (out instanceof this._PyProxy && res !== out) out.destroy();
      return this._fromPy(res);
    } finally {
      ns.destroy();
      for (const t of temps) t.destroy();
    }
  }
}

export default RusTorch;
