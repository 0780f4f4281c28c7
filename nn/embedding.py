"""``Embedding``: a lookup table of learnt vectors, ``weight[indices]`` (the notes' word embedding).

The lookup is the engine's ``getitem`` with an integer array, so the gradient of a row used
several times is the sum of the gradients of its uses (repeated indices accumulate), exactly
the CS231n ``word_embedding_backward`` (``np.add.at``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool, check_int
from autograd_engine.operands import as_operand, value

from . import init
from .module import Module, Parameter

__all__ = ["Embedding", "embedding", "check_indices"]


def check_indices(input: Any, num_embeddings: int, op: str = "embedding") -> np.ndarray:
    """``input`` as an integer ndarray, checked to lie in [0, num_embeddings).

    Raises ``TypeError`` for non-integer input and ``IndexError`` naming the first offending
    index, its position, and ``num_embeddings``.
    """
    indices = np.asarray(value(input))
    if indices.dtype.kind not in "iu":
        if indices.size == 0 and indices.dtype.kind == "f":
            indices = indices.astype(np.int64)
        else:
            raise TypeError(
                f"{op}: indices must be integers, got dtype {indices.dtype}; convert them with .astype(np.int64)"
            )
    if indices.size:
        bad = (indices < 0) | (indices >= num_embeddings)
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            raise IndexError(
                f"{op}: index {int(indices[position])} at position {position} is out of range for "
                f"num_embeddings={num_embeddings} (valid indices are 0..{num_embeddings - 1}); "
                f"check the vocabulary size the layer was built with"
            )
    return indices


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Any:
    """Rows of ``weight`` (V, D) picked by the integer ``input`` (any shape): result ``input.shape + (D,)``.

    With ``padding_idx`` the picks of that row pass its value but no gradient (PyTorch's rule).
    """
    if padding_idx is not None:
        padding_idx = check_int(padding_idx, "padding_idx", "embedding")
    weight = as_operand(weight, "embedding", "weight")
    num_embeddings = weight.shape[0]
    indices = check_indices(input, num_embeddings)
    out = ae.getitem(weight, indices)
    if padding_idx is not None:
        padded = indices == padding_idx
        if padded.any():
            constant = value(weight)[indices]
            out = ae.where(~padded[..., None], out, constant)
    return out


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``: ``forward(indices)`` returns
    ``weight[indices]``, of shape ``indices.shape + (embedding_dim,)``.

    ``weight`` (num_embeddings, embedding_dim) is drawn from N(0, 1), as in PyTorch.  With
    ``padding_idx`` that row starts at zero and receives no gradient.  Indices outside
    ``[0, num_embeddings)`` raise an ``IndexError`` naming the index and ``num_embeddings``.
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, dtype: Any = None
    ) -> None:
        super().__init__()
        num_embeddings = check_int(num_embeddings, "num_embeddings", "Embedding", low=1)
        embedding_dim = check_int(embedding_dim, "embedding_dim", "Embedding", low=1)
        if padding_idx is not None:
            padding_idx = check_int(padding_idx, "padding_idx", "Embedding")
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx={padding_idx} must be in [-{num_embeddings}, {num_embeddings})")
            padding_idx = int(padding_idx) % num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = int(num_embeddings), int(embedding_dim), padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=np.dtype(dtype or get_default_dtype())))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the table from N(0, 1); the padding row (if any) is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (V, D); ``freeze`` turns off its gradient."""
        array = np.array(value(embeddings))
        if array.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (V, D), got shape {array.shape}")
        dtype = array.dtype if array.dtype.kind == "f" else None
        layer = cls(array.shape[0], array.shape[1], padding_idx=padding_idx, dtype=dtype)
        layer.weight.data[...] = array
        layer.weight.requires_grad = not check_bool(freeze, "freeze", "Embedding.from_pretrained")
        return layer

    def forward(self, input: Any) -> Any:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
