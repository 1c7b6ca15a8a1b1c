// rustorch in Pyodide under Node, offline: install the wheel with micropip,
// check that NumPy is absent, replay the golden conformance file on the
// 'python' and 'cpu' devices, and train a tiny MLP with autograd.
//
//   node wasm/node_runner.mjs --golden build/golden/conformance.json \
//        [--wheel build/wasm/dist/rustorch-*.whl] [--pypi build/wasm/pypi] \
//        [--devices python,cpu] [--json out.json] [--install micropip|unpack] [-k name]
//
// Prepare (once, with network): `npm ci` in wasm/, `python wasm/build_wheel.py --fetch`
// (micropip + packaging wheels), `python wasm/build_wheel.py` (the rustorch wheel),
// `python tests/golden.py generate build/golden/conformance.json` (needs torch).
// tests/test_pyodide.py does all of this except the downloads.
//
// Pyodide is loaded from wasm/node_modules/pyodide; every wheel comes from disk
// and fetch() is replaced by a function that throws, so nothing reaches the
// network.  Prints one line `PYODIDE-SUMMARY {json}` and exits 0 only when every
// golden case passed (or was excluded, see EXCLUDED["pyodide"] in
// tests/golden.py) and the MLP's loss fell.
import { loadPyodide } from "pyodide";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);

function parseArgs(argv) {
  const a = {
    golden: path.join(ROOT, "build", "golden", "conformance.json"),
    wheel: null,
    pypi: path.join(ROOT, "build", "wasm", "pypi"),
    devices: "python,cpu",
    json: null,
    install: "micropip",
    pattern: "",
    steps: 50,
    limit: 20,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === "--golden") a.golden = v();
    else if (k === "--wheel") a.wheel = v();
    else if (k === "--pypi") a.pypi = v();
    else if (k === "--devices") a.devices = v();
    else if (k === "--json") a.json = v();
    else if (k === "--install") a.install = v();
    else if (k === "-k") a.pattern = v();
    else if (k === "--steps") a.steps = Number(v());
    else if (k === "--limit") a.limit = Number(v());
    else if (k === "-h" || k === "--help") {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport ")[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  if (!a.wheel) {
    const dist = path.join(ROOT, "build", "wasm", "dist");
    const found = fs.existsSync(dist) ? fs.readdirSync(dist).filter((f) => /^rustorch-.*-py3-none-any\.whl$/.test(f)) : [];
    if (found.length !== 1) throw new Error(`no single rustorch wheel in ${dist}: run \`python wasm/build_wheel.py\``);
    a.wheel = path.join(dist, found[0]);
  }
  return a;
}

function need(file, hint) {
  if (!fs.existsSync(file)) throw new Error(`missing ${file}: ${hint}`);
}

// copy a host directory's *.py files (not recursive) into the Pyodide FS
function copyPy(py, hostDir, fsDir) {
  py.FS.mkdirTree(fsDir);
  for (const f of fs.readdirSync(hostDir)) {
    if (f.endsWith(".py")) py.FS.writeFile(`${fsDir}/${f}`, fs.readFileSync(path.join(hostDir, f)));
  }
}

const PY_CHECKS = `
import importlib, sys, json
try:
    import numpy
    numpy_absent = False
except ModuleNotFoundError:
    numpy_absent = True
import rustorch as rt
avail = rt.backends.available()
cpu = rt.backends.get("cpu") if "cpu" in avail else None
info = {
    "python": sys.version.split()[0],
    "platform": sys.platform,
    "numpy_absent": numpy_absent,
    "rustorch_file": rt.__file__,
    "available": avail,
    "cpu_backend": type(cpu).__mro__[1].__name__ if cpu is not None else None,
    "cpu_is_python": cpu is not None and any(c.__name__ == "PythonBackend" for c in type(cpu).__mro__),
    "cpu_device": str(cpu.device) if cpu is not None else None,
}
json.dumps(info)
`;

const PY_REPLAY = `
import json, sys, time
sys.path.insert(0, "/home/pyodide/tests")
import rustorch as rt
import golden
from conformance.registry import all_cases

cases = [c for c in all_cases() if PATTERN in c.name]
doc = golden.load("/home/pyodide/golden.json")
out = {}
for dev in DEVICES:
    t0 = time.perf_counter()
    res = golden.replay(cases, None, rt, dev, exclude=golden.EXCLUDED["pyodide"], golden=doc)
    out[dev] = {"counts": golden.counts(res), "ok": golden.ok(res),
                "seconds": round(time.perf_counter() - t0, 2),
                "summary": golden.summary(res, f"pyodide replay on '{dev}'"),
                "failures": golden.failures(res, LIMIT),
                "results": [{k: r[k] for k in ("name", "status", "message")} for r in res
                            if r["status"] != "pass"]}
json.dumps(out)
`;

// 2-16-2 MLP, 50 steps of plain SGD written with autograd, on the 'cpu' device
// (the pure-Python backend here); data and initial weights from Python's random
const PY_MLP = `
import json, math, random, time
import rustorch as rt

def run(steps, device="cpu"):
    rng = random.Random(0)
    pts, labels = [], []
    for i in range(64):               # two Gaussian blobs
        c = i % 2
        cx, cy = (1.0, 1.0) if c else (-1.0, -1.0)
        pts.append([cx + rng.gauss(0, 0.5), cy + rng.gauss(0, 0.5)])
        labels.append([0.0, 1.0] if c else [1.0, 0.0])
    x = rt.tensor(pts, device=device)
    y = rt.tensor(labels, device=device)
    def param(rows, cols, scale):
        vals = [[rng.uniform(-scale, scale) for _ in range(cols)] for _ in range(rows)]
        return rt.tensor(vals if rows > 1 else vals[0], device=device, requires_grad=True)
    w1, b1 = param(2, 16, 1 / math.sqrt(2)), param(1, 16, 1 / math.sqrt(2))
    w2, b2 = param(16, 2, 0.25), param(1, 2, 0.25)
    params = [w1, b1, w2, b2]
    losses = []
    t0 = time.perf_counter()
    for step in range(steps):
        h = (x @ w1 + b1).tanh()
        logits = h @ w2 + b2
        loss = ((logits - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with rt.no_grad():
            for p in params:
                p -= 0.5 * p.grad
        losses.append(loss.item())
    return {"losses": losses, "seconds": round(time.perf_counter() - t0, 2), "device": device}

try:
    res = run(STEPS)
except Exception as e:
    import traceback
    res = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()[-2000:]}
json.dumps(res)
`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
  const summary = { ok: false };
  const failures = [];

  need(path.join(HERE, "node_modules", "pyodide", "pyodide.asm.wasm"), "run `npm ci` in wasm/");
  need(args.golden, "generate it: `python tests/golden.py generate <path>` (needs torch)");
  need(args.wheel, "run `python wasm/build_wheel.py`");

  // offline: nothing may be fetched over the network from here on
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url) => {
    throw new Error(`offline runner: refused to fetch ${url}`);
  };

  const py = await loadPyodide({
    indexURL: path.join(HERE, "node_modules", "pyodide") + path.sep,
    stdout: (s) => console.log(s),
    stderr: (s) => console.error(s),
  });
  summary.pyodide = py.version;
  console.log(`pyodide ${py.version} loaded in ${secs()}s`);

  // ---- install the rustorch wheel
  const wheelName = path.basename(args.wheel);
  py.FS.mkdirTree("/tmp/wheels");
  py.FS.writeFile(`/tmp/wheels/${wheelName}`, fs.readFileSync(args.wheel));
  if (args.install === "micropip") {
    const pypi = fs.existsSync(args.pypi) ? fs.readdirSync(args.pypi).filter((f) => f.endsWith(".whl")) : [];
    const mp = pypi.find((f) => f.startsWith("micropip-"));
    if (!mp) throw new Error(`no micropip wheel in ${args.pypi}: run \`python wasm/build_wheel.py --fetch\``);
    // packaging first (micropip may vendor it; loading it is harmless), then micropip
    const order = [...pypi.filter((f) => f.startsWith("packaging-")), mp];
    await py.loadPackage(order.map((f) => path.join(args.pypi, f)), { messageCallback: () => {} });
    py.globals.set("WHEEL", `emfs:/tmp/wheels/${wheelName}`);
    await py.runPythonAsync(`
import micropip
await micropip.install(WHEEL, deps=True)
`);
  } else if (args.install === "unpack") {
    py.globals.set("WHEEL", `/tmp/wheels/${wheelName}`);
    py.runPython(`
import site, sys, zipfile
zipfile.ZipFile(WHEEL).extractall(site.getsitepackages()[0])
`);
  } else {
    throw new Error(`--install must be micropip or unpack, not ${args.install}`);
  }
  summary.install = args.install;
  console.log(`installed ${wheelName} with ${args.install} at ${secs()}s`);

  // ---- environment checks
  const info = JSON.parse(py.runPython(PY_CHECKS));
  summary.env = info;
  console.log(`python ${info.python} on ${info.platform}; rustorch from ${info.rustorch_file}`);
  console.log(`backends available: ${info.available.join(", ")}; cpu served by ${info.cpu_backend}`);
  if (!info.numpy_absent) failures.push("`import numpy` worked inside Pyodide (it must not be installed)");
  for (const d of ["cpu", "python"]) if (!info.available.includes(d)) failures.push(`device '${d}' is not available`);
  if (!info.cpu_is_python) failures.push("device 'cpu' is not served by the pure-Python backend");
  if (info.cpu_device !== "cpu") failures.push(`the cpu backend reports device ${info.cpu_device}`);

  // ---- golden replay
  copyPy(py, path.join(ROOT, "tests", "conformance"), "/home/pyodide/tests/conformance");
  py.FS.writeFile("/home/pyodide/tests/golden.py", fs.readFileSync(path.join(ROOT, "tests", "golden.py")));
  py.FS.writeFile("/home/pyodide/golden.json", fs.readFileSync(args.golden));
  const devices = args.devices.split(",").filter(Boolean);
  py.globals.set("DEVICES", py.toPy(devices));
  py.globals.set("PATTERN", args.pattern);
  py.globals.set("LIMIT", args.limit);
  const replay = JSON.parse(py.runPython(PY_REPLAY));
  summary.replay = {};
  for (const d of devices) {
    const r = replay[d];
    summary.replay[d] = { ...r.counts, seconds: r.seconds };
    console.log(r.summary);
    if (!r.ok) {
      console.log(r.failures);
      failures.push(`golden replay on '${d}': ${r.summary}`);
    }
  }

  // ---- tiny MLP
  py.globals.set("STEPS", args.steps);
  const mlp = JSON.parse(py.runPython(PY_MLP));
  if (mlp.error) {
    console.log(`MLP training failed: ${mlp.error}\n${mlp.traceback}`);
    failures.push(`MLP training raised ${mlp.error}`);
    summary.mlp = { error: mlp.error };
  } else {
    const L = mlp.losses;
    L.forEach((l, i) => {
      if (i % 10 === 0 || i === L.length - 1) console.log(`mlp step ${String(i).padStart(3)}  loss ${l.toFixed(4)}`);
    });
    const fell = L.length > 1 && L[L.length - 1] < 0.5 * L[0] && L.every(Number.isFinite);
    summary.mlp = { first: L[0], last: L[L.length - 1], steps: L.length, fell, seconds: mlp.seconds };
    if (!fell) failures.push(`MLP loss did not fall by half: ${L[0]} -> ${L[L.length - 1]}`);
  }

  globalThis.fetch = realFetch;
  summary.ok = failures.length === 0;
  summary.failures = failures;
  summary.seconds = Number(secs());
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ summary, replay }, null, 1));
  for (const f of failures) console.log(`FAIL: ${f}`);
  console.log(`PYODIDE-SUMMARY ${JSON.stringify(summary)}`);
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`node_runner: ${err && err.stack ? err.stack : err}`);
    console.log(`PYODIDE-SUMMARY ${JSON.stringify({ ok: false, failures: [String(err && err.message ? err.message : err)] })}`);
    process.exit(2);
  },
);
