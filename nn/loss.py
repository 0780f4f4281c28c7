"""Losses, as functions and as modules (``reduction='mean'|'sum'|'none'``), PyTorch's names.

- classification on integer labels: ``cross_entropy`` (softmax + negative log-likelihood, through
  ``log_softmax`` so it never overflows; class weights, label smoothing, ``ignore_index``),
  ``nll_loss`` on log-probabilities, the notes' multiclass SVM ``multiclass_hinge_loss``
  (Weston-Watkins) and PyTorch's ``multi_margin_loss``;
- binary / attribute classification: ``binary_cross_entropy_with_logits``, ``binary_cross_entropy``,
  ``binary_hinge_loss``;
- regression: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``.

Labels are checked: integer dtype, the input's shape without the class axis, values in
``[0, C)`` -- anything else raises an error naming the loss, the shapes and the bad value.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor

from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


# ----- helpers ----------------------------------------------------------------


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "mean":
        return ae.mean(losses)
    if reduction == "sum":
        return ae.sum(losses)
    return losses


def _class_scores(input: Any, op: str) -> tuple[Any, int]:
    """Scores/log-probabilities as (M, C) with the class axis last, and the class count C.

    Accepts (C,), (N, C) and PyTorch's (N, C, d1, ...) layouts."""
    shape = np.shape(_value(input))
    if len(shape) == 0:
        raise ae.ShapeError(f"{op}: the input must have a class axis, shapes (N, C) or (C,), got a 0-d tensor")
    if len(shape) == 1:
        return ae.reshape(input, (1, shape[0])), shape[0]
    if len(shape) == 2:
        return input, shape[1]
    moved = ae.moveaxis(input, 1, -1)
    return ae.reshape(moved, (-1, shape[1])), shape[1]


def check_labels(target: Any, input_shape: tuple[int, ...], op: str, ignore_index: int | None = None) -> np.ndarray:
    """Validate integer class labels for an input of ``input_shape`` (class axis 1, or 0 for 1-D input).

    Returns the labels as an int64 array of the input's shape without the class axis.
    Raises TypeError for a non-integer dtype, ShapeError for a wrong shape and ValueError
    for a label outside [0, C) (other than ``ignore_index``).
    """
    labels = np.asarray(_value(target))
    class_axis = 0 if len(input_shape) == 1 else 1
    n_classes = input_shape[class_axis]
    expected = input_shape[:class_axis] + input_shape[class_axis + 1 :]
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: labels must be integer class indices in [0, {n_classes}), got dtype {labels.dtype}; "
            f"convert with y.astype(np.int64)"
        )
    if labels.shape != expected:
        raise ae.ShapeError(
            f"{op}: labels have shape {labels.shape} but scores of shape {input_shape} need labels of shape "
            f"{expected} (one class index per example)"
        )
    bad = (labels < 0) | (labels >= n_classes)
    if ignore_index is not None:
        bad &= labels != ignore_index
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{op}: label {labels[position]} at position {position} is outside [0, {n_classes}) for scores with "
            f"{n_classes} classes" + (f" (and is not ignore_index={ignore_index})" if ignore_index is not None else "")
        )
    return labels.astype(np.int64, copy=False)


def _class_weight(weight: Any, n_classes: int, op: str, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    weight = np.asarray(_value(weight), dtype=dtype)
    if weight.shape != (n_classes,):
        raise ae.ShapeError(f"{op}: weight must have one entry per class, shape ({n_classes},), got {weight.shape}")
    return weight


# ----- negative log-likelihood and cross-entropy --------------------------------


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood of the labelled class: ``-w[y_i] * input[i, y_i]``.

    ``input`` holds log-probabilities, shape (N, C), (C,) or (N, C, d1, ...); ``target`` holds
    integer labels of shape (N,), () or (N, d1, ...).  ``weight`` (C,) rescales each class;
    entries with label ``ignore_index`` contribute 0.  ``'mean'`` divides by the summed weights
    of the counted entries (PyTorch's weighted mean; NaN when none is counted).
    """
    return _nll(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll(input: Any, target: Any, weight: Any, ignore_index: int, reduction: str, op: str) -> Any:
    _check_reduction(reduction, op)
    shape = np.shape(_value(input))
    labels = check_labels(target, shape, op, ignore_index)
    scores, n_classes = _class_scores(input, op)
    flat = labels.reshape(-1)
    class_weight = _class_weight(weight, n_classes, op, np.dtype(_value(input).dtype))
    ignored = flat == ignore_index
    if class_weight is None and not ignored.any():
        picked = scores[np.arange(flat.size), flat]
        if reduction == "mean":
            return -ae.mean(picked)
        losses = -picked
        return ae.sum(losses) if reduction == "sum" else ae.reshape(losses, labels.shape)
    safe = np.where(ignored, 0, flat)
    w = (np.ones(flat.size, scores.dtype) if class_weight is None else class_weight[safe]) * ~ignored
    losses = -scores[np.arange(flat.size), safe] * w
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return ae.sum(losses) / w.sum()
    return ae.sum(losses) if reduction == "sum" else ae.reshape(losses, labels.shape)


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Softmax cross-entropy of unnormalised scores: ``-log softmax(input)[y]``, the notes' softmax loss.

    ``input``: scores (N, C), (C,) or (N, C, d1, ...).  ``target``: integer labels (N,) (see
    :func:`nll_loss`), or class probabilities of the input's shape (float).  Computed through
    ``log_softmax`` (stable for large scores).  ``weight`` (C,) rescales classes;
    ``label_smoothing`` = eps mixes the target with the uniform distribution exactly as PyTorch:
    ``(1 - eps) * nll + eps / C * sum_c w_c * (-log p_c)``, with the same normaliser as the
    nll term for ``'mean'``.  With small random weights on C classes the loss starts at
    ``log(C)`` (2.302 for 10 classes), the notes' sanity check.
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    shape = np.shape(_value(input))
    class_axis = 0 if len(shape) == 1 else 1
    log_p = ae.log_softmax(input, axis=class_axis)
    target_value = np.asarray(_value(target))
    if target_value.dtype.kind == "f":
        return _soft_cross_entropy(log_p, target_value, weight, reduction, label_smoothing, shape, class_axis)
    nll = _nll(log_p, target, weight, ignore_index, reduction, "cross_entropy")
    if label_smoothing == 0.0:
        return nll
    labels = check_labels(target, shape, "cross_entropy", ignore_index)
    n_classes = shape[class_axis]
    class_weight = _class_weight(weight, n_classes, "cross_entropy", np.dtype(_value(input).dtype))
    if class_weight is not None:
        w_shape = [1] * len(shape)
        w_shape[class_axis] = n_classes
        smooth = -ae.sum(log_p * class_weight.reshape(w_shape), axis=class_axis)
    else:
        smooth = -ae.sum(log_p, axis=class_axis)
    ignored = labels == ignore_index
    if ignored.any():
        smooth = smooth * ~ignored
    if reduction == "mean":
        counted = labels[~ignored]
        denominator = class_weight[counted].sum() if class_weight is not None else counted.size
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = ae.sum(smooth) / np.asarray(denominator, dtype=log_p.dtype)
    elif reduction == "sum":
        smooth = ae.sum(smooth)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _soft_cross_entropy(log_p, probabilities, weight, reduction, label_smoothing, shape, class_axis):
    if probabilities.shape != shape:
        raise ae.ShapeError(
            f"cross_entropy: float targets are class probabilities and must have the input's shape {shape}, "
            f"got {probabilities.shape}; for class indices pass an integer array"
        )
    n_classes = shape[class_axis]
    probabilities = probabilities.astype(log_p.dtype, copy=False)
    if label_smoothing:
        probabilities = probabilities * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_p * probabilities
    class_weight = _class_weight(weight, n_classes, "cross_entropy", np.dtype(log_p.dtype))
    if class_weight is not None:
        w_shape = [1] * len(shape)
        w_shape[class_axis] = n_classes
        terms = terms * class_weight.reshape(w_shape)
    losses = -ae.sum(terms, axis=class_axis)
    return _reduce(losses, reduction)


# ----- modules ------------------------------------------------------------------


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss`."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)
