"""Classification and regression metrics, functional and stateful.

Every metric comes in two forms:

* a function, ``accuracy(preds, target)`` -> Python float, for one batch or a
  whole data set at once;
* a class with ``update(preds, target)`` / ``compute()`` / ``reset()`` that
  accumulates sufficient statistics across batches, so that ``compute()`` after
  many updates equals the function applied to the concatenated data.

Classification ``preds`` are integer class labels of shape (N,) or scores /
logits of shape (N, C) (reduced by argmax, or top-k); ``target`` holds integer
labels (N,).  Precision, recall and F1 follow scikit-learn with
``zero_division=0``: a ratio whose denominator is zero counts as 0.  With
``num_classes=None`` the macro average runs over the classes that occur in the
target or the predictions (scikit-learn's ``labels=None``); with
``num_classes=C`` it runs over all C classes (``labels=range(C)``).

Regression metrics take ``preds`` and ``target`` of one shape; statistics are
accumulated in float64 where the device has it.  ``r2_score`` treats each
column of a 2-D (or flattened N-D) target as one output and averages their
scores uniformly, like scikit-learn.

Only the public Tensor API is used, so the metrics run on every backend.
"""
import math
import warnings

from .. import Tensor, as_tensor, float32, float64, int64, no_grad, ones_like, stack, zeros
from .._errors import (DeviceError, DTypeError, IndexOutOfRange, InvalidArgument, InvalidType,
                       ShapeError, UnsupportedError)
from ..nn import functional as F

__all__ = [
    "Metric", "Accuracy", "TopKAccuracy", "ConfusionMatrix", "Precision", "Recall", "F1Score",
    "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError", "R2Score", "get_metric",
    "metric_names", "accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall",
    "f1_score", "precision_recall_f1", "mean_absolute_error", "mean_squared_error",
    "root_mean_squared_error", "r2_score", "f1", "mae", "mse", "rmse",
]

_AVERAGES = ("micro", "macro", "weighted", None)


# ---------------------------------------------------------------- input checks
def _to_tensor(x, what, metric):
    if isinstance(x, Tensor):
        return x.detach()
    try:
        return as_tensor(x)
    except Exception as exc:  # lists, tuples, NumPy arrays are fine; anything else is not
        raise InvalidType(f"{metric}: {what} must be a Tensor (or a sequence of numbers), "
                          f"got {type(x).__name__}") from exc


def _same_device(preds, target, metric):
    if preds.device != target.device:
        raise DeviceError(f"{metric}: preds is on {preds.device} but target is on {target.device}")


def _labels(t, what, metric):
    """Integer class labels as int64 (bool counts as 0/1)."""
    if t.dtype.is_floating_point or t.dtype.is_complex:
        raise InvalidType(f"{metric}: {what} must hold integer class labels, got dtype {t.dtype}"
                          + ("; for scores pass preds of shape (N, C)" if what == "preds" else
                             "; convert with .long() if the values are whole numbers"))
    return t if t.dtype == int64 else t.to(int64)


def _label_range(tensors):
    """(min, max) over several int64 tensors, read back from the device once."""
    stats = stack([s for t in tensors for s in (t.min(), t.max())]).tolist()
    return min(stats[0::2]), max(stats[1::2])


def _check_top_k(k, metric):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidArgument(f"{metric}: top_k must be a positive int, got {k!r}")
    return k


def _check_num_classes(num_classes, metric):
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise InvalidArgument(f"{metric}: num_classes must be a positive int or None, got {num_classes!r}")
    return num_classes


def _classification_inputs(preds, target, num_classes, metric):
    """Validate one batch; return (preds, target, C) with int64 target and
    preds either int64 labels (N,) or scores (N, C).  C is the number of
    classes this batch proves to exist (num_classes when given)."""
    preds = _to_tensor(preds, "preds", metric)
    target = _labels(_to_tensor(target, "target", metric), "target", metric)
    _same_device(preds, target, metric)
    if target.ndim != 1:
        raise ShapeError(f"{metric}: target must be 1-D class labels (N,), got shape {list(target.shape)}")
    n = target.shape[0]
    if preds.ndim not in (1, 2) or preds.shape[0] != n:
        raise ShapeError(f"{metric}: preds must be labels (N,) or scores (N, C) with N = {n} "
                         f"(target shape {list(target.shape)}), got preds shape {list(preds.shape)}")
    if preds.ndim == 2:
        width = preds.shape[1]
        if width == 0:
            raise ShapeError(f"{metric}: scores of shape {list(preds.shape)} have no classes")
        if num_classes is not None and width != num_classes:
            raise ShapeError(f"{metric}: scores have {width} columns but num_classes={num_classes}")
        label_tensors, limit = [target], width
    else:
        preds = _labels(preds, "preds", metric)
        label_tensors, limit = [preds, target], num_classes
    if n == 0:
        return preds, target, (limit or 0)
    lo, hi = _label_range(label_tensors)
    if lo < 0:
        raise IndexOutOfRange(f"{metric}: class labels must be >= 0, got {lo}")
    if limit is not None and hi >= limit:
        raise IndexOutOfRange(f"{metric}: class label {hi} is out of range for {limit} classes")
    return preds, target, (limit if limit is not None else hi + 1)


def _wide_float(t):
    """t as float64 where the backend has it (WebGPU has no f64), else float32."""
    try:
        return t.to(float64)
    except (UnsupportedError, DTypeError):
        return t.to(float32)


def _regression_inputs(preds, target, metric):
    preds = _to_tensor(preds, "preds", metric)
    target = _to_tensor(target, "target", metric)
    _same_device(preds, target, metric)
    if tuple(preds.shape) != tuple(target.shape):
        # no broadcasting: (N, 1) against (N,) is the classic silent bug
        raise ShapeError(f"{metric}: preds shape {list(preds.shape)} does not match "
                         f"target shape {list(target.shape)}")
    for what, t in (("preds", preds), ("target", target)):
        if t.dtype.is_complex:
            raise InvalidType(f"{metric}: {what} must be real numbers, got dtype {t.dtype}")
    return _wide_float(preds), _wide_float(target)


def _safe_div(num, den):
    return num / den if den else 0.0


# ---------------------------------------------------------------- base class
class Metric:
    """Accumulates statistics over batches.  ``update`` keeps the statistics on
    the inputs' device (reading back at most the label range it must check);
    ``compute`` turns them into the metric's value."""

    name = "metric"
    higher_is_better = True

    def __init__(self):
        self.reset()

    def reset(self):
        raise NotImplementedError

    def update(self, preds, target):
        raise NotImplementedError

    def compute(self):
        raise NotImplementedError

    def __call__(self, preds, target):
        """Update with one batch and return the accumulated value."""
        self.update(preds, target)
        return self.compute()

    def _no_samples(self):
        return InvalidArgument(f"{self.name}: no samples to score (empty input, or compute() "
                               "called before any update())")

    def __repr__(self):
        return f"{type(self).__name__}()"


def _accumulate(state, batch):
    """Add a batch statistic to the running one, on the running one's device."""
    return batch if state is None else state + batch.to(state.device)


# ---------------------------------------------------------------- accuracy
class Accuracy(Metric):
    """Fraction of samples whose target is the predicted label, or (top_k > 1)
    among the k highest scores."""

    def __init__(self, top_k=1):
        self.top_k = _check_top_k(top_k, "Accuracy")
        self.name = "accuracy" if top_k == 1 else f"top{top_k}_accuracy"
        super().__init__()

    def reset(self):
        self._correct = None
        self._total = 0

    def update(self, preds, target):
        with no_grad():
            preds, target, _ = _classification_inputs(preds, target, None, self.name)
            k = self.top_k
            if preds.ndim == 1:
                if k != 1:
                    raise InvalidArgument(f"{self.name}: top_k={k} needs scores of shape (N, C), "
                                          f"got labels of shape {list(preds.shape)}")
                hits = preds == target
            elif k == 1:
                hits = preds.argmax(dim=1) == target  # argmax: the first of tied maxima, like NumPy
            else:
                if k > preds.shape[1]:
                    raise InvalidArgument(f"{self.name}: top_k={k} exceeds the number of classes "
                                          f"{preds.shape[1]} (scores shape {list(preds.shape)})")
                top = preds.topk(k, dim=1).indices
                hits = (top == target.unsqueeze(1)).any(dim=1)
            self._correct = _accumulate(self._correct, hits.to(int64).sum())
            self._total += target.shape[0]

    def compute(self):
        if not self._total:
            raise self._no_samples()
        return self._correct.item() / self._total

    def __repr__(self):
        return f"{type(self).__name__}(top_k={self.top_k})"


class TopKAccuracy(Accuracy):
    """Accuracy where a hit is the target among the k highest scores."""

    def __init__(self, k=5):
        super().__init__(top_k=k)

    def __repr__(self):
        return f"TopKAccuracy(k={self.top_k})"


# ---------------------------------------------------------------- confusion matrix
def _confusion_counts(preds, target, num_classes):
    """(C, C) int64 counts, rows = true class, columns = predicted class."""
    pred_labels = preds.argmax(dim=1) if preds.ndim == 2 else preds
    flat = target * num_classes + pred_labels
    counts = zeros(num_classes * num_classes, dtype=int64, device=target.device)
    counts = counts.index_add(0, flat, ones_like(flat))
    return counts.reshape(num_classes, num_classes)


class ConfusionMatrix(Metric):
    """``compute()`` -> int64 tensor (C, C): entry [i, j] counts samples of true
    class i predicted as class j (scikit-learn's layout).  With
    ``num_classes=None`` C grows to the largest class seen (+1)."""

    name = "confusion_matrix"

    def __init__(self, num_classes=None):
        self.num_classes = _check_num_classes(num_classes, "ConfusionMatrix")
        super().__init__()

    def reset(self):
        self._cm = None

    def update(self, preds, target):
        with no_grad():
            preds, target, c = _classification_inputs(preds, target, self.num_classes, self.name)
            if target.shape[0] == 0:
                return
            if self._cm is not None and self._cm.shape[0] > c:
                c = self._cm.shape[0]  # labels of this batch fit the classes already seen
            batch = _confusion_counts(preds, target, c)
            if self._cm is not None and self._cm.shape[0] < c:
                grow = c - self._cm.shape[0]
                self._cm = F.pad(self._cm, (0, grow, 0, grow))
            self._cm = _accumulate(self._cm, batch)

    def compute(self):
        if self._cm is None:
            if self.num_classes is not None:
                return zeros(self.num_classes, self.num_classes, dtype=int64)
            raise self._no_samples()
        return self._cm.clone()

    def __repr__(self):
        return f"ConfusionMatrix(num_classes={self.num_classes})"


def _scores_from_confusion(cm, average, all_classes):
    """(precision, recall, f1) from a confusion matrix given as nested lists.
    Per-class values follow scikit-learn with zero_division=0."""
    c = len(cm)
    tp = [cm[i][i] for i in range(c)]
    support = [sum(row) for row in cm]                      # true count per class
    predicted = [sum(cm[i][j] for i in range(c)) for j in range(c)]
    if average == "micro":
        # single-label multiclass: micro precision = recall = F1 = accuracy
        p = r = f = _safe_div(sum(tp), sum(support))
        return p, r, f
    prec = [_safe_div(tp[i], predicted[i]) for i in range(c)]
    rec = [_safe_div(tp[i], support[i]) for i in range(c)]
    f1 = [_safe_div(2 * tp[i], support[i] + predicted[i]) for i in range(c)]
    if average is None:
        return prec, rec, f1
    labels = range(c) if all_classes else [i for i in range(c) if support[i] or predicted[i]]
    if average == "macro":
        weights = [1 for _ in labels]
    else:  # weighted by support
        weights = [support[i] for i in labels]
    total = sum(weights)
    return tuple(_safe_div(sum(w * s[i] for w, i in zip(weights, labels)), total)
                 for s in (prec, rec, f1))


class _PrecisionRecallF1(Metric):
    _which = None  # index into (precision, recall, f1); None: all three

    def __init__(self, average="micro", num_classes=None):
        if average not in _AVERAGES:
            raise InvalidArgument(f"{type(self).__name__}: average must be one of "
                                  f"{list(_AVERAGES)}, got {average!r}")
        self.average = average
        self.num_classes = _check_num_classes(num_classes, type(self).__name__)
        self.name = f"{self._base_name}_{average}" if average else self._base_name
        self._cm = ConfusionMatrix(num_classes)
        super().__init__()

    def reset(self):
        self._cm.reset()

    def update(self, preds, target):
        self._cm.update(preds, target)

    def compute(self):
        """A float (a list of per-class floats when average=None)."""
        if self._cm._cm is None:
            raise self._no_samples()
        scores = _scores_from_confusion(self._cm.compute().tolist(), self.average,
                                        self.num_classes is not None)
        return scores if self._which is None else scores[self._which]

    def __repr__(self):
        return f"{type(self).__name__}(average={self.average!r}, num_classes={self.num_classes})"


class Precision(_PrecisionRecallF1):
    """tp / (tp + fp), averaged "micro", "macro", "weighted" or per class (None)."""
    _base_name, _which = "precision", 0


class Recall(_PrecisionRecallF1):
    """tp / (tp + fn), averaged "micro", "macro", "weighted" or per class (None)."""
    _base_name, _which = "recall", 1


class F1Score(_PrecisionRecallF1):
    """2 tp / (2 tp + fp + fn), averaged "micro", "macro", "weighted" or per class (None)."""
    _base_name, _which = "f1", 2


class _PrecisionRecallF1All(_PrecisionRecallF1):
    _base_name, _which = "precision_recall_f1", None


# ---------------------------------------------------------------- regression
class _ErrorSum(Metric):
    """Mean of an elementwise error over every element seen."""
    higher_is_better = False

    def reset(self):
        self._sum = None
        self._count = 0

    def _error(self, diff):
        raise NotImplementedError

    def update(self, preds, target):
        with no_grad():
            preds, target = _regression_inputs(preds, target, self.name)
            if preds.numel() == 0:
                return
            self._sum = _accumulate(self._sum, self._error(preds - target).sum())
            self._count += preds.numel()

    def compute(self):
        if not self._count:
            raise self._no_samples()
        return self._sum.item() / self._count


class MeanAbsoluteError(_ErrorSum):
    """mean |preds - target| over all elements."""
    name = "mae"

    def _error(self, diff):
        return diff.abs()


class MeanSquaredError(_ErrorSum):
    """mean (preds - target)^2 over all elements."""
    name = "mse"

    def _error(self, diff):
        return diff * diff


class RootMeanSquaredError(MeanSquaredError):
    """sqrt of the mean squared error over all elements.  For a 2-D target this
    is sqrt(MSE), not scikit-learn's average of per-column RMSEs."""
    name = "rmse"

    def compute(self):
        return math.sqrt(super().compute())


class R2Score(Metric):
    """Coefficient of determination 1 - SS_res / SS_tot per output column,
    averaged uniformly.  SS_tot is accumulated with Chan's parallel variance
    update, so many small batches give the same answer as one big one without
    the cancellation of sum(y^2) - sum(y)^2 / n."""

    name = "r2"

    def reset(self):
        self._n = 0
        self._mean = self._m2 = self._ss_res = None

    def update(self, preds, target):
        with no_grad():
            preds, target = _regression_inputs(preds, target, self.name)
            if preds.ndim == 0:
                raise ShapeError(f"{self.name}: preds and target need a batch dimension (N,) or "
                                 "(N, outputs), got 0-d tensors")
            n_b = target.shape[0]
            preds, target = preds.reshape(n_b, -1), target.reshape(n_b, -1)
            if self._mean is not None and target.shape[1] != self._mean.shape[0]:
                raise ShapeError(f"{self.name}: this batch has {target.shape[1]} outputs per sample, "
                                 f"earlier batches had {self._mean.shape[0]}")
            if n_b == 0:
                return
            mean_b = target.mean(dim=0)
            m2_b = ((target - mean_b) ** 2).sum(dim=0)
            res_b = ((target - preds) ** 2).sum(dim=0)
            if self._mean is None:
                self._n, self._mean, self._m2, self._ss_res = n_b, mean_b, m2_b, res_b
                return
            dev = self._mean.device
            mean_b, m2_b, res_b = mean_b.to(dev), m2_b.to(dev), res_b.to(dev)
            n_a, n = self._n, self._n + n_b
            delta = mean_b - self._mean
            self._mean = self._mean + delta * (n_b / n)
            self._m2 = self._m2 + m2_b + delta * delta * (n_a * n_b / n)
            self._ss_res = self._ss_res + res_b
            self._n = n

    def compute(self):
        if not self._n:
            raise self._no_samples()
        if self._n < 2:
            warnings.warn(f"{self.name}: R^2 is not defined for fewer than two samples; returning nan",
                          RuntimeWarning, stacklevel=2)
            return float("nan")
        scores = []
        for ss_tot, ss_res in zip(self._m2.tolist(), self._ss_res.tolist()):
            if ss_tot != 0:
                scores.append(1.0 - ss_res / ss_tot)
            else:  # constant target: perfect or not at all (scikit-learn's force_finite)
                scores.append(1.0 if ss_res == 0 else 0.0)
        return sum(scores) / len(scores)


# ---------------------------------------------------------------- functional
def accuracy(preds, target, top_k=1):
    """Fraction of correct predictions (target among the top_k scores)."""
    return Accuracy(top_k)(preds, target)


def top_k_accuracy(preds, target, k=5):
    """Fraction of samples whose target is among the k highest scores of (N, C) preds."""
    return TopKAccuracy(k)(preds, target)


def confusion_matrix(preds, target, num_classes=None):
    """int64 tensor (C, C); rows = true class, columns = predicted class."""
    return ConfusionMatrix(num_classes)(preds, target)


def precision(preds, target, average="micro", num_classes=None):
    return Precision(average, num_classes)(preds, target)


def recall(preds, target, average="micro", num_classes=None):
    return Recall(average, num_classes)(preds, target)


def f1_score(preds, target, average="micro", num_classes=None):
    return F1Score(average, num_classes)(preds, target)


def precision_recall_f1(preds, target, average="micro", num_classes=None):
    """(precision, recall, f1) from one pass over the data."""
    return _PrecisionRecallF1All(average, num_classes)(preds, target)


def mean_absolute_error(preds, target):
    return MeanAbsoluteError()(preds, target)


def mean_squared_error(preds, target):
    return MeanSquaredError()(preds, target)


def root_mean_squared_error(preds, target):
    return RootMeanSquaredError()(preds, target)


def r2_score(preds, target):
    return R2Score()(preds, target)


# short names for the functions (rustorch.training re-exports these)
f1, mae, mse, rmse = f1_score, mean_absolute_error, mean_squared_error, root_mean_squared_error


# ---------------------------------------------------------------- by name
def _top_k_factory(name):
    # "top5_accuracy", "top_5_accuracy", "top5_acc", "top5"
    rest = name[3:].lstrip("_")
    digits = rest.split("_", 1)[0]
    tail = rest[len(digits):].lstrip("_")
    if digits.isdigit() and int(digits) >= 1 and tail in ("", "acc", "accuracy"):
        return lambda **kw: TopKAccuracy(int(digits), **kw)
    return None


_FACTORIES = {
    "accuracy": Accuracy, "acc": Accuracy,
    "confusion_matrix": ConfusionMatrix,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "rmse": RootMeanSquaredError, "root_mean_squared_error": RootMeanSquaredError,
    "r2": R2Score, "r2_score": R2Score,
}
for _base, _cls in (("precision", Precision), ("recall", Recall), ("f1", F1Score),
                    ("f1_score", F1Score)):
    _FACTORIES[_base] = _cls
    for _avg in ("micro", "macro", "weighted"):
        _FACTORIES[f"{_base}_{_avg}"] = (lambda c, a: lambda **kw: c(average=a, **kw))(_cls, _avg)
del _base, _cls, _avg


def metric_names():
    """Every name get_metric accepts (topK_accuracy for any K >= 1)."""
    return sorted(_FACTORIES) + ["top{k}_accuracy"]


def get_metric(name, **kwargs):
    """A fresh metric for ``name`` ("accuracy"/"acc", "top5_accuracy",
    "precision_macro", "recall_micro", "f1_macro", "mae", "mse", "rmse", "r2" ...).
    Keyword arguments (e.g. num_classes) go to the metric's constructor.  A
    Metric instance is returned as it is."""
    if isinstance(name, Metric):
        if kwargs:
            raise InvalidArgument(f"get_metric: keyword arguments {sorted(kwargs)} given with a "
                                  f"Metric instance {name!r}")
        return name
    if not isinstance(name, str):
        raise InvalidType(f"get_metric: name must be a str or Metric, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    factory = _FACTORIES.get(key) or (_top_k_factory(key) if key.startswith("top") else None)
    if factory is None:
        raise InvalidArgument(f"get_metric: unknown metric {name!r}; valid names: "
                              + ", ".join(metric_names()))
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise InvalidArgument(f"get_metric: {name!r} does not take {sorted(kwargs)}: {exc}") from exc
