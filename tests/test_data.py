"""rustorch.data vs torch.utils.data: data sets, samplers, collation, DataLoader
options and len() (single process; workers are in test_data_workers.py)."""
import collections
import math
import warnings

import pytest

import rustorch as rt
from rustorch import data as rd
from rustorch._errors import InvalidArgument, InvalidType, RustorchError

torch = pytest.importorskip("torch")
td = torch.utils.data


def plain(x):
    """Tensors (of either framework) -> ('T', dtype name, shape, values); containers recursively."""
    if isinstance(x, (rt.Tensor, torch.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(plain(v) for v in x)
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(plain(v) for v in x)
    return x


def raises_like_torch(make_torch, make_rt):
    """Both raise; rustorch's error is a RustorchError and an instance of torch's type."""
    with pytest.raises(Exception) as t_exc:
        make_torch()
    with pytest.raises(Exception) as r_exc:
        make_rt()
    assert isinstance(r_exc.value, RustorchError), repr(r_exc.value)
    assert isinstance(r_exc.value, type(t_exc.value)), (r_exc.value, t_exc.value)
    return r_exc.value


class Squares(rd.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class TSquares(td.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i * i

    def __len__(self):
        return self.n


class Stream(rd.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TStream(td.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_package_exports_and_alias():
    import rustorch.utils.data as alias
    for name in rd.__all__:
        assert getattr(alias, name) is getattr(rd, name)
    for name in ("Dataset", "DataLoader", "default_collate", "random_split", "WeightedRandomSampler",
                 "get_worker_info", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset"):
        assert name in rd.__all__ and hasattr(td, name)


# ---------------------------------------------------------------- data sets
def test_tensor_dataset_matches_torch():
    x, y = rt.arange(12.0).reshape(4, 3), rt.tensor([1, 0, 1, 1])
    ds = rd.TensorDataset(x, y)
    tds = td.TensorDataset(torch.arange(12.0).reshape(4, 3), torch.tensor([1, 0, 1, 1]))
    assert len(ds) == len(tds) == 4
    for i in (0, 3, -1):
        assert plain(ds[i]) == plain(tds[i])
    with pytest.raises(AssertionError, match=r"\[4, 3\]"):
        rd.TensorDataset(x, rt.zeros(3))


def test_concat_dataset_matches_torch():
    ds = rd.ConcatDataset([Squares(3), Squares(0), Squares(4)])
    tds = td.ConcatDataset([TSquares(3), TSquares(0), TSquares(4)])
    assert len(ds) == len(tds) == 7 and ds.cumulative_sizes == tds.cumulative_sizes
    assert [ds[i] for i in range(-7, 7)] == [tds[i] for i in range(-7, 7)]
    assert isinstance(Squares(2) + Squares(3), rd.ConcatDataset)
    assert len(Squares(2) + Squares(3)) == 5
    raises_like_torch(lambda: tds[-8], lambda: ds[-8])
    with pytest.raises(IndexError, match="7"):
        ds[7]
    with pytest.raises(InvalidArgument):
        rd.ConcatDataset([])
    with pytest.raises(InvalidType, match="IterableDataset"):
        rd.ConcatDataset([Stream(2)])


def test_chain_subset_stack():
    chain = Stream(2) + Stream(3)
    assert isinstance(chain, rd.ChainDataset) and list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    with pytest.raises(InvalidType):
        list(rd.ChainDataset([Squares(2)]))
    sub = rd.Subset(Squares(10), [9, 2, 5])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [81, 4, 25]
    assert sub.__getitems__([2, 0]) == [25, 81]
    st = rd.StackDataset(Squares(3), Squares(3))
    assert st[2] == (4, 4) and len(st) == 3
    assert rd.StackDataset(a=Squares(2), b=Squares(2))[1] == {"a": 1, "b": 1}
    with pytest.raises(ValueError):
        rd.StackDataset(Squares(2), Squares(3))


def test_base_classes_raise_not_implemented():
    with pytest.raises(NotImplementedError):
        rd.Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(rd.IterableDataset())
    with pytest.raises(NotImplementedError):
        iter(rd.Sampler())


@pytest.mark.parametrize("lengths", [[3, 7], [0, 10], [0.3, 0.7], [0.33, 0.33, 0.34], [0.5, 0.5],
                                     [1 / 3] * 3, [0.1] * 10, [0.25, 0.25, 0.25, 0.25]])
@pytest.mark.parametrize("n", [10, 11, 7])
def test_random_split_sizes_match_torch(lengths, n):
    if sum(lengths) > 1.5 and sum(lengths) != n:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_parts = td.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        r_parts = rd.random_split(range(n), lengths, generator=rt.Generator().manual_seed(0))
    assert [len(p) for p in r_parts] == [len(p) for p in t_parts]
    got = sorted(i for p in r_parts for i in p)
    assert got == list(range(n))  # a partition
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = rd.random_split(range(n), lengths, generator=rt.Generator().manual_seed(0))
    assert [list(p) for p in again] == [list(p) for p in r_parts]


def test_random_split_errors_and_warning():
    raises_like_torch(lambda: td.random_split(range(10), [3, 4]), lambda: rd.random_split(range(10), [3, 4]))
    raises_like_torch(lambda: td.random_split(range(10), [0.5, 0.3]),
                      lambda: rd.random_split(range(10), [0.5, 0.3]))
    with pytest.warns(UserWarning, match="index 1 is 0"):
        rd.random_split(range(2), [1.0, 0.0])
    e = raises_like_torch(lambda: td.random_split(range(10), [1.5, -0.5]),
                          lambda: rd.random_split(range(10), [1.5, -0.5]))
    assert "index 0" in str(e)


def test_random_split_uses_global_rng():
    rt.manual_seed(3)
    a = [list(p) for p in rd.random_split(range(20), [5, 15])]
    rt.manual_seed(3)
    b = [list(p) for p in rd.random_split(range(20), [5, 15])]
    assert a == b and a[0] != list(range(5))


# ---------------------------------------------------------------- samplers
@pytest.mark.parametrize("bs,drop", [(1, False), (3, False), (3, True), (5, True), (10, False), (11, True)])
def test_sequential_and_batch_sampler_match_torch(bs, drop):
    data = list(range(10))
    assert list(rd.SequentialSampler(data)) == list(td.SequentialSampler(data))
    r = rd.BatchSampler(rd.SequentialSampler(data), bs, drop)
    t = td.BatchSampler(td.SequentialSampler(data), bs, drop)
    assert list(r) == list(t) and len(r) == len(t)


@pytest.mark.parametrize("args", [(0, False), (-1, False), (2.0, False), (True, False), (2, 1), (2, None)])
def test_batch_sampler_errors_match_torch(args):
    raises_like_torch(lambda: td.BatchSampler(range(4), *args), lambda: rd.BatchSampler(range(4), *args))


def test_random_sampler_is_a_permutation_and_reproducible():
    data = range(50)
    g = rt.Generator().manual_seed(1)
    first = list(rd.RandomSampler(data, generator=g))
    assert sorted(first) == list(range(50)) and first != list(range(50))
    assert list(rd.RandomSampler(data, generator=rt.Generator().manual_seed(1))) == first
    s = rd.RandomSampler(data, num_samples=120)
    out = list(s)
    assert len(s) == len(out) == 120
    assert sorted(out[:50]) == sorted(out[50:100]) == list(range(50))  # whole permutations first
    s = rd.RandomSampler(data, replacement=True, num_samples=70)
    out = list(s)
    assert len(out) == 70 and all(0 <= i < 50 for i in out) and len(set(out)) < 50


def test_random_sampler_follows_global_rng_state():
    """No generator: a fresh seed from the global RNG per epoch, so restoring the
    RNG state at an epoch boundary replays the next epoch (checkpoint resume)."""
    s = rd.RandomSampler(range(30))
    rt.manual_seed(7)
    e1 = list(s)
    state = rt.get_rng_state()
    e2 = list(s)
    assert e1 != e2
    rt.set_rng_state(state)
    assert list(s) == e2
    rt.manual_seed(7)
    assert list(s) == e1


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0), dict(num_samples=-3),
                                    dict(num_samples=2.5), dict(replacement="yes")])
def test_random_sampler_errors_match_torch(kwargs):
    raises_like_torch(lambda: td.RandomSampler(range(5), **kwargs), lambda: rd.RandomSampler(range(5), **kwargs))
    raises_like_torch(lambda: td.RandomSampler([]), lambda: rd.RandomSampler([]))


def test_subset_random_sampler():
    idx = [10, 20, 30, 40, 50]
    rt.manual_seed(0)
    a = list(rd.SubsetRandomSampler(idx))
    rt.manual_seed(0)
    b = list(rd.SubsetRandomSampler(idx))
    assert a == b and sorted(a) == idx and len(rd.SubsetRandomSampler(idx)) == 5
    c = list(rd.SubsetRandomSampler(idx, generator=rt.Generator().manual_seed(4)))
    assert c == list(rd.SubsetRandomSampler(idx, generator=rt.Generator().manual_seed(4)))


def test_weighted_random_sampler_statistics():
    weights = [1.0, 2.0, 3.0, 4.0, 0.0]
    n = 20000
    s = rd.WeightedRandomSampler(weights, n, generator=rt.Generator().manual_seed(0))
    draws = list(s)
    assert len(draws) == len(s) == n
    counts = collections.Counter(draws)
    assert counts[4] == 0
    chi2 = sum((counts[i] - n * w / 10) ** 2 / (n * w / 10) for i, w in enumerate(weights[:4]))
    assert chi2 < 16.3  # chi-square, 3 degrees of freedom, p = 0.001
    with warnings.catch_warnings():  # rt.multinomial takes log(0) for the zero weight
        warnings.simplefilter("ignore", RuntimeWarning)
        no_rep = list(rd.WeightedRandomSampler(weights, 4, replacement=False,
                                               generator=rt.Generator().manual_seed(1)))
    assert sorted(no_rep) == [0, 1, 2, 3]


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], -1), ([1.0, 2.0], 2.0), ([1.0, 2.0], True),
                                  ([[1.0, 2.0]], 2), ([1.0, 2.0], 2, 0)])
def test_weighted_random_sampler_errors_match_torch(args):
    raises_like_torch(lambda: td.WeightedRandomSampler(*args), lambda: rd.WeightedRandomSampler(*args))


# ---------------------------------------------------------------- collate
Point = collections.namedtuple("Point", "x y")


def both(sample_fn, n=3):
    """The same batch built twice: with rustorch leaves and with torch leaves."""
    return [sample_fn(rt, i) for i in range(n)], [sample_fn(torch, i) for i in range(n)]


COLLATE_CASES = {
    "tensors": lambda m, i: m.arange(6, dtype=m.float32).reshape(2, 3) + i,
    "int_tensors": lambda m, i: m.tensor([i, i + 1]),
    "floats": lambda m, i: 0.5 * i,
    "ints": lambda m, i: i,
    "bools": lambda m, i: i % 2 == 0,
    "strings": lambda m, i: f"s{i}",
    "bytes": lambda m, i: b"ab" * i,
    "tuple": lambda m, i: (m.ones(2) * i, i, "x"),
    "list": lambda m, i: [i, float(i), m.zeros(1)],
    "dict": lambda m, i: {"img": m.full((2, 2), float(i)), "label": i, "name": f"n{i}"},
    "nested": lambda m, i: {"a": [(i, {"b": m.tensor(i)})], "c": Point(i, [i, 1.5])},
    "namedtuple": lambda m, i: Point(m.tensor([i]), i * 1.0),
}


@pytest.mark.parametrize("case", sorted(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    r_batch, t_batch = both(COLLATE_CASES[case])
    r, t = rd.default_collate(r_batch), td.default_collate(t_batch)
    assert plain(r) == plain(t)
    assert type(r).__name__ == type(t).__name__


@pytest.mark.parametrize("case", sorted(COLLATE_CASES))
def test_default_convert_matches_torch(case):
    r_batch, t_batch = both(COLLATE_CASES[case])
    assert plain(rd.default_convert(r_batch)) == plain(td.default_convert(t_batch))


def test_collate_numpy_matches_torch():
    np = pytest.importorskip("numpy")
    cases = [
        [np.arange(6, dtype=np.int16).reshape(2, 3) + i for i in range(3)],
        [np.float32(i) for i in range(3)],
        [np.float64(i) / 3 for i in range(3)],
        [np.bool_(i % 2) for i in range(3)],
        [{"x": np.ones(2, dtype=np.float32) * i, "y": np.int64(i)} for i in range(2)],
    ]
    for batch in cases:
        assert plain(rd.default_collate(batch)) == plain(td.default_collate(batch))
        assert plain(rd.default_convert(batch)) == plain(td.default_convert(batch))
    strs = [np.array(["a", "b"]), np.array(["c", "d"])]
    raises_like_torch(lambda: td.default_collate(strs), lambda: rd.default_collate(strs))
    assert rd.default_convert(strs[0]) is strs[0]  # text arrays have no tensor form
    assert rd.default_collate([np.str_("a"), np.str_("b")]) == [np.str_("a"), np.str_("b")]


def test_default_collate_errors():
    e = raises_like_torch(lambda: td.default_collate([object(), object()]),
                          lambda: rd.default_collate([object(), object()]))
    assert "found <class 'object'>" in str(e)
    e = raises_like_torch(lambda: td.default_collate([torch.zeros(2), torch.zeros(3)]),
                          lambda: rd.default_collate([rt.zeros(2), rt.zeros(3)]))
    assert "[2] at entry 0 and [3] at entry 1" in str(e)
    e = raises_like_torch(lambda: td.default_collate([[1, 2], [1]]), lambda: rd.default_collate([[1, 2], [1]]))
    assert "[2, 1]" in str(e)
    with pytest.raises(IndexError):
        rd.default_collate([])


def test_collate_with_custom_map():
    def tag(batch, *, collate_fn_map=None):
        return ("tagged", len(batch))
    fn_map = dict(rd.default_collate_fn_map)
    fn_map[str] = tag
    assert rd.collate([("a", 1), ("b", 2)], collate_fn_map=fn_map)[0] == ("tagged", 2)


# ---------------------------------------------------------------- DataLoader (no workers)
def loaders(n=10, iterable=False, **kw):
    if iterable:
        return rd.DataLoader(Stream(n), **kw), td.DataLoader(TStream(n), **kw)
    return rd.DataLoader(Squares(n), **kw), td.DataLoader(TSquares(n), **kw)


@pytest.mark.parametrize("iterable", [False, True])
@pytest.mark.parametrize("kw", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None), dict(batch_size=10), dict(batch_size=4, drop_last=True),
                                dict(batch_size=2, collate_fn=lambda b: sum(b))])
def test_dataloader_batches_and_len_match_torch(kw, iterable):
    r, t = loaders(iterable=iterable, **kw)
    assert len(r) == len(t)
    assert plain(list(r)) == plain(list(t))


def test_dataloader_batch_sampler_and_sampler():
    bs = [[0, 1], [5, 6, 7], [9]]
    r, t = rd.DataLoader(Squares(10), batch_sampler=bs), td.DataLoader(TSquares(10), batch_sampler=bs)
    assert plain(list(r)) == plain(list(t)) and len(r) == len(t) == 3
    sampler = [3, 1, 2]
    r, t = rd.DataLoader(Squares(10), sampler=sampler), td.DataLoader(TSquares(10), sampler=sampler)
    assert plain(list(r)) == plain(list(t))


def test_dataloader_uses_getitems_when_present():
    class Batched(Squares):
        calls = 0

        def __getitems__(self, idx):
            Batched.calls += 1
            return [i * i for i in idx]

    out = list(rd.DataLoader(Batched(6), batch_size=4))
    assert Batched.calls == 2 and plain(out) == plain([torch.tensor([0, 1, 4, 9]), torch.tensor([16, 25])])


BAD_OPTIONS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
    dict(num_workers=1, prefetch_factor=-1),
    dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
    dict(batch_size=0), dict(batch_size=-2), dict(drop_last=1),
    dict(multiprocessing_context="spawn"), dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kw", BAD_OPTIONS, ids=[str(k) for k in BAD_OPTIONS])
def test_dataloader_bad_options_raise_like_torch(kw):
    e = raises_like_torch(lambda: td.DataLoader(TSquares(4), **kw), lambda: rd.DataLoader(Squares(4), **kw))
    assert str(e)


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0, 1]), dict(batch_sampler=[[0]])])
def test_dataloader_iterable_bad_options_raise_like_torch(kw):
    raises_like_torch(lambda: td.DataLoader(TStream(4), **kw), lambda: rd.DataLoader(Stream(4), **kw))


def test_prefetch_factor_zero_is_rejected():
    with pytest.raises(ValueError, match="prefetch_factor"):  # torch would load nothing
        rd.DataLoader(Squares(4), num_workers=1, prefetch_factor=0)


def test_dataloader_frozen_attributes_and_extensions():
    r = rd.DataLoader(Squares(4), batch_size=2)
    t = td.DataLoader(TSquares(4), batch_size=2)
    for name in ("batch_size", "sampler", "dataset", "drop_last"):
        raises_like_torch(lambda: setattr(t, name, 3), lambda: setattr(r, name, 3))
    with pytest.raises(InvalidArgument, match="worker_mode"):
        rd.DataLoader(Squares(4), worker_mode="fiber")
    with pytest.raises(InvalidArgument, match="worker_mode"):
        rd.DataLoader(Squares(4), num_workers=1, worker_mode="thread", multiprocessing_context="fork")
    assert rd.DataLoader(Squares(4), pin_memory=True).pin_memory  # accepted, no-op
    assert isinstance(rd.DataLoader(Squares(4), shuffle=True).sampler, rd.RandomSampler)


def test_dataloader_shuffle_reproducible_under_seeds():
    def epoch(loader):
        return [b.tolist() for b in loader]

    loader = rd.DataLoader(Squares(20), batch_size=4, shuffle=True)
    rt.manual_seed(11)
    a1, a2 = epoch(loader), epoch(loader)
    rt.manual_seed(11)
    assert epoch(loader) == a1
    state = rt.get_rng_state()
    assert epoch(loader) == a2
    rt.set_rng_state(state)
    assert epoch(loader) == a2  # resuming at an epoch boundary replays the epoch
    assert a1 != a2 and sorted(sum(a1, [])) == [i * i for i in range(20)]
    g = rt.Generator().manual_seed(5)
    b1 = epoch(rd.DataLoader(Squares(20), batch_size=4, shuffle=True, generator=g))
    g.manual_seed(5)
    assert epoch(rd.DataLoader(Squares(20), batch_size=4, shuffle=True, generator=g)) == b1


def test_pyodide_rejects_workers(monkeypatch):
    monkeypatch.setattr("sys.platform", "emscripten")
    with pytest.raises(NotImplementedError, match="num_workers=0"):
        rd.DataLoader(Squares(4), num_workers=2)
    assert len(list(rd.DataLoader(Squares(4), num_workers=0))) == 4


def test_get_worker_info_in_main_process():
    assert rd.get_worker_info() is None


def test_data_package_imports_without_numpy_at_module_level():
    import ast
    import pathlib
    root = pathlib.Path(rd.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only; lazy imports inside functions are fine
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("numpy", "torch") for n in names), (path, names)
                assert "backends" not in (getattr(node, "module", None) or ""), path


def test_len_of_iterable_loader_with_batch_size_matches_torch():
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (0, 2, False)]:
        r, t = loaders(n, iterable=True, batch_size=bs, drop_last=drop)
        assert len(r) == len(t) == (n // bs if drop else math.ceil(n / bs))
