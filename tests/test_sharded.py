"""Sharded safetensors checkpoints (Hugging Face's index layout), checked with the
reference `safetensors` package and torch."""
import json
import os

import pytest
import torch

import rustorch as rt
from rustorch.formats import load_sharded, save_sharded

st_torch = pytest.importorskip("safetensors.torch")


def _state():
    rt.manual_seed(0)
    m = rt.nn.Sequential(rt.nn.Linear(64, 32), rt.nn.ReLU(), rt.nn.Linear(32, 16), rt.nn.LayerNorm(16))
    return m, m.state_dict()


def test_round_trip_splits_by_size_and_keeps_order(tmp_path):
    m, sd = _state()
    index = save_sharded(sd, tmp_path, max_shard_size=4096, metadata={"format": "pt"})
    doc = json.loads(open(index).read())
    shards = sorted(set(doc["weight_map"].values()))
    assert len(shards) == 2 and shards[0] == "model-00001-of-00002.safetensors"  # 8 KiB weight alone, then the rest
    assert doc["metadata"]["total_size"] == sum(t.numel() * 4 for t in sd.values())
    back = load_sharded(index)
    assert list(back) == list(sd)
    assert all(rt.equal(back[k], sd[k]) for k in sd)
    assert all(rt.equal(a, b) for a, b in zip(rt.load(index).values(), sd.values()))  # rt.load too
    assert list(rt.load(tmp_path)) == list(sd)                                        # or the folder
    m2 = rt.nn.Sequential(rt.nn.Linear(64, 32), rt.nn.ReLU(), rt.nn.Linear(32, 16), rt.nn.LayerNorm(16))
    m2.load_state_dict(back)
    x = rt.randn(3, 64)
    assert rt.equal(m(x), m2(x))


def test_shards_are_read_by_the_reference_library(tmp_path):
    _, sd = _state()
    index = save_sharded(sd, tmp_path, max_shard_size="3KB")
    wmap = json.loads(open(index).read())["weight_map"]
    got = {}
    for fname in set(wmap.values()):
        got.update(st_torch.load_file(os.path.join(tmp_path, fname)))
    assert set(got) == set(sd)
    for k, v in sd.items():
        assert torch.equal(got[k], torch.tensor(v.tolist()))


def test_reads_an_index_written_by_the_reference_library(tmp_path):
    g = torch.Generator().manual_seed(1)
    parts = [{"a.weight": torch.randn(4, 5, generator=g)},
             {"b.weight": torch.randn(3, generator=g).to(torch.bfloat16), "b.n": torch.tensor([7])}]
    wmap = {}
    for i, part in enumerate(parts, 1):
        fname = f"model-{i:05d}-of-00002.safetensors"
        st_torch.save_file(part, os.path.join(tmp_path, fname))
        wmap.update({k: fname for k in part})
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": wmap}))
    back = load_sharded(tmp_path)
    assert back["a.weight"].tolist() == parts[0]["a.weight"].tolist()
    assert back["b.weight"].dtype is rt.bfloat16 and back["b.n"].tolist() == [7]


def test_a_tensor_larger_than_the_limit_gets_its_own_shard(tmp_path):
    sd = {"small": rt.zeros(2), "big": rt.zeros(1000), "tail": rt.zeros(3)}
    index = save_sharded(sd, tmp_path, max_shard_size=100)
    wmap = json.loads(open(index).read())["weight_map"]
    assert len(set(wmap.values())) == 3


@pytest.mark.parametrize("edit,err,match", [
    (lambda d: d["weight_map"].update({"0.weight": "../evil.safetensors"}), rt.FormatError, "plain file name"),
    (lambda d: d["weight_map"].update({"ghost": d["weight_map"]["0.weight"]}), rt.FormatError, "does not hold"),
    (lambda d: d["weight_map"].pop("0.bias"), rt.FormatError, "does not list"),
    (lambda d: d.pop("weight_map"), rt.FormatError, "weight_map"),
    (lambda d: d["weight_map"].update({"0.weight": "missing.safetensors"}), rt.DataNotFoundError, "missing"),
])
def test_bad_indexes_are_clear_errors(tmp_path, edit, err, match):
    _, sd = _state()
    index = save_sharded(sd, tmp_path, max_shard_size=4096)
    doc = json.loads(open(index).read())
    edit(doc)
    open(index, "w").write(json.dumps(doc))
    with pytest.raises(err, match=match):
        load_sharded(index)


def test_bad_arguments(tmp_path):
    with pytest.raises(rt.InvalidArgument):
        save_sharded({"a": rt.zeros(1)}, tmp_path, max_shard_size="lots")
    with pytest.raises(rt.InvalidArgument):
        save_sharded({"a": rt.zeros(1)}, tmp_path, max_shard_size=0)
    with pytest.raises(rt.DataNotFoundError):
        load_sharded(tmp_path / "nothing-here")
    (tmp_path / "x.safetensors.index.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(rt.FormatError, match="JSON"):
        load_sharded(tmp_path / "x.safetensors.index.json")
