"""Norms, similarities and distances along an axis, as functions and modules (PyTorch's names):
``normalize``, ``cosine_similarity`` (``CosineSimilarity``), ``pairwise_distance``
(``PairwiseDistance``).

The p-norm here has gradient 0 at the zero vector (PyTorch's choice; sqrt'(0) would give NaN),
so normalising or measuring a zero vector never poisons the gradient with NaN.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_int, check_real
from autograd_engine.operands import as_operand, normalize_axis, shape_of

from .module import Module


def _check_p(p: Any, owner: str) -> float:
    """The order of a p-norm: a positive real number or inf."""
    return check_real(p, "p", owner, low=0.0, low_open=True, allow_inf=True)


def vector_norm(x: Any, p: float = 2.0, axis: int = -1, keepdims: bool = False) -> Any:
    """``(sum |x|^p)^(1/p)`` along ``axis`` (``max |x|`` for ``p = inf``): ``ae.norm``, whose gradient at
    a zero vector is 0 and which splits a tie for the inf-norm among the entries."""
    return ae.norm(x, ord=p, axis=axis, keepdims=keepdims)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
    """``input / max(||input||_p, eps)`` along ``dim`` (default 1, the feature axis of (N, D)):
    unit vectors, with vectors shorter than ``eps`` divided by ``eps`` instead of their norm."""
    p, eps = _check_p(p, "normalize"), check_real(eps, "eps", "normalize", low=0.0)
    x = as_operand(input, "normalize", "input")
    axis = normalize_axis(check_int(dim, "dim", "normalize"), len(shape_of(x)), "normalize")
    return x / ae.clip(vector_norm(x, p, axis, keepdims=True), eps, None)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``, after broadcasting the two.

    Each vector is divided by its clipped norm before the dot product (as PyTorch), so parallel
    vectors give 1 up to rounding."""
    eps = check_real(eps, "eps", "cosine_similarity", low=0.0)
    x1, x2 = as_operand(x1, "cosine_similarity", "x1"), as_operand(x2, "cosine_similarity", "x2")
    shape = _broadcast_shape(shape_of(x1), shape_of(x2), "cosine_similarity")
    axis = normalize_axis(check_int(dim, "dim", "cosine_similarity"), len(shape), "cosine_similarity")
    x1, x2 = ae.broadcast_to(x1, shape), ae.broadcast_to(x2, shape)  # norms of the broadcast vectors, as PyTorch
    unit1 = x1 / ae.clip(vector_norm(x1, 2.0, axis, keepdims=True), eps, None)
    unit2 = x2 / ae.clip(vector_norm(x2, 2.0, axis, keepdims=True), eps, None)
    return ae.sum(unit1 * unit2, axis=axis)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Any:
    """``||x1 - x2 + eps||_p`` along the last axis (PyTorch adds ``eps`` to the difference, so the
    distance of equal vectors is ``eps * D^(1/p)``, not 0, and its gradient is defined)."""
    p, eps = _check_p(p, "pairwise_distance"), check_real(eps, "eps", "pairwise_distance")
    keepdim = check_bool(keepdim, "keepdim", "pairwise_distance")
    x1, x2 = as_operand(x1, "pairwise_distance", "x1"), as_operand(x2, "pairwise_distance", "x2")
    shape = _broadcast_shape(shape_of(x1), shape_of(x2), "pairwise_distance")
    if not shape:
        raise ae.ShapeError("pairwise_distance: the inputs must have a feature axis (the last), got 0-d tensors")
    return vector_norm(x1 - x2 + eps, p, -1, keepdims=keepdim)


def _broadcast_shape(a: tuple[int, ...], b: tuple[int, ...], op: str) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ae.ShapeError(f"{op}: x1 of shape {a} and x2 of shape {b} do not broadcast together") from None


class CosineSimilarity(Module):
    """Module form of :func:`cosine_similarity` (``dim=1``, ``eps=1e-8``)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "CosineSimilarity")
        self.eps = check_real(eps, "eps", "CosineSimilarity", low=0.0)

    def forward(self, x1: Any, x2: Any) -> Any:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """Module form of :func:`pairwise_distance` (``p=2``, ``eps=1e-6``)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = _check_p(p, "PairwiseDistance")
        self.eps = check_real(eps, "eps", "PairwiseDistance")
        self.keepdim = check_bool(keepdim, "keepdim", "PairwiseDistance")

    def forward(self, x1: Any, x2: Any) -> Any:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
