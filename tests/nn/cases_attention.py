"""Attention and transformer layers: F.scaled_dot_product_attention,
MultiheadAttention, Transformer{Encoder,Decoder}{,Layer}, Transformer.
Dropout is 0 so outputs are deterministic; masks are built inside the call from
fixed lists (so no row is masked by chance)."""
from .harness import LayerCase, T


def _lib(x):
    if type(x).__module__.startswith("torch"):
        import torch
        return torch
    import rustorch
    return rustorch


def _mask(x, rows, dtype="bool"):
    """A mask on ``x``'s library and device from nested lists."""
    m = _lib(x)
    return m.tensor(rows, dtype=getattr(m, dtype), device=x.device)


def _sdpa(**kw):
    def call(mod, q, k, v, *extra):
        F = _lib(q).nn.functional
        if extra:
            kw2 = dict(kw, attn_mask=extra[0])
        else:
            kw2 = kw
        return F.scaled_dot_product_attention(q, k, v, **kw2)
    return call


def _sdpa_boolmask(rows):
    def call(mod, q, k, v):
        return _lib(q).nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=_mask(q, rows))
    return call


_M35 = [[True, False, True, True, False], [False, False, False, False, False], [True, True, True, True, True]]
_KPM = [[False, False, True], [True, False, False]]          # (N=2, S=3), True = padding
_KPM4 = [[False, False, False, True], [False, True, False, False]]

CASES = [
    # -- scaled_dot_product_attention -----------------------------------------
    LayerCase("sdpa_basic", lambda nn: nn.Identity(), [T(2, 2, 3, 4), T(2, 2, 5, 4), T(2, 2, 5, 3)], call=_sdpa()),
    LayerCase("sdpa_3d", lambda nn: nn.Identity(), [T(2, 3, 4), T(2, 4, 4), T(2, 4, 2)], call=_sdpa()),
    LayerCase("sdpa_causal", lambda nn: nn.Identity(), [T(1, 2, 4, 4), T(1, 2, 4, 4), T(1, 2, 4, 4)],
              call=_sdpa(is_causal=True)),
    LayerCase("sdpa_causal_rect", lambda nn: nn.Identity(), [T(2, 3, 4), T(2, 5, 4), T(2, 5, 4)],
              call=_sdpa(is_causal=True)),
    LayerCase("sdpa_bool_mask_dead_row", lambda nn: nn.Identity(), [T(2, 1, 3, 4), T(2, 1, 5, 4), T(2, 1, 5, 2)],
              call=_sdpa_boolmask(_M35)),
    LayerCase("sdpa_float_mask", lambda nn: nn.Identity(),
              [T(2, 2, 3, 4), T(2, 2, 5, 4), T(2, 2, 5, 4), T(2, 1, 3, 5)], call=_sdpa()),
    LayerCase("sdpa_scale", lambda nn: nn.Identity(), [T(2, 3, 4), T(2, 3, 4), T(2, 3, 4)], call=_sdpa(scale=0.7)),
    LayerCase("sdpa_gqa", lambda nn: nn.Identity(), [T(1, 4, 3, 2), T(1, 2, 3, 2), T(1, 2, 3, 2)],
              call=_sdpa(enable_gqa=True)),
    LayerCase("sdpa_double", lambda nn: nn.Identity(), [T(2, 3, 4), T(2, 3, 4), T(2, 3, 4)],
              call=_sdpa(is_causal=True), double=True),

    # -- MultiheadAttention -----------------------------------------------------
    LayerCase("mha_self", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4)], call=lambda mod, x: mod(x, x, x)),
    LayerCase("mha_self_no_weights", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4)],
              call=lambda mod, x: mod(x, x, x, need_weights=False)),
    LayerCase("mha_per_head_weights", lambda nn: nn.MultiheadAttention(4, 2, bias=False), [T(3, 2, 4)],
              call=lambda mod, x: mod(x, x, x, average_attn_weights=False)),
    LayerCase("mha_batch_first_cross", lambda nn: nn.MultiheadAttention(4, 2, batch_first=True),
              [T(2, 3, 4), T(2, 5, 4)], call=lambda mod, q, kv: mod(q, kv, kv)),
    LayerCase("mha_qkv_distinct", lambda nn: nn.MultiheadAttention(4, 1), [T(3, 2, 4), T(4, 2, 4), T(4, 2, 4)]),
    LayerCase("mha_kdim_vdim", lambda nn: nn.MultiheadAttention(4, 2, kdim=3, vdim=5),
              [T(3, 2, 4), T(4, 2, 3), T(4, 2, 5)]),
    LayerCase("mha_kdim_vdim_no_weights", lambda nn: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True),
              [T(2, 3, 4), T(2, 4, 3), T(2, 4, 5)], call=lambda mod, q, k, v: mod(q, k, v, need_weights=False)),
    LayerCase("mha_bias_kv_zero_attn", lambda nn: nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True),
              [T(3, 2, 4)], call=lambda mod, x: mod(x, x, x, key_padding_mask=_mask(x, _KPM))),
    LayerCase("mha_bias_kv_mask_no_weights", lambda nn: nn.MultiheadAttention(4, 2, add_bias_kv=True),
              [T(3, 2, 4)], call=lambda mod, x: mod(x, x, x, need_weights=False,
                                                    attn_mask=_mask(x, [[False, True, True]] * 3))),
    LayerCase("mha_key_padding", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4)],
              call=lambda mod, x: mod(x, x, x, key_padding_mask=_mask(x, _KPM))),
    LayerCase("mha_key_padding_no_weights", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4)],
              call=lambda mod, x: mod(x, x, x, key_padding_mask=_mask(x, _KPM), need_weights=False)),
    LayerCase("mha_float_key_padding", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4), T(2, 3, grad=False)],
              call=lambda mod, x, kpm: mod(x, x, x, key_padding_mask=kpm)),
    LayerCase("mha_attn_mask_2d_bool", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 2, 4), T(4, 2, 4)],
              call=lambda mod, q, kv: mod(q, kv, kv, attn_mask=_mask(q, [[False, True, False, False],
                                                                         [False, False, True, True],
                                                                         [True, False, False, False]]))),
    LayerCase("mha_attn_mask_3d_float_and_kpm", lambda nn: nn.MultiheadAttention(4, 2),
              [T(4, 2, 4), T(4, 4, 4)],
              call=lambda mod, x, m: (mod(x, x, x, attn_mask=m, key_padding_mask=_mask(x, _KPM4)),
                                      mod(x, x, x, attn_mask=m, key_padding_mask=_mask(x, _KPM4),
                                          need_weights=False))),
    LayerCase("mha_causal_hint", lambda nn: nn.MultiheadAttention(4, 2), [T(4, 2, 4)],
              call=lambda mod, x: mod(x, x, x, need_weights=False, is_causal=True,
                                      attn_mask=_lib(x).nn.Transformer.generate_square_subsequent_mask(4))),
    LayerCase("mha_causal_with_weights", lambda nn: nn.MultiheadAttention(4, 2), [T(4, 2, 4)],
              call=lambda mod, x: mod(x, x, x, is_causal=True,
                                      attn_mask=_lib(x).nn.Transformer.generate_square_subsequent_mask(4))),
    LayerCase("mha_unbatched", lambda nn: nn.MultiheadAttention(4, 2), [T(3, 4), T(5, 4)],
              call=lambda mod, q, kv: (mod(q, kv, kv, key_padding_mask=_mask(q, [False, True, False, False, True])),
                                       mod(q, kv, kv, need_weights=False))),
    LayerCase("mha_double_eval", lambda nn: nn.MultiheadAttention(4, 4, dropout=0.5), [T(2, 2, 4)],
              call=lambda mod, x: mod(x, x, x), double=True, train=False),

    # -- transformer layers -------------------------------------------------------
    LayerCase("encoder_layer", lambda nn: nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), [T(3, 2, 4)]),
    LayerCase("encoder_layer_gelu_norm_first_bf",
              lambda nn: nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True,
                                                    batch_first=True),
              [T(2, 3, 4)], call=lambda mod, x: mod(x, src_key_padding_mask=_mask(x, _KPM))),
    LayerCase("encoder_layer_callable_nobias",
              lambda nn: nn.TransformerEncoderLayer(4, 1, 5, dropout=0.0, activation=nn.functional.tanh,
                                                    bias=False, layer_norm_eps=1e-3),
              [T(3, 2, 4)], call=lambda mod, x: mod(x, src_mask=_lib(x).nn.Transformer.generate_square_subsequent_mask(3),
                                                    is_causal=True)),
    LayerCase("encoder_layer_eval", lambda nn: nn.TransformerEncoderLayer(4, 2, 6), [T(3, 2, 4)], train=False,
              call=lambda mod, x: mod(x, src_key_padding_mask=_mask(x, _KPM))),
    LayerCase("encoder_layer_unbatched", lambda nn: nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), [T(3, 4)]),
    LayerCase("decoder_layer", lambda nn: nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0), [T(3, 2, 4), T(4, 2, 4)],
              call=lambda mod, t, m: mod(t, m, tgt_mask=_lib(t).nn.Transformer.generate_square_subsequent_mask(3),
                                         memory_key_padding_mask=_mask(t, _KPM4))),
    LayerCase("decoder_layer_norm_first_bf_gelu",
              lambda nn: nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True, batch_first=True,
                                                    activation="gelu"),
              [T(2, 3, 4), T(2, 4, 4)],
              call=lambda mod, t, m: mod(t, m, tgt_key_padding_mask=_mask(t, _KPM), tgt_is_causal=False)),
    LayerCase("encoder_stack_norm_causal",
              lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 2,
                                               norm=nn.LayerNorm(4)),
              [T(3, 2, 4)], call=lambda mod, x: mod(x, mask=_lib(x).nn.Transformer.generate_square_subsequent_mask(3))),
    LayerCase("encoder_stack_kpm_bf",
              lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True), 2),
              [T(2, 3, 4)], call=lambda mod, x: mod(x, src_key_padding_mask=_mask(x, _KPM))),
    LayerCase("decoder_stack",
              lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0), 2,
                                               norm=nn.LayerNorm(4)),
              [T(3, 2, 4), T(4, 2, 4)],
              call=lambda mod, t, m: mod(t, m, tgt_mask=_lib(t).nn.Transformer.generate_square_subsequent_mask(3))),
    LayerCase("transformer",
              lambda nn: nn.Transformer(4, 2, 1, 1, 6, dropout=0.0),
              [T(4, 2, 4), T(3, 2, 4)],
              call=lambda mod, s, t: mod(s, t, tgt_mask=mod.generate_square_subsequent_mask(3),
                                         src_key_padding_mask=_mask(s, _KPM4),
                                         memory_key_padding_mask=_mask(s, _KPM4))),
    LayerCase("transformer_bf_norm_first",
              lambda nn: nn.Transformer(4, 1, 2, 1, 5, dropout=0.0, batch_first=True, norm_first=True),
              [T(2, 3, 4), T(2, 2, 4)]),
]
