"""Embedding and EmbeddingBag."""
from .harness import LayerCase, T


def _idx(*shape, n=6, values=None):
    return T(*shape, dtype="int64", low=0, high=n - 1, grad=False, values=values)


def _weight(nn):
    import importlib
    m = importlib.import_module(nn.__name__.split(".")[0])
    return m.tensor([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0], [4.0, 0.0, -3.0], [0.1, 0.2, 0.3]])


def _with_weight_after(mod, x):
    # the renormalised weight is part of the result
    out = mod(x)
    return out, mod.weight * 1


CASES = [
    LayerCase("emb", lambda nn: nn.Embedding(6, 3), [_idx(4)]),
    LayerCase("emb_2d", lambda nn: nn.Embedding(6, 4), [_idx(2, 5)]),
    LayerCase("emb_repeats", lambda nn: nn.Embedding(6, 2), [_idx(7, values=[1, 1, 2, 5, 1, 0, 2])]),
    LayerCase("emb_scalar_index", lambda nn: nn.Embedding(6, 3), [_idx(values=3)]),
    LayerCase("emb_double", lambda nn: nn.Embedding(6, 3), [_idx(2, 3)], double=True),
    LayerCase("emb_padding", lambda nn: nn.Embedding(6, 3, padding_idx=2),
              [_idx(8, values=[2, 0, 2, 1, 5, 2, 3, 0])]),
    LayerCase("emb_padding_neg", lambda nn: nn.Embedding(6, 3, padding_idx=-1),
              [_idx(2, 3, values=[[5, 0, 5], [1, 2, 5]])]),
    LayerCase("emb_scale_grad", lambda nn: nn.Embedding(6, 3, scale_grad_by_freq=True),
              [_idx(7, values=[1, 1, 2, 5, 1, 0, 2])]),
    LayerCase("emb_scale_grad_padding", lambda nn: nn.Embedding(6, 3, padding_idx=0,
                                                                scale_grad_by_freq=True),
              [_idx(2, 4, values=[[0, 1, 1, 3], [3, 0, 2, 1]])]),
    LayerCase("emb_max_norm", lambda nn: nn.Embedding(6, 3, max_norm=1.0),
              [_idx(5, values=[0, 2, 2, 4, 1])], call=_with_weight_after),
    LayerCase("emb_max_norm_p1", lambda nn: nn.Embedding(6, 3, max_norm=1.5, norm_type=1.0),
              [_idx(4, values=[3, 2, 5, 3])], call=_with_weight_after),
    LayerCase("emb_pretrained", lambda nn: nn.Embedding.from_pretrained(_weight(nn), freeze=False),
              [_idx(3, n=4)]),
    LayerCase("emb_pretrained_frozen", lambda nn: nn.Embedding.from_pretrained(_weight(nn)),
              [_idx(3, n=4)]),
    LayerCase("emb_int32", lambda nn: nn.Embedding(6, 3), [T(4, dtype="int32", low=0, high=5, grad=False)]),
    # EmbeddingBag
    LayerCase("bag_mean_2d", lambda nn: nn.EmbeddingBag(6, 3), [_idx(3, 4)]),
    LayerCase("bag_sum_2d", lambda nn: nn.EmbeddingBag(6, 3, mode="sum"), [_idx(2, 3)]),
    LayerCase("bag_max_2d", lambda nn: nn.EmbeddingBag(6, 3, mode="max"), [_idx(2, 3)]),
    LayerCase("bag_mean_offsets", lambda nn: nn.EmbeddingBag(6, 3),
              [_idx(7), _idx(3, values=[0, 2, 2])]),
    LayerCase("bag_sum_offsets", lambda nn: nn.EmbeddingBag(6, 2, mode="sum"),
              [_idx(6), _idx(3, values=[0, 1, 4])], double=True),
    LayerCase("bag_max_offsets", lambda nn: nn.EmbeddingBag(6, 3, mode="max"),
              [_idx(6, values=[0, 3, 3, 1, 5, 2]), _idx(3, values=[0, 3, 5])]),
    LayerCase("bag_last_offset", lambda nn: nn.EmbeddingBag(6, 3, mode="sum",
                                                            include_last_offset=True),
              [_idx(6), _idx(4, values=[0, 2, 2, 6])]),
    LayerCase("bag_last_offset_mean", lambda nn: nn.EmbeddingBag(6, 3, include_last_offset=True),
              [_idx(5), _idx(3, values=[0, 1, 5])]),
    LayerCase("bag_per_sample", lambda nn: nn.EmbeddingBag(6, 3, mode="sum"),
              [_idx(5), _idx(2, values=[0, 3]), T(5)], call=lambda m, x, o, w: m(x, o, w)),
    LayerCase("bag_per_sample_2d", lambda nn: nn.EmbeddingBag(6, 3, mode="sum"),
              [_idx(2, 3), T(2, 3)], call=lambda m, x, w: m(x, per_sample_weights=w), double=True),
    LayerCase("bag_padding_mean", lambda nn: nn.EmbeddingBag(6, 3, padding_idx=1),
              [_idx(7, values=[1, 2, 1, 1, 4, 0, 1]), _idx(3, values=[0, 3, 4])]),
    LayerCase("bag_padding_sum_2d", lambda nn: nn.EmbeddingBag(6, 3, mode="sum", padding_idx=0),
              [_idx(2, 3, values=[[0, 2, 3], [0, 0, 0]])]),
    LayerCase("bag_padding_max", lambda nn: nn.EmbeddingBag(6, 3, mode="max", padding_idx=4),
              [_idx(5, values=[4, 2, 1, 4, 4]), _idx(3, values=[0, 1, 3])]),
    # bag + scale_grad_by_freq is left out: torch 2.13's CPU EmbeddingBag backward
    # scales by the wrong counts (e.g. indices [1,1,2,3,1,3,5,5] give row 2 a third
    # of its gradient); rustorch scales like nn.Embedding does.
    LayerCase("bag_max_norm", lambda nn: nn.EmbeddingBag(6, 3, max_norm=1.0),
              [_idx(2, 3, values=[[0, 1, 2], [2, 4, 5]])], call=_with_weight_after),
    LayerCase("bag_pretrained", lambda nn: nn.EmbeddingBag.from_pretrained(_weight(nn), mode="sum",
                                                                           freeze=False),
              [_idx(2, 2, n=4)]),
]
