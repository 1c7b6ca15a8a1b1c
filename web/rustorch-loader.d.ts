// Type declarations for rustorch-loader.js (the bundle also carries
// pyodide/pyodide.d.ts, where PyodideAPI is declared).
import type { PyodideAPI } from "./pyodide/pyodide.js";

/** bundle.json, written by wasm/build_bundle.py. */
export interface RustorchBundleManifest {
  rustorch: string;
  pyodide: string;
  /** the Pyodide runtime folder, relative to the bundle */
  indexURL: string;
  /** install order: packaging, micropip, rustorch */
  wheels: Record<"packaging" | "micropip" | "rustorch", { url: string; sha256: string }>;
  built: string;
}

export interface LoadRustorchOptions {
  /** the Pyodide runtime folder (default: the manifest's indexURL, "pyodide/") */
  indexURL?: string;
  /** the rustorch wheel (default: the manifest's wheels.rustorch.url) */
  wheelURL?: string;
  /** bundle.json (default: next to rustorch-loader.js) */
  manifestURL?: string;
  /** what relative URLs resolve against (default: rustorch-loader.js's folder) */
  baseURL?: string;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** progress messages, one per step */
  onStatus?: (message: string) => void;
  /** more options for loadPyodide */
  pyodideOptions?: Record<string, unknown>;
}

export type RustorchPyodide = PyodideAPI & {
  rustorchBundle: { manifest: RustorchBundleManifest; indexURL: string; wheelURL: string; seconds: number };
};

export function loadManifest(manifestURL?: string): Promise<RustorchBundleManifest>;
/** Load Pyodide, install micropip, packaging and rustorch from the bundle, import rustorch. */
export function loadRustorch(options?: LoadRustorchOptions): Promise<RustorchPyodide>;
