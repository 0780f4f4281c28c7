"""Gradient clipping, the notes' remedy for exploding gradients in recurrent networks.

These functions rescale ``param.grad`` in place after ``backward()`` and before the
optimizer's ``step()``.  They are utilities on finished gradients, not gradient rules.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd_engine import Tensor
from autograd_engine.checks import check_bool, check_real

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor], op: str) -> list[np.ndarray]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    elif hasattr(parameters, "parameters") or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{op}: parameters must be a Tensor or an iterable of Tensors, got a {type(parameters).__name__}; "
            f"pass model.parameters()"
        )
    grads = []
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameter {i} is a {type(p).__name__}, not a Tensor; pass model.parameters()")
        if p.grad is not None:
            grads.append(p.grad)
    return grads


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients of ``parameters`` so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector
    (``norm_type`` = p >= 1, or ``math.inf`` for the largest absolute entry), accumulated in
    float64.  When it exceeds ``max_norm`` every gradient is multiplied in place by
    ``max_norm / (norm + 1e-6)``; otherwise nothing changes.  Parameters without a gradient are
    skipped.  Returns the norm *before* clipping, as a 0-d Tensor in the gradients' dtype.
    A NaN or infinite norm raises with ``error_if_nonfinite=True``; otherwise the gradients are
    scaled by the resulting NaN factor, as in PyTorch.  ``foreach`` (PyTorch's choice of kernel)
    is accepted so that PyTorch code runs unchanged, and does nothing here.

    ``max_norm`` must be a number >= 0 (inf: never clip) and ``norm_type`` a number >= 1, inf or
    the string ``'inf'`` (as PyTorch); NaN, strings for numbers and other values raise.
    """
    max_norm = check_real(max_norm, "max_norm", "clip_grad_norm_", low=0.0, allow_inf=True)
    if norm_type == "inf":
        norm_type = math.inf
    norm_type = check_real(norm_type, "norm_type", "clip_grad_norm_", allow_inf=True)
    if norm_type < 1:
        raise ValueError(f"clip_grad_norm_: norm_type must be >= 1 or inf, got {norm_type}")
    error_if_nonfinite = check_bool(error_if_nonfinite, "error_if_nonfinite", "clip_grad_norm_")
    grads = _grads(parameters, "clip_grad_norm_")
    if not grads:
        return Tensor(0.0)
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.dot(g.ravel().astype(np.float64), g.ravel().astype(np.float64))) for g in grads))
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, so they "
            f"cannot be clipped; look for a NaN or inf in the loss, or pass error_if_nonfinite=False"
        )
    coefficient = max_norm / (total + 1e-6)
    if not coefficient >= 1.0:  # also scales by NaN when the norm is NaN, as PyTorch does
        for g in grads:
            g *= np.asarray(coefficient, dtype=g.dtype)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clip every gradient entry of ``parameters`` to [-clip_value, clip_value], in place.
    ``clip_value`` must be a number >= 0 (inf: never clip; NaN raises).
    (``foreach``, as in :func:`clip_grad_norm_`, does nothing.)"""
    clip_value = check_real(clip_value, "clip_value", "clip_grad_value_", low=0.0, allow_inf=True)
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)
