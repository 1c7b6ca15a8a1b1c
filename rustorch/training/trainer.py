"""Trainer: the training loop for plain torch-style models and optimizers.

The default step takes an ``(input, target)`` batch (or a dict with "input" and
"target"), computes ``loss_fn(model(input), target)`` and backpropagates.  A
model may define ``training_step(batch)`` / ``validation_step(batch)`` /
``test_step(batch)`` / ``predict_step(batch)`` returning a loss or
``(loss, outputs)`` to customise that.

Checkpoints hold everything needed to continue bit-for-bit: model, optimizer
and scheduler state, rustorch's and Python's RNG states, epoch, step, callback
states and history.  A checkpoint taken where ``max_steps`` cut an epoch short
also records the RNG state at that epoch's start and how many batches were
consumed, so resuming re-creates the loader's iterator under the same RNG
state (the same shuffle), skips those batches, and restores the RNG to where
it was at the cut.
"""
import random
import time

import rustorch as rt
from rustorch._errors import FormatError, InvalidArgument, InvalidType
from .callbacks import Callback
from .checkpoint import load_checkpoint, save_checkpoint
from .loggers import make_logger
from .progress import ProgressBar

__all__ = ["Trainer"]

_CHECKPOINT_KEYS = ("epoch", "global_step", "model", "optimizer", "scheduler", "rng", "partial",
                    "callbacks", "history")


def _resolve_device(device):
    if device is None or device == "auto":
        return rt.device(rt.backends.best_device())
    return rt.device(device)


def _positive_int_or_none(name, v):
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise InvalidArgument(f"{name} must be a positive int or None, got {v!r}")
    return v


def _is_plateau(scheduler):
    return isinstance(scheduler, rt.optim.lr_scheduler.ReduceLROnPlateau)


def _plain_number(v):
    """A metric's value as a float (scalar) or nested lists (e.g. a confusion matrix)."""
    if isinstance(v, rt.Tensor):
        return float(v.item()) if v.numel() == 1 and v.ndim == 0 else v.tolist()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


class Trainer:
    def __init__(self, model, optimizer, loss_fn=None, scheduler=None, scheduler_interval="epoch",
                 metrics=None, device=None, max_epochs=None, max_steps=None,
                 accumulate_grad_batches=1, gradient_clip_val=None, gradient_clip_algorithm="norm",
                 callbacks=(), loggers=(), progress_bar=True, root_dir="runs", seed=None,
                 log_every_n_steps=50, scheduler_monitor=None):
        if not callable(model):
            raise InvalidType(f"model must be callable (an nn.Module), got {type(model).__name__}")
        if not all(hasattr(optimizer, a) for a in ("step", "zero_grad", "param_groups")):
            raise InvalidType(f"optimizer must be a rustorch optimizer, got {type(optimizer).__name__}")
        if loss_fn is None and not hasattr(model, "training_step"):
            raise InvalidArgument("Trainer needs loss_fn, or a model that defines "
                                  "training_step(batch) returning the loss")
        if loss_fn is not None and not callable(loss_fn):
            raise InvalidType(f"loss_fn must be callable, got {type(loss_fn).__name__}")
        if scheduler_interval not in ("epoch", "step"):
            raise InvalidArgument(f"scheduler_interval must be 'epoch' or 'step', got "
                                  f"{scheduler_interval!r}")
        if scheduler is not None and not hasattr(scheduler, "step"):
            raise InvalidType(f"scheduler must be an lr scheduler, got {type(scheduler).__name__}")
        if _is_plateau(scheduler) and scheduler_interval != "epoch":
            raise InvalidArgument("ReduceLROnPlateau is stepped with a validation metric once per "
                                  "epoch; use scheduler_interval='epoch'")
        self.max_epochs = _positive_int_or_none("max_epochs", max_epochs)
        self.max_steps = _positive_int_or_none("max_steps", max_steps)
        if max_epochs is None and max_steps is None:
            raise InvalidArgument("Trainer needs max_epochs or max_steps (or both) to know when "
                                  "to stop")
        if (not isinstance(accumulate_grad_batches, int) or isinstance(accumulate_grad_batches, bool)
                or accumulate_grad_batches < 1):
            raise InvalidArgument(f"accumulate_grad_batches must be an int >= 1, got "
                                  f"{accumulate_grad_batches!r}")
        if gradient_clip_algorithm not in ("norm", "value"):
            raise InvalidArgument(f"gradient_clip_algorithm must be 'norm' or 'value', got "
                                  f"{gradient_clip_algorithm!r}")
        if gradient_clip_val is not None and (isinstance(gradient_clip_val, bool) or not isinstance(
                gradient_clip_val, (int, float)) or not gradient_clip_val > 0):
            raise InvalidArgument(f"gradient_clip_val must be a positive number or None, got "
                                  f"{gradient_clip_val!r}")
        if not isinstance(log_every_n_steps, int) or log_every_n_steps < 1:
            raise InvalidArgument(f"log_every_n_steps must be an int >= 1, got {log_every_n_steps!r}")
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.scheduler_monitor = scheduler_monitor
        self.metrics = self._make_metrics(metrics)
        self.device = _resolve_device(device)
        self.accumulate_grad_batches = accumulate_grad_batches
        self.gradient_clip_val = gradient_clip_val
        self.gradient_clip_algorithm = gradient_clip_algorithm
        self.root_dir = str(root_dir)
        self.seed = seed
        self.log_every_n_steps = log_every_n_steps
        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise InvalidType(f"callbacks must be Callback instances, got {type(cb).__name__}")
        if progress_bar and not any(isinstance(cb, ProgressBar) for cb in callbacks):
            callbacks.append(progress_bar if isinstance(progress_bar, ProgressBar) else ProgressBar())
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)  # stable: ties keep list order
        self.loggers = [make_logger(lg) for lg in loggers]
        self.current_epoch = 0   # epochs completed == index of the next epoch
        self.global_step = 0     # optimizer steps taken
        self.history = []
        self.should_stop = False
        self.num_training_batches = None
        self._resume = None      # mid-epoch resume point read from a checkpoint
        self._cut = None         # where max_steps cut the last epoch short

    # ------------------------------------------------------------ configuration
    @staticmethod
    def _make_metrics(metrics):
        if metrics is None:
            return {}
        if isinstance(metrics, str):
            metrics = [metrics]
        if isinstance(metrics, (list, tuple)):
            from .metrics import get_metric
            out = {}
            for name in metrics:
                if not isinstance(name, str):
                    raise InvalidType(f"metric names must be strings, got {name!r}; pass a dict "
                                      "name -> metric object for custom metrics")
                out[name] = get_metric(name)
            return out
        if not isinstance(metrics, dict):
            raise InvalidType(f"metrics must be a dict name -> metric or a list of names, got "
                              f"{type(metrics).__name__}")
        for name, m in metrics.items():
            if not all(callable(getattr(m, a, None)) for a in ("update", "compute", "reset")):
                raise InvalidType(f"metric {name!r} must have update(preds, target), compute() and "
                                  f"reset(); got {type(m).__name__}")
        return dict(metrics)

    def _callback_keys(self):
        seen, keys = {}, []
        for cb in self.callbacks:
            k = cb.state_key
            n = seen.get(k, 0)
            seen[k] = n + 1
            keys.append(k if n == 0 else f"{k}#{n}")
        return keys

    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(self, *args)

    # ------------------------------------------------------------ batches
    def _to_device(self, obj):
        if isinstance(obj, rt.Tensor):
            return obj if obj.device == self.device else obj.to(self.device)
        if isinstance(obj, dict):
            return {k: self._to_device(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._to_device(v) for v in obj]
        if isinstance(obj, tuple):
            items = [self._to_device(v) for v in obj]
            return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
        return obj

    @staticmethod
    def _split(batch):
        if isinstance(batch, dict):
            if "input" in batch and "target" in batch:
                return batch["input"], batch["target"]
            raise InvalidArgument(f"a dict batch needs 'input' and 'target' keys, got "
                                  f"{sorted(map(str, batch))}; or define training_step(batch)")
        if isinstance(batch, (tuple, list)) and len(batch) == 2:
            return batch[0], batch[1]
        kind = f"a {type(batch).__name__} of length {len(batch)}" \
            if isinstance(batch, (tuple, list)) else f"a {type(batch).__name__}"
        raise InvalidArgument(f"the default step expects (input, target) batches, got {kind}; "
                              "define training_step(batch) on the model for other layouts")

    @staticmethod
    def _unpack(result, hook):
        """(loss, outputs) from what a *_step hook returned."""
        if isinstance(result, rt.Tensor):
            return result, None
        if isinstance(result, dict) and "loss" in result:
            return result["loss"], result.get("outputs")
        if isinstance(result, (tuple, list)) and len(result) == 2:
            return result[0], result[1]
        raise InvalidType(f"{hook} must return a loss tensor, (loss, outputs) or "
                          f"{{'loss': ..., 'outputs': ...}}, got {type(result).__name__}")

    def _training_step(self, batch):
        if hasattr(self.model, "training_step"):
            loss, _ = self._unpack(self.model.training_step(batch), "training_step")
        else:
            x, y = self._split(batch)
            loss = self.loss_fn(self.model(x), y)
        if not isinstance(loss, rt.Tensor) or loss.numel() != 1:
            shape = list(loss.shape) if isinstance(loss, rt.Tensor) else type(loss).__name__
            raise InvalidArgument(f"the training loss must be a one-element tensor, got {shape}")
        return loss

    def _eval_step(self, batch, stage):
        """(loss or None, outputs or None, target or None) of one evaluation batch."""
        hook = "test_step" if stage == "test" and hasattr(self.model, "test_step") \
            else "validation_step"
        target = None
        if isinstance(batch, dict) and "target" in batch:
            target = batch["target"]
        elif isinstance(batch, (tuple, list)) and len(batch) == 2:
            target = batch[1]
        if hasattr(self.model, hook):
            loss, out = self._unpack(getattr(self.model, hook)(batch), hook)
            return loss, out, target
        if self.loss_fn is None:  # a model that only customises training: reuse it
            loss, out = self._unpack(self.model.training_step(batch), "training_step")
            return loss, out, target
        x, y = self._split(batch)
        out = self.model(x)
        return self.loss_fn(out, y), out, y

    @staticmethod
    def _batch_size(batch, target):
        for t in (target, batch[0] if isinstance(batch, (tuple, list)) and batch else None,
                  batch.get("input") if isinstance(batch, dict) else None, batch):
            if isinstance(t, rt.Tensor) and t.ndim > 0:
                return t.shape[0]
        return 1

    # ------------------------------------------------------------ RNG
    @staticmethod
    def _rng_state():
        return {"rustorch": rt.get_rng_state(), "python": random.getstate()}

    @staticmethod
    def _set_rng_state(state):
        rt.set_rng_state(state["rustorch"].to("cpu"))
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))

    # ------------------------------------------------------------ stepping
    def _parameters(self):
        return [p for g in self.optimizer.param_groups for p in g["params"]]

    def _optimizer_step(self):
        if self.gradient_clip_val is not None:
            params = self._parameters()
            if self.gradient_clip_algorithm == "norm":
                rt.nn.utils.clip_grad_norm_(params, self.gradient_clip_val)
            else:
                rt.nn.utils.clip_grad_value_(params, self.gradient_clip_val)
        self.optimizer.step()
        self.optimizer.zero_grad()
        self.global_step += 1
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()

    def _lr(self):
        return float(self.optimizer.param_groups[0]["lr"])

    def _steps_left(self):
        return self.max_steps is None or self.global_step < self.max_steps

    def _done(self):
        if self.should_stop or not self._steps_left():
            return True
        return self.max_epochs is not None and self.current_epoch >= self.max_epochs

    # ------------------------------------------------------------ fit
    def fit(self, train_loader, val_loader=None, ckpt_path=None):
        """Train until max_epochs / max_steps / a callback stops it; returns the history."""
        try:
            self.num_training_batches = len(train_loader)
        except TypeError:
            self.num_training_batches = None
        if self.seed is not None:
            rt.manual_seed(self.seed)
            random.seed(self.seed)
        self.model.to(self.device)
        resumed = ckpt_path is not None
        if resumed:
            self._restore(load_checkpoint(ckpt_path, device="cpu"), ckpt_path)
        elif self._cut is not None:
            # this trainer stopped mid-epoch at max_steps: carry on from that point
            self._set_rng_state(self._cut["rng"])
            self._resume = dict(self._cut)
            if self.history and self.history[-1].get("epoch") == self.current_epoch:
                self.history.pop()
        self.should_stop = False
        self._cut = None
        self.model.train()
        self.optimizer.zero_grad()
        self._call("on_fit_start")
        for lg in self.loggers:
            lg.setup(self, resumed)
        try:
            while not self._done():
                self._run_epoch(train_loader, val_loader)
        except BaseException as e:
            for cb in self.callbacks:
                cb.on_exception(self, e)
            raise
        finally:
            for lg in self.loggers:
                lg.finalize()
        self._call("on_fit_end")
        return self.history

    def _run_epoch(self, loader, val_loader):
        epoch, started = self.current_epoch, time.perf_counter()
        resume, self._resume = self._resume, None
        if resume is None:
            epoch_start_rng = self._rng_state()  # before iter() draws the shuffle
            loss_sum, count = None, 0
        else:
            epoch_start_rng = resume["epoch_start_rng"]
            self._set_rng_state(epoch_start_rng)
            loss_sum, count = resume["loss_sum"], resume["loss_count"]
            if loss_sum is not None:
                loss_sum = loss_sum.to(self.device)
        self.model.train()
        self._call("on_train_epoch_start", epoch)
        it = iter(loader)
        batch_idx = 0
        if resume is not None:
            for batch_idx in range(resume["batches"]):
                if next(it, _END) is _END:
                    raise InvalidArgument(
                        f"the checkpoint stopped after batch {resume['batches']} of epoch {epoch}, "
                        f"but the train loader now yields only {batch_idx} batches")
            batch_idx = resume["batches"]
            self._set_rng_state(resume["rng"])
        k = self.accumulate_grad_batches
        pending, step_loss, cut_rng = 0, None, None
        while True:
            batch = next(it, _END)
            if batch is _END:
                break
            batch = self._to_device(batch)
            loss = self._training_step(batch)
            (loss / k if k > 1 else loss).backward()
            d = loss.detach()
            loss_sum = d if loss_sum is None else loss_sum + d
            step_loss = d if step_loss is None else step_loss + d
            count += 1
            pending += 1
            batch_idx += 1
            if pending == k:
                self._optimizer_step()
                self._log_step(epoch, step_loss / pending)
                pending, step_loss = 0, None
            self._call("on_train_batch_end", d, batch, batch_idx - 1)
            if pending == 0 and not self._steps_left():
                if self.num_training_batches is not None and batch_idx >= self.num_training_batches:
                    break
                cut_rng = self._rng_state()  # before peeking moves any RNG
                if self.num_training_batches is None and next(it, _END) is _END:
                    cut_rng = None           # the epoch was complete after all
                break
        if pending:  # the epoch's last, short accumulation window
            self._optimizer_step()
            self._log_step(epoch, step_loss / pending)
        if count == 0:
            raise InvalidArgument(f"the train loader yielded no batches in epoch {epoch}")
        self._finish_epoch(epoch, started, loss_sum, count, val_loader, epoch_start_rng,
                           batch_idx, cut_rng)

    def _log_step(self, epoch, step_loss):
        if self.global_step % self.log_every_n_steps:
            return
        row = {"epoch": epoch, "step": self.global_step, "train_loss": float(step_loss.item()),
               "lr": self._lr()}
        self._call("on_log", row, "step")
        for lg in self.loggers:
            lg.log_step(row)

    def _finish_epoch(self, epoch, started, loss_sum, count, val_loader, epoch_start_rng,
                      batches, cut_rng):
        partial = cut_rng is not None
        if partial:
            self._cut = {"batches": batches, "epoch_start_rng": epoch_start_rng, "rng": cut_rng,
                         "loss_sum": loss_sum, "loss_count": count}
        row = {"epoch": epoch, "step": self.global_step,
               "train_loss": float(loss_sum.item()) / count}
        if val_loader is not None:
            val = self._evaluate(val_loader, "val")
            self._call("on_validation_end", val)
            row.update(val)
        row["lr"] = self._lr()
        row["seconds"] = time.perf_counter() - started
        self._call("on_log", row, "epoch")
        if self.scheduler is not None and self.scheduler_interval == "epoch" and not partial:
            if _is_plateau(self.scheduler):
                monitor = self.scheduler_monitor or ("val_loss" if "val_loss" in row
                                                     else "train_loss")
                if monitor not in row:
                    raise InvalidArgument(f"ReduceLROnPlateau monitors {monitor!r}, which is not "
                                          f"among the epoch's metrics {sorted(row)}")
                self.scheduler.step(row[monitor])
            else:
                self.scheduler.step()
        self.history.append(row)
        for lg in self.loggers:
            lg.log_epoch(row)
        if not partial:
            self.current_epoch += 1
        self._call("on_train_epoch_end", row)

    # ------------------------------------------------------------ evaluation
    def _evaluate(self, loader, stage):
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        for m in self.metrics.values():
            m.reset()
        total, weight, batches = None, 0, 0
        try:
            with rt.no_grad():
                for batch in loader:
                    batch = self._to_device(batch)
                    loss, out, target = self._eval_step(batch, stage)
                    batches += 1
                    n = self._batch_size(batch, target)
                    if loss is not None:
                        part = loss.detach() * n
                        total = part if total is None else total + part
                        weight += n
                    if self.metrics:
                        if out is None or target is None:
                            raise InvalidArgument(
                                "metrics need the model's outputs and the targets: make "
                                f"{stage} steps return (loss, outputs) on (input, target) or "
                                "{'input': ..., 'target': ...} batches")
                        for m in self.metrics.values():
                            m.update(out, target)
        finally:
            self.model.train(was_training)
        if batches == 0:
            raise InvalidArgument(f"the {stage} loader yielded no batches")
        result = {}
        if total is not None:
            result[f"{stage}_loss"] = float(total.item()) / weight
        for name, m in self.metrics.items():
            result[f"{stage}_{name}"] = _plain_number(m.compute())
        return result

    def validate(self, loader):
        """{"val_loss": ..., "val_<metric>": ...} over ``loader`` (eval mode, no grad)."""
        self.model.to(self.device)
        return self._evaluate(loader, "val")

    def test(self, loader):
        """{"test_loss": ..., "test_<metric>": ...} over ``loader`` (eval mode, no grad)."""
        self.model.to(self.device)
        return self._evaluate(loader, "test")

    def predict(self, loader):
        """The model's outputs for each batch (input alone, (input, ...) or {"input": ...})."""
        was_training = getattr(self.model, "training", True)
        self.model.to(self.device)
        self.model.eval()
        outputs = []
        try:
            with rt.no_grad():
                for batch in loader:
                    batch = self._to_device(batch)
                    if hasattr(self.model, "predict_step"):
                        outputs.append(self.model.predict_step(batch))
                        continue
                    if isinstance(batch, dict):
                        if "input" not in batch:
                            raise InvalidArgument("a dict batch needs an 'input' key for predict")
                        x = batch["input"]
                    elif isinstance(batch, (tuple, list)):
                        x = batch[0]
                    else:
                        x = batch
                    outputs.append(self.model(x))
        finally:
            self.model.train(was_training)
        return outputs

    # ------------------------------------------------------------ checkpoints
    def state_dict(self):
        """Everything a resumed fit needs, as a checkpointable structure."""
        cut = self._cut
        callbacks = {}
        for key, cb in zip(self._callback_keys(), self.callbacks):
            state = cb.on_save_checkpoint(self)
            if state is not None:
                callbacks[key] = state
        partial = None
        if cut is not None:
            partial = {"batches": cut["batches"], "epoch_start_rng": cut["epoch_start_rng"],
                       "loss_sum": cut["loss_sum"], "loss_count": cut["loss_count"]}
        return {"epoch": self.current_epoch, "global_step": self.global_step,
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "rng": cut["rng"] if cut is not None else self._rng_state(),
                "partial": partial, "callbacks": callbacks,
                "history": [dict(r) for r in self.history]}

    def save_checkpoint(self, path):
        save_checkpoint(path, self.state_dict())

    def _restore(self, ck, path):
        if not isinstance(ck, dict) or any(k not in ck for k in _CHECKPOINT_KEYS):
            missing = [k for k in _CHECKPOINT_KEYS if not isinstance(ck, dict) or k not in ck]
            raise FormatError(f"{path}: not a Trainer checkpoint (missing {', '.join(missing)})")
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.scheduler is not None:
            if ck["scheduler"] is None:
                raise InvalidArgument(f"{path} holds no scheduler state, but this Trainer has a "
                                      f"{type(self.scheduler).__name__}")
            self.scheduler.load_state_dict(ck["scheduler"])
        self.current_epoch = int(ck["epoch"])
        self.global_step = int(ck["global_step"])
        self.history = [dict(r) for r in ck["history"]]
        states = ck["callbacks"]
        for key, cb in zip(self._callback_keys(), self.callbacks):
            if key in states:
                cb.on_load_checkpoint(self, states[key])
        self._set_rng_state(ck["rng"])
        partial = ck["partial"]
        if partial is not None:
            # the history's last row is the cut epoch's; it is redone in full
            if self.history and self.history[-1].get("epoch") == self.current_epoch:
                self.history.pop()
            self._resume = dict(partial, rng=ck["rng"])


_END = object()

