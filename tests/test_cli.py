"""The main job: `python -m rustorch train` on Digits, and `rustorch info`."""
import csv
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "rustorch", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_default_train_reaches_97_percent_with_progress_bar_and_plot(tmp_path):
    pytest.importorskip("sklearn", reason="Digits ships inside scikit-learn: pip install scikit-learn")
    pytest.importorskip("matplotlib", reason="the metrics plot needs matplotlib")
    out = tmp_path / "run"
    r = run("train", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    acc_line = [ln for ln in r.stdout.splitlines() if ln.startswith("test accuracy:")]
    assert acc_line, r.stdout
    acc = float(acc_line[0].split()[2].rstrip("%"))
    assert acc >= 97.0, r.stdout
    assert "Epoch 15/15" in r.stderr           # the progress bar (tqdm or the plain one)
    png = (out / "metrics.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert len(rows) == 15 and float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"])
    assert (out / "checkpoints" / "last.ckpt").exists()


def test_resume_from_checkpoint_continues(tmp_path):
    pytest.importorskip("sklearn")
    out = tmp_path / "run"
    r = run("train", "--epochs", "2", "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr[-3000:]
    r2 = run("train", "--epochs", "3", "--out", str(out), "--no-progress",
             "--resume", str(out / "checkpoints" / "last.ckpt"))
    assert r2.returncode == 0, r2.stderr[-3000:]
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]


def test_info_lists_devices_and_reasons():
    r = run("info")
    assert r.returncode == 0, r.stderr
    assert "rustorch 0.1.0" in r.stdout
    assert "cpu     available" in r.stdout
    for line in r.stdout.splitlines():
        if line.strip().startswith(("numba", "webgpu", "cuda", "opencl")) and "missing" in line:
            assert len(line.split("missing:", 1)[1].strip()) > 10   # says why


@pytest.mark.parametrize("args,needle", [
    (("train", "--device", "tpu", "--epochs", "1"), "tpu"),
    (("train", "--epochs", "0"), "--epochs"),
    (("train", "--dataset", "mnist", "--data-root", "/nonexistent-rustorch-data"), "MNIST"),
])
def test_bad_input_is_one_clear_line(args, needle):
    r = run(*args)
    assert r.returncode in (1, 2)
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_console_script_is_installed():
    import shutil
    exe = shutil.which("rustorch")
    if exe is None:
        pytest.skip("the `rustorch` console script is not on PATH (pip install -e . creates it)")
    r = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("rustorch ")
