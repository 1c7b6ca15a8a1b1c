// Node test set-up: Pyodide (wasm/node_modules) with rustorch copied in from
// this checkout (no wheel build needed), offline, then RusTorch.load on the
// python device.  Used by the *.test.mjs files (node --test web/test/).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "..", "..");
const PYODIDE = path.join(ROOT, "wasm", "node_modules", "pyodide");

function copyTree(py, hostDir, fsDir) {
  py.FS.mkdirTree(fsDir);
  for (const e of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (e.name === "__pycache__") continue;
    const src = path.join(hostDir, e.name);
    if (e.isDirectory()) copyTree(py, src, `${fsDir}/${e.name}`);
    else if (e.name.endsWith(".py")) py.FS.writeFile(`${fsDir}/${e.name}`, fs.readFileSync(src));
  }
}

let cached = null;

/** A RusTorch on the python device inside Pyodide under Node (one per process). */
export async function loadForTest() {
  if (cached) return cached;
  if (!fs.existsSync(path.join(PYODIDE, "pyodide.asm.wasm"))) {
    throw new Error(`no Pyodide in ${PYODIDE}: run \`npm ci\` in wasm/ (or bash .ci/setup)`);
  }
  globalThis.fetch = async (url) => { throw new Error(`offline test: refused to fetch ${url}`); };
  const { loadPyodide } = await import(path.join(PYODIDE, "pyodide.mjs"));
  const py = await loadPyodide({ indexURL: PYODIDE + path.sep, stdout: () => {}, stderr: (s) => console.error(s) });
  copyTree(py, path.join(ROOT, "rustorch"), "/home/pyodide/rtsrc/rustorch");
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide/rtsrc'); import rustorch");
  const { RusTorch } = await import("../rustorch.js");
  cached = await RusTorch.load({ pyodide: py, device: "python" });
  return cached;
}
