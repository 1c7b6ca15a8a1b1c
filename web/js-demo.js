// The JS-only demo (js-demo.html): data, model, training loop and evaluation
// all written in JavaScript against rustorch.js; no Python code in the page.
//
// Page contract (e2e/test_js_demo_page.py): body[data-ready] is "1" once the
// runtime is loaded and Train is enabled ("error" with #error text if not);
// body[data-trained] is "1" after a training run ("error" on failure), and
// window.demoResults then holds { device, accuracy, losses, memoryBefore,
// memoryAfter, ... }.
import { RusTorch } from "./rustorch.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get("steps")) $("steps").value = params.get("steps");

const CLASSES = 3, PER_CLASS = 100, HIDDEN = 32, LR = 0.03, SEED = 1;
const READ_EVERY = 10;        // losses are read (one GPU sync) and charted every 10 steps
const GRID = 64;              // the decision-region grid is GRID x GRID points
const EXTENT = 1.15;          // the plot shows [-EXTENT, EXTENT]^2
const COLORS = [[230, 57, 70], [42, 157, 143], [69, 123, 157]];

let rt = null;

// ---------------------------------------------------------------- data
// a small seeded generator (mulberry32), so every run sees the same points
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CLASSES interleaved spiral arms of PER_CLASS noisy points each, in [-1, 1]^2. */
function spirals(seed) {
  const rand = random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const xy = new Float32Array(2 * CLASSES * PER_CLASS), labels = [];
  let k = 0;
  for (let c = 0; c < CLASSES; c++) {
    for (let i = 0; i < PER_CLASS; i++) {
      const r = i / (PER_CLASS - 1), t = 4 * c + 4 * r + 0.2 * gauss();
      xy[k++] = r * Math.sin(t);
      xy[k++] = r * Math.cos(t);
      labels.push(c);
    }
  }
  return { xy, labels };
}

// ---------------------------------------------------------------- drawing
function drawLosses(losses, steps) {
  const c = $("chart"), g = c.getContext("2d"), W = c.width, H = c.height, P = 36;
  g.clearRect(0, 0, W, H);
  g.strokeStyle = "#ccc"; g.strokeRect(P, 10, W - P - 10, H - P - 10);
  g.fillStyle = "#333"; g.font = "12px sans-serif";
  const top = Math.max(0.1, ...losses);
  g.fillText(top.toFixed(2), 2, 20); g.fillText("0", P - 12, H - P);
  g.fillText(`step ${steps}`, W - 60, H - P + 16); g.fillText("1", P, H - P + 16);
  if (!losses.length) return;
  const x = (i) => P + (W - P - 10) * i / Math.max(1, steps - 1);
  const y = (l) => H - P - (H - P - 10) * l / top;
  g.strokeStyle = "#1565c0"; g.lineWidth = 2; g.beginPath();
  losses.forEach((l, i) => (i ? g.lineTo(x(i), y(l)) : g.moveTo(x(i), y(l))));
  g.stroke();
}

// probs: GRID*GRID*3 softmax outputs, row-major from the top-left corner
function drawRegions(probs, xy, labels, predicted) {
  const c = $("regions"), g = c.getContext("2d"), W = c.width, H = c.height;
  const img = new ImageData(GRID, GRID);
  for (let p = 0; p < GRID * GRID; p++) {
    for (let ch = 0; ch < 3; ch++) {
      let v = 0;
      for (let k = 0; k < CLASSES; k++) v += probs[CLASSES * p + k] * COLORS[k][ch];
      img.data[4 * p + ch] = 255 - 0.45 * (255 - v);   // lightened, so the points stand out
    }
    img.data[4 * p + 3] = 255;
  }
  const small = new OffscreenCanvas(GRID, GRID);
  small.getContext("2d").putImageData(img, 0, 0);
  g.imageSmoothingEnabled = true;
  g.drawImage(small, 0, 0, W, H);
  const px = (v) => (v + EXTENT) / (2 * EXTENT) * W, py = (v) => (EXTENT - v) / (2 * EXTENT) * H;
  labels.forEach((c0, i) => {
    const [r, gg, b] = COLORS[c0], cx = px(xy[2 * i]), cy = py(xy[2 * i + 1]);
    g.fillStyle = `rgb(${r},${gg},${b})`;
    g.strokeStyle = predicted[i] === c0 ? "#222" : "#000";
    g.lineWidth = predicted[i] === c0 ? 1 : 3;   // misclassified points get a thick ring
    g.beginPath(); g.arc(cx, cy, predicted[i] === c0 ? 3.5 : 5, 0, 2 * Math.PI); g.fill(); g.stroke();
  });
}

// the grid's points, row-major from the top-left corner (y decreasing)
function gridPoints() {
  const pts = new Float32Array(2 * GRID * GRID);
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      pts[2 * (i * GRID + j)] = -EXTENT + 2 * EXTENT * (j + 0.5) / GRID;
      pts[2 * (i * GRID + j) + 1] = EXTENT - 2 * EXTENT * (i + 0.5) / GRID;
    }
  }
  return pts;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
const memNumbers = (m) => ({ numTensors: m.numTensors, numBytes: m.numBytes,
                             gpuAllocatedBytes: m.gpuAllocatedBytes ?? null });

// ---------------------------------------------------------------- training
async function train(steps) {
  const { xy, labels } = spirals(SEED);
  const n = labels.length;
  const x = rt.tensor(xy, { shape: [n, 2] });
  const y = rt.tensor(labels, { dtype: "int64" });
  rt.manualSeed(0);
  const model = rt.nn.Sequential(rt.nn.Linear(2, HIDDEN), rt.nn.ReLU(),
                                 rt.nn.Linear(HIDDEN, HIDDEN), rt.nn.ReLU(), rt.nn.Linear(HIDDEN, CLASSES));
  const parameters = model.parameters();
  const opt = rt.optim.Adam(parameters, { lr: LR });
  parameters.forEach((p) => p.dispose());   // the optimizer holds them; the JS handles can go
  const memoryBefore = memNumbers(rt.memory());

  let pending = [];   // this window's loss tensors, read together in one sync
  try {
    const losses = [];
    let memoryFirstRead = null;   // after the first steps (Adam's state exists by then)
    let peakTensors = 0;          // live handles after a step, besides the unread losses
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      pending.push(rt.tidy(() => {
        const loss = rt.functional.crossEntropy(model(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss;
      }));
      // counted before any await: the FinalizationRegistry (the safety net for
      // handles nobody disposed) cannot have run yet, so this sees rt.tidy's work
      peakTensors = Math.max(peakTensors, rt.memory().numTensors - pending.length);
      if (step % READ_EVERY === 0 || step === steps) {
        const stacked = rt.stack(pending);
        pending.forEach((t) => t.dispose());
        pending = [];
        losses.push(...await stacked.data());
        stacked.dispose();
        memoryFirstRead ??= memNumbers(rt.memory());
        $("loss").textContent = losses[losses.length - 1].toFixed(4);
        $("status").textContent = `training: step ${step} of ${steps}`;
        $("speed").textContent = `${(step / ((performance.now() - t0) / 1000)).toFixed(1)} steps/s`;
        drawLosses(losses, steps);
        await pause();   // let the page repaint
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();

    // evaluation: one forward pass over the training points and the grid, one read
    const grid = rt.tensor(gridPoints(), { shape: [GRID * GRID, 2] });
    const probsT = rt.noGrad(() => rt.tidy(() => model(rt.cat([x, grid])).softmax({ dim: 1 })));
    grid.dispose();
    const all = await probsT.data();
    probsT.dispose();
    const predictedClasses = argmaxRows(all.subarray(0, CLASSES * n));
    const accuracy = predictedClasses.filter((c, i) => c === labels[i]).length / n;
    const probs = all.subarray(CLASSES * n);
    drawRegions(probs, xy, labels, predictedClasses);
    const evalSeconds = (performance.now() - t1) / 1000;

    const memoryAfter = memNumbers(rt.memory());   // x and y still live, as before training
    return { accuracy, losses, seconds, evalSeconds, memoryBefore, memoryFirstRead, memoryAfter, peakTensors, steps,
             gridClasses: countClasses(probs) };
  } finally {   // on success and on error: nothing stays behind
    pending.forEach((t) => t.dispose());
    x.dispose(); y.dispose(); model.dispose(); opt.dispose();
  }
}

// the most probable class of each row of a [rows, CLASSES] probability array
function argmaxRows(probs) {
  const out = [];
  for (let p = 0; p < probs.length / CLASSES; p++) {
    let best = 0;
    for (let k = 1; k < CLASSES; k++) if (probs[CLASSES * p + k] > probs[CLASSES * p + best]) best = k;
    out.push(best);
  }
  return out;
}

// how many grid points each class wins (a model that learned spirals uses all three)
function countClasses(probs) {
  const counts = new Array(CLASSES).fill(0);
  for (const c of argmaxRows(probs)) counts[c]++;
  return counts;
}

async function onTrain() {
  $("train").disabled = true;
  document.body.dataset.trained = "0";
  const steps = Math.max(1, Math.floor(Number($("steps").value) || 300));
  try {
    const r = await train(steps);
    $("accuracy").textContent = `${(100 * r.accuracy).toFixed(1)}%`;
    $("mem-before").textContent = String(r.memoryBefore.numTensors);
    $("mem-after").textContent = String(r.memoryAfter.numTensors);
    $("mem-peak").textContent = String(r.peakTensors);
    if (r.memoryAfter.gpuAllocatedBytes !== null) {
      $("mem-gpu").textContent = `(GPU pool: ${(r.memoryAfter.gpuAllocatedBytes / 1024).toFixed(0)} KiB allocated)`;
    }
    $("status").textContent = `trained ${steps} steps in ${r.seconds.toFixed(1)} s`;
    window.demoResults = { device: rt.device, notice: rt.notice, version: rt.version, ...r };
    document.body.dataset.trained = "1";
  } catch (e) {
    showError(e, "training failed");
    document.body.dataset.trained = "error";
  }
  $("train").disabled = false;
}

function showError(e, status) {
  $("error").hidden = false;
  $("error").textContent = String(e && e.message ? e.message : e);   // "ValueError: ..." from Python
  $("status").textContent = status;
  console.error(e);
}

(async () => {
  const t0 = performance.now();
  try {
    rt = await RusTorch.load({ device: params.get("device") ?? "webgpu",
                               onStatus: (m) => { $("status").textContent = m; } });
    window.rt = rt;   // for the console (and the e2e test)
    window.loadSeconds = (performance.now() - t0) / 1000;
    $("device").textContent = rt.device;
    $("version").textContent = rt.version;
    if (rt.notice) $("notice").textContent = rt.notice;
    drawLosses([], 1);
    $("train").addEventListener("click", onTrain);
    $("train").disabled = false;
    $("status").textContent = "ready: press Train";
    document.body.dataset.ready = "1";
    if (params.get("autostart") === "1") onTrain();
  } catch (e) {
    showError(e, "failed to load");
    document.body.dataset.ready = "error";
  }
})();
