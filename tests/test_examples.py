"""Smoke runs of examples/char_transformer.py and examples/lstm_sequence.py:
each must exit 0 and print a loss that falls within a few seeded steps."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP_LINE = re.compile(r"^step\s+(\d+)\s+loss\s+([0-9.]+)", re.M)


def run_example(name, *args):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    losses = [(int(s), float(v)) for s, v in STEP_LINE.findall(proc.stdout)]
    assert len(losses) >= 2, f"{name} printed no loss curve:\n{proc.stdout}"
    return proc.stdout, losses


def test_char_transformer_loss_falls_and_samples():
    out, losses = run_example("char_transformer.py", "--steps", "12", "--log-every", "4",
                              "--sample-chars", "30", "--seed", "1")
    assert [s for s, _ in losses] == [1, 4, 8, 12]
    first, last = losses[0][1], losses[-1][1]
    assert last < first - 0.5, out  # from ~ln(58) = 4.06 well towards the character statistics
    sample = out.split("--- sample ---\n", 1)[1]
    assert sample.startswith("Shall I ") and len(sample.rstrip("\n")) >= 8 + 30 - 2


def test_lstm_sequence_loss_falls_and_scores():
    out, losses = run_example("lstm_sequence.py", "--steps", "20", "--log-every", "5", "--seed", "1")
    assert [s for s, _ in losses] == [1, 5, 10, 15, 20]
    assert losses[-1][1] < losses[0][1] / 2, out
    m = re.search(r"test MSE ([0-9.]+) .* test R\^2 (-?[0-9.]+|nan)", out)
    assert m, out
    assert float(m.group(1)) >= 0


@pytest.mark.parametrize("name", ["char_transformer.py", "lstm_sequence.py"])
def test_examples_reject_unknown_device(name):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "--steps", "1",
                           "--device", "no_such_device"], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode != 0 and "no_such_device" in proc.stderr


def test_cnn_digits_learns():
    pytest.importorskip("sklearn", reason="Digits ships inside scikit-learn")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "cnn_digits.py"),
                           "--epochs", "3"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(r"^epoch\s+\d+\s+loss ([0-9.]+)\s+test accuracy ([0-9.]+)%", proc.stdout, re.M)
    assert len(rows) == 3, proc.stdout
    assert float(rows[-1][0]) < float(rows[0][0]) and float(rows[-1][1]) > 85, proc.stdout
