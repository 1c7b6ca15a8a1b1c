"""WebGPU backend against CUDA on the same GPU, in one process.

    python benchmarks/bench_webgpu.py [--quick] [--only matmul,add,mlp,cnn]

Rows (issue 8's targets):
  * fp32 matmul 4096^3: rustorch on ``webgpu`` vs torch CUDA (cuBLAS, TF32 off),
    in TFLOP/s; target >= 50% of cuBLAS.
  * elementwise add on 256M floats (1 GiB per tensor: bound in 128 MiB windows):
    rustorch vs CuPy (torch where CuPy is missing), in GB/s of traffic (2 reads
    + 1 write); target >= 80%.
  * a training step (forward, backward, Adam) of an MLP and of a small CNN:
    rustorch vs torch CUDA, in ms; target <= 2x.
Each side is timed over a run of calls ended by a sync (a small read for
webgpu: wgpu-py's on_submitted_work_done is broken; torch.cuda.synchronize for
CUDA), median of several runs.  ``--quick`` shrinks every size (a smoke run
that works on lavapipe too).  Prints the adapter and one ratio per row.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402


def _median_time(fn, sync, inner, reps=7, warmup=3):
    for _ in range(warmup):
        fn()
    sync()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


def _rt_sync():
    rt.webgpu.synchronize()


def _peer():
    """(torch, cupy or None, CUDA available)."""
    try:
        import torch
    except ImportError:
        return None, None, False
    cuda = torch.cuda.is_available()
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
    except Exception:
        cupy = None
    return torch, cupy, cuda


def bench_matmul(n, inner, torch, cuda):
    a = rt.randn(n, n, device="webgpu")
    b = rt.randn(n, n, device="webgpu")
    t_rt = _median_time(lambda: a @ b, _rt_sync, inner)
    flops = 2.0 * n ** 3
    row = {"name": f"matmul fp32 {n}^3", "rustorch": flops / t_rt / 1e12, "unit": "TFLOP/s"}
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False
        ta = torch.randn(n, n, device="cuda")
        tb = torch.randn(n, n, device="cuda")
        t_pe = _median_time(lambda: ta @ tb, torch.cuda.synchronize, inner)
        row.update(peer="cuBLAS", peer_value=flops / t_pe / 1e12)
        # a spot check that the answers agree (on a block of the product)
        c = (a @ b)[:64, :64].cpu().tolist()
        ref = (torch.tensor(a[:64].cpu().tolist(), device="cuda")
               @ torch.tensor(b.cpu().tolist(), device="cuda"))[:, :64].tolist()
        err = max(abs(x - y) for r1, r2 in zip(c, ref) for x, y in zip(r1, r2))
        row["check"] = f"max |diff| on a 64x64 block: {err:.2e}"
    return row


def bench_add(n, inner, torch, cupy, cuda):
    x = rt.ones(n, device="webgpu")
    y = rt.ones(n, device="webgpu")
    t_rt = _median_time(lambda: x + y, _rt_sync, inner)
    traffic = 3.0 * 4 * n
    row = {"name": f"add {n // 2**20}M floats", "rustorch": traffic / t_rt / 1e9, "unit": "GB/s"}
    if cupy is not None:
        cx, cy = cupy.ones(n, dtype=cupy.float32), cupy.ones(n, dtype=cupy.float32)
        t_pe = _median_time(lambda: cx + cy, cupy.cuda.Device().synchronize, inner)
        row.update(peer="CuPy", peer_value=traffic / t_pe / 1e9)
    elif cuda:
        tx, ty = torch.ones(n, device="cuda"), torch.ones(n, device="cuda")
        t_pe = _median_time(lambda: tx + ty, torch.cuda.synchronize, inner)
        row.update(peer="torch CUDA", peer_value=traffic / t_pe / 1e9)
    got = (x + y)[-3:].tolist()
    assert got == [2.0, 2.0, 2.0], got
    return row


def _mlp(m, width):
    return m.nn.Sequential(m.nn.Linear(784, width), m.nn.ReLU(), m.nn.Linear(width, width),
                           m.nn.ReLU(), m.nn.Linear(width, 10))


def _cnn(m):
    return m.nn.Sequential(
        m.nn.Conv2d(1, 32, 3, padding=1), m.nn.ReLU(), m.nn.MaxPool2d(2),
        m.nn.Conv2d(32, 64, 3, padding=1), m.nn.ReLU(), m.nn.MaxPool2d(2),
        m.nn.Flatten(), m.nn.Linear(64 * 7 * 7, 128), m.nn.ReLU(), m.nn.Linear(128, 10))


def _step_fn(m, model, x, y, device):
    model = model.to(device)
    opt = m.optim.Adam(model.parameters(), lr=1e-3)
    lossf = m.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def bench_step(kind, batch, width, inner, torch, cuda):
    shape = (batch, 784) if kind == "mlp" else (batch, 1, 28, 28)
    rt.manual_seed(0)
    model = _mlp(rt, width) if kind == "mlp" else _cnn(rt)
    x = rt.randn(*shape, device="webgpu")
    y = rt.randint(0, 10, (batch,), device="webgpu")
    step = _step_fn(rt, model, x, y, "webgpu")
    rt.webgpu.reset_host_fallbacks()
    t_rt = _median_time(step, _rt_sync, inner)
    host = rt.webgpu.host_fallbacks()
    name = (f"MLP step 784-{width}-{width}-10, batch {batch}" if kind == "mlp"
            else f"CNN step (2 conv + 2 linear, 28x28), batch {batch}")
    row = {"name": name, "rustorch": t_rt * 1e3, "unit": "ms", "lower_is_better": True,
           "check": f"host fallbacks: {host or 'none'}"}
    if cuda:
        torch.manual_seed(0)
        tmodel = _mlp(torch, width) if kind == "mlp" else _cnn(torch)
        tx = torch.randn(*shape, device="cuda")
        ty = torch.randint(0, 10, (batch,), device="cuda")
        tstep = _step_fn(torch, tmodel, tx, ty, "cuda")
        t_pe = _median_time(tstep, torch.cuda.synchronize, inner)
        row.update(peer="torch CUDA", peer_value=t_pe * 1e3)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--only", default="matmul,add,mlp,cnn")
    args = ap.parse_args(argv)
    if not rt.webgpu.is_available():
        print(f"no webgpu device: {rt.backends.why_unavailable('webgpu')}")
        return 1
    torch, cupy, cuda = _peer()
    info = rt.webgpu.adapter_info()
    print(f"rustorch webgpu adapter: {info.get('device')} ({info.get('backend_type')}, "
          f"{info.get('adapter_type')})")
    if cuda:
        print(f"peer: torch {torch.__version__} on {torch.cuda.get_device_name()}"
              f"{', CuPy ' + cupy.__version__ if cupy else ''}")
    else:
        print("peer: none (no CUDA here): rustorch numbers only")
    q = args.quick
    only = set(args.only.split(","))
    rows = []
    if "matmul" in only:
        rows.append(bench_matmul(256 if q else 4096, 2 if q else 10, torch, cuda))
    if "add" in only:
        rows.append(bench_add((1 << 20) if q else (256 << 20), 2 if q else 10, torch, cupy, cuda))
    if "mlp" in only:
        rows.append(bench_step("mlp", 32 if q else 512, 64 if q else 2048, 2 if q else 20,
                               torch, cuda))
    if "cnn" in only:
        rows.append(bench_step("cnn", 8 if q else 256, 0, 2 if q else 20, torch, cuda))
    print()
    for r in rows:
        line = f"{r['name']:<48} rustorch {r['rustorch']:9.4g} {r['unit']}"
        if "peer_value" in r:
            ratio = r['rustorch'] / r['peer_value']
            what = "x the time of" if r.get("lower_is_better") else "of"
            line += f" | {r['peer']} {r['peer_value']:9.4g} {r['unit']} | " \
                    f"{ratio:.2f} {what} {r['peer']}" if r.get("lower_is_better") else \
                    f" | {r['peer']} {r['peer_value']:9.4g} {r['unit']} | {100 * ratio:.0f}% {what} {r['peer']}"
        print(line)
        if r.get("check"):
            print(f"    {r['check']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
