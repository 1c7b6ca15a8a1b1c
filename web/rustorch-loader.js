// rustorch in the browser: load Pyodide and the rustorch wheel from the static
// bundle that `python wasm/build_bundle.py` writes (or `rustorch serve --build`).
//
//   import { loadRustorch } from "./rustorch-loader.js";
//   const py = await loadRustorch({ onStatus: (msg) => console.log(msg) });
//   py.runPython("import rustorch as rt; print(rt.tensor([1., 2.]) * 2)");
//
// Everything comes from the bundle (relative to this module by default): the
// Pyodide runtime under pyodide/, the micropip, packaging and rustorch wheels
// under wheels/.  The bundle's pyodide/pyodide-lock.json lists those wheels
// (build_bundle.py adds them to Pyodide's lock), so rustorch installs like any
// Pyodide package: `pyodide.loadPackage("rustorch")`, integrity-checked against
// the lock's sha256, and `micropip.install("rustorch")` works offline too.
// Nothing is fetched from another origin.  Works on the main thread and in a
// module Web Worker (see worker.js).

const HERE = new URL(".", import.meta.url);

function abs(url, base) {
  return new URL(url, base).href;
}

/** The bundle's manifest (bundle.json): versions and the wheels' URLs. */
export async function loadManifest(manifestURL = abs("bundle.json", HERE)) {
  const r = await fetch(manifestURL);
  if (!r.ok) throw new Error(`rustorch: cannot read the bundle manifest ${manifestURL} (HTTP ${r.status})`);
  return await r.json();
}

/**
 * Load Pyodide, install micropip and rustorch from the bundle's lock file and
 * import rustorch.  Returns the pyodide instance (rustorch is imported, so
 * `py.pyimport("rustorch")` is cheap).
 *
 * Options (all optional):
 *   indexURL     the Pyodide runtime folder (default: bundle.json's indexURL, "pyodide/");
 *                its pyodide-lock.json must list rustorch unless wheelURL is given
 *   wheelURL     install this rustorch wheel with micropip by URL instead of the
 *                locked one (no integrity check: for development builds)
 *   manifestURL  bundle.json (default: next to this module)
 *   baseURL      what relative URLs are resolved against (default: this module's folder)
 *   stdout, stderr  functions that receive Python's output lines
 *   onStatus     called with a short progress message at each step
 *   pyodideOptions  more options for loadPyodide
 */
export async function loadRustorch({
  indexURL, wheelURL, manifestURL, baseURL, stdout, stderr, onStatus, pyodideOptions = {},
} = {}) {
  const t0 = performance.now();
  const status = (msg) => {
    if (onStatus) onStatus(`${msg} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  };
  const base = baseURL ? new URL(baseURL, location.href) : HERE;
  status("reading bundle.json");
  const manifest = await loadManifest(manifestURL ? abs(manifestURL, base) : abs("bundle.json", base));
  const index = abs(indexURL ?? manifest.indexURL ?? "pyodide/", base).replace(/\/?$/, "/");

  status(`loading Pyodide ${manifest.pyodide ?? ""}`);
  const { loadPyodide } = await import(abs("pyodide.mjs", index));
  const py = await loadPyodide({
    indexURL: index,
    packageBaseUrl: index, // lock entries resolve against the bundle, never the CDN
    stdout: stdout ?? ((s) => console.log(s)),
    stderr: stderr ?? ((s) => console.warn(s)),
    ...pyodideOptions,
  });

  let wheel;
  if (wheelURL) {
    wheel = abs(wheelURL, base);
    await loadLocked(py, ["micropip"], status);
    status(`installing ${wheel.split("/").pop()}`);
    py.globals.set("_RUSTORCH_WHEEL", wheel);
    await py.runPythonAsync(`
import micropip
await micropip.install(_RUSTORCH_WHEEL, deps=True)
del _RUSTORCH_WHEEL
`);
  } else {
    const locked = manifest.lock?.packages?.rustorch;
    wheel = locked ? abs(locked.file_name, index) : null;
    await loadLocked(py, ["micropip", "rustorch"], status);
  }
  py.runPython("import rustorch");
  status(`rustorch ${py.runPython("rustorch.__version__")} ready`);
  py.rustorchBundle = {
    manifest, indexURL: index, wheelURL: wheel, installedFrom: wheelURL ? "url" : "lock",
    seconds: (performance.now() - t0) / 1000,
  };
  return py;
}

/** pyodide.loadPackage(names) from the lock file; throws (with Pyodide's
 * messages) unless every one of them loaded: loadPackage itself only logs a
 * failed download or a sha256 mismatch. */
async function loadLocked(py, names, status) {
  status(`loading ${names.join(", ")}`);
  const errors = [];
  try {
    await py.loadPackage(names, { messageCallback: () => {}, errorCallback: (s) => errors.push(s) });
  } catch (err) {
    throw new Error(`rustorch: ${err.message ?? err} (is this Pyodide's lock file the bundle's? ` +
                    "build the bundle with wasm/build_bundle.py, or pass wheelURL)");
  }
  const missing = names.filter((n) => !py.loadedPackages[n]);
  if (missing.length) {
    // a browser refuses a wheel whose bytes do not match the lock's sha256 with a bare "Failed to fetch"
    throw new Error(`rustorch: could not load ${missing.join(", ")} from the bundle: ${errors.join(" ") || "no reason given"} ` +
                    "(missing from the server, or not the wheel the lock file's sha256 names: rebuild the bundle)");
  }
}
