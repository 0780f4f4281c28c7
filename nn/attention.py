"""Attention: ``scaled_dot_product_attention`` and ``MultiheadAttention``, PyTorch's names,
arguments and parameter names (``in_proj_weight``, ``in_proj_bias``, ``out_proj``; or
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ), so a
PyTorch state_dict loads.

``softmax(Q K^T * scale + mask) V``, composed of ``matmul``, ``where``, ``softmax`` and
``dropout``.  The two APIs read a boolean mask the opposite ways, as PyTorch does:
``scaled_dot_product_attention`` keeps the positions where ``attn_mask`` is True, while
``MultiheadAttention`` masks out the positions where ``attn_mask`` or ``key_padding_mask`` is
True.  A float mask is added to the scores in both.  A query whose keys are all masked gets NaN
(a softmax of nothing), as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool, check_int, check_real
from autograd_engine.operands import as_operand, shape_of
from autograd_engine.operands import value as data_of  # `value` is an argument name here (PyTorch's)

from . import init
from .dropout import dropout
from .linear import Linear
from .module import Module, Parameter


def _additive(mask: Any, dtype: np.dtype, keep_where_true: bool, op: str) -> Any:
    """A mask as something to add to the scores: a bool mask becomes 0 / -inf, a float mask stays
    (a Tensor that requires grad keeps its gradient)."""
    data = np.asarray(data_of(mask))
    if data.dtype == bool:
        masked = ~data if keep_where_true else data
        return np.where(masked, -np.inf, 0.0).astype(dtype)
    if data.dtype.kind != "f":
        raise TypeError(f"{op}: a mask must be boolean or floating, got dtype {data.dtype}")
    return as_operand(mask, op, "attn_mask")


def _causal_mask(length: int, source: int) -> np.ndarray:
    """True where query i may attend to key j (j <= i): the lower triangle."""
    return np.tril(np.ones((length, source), dtype=bool))


def scaled_dot_product_attention(
    query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0, is_causal: bool = False,
    scale: float | None = None,
) -> Any:
    """``softmax(Q K^T * scale + mask) V`` over the last two axes (leading axes broadcast).

    ``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev) -> (..., L, Ev).  ``scale``
    defaults to ``1 / sqrt(E)``.  ``attn_mask`` broadcasts to (..., L, S): boolean True where a
    query *may* attend, or floats added to the scores.  ``is_causal`` lets query i see keys
    0..i only (and then ``attn_mask`` must be None).  ``dropout_p`` drops attention weights
    (always, as PyTorch's function: pass 0 in evaluation)."""
    op = "scaled_dot_product_attention"
    q, k, v = (as_operand(t, op, name) for t, name in ((query, "query"), (key, "key"), (value, "value")))
    q_shape, k_shape, v_shape = shape_of(q), shape_of(k), shape_of(v)
    if min(len(q_shape), len(k_shape), len(v_shape)) < 2 or q_shape[-1] != k_shape[-1] or k_shape[-2] != v_shape[-2]:
        raise ae.ShapeError(
            f"{op}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got {q_shape}, {k_shape} "
            f"and {v_shape}"
        )
    dropout_p = check_real(dropout_p, "dropout_p", op, low=0.0, high=1.0)
    is_causal = check_bool(is_causal, "is_causal", op)
    scale = 1.0 / math.sqrt(q_shape[-1]) if scale is None else check_real(scale, "scale", op)
    scores = ae.matmul(q, ae.swapaxes(k, -1, -2)) * scale
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give attn_mask or is_causal=True, not both")
        attn_mask = _causal_mask(q_shape[-2], k_shape[-2])
    if attn_mask is not None:
        scores = scores + _additive(attn_mask, _dtype(scores), True, op)
    weights = ae.softmax(scores, axis=-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return ae.matmul(weights, v)


def _dtype(x: Any) -> np.dtype:
    return np.asarray(data_of(x)).dtype


class MultiheadAttention(Module):
    """Multi-head attention, as PyTorch's ``nn.MultiheadAttention``: ``num_heads`` heads of size
    ``embed_dim / num_heads`` over projected queries, keys and values, concatenated and projected
    by ``out_proj``.

    Inputs are (L, N, E) -- or (N, L, E) with ``batch_first=True``, or unbatched (L, E).
    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``: the weights
    (N, L, S) averaged over heads, (N, num_heads, L, S) per head, or None without
    ``need_weights``.  ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N*num_heads, L, S)
    mask out where True (bool) or are added (float).  ``is_causal=True`` without an ``attn_mask``
    applies the causal mask.  ``add_bias_kv`` and ``add_zero_attn`` are not supported.
    """

    def __init__(
        self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True, add_bias_kv: bool = False,
        add_zero_attn: bool = False, kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "MultiheadAttention"
        self.embed_dim = check_int(embed_dim, "embed_dim", owner, low=1)
        self.num_heads = check_int(num_heads, "num_heads", owner, low=1)
        if self.embed_dim % self.num_heads:
            raise ValueError(f"{owner}: embed_dim={embed_dim} must be divisible by num_heads={num_heads}")
        if check_bool(add_bias_kv, "add_bias_kv", owner) or check_bool(add_zero_attn, "add_zero_attn", owner):
            raise NotImplementedError(f"{owner}: add_bias_kv and add_zero_attn are not supported; leave them False")
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0)
        self.batch_first = check_bool(batch_first, "batch_first", owner)
        self.kdim = self.embed_dim if kdim is None else check_int(kdim, "kdim", owner, low=1)
        self.vdim = self.embed_dim if vdim is None else check_int(vdim, "vdim", owner, low=1)
        self.head_dim = self.embed_dim // self.num_heads
        dtype = np.dtype(dtype or get_default_dtype())
        e = self.embed_dim
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dtype))
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dtype))
        if check_bool(bias, "bias", owner):
            self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: Xavier-uniform projections, zero biases (``out_proj``'s weight
        keeps the Linear default)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self) -> tuple[Any, Any, Any]:
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            return w[:e], w[e:2 * e], w[2 * e:]
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def _heads(self, x: Any, batch: int, length: int) -> Any:
        """(N, T, E) -> (N, heads, T, head_dim)."""
        return ae.transpose(ae.reshape(x, (batch, length, self.num_heads, self.head_dim)), (0, 2, 1, 3))

    def forward(
        self, query: Any, key: Any, value: Any, key_padding_mask: Any = None, need_weights: bool = True,
        attn_mask: Any = None, average_attn_weights: bool = True, is_causal: bool = False,
    ) -> tuple[Any, Any]:
        owner = "MultiheadAttention"
        q, k, v = (as_operand(t, owner, name) for t, name in ((query, "query"), (key, "key"), (value, "value")))
        batched = len(shape_of(q)) == 3
        if len(shape_of(q)) not in (2, 3) or {len(shape_of(k)), len(shape_of(v))} != {len(shape_of(q))}:
            raise ae.ShapeError(
                f"{owner}: query, key and value must all be (L, N, E){' (batch_first: (N, L, E))' if self.batch_first else ''} "
                f"or all unbatched (L, E), got {shape_of(q)}, {shape_of(k)} and {shape_of(v)}"
            )
        if not batched:
            q, k, v = (ae.expand_dims(t, 0) for t in (q, k, v))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(data_of(key_padding_mask))[None]
        elif not self.batch_first:
            q, k, v = (ae.swapaxes(t, 0, 1) for t in (q, k, v))
        (n, length, e), source = shape_of(q), shape_of(k)[1]
        if e != self.embed_dim or shape_of(k)[2] != self.kdim or shape_of(v)[2] != self.vdim:
            raise ae.ShapeError(
                f"{owner}: expected query, key and value features of {self.embed_dim}, {self.kdim} and {self.vdim}, "
                f"got {e}, {shape_of(k)[2]} and {shape_of(v)[2]}"
            )
        w_q, w_k, w_v = self._projections()
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        q = self._heads(ae.linear(q, w_q, b_q), n, length)
        k = self._heads(ae.linear(k, w_k, b_k), n, source)
        v = self._heads(ae.linear(v, w_v, b_v), n, source)
        scores = ae.matmul(q, ae.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(self.head_dim))
        dtype = _dtype(scores)
        if attn_mask is None and check_bool(is_causal, "is_causal", owner):
            attn_mask = ~_causal_mask(length, source)
        if attn_mask is not None:
            mask = _additive(attn_mask, dtype, False, owner)
            mask_shape = shape_of(mask)
            if mask_shape not in ((length, source), (n * self.num_heads, length, source)):
                raise ae.ShapeError(
                    f"{owner}: attn_mask must be (L, S) = {(length, source)} or (N*num_heads, L, S) = "
                    f"{(n * self.num_heads, length, source)}, got {mask_shape}"
                )
            scores = scores + (mask if len(mask_shape) == 2 else ae.reshape(mask, (n, self.num_heads, length, source)))
        if key_padding_mask is not None:
            padding = _additive(key_padding_mask, dtype, False, owner)
            if shape_of(padding) != (n, source):
                raise ae.ShapeError(f"{owner}: key_padding_mask must be (N, S) = {(n, source)}, got {shape_of(padding)}")
            scores = scores + ae.reshape(padding, (n, 1, 1, source))
        weights = ae.softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = dropout(weights, self.dropout, training=True)
        heads = ae.matmul(weights, v)  # (N, heads, L, head_dim)
        out = self.out_proj(ae.reshape(ae.transpose(heads, (0, 2, 1, 3)), (n, length, e)))
        if not batched:
            out = out[0]
        elif not self.batch_first:
            out = ae.swapaxes(out, 0, 1)
        if not check_bool(need_weights, "need_weights", owner):
            return out, None
        if check_bool(average_attn_weights, "average_attn_weights", owner):
            weights = ae.mean(weights, axis=1)
        return out, weights if batched else weights[0]

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, batch_first={self.batch_first}"
