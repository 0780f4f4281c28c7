"""Losses that are negative log-likelihoods or divergences of distributions, as functions and
modules (``reduction='mean'|'sum'|'none'``, PyTorch's names and formulas):

- ``binary_cross_entropy`` on probabilities (``binary_cross_entropy_with_logits`` in ``loss.py``
  takes logits and is the stable choice): ``-w [t log p + (1 - t) log(1 - p)]``, each log
  clipped at -100 as PyTorch, so p = 0 or 1 gives a finite loss;
- ``kl_div`` of log-probabilities ``input`` from ``target`` (probabilities, or log-probabilities
  with ``log_target=True``), with PyTorch's ``'batchmean'`` reduction;
- ``poisson_nll_loss``: ``exp(x) - t x`` for log-rates (``log_input=True``), ``x - t log(x + eps)``
  for rates, plus Stirling's approximation of ``log(t!)`` with ``full=True``;
- ``gaussian_nll_loss``: ``(log var + (x - t)^2 / var) / 2`` (+ ``log(2 pi) / 2`` with ``full=True``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_real
from autograd_engine.operands import as_operand, shape_of, value

from .loss import _check_reduction, _Loss, _reduce
from .module import Module

LOG_FLOOR = -100.0
"""PyTorch's floor for the logarithms of ``binary_cross_entropy``."""


def _same_shape(input: Any, target: Any, op: str) -> tuple[Any, Any]:
    input, target = as_operand(input, op, "input"), as_operand(target, op, "target")
    if shape_of(input) != shape_of(target):
        raise ae.ShapeError(
            f"{op}: target of shape {shape_of(target)} must have the input's shape {shape_of(input)}"
        )
    return input, target


def _xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0`` (even where ``y == 0``)."""
    zero = np.asarray(value(x)) == 0
    return ae.where(zero, 0.0 * x, x * ae.log(ae.where(zero, 1.0, y)))


def _floored_log(x: Any) -> Any:
    """``max(log x, -100)``; the floor is a constant, with no gradient (and no 0/0 from log's rule)."""
    low = np.asarray(value(x)) <= math.exp(LOG_FLOOR)
    return ae.where(low, LOG_FLOOR, ae.log(ae.where(low, 1.0, x)))


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Any:
    """``-w [t log p + (1 - t) log(1 - p)]`` for probabilities ``p`` in [0, 1] and targets ``t``.

    Each logarithm is clipped at -100 (PyTorch's), so the loss stays finite at p = 0 or 1; there
    the clipped log carries no gradient (PyTorch returns ``+-1e12`` instead: see EDGE_CASES.md).
    ``weight`` broadcasts against the input.  Targets and weights that require grad get their
    gradients.  For logits use ``binary_cross_entropy_with_logits`` (stable, no clipping)."""
    op = "binary_cross_entropy"
    _check_reduction(reduction, op)
    p, t = _same_shape(input, target, op)
    probabilities = np.asarray(value(p))
    if probabilities.size and not ((probabilities >= 0) & (probabilities <= 1)).all():
        bad = probabilities[~((probabilities >= 0) & (probabilities <= 1))].ravel()[0]
        raise ValueError(
            f"{op}: the input must hold probabilities in [0, 1], got {bad}; for logits use "
            f"binary_cross_entropy_with_logits"
        )
    log_p, log_q = _floored_log(p), _floored_log(1 - p)
    losses = -(t * log_p + (1 - t) * log_q)
    if weight is not None:
        losses = losses * as_operand(weight, op, "weight")
    return _reduce(losses, reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Any:
    """Pointwise ``t (log t - x)`` for log-probabilities ``x`` and probabilities ``t`` (0 where
    ``t == 0``), or ``exp(t) (t - x)`` for log-probability targets (``log_target=True``).

    ``reduction='batchmean'`` divides the sum by the batch size (the first axis): the true KL
    divergence per example.  ``'mean'`` divides by the number of elements (PyTorch's default,
    which is not the KL divergence)."""
    op = "kl_div"
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"{op}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    log_target = check_bool(log_target, "log_target", op)
    x, t = _same_shape(input, target, op)
    losses = ae.exp(t) * (t - x) if log_target else _xlogy(t, t) - t * x
    if reduction == "batchmean":
        shape = shape_of(x)
        return ae.sum(losses) / (shape[0] if shape else 1)
    return _reduce(losses, reduction)


def poisson_nll_loss(
    input: Any, target: Any, log_input: bool = True, full: bool = False, eps: float = 1e-8,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood of counts ``t`` under a Poisson rate: ``exp(x) - t x`` for a log-rate
    ``x`` (``log_input=True``), ``x - t log(x + eps)`` for a rate.  ``full=True`` adds Stirling's
    ``t log t - t + log(2 pi t) / 2`` where ``t > 1`` (the constant ``log(t!)``)."""
    op = "poisson_nll_loss"
    _check_reduction(reduction, op)
    log_input, full = check_bool(log_input, "log_input", op), check_bool(full, "full", op)
    eps = check_real(eps, "eps", op, low=0.0)
    x, t = _same_shape(input, target, op)
    losses = ae.exp(x) - t * x if log_input else x - t * ae.log(x + eps)
    if full:
        counts = np.asarray(value(t))
        large = counts > 1
        safe = ae.where(large, t, 2.0)  # Stirling's terms only where t > 1, never log(0)
        stirling = safe * ae.log(safe) - safe + 0.5 * ae.log(2 * math.pi * safe)
        losses = losses + ae.where(large, stirling, 0.0 * t)
    return _reduce(losses, reduction)


def gaussian_nll_loss(
    input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Any:
    """Negative log-likelihood of ``target`` under a normal of mean ``input`` and variance ``var``:
    ``(log(var) + (input - target)^2 / var) / 2``, plus ``log(2 pi) / 2`` with ``full=True``.

    ``var`` has the input's shape, or that shape without its last axis, or with a last axis of
    1 (one variance shared by the features).  Variances below ``eps`` are raised to ``eps``
    for stability; as PyTorch does, that clamp passes the gradient through unchanged.
    Negative variances are refused."""
    op = "gaussian_nll_loss"
    _check_reduction(reduction, op)
    full, eps = check_bool(full, "full", op), check_real(eps, "eps", op, low=0.0)
    mean, t = _same_shape(input, target, op)
    var = as_operand(var, op, "var")
    shape, var_shape = shape_of(mean), shape_of(var)
    if var_shape != shape:
        if shape and var_shape == shape[:-1]:
            var = ae.unsqueeze(var, -1)
        elif not (shape and var_shape[:-1] == shape[:-1] and var_shape[-1:] == (1,)):
            raise ae.ShapeError(
                f"{op}: var of shape {var_shape} must have the input's shape {shape}, that shape without its "
                f"last axis {shape[:-1]}, or with a last axis of 1"
            )
    variances = np.asarray(value(var))
    if (variances < 0).any():
        raise ValueError(f"{op}: var must be non-negative, got {variances[variances < 0].ravel()[0]}")
    var = var + (np.maximum(variances, eps) - variances)  # the clamp, without a gradient of its own
    losses = 0.5 * (ae.log(var) + (mean - t) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(losses, reduction)


# ----- modules ------------------------------------------------------------------


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy` (probabilities; ``BCEWithLogitsLoss`` for logits)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class KLDivLoss(Module):
    """Module form of :func:`kl_div` (reduction 'mean', 'batchmean', 'sum' or 'none')."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
        self.reduction, self.log_target = reduction, check_bool(log_target, "log_target", "KLDivLoss")

    def forward(self, input: Any, target: Any) -> Any:
        return kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class PoissonNLLLoss(_Loss):
    """Module form of :func:`poisson_nll_loss`."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input = check_bool(log_input, "log_input", "PoissonNLLLoss")
        self.full = check_bool(full, "full", "PoissonNLLLoss")
        self.eps = check_real(eps, "eps", "PoissonNLLLoss", low=0.0)

    def forward(self, log_input: Any, target: Any) -> Any:
        return poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class GaussianNLLLoss(_Loss):
    """Module form of :func:`gaussian_nll_loss`; ``forward(input, target, var)``."""

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = check_bool(full, "full", "GaussianNLLLoss")
        self.eps = check_real(eps, "eps", "GaussianNLLLoss", low=0.0)

    def forward(self, input: Any, target: Any, var: Any) -> Any:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
