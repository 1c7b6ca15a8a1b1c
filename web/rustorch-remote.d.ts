// Type declarations for rustorch-remote.js: the RusTorch API with rustorch in a
// module Web Worker (rustorch-worker.js), every call returning a Promise.
import type {
  DType, DataTypeMap, Device, IndexKey, LoadOptions, MemoryInfo, ModelLoadOptions, NestedArray,
  TensorMethods, TensorOptions, TypedArray, slice,
} from "./rustorch.js";

/** An argument: page values, remote handles, or Promises of them (sent once resolved). */
type Arg = unknown;
type Op = (...args: Arg[]) => Promise<RemoteTensor>;

/** The methods of Tensor, each resolving to a RemoteTensor. */
export interface RemoteTensor extends TensorMethods<Op> {}

/** A tensor living in the worker; shape, dtype and device are known on the page. */
export declare class RemoteTensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
  readonly size: number;
  readonly rank: number;
  readonly isDisposed: boolean;
  readonly requiresGrad: Promise<boolean>;
  /** the gradient (a new handle each read: dispose it), or null */
  readonly grad: Promise<RemoteTensor | null>;

  /** Free the worker's tensor (and its GPU memory when nothing else holds it). */
  dispose(): void;
  /** The elements as the dtype's TypedArray; its buffer is moved from the worker, not copied. */
  data<D extends DType = DType>(): Promise<DataTypeMap[D]>;
  array(): Promise<NestedArray>;
  item(): Promise<number | bigint | boolean>;
  toStringAsync(): Promise<string>;
  print(): Promise<void>;
  /** a summary (the values need `await t.toStringAsync()`) */
  toString(): string;
  /** throw: a worker cannot be waited for synchronously (use the async form) */
  dataSync(): never; arraySync(): never; itemSync(): never;
  index(...keys: Array<IndexKey | RemoteTensor>): Promise<RemoteTensor>;
  /** t[keys] = value in place; resolves to t */
  setIndex(keys: IndexKey | RemoteTensor | Array<IndexKey | RemoteTensor>, value: number | RemoteTensor): Promise<this>;
  backward(gradient?: RemoteTensor): Promise<null>;
  call(name: string, ...args: Arg[]): Promise<any>;

  /** with { dim }: [values, indices]; without: a RemoteTensor */
  max(...args: Arg[]): Promise<any>; min(...args: Arg[]): Promise<any>;
  sort(...args: Arg[]): Promise<[RemoteTensor, RemoteTensor]>;
  topk(...args: Arg[]): Promise<[RemoteTensor, RemoteTensor]>;
  split(...args: Arg[]): Promise<RemoteTensor[]>; chunk(...args: Arg[]): Promise<RemoteTensor[]>;
  numel(): Promise<number>; dim(): Promise<number>;
  retainGrad(): Promise<null>;
}

/**
 * A Python object in the worker (nn.Module, optimizer, function, module):
 * `await obj(...)` or `await obj.call(...)` calls it, `await obj.method(...)`
 * calls a method (camelCase finds snake_case), `await obj.attr` reads an
 * attribute; obj.get(name) / obj.set(name, value) spell that out.
 */
export interface RemoteObject {
  (...args: Arg[]): Promise<any>;
  call(...args: Arg[]): Promise<any>;
  get(name: string): Promise<any>;
  set(name: string, value: Arg): Promise<null>;
  readonly pyType: string;
  readonly isDisposed: boolean;
  dispose(): void;
  /** a method to call, or (awaited) the attribute's value */
  [name: string]: any;
}

export interface RemoteMemoryInfo extends MemoryInfo {
  /** handles the worker holds for the page */
  workerHandles: number;
  /** live RemoteTensor / RemoteObject handles on the page */
  pageHandles: number;
}

export interface RemoteTensorOptions extends TensorOptions {
  /** move a TypedArray's buffer to the worker instead of copying it (the array is then empty here) */
  transfer?: boolean;
}

export interface WorkerLoadOptions extends Omit<LoadOptions, "worker" | "pyodide"> {
  /** the worker script (default: rustorch-worker.js next to rustorch-remote.js) */
  workerURL?: string | URL;
}

export declare class RemoteRusTorch {
  /** set once loaded (null before `await rt.ready`) */
  readonly device: string | null;
  readonly version: string | null;
  readonly notice: string | null;
  /** resolves to this RemoteRusTorch once rustorch loaded in the worker; rejects with the load error */
  readonly ready: Promise<RemoteRusTorch>;
  readonly nn: RemoteObject;
  readonly optim: RemoteObject;
  readonly functional: RemoteObject;
  readonly torch: RemoteObject;
  readonly slice: typeof slice;

  tensor(data: NestedArray | TypedArray, options?: RemoteTensorOptions): Promise<RemoteTensor>;
  zeros(shape: number[], options?: TensorOptions): Promise<RemoteTensor>;
  ones(shape: number[], options?: TensorOptions): Promise<RemoteTensor>;
  full(shape: number[], value: number, options?: TensorOptions): Promise<RemoteTensor>;
  rand(shape: number[], options?: TensorOptions): Promise<RemoteTensor>;
  randn(shape: number[], options?: TensorOptions): Promise<RemoteTensor>;
  randint(low: number, high: number, shape: number[], options?: TensorOptions): Promise<RemoteTensor>;
  arange(...args: Array<number | TensorOptions>): Promise<RemoteTensor>;
  linspace(start: number, end: number, steps: number, options?: TensorOptions): Promise<RemoteTensor>;
  eye(n: number, options?: TensorOptions): Promise<RemoteTensor>;
  cat(tensors: Arg[], options?: { dim?: number }): Promise<RemoteTensor>;
  stack(tensors: Arg[], options?: { dim?: number }): Promise<RemoteTensor>;
  where(condition: Arg, a: Arg, b: Arg): Promise<RemoteTensor>;
  manualSeed(seed: number): Promise<null>;
  /** run async fn with autograd off in the worker */
  noGrad<T>(fn: () => T | Promise<T>): Promise<T>;

  /** dispose every handle made while fn ran except those it returns or rt.keep()s */
  tidy<T>(fn: () => T | Promise<T>): Promise<T>;
  keep<T extends RemoteTensor | RemoteObject>(x: T): T;
  memory(options?: { python?: boolean }): Promise<RemoteMemoryInfo>;

  load(source: string | URL | ArrayBuffer | ArrayBufferView, options?: ModelLoadOptions): Promise<any>;
  runPython(code: string, globals?: Record<string, unknown>): Promise<any>;
  /** stop the worker; pending and later calls reject */
  terminate(): void;
}

/** Start rustorch in a module Web Worker and wait until it loaded (rejects with the load error). */
export declare function loadInWorker(options?: WorkerLoadOptions): Promise<RemoteRusTorch>;
/** loadInWorker without waiting: calls made before it loaded run once it did. */
export declare function startWorker(options?: WorkerLoadOptions): RemoteRusTorch;
export default loadInWorker;
export type { Device };
