// rustorch in the browser: load Pyodide and the rustorch wheel from the static
// bundle that `python wasm/build_bundle.py` writes (or `rustorch serve --build`).
//
//   import { loadRustorch } from "./rustorch-loader.js";
//   const py = await loadRustorch({ onStatus: (msg) => console.log(msg) });
//   py.runPython("import rustorch as rt; print(rt.tensor([1., 2.]) * 2)");
//
// Everything comes from the bundle (relative to this module by default): the
// Pyodide runtime under pyodide/, the micropip, packaging and rustorch wheels
// under wheels/ (named in bundle.json).  Nothing is fetched from another origin.
// Works on the main thread and in a module Web Worker (see worker.js).

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
 * Load Pyodide, install micropip + packaging + rustorch from the bundle and
 * import rustorch.  Returns the pyodide instance (rustorch is imported, so
 * `py.pyimport("rustorch")` is cheap).
 *
 * Options (all optional):
 *   indexURL     the Pyodide runtime folder (default: bundle.json's indexURL, "pyodide/")
 *   wheelURL     the rustorch wheel (default: bundle.json's wheels.rustorch.url)
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
    packageBaseUrl: index, // never fall back to the CDN
    stdout: stdout ?? ((s) => console.log(s)),
    stderr: stderr ?? ((s) => console.warn(s)),
    ...pyodideOptions,
  });

  // packaging, then micropip (by URL: the lock file does not list where they are)
  const side = ["packaging", "micropip"].filter((n) => manifest.wheels?.[n]).map((n) => abs(manifest.wheels[n].url, base));
  status("loading micropip");
  await py.loadPackage(side, { messageCallback: () => {}, errorCallback: (s) => console.warn(s) });

  const wheel = wheelURL ? abs(wheelURL, base) : abs(manifest.wheels.rustorch.url, base);
  status(`installing ${wheel.split("/").pop()}`);
  py.globals.set("_RUSTORCH_WHEEL", wheel);
  await py.runPythonAsync(`
import micropip
await micropip.install(_RUSTORCH_WHEEL, deps=True)
del _RUSTORCH_WHEEL
import rustorch
`);
  status(`rustorch ${py.runPython("import rustorch; rustorch.__version__")} ready`);
  py.rustorchBundle = { manifest, indexURL: index, wheelURL: wheel, seconds: (performance.now() - t0) / 1000 };
  return py;
}
