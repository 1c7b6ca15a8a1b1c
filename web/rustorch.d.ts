// Type declarations for rustorch.js, the JavaScript bridge to rustorch.
import type { PyodideAPI } from "./pyodide/pyodide.js";
import type { LoadRustorchOptions } from "./rustorch-loader.js";

export type DType =
  | "float32" | "float64" | "float16" | "int32" | "int64" | "int16" | "int8"
  | "uint8" | "uint16" | "uint32" | "bool";

/** What data() returns for each dtype (float16: Float16Array where the engine has it). */
export interface DataTypeMap {
  float32: Float32Array; float64: Float64Array; float16: Float32Array;
  int32: Int32Array; int64: BigInt64Array; int16: Int16Array; int8: Int8Array;
  uint8: Uint8Array; uint16: Uint16Array; uint32: Uint32Array; bool: Uint8Array;
}
export type TypedArray =
  | Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array
  | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array;
export type NestedArray = number | boolean | bigint | NestedArray[];
export type Device = "webgpu" | "python" | "cpu" | (string & {});

export declare const DTYPES: Readonly<Record<DType, { new (n: number): ArrayLike<unknown> }>>;
export declare const TENSOR_METHODS: readonly string[];

/** A Python exception (type in pythonType) or misuse of the bridge (pythonType null). */
export declare class RusTorchError extends Error {
  name: "RusTorchError";
  pythonType: string | null;
  /** the Python traceback, when it came from Python */
  traceback: string | null;
}

/** One axis of an index: Python's start:stop:step (null = open). */
export interface Slice { readonly __slice__: true; start: number | null; stop: number | null; step: number | null }
export declare function slice(start?: number | null, stop?: number | null, step?: number | null): Slice;
/** An index key: an integer, a slice, null (new axis), "..." (ellipsis), a Tensor or an integer array. */
export type IndexKey = number | Slice | null | "..." | Tensor | number[];

/** Keyword arguments, camelCase or snake_case: { dim: 1, keepdim: true }. */
export type Kwargs = Record<string, unknown>;
type TensorLike = Tensor | number | boolean;
type Op = (...args: Array<TensorLike | number[] | Kwargs | string | null>) => Tensor;

export interface TensorOptions {
  shape?: number[];
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/** The Tensor methods that map 1:1 onto rustorch's (TENSOR_METHODS); ``O`` is their
 *  signature (Tensor: returns a Tensor; RemoteTensor: a Promise of one). */
export interface TensorMethods<O> {
  add: O; sub: O; mul: O; div: O; pow: O; neg: O; abs: O; matmul: O; mm: O; bmm: O;
  dot: O; remainder: O; floorDivide: O; maximum: O; minimum: O; eq: O; ne: O; lt: O;
  le: O; gt: O; ge: O; logicalAnd: O; logicalOr: O; logicalNot: O; where: O; clamp: O;
  sign: O; addmm: O; lerp: O;
  exp: O; log: O; log2: O; log1p: O; expm1: O; sqrt: O; rsqrt: O; square: O; sin: O;
  cos: O; tan: O; tanh: O; sigmoid: O; relu: O; gelu: O; silu: O; softplus: O;
  floor: O; ceil: O; round: O; reciprocal: O; softmax: O; logSoftmax: O; isnan: O;
  isfinite: O;
  sum: O; mean: O; prod: O; amax: O; amin: O; argmax: O; argmin: O; std: O; var: O;
  norm: O; all: O; any: O; cumsum: O; logsumexp: O; argsort: O;
  reshape: O; view: O; transpose: O; permute: O; flatten: O; squeeze: O; unsqueeze: O;
  expand: O; expandAs: O; contiguous: O; flip: O; repeat: O; t: O; narrow: O;
  gather: O; indexSelect: O; maskedFill: O; tril: O; triu: O;
  detach: O; clone: O; to: O; float: O; double: O; int: O; long: O; bool: O; half: O;
  requiresGrad_: O; zero_: O; fill_: O; add_: O; sub_: O; mul_: O;
  div_: O; copy_: O;
}

export interface Tensor extends TensorMethods<Op> {}

export declare class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
  /** number of elements */
  readonly size: number;
  readonly rank: number;
  readonly isDisposed: boolean;
  requiresGrad: boolean;
  /** the gradient after backward() (a new handle: dispose it), or null */
  readonly grad: Tensor | null;

  /** Release the Python tensor now (and its GPU memory when nothing else holds it). */
  dispose(): void;
  /** The elements, one copy, as the dtype's TypedArray. */
  data<D extends DType = DType>(): Promise<DataTypeMap[D]>;
  /** data() without awaiting; throws on webgpu (JavaScript cannot block on the GPU). */
  dataSync<D extends DType = DType>(): DataTypeMap[D];
  array(): Promise<NestedArray>;
  arraySync(): NestedArray;
  item(): Promise<number | bigint | boolean>;
  itemSync(): number | bigint | boolean;
  toString(): string;
  toStringAsync(): Promise<string>;
  print(): Promise<void>;
  /** Python's t[k0, k1, ...] */
  index(...keys: IndexKey[]): Tensor;
  /** Python's t[keys] = value, in place */
  setIndex(keys: IndexKey | IndexKey[], value: TensorLike): this;
  backward(gradient?: Tensor): void;
  /** any rustorch Tensor method by name (camelCase or snake_case) */
  call(name: string, ...args: unknown[]): any;

  /** with { dim }: [values, indices]; without: a Tensor */
  max(...args: unknown[]): any; min(...args: unknown[]): any;
  sort(...args: unknown[]): [Tensor, Tensor]; topk(...args: unknown[]): [Tensor, Tensor];
  split(...args: unknown[]): Tensor[]; chunk(...args: unknown[]): Tensor[];
  numel(): number; dim(): number;
  retainGrad(): void;
}

/**
 * A Python object (nn.Module, optimizer, function, module ...): call it like a
 * function; its attributes and methods are reachable in camelCase or snake_case.
 */
export interface PyObject {
  (...args: unknown[]): any;
  readonly pyType: string;
  dispose(): void;
  [name: string]: any;
}

export interface MemoryInfo {
  /** live Tensor handles (each dispose()/tidy lowers it) */
  numTensors: number;
  numBytes: number;
  /** webgpu: bytes held by live tensors and kept for reuse by the buffer pool */
  gpuAllocatedBytes?: number;
  gpuCachedBytes?: number;
  /** with { python: true }: objects Python's collector tracks (a leak check) */
  pythonObjects?: number;
}

export interface LoadOptions extends LoadRustorchOptions {
  /** "webgpu" (default where navigator.gpu exists; falls back to "python" with a notice) or "python" */
  device?: Device;
  /** a Pyodide that already has rustorch installed (Node, tests) */
  pyodide?: PyodideAPI;
  /** run rustorch in a module Web Worker; every call is then async (see RemoteRusTorch) */
  worker?: boolean;
}

export interface ModelLoadOptions {
  /** default: from the file name, else the first bytes */
  format?: "safetensors" | "onnx" | "pt" | null;
  /** load safetensors / .pt weights into this module and return it */
  model?: PyObject | null;
  device?: Device | null;
}

export declare class RusTorch {
  /** with { worker: true }: rustorch in a module Web Worker, every call async (rustorch-remote.d.ts) */
  static load(options: LoadOptions & { worker: true }): Promise<import("./rustorch-remote.js").RemoteRusTorch>;
  static load(options?: LoadOptions): Promise<RusTorch>;
  readonly device: string;
  readonly version: string;
  /** why webgpu fell back to python, or null */
  readonly notice: string | null;
  /** rustorch.nn, rustorch.optim, rustorch.nn.functional and rustorch itself */
  readonly nn: PyObject;
  readonly optim: PyObject;
  readonly functional: PyObject;
  readonly torch: PyObject;
  readonly slice: typeof slice;

  tensor(data: NestedArray | TypedArray, options?: TensorOptions): Tensor;
  zeros(shape: number[], options?: TensorOptions): Tensor;
  ones(shape: number[], options?: TensorOptions): Tensor;
  full(shape: number[], value: number, options?: TensorOptions): Tensor;
  rand(shape: number[], options?: TensorOptions): Tensor;
  randn(shape: number[], options?: TensorOptions): Tensor;
  randint(low: number, high: number, shape: number[], options?: TensorOptions): Tensor;
  arange(...args: Array<number | TensorOptions>): Tensor;
  linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor;
  eye(n: number, options?: TensorOptions): Tensor;
  cat(tensors: Tensor[], options?: { dim?: number }): Tensor;
  stack(tensors: Tensor[], options?: { dim?: number }): Tensor;
  where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor;
  manualSeed(seed: number): void;
  /** run fn with autograd off */
  noGrad<T>(fn: () => T): T;

  /** dispose every tensor fn creates except those it returns or rt.keep()s (fn must be synchronous) */
  tidy<T>(fn: () => T): T;
  keep(t: Tensor): Tensor;
  memory(options?: { python?: boolean }): MemoryInfo;

  /** ONNX -> a callable model; safetensors / .pt -> { name: Tensor } (or loaded into options.model) */
  load(source: string | URL | ArrayBuffer | ArrayBufferView, options?: ModelLoadOptions): Promise<any>;
  /** run Python with `globals` bound (tensors arrive as rustorch tensors); the last expression's value */
  runPython(code: string, globals?: Record<string, unknown>): Promise<any>;
}

export default RusTorch;
