"""rustorch.training.checkpoint: pickle-free, atomic checkpoints."""
import json
import math
import os
import random

import pytest
import torch

import rustorch as rt
from rustorch import nn
from rustorch.formats import safetensors as st
from rustorch.training import checkpoint as ckpt
from rustorch.training import load_checkpoint, save_checkpoint


def test_nested_structure_round_trip(tmp_path):
    shared = rt.randn(2, 3)
    obj = {
        "none": None, "flags": [True, False], "ints": [0, -7, 2 ** 53 + 1, -(2 ** 63), 2 ** 70],
        "floats": [0.1, -0.0, 1e308, float("inf"), float("-inf")],
        "text": "héllo ✓", "tuple": (1, (2, "x"), []), "empty": {},
        3: "int key", (1, 2): "tuple key", None: "none key", 2.5: "float key",
        "tensors": {"f": rt.randn(3, 4), "i": rt.arange(5), "b": rt.tensor([True, False]),
                    "h": rt.randn(2, dtype=rt.float16), "bf": rt.randn(2, dtype=rt.bfloat16),
                    "z": rt.tensor([1 + 2j], dtype=rt.complex64), "s": rt.tensor(4.5),
                    "e": rt.zeros(0, 3)},
        "a": shared, "b": [shared],
    }
    p = tmp_path / "c.ckpt"
    save_checkpoint(p, obj)
    out = load_checkpoint(p)
    assert list(out) == list(obj)
    for k in ("none", "flags", "ints", "text", "tuple", "empty", 3, (1, 2), None, 2.5):
        assert out[k] == obj[k] and type(out[k]) is type(obj[k])
    assert out["tuple"][1] == (2, "x") and isinstance(out["tuple"][1], tuple)
    assert out["floats"] == obj["floats"] and math.copysign(1, out["floats"][1]) == -1
    for k, t in obj["tensors"].items():
        r = out["tensors"][k]
        assert r.dtype is t.dtype and tuple(r.shape) == tuple(t.shape) and r.tolist() == t.tolist()
    assert out["a"] is out["b"][0]  # one tensor saved twice comes back as one


def test_nan_and_requires_grad(tmp_path):
    w = rt.randn(3, requires_grad=True)
    save_checkpoint(tmp_path / "c", {"nan": float("nan"), "w": w, "d": w.detach() * 2})
    out = load_checkpoint(tmp_path / "c")
    assert math.isnan(out["nan"])
    assert out["w"].requires_grad and out["w"].tolist() == w.tolist()
    assert not out["d"].requires_grad


def test_rng_states_round_trip(tmp_path):
    rt.manual_seed(123)
    rt.rand(5)
    random.seed(9)
    random.random()
    save_checkpoint(tmp_path / "rng", {"rt": rt.get_rng_state(), "py": random.getstate()})
    expect_rt, expect_py = rt.rand(4).tolist(), [random.random() for _ in range(3)]
    rt.manual_seed(0)
    random.seed(0)
    out = load_checkpoint(tmp_path / "rng")
    rt.set_rng_state(out["rt"])
    random.setstate(out["py"])
    assert rt.rand(4).tolist() == expect_rt
    assert [random.random() for _ in range(3)] == expect_py


def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_model_optimizer_scheduler_state_round_trip(tmp_path):
    rt.manual_seed(0)
    m = make_model()
    opt = rt.optim.AdamW(m.parameters(), lr=0.01, betas=(0.8, 0.95))
    sched = rt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    x = rt.randn(8, 3)
    for v in (1.0, 2.0, 3.0):
        m(x).sum().backward()
        opt.step()
        opt.zero_grad()
        sched.step(v)
    save_checkpoint(tmp_path / "s.ckpt", {"model": m.state_dict(), "opt": opt.state_dict(),
                                          "sched": sched.state_dict()})
    state = load_checkpoint(tmp_path / "s.ckpt")
    m2 = make_model()
    m2.load_state_dict(state["model"])
    opt2 = rt.optim.AdamW(m2.parameters(), lr=0.5)
    opt2.load_state_dict(state["opt"])
    sched2 = rt.optim.lr_scheduler.ReduceLROnPlateau(opt2)
    sched2.load_state_dict(state["sched"])
    assert opt2.param_groups[0]["betas"] == (0.8, 0.95)
    assert sched2.best == sched.best and sched2.num_bad_epochs == sched.num_bad_epochs
    m.eval(), m2.eval()
    assert m2(x).tolist() == m(x).tolist()
    for a, b in ((m, opt), (m2, opt2)):  # one more identical step
        a.train()
        a(x).sum().backward()
        b.step()
    assert [p.tolist() for p in m2.parameters()] == [p.tolist() for p in m.parameters()]


def test_file_is_plain_safetensors_without_pickle(tmp_path):
    p = tmp_path / "c.ckpt"
    save_checkpoint(p, {"w": rt.ones(2), "n": 3})
    data = p.read_bytes()
    assert b"pickle" not in data and b"\x80\x04" not in data[:2]
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ref = safetensors_torch.load(data)  # the reference reader accepts it
    assert torch.equal(ref["t0"], torch.ones(2))
    with st.safe_open(p) as f:
        meta = f.metadata()
    assert meta["format"] == "rustorch.checkpoint"
    assert json.loads(meta["structure"])["k"] == "dict"


def test_load_to_another_device(tmp_path):
    save_checkpoint(tmp_path / "c", {"w": rt.randn(2, 2)})
    out = load_checkpoint(tmp_path / "c", device="python")
    assert out["w"].device.type == "python"


def test_unsupported_objects_name_their_place(tmp_path):
    with pytest.raises(rt.InvalidType, match=r"set at checkpoint\['state'\]\[0\]"):
        save_checkpoint(tmp_path / "c", {"state": [{1, 2}]})
    with pytest.raises(rt.InvalidType, match="function"):
        save_checkpoint(tmp_path / "c", {"f": lambda: 0})
    assert os.listdir(tmp_path) == []  # nothing written, not even a temp file


# ---------------------------------------------------------------- atomicity
def test_fault_before_rename_keeps_previous_checkpoint(tmp_path, monkeypatch):
    p = tmp_path / "last.ckpt"
    save_checkpoint(p, {"epoch": 1, "w": rt.full((3,), 1.0)})
    before = p.read_bytes()

    def crash(tmp, target):
        assert os.path.exists(tmp) and os.path.getsize(tmp) > 0  # the new file was complete
        raise KeyboardInterrupt("power cut")
    monkeypatch.setattr(ckpt, "_before_replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(p, {"epoch": 2, "w": rt.full((3,), 2.0)})
    assert os.listdir(tmp_path) == ["last.ckpt"]  # no temp litter
    assert p.read_bytes() == before
    out = load_checkpoint(p)
    assert out["epoch"] == 1 and out["w"].tolist() == [1.0] * 3
    monkeypatch.undo()
    save_checkpoint(p, {"epoch": 2, "w": rt.full((3,), 2.0)})
    assert load_checkpoint(p)["epoch"] == 2 and os.listdir(tmp_path) == ["last.ckpt"]


def test_fault_while_writing_keeps_previous_checkpoint(tmp_path, monkeypatch):
    p = tmp_path / "c.ckpt"
    save_checkpoint(p, {"v": 1})

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(ckpt.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        save_checkpoint(p, {"v": 2})
    monkeypatch.undo()
    assert load_checkpoint(p) == {"v": 1} and os.listdir(tmp_path) == ["c.ckpt"]


def test_save_creates_directories(tmp_path):
    p = tmp_path / "a" / "b" / "c.ckpt"
    save_checkpoint(p, [1, 2])
    assert load_checkpoint(p) == [1, 2]


# ---------------------------------------------------------------- hostile files
def forged(tmp_path, structure, tensors=None, meta=None):
    p = tmp_path / "forged.ckpt"
    m = {"format": "rustorch.checkpoint", "version": "1",
         "structure": structure if isinstance(structure, str) else json.dumps(structure)}
    m.update(meta or {})
    st.save_file(tensors or {}, p, metadata=m)
    return p


@pytest.mark.parametrize("structure,message", [
    ({"k": "pickle", "v": "cos\nsystem\n"}, "unknown node kind 'pickle'"),
    ({"k": "tensor", "key": "t9"}, "does not hold"),
    ({"k": "int", "v": "12a"}, "malformed 'int'"),
    ({"k": "int", "v": "٣"}, "malformed 'int'"),
    ({"k": "int", "v": "9" * 5000}, "too long"),
    ({"k": "float", "v": "1e5"}, "malformed 'float'"),
    ({"k": "bool", "v": 1}, "malformed 'bool'"),
    ({"k": "list", "v": {"a": 1}}, "malformed 'list'"),
    ({"k": "dict", "v": [[{"k": "str", "v": "a"}]]}, "not a \\[key, value\\] pair"),
    ({"k": "dict", "v": [[{"k": "list", "v": []}, {"k": "none"}]]}, "not hashable"),
    ([1, 2], "not a tagged object"),
    ({"v": 3}, "not a tagged object"),
    ("{not json", "not valid JSON"),
    ('{"k": "float", "v": NaN}', "not valid JSON"),
    ("[" * 50000 + "]" * 50000, "nested too deeply"),
])
def test_forged_structures_raise_format_error(tmp_path, structure, message):
    with pytest.raises(rt.FormatError, match=message):
        load_checkpoint(forged(tmp_path, structure))


def test_deep_but_valid_json_is_refused(tmp_path):
    node = {"k": "none"}
    for _ in range(400):
        node = {"k": "list", "v": [node]}
    with pytest.raises(rt.FormatError, match="deeper"):
        load_checkpoint(forged(tmp_path, node))


def test_not_a_checkpoint(tmp_path):
    p = tmp_path / "weights.safetensors"
    st.save_file({"w": rt.zeros(2)}, p)
    with pytest.raises(rt.FormatError, match="not a rustorch checkpoint"):
        load_checkpoint(p)
    with pytest.raises(rt.FormatError, match="version"):
        load_checkpoint(forged(tmp_path, {"k": "none"}, meta={"version": "99"}))
    (tmp_path / "junk.ckpt").write_bytes(b"\x80\x04\x95pickle-data")
    with pytest.raises(rt.FormatError):
        load_checkpoint(tmp_path / "junk.ckpt")
    with pytest.raises(rt.DataNotFoundError, match="missing.ckpt"):
        load_checkpoint(tmp_path / "missing.ckpt")
