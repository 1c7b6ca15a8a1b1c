// rustorch in a module Web Worker: the page stays responsive while Python runs.
//
//   const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
//   w.onmessage = (e) => console.log(e.data);
//   // first message: { type: "ready", rustorch, pyodide, devices } or { type: "error", error }
//   w.postMessage({ id: 1, code: "import rustorch as rt\n(rt.ones(2, 2) * 3).sum().item()" });
//   // answer: { id: 1, ok: true, result: 12, stdout: "" } or { id: 1, ok: false, error: "Traceback ..." }
//
// `code` runs with runPythonAsync (top-level await works); the value of its last
// expression is converted to JS (lists, dicts, numbers, strings).  Messages sent
// before Pyodide is ready wait for it.
import { loadRustorch } from "./rustorch-loader.js";

let out = [];
const ready = (async () => {
  try {
    const py = await loadRustorch({ stdout: (s) => out.push(s), stderr: (s) => out.push(s) });
    const info = JSON.parse(await py.runPythonAsync(
      "import json, rustorch; json.dumps([rustorch.__version__, rustorch.backends.available()])"));
    self.postMessage({ type: "ready", rustorch: info[0], pyodide: py.version, devices: info[1] });
    return py;
  } catch (err) {
    self.postMessage({ type: "error", error: String(err && err.stack ? err.stack : err) });
    throw err;
  }
})();
ready.catch(() => {}); // reported to the page above

self.onmessage = async (e) => {
  const { id, code } = e.data ?? {};
  let py;
  try {
    py = await ready;
  } catch (err) {
    self.postMessage({ id, ok: false, error: `rustorch did not load: ${err}` });
    return;
  }
  out = [];
  try {
    let result = await py.runPythonAsync(String(code ?? ""));
    if (result && typeof result.toJs === "function") {
      const proxy = result;
      result = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
      proxy.destroy();
    }
    self.postMessage({ id, ok: true, result, stdout: out.join("\n") });
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.message ? err.message : err), stdout: out.join("\n") });
  }
};
