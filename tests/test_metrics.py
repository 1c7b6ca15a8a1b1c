"""rustorch.training.metrics against scikit-learn (the oracle), on random data,
edge cases (absent classes, one class, empty batches) and batch accumulation."""
import math
import os
import random
import warnings

import pytest

import rustorch as rt
from rustorch import _errors as E
from rustorch.training import metrics as M

np = pytest.importorskip("numpy")
skm = pytest.importorskip("sklearn.metrics")

DEVICES = [d for d in ("cpu", "python") if d in rt.backends.available()]


def _labels_and_scores(seed, n, c):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, c)).astype(np.float32)
    target = rng.integers(0, c, size=n)
    return scores, target


def _t(a, device="cpu"):
    return rt.tensor(a.tolist(), device=device, dtype=rt.float32 if a.dtype.kind == "f" else rt.int64)


def _batches(n, seed):
    """Random split points of range(n), empty batches included."""
    rnd = random.Random(seed)
    cuts = sorted(rnd.randint(0, n) for _ in range(4))
    bounds = [0, *cuts, n]
    return [(a, b) for a, b in zip(bounds, bounds[1:])]


# ---------------------------------------------------------------- accuracy
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("seed", range(3))
def test_accuracy_matches_sklearn(device, seed):
    scores, target = _labels_and_scores(seed, 97, 5)
    expected = skm.accuracy_score(target, scores.argmax(1))
    assert M.accuracy(_t(scores, device), _t(target, device)) == pytest.approx(expected)
    # labels instead of scores
    assert M.accuracy(_t(scores.argmax(1), device), _t(target, device)) == pytest.approx(expected)


@pytest.mark.filterwarnings("ignore:'k' .* greater than or equal")  # sklearn on k == C
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_top_k_accuracy_matches_sklearn(k):
    scores, target = _labels_and_scores(10 + k, 120, 5)
    expected = skm.top_k_accuracy_score(target, scores, k=k, labels=range(5))
    assert M.top_k_accuracy(_t(scores), _t(target), k=k) == pytest.approx(expected)
    assert M.accuracy(_t(scores), _t(target), top_k=k) == pytest.approx(expected)


def test_accuracy_accumulates_like_one_shot():
    scores, target = _labels_and_scores(3, 200, 7)
    for metric, expected in ((M.Accuracy(), skm.accuracy_score(target, scores.argmax(1))),
                             (M.TopKAccuracy(3), skm.top_k_accuracy_score(target, scores, k=3))):
        for a, b in _batches(200, 1):
            metric.update(_t(scores[a:b]), _t(target[a:b]))
        assert metric.compute() == pytest.approx(expected)
        metric.reset()
        with pytest.raises(E.InvalidArgument, match="no samples"):
            metric.compute()
        metric.update(_t(scores[:10]), _t(target[:10]))  # reset really forgot the old batches
        assert metric.compute() == pytest.approx(
            skm.top_k_accuracy_score(target[:10], scores[:10], k=metric.top_k, labels=range(7)))


def test_accuracy_ignores_autograd_and_accepts_lists():
    logits = rt.tensor([[0.2, 0.8], [0.9, 0.1], [0.3, 0.7]], requires_grad=True)
    assert M.accuracy(logits, [1, 1, 1]) == pytest.approx(2 / 3)
    assert M.accuracy([0, 1, 1], [0, 1, 0]) == pytest.approx(2 / 3)


# ---------------------------------------------------------------- precision / recall / F1
def _sk_prf(target, pred, average, num_classes):
    labels = None if num_classes is None else list(range(num_classes))
    p, r, f, _ = skm.precision_recall_fscore_support(target, pred, average=average, labels=labels,
                                                     zero_division=0)
    return p, r, f


@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
@pytest.mark.parametrize("num_classes", [None, 6])
@pytest.mark.parametrize("seed", range(3))
def test_precision_recall_f1_match_sklearn(average, num_classes, seed):
    rng = np.random.default_rng(seed)
    # classes 0..5 but class 4 never occurs in the target and class 1 is never predicted
    target = rng.choice([0, 1, 2, 3, 5], size=80)
    pred = rng.choice([0, 2, 3, 4, 5], size=80)
    expected = _sk_prf(target, pred, average, num_classes)
    got = M.precision_recall_f1(_t(pred), _t(target), average=average, num_classes=num_classes)
    assert got == pytest.approx(expected)
    assert M.precision(_t(pred), _t(target), average, num_classes) == pytest.approx(expected[0])
    assert M.recall(_t(pred), _t(target), average, num_classes) == pytest.approx(expected[1])
    assert M.f1_score(_t(pred), _t(target), average, num_classes) == pytest.approx(expected[2])


def test_macro_over_present_classes_unless_num_classes_given():
    # class 1 appears nowhere: sklearn's labels=None leaves it out of the macro average
    target, pred = np.array([0, 0, 2, 2]), np.array([0, 2, 2, 2])
    assert M.f1_score(_t(pred), _t(target), "macro") == pytest.approx(
        skm.f1_score(target, pred, average="macro", zero_division=0))
    assert M.f1_score(_t(pred), _t(target), "macro", num_classes=3) == pytest.approx(
        skm.f1_score(target, pred, average="macro", labels=[0, 1, 2], zero_division=0))


def test_per_class_scores_with_average_none():
    scores, target = _labels_and_scores(5, 60, 4)
    pred = scores.argmax(1)
    p, r, f, _ = skm.precision_recall_fscore_support(target, pred, labels=range(4), zero_division=0)
    got = M.precision_recall_f1(_t(scores), _t(target), average=None)
    for ours, theirs in zip(got, (p, r, f)):
        assert ours == pytest.approx(theirs.tolist())


def test_single_class_and_zero_division():
    target = np.zeros(5, dtype=np.int64)
    pred = np.array([0, 0, 1, 0, 1])
    for avg in ("micro", "macro", "weighted"):
        assert M.precision_recall_f1(_t(pred), _t(target), avg) == pytest.approx(
            _sk_prf(target, pred, avg, None))
    # nothing predicted right: every ratio is 0, never nan
    assert M.precision_recall_f1([1, 1], [0, 0], "macro") == (0.0, 0.0, 0.0)
    # only one class anywhere
    assert M.precision_recall_f1([0, 0, 0], [0, 0, 0], "macro") == (1.0, 1.0, 1.0)


@pytest.mark.parametrize("cls,index", [(M.Precision, 0), (M.Recall, 1), (M.F1Score, 2)])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
def test_precision_recall_f1_accumulate(cls, index, average):
    scores, target = _labels_and_scores(7, 150, 6)
    target[target == 4] = 0  # an absent class, so that present-class bookkeeping matters
    expected = _sk_prf(target, scores.argmax(1), average, None)[index]
    metric = cls(average=average)
    for a, b in _batches(150, 2):
        metric.update(_t(scores[a:b]), _t(target[a:b]))
    assert metric.compute() == pytest.approx(expected)


# ---------------------------------------------------------------- confusion matrix
@pytest.mark.parametrize("device", DEVICES)
def test_confusion_matrix_matches_sklearn(device):
    scores, target = _labels_and_scores(11, 90, 4)
    expected = skm.confusion_matrix(target, scores.argmax(1), labels=range(4))
    cm = M.confusion_matrix(_t(scores, device), _t(target, device))
    assert cm.dtype == rt.int64 and cm.tolist() == expected.tolist()
    assert M.confusion_matrix(_t(scores.argmax(1), device), _t(target, device),
                              num_classes=4).tolist() == expected.tolist()


def test_confusion_matrix_grows_across_batches():
    # later batches bring larger class ids: the matrix grows, earlier counts stay put
    target = np.array([0, 1, 1, 0, 3, 2, 5, 1])
    pred = np.array([0, 1, 0, 0, 3, 3, 2, 5])
    metric = M.ConfusionMatrix()
    for a, b in ((0, 4), (4, 4), (4, 6), (6, 8)):
        metric.update(_t(pred[a:b]), _t(target[a:b]))
    expected = skm.confusion_matrix(target, pred, labels=range(6))
    assert metric.compute().tolist() == expected.tolist()
    # and smaller class ids after a large one fit the existing matrix
    metric.update([0], [1])
    expected[1, 0] += 1
    assert metric.compute().tolist() == expected.tolist()


def test_confusion_matrix_with_fixed_classes_before_update():
    assert M.ConfusionMatrix(3).compute().tolist() == [[0] * 3] * 3
    with pytest.raises(E.InvalidArgument):
        M.ConfusionMatrix().compute()


# ---------------------------------------------------------------- regression
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(50,), (40, 3)])
def test_regression_metrics_match_sklearn(device, shape):
    rng = np.random.default_rng(len(shape))
    target = rng.normal(size=shape).astype(np.float32) * 3 + 1
    pred = target + rng.normal(size=shape).astype(np.float32)
    p, t = _t(pred, device), _t(target, device)
    p64, t64 = pred.astype(np.float64), target.astype(np.float64)
    assert M.mean_absolute_error(p, t) == pytest.approx(skm.mean_absolute_error(t64, p64), rel=1e-6)
    mse = skm.mean_squared_error(t64, p64)
    assert M.mean_squared_error(p, t) == pytest.approx(mse, rel=1e-6)
    assert M.root_mean_squared_error(p, t) == pytest.approx(math.sqrt(mse), rel=1e-6)
    if len(shape) == 1:
        assert M.root_mean_squared_error(p, t) == pytest.approx(
            skm.root_mean_squared_error(t64, p64), rel=1e-6)
    assert M.r2_score(p, t) == pytest.approx(skm.r2_score(t64, p64), rel=1e-6)


@pytest.mark.parametrize("cls,oracle", [
    (M.MeanAbsoluteError, skm.mean_absolute_error),
    (M.MeanSquaredError, skm.mean_squared_error),
    (M.RootMeanSquaredError, lambda t, p: math.sqrt(skm.mean_squared_error(t, p))),
    (M.R2Score, skm.r2_score),
])
def test_regression_accumulates_like_one_shot(cls, oracle):
    rng = np.random.default_rng(3)
    # a large offset makes the naive sum(y^2) - sum(y)^2/n formula lose digits
    target = rng.normal(size=(120, 2)) + 1e4
    pred = target + rng.normal(size=(120, 2)) * 0.5
    metric = cls()
    for a, b in _batches(120, 5):
        metric.update(rt.tensor(pred[a:b].tolist(), dtype=rt.float64),
                      rt.tensor(target[a:b].tolist(), dtype=rt.float64))
    assert metric.compute() == pytest.approx(oracle(target, pred), rel=1e-9)


def test_r2_edge_cases_follow_sklearn():
    const = rt.tensor([2.0, 2.0, 2.0])
    assert M.r2_score(const, const) == skm.r2_score([2.0] * 3, [2.0] * 3) == 1.0
    assert M.r2_score(rt.tensor([1.0, 2.0, 3.0]), const) == skm.r2_score([2.0] * 3, [1, 2, 3]) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(skm.r2_score([1.0], [2.0]))
    with pytest.warns(RuntimeWarning, match="fewer than two"):
        assert math.isnan(M.r2_score(rt.tensor([2.0]), rt.tensor([1.0])))


# ---------------------------------------------------------------- errors
def test_bad_inputs_raise_clear_errors():
    scores = rt.randn(4, 3)
    with pytest.raises(E.ShapeError, match=r"\[4, 3\]"):
        M.accuracy(scores, rt.tensor([0, 1, 2]))
    with pytest.raises(E.InvalidType, match="float32"):
        M.accuracy(scores, rt.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(E.InvalidType, match=r"\(N, C\)"):
        M.accuracy(rt.tensor([0.2, 0.9]), rt.tensor([0, 1]))
    with pytest.raises(E.IndexOutOfRange, match="3 classes"):
        M.accuracy(scores, rt.tensor([0, 1, 2, 3]))
    with pytest.raises(E.IndexOutOfRange, match="-1"):
        M.confusion_matrix(rt.tensor([0, 1]), rt.tensor([0, -1]))
    with pytest.raises(E.IndexOutOfRange, match="label 5"):
        M.f1_score(rt.tensor([0, 5]), rt.tensor([0, 1]), num_classes=3)
    with pytest.raises(E.ShapeError, match="num_classes=4"):
        M.precision(scores, rt.tensor([0, 1, 2, 1]), num_classes=4)
    with pytest.raises(E.InvalidArgument, match="exceeds"):
        M.top_k_accuracy(scores, rt.tensor([0, 1, 2, 1]), k=4)
    with pytest.raises(E.InvalidArgument, match="top_k"):
        M.accuracy(rt.tensor([0, 1]), rt.tensor([0, 1]), top_k=2)
    with pytest.raises(E.InvalidArgument, match="average"):
        M.Precision(average="binary")
    with pytest.raises(E.InvalidArgument, match="no samples"):
        M.accuracy(rt.zeros(0, 3), rt.zeros(0, dtype=rt.int64))
    with pytest.raises(E.ShapeError, match=r"\[5, 1\].*\[5\]"):
        M.mean_squared_error(rt.zeros(5, 1), rt.zeros(5))
    with pytest.raises(E.ShapeError, match="0-d"):
        M.r2_score(rt.tensor(1.0), rt.tensor(2.0))
    metric = M.R2Score()
    metric.update(rt.zeros(4, 2), rt.ones(4, 2))
    with pytest.raises(E.ShapeError, match="3 outputs"):
        metric.update(rt.zeros(4, 3), rt.ones(4, 3))
    with pytest.raises(E.InvalidType, match="object"):
        M.accuracy(object(), [0])


def test_get_metric_names():
    assert type(M.get_metric("accuracy")) is M.Accuracy
    assert type(M.get_metric("ACC")) is M.Accuracy
    top5 = M.get_metric("top5_accuracy")
    assert isinstance(top5, M.TopKAccuracy) and top5.top_k == 5
    assert M.get_metric("top_3_acc").top_k == 3
    f1 = M.get_metric("f1_macro", num_classes=4)
    assert isinstance(f1, M.F1Score) and f1.average == "macro" and f1.num_classes == 4
    assert M.get_metric("precision_macro").average == "macro"
    assert isinstance(M.get_metric("recall_micro"), M.Recall)
    for name, cls in (("mae", M.MeanAbsoluteError), ("mse", M.MeanSquaredError),
                      ("rmse", M.RootMeanSquaredError), ("r2", M.R2Score),
                      ("confusion_matrix", M.ConfusionMatrix)):
        assert type(M.get_metric(name)) is cls
    a, b = M.get_metric("acc"), M.get_metric("acc")
    assert a is not b  # fresh instances: no state shared between uses
    assert M.get_metric(a) is a
    assert M.get_metric("mse").higher_is_better is False
    with pytest.raises(E.InvalidArgument, match="f1_macro") as info:
        M.get_metric("f2_macro")
    assert "unknown metric 'f2_macro'" in str(info.value)
    with pytest.raises(E.InvalidArgument):
        M.get_metric("top0_accuracy")
    with pytest.raises(E.InvalidType):
        M.get_metric(3)


def test_metrics_without_numpy():
    """In Pyodide without NumPy the metrics run on the pure-Python backend."""
    import subprocess
    import sys
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
import rustorch as rt
from rustorch.training import metrics as M
scores = rt.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
target = rt.tensor([1, 0, 1, 2])
import json
print(json.dumps([M.accuracy(scores, target), M.top_k_accuracy(scores, target, k=2),
      M.f1_score(scores, target, "macro"), M.confusion_matrix(scores, target).tolist(),
      M.r2_score(rt.tensor([1.0, 2.0, 3.5]), rt.tensor([1.0, 2.5, 3.0])), "numpy" in sys.modules]))
"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    pred = [1, 0, 2, 0]
    expected = [skm.accuracy_score([1, 0, 1, 2], pred), 0.75,
                skm.f1_score([1, 0, 1, 2], pred, average="macro", zero_division=0),
                skm.confusion_matrix([1, 0, 1, 2], pred).tolist(),
                skm.r2_score([1.0, 2.5, 3.0], [1.0, 2.0, 3.5]), False]
    import json
    got = json.loads(proc.stdout)
    assert got[3] == expected[3] and got[5] is False
    assert [got[i] for i in (0, 1, 2, 4)] == pytest.approx([expected[i] for i in (0, 1, 2, 4)])
