"""Losses on pairs and triplets of embeddings or scores, as functions and modules
(``reduction='mean'|'sum'|'none'``, PyTorch's names and formulas):

- ``margin_ranking_loss``: ``max(0, -y (x1 - x2) + margin)``, y in {1, -1} says which should rank higher;
- ``hinge_embedding_loss``: ``x`` where y = 1, ``max(0, margin - x)`` where y = -1 (x a distance);
- ``cosine_embedding_loss``: ``1 - cos(x1, x2)`` where y = 1, ``max(0, cos(x1, x2) - margin)`` where y = -1;
- ``triplet_margin_loss``: ``max(0, d(a, p) - d(a, n) + margin)`` with :func:`pairwise_distance`.

The hinges are ``clip(., 0, None)``, whose gradient is 1 at the hinge itself, as PyTorch's
``clamp_min``.  The labels y carry no gradient; the inputs and a ``margin`` given as a Tensor do.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_real
from autograd_engine.operands import as_operand, shape_of, value

from .distance import pairwise_distance
from .loss import _check_reduction, _Loss, _reduce


def _labels(target: Any, shape: tuple[int, ...], op: str, dtype: Any) -> np.ndarray:
    """The +-1 labels as an array of the input's ``dtype`` that broadcasts to ``shape``."""
    labels = np.asarray(value(target))
    try:
        np.broadcast_shapes(labels.shape, shape)
    except ValueError:
        raise ae.ShapeError(f"{op}: target of shape {labels.shape} does not broadcast to the input's {shape}") from None
    if labels.dtype.kind not in "iuf":
        raise TypeError(f"{op}: target must hold the numbers 1 and -1, got dtype {labels.dtype}")
    return labels.astype(dtype if np.dtype(dtype).kind == "f" else ae.get_default_dtype(), copy=False)


def _hinge(x: Any) -> Any:
    return ae.clip(x, 0.0, None)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean") -> Any:
    """``max(0, -y * (x1 - x2) + margin)``: y = 1 asks ``x1`` to exceed ``x2`` by ``margin``,
    y = -1 the reverse.  The three broadcast."""
    op = "margin_ranking_loss"
    _check_reduction(reduction, op)
    x1, x2 = as_operand(input1, op, "input1"), as_operand(input2, op, "input2")
    labels = _labels(target, np.broadcast_shapes(shape_of(x1), shape_of(x2)), op, np.result_type(value(x1), value(x2)))
    return _reduce(_hinge(-labels * (x1 - x2) + margin), reduction)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Any:
    """``x`` where y = 1 and ``max(0, margin - x)`` where y = -1, for distances ``x``; as PyTorch,
    a label that is neither adds both terms (so only 1 and -1 make sense)."""
    op = "hinge_embedding_loss"
    _check_reduction(reduction, op)
    x = as_operand(input, op, "input")
    labels = _labels(target, shape_of(x), op, value(x).dtype)
    margin_term = ae.where(labels != 1, _hinge(margin - x), 0.0 * x)
    self_term = ae.where(labels != -1, x, 0.0 * x)
    return _reduce(margin_term + self_term, reduction)


def _cosine(x1: Any, x2: Any, eps: float = 1e-12) -> Any:
    """PyTorch's cosine of ``cosine_embedding_loss``: ``x1.x2 / sqrt((|x1|^2 + eps) (|x2|^2 + eps))``
    along the last axis."""
    dot = ae.sum(x1 * x2, axis=-1)
    return dot / ae.sqrt((ae.sum(x1 * x1, axis=-1) + eps) * (ae.sum(x2 * x2, axis=-1) + eps))


def cosine_embedding_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Any:
    """``1 - cos(x1, x2)`` where y = 1, ``max(0, cos(x1, x2) - margin)`` where y = -1.

    ``input1``, ``input2``: (N, D) or (D,); ``target``: (N,) or ().  The cosine adds 1e-12 to
    each squared norm (PyTorch's), so a zero vector has cosine 0, not NaN."""
    op = "cosine_embedding_loss"
    _check_reduction(reduction, op)
    x1, x2 = as_operand(input1, op, "input1"), as_operand(input2, op, "input2")
    if shape_of(x1) != shape_of(x2) or len(shape_of(x1)) not in (1, 2):
        raise ae.ShapeError(
            f"{op}: input1 and input2 must have one shape, (N, D) or (D,), got {shape_of(x1)} and {shape_of(x2)}"
        )
    cos = _cosine(x1, x2)
    labels = _labels(target, shape_of(cos), op, value(cos).dtype)
    if labels.shape != shape_of(cos):
        raise ae.ShapeError(f"{op}: target must have shape {shape_of(cos)} (one label per pair), got {labels.shape}")
    losses = ae.where(labels == 1, 1.0 - cos, 0.0 * cos) + ae.where(labels == -1, _hinge(cos - margin), 0.0 * cos)
    return _reduce(losses, reduction)


def triplet_margin_loss(
    anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
    swap: bool = False, reduction: str = "mean",
) -> Any:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the :func:`pairwise_distance` (p-norm of
    the difference plus ``eps``).  ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative
    distance (the distance swap of Balntas et al.).  Inputs (N, D) or (D,)."""
    op = "triplet_margin_loss"
    _check_reduction(reduction, op)
    swap = check_bool(swap, "swap", op)
    a, pos, neg = (as_operand(t, op, role) for t, role in ((anchor, "anchor"), (positive, "positive"), (negative, "negative")))
    shapes = {shape_of(a), shape_of(pos), shape_of(neg)}
    if len(shapes) != 1 or len(shape_of(a)) not in (1, 2):
        raise ae.ShapeError(
            f"{op}: anchor, positive and negative must have one shape, (N, D) or (D,), got "
            f"{shape_of(a)}, {shape_of(pos)} and {shape_of(neg)}"
        )
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ae.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(_hinge(margin + d_pos - d_neg), reduction)


# ----- modules ------------------------------------------------------------------


class MarginRankingLoss(_Loss):
    """Module form of :func:`margin_ranking_loss`."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", "MarginRankingLoss")

    def forward(self, input1: Any, input2: Any, target: Any) -> Any:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Module form of :func:`hinge_embedding_loss`."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", "HingeEmbeddingLoss")

    def forward(self, input: Any, target: Any) -> Any:
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Module form of :func:`cosine_embedding_loss`."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", "CosineEmbeddingLoss", low=-1.0, high=1.0)

    def forward(self, input1: Any, input2: Any, target: Any) -> Any:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """Module form of :func:`triplet_margin_loss`."""

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", "TripletMarginLoss")
        self.p = check_real(p, "p", "TripletMarginLoss", low=0.0, low_open=True, allow_inf=True)
        self.eps = check_real(eps, "eps", "TripletMarginLoss")
        self.swap = check_bool(swap, "swap", "TripletMarginLoss")

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Any:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction)
