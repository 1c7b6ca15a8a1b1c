"""Every loss, functional and module form, against torch on every backend:
values, dtype, shape and the gradients of every floating input (inputs and,
where torch differentiates them, targets), over reductions, weights,
ignore_index, label smoothing, probability targets, N-d inputs, unbatched
inputs and float64. Plus torch's errors for the common mistakes."""
import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
from conformance.harness import Case, T, Spec, run_case, compare_records  # noqa: E402
from conftest import skip_unsupported_dtypes  # noqa: E402


@pytest.fixture(autouse=True)
def _keep_rng_state():
    """Leave rustorch's and torch's global generators as found, so that
    tests after this file see the same random stream with or without it."""
    rt_state, torch_state = rt.get_rng_state(), torch.get_rng_state()
    yield
    rt.set_rng_state(rt_state)
    torch.set_rng_state(torch_state)


class W:
    """A tensor-valued keyword argument (weight, pos_weight ...), built in the
    case's module and the first input's dtype."""

    def __init__(self, values, dtype=None):
        self.values, self.dtype = values, dtype


def _kw(m, kw, xs):
    out = {}
    ref = next((x for x in xs if isinstance(x, m.Tensor) and x.is_floating_point()), None)
    for k, v in kw.items():
        if isinstance(v, W):
            dtype = getattr(m, v.dtype) if v.dtype else (ref.dtype if ref is not None else m.float32)
            v = m.tensor(v.values, dtype=dtype)
        out[k] = v
    return out


def IDX(*shape, values=None, low=0, high=2):
    """An int64 index (class) target."""
    return Spec(shape, dtype="int64", low=low, high=high, values=values)


CASES = []


def loss(name, fname, cname, inputs, kw=None, pre=None, mkw=None, **case_kw):
    """One config as two cases: F.<fname>(*xs, **kw) and nn.<cname>(**kw)(*xs).
    ``pre(m, *xs)`` turns the inputs into call arguments (log_softmax, lengths)."""
    kw = kw or {}
    mkw = kw if mkw is None else mkw

    def prep(m, xs):
        return pre(m, *xs) if pre else xs

    def f(m, *xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args = prep(m, xs)
            return getattr(m.nn.functional, fname)(*args, **_kw(m, kw, xs))

    def mod(m, *xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args = prep(m, xs)
            return getattr(m.nn, cname)(**_kw(m, mkw, xs))(*args)

    CASES.append(Case(f"F.{fname}[{name}]", f, inputs, **case_kw))
    if cname:
        CASES.append(Case(f"nn.{cname}[{name}]", mod, inputs, **case_kw))


RED = ("mean", "sum", "none")

# ---------------------------------------------------------------- regression
for r in RED:
    loss(f"{r}", "mse_loss", "MSELoss", [T(4, 5), T(4, 5)], {"reduction": r})
    loss(f"{r}", "l1_loss", "L1Loss", [T(4, 5), T(4, 5)], {"reduction": r})
    loss(f"{r}", "smooth_l1_loss", "SmoothL1Loss", [T(4, 5), T(4, 5)], {"reduction": r})
    loss(f"{r}", "huber_loss", "HuberLoss", [T(4, 5), T(4, 5)], {"reduction": r})
loss("3d", "mse_loss", "MSELoss", [T(2, 3, 4), T(2, 3, 4)])
loss("scalar", "mse_loss", "MSELoss", [T(), T()])
loss("broadcast", "mse_loss", "MSELoss", [T(3, 4), T(4)])
loss("double", "mse_loss", "MSELoss", [T(3, 4, dtype="float64"), T(3, 4, dtype="float64")])
loss("legacy_size_average", "mse_loss", "MSELoss", [T(3, 4), T(3, 4)], {"size_average": False})
loss("legacy_reduce", "l1_loss", "L1Loss", [T(3, 4), T(3, 4)], {"reduce": False})
loss("beta0.5", "smooth_l1_loss", "SmoothL1Loss", [T(4, 5), T(4, 5)], {"beta": 0.5})
loss("beta0", "smooth_l1_loss", "SmoothL1Loss", [T(4, 5), T(4, 5)], {"beta": 0.0})
loss("beta3_double", "smooth_l1_loss", "SmoothL1Loss",
     [T(4, 5, dtype="float64"), T(4, 5, dtype="float64")], {"beta": 3.0})
loss("delta0.3", "huber_loss", "HuberLoss", [T(4, 5), T(4, 5)], {"delta": 0.3})
loss("delta2_none", "huber_loss", "HuberLoss", [T(2, 3, 2), T(2, 3, 2)],
     {"delta": 2.0, "reduction": "none"})

# ---------------------------------------------------------------- classification
LOGSM = lambda m, x, *rest: (x - x.logsumexp(1 if x.ndim > 1 else 0, keepdim=True), *rest)  # noqa: E731
for r in RED:
    loss(r, "cross_entropy", "CrossEntropyLoss", [T(5, 4), IDX(5, high=3)], {"reduction": r})
    loss(r, "nll_loss", "NLLLoss", [T(5, 4), IDX(5, high=3)], {"reduction": r}, pre=LOGSM)
    loss(f"weight_{r}", "cross_entropy", "CrossEntropyLoss", [T(5, 4), IDX(5, high=3)],
         {"reduction": r, "weight": W([0.2, 1.0, 2.5, 0.7])})
    loss(f"weight_{r}", "nll_loss", "NLLLoss", [T(5, 4), IDX(5, high=3)],
         {"reduction": r, "weight": W([0.2, 1.0, 2.5, 0.7])})
    loss(f"ignore_{r}", "cross_entropy", "CrossEntropyLoss",
         [T(6, 3), IDX(6, values=[0, 2, -100, 1, -100, 2])], {"reduction": r})
    loss(f"ignore1_weight_{r}", "nll_loss", "NLLLoss",
         [T(6, 3), IDX(6, values=[0, 2, 1, 1, 0, 2])],
         {"reduction": r, "ignore_index": 1, "weight": W([0.5, 2.0, 1.5])})
    loss(f"smooth_{r}", "cross_entropy", "CrossEntropyLoss", [T(5, 4), IDX(5, high=3)],
         {"reduction": r, "label_smoothing": 0.1})
    loss(f"smooth_weight_ignore_{r}", "cross_entropy", "CrossEntropyLoss",
         [T(6, 3), IDX(6, values=[0, 2, 1, -1, 1, 2])],
         {"reduction": r, "label_smoothing": 0.25, "ignore_index": -1,
          "weight": W([0.5, 2.0, 1.5])})
    loss(f"probs_{r}", "cross_entropy", "CrossEntropyLoss", [T(5, 4), T(5, 4, low=0, high=1)],
         {"reduction": r})
    loss(f"probs_weight_smooth_{r}", "cross_entropy", "CrossEntropyLoss",
         [T(5, 4), T(5, 4, low=0, high=1)],
         {"reduction": r, "weight": W([0.2, 1.0, 2.5, 0.7]), "label_smoothing": 0.2})
    loss(f"nd_{r}", "cross_entropy", "CrossEntropyLoss", [T(2, 3, 4, 2), IDX(2, 4, 2, high=2)],
         {"reduction": r})
    loss(f"nd_weight_ignore_{r}", "nll_loss", "NLLLoss",
         [T(2, 3, 4), IDX(2, 4, values=[[0, 1, 2, 0], [2, 2, 5, 1]])],
         {"reduction": r, "weight": W([1.0, 0.5, 3.0]), "ignore_index": 5})
    loss(f"nd_smooth_weight_{r}", "cross_entropy", "CrossEntropyLoss",
         [T(2, 3, 5), IDX(2, 5, values=[[0, 1, 2, 0, -100], [2, 2, 1, 1, 0]])],
         {"reduction": r, "weight": W([1.0, 0.5, 3.0]), "label_smoothing": 0.3})
    loss(f"nd_probs_{r}", "cross_entropy", "CrossEntropyLoss", [T(2, 3, 4), T(2, 3, 4, low=0, high=1)],
         {"reduction": r})
loss("unbatched", "cross_entropy", "CrossEntropyLoss", [T(5), IDX(values=3)])
loss("unbatched_smooth_none", "cross_entropy", "CrossEntropyLoss", [T(5), IDX(values=1)],
     {"label_smoothing": 0.1, "reduction": "none"})
loss("unbatched_probs", "cross_entropy", "CrossEntropyLoss", [T(5), T(5, low=0, high=1)])
loss("unbatched_weight", "nll_loss", "NLLLoss", [T(4), IDX(values=2)],
     {"weight": W([0.2, 1.0, 2.5, 0.7])})
loss("all_ignored", "cross_entropy", "CrossEntropyLoss", [T(2, 3), IDX(2, values=[-100, -100])])
loss("double", "cross_entropy", "CrossEntropyLoss", [T(5, 4, dtype="float64"), IDX(5, high=3)],
     {"weight": W([0.2, 1.0, 2.5, 0.7]), "label_smoothing": 0.05})
loss("double_probs", "cross_entropy", "CrossEntropyLoss",
     [T(5, 4, dtype="float64"), T(5, 4, dtype="float64", low=0, high=1)])
loss("legacy_reduce_false", "cross_entropy", "CrossEntropyLoss", [T(5, 4), IDX(5, high=3)],
     {"reduce": False})
loss("legacy_size_average_false", "nll_loss", "NLLLoss", [T(5, 4), IDX(5, high=3)],
     {"size_average": False})
loss("large_logits", "cross_entropy", "CrossEntropyLoss", [T(4, 6, low=-80, high=80), IDX(4, high=5)])

for r in RED:
    loss(r, "binary_cross_entropy", "BCELoss", [T(4, 3, low=0.02, high=0.98), T(4, 3, low=0, high=1)],
         {"reduction": r})
    loss(f"weight_{r}", "binary_cross_entropy", "BCELoss",
         [T(4, 3, low=0.02, high=0.98), T(4, 3, low=0, high=1)],
         {"reduction": r, "weight": W([0.5, 1.0, 2.0])})
    loss(r, "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
         [T(4, 3, low=-5, high=5), T(4, 3, low=0, high=1)], {"reduction": r})
    loss(f"posweight_{r}", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
         [T(4, 3, low=-5, high=5), T(4, 3, low=0, high=1)],
         {"reduction": r, "pos_weight": W([0.5, 1.0, 3.0]), "weight": W([[1.0], [2.0], [0.5], [1.5]])})
# torch's target gradient is -logit(input), unclamped (inf at 0 and 1); rustorch's
# is finite there, so this case checks values only
loss("log_clamp", "binary_cross_entropy", "BCELoss",
     [T(4, values=[0.0, 1.0, 0.5, 1e-30], grad=False), T(4, values=[1.0, 0.0, 0.3, 1.0], grad=False)],
     {"reduction": "none"})
loss("double", "binary_cross_entropy", "BCELoss",
     [T(3, 4, dtype="float64", low=0.01, high=0.99), T(3, 4, dtype="float64", low=0, high=1)])
loss("extreme", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     [T(6, values=[-200.0, -30.0, 0.0, 0.0, 30.0, 200.0]), T(6, values=[1.0, 0.0, 1.0, 0.3, 0.0, 0.0])],
     {"reduction": "none"})
loss("double_posweight", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     [T(2, 5, dtype="float64"), T(2, 5, dtype="float64", low=0, high=1)],
     {"pos_weight": W([1.0, 2.0, 3.0, 4.0, 0.5])})

# ---------------------------------------------------------------- distributions
for r in RED + ("batchmean",):
    loss(r, "kl_div", "KLDivLoss", [T(3, 4), T(3, 4, low=0, high=1)], {"reduction": r}, pre=LOGSM)
    loss(f"log_target_{r}", "kl_div", "KLDivLoss", [T(3, 4), T(3, 4)],
         {"reduction": r, "log_target": True}, pre=LOGSM)
loss("zero_target", "kl_div", "KLDivLoss", [T(4), T(4, values=[0.0, 0.5, 0.0, 0.5])],
     {"reduction": "sum"})
for r in RED:
    loss(r, "poisson_nll_loss", "PoissonNLLLoss", [T(3, 4), T(3, 4, low=0, high=4)], {"reduction": r})
loss("nolog_full", "poisson_nll_loss", "PoissonNLLLoss", [T(3, 4, low=0.1, high=3), T(3, 4, low=0, high=4)],
     {"log_input": False, "full": True})
loss("full_double", "poisson_nll_loss", "PoissonNLLLoss",
     [T(3, 4, dtype="float64"), T(3, 4, dtype="float64", low=0, high=4)], {"full": True, "reduction": "none"})
for r in RED:
    loss(r, "gaussian_nll_loss", "GaussianNLLLoss", [T(4, 3), T(4, 3), T(4, 3, low=0.1, high=2)],
         {"reduction": r})
loss("var_short", "gaussian_nll_loss", "GaussianNLLLoss", [T(4, 3), T(4, 3), T(4, low=0.1, high=2)])
loss("var_one", "gaussian_nll_loss", "GaussianNLLLoss", [T(4, 3), T(4, 3), T(4, 1, low=0.1, high=2)],
     {"full": True})
loss("var_bcast", "gaussian_nll_loss", "GaussianNLLLoss",
     [T(2, 3, 4), T(2, 3, 4), T(2, 1, 4, low=0.1, high=2)], {"reduction": "sum"})
loss("eps_clamp", "gaussian_nll_loss", "GaussianNLLLoss",
     [T(3), T(3), T(3, values=[1e-9, 0.5, 2.0])], {"eps": 1e-3, "reduction": "none"})
loss("double", "gaussian_nll_loss", "GaussianNLLLoss",
     [T(4, 3, dtype="float64"), T(4, 3, dtype="float64"), T(4, 3, dtype="float64", low=0.1, high=2)])

# ---------------------------------------------------------------- embeddings / margins
PM1 = lambda *shape, values=None: Spec(shape, dtype="float32", grad=False, values=values)  # noqa: E731
for r in RED:
    loss(r, "cosine_embedding_loss", "CosineEmbeddingLoss",
         [T(4, 5), T(4, 5), PM1(4, values=[1.0, -1.0, -1.0, 1.0])], {"reduction": r, "margin": 0.1})
    loss(r, "margin_ranking_loss", "MarginRankingLoss",
         [T(5), T(5), PM1(5, values=[1.0, -1.0, 1.0, -1.0, 1.0])], {"reduction": r, "margin": 0.3})
    loss(r, "hinge_embedding_loss", "HingeEmbeddingLoss",
         [T(2, 3), PM1(2, 3, values=[[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]])], {"reduction": r})
    loss(r, "soft_margin_loss", "SoftMarginLoss",
         [T(2, 3), PM1(2, 3, values=[[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]])], {"reduction": r})
    loss(r, "multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss",
         [T(3, 4), T(3, 4, values=[[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]])],
         {"reduction": r})
    loss(r, "triplet_margin_loss", "TripletMarginLoss", [T(4, 6), T(4, 6), T(4, 6)], {"reduction": r})
    loss(r, "multi_margin_loss", "MultiMarginLoss", [T(4, 5), IDX(4, high=4)], {"reduction": r})
    loss(r, "multilabel_margin_loss", "MultiLabelMarginLoss",
         [T(3, 4), IDX(3, 4, values=[[3, 0, -1, 1], [1, 2, 3, -1], [-1, 1, 2, 3]])], {"reduction": r})
loss("unbatched", "cosine_embedding_loss", "CosineEmbeddingLoss", [T(5), T(5), PM1(values=-1.0)],
     {"margin": -0.5})
loss("double", "cosine_embedding_loss", "CosineEmbeddingLoss",
     [T(3, 4, dtype="float64"), T(3, 4, dtype="float64"),
      Spec((3,), dtype="float64", grad=False, values=[1.0, -1.0, 1.0])])
loss("margin1_double", "hinge_embedding_loss", "HingeEmbeddingLoss",
     [T(4, dtype="float64"), Spec((4,), dtype="float64", grad=False, values=[1.0, -1.0, -1.0, 1.0])],
     {"margin": 0.5})
loss("weight", "multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss",
     [T(3, 4), T(3, 4, low=0, high=1)], {"weight": W([1.0, 2.0, 0.5, 1.5])})
loss("p1_swap", "triplet_margin_loss", "TripletMarginLoss", [T(4, 6), T(4, 6), T(4, 6)],
     {"p": 1, "swap": True, "margin": 2.0})
loss("p3_unbatched", "triplet_margin_loss", "TripletMarginLoss", [T(6), T(6), T(6)],
     {"p": 3, "margin": 0.5})
loss("double_swap", "triplet_margin_loss", "TripletMarginLoss",
     [T(3, 5, dtype="float64"), T(3, 5, dtype="float64"), T(3, 5, dtype="float64")], {"swap": True})
loss("p2_weight_margin", "multi_margin_loss", "MultiMarginLoss", [T(4, 5), IDX(4, high=4)],
     {"p": 2, "margin": 0.7, "weight": W([1.0, 0.5, 2.0, 1.5, 0.2])})
loss("unbatched", "multi_margin_loss", "MultiMarginLoss", [T(5), IDX(values=2)])
loss("unbatched", "multilabel_margin_loss", "MultiLabelMarginLoss", [T(4), IDX(4, values=[2, 1, -1, 0])])
loss("double", "multi_margin_loss", "MultiMarginLoss", [T(3, 4, dtype="float64"), IDX(3, high=3)],
     {"reduction": "sum"})


# ---------------------------------------------------------------- CTC
def ctc_pre(lengths, targets=None, as_tensor=False, logsm=True):
    il, tl = lengths

    def pre(m, x, tg):
        lp = x - x.logsumexp(-1, keepdim=True) if logsm else x
        if as_tensor:
            return lp, tg, m.tensor(il), m.tensor(tl)
        return lp, tg, il, tl
    return pre


CTC_T = [[1, 2, 2, 0], [3, 1, 0, 0], [2, 2, 2, 1]]     # padded (N=3, S=4)
for r in RED:
    loss(f"{r}", "ctc_loss", "CTCLoss", [T(12, 3, 5), IDX(3, 4, values=CTC_T)], {"reduction": r},
         pre=ctc_pre(([12, 10, 12], [3, 2, 4])), atol=1e-4)
    loss(f"zero_inf_{r}", "ctc_loss", "CTCLoss", [T(6, 3, 5), IDX(3, 4, values=CTC_T)],
         {"reduction": r, "zero_infinity": True}, pre=ctc_pre(([6, 3, 6], [3, 2, 4])), atol=1e-4)
loss("concat_tensor_lengths", "ctc_loss", "CTCLoss",
     [T(10, 3, 4), IDX(7, values=[1, 2, 3, 3, 1, 2, 2])], {},
     pre=ctc_pre(([10, 9, 7], [2, 3, 2]), as_tensor=True), atol=1e-4)
loss("blank3", "ctc_loss", "CTCLoss", [T(9, 2, 4), IDX(2, 3, values=[[0, 1, 1], [2, 0, 1]])],
     {"blank": 3, "reduction": "sum"}, pre=ctc_pre(([9, 8], [3, 3])), atol=1e-4)
loss("empty_target", "ctc_loss", "CTCLoss", [T(5, 2, 3), IDX(2, 2, values=[[1, 2], [0, 0]])],
     {"reduction": "none"}, pre=ctc_pre(([5, 4], [2, 0])), atol=1e-4)
loss("raw_log_probs", "ctc_loss", "CTCLoss", [T(7, 2, 4, low=-3, high=0), IDX(2, 3, values=[[1, 2, 3], [3, 3, 0]])],
     {"reduction": "sum"}, pre=ctc_pre(([7, 6], [3, 2]), logsm=False), atol=1e-4)
loss("double", "ctc_loss", "CTCLoss", [T(8, 2, 5, dtype="float64"), IDX(2, 3, values=[[4, 1, 1], [2, 3, 0]])],
     {}, pre=ctc_pre(([8, 7], [3, 2])))
loss("unbatched", "ctc_loss", "CTCLoss", [T(8, 5), IDX(3, values=[1, 2, 1])], {},
     pre=lambda m, x, tg: (x - x.logsumexp(-1, keepdim=True), tg, m.tensor(8), m.tensor(3)), atol=1e-4)


def _torch_record(case, cache={}):
    if case.name not in cache:
        cache[case.name] = run_case(case, torch)
    return cache[case.name]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_loss(case, device):
    skip_unsupported_dtypes(case, device)
    want = _torch_record(case)
    got = run_case(case, rt, device=device)
    compare_records(got, want, case)


def test_every_loss_is_covered():
    import rustorch.nn.modules.loss as L
    covered = {c.name.split("[")[0].split(".", 1)[1] for c in CASES}
    missing = [n for n in L.__all__ if n not in covered and n not in ("NLLLoss2d", "TripletMarginWithDistanceLoss")]
    assert not missing, missing
    assert len(CASES) >= 250, len(CASES)


# ---------------------------------------------------------------- module state
def test_weight_buffers_in_state_dict():
    for m in (torch, rt):
        w = m.tensor([1.0, 2.0])
        assert list(m.nn.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
        assert list(m.nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
        assert list(m.nn.MSELoss().state_dict()) == []
    assert rt.nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(size_average=False).reduction
    assert rt.nn.L1Loss(reduce=False).reduction == "none"


def test_weight_moves_with_module(device):
    crit = rt.nn.NLLLoss(weight=rt.tensor([1.0, 2.0, 3.0])).to(device)
    x = rt.randn(4, 3, device=device)
    y = rt.tensor([0, 1, 2, 1], device=device)
    assert crit.weight.device == x.device
    assert crit(x, y).device == x.device


# ---------------------------------------------------------------- errors
def _x(m):
    m.manual_seed(0)
    return m.randn(3, 5)


ERRORS = {
    "ce_target_oob": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, 5, 1])),
    "ce_target_neg": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, -1, 1])),
    "ce_batch": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, 1])),
    "nll_batch": lambda m, F: F.nll_loss(_x(m), m.tensor([0, 1])),
    "nll_0d": lambda m, F: F.nll_loss(m.tensor(1.0), m.tensor(0)),
    "nll_nd_mismatch": lambda m, F: F.nll_loss(m.zeros(2, 3, 4), m.zeros(2, 5, dtype=m.int64)),
    "nll_float_target": lambda m, F: F.nll_loss(_x(m), m.zeros(3)),
    "ce_float_target_shape": lambda m, F: F.cross_entropy(_x(m), m.zeros(3)),
    "ce_probs_int": lambda m, F: F.cross_entropy(_x(m), m.zeros(3, 5, dtype=m.int64)),
    "ce_probs_ignore": lambda m, F: F.cross_entropy(_x(m), m.zeros(3, 5), ignore_index=1),
    "ce_weight_size": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, 1, 1]), weight=m.ones(4)),
    "ce_smoothing": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, 1, 1]), label_smoothing=1.5),
    "ce_reduction": lambda m, F: F.cross_entropy(_x(m), m.tensor([0, 1, 1]), reduction="avg"),
    "mse_reduction": lambda m, F: F.mse_loss(_x(m), _x(m), reduction="avg"),
    "mse_shape": lambda m, F: F.mse_loss(_x(m), m.zeros(4, 5)),
    "bce_range": lambda m, F: F.binary_cross_entropy(_x(m), m.zeros(3, 5)),
    "bce_shape": lambda m, F: F.binary_cross_entropy(m.zeros(3, 5), m.zeros(3, 1)),
    "bcel_shape": lambda m, F: F.binary_cross_entropy_with_logits(_x(m), m.zeros(3, 1)),
    "smoothl1_beta": lambda m, F: F.smooth_l1_loss(_x(m), _x(m), beta=-1),
    "huber_delta": lambda m, F: F.huber_loss(_x(m), _x(m), delta=-1),
    "kl_reduction": lambda m, F: F.kl_div(_x(m), _x(m), reduction="x"),
    "gauss_var_size": lambda m, F: F.gaussian_nll_loss(_x(m), _x(m), m.ones(3, 4)),
    "gauss_var_neg": lambda m, F: F.gaussian_nll_loss(_x(m), _x(m), -m.ones(3, 5)),
    "cos_scalar_target": lambda m, F: F.cosine_embedding_loss(_x(m), _x(m), m.tensor(1.0)),
    "cos_dims": lambda m, F: F.cosine_embedding_loss(_x(m), _x(m)[0], m.ones(3)),
    "margin_rank_dims": lambda m, F: F.margin_ranking_loss(_x(m), _x(m), m.ones(3)),
    "triplet_dims": lambda m, F: F.triplet_margin_loss(_x(m), _x(m), _x(m)[0]),
    "multi_margin_oob": lambda m, F: F.multi_margin_loss(_x(m), m.tensor([0, 5, 1])),
    "multi_margin_p": lambda m, F: F.multi_margin_loss(_x(m), m.tensor([0, 1, 1]), p=3),
    "multilabel_margin_shape": lambda m, F: F.multilabel_margin_loss(_x(m), m.tensor([0, 4, 1])),
    "ctc_input_lengths": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([[1, 2], [1, 2]]), [11, 10], [2, 2]),
    "ctc_target_lengths": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([[1, 2], [1, 2]]), [10, 10], [3, 2]),
    "ctc_negative_length": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([[1, 2], [1, 2]]), [10, 10], [-1, 2]),
    "ctc_concat_size": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([1, 2, 1]), [10, 10], [2, 2]),
    "ctc_blank": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([[1, 2], [1, 2]]), [10, 10], [2, 2], blank=4),
    "ctc_batch_lengths": lambda m, F: F.ctc_loss(m.zeros(10, 2, 4), m.tensor([[1, 2], [1, 2]]), [10], [2, 2]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_matches_torch(name):
    fn = ERRORS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as want:
            fn(torch, torch.nn.functional)
        with pytest.raises(Exception) as got:
            fn(rt, rt.nn.functional)
    assert isinstance(got.value, rt.RustorchError), repr(got.value)
    assert isinstance(got.value, type(want.value)), (repr(got.value), repr(want.value))
    if "size of tensor" not in str(want.value):
        assert str(got.value) == str(want.value)


def test_mismatched_size_warns():
    with pytest.warns(UserWarning, match="different to the input size"):
        rt.nn.functional.mse_loss(rt.zeros(3, 1), rt.zeros(3))
