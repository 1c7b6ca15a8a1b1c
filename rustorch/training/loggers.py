"""Metric loggers: one row per epoch and, every ``log_every_n_steps`` optimizer
steps, one row per step, written under the trainer's ``root_dir``.

The epoch file is re-rendered from ``trainer.history`` each epoch (histories
are short), so after a resume it is exactly the restored history plus the new
epochs.  The step file is appended to; on resume, rows past the checkpoint's
step (logged by the interrupted run after its last checkpoint) are dropped.
"""
import csv
import json
import math
import os

from rustorch._errors import InvalidType

__all__ = ["Logger", "CSVLogger", "JSONLogger", "make_logger"]


class Logger:
    def __init__(self, save_dir=None):
        self.save_dir = None if save_dir is None else os.fspath(save_dir)
        self.trainer = None

    def setup(self, trainer, resumed):
        self.trainer = trainer
        if self.save_dir is None:
            self.save_dir = trainer.root_dir
        os.makedirs(self.save_dir, exist_ok=True)

    def log_epoch(self, row):
        pass

    def log_step(self, row):
        pass

    def finalize(self):
        pass


def _plain(v):
    """A value as plain data (metrics may be tensors, e.g. a confusion matrix)."""
    if hasattr(v, "tolist") and not isinstance(v, (int, float, str)):
        v = v.tolist()
    return v


def _columns(rows):
    cols = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


class CSVLogger(Logger):
    """``metrics.csv`` (one row per epoch) and ``steps.csv`` (one per logged step)."""

    def __init__(self, save_dir=None, epochs_file="metrics.csv", steps_file="steps.csv"):
        super().__init__(save_dir)
        self.epochs_file, self.steps_file = epochs_file, steps_file
        self._steps = []

    @property
    def epochs_path(self):
        return os.path.join(self.save_dir, self.epochs_file)

    @property
    def steps_path(self):
        return os.path.join(self.save_dir, self.steps_file)

    def setup(self, trainer, resumed):
        super().setup(trainer, resumed)
        self._steps = []
        if resumed and os.path.exists(self.steps_path):
            with open(self.steps_path, newline="") as f:
                self._steps = [r for r in csv.DictReader(f)
                               if r.get("step", "").isdigit() and int(r["step"]) <= trainer.global_step]
        self._write(self.steps_path, self._steps)

    @staticmethod
    def _cell(v):
        v = _plain(v)
        if v is None:
            return ""
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, (list, dict)):
            return json.dumps(v)
        return v

    def _write(self, path, rows):
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=_columns(rows))
            w.writeheader()
            for r in rows:
                w.writerow({k: self._cell(v) for k, v in r.items()})

    def log_epoch(self, row):
        self._write(self.epochs_path, self.trainer.history)

    def log_step(self, row):
        cols = _columns(self._steps)
        self._steps.append(dict(row))
        if not cols or any(k not in cols for k in row):
            self._write(self.steps_path, self._steps)  # the header changes: rewrite
            return
        with open(self.steps_path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=cols).writerow({k: self._cell(v) for k, v in row.items()})


def _json_value(v):
    v = _plain(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


class JSONLogger(Logger):
    """JSON Lines: ``metrics.jsonl`` (one object per epoch) and ``steps.jsonl``.
    Non-finite floats are written as the strings "NaN", "Infinity", "-Infinity"
    (JSON has no such numbers)."""

    def __init__(self, save_dir=None, epochs_file="metrics.jsonl", steps_file="steps.jsonl"):
        super().__init__(save_dir)
        self.epochs_file, self.steps_file = epochs_file, steps_file

    @property
    def epochs_path(self):
        return os.path.join(self.save_dir, self.epochs_file)

    @property
    def steps_path(self):
        return os.path.join(self.save_dir, self.steps_file)

    @staticmethod
    def _line(row):
        return json.dumps({k: _json_value(v) for k, v in row.items()}, allow_nan=False) + "\n"

    def setup(self, trainer, resumed):
        super().setup(trainer, resumed)
        kept = []
        if resumed and os.path.exists(self.steps_path):
            with open(self.steps_path) as f:
                for line in f:
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue  # a line cut short by the crash
                    if isinstance(obj, dict) and isinstance(obj.get("step"), int) \
                            and obj["step"] <= trainer.global_step:
                        kept.append(line if line.endswith("\n") else line + "\n")
        with open(self.steps_path, "w") as f:
            f.writelines(kept)

    def log_epoch(self, row):
        with open(self.epochs_path, "w") as f:
            f.writelines(self._line(r) for r in self.trainer.history)

    def log_step(self, row):
        with open(self.steps_path, "a") as f:
            f.write(self._line(row))


_BY_NAME = {"csv": CSVLogger, "json": JSONLogger}


def make_logger(spec):
    """A Logger from a Logger instance or a name ("csv", "json")."""
    if isinstance(spec, Logger):
        return spec
    if isinstance(spec, str) and spec in _BY_NAME:
        return _BY_NAME[spec]()
    raise InvalidType(f"loggers must be Logger instances or one of {sorted(_BY_NAME)}, got {spec!r}")
