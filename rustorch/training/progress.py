"""Progress display for the Trainer: tqdm when installed, else a plain text bar.

The text bar redraws one line with carriage returns on a terminal; when the
stream is not a TTY (logs, CI, notebooks capturing stderr) it prints one line
per epoch instead, so files do not fill up with ``\\r`` frames.
"""
import sys
import time

from .callbacks import Callback

__all__ = ["ProgressBar", "TextProgress"]


def _fmt_seconds(s):
    s = int(s + 0.5)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _fmt_value(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


class TextProgress:
    """A single-line progress bar with it/s and ETA (when ``total`` is known)."""

    def __init__(self, total=None, desc="", stream=None, min_interval=0.1, width=24):
        self.total = total
        self.desc = desc
        self.stream = stream if stream is not None else sys.stderr
        self.n = 0
        self.postfix = {}
        self.min_interval = min_interval
        self.width = width
        self._start = time.perf_counter()
        self._last_draw = 0.0
        isatty = getattr(self.stream, "isatty", None)
        try:
            self.interactive = bool(isatty and isatty())
        except ValueError:  # a closed stream
            self.interactive = False

    def _rate(self):
        elapsed = time.perf_counter() - self._start
        return elapsed, (self.n / elapsed if elapsed > 0 else 0.0)

    def render(self):
        elapsed, rate = self._rate()
        parts = [self.desc] if self.desc else []
        if self.total:
            frac = min(self.n / self.total, 1.0)
            filled = int(frac * self.width)
            parts.append(f"[{'#' * filled}{'.' * (self.width - filled)}] {self.n}/{self.total}")
            eta = (self.total - self.n) / rate if rate > 0 else None
            parts.append(f"{rate:.2f} it/s ETA {_fmt_seconds(eta) if eta is not None else '?'}")
        else:
            parts.append(f"{self.n} it {rate:.2f} it/s {_fmt_seconds(elapsed)}")
        parts.extend(f"{k}={_fmt_value(v)}" for k, v in self.postfix.items())
        return " ".join(parts)

    def update(self, n=1):
        self.n += n
        if self.interactive:
            now = time.perf_counter()
            if now - self._last_draw >= self.min_interval:
                self._last_draw = now
                self.stream.write("\r" + self.render())
                self.stream.flush()

    def set_postfix(self, ordered_dict=None, refresh=True, **values):
        """tqdm's signature; the text bar draws on its own schedule, so ``refresh`` is unused."""
        self.postfix.update(ordered_dict or {}, **values)

    def close(self):
        elapsed, rate = self._rate()
        if self.interactive:
            self.stream.write("\r" + self.render() + "\n")
        else:
            done = f"{self.n}/{self.total}" if self.total else str(self.n)
            post = " ".join(f"{k}={_fmt_value(v)}" for k, v in self.postfix.items())
            self.stream.write(f"{self.desc} {done} batches in {_fmt_seconds(elapsed)} "
                              f"({rate:.2f} it/s) {post}".rstrip() + "\n")
        self.stream.flush()


def _tqdm_class():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class ProgressBar(Callback):
    """One bar per training epoch showing the loss; at the epoch's end the
    epoch's metrics.  ``use_tqdm=None`` uses tqdm when it is installed."""
    order = 90

    def __init__(self, use_tqdm=None, stream=None, postfix_interval=0.5):
        self.use_tqdm = use_tqdm
        self.stream = stream
        self.postfix_interval = postfix_interval
        self._bar = None
        self._last_postfix = 0.0

    def _make_bar(self, total, desc):
        tqdm = _tqdm_class() if self.use_tqdm in (None, True) else None
        if tqdm is not None:
            return tqdm(total=total, desc=desc, file=self.stream if self.stream is not None
                        else sys.stderr, leave=True, dynamic_ncols=True)
        return TextProgress(total=total, desc=desc, stream=self.stream)

    def on_train_epoch_start(self, trainer, epoch):
        self._close()
        # counted from 1 for people; history rows count from 0 like torch loops
        of = f"/{trainer.max_epochs}" if trainer.max_epochs is not None else ""
        self._bar = self._make_bar(trainer.num_training_batches, f"Epoch {epoch + 1}{of}")
        self._last_postfix = 0.0

    def on_train_batch_end(self, trainer, loss, batch, batch_idx):
        if self._bar is None:
            return
        self._bar.update(1)
        now = time.perf_counter()
        # reading the loss syncs the device: do it only as often as a human reads
        if now - self._last_postfix >= self.postfix_interval:
            self._last_postfix = now
            self._bar.set_postfix(loss=float(loss.item()))

    def on_train_epoch_end(self, trainer, metrics):
        if self._bar is None:
            return
        shown = {k: v for k, v in metrics.items() if k not in ("epoch", "step", "seconds")
                 and isinstance(v, (int, float))}
        self._bar.set_postfix(shown, refresh=False)  # close() draws the final line
        self._close()

    def _close(self):
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.close()

    def on_exception(self, trainer, exception):
        self._close()

    def on_fit_end(self, trainer):
        self._close()
