"""Regularisation from the notes: L2, L1 and elastic-net penalties, and the max-norm constraint.

Penalties are ordinary differentiable expressions to add to the data loss:

    loss = F.cross_entropy(model(x), y) + 0.5 * reg * nn.l2_penalty(model)

(the CS231n assignments use ``0.5 * reg * sum(W**2)``; the notes also write ``reg * sum(W**2)``
-- pick the factor in the call).  The notes do not regularise biases, and neither do these
functions by default: ``exclude_biases=True`` skips every parameter with fewer than two
dimensions (biases, and batch-norm/layer-norm scales and shifts), which is also how
:func:`split_decay_parameters` splits a model for an optimizer's weight decay.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine.checks import check_bool, check_int, check_real

from .module import Module


def _parameters(params: Module | Iterable[Any], exclude_biases: bool) -> list[Tensor]:
    exclude_biases = check_bool(exclude_biases, "exclude_biases", "regularization")
    items = params.parameters() if isinstance(params, Module) else params
    chosen = []
    for p in items:
        if isinstance(p, tuple):  # named_parameters() pairs
            p = p[1]
        if not isinstance(p, Tensor):
            raise TypeError(f"regularization: expected Parameters/Tensors or a Module, got {type(p).__name__}")
        if exclude_biases and p.ndim < 2:
            continue
        chosen.append(p)
    return chosen


def l2_penalty(params: Module | Iterable[Any], strength: float = 1.0, exclude_biases: bool = True) -> Tensor:
    """``strength * sum_p sum(p**2)`` over the parameters (a Module's, or an iterable's).

    Biases (parameters with fewer than 2 dimensions) are skipped unless ``exclude_biases=False``.
    Returns a 0-d Tensor (0 when nothing is regularised).
    """
    strength = check_real(strength, "strength", "l2_penalty")
    chosen = _parameters(params, exclude_biases)
    if not chosen:
        return ae.Tensor(0.0)
    return strength * sum(ae.sum(p * p) for p in chosen)


def l1_penalty(params: Module | Iterable[Any], strength: float = 1.0, exclude_biases: bool = True) -> Tensor:
    """``strength * sum_p sum(|p|)`` (sparsity-inducing; the gradient at 0 is 0)."""
    strength = check_real(strength, "strength", "l1_penalty")
    chosen = _parameters(params, exclude_biases)
    if not chosen:
        return ae.Tensor(0.0)
    return strength * sum(ae.sum(ae.abs(p)) for p in chosen)


def elastic_net_penalty(
    params: Module | Iterable[Any], l1: float = 1.0, l2: float = 1.0, exclude_biases: bool = True
) -> Tensor:
    """The notes' elastic net ``l1 * |w| + l2 * w**2`` summed over the parameters."""
    l1, l2 = check_real(l1, "l1", "elastic_net_penalty"), check_real(l2, "l2", "elastic_net_penalty")
    chosen = _parameters(params, exclude_biases)
    return l1_penalty(chosen, l1, exclude_biases=False) + l2_penalty(chosen, l2, exclude_biases=False)


def split_decay_parameters(module: Module) -> tuple[list[Tensor], list[Tensor]]:
    """(weights, biases): parameters with at least 2 dimensions, and the rest (biases, norm
    scales/shifts) -- e.g. ``[{"params": w, "weight_decay": 5e-4}, {"params": b, "weight_decay": 0}]``."""
    weights, others = [], []
    for p in module.parameters():
        (weights if p.ndim >= 2 else others).append(p)
    return weights, others


def clip_weight_norm_(params: Module | Iterable[Any], max_norm: float, dim: int = 0) -> float:
    """The notes' max-norm constraint: rescale, in place, every unit's weight vector whose L2 norm
    exceeds ``max_norm`` back onto the ball of radius ``max_norm``.  Call it after each update.

    ``dim`` is the axis that indexes units; a unit's vector spans all the other axes (0 for
    Linear (out, in) and Conv (out, in, kh, kw) weights: a row / filter per output unit).
    Applies to parameters with at least 2 dimensions (biases are left alone).  Returns the
    largest norm found before clipping.
    """
    max_norm = check_real(max_norm, "max_norm", "clip_weight_norm_", low=0.0, low_open=True, allow_inf=True)
    dim = check_int(dim, "dim", "clip_weight_norm_")
    largest = 0.0
    for p in _parameters(params, exclude_biases=True):
        data = p.data
        if not -data.ndim <= dim < data.ndim:
            raise ValueError(
                f"clip_weight_norm_: dim={dim} is out of range for a weight of shape {data.shape} "
                f"(allowed: {-data.ndim} to {data.ndim - 1})"
            )
        axis = dim % data.ndim
        other_axes = tuple(a for a in range(data.ndim) if a != axis)
        norms = np.sqrt(np.sum(data.astype(np.float64) ** 2, axis=other_axes, keepdims=True))
        largest = max(largest, float(norms.max()) if norms.size else 0.0)
        scale = np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))
        data *= scale.astype(data.dtype)
        p.mark_modified()  # a graph recorded with the old weights must not be differentiated with these
    return largest
