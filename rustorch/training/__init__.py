"""Training utilities: a Trainer for plain torch-style models, callbacks,
atomic pickle-free checkpoints, progress bars, metric loggers and plots.

Metrics (``rustorch.training.metrics``) are re-exported here lazily.
"""
from .callbacks import Callback, EarlyStopping, LearningRateMonitor, ModelCheckpoint
from .checkpoint import load_checkpoint, save_checkpoint
from .loggers import CSVLogger, JSONLogger, Logger
from .plot import MetricsPlot, plot_history
from .progress import ProgressBar, TextProgress
from .trainer import Trainer

# names that live in .metrics, imported on first use
_METRIC_NAMES = frozenset({
    "accuracy", "precision", "recall", "f1", "f1_score", "confusion_matrix", "mae", "mse", "rmse",
    "r2_score", "Accuracy", "TopKAccuracy", "Precision", "Recall", "F1Score", "ConfusionMatrix",
    "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError", "R2Score", "get_metric",
    "Metric"})

__all__ = ["Trainer", "Callback", "EarlyStopping", "ModelCheckpoint", "LearningRateMonitor",
           "ProgressBar", "TextProgress", "Logger", "CSVLogger", "JSONLogger", "MetricsPlot",
           "plot_history", "save_checkpoint", "load_checkpoint"]


def __getattr__(name):
    if name in _METRIC_NAMES:
        from . import metrics
        try:
            return getattr(metrics, name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
