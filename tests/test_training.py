"""rustorch.training: Trainer, callbacks, resume, loggers, progress, plots."""
import csv
import io
import json
import math
import os
import random
import sys

import pytest
import torch

import rustorch as rt
from rustorch import nn
from rustorch.training import (CSVLogger, Callback, EarlyStopping, JSONLogger, LearningRateMonitor,
                               MetricsPlot, ModelCheckpoint, ProgressBar, Trainer)
from rustorch.training import checkpoint as ckpt_module


# ---------------------------------------------------------------- helpers
class ShuffleLoader:
    """Like DataLoader(shuffle=True) without a generator: every epoch draws its
    permutation seed from rt's global RNG; ``augment`` jitters inputs with
    Python's ``random``, so both RNGs must be restored for an exact resume."""

    def __init__(self, x, y, batch_size, augment=False):
        self.x, self.y, self.batch_size, self.augment = x, y, batch_size, augment

    def __len__(self):
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        g = rt.Generator()
        g.manual_seed(int(rt.randint(0, 2 ** 62, ()).item()))
        perm = rt.randperm(len(self.x), generator=g)
        for i in range(0, len(self.x), self.batch_size):
            idx = perm[i:i + self.batch_size]
            xb = self.x[idx]
            if self.augment:
                xb = xb + random.gauss(0.0, 0.05)
            yield xb, self.y[idx]


class Unsized:
    """An iterable of batches without len()."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


class LossRecorder(Callback):
    def __init__(self):
        self.losses = []

    def on_train_batch_end(self, trainer, loss, batch, batch_idx):
        self.losses.append(loss.item())


class MeanAbsError:
    """A small stateful metric (update / compute / reset)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total, self.n = 0.0, 0

    def update(self, preds, target):
        self.total += (preds - target).abs().sum().item()
        self.n += target.numel()

    def compute(self):
        return self.total / self.n


def regression_data(n=28, seed=0):
    rt.manual_seed(seed)
    x = rt.randn(n, 3)
    y = (x * rt.tensor([1.0, -2.0, 0.5])).sum(1, keepdim=True) + 0.1
    return x, y


def batches_of(x, y, bs):
    return [(x[i:i + bs], y[i:i + bs]) for i in range(0, len(x), bs)]


# ---------------------------------------------------------------- torch as oracle
def torch_copy(model):
    tm = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for tp, p in zip(tm.parameters(), model.parameters()):
            tp.copy_(torch.tensor(p.tolist()))
    return tm


@pytest.mark.parametrize("accumulate,clip", [(1, None), (3, ("norm", 0.5)), (2, ("value", 0.05))])
def test_fit_matches_a_hand_written_torch_loop(accumulate, clip):
    x, y = regression_data()
    train = batches_of(x, y, 4)  # 7 batches: accumulation leaves a short last window
    rt.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    tm = torch_copy(model)
    opt = rt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = rt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    rec = LossRecorder()
    trainer = Trainer(model, opt, nn.MSELoss(), scheduler=sched, scheduler_interval="step",
                      max_epochs=2, accumulate_grad_batches=accumulate,
                      gradient_clip_val=None if clip is None else clip[1],
                      gradient_clip_algorithm="norm" if clip is None else clip[0],
                      callbacks=[rec], progress_bar=False)
    history = trainer.fit(train, val_loader=[(x, y)])

    topt = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.5)
    expected, steps, epoch_means = [], 0, []
    for _ in range(2):
        pending, losses = 0, []
        for i, (xb, yb) in enumerate(train):
            loss = torch.nn.functional.mse_loss(tm(torch.tensor(xb.tolist())), torch.tensor(yb.tolist()))
            (loss / accumulate).backward()
            losses.append(loss.item())
            pending += 1
            if pending == accumulate or i == len(train) - 1:
                if clip and clip[0] == "norm":
                    torch.nn.utils.clip_grad_norm_(tm.parameters(), clip[1])
                elif clip:
                    torch.nn.utils.clip_grad_value_(tm.parameters(), clip[1])
                topt.step()
                topt.zero_grad()
                tsched.step()
                steps += 1
                pending = 0
        expected += losses
        epoch_means.append(sum(losses) / len(losses))
    assert rec.losses == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert trainer.global_step == steps
    assert [h["train_loss"] for h in history] == pytest.approx(epoch_means, rel=1e-5)
    for tp, p in zip(tm.parameters(), model.parameters()):
        assert torch.allclose(torch.tensor(p.tolist()), tp.detach(), rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        val = torch.nn.functional.mse_loss(tm(torch.tensor(x.tolist())), torch.tensor(y.tolist()))
    assert history[-1]["val_loss"] == pytest.approx(val.item(), rel=1e-5)
    assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])


def test_history_rows_and_weighted_validation_loss():
    x, y = regression_data(10)
    rt.manual_seed(2)
    model = nn.Linear(3, 1)
    trainer = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(),
                      metrics={"mae": MeanAbsError()}, max_epochs=2, progress_bar=False)
    val = batches_of(x, y, 4)  # batches of 4, 4 and 2: the mean weighs by batch size
    history = trainer.fit(batches_of(x, y, 5), val_loader=val)
    assert [list(h) for h in history] == [["epoch", "step", "train_loss", "val_loss", "val_mae",
                                           "lr", "seconds"]] * 2
    assert [(h["epoch"], h["step"]) for h in history] == [(0, 2), (1, 4)]
    with rt.no_grad():
        out = model(x)
    assert history[-1]["val_loss"] == pytest.approx(((out - y) ** 2).mean().item(), rel=1e-5)
    assert history[-1]["val_mae"] == pytest.approx((out - y).abs().mean().item(), rel=1e-5)
    assert all(h["lr"] == 0.01 and h["seconds"] >= 0 for h in history)
    assert trainer.validate(val) == {"val_loss": history[-1]["val_loss"],
                                     "val_mae": history[-1]["val_mae"]}
    assert set(trainer.test(val)) == {"test_loss", "test_mae"}


def test_predict_and_modes():
    seen = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 1)

        def forward(self, x):
            seen.append((self.training, rt.is_grad_enabled()))
            return self.lin(x)

    x, y = regression_data(8)
    model = Probe()
    trainer = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), max_epochs=1,
                      progress_bar=False)
    trainer.fit([(x, y)], val_loader=[(x, y)])
    assert seen == [(True, True), (False, False)]
    assert model.training
    preds = trainer.predict([x[:3], (x[3:], y[3:]), {"input": x[:1]}])
    with rt.no_grad():
        assert [p.tolist() for p in preds] == [model(x[:3]).tolist(), model(x[3:]).tolist(),
                                               model(x[:1]).tolist()]
    assert model.training and not preds[0].requires_grad


def test_custom_steps_and_dict_batches():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 1)

        def forward(self, x):
            return self.lin(x)

        def training_step(self, batch):
            return {"loss": ((self(batch["input"]) - batch["target"]) ** 2).mean()}

        def validation_step(self, batch):
            out = self(batch["input"])
            return (out - batch["target"]).abs().mean(), out

    x, y = regression_data(12)
    model = Custom()
    data = [{"input": x[:6], "target": y[:6]}, {"input": x[6:], "target": y[6:]}]
    trainer = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.05), metrics={"mae": MeanAbsError()},
                      max_epochs=3, progress_bar=False)
    history = trainer.fit(data, val_loader=data)
    assert history[-1]["val_loss"] == pytest.approx(history[-1]["val_mae"], rel=1e-5)
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_metrics_by_name():
    metrics = pytest.importorskip("rustorch.training.metrics")
    rt.manual_seed(0)
    x = rt.randn(20, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Linear(4, 2)
    trainer = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                      metrics=["accuracy"], max_epochs=1, progress_bar=False)
    history = trainer.fit([(x, y)], val_loader=[(x, y)])
    with rt.no_grad():
        expected = (model(x).argmax(1) == y).float().mean().item()
    assert history[0]["val_accuracy"] == pytest.approx(expected)
    assert callable(metrics.get_metric)


# ---------------------------------------------------------------- stopping
def test_max_steps_and_max_epochs_whichever_first():
    x, y = regression_data(16)
    for max_epochs, max_steps, steps, rows in ((3, 5, 5, 2), (1, 100, 4, 1), (None, 6, 6, 2)):
        model = nn.Linear(3, 1)
        rec = LossRecorder()
        t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(),
                    max_epochs=max_epochs, max_steps=max_steps, callbacks=[rec], progress_bar=False)
        history = t.fit(batches_of(x, y, 4))
        assert (t.global_step, len(history), len(rec.losses)) == (steps, rows, steps)


def test_unsized_loader_and_empty_loader():
    x, y = regression_data(8)
    model = nn.Linear(3, 1)
    t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(), max_steps=5,
                progress_bar=False)
    t.fit(Unsized(batches_of(x, y, 4)))
    assert t.global_step == 5 and t.num_training_batches is None
    with pytest.raises(rt.InvalidArgument, match="no batches"):
        Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(), max_steps=5,
                progress_bar=False).fit([])


class Scripted(nn.Module):
    """Validation losses come from a script, one per epoch."""

    def __init__(self, val_losses):
        super().__init__()
        self.w = nn.Parameter(rt.ones(1))
        self.vals = list(val_losses)
        self.calls = 0

    def training_step(self, batch):
        return (self.w ** 2).sum()

    def validation_step(self, batch):
        v = self.vals[self.calls]
        self.calls += 1
        return rt.tensor(v)


def scripted_fit(vals, callbacks, tmp_path=None, **kw):
    model = Scripted(vals)
    t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), max_epochs=len(vals),
                callbacks=callbacks, progress_bar=False,
                root_dir=str(tmp_path) if tmp_path else "runs", **kw)
    return t, t.fit([rt.zeros(1)], val_loader=[rt.zeros(1)])


@pytest.mark.parametrize("vals,kw,epochs", [
    ([5, 4, 4.5, 4.2, 3.0, 2.0], dict(patience=2), 4),
    ([5, 4.95, 4.9, 4.85, 4.0], dict(patience=2, min_delta=0.1), 3),
    ([1, 2, 1.5, 1.9, 1.8], dict(mode="max", patience=2), 4),
    ([3, float("nan"), 1, 1], dict(patience=5), 2),
    ([3, 2, 1, 0.5], dict(patience=1), 4),
])
def test_early_stopping(vals, kw, epochs):
    es = EarlyStopping(**kw)
    t, history = scripted_fit(vals, [es])
    assert len(history) == epochs
    assert es.stopped_epoch == (epochs - 1 if epochs < len(vals) else None)


def test_reduce_lr_on_plateau_follows_torch():
    vals = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.4]
    model = Scripted(vals)
    opt = rt.optim.SGD(model.parameters(), lr=1.0)
    sched = rt.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    t = Trainer(model, opt, scheduler=sched, max_epochs=len(vals), progress_bar=False)
    history = t.fit([rt.zeros(1)], val_loader=[rt.zeros(1)])
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=1)
    lrs = []
    for v in vals:
        lrs.append(topt.param_groups[0]["lr"])
        tsched.step(v)
    assert [h["lr"] for h in history] == lrs
    assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"]


def test_model_checkpoint_keeps_best_k(tmp_path):
    vals = [5.0, 3.0, 4.0, 1.0, 2.0, 6.0]
    mc = ModelCheckpoint(monitor="val_loss", save_top_k=2, filename="e{epoch}-{val_loss:.1f}")
    scripted_fit(vals, [mc], tmp_path)
    d = tmp_path / "checkpoints"
    assert sorted(os.listdir(d)) == ["e3-1.0.ckpt", "e4-2.0.ckpt", "last.ckpt"]
    assert mc.best_model_path == str(d / "e3-1.0.ckpt") and mc.best_model_score == 1.0
    best = rt.training.load_checkpoint(mc.best_model_path)
    assert best["epoch"] == 4 and best["history"][-1]["val_loss"] == 1.0
    assert rt.training.load_checkpoint(d / "last.ckpt")["epoch"] == 6
    # the state stored in the best file already knows about that file
    assert best["callbacks"]["ModelCheckpoint"]["best_model_path"] == mc.best_model_path


def test_model_checkpoint_max_mode_latest_and_all(tmp_path):
    mc = ModelCheckpoint(dirpath=tmp_path / "max", monitor="val_loss", mode="max", save_last=False)
    scripted_fit([1.0, 3.0, 2.0], [mc])
    assert os.listdir(tmp_path / "max") == ["epoch001.ckpt"] and mc.best_model_score == 3.0
    latest = ModelCheckpoint(dirpath=tmp_path / "latest", save_top_k=2)
    scripted_fit([1.0, 3.0, 2.0], [latest])
    assert sorted(os.listdir(tmp_path / "latest")) == ["epoch001.ckpt", "epoch002.ckpt", "last.ckpt"]
    every = ModelCheckpoint(dirpath=tmp_path / "all", save_top_k=-1, monitor="val_loss")
    scripted_fit([1.0, 3.0, 2.0], [every])
    assert len(os.listdir(tmp_path / "all")) == 4
    with pytest.raises(rt.InvalidArgument, match="'val_acc'"):
        scripted_fit([1.0], [ModelCheckpoint(dirpath=tmp_path / "x", monitor="val_acc")])
    with pytest.raises(rt.InvalidArgument, match="nope"):
        scripted_fit([1.0], [ModelCheckpoint(dirpath=tmp_path / "y", filename="{nope}")])


def test_learning_rate_monitor_and_loggers(tmp_path):
    x, y = regression_data(12)
    rt.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    opt = rt.optim.SGD([{"params": model[0].parameters()},
                        {"params": model[1].parameters(), "lr": 0.001}], lr=0.01)
    sched = rt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    t = Trainer(model, opt, nn.MSELoss(), scheduler=sched, max_epochs=3, root_dir=str(tmp_path),
                callbacks=[LearningRateMonitor(logging_interval="step")],
                loggers=[CSVLogger(), "json"], log_every_n_steps=2, progress_bar=False)
    history = t.fit(batches_of(x, y, 4), val_loader=[(x, y)])
    assert [(h["lr_pg0"], h["lr_pg1"]) for h in history] == [(0.01, 0.001), (0.005, 0.0005),
                                                             (0.0025, 0.00025)]
    with open(tmp_path / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [{k: float(v) for k, v in r.items()} for r in rows] == history
    with open(tmp_path / "metrics.jsonl") as f:
        assert [json.loads(line) for line in f] == history
    with open(tmp_path / "steps.jsonl") as f:
        steps = [json.loads(line) for line in f]
    assert [s["step"] for s in steps] == [2, 4, 6, 8]
    assert list(steps[0]) == ["epoch", "step", "train_loss", "lr", "lr_pg0", "lr_pg1"]
    with open(tmp_path / "steps.csv", newline="") as f:
        assert [int(r["step"]) for r in csv.DictReader(f)] == [2, 4, 6, 8]


def test_json_logger_writes_non_finite_as_strings(tmp_path):
    t, history = scripted_fit([float("inf"), float("nan")], [], tmp_path,
                              loggers=[JSONLogger()])
    with open(tmp_path / "metrics.jsonl") as f:
        rows = [json.loads(line) for line in f]
    assert [r["val_loss"] for r in rows] == ["Infinity", "NaN"]


# ---------------------------------------------------------------- exact resume
X, Y = None, None


def resume_setup(seed_for_init=7):
    global X, Y
    if X is None:
        rt.manual_seed(0)
        X = rt.randn(40, 5)
        Y = (X[:, 0] - X[:, 1] > 0).long()
    rt.manual_seed(seed_for_init)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = rt.optim.Adam(model.parameters(), lr=0.02)
    sched = rt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return model, opt, sched


def resume_trainer(tmp_path, rec, seed=5, accumulate=1, **kw):
    model, opt, sched = resume_setup()
    return Trainer(model, opt, nn.CrossEntropyLoss(), scheduler=sched, seed=seed,
                   callbacks=[rec, EarlyStopping(patience=10), ModelCheckpoint()],
                   root_dir=str(tmp_path), progress_bar=False, accumulate_grad_batches=accumulate,
                   **kw)


def loaders():
    return ShuffleLoader(X, Y, 8, augment=True), ShuffleLoader(X, Y, 16)


def without_seconds(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = {}
    for accumulate in (1, 2):
        rec = LossRecorder()
        t = resume_trainer(tmp_path_factory.mktemp("full"), rec, max_epochs=4, accumulate=accumulate)
        history = t.fit(*loaders())
        out[accumulate] = (rec.losses, without_seconds(history),
                           [p.tolist() for p in t.model.parameters()])
    return out


def check_same(uninterrupted, losses, trainer, accumulate=1):
    full_losses, full_history, full_params = uninterrupted[accumulate]
    assert losses == full_losses  # exactly, not approximately
    assert without_seconds(trainer.history) == full_history
    assert [p.tolist() for p in trainer.model.parameters()] == full_params


def test_resume_after_max_epochs_is_exact(tmp_path, uninterrupted):
    rec = LossRecorder()
    first = resume_trainer(tmp_path, rec, max_epochs=2)
    first.fit(*loaders())
    rt.manual_seed(12345)  # the checkpoint's RNG state must win over anything done here
    random.seed(999)
    second = resume_trainer(tmp_path, rec, seed=77, max_epochs=4)
    second.fit(*loaders(), ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    assert (second.current_epoch, second.global_step) == (4, 20)
    check_same(uninterrupted, rec.losses, second)
    # ModelCheckpoint's restored state lets it delete the file kept before the resume
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["epoch003.ckpt", "last.ckpt"]


def test_resume_restores_early_stopping_state(tmp_path):
    vals = [5.0, 4.0, 4.5, 4.6, 4.7, 1.0]
    _, full = scripted_fit(vals, [EarlyStopping(patience=3)])
    assert len(full) == 5
    scripted_fit(vals[:3], [EarlyStopping(patience=3), ModelCheckpoint()], tmp_path)
    model = Scripted(vals[3:])
    es = EarlyStopping(patience=3)
    t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), max_epochs=6, progress_bar=False,
                callbacks=[es, ModelCheckpoint()], root_dir=str(tmp_path))
    history = t.fit([rt.zeros(1)], val_loader=[rt.zeros(1)],
                    ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    assert without_seconds(history) == without_seconds(full)
    assert (es.best, es.wait_count, es.stopped_epoch) == (4.0, 3, 4)


class CrashAt(Callback):
    def __init__(self, epoch, batch):
        self.at = (epoch, batch)

    def on_train_batch_end(self, trainer, loss, batch, batch_idx):
        if (trainer.current_epoch, batch_idx) == self.at:
            raise RuntimeError("simulated crash")


def test_resume_after_a_crash_is_exact(tmp_path, uninterrupted):
    rec = LossRecorder()
    crashing = resume_trainer(tmp_path, rec, max_epochs=4)
    crashing.callbacks.insert(0, CrashAt(epoch=2, batch=2))
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.fit(*loaders())
    done = rec.losses[:2 * 5]  # epochs 0 and 1 reached last.ckpt; the rest is lost
    rec.losses = list(done)
    resumed = resume_trainer(tmp_path, rec, seed=1, max_epochs=4)
    resumed.fit(*loaders(), ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    check_same(uninterrupted, rec.losses, resumed)


def test_fault_while_saving_a_checkpoint_then_exact_resume(tmp_path, uninterrupted, monkeypatch):
    saves = []

    def fail_on_third_epoch(tmp, target):
        saves.append(target)
        if len(saves) > 4:  # 2 files per epoch: epochs 0 and 1 saved, epoch 2 fails
            raise OSError("disk unplugged")
    monkeypatch.setattr(ckpt_module, "_before_replace", fail_on_third_epoch)
    rec = LossRecorder()
    with pytest.raises(OSError, match="unplugged"):
        resume_trainer(tmp_path, rec, max_epochs=4).fit(*loaders())
    monkeypatch.undo()
    d = tmp_path / "checkpoints"
    assert sorted(os.listdir(d)) == ["epoch001.ckpt", "last.ckpt"]  # no temp litter
    last = rt.training.load_checkpoint(d / "last.ckpt")
    assert last["epoch"] == 2
    rec.losses = rec.losses[:10]
    resumed = resume_trainer(tmp_path, rec, max_epochs=4)
    resumed.fit(*loaders(), ckpt_path=d / "last.ckpt")
    check_same(uninterrupted, rec.losses, resumed)


@pytest.mark.parametrize("accumulate,max_steps", [(1, 7), (2, 4)])
def test_resume_from_mid_epoch_max_steps_is_exact(tmp_path, uninterrupted, accumulate, max_steps):
    rec = LossRecorder()
    first = resume_trainer(tmp_path, rec, max_steps=max_steps, accumulate=accumulate)
    first.fit(*loaders())
    assert first.global_step == max_steps and first.current_epoch == 1
    second = resume_trainer(tmp_path, rec, seed=3, max_epochs=4, accumulate=accumulate)
    second.fit(*loaders(), ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    check_same(uninterrupted, rec.losses, second, accumulate)


def test_fit_again_continues_after_max_steps(tmp_path, uninterrupted):
    rec = LossRecorder()
    t = resume_trainer(tmp_path, rec, max_steps=7)
    t.fit(*loaders())
    t.max_steps, t.max_epochs = None, 4
    t.fit(*loaders())
    check_same(uninterrupted, rec.losses, t)


def test_resume_errors(tmp_path):
    rec = LossRecorder()
    t = resume_trainer(tmp_path, rec, max_steps=3)
    t.fit(*loaders())
    short = ShuffleLoader(X[:8], Y[:8], 8)
    again = resume_trainer(tmp_path, rec, max_epochs=2)
    with pytest.raises(rt.InvalidArgument, match="yields only 1 batches"):
        again.fit(short, ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    plain = tmp_path / "plain.ckpt"
    rt.training.save_checkpoint(plain, {"model": {}})
    with pytest.raises(rt.FormatError, match="not a Trainer checkpoint"):
        resume_trainer(tmp_path, rec, max_epochs=2).fit(*loaders(), ckpt_path=plain)


def test_resumed_logs_drop_rows_after_the_checkpoint(tmp_path):
    x, y = regression_data(8)

    def run(max_epochs, ckpt=None):
        rt.manual_seed(0)
        model = nn.Linear(3, 1)
        t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(),
                    max_epochs=max_epochs, root_dir=str(tmp_path), log_every_n_steps=1,
                    loggers=["csv", "json"], progress_bar=False,
                    callbacks=[ModelCheckpoint(save_top_k=-1)])
        return t.fit(batches_of(x, y, 4), ckpt_path=ckpt)
    run(3)
    history = run(3, tmp_path / "checkpoints" / "epoch000.ckpt")  # as if epochs 1-2 were lost
    with open(tmp_path / "steps.jsonl") as f:
        assert [json.loads(line)["step"] for line in f] == [1, 2, 3, 4, 5, 6]
    with open(tmp_path / "steps.csv", newline="") as f:
        assert [int(r["step"]) for r in csv.DictReader(f)] == [1, 2, 3, 4, 5, 6]
    with open(tmp_path / "metrics.jsonl") as f:
        assert [json.loads(line)["epoch"] for line in f] == [0, 1, 2] == [h["epoch"] for h in history]


# ---------------------------------------------------------------- progress and plots
class TTY(io.StringIO):
    def isatty(self):
        return True


def small_fit(callbacks, loader=None, **kw):
    x, y = regression_data(8)
    model = nn.Linear(3, 1)
    t = Trainer(model, rt.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(), callbacks=callbacks,
                **{"max_epochs": 2, **kw})
    return t.fit(loader if loader is not None else batches_of(x, y, 4), val_loader=[(x, y)])


def test_text_progress_bar_without_a_tty():
    stream = io.StringIO()
    small_fit([ProgressBar(use_tqdm=False, stream=stream)])
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 2/2 batches") and "it/s" in lines[0]
    assert "train_loss=" in lines[1] and "val_loss=" in lines[1]


def test_text_progress_bar_on_a_tty_and_unsized(monkeypatch):
    stream = TTY()
    bar = ProgressBar(use_tqdm=False, stream=stream)
    small_fit([bar])
    assert "\r" in stream.getvalue() and "ETA" in stream.getvalue()
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm "not installed": auto falls back
    stream = io.StringIO()
    x, y = regression_data(8)
    small_fit([ProgressBar(stream=stream)], loader=Unsized(batches_of(x, y, 4)), max_epochs=1)
    assert stream.getvalue().startswith("Epoch 1/1 2 batches")


def test_tqdm_progress_bar():
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    small_fit([ProgressBar(use_tqdm=True, stream=stream)])
    assert "Epoch 2/2" in stream.getvalue() and "train_loss" in stream.getvalue()


def test_metrics_plot(tmp_path):
    pytest.importorskip("matplotlib")
    Image = pytest.importorskip("PIL.Image")
    small_fit([MetricsPlot()], root_dir=str(tmp_path), progress_bar=False)
    with Image.open(tmp_path / "metrics.png") as im:
        assert im.format == "PNG" and im.size[0] > 100


def test_metrics_plot_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.warns(RuntimeWarning, match="matplotlib is not installed") as record:
        small_fit([MetricsPlot()], root_dir=str(tmp_path), progress_bar=False, max_epochs=3)
    assert len([w for w in record if "matplotlib" in str(w.message)]) == 1
    assert not (tmp_path / "metrics.png").exists()


# ---------------------------------------------------------------- devices and config
def test_device_selection():
    model = nn.Linear(3, 1)
    opt = rt.optim.SGD(model.parameters(), lr=0.1)
    expected = rt.backends.best_device()
    if "webgpu" in rt.backends.available() and rt.backends.is_emulated("webgpu"):
        assert expected != "webgpu"      # lavapipe is slower than the cpu device
    assert Trainer(model, opt, nn.MSELoss(), max_epochs=1).device.type == expected
    assert Trainer(model, opt, nn.MSELoss(), max_epochs=1, device="auto").device.type == expected


def test_training_on_the_python_device_matches_cpu():
    if "python" not in rt.backends.available():
        pytest.skip("the python backend is not available")
    results = []
    for device in ("cpu", "python"):
        x, y = regression_data(8)
        rt.manual_seed(4)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
        t = Trainer(model, rt.optim.Adam(model.parameters(), lr=0.01), nn.MSELoss(), device=device,
                    max_epochs=2, progress_bar=False)
        results.append([h["train_loss"] for h in t.fit(batches_of(x, y, 4), val_loader=[(x, y)])])
        assert next(model.parameters()).device.type == device
    assert results[1] == pytest.approx(results[0], rel=1e-5)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(loss_fn=None), rt.InvalidArgument, "loss_fn"),
    (dict(max_epochs=None), rt.InvalidArgument, "max_epochs or max_steps"),
    (dict(accumulate_grad_batches=0), rt.InvalidArgument, "accumulate_grad_batches"),
    (dict(gradient_clip_algorithm="l1"), rt.InvalidArgument, "gradient_clip_algorithm"),
    (dict(gradient_clip_val=-1.0), rt.InvalidArgument, "gradient_clip_val"),
    (dict(scheduler_interval="batch"), rt.InvalidArgument, "scheduler_interval"),
    (dict(max_epochs=0), rt.InvalidArgument, "max_epochs"),
    (dict(max_steps=2.5), rt.InvalidArgument, "max_steps"),
    (dict(log_every_n_steps=0), rt.InvalidArgument, "log_every_n_steps"),
    (dict(callbacks=[object()]), rt.InvalidType, "Callback"),
    (dict(loggers=["tensorboard"]), rt.InvalidType, "tensorboard"),
    (dict(metrics={"m": object()}), rt.InvalidType, "update"),
    (dict(metrics=42), rt.InvalidType, "metrics"),
    (dict(loss_fn=3), rt.InvalidType, "loss_fn"),
])
def test_bad_configuration(kwargs, error, message):
    model = nn.Linear(3, 1)
    base = dict(loss_fn=nn.MSELoss(), max_epochs=1)
    base.update(kwargs)
    with pytest.raises(error, match=message):
        Trainer(model, rt.optim.SGD(model.parameters(), lr=0.1), **base)


def test_bad_inputs_at_fit_time():
    model = nn.Linear(3, 1)
    opt = rt.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(rt.InvalidArgument, match="ReduceLROnPlateau"):
        Trainer(model, opt, nn.MSELoss(), max_epochs=1, scheduler_interval="step",
                scheduler=rt.optim.lr_scheduler.ReduceLROnPlateau(opt))
    x, y = regression_data(4)
    t = Trainer(model, opt, nn.MSELoss(), max_epochs=1, progress_bar=False)
    with pytest.raises(rt.InvalidArgument, match="a tuple of length 3"):
        t.fit([(x, y, y)])
    t = Trainer(model, opt, nn.MSELoss(reduction="none"), max_epochs=1, progress_bar=False)
    with pytest.raises(rt.InvalidArgument, match=r"one-element tensor, got \[4, 1\]"):
        t.fit([(x, y)])
    t = Trainer(model, opt, nn.MSELoss(), max_epochs=1, progress_bar=False,
                callbacks=[EarlyStopping(monitor="val_loss")])
    with pytest.raises(rt.InvalidArgument, match="val_loader"):
        t.fit([(x, y)])
    assert math.isfinite(t.history[0]["train_loss"])
