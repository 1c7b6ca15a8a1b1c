"""Callbacks: objects whose hooks the Trainer calls at fixed points of the loop.

Hooks receive the trainer first.  ``order`` decides who runs first at the same
hook: callbacks that add to the metrics (LearningRateMonitor) run before the
ones that read them, and ModelCheckpoint runs last so that the checkpoint it
writes holds every other callback's updated state.
"""
import math
import os

from rustorch._errors import InvalidArgument, InvalidType

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "LearningRateMonitor"]


class Callback:
    order = 50

    @property
    def state_key(self):
        """Name under which this callback's state is stored in checkpoints."""
        return type(self).__qualname__

    def on_fit_start(self, trainer):
        pass

    def on_fit_end(self, trainer):
        pass

    def on_exception(self, trainer, exception):
        pass

    def on_train_epoch_start(self, trainer, epoch):
        pass

    def on_train_batch_end(self, trainer, loss, batch, batch_idx):
        """``loss``: the batch's detached loss tensor (before accumulation scaling)."""

    def on_log(self, trainer, row, kind):
        """May add entries to ``row`` (kind "epoch" or "step") before it is logged."""

    def on_validation_end(self, trainer, metrics):
        pass

    def on_train_epoch_end(self, trainer, metrics):
        """``metrics``: the epoch's history row (epoch, step, train_loss, val_..., lr, seconds)."""

    def on_save_checkpoint(self, trainer):
        """Return a checkpointable dict of state, or None."""
        return None

    def on_load_checkpoint(self, trainer, state):
        pass


def _check_mode(mode):
    if mode not in ("min", "max"):
        raise InvalidArgument(f"mode must be 'min' or 'max', got {mode!r}")
    return mode


def _monitored(metrics, monitor, who):
    if monitor not in metrics:
        raise InvalidArgument(f"{who} monitors {monitor!r}, which is not among the epoch's metrics "
                              f"{sorted(metrics)} (pass a val_loader or monitor another key)")
    v = metrics[monitor]
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InvalidType(f"{who} monitors {monitor!r}, whose value {v!r} is not a number") from None


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs in a row (or became NaN/inf when ``check_finite``)."""
    order = 60

    def __init__(self, monitor="val_loss", mode="min", patience=3, min_delta=0.0, check_finite=True):
        self.monitor = monitor
        self.mode = _check_mode(mode)
        if not isinstance(patience, int) or patience < 0:
            raise InvalidArgument(f"patience must be a non-negative int, got {patience!r}")
        if min_delta < 0:
            raise InvalidArgument(f"min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.check_finite = check_finite
        self.best = math.inf if mode == "min" else -math.inf
        self.wait_count = 0
        self.stopped_epoch = None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_epoch_end(self, trainer, metrics):
        value = _monitored(metrics, self.monitor, "EarlyStopping")
        if self.check_finite and not math.isfinite(value):
            trainer.should_stop = True
            self.stopped_epoch = metrics.get("epoch")
            return
        if self._improved(value):
            self.best = value
            self.wait_count = 0
            return
        self.wait_count += 1
        if self.wait_count >= self.patience:
            trainer.should_stop = True
            self.stopped_epoch = metrics.get("epoch")

    def on_save_checkpoint(self, trainer):
        return {"best": self.best, "wait_count": self.wait_count, "stopped_epoch": self.stopped_epoch}

    def on_load_checkpoint(self, trainer, state):
        self.best = float(state["best"])
        self.wait_count = int(state["wait_count"])
        self.stopped_epoch = state.get("stopped_epoch")


class ModelCheckpoint(Callback):
    """Save a checkpoint at the end of every epoch: keep the ``save_top_k`` best
    by ``monitor`` (the most recent ones when ``monitor`` is None; -1 keeps all)
    and, with ``save_last``, ``last.ckpt``.  Worse files are deleted only after
    the new one is safely written."""
    order = 100

    def __init__(self, dirpath=None, filename="epoch{epoch:03d}", monitor=None, mode="min",
                 save_top_k=1, save_last=True):
        if not isinstance(save_top_k, int) or save_top_k < -1:
            raise InvalidArgument(f"save_top_k must be an int >= -1, got {save_top_k!r}")
        self.dirpath = None if dirpath is None else os.fspath(dirpath)
        self.filename = filename
        self.monitor = monitor
        self.mode = _check_mode(mode)
        self.save_top_k = save_top_k
        self.save_last = save_last
        self.best_k_models = {}  # path -> score
        self.best_model_path = ""
        self.best_model_score = None
        self.last_model_path = ""

    def on_fit_start(self, trainer):
        if self.dirpath is None:
            self.dirpath = os.path.join(trainer.root_dir, "checkpoints")

    def _score(self, metrics):
        if self.monitor is None:
            return float(metrics["step"])  # newest is best
        v = _monitored(metrics, self.monitor, "ModelCheckpoint")
        if math.isnan(v):  # NaN never beats anything
            v = math.inf if self.mode == "min" else -math.inf
        return v

    def _better(self, a, b):
        if self.monitor is None or self.mode == "max":
            return a > b
        return a < b

    def _worst(self):
        worst = None
        for path, score in self.best_k_models.items():
            if worst is None or self._better(self.best_k_models[worst], score):
                worst = path
        return worst

    def _format_name(self, metrics):
        try:
            return self.filename.format(**metrics) + ".ckpt"
        except (KeyError, IndexError) as e:
            raise InvalidArgument(f"ModelCheckpoint filename {self.filename!r} names {e}, which is "
                                  f"not among the epoch's metrics {sorted(metrics)}") from None

    def on_train_epoch_end(self, trainer, metrics):
        score = self._score(metrics)
        evicted, save_path = [], None
        if self.save_top_k != 0:
            path = os.path.join(self.dirpath, self._format_name(metrics))
            self.best_k_models.pop(path, None)  # same name again: the new file replaces it
            worst = self._worst()
            if (self.save_top_k == -1 or len(self.best_k_models) < self.save_top_k
                    or self._better(score, self.best_k_models[worst])):
                self.best_k_models[path] = score
                save_path = path
                while self.save_top_k != -1 and len(self.best_k_models) > self.save_top_k:
                    w = self._worst()
                    del self.best_k_models[w]
                    evicted.append(w)
            best = None
            for p, s in self.best_k_models.items():
                if best is None or self._better(s, self.best_k_models[best]):
                    best = p
            if best is not None:
                self.best_model_path, self.best_model_score = best, self.best_k_models[best]
        if self.save_last:
            self.last_model_path = os.path.join(self.dirpath, "last.ckpt")
        # the state above is final, so the files written below carry it
        if save_path is not None:
            trainer.save_checkpoint(save_path)
        if self.save_last:
            trainer.save_checkpoint(self.last_model_path)
        for path in evicted:
            if path != save_path and path != self.last_model_path:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass

    def on_save_checkpoint(self, trainer):
        return {"dirpath": self.dirpath, "best_k_models": dict(self.best_k_models),
                "best_model_path": self.best_model_path, "best_model_score": self.best_model_score,
                "last_model_path": self.last_model_path}

    def on_load_checkpoint(self, trainer, state):
        if self.dirpath is None:  # an explicit dirpath given to this run wins
            self.dirpath = state.get("dirpath")
        self.best_k_models = {str(k): float(v) for k, v in state.get("best_k_models", {}).items()}
        self.best_model_path = state.get("best_model_path", "")
        self.best_model_score = state.get("best_model_score")
        self.last_model_path = state.get("last_model_path", "")


class LearningRateMonitor(Callback):
    """Adds ``lr_pg<i>`` (the learning rate of each parameter group) to the
    logged epoch rows and, with ``logging_interval="step"``, step rows too."""
    order = 10

    def __init__(self, logging_interval="epoch"):
        if logging_interval not in ("epoch", "step"):
            raise InvalidArgument(f"logging_interval must be 'epoch' or 'step', got "
                                  f"{logging_interval!r}")
        self.logging_interval = logging_interval

    def on_log(self, trainer, row, kind):
        if kind == "epoch" or self.logging_interval == "step":
            for i, group in enumerate(trainer.optimizer.param_groups):
                row[f"lr_pg{i}"] = float(group["lr"])
