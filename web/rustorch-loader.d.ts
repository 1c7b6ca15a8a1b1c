// Type declarations for rustorch-loader.js (the bundle also carries
// pyodide/pyodide.d.ts, where PyodideAPI is declared).
import type { PyodideAPI } from "./pyodide/pyodide.js";

/** bundle.json, written by wasm/build_bundle.py. */
export interface RustorchBundleManifest {
  rustorch: string;
  pyodide: string;
  /** the Pyodide runtime folder, relative to the bundle */
  indexURL: string;
  /** the wheels in the bundle (relative URLs) */
  wheels: Record<"packaging" | "micropip" | "rustorch", { url: string; sha256: string }>;
  /** the bundle's lock file (Pyodide's plus these wheels; file_name is relative to indexURL) */
  lock: {
    url: string;
    packages: Record<"packaging" | "micropip" | "rustorch", { version: string; file_name: string; sha256: string }>;
  };
  data: string[];
  built: string;
}

export interface LoadRustorchOptions {
  /** the Pyodide runtime folder (default: the manifest's indexURL, "pyodide/") */
  indexURL?: string;
  /** install this rustorch wheel with micropip by URL instead of loading the
   * locked one with pyodide.loadPackage (default: the lock's) */
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
  rustorchBundle: {
    manifest: RustorchBundleManifest;
    indexURL: string;
    /** the wheel installed (absolute URL) */
    wheelURL: string | null;
    /** "lock": pyodide.loadPackage("rustorch"); "url": micropip.install(wheelURL) */
    installedFrom: "lock" | "url";
    seconds: number;
  };
};

export function loadManifest(manifestURL?: string): Promise<RustorchBundleManifest>;
/** Load Pyodide, load micropip and rustorch from the bundle's lock file, import rustorch. */
export function loadRustorch(options?: LoadRustorchOptions): Promise<RustorchPyodide>;
