"""Run ONNX's backend node test cases through rustorch.onnx and classify the results.

A case is the serialized ModelProto (``case.model.SerializeToString()``), loaded
with ``rustorch.onnx.load`` on a device, called with the case's inputs, and
compared with its expected outputs the way ONNX's own runner does: same count,
exact shapes, same dtype, ``assert_allclose(rtol, atol)`` with NaNs in the same
places.  Used by test_node_cases.py and report.py.
"""
import collections
import dataclasses
import traceback
import warnings

import numpy as np

import rustorch as rt
from rustorch._errors import UnsupportedError

_CASES = []

# Failure kinds, most specific first.
UNSUPPORTED_OP = "unsupported op"
UNSUPPORTED_DTYPE = "unsupported dtype"
WRONG_VALUE = "wrong value"
WRONG_DTYPE = "wrong dtype"
WRONG_SHAPE = "wrong shape"
WRONG_COUNT = "wrong output count"


def cases():
    """All node test cases of the installed onnx package (collected once: ~10 s)."""
    if not _CASES:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            from onnx.backend.test.case.node import collect_testcases
            _CASES.extend(sorted(collect_testcases(), key=lambda c: c.name))
    return _CASES


def case_by_name(name):
    for c in cases():
        if c.name == name:
            return c
    raise KeyError(name)


def op_types(graph, acc=None):
    """Every (domain-qualified) op type in ``graph`` and its subgraphs."""
    acc = set() if acc is None else acc
    for node in graph.node:
        acc.add(f"{node.domain}::{node.op_type}" if node.domain not in ("", "ai.onnx") else node.op_type)
        for a in node.attribute:
            if a.HasField("g"):
                op_types(a.g, acc)
            for g in a.graphs:
                op_types(g, acc)
    return acc


def _node_op(n):
    return n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}::{n.op_type}"


_SINGLE_OP = {}


def case_op(case):
    """The operator a case is about: its node's op type; for a function-expanded case
    (``*_expanded``) the op of the case it expands."""
    if not _SINGLE_OP:
        _SINGLE_OP.update({c.name: _node_op(c.model.graph.node[0]) for c in cases()
                           if len(c.model.graph.node) == 1})
    nodes = case.model.graph.node
    if len(nodes) == 1:
        return _node_op(nodes[0])
    if "_expanded" in case.name:
        base = case.name.replace("_expanded", "", 1)
        if base in _SINGLE_OP:
            return _SINGLE_OP[base]
    ops = collections.Counter(_node_op(n) for n in nodes if n.op_type != "Constant")
    return ops.most_common(1)[0][0] if ops else "Constant"


@dataclasses.dataclass
class Result:
    name: str
    op: str
    passed: bool
    kind: str = ""          # a failure kind above, or "error: <ExceptionType>"
    detail: str = ""


class _NoDtype(Exception):
    """Test data of a dtype rustorch does not have (uint16, float8, strings ...)."""


_BF16 = "bfloat16"


def _to_numpy(v):
    import onnx
    if isinstance(v, onnx.TensorProto):
        from onnx import numpy_helper
        return numpy_helper.to_array(v)
    if isinstance(v, np.generic):
        return np.asarray(v)
    return v


def to_rt(v, device):
    """A case value (array, scalar, TensorProto, list, None) as rustorch values on ``device``."""
    v = _to_numpy(v)
    if v is None:
        return None
    if isinstance(v, list):
        return [to_rt(e, device) for e in v]
    if v.dtype.name == _BF16:
        return rt.from_numpy(v.astype(np.float32)).to(dtype=rt.bfloat16).to(device)
    if v.dtype.kind in "OUS" or v.dtype.name not in _RT_OF:
        raise _NoDtype(f"input of numpy dtype {v.dtype} has no rustorch dtype")
    return rt.from_numpy(np.array(v, order="C", copy=True)).to(device)


_RT_OF = {"float32": "float32", "float64": "float64", "float16": "float16", "int8": "int8",
          "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8", "bool": "bool",
          "complex64": "complex64", "complex128": "complex128", "bfloat16": "bfloat16",
          "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
          "float8_e4m3fn": "float8_e4m3fn", "float8_e5m2": "float8_e5m2",
          "float8_e4m3fnuz": "float8_e4m3fnuz", "float8_e5m2fnuz": "float8_e5m2fnuz"}


def _compare(i, got, want, rtol, atol):
    """None when ``got`` matches ``want``, else (kind, message)."""
    want = _to_numpy(want)
    if isinstance(want, list) or isinstance(got, list):
        if not (isinstance(want, list) and isinstance(got, list)):
            return WRONG_VALUE, f"output {i}: got {type(got).__name__}, expected {type(want).__name__}"
        if len(got) != len(want):
            return WRONG_SHAPE, f"output {i}: sequence of {len(got)} tensors, expected {len(want)}"
        for j, (g, w) in enumerate(zip(got, want)):
            bad = _compare(f"{i}[{j}]", g, w, rtol, atol)
            if bad:
                return bad
        return None
    if want is None or got is None:
        if want is None and got is None:
            return None
        return WRONG_VALUE, f"output {i}: got {'an empty optional' if got is None else 'a value'}"
    if not isinstance(got, rt.Tensor):
        return WRONG_VALUE, f"output {i}: got {type(got).__name__}, expected a Tensor"
    if want.dtype.kind in "OUS":
        return UNSUPPORTED_DTYPE, f"output {i}: expected strings"
    want_dtype = _RT_OF.get(want.dtype.name)
    got_dtype = str(got.dtype).replace("rustorch.", "")
    if want_dtype != got_dtype:
        return WRONG_DTYPE, f"output {i}: dtype {got_dtype}, expected {want.dtype.name}"
    if list(got.shape) != list(want.shape):
        return WRONG_SHAPE, f"output {i}: shape {list(got.shape)}, expected {list(want.shape)}"
    t = got.detach().to("cpu")
    if got_dtype == _BF16:
        t = t.float()
        want = want.astype(np.float32)
        rtol = max(rtol, 2 ** -6)
    arr = np.asarray(t.numpy())
    try:
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(arr, want, rtol=rtol, atol=atol)
    except AssertionError as e:
        msg = " ".join(str(e).split())
        return WRONG_VALUE, f"output {i}: {msg[:300]}"
    return None


def run_case(case, device="cpu"):
    """Load and run one case on ``device``; a :class:`Result` (never raises)."""
    name, op = case.name, case_op(case)
    try:
        model = rt.onnx.load(case.model.SerializeToString(), device=device)
    except UnsupportedError as e:
        kind = UNSUPPORTED_OP if "operator" in str(e) else UNSUPPORTED_DTYPE
        return Result(name, op, False, kind, _short(e))
    except Exception as e:                       # noqa: BLE001 - classified, not hidden
        return Result(name, op, False, f"error: {type(e).__name__}", _where(e))
    for inputs, expected in case.data_sets:
        try:
            feeds = [to_rt(v, device) for v in inputs]
        except _NoDtype as e:
            return Result(name, op, False, UNSUPPORTED_DTYPE, str(e))
        try:
            with rt.no_grad():
                outs = model(*feeds)
        except UnsupportedError as e:
            return Result(name, op, False, UNSUPPORTED_DTYPE if "dtype" in str(e) else UNSUPPORTED_OP,
                          _short(e))
        except Exception as e:                   # noqa: BLE001
            return Result(name, op, False, f"error: {type(e).__name__}", _where(e))
        if len(model.output_names) == 1:
            outs = (outs,)
        if len(outs) != len(expected):
            return Result(name, op, False, WRONG_COUNT, f"{len(outs)} outputs, expected {len(expected)}")
        for i, (got, want) in enumerate(zip(outs, expected)):
            try:
                bad = _compare(i, got, want, case.rtol, case.atol)
            except Exception as e:               # noqa: BLE001 - e.g. a dtype .numpy() lacks
                bad = (f"error: {type(e).__name__}", _where(e))
            if bad:
                return Result(name, op, False, bad[0], bad[1])
    return Result(name, op, True)


def _short(e):
    return " ".join(str(e).split())[:300]


def _where(e):
    """The message plus the innermost rustorch frame, so a report points at the code."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if "rustorch" in f.filename]
    at = f" [at {frames[-1].filename.split('rustorch/', 1)[-1]}:{frames[-1].lineno}]" if frames else ""
    return _short(e) + at


def run_cases(selected, device="cpu"):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return [run_case(c, device) for c in selected]


def summarize(results):
    """(passed, total, {op: [failed Results]}, Counter of failure kinds)."""
    failed = collections.defaultdict(list)
    for r in results:
        if not r.passed:
            failed[r.op].append(r)
    kinds = collections.Counter(r.kind for r in results if not r.passed)
    return sum(r.passed for r in results), len(results), dict(failed), kinds


def sample(selected, every):
    """A deterministic sample: every ``every``-th case in name order."""
    return selected[::every]
