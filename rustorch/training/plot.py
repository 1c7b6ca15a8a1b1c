"""MetricsPlot: draws the losses and each metric against the epoch into a PNG.

matplotlib is optional: it is imported on first use, through its object API
and the Agg canvas (no pyplot, so the user's interactive backend is left
alone).  Without matplotlib the callback warns once and does nothing.
"""
import os
import warnings

from .callbacks import Callback

__all__ = ["MetricsPlot", "plot_history"]

_NOT_PLOTTED = frozenset({"epoch", "step", "seconds", "lr"})


def _series(history):
    """{name: [(epoch, value)]} of the numeric columns worth plotting."""
    out = {}
    for row in history:
        for k, v in row.items():
            if k in _NOT_PLOTTED or k.startswith("lr_") or isinstance(v, bool):
                continue
            if isinstance(v, (int, float)):
                out.setdefault(k, []).append((row["epoch"], float(v)))
    return out


def plot_history(history, path):
    """Write ``path`` (PNG): one panel for the losses, one per other metric.
    Returns False (without writing) when matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        return False
    series = _series(history)
    losses = [k for k in series if k.endswith("loss")]
    others = [k for k in series if not k.endswith("loss")]
    panels = ([("loss", losses)] if losses else []) + [(k, [k]) for k in others]
    n = max(len(panels), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(4.5 * cols, 3.2 * rows), dpi=100)
    FigureCanvasAgg(fig)
    for i, (title, keys) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        for k in keys:
            xs, ys = zip(*series[k])
            ax.plot(xs, ys, marker="o", markersize=3, label=k)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if len(keys) > 1:
            ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, format="png")
    return True


class MetricsPlot(Callback):
    """Rewrites ``<dirpath>/metrics.png`` every ``every_n_epochs`` epochs and at
    the end of fit (``dirpath`` defaults to the trainer's ``root_dir``)."""
    order = 80

    def __init__(self, dirpath=None, filename="metrics.png", every_n_epochs=1):
        self.dirpath = None if dirpath is None else os.fspath(dirpath)
        self.filename = filename
        self.every_n_epochs = every_n_epochs
        self._warned = False

    @property
    def path(self):
        return None if self.dirpath is None else os.path.join(self.dirpath, self.filename)

    def on_fit_start(self, trainer):
        if self.dirpath is None:
            self.dirpath = trainer.root_dir

    def _draw(self, trainer):
        if self._warned or not trainer.history:
            return
        if not plot_history(trainer.history, self.path):
            self._warned = True
            warnings.warn("MetricsPlot: matplotlib is not installed (pip install matplotlib); "
                          "metrics.png will not be written", RuntimeWarning, stacklevel=2)

    def on_train_epoch_end(self, trainer, metrics):
        if self.every_n_epochs and (metrics["epoch"] + 1) % self.every_n_epochs == 0:
            self._draw(trainer)

    def on_fit_end(self, trainer):
        self._draw(trainer)
