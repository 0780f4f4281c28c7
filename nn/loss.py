"""Losses, as functions and as modules (``reduction='mean'|'sum'|'none'``), PyTorch's names.

- classification on integer labels: ``cross_entropy`` (softmax + negative log-likelihood, through
  ``log_softmax`` so it never overflows; class weights, label smoothing, ``ignore_index``),
  ``nll_loss`` on log-probabilities, the notes' multiclass SVM ``multiclass_hinge_loss``
  (Weston-Watkins) and PyTorch's ``multi_margin_loss``;
- binary / attribute classification: ``binary_cross_entropy_with_logits``, ``binary_hinge_loss``;
- regression: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``.

Labels are checked: integer dtype, the input's shape without the class axis, values in
``[0, C)`` -- anything else raises an error naming the loss, the shapes and the bad value.

Every floating argument that is a Tensor requiring grad gets its gradient: the input, float
targets (probabilities, regression targets, BCE targets), class weights, ``pos_weight`` and
hyperparameters given as Tensors (``margin``, ``delta``, ``beta``, ``label_smoothing``), since
each loss is composed of engine ops that see the Tensors themselves.  (PyTorch refuses gradients
for the class weights of ``nll_loss``/``cross_entropy`` with class indices, ``multi_margin_loss``
and ``binary_cross_entropy_with_logits``.)  Integer class labels carry no gradient (integer
tensors cannot require one), nor do the -1/+1 labels of ``binary_hinge_loss`` (refused if they
require grad).  Operands may be Tensors, arrays or nested lists (of numbers or of Tensors, stacked
with their gradients: ``autograd_engine.operands.as_operand``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine.checks import check_int, check_real
from autograd_engine.operands import as_operand, shape_of, value

from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


# ----- helpers ----------------------------------------------------------------



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
    shape = shape_of(input, op)
    _require_class_axis(shape, op)
    if len(shape) == 1:
        return ae.reshape(input, (1, shape[0])), shape[0]
    if len(shape) == 2:
        return input, shape[1]
    moved = ae.moveaxis(input, 1, -1)
    return ae.reshape(moved, (-1, shape[1])), shape[1]


def _require_class_axis(shape: tuple[int, ...], op: str) -> None:
    if len(shape) == 0:
        raise ae.ShapeError(f"{op}: the input must have a class axis, shapes (N, C) or (C,), got a 0-d tensor")


def check_labels(target: Any, input_shape: tuple[int, ...], op: str, ignore_index: int | None = None) -> np.ndarray:
    """Validate integer class labels for an input of ``input_shape`` (class axis 1, or 0 for 1-D input).

    Returns the labels as an int64 array of the input's shape without the class axis.
    Raises TypeError for a non-integer dtype, ShapeError for a wrong shape and ValueError
    for a label outside [0, C) (other than ``ignore_index``).
    """
    labels = np.asarray(value(target))
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


def _class_weight(weight: Any, n_classes: int, op: str, dtype: np.dtype) -> Any:
    """The (C,) class weights in ``dtype``: an array, or the Tensor itself when it requires grad
    (so that it gets its gradient), or None."""
    if weight is None:
        return None
    weight = as_operand(weight, op, "weight")
    if weight.shape != (n_classes,):
        raise ae.ShapeError(f"{op}: weight must have one entry per class, shape ({n_classes},), got {weight.shape}")
    return _in_dtype(weight, dtype)


def _in_dtype(x: Any, dtype: np.dtype) -> Any:
    """``x`` cast to ``dtype``: a Tensor that requires grad through ``astype`` (its gradient is cast
    back), anything else as a plain array."""
    if isinstance(x, Tensor) and x.requires_grad:
        return ae.astype(x, dtype)
    return np.asarray(value(x)).astype(dtype, copy=False)


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
    of the counted entries (PyTorch's weighted mean; NaN when none is counted).  A ``weight``
    that requires grad gets its gradient, that of this weighted mean (PyTorch refuses one).
    """
    return _nll(as_operand(input, "nll_loss", "input"), target, weight, ignore_index, reduction, "nll_loss")


def _nll(input: Any, target: Any, weight: Any, ignore_index: int, reduction: str, op: str) -> Any:
    _check_reduction(reduction, op)
    shape = shape_of(input, op)
    labels = check_labels(target, shape, op, ignore_index)
    scores, n_classes = _class_scores(input, op)
    flat = labels.reshape(-1)
    class_weight = _class_weight(weight, n_classes, op, np.dtype(value(input).dtype))
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
    :func:`nll_loss`), or class probabilities of the input's shape (float), which get their
    gradient when they require one (as in PyTorch).  Computed through ``log_softmax`` (stable for
    large scores).  ``weight`` (C,) rescales classes (and gets its gradient when it requires one);
    ``label_smoothing`` = eps mixes the target with the uniform distribution exactly as PyTorch:
    ``(1 - eps) * nll + eps / C * sum_c w_c * (-log p_c)``, with the same normaliser as the
    nll term for ``'mean'``.  With small random weights on C classes the loss starts at
    ``log(C)`` (2.302 for 10 classes), the notes' sanity check.
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    input = as_operand(input, op, "input")
    shape = input.shape
    _require_class_axis(shape, op)  # before log_softmax, whose axis error would not say what cross_entropy needs
    class_axis = 0 if len(shape) == 1 else 1
    log_p = ae.log_softmax(input, axis=class_axis)
    if np.asarray(value(target)).dtype.kind == "f":  # class probabilities (a list of Tensors reads as floats too)
        target = as_operand(target, op, "target")
        return _soft_cross_entropy(log_p, target, weight, reduction, label_smoothing, shape, class_axis)
    nll = _nll(log_p, target, weight, ignore_index, reduction, op)
    if label_smoothing == 0.0:
        return nll
    labels = check_labels(target, shape, op, ignore_index)
    n_classes = shape[class_axis]
    class_weight = _class_weight(weight, n_classes, op, log_p.dtype)
    if class_weight is not None:
        smooth = -ae.sum(log_p * ae.reshape(class_weight, _class_axis_shape(len(shape), class_axis, n_classes)), axis=class_axis)
    else:
        smooth = -ae.sum(log_p, axis=class_axis)
    ignored = labels == ignore_index
    if ignored.any():
        smooth = smooth * ~ignored
    if reduction == "mean":
        counted = labels[~ignored]
        denominator = class_weight[counted].sum() if class_weight is not None else counted.size
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = ae.sum(smooth) / denominator
    elif reduction == "sum":
        smooth = ae.sum(smooth)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _class_axis_shape(ndim: int, class_axis: int, n_classes: int) -> tuple[int, ...]:
    """The shape that broadcasts a (C,) vector along the class axis of an ``ndim``-d input."""
    return tuple(n_classes if axis == class_axis else 1 for axis in range(ndim))


def _soft_cross_entropy(log_p, probabilities, weight, reduction, label_smoothing, shape, class_axis):
    if probabilities.shape != shape:
        raise ae.ShapeError(
            f"cross_entropy: float targets are class probabilities and must have the input's shape {shape}, "
            f"got {probabilities.shape}; for class indices pass an integer array (np.array([...]) or "
            f"ae.tensor([...], dtype=np.int64): Python numbers given to Tensor() become float32)"
        )
    n_classes = shape[class_axis]
    probabilities = _in_dtype(probabilities, log_p.dtype)
    if label_smoothing:
        probabilities = probabilities * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_p * probabilities
    class_weight = _class_weight(weight, n_classes, "cross_entropy", log_p.dtype)
    if class_weight is not None:
        terms = terms * ae.reshape(class_weight, _class_axis_shape(len(shape), class_axis, n_classes))
    losses = -ae.sum(terms, axis=class_axis)
    return _reduce(losses, reduction)


# ----- margin (SVM) losses -------------------------------------------------------


def _hinge_terms(input: Any, target: Any, margin: float, p: int, op: str) -> tuple[Any, np.ndarray, tuple[int, ...]]:
    """max(0, s_j - s_y + margin)**p for every class j != y, as (M, C), and the flat labels."""
    if p not in (1, 2):
        raise ValueError(f"{op}: p must be 1 (hinge) or 2 (squared hinge), got {p}")
    input = as_operand(input, op, "input")
    shape = input.shape
    if len(shape) not in (1, 2):
        raise ae.ShapeError(f"{op}: scores must be (N, C) or (C,), got shape {shape}")
    labels = check_labels(target, shape, op)
    scores, n_classes = _class_scores(input, op)
    flat = labels.reshape(-1)
    rows = np.arange(flat.size)
    correct = ae.reshape(scores[rows, flat], (flat.size, 1))
    margins = ae.relu(scores - correct + margin)
    if p == 2:
        margins = margins * margins
    others = np.ones(np.shape(value(scores)), dtype=value(scores).dtype)
    others[rows, flat] = 0
    return margins * others, flat, labels.shape


def multiclass_hinge_loss(
    input: Any, target: Any, delta: float = 1.0, p: int = 1, weight: Any = None, reduction: str = "mean"
) -> Any:
    """The notes' multiclass SVM (Weston-Watkins): ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta)**p``.

    ``p=1`` is the hinge, ``p=2`` the squared hinge.  ``input``: scores (N, C) or (C,);
    ``target``: integer labels (N,) or ().  ``weight`` (C,) scales each example's loss by the
    weight of its class (a ``weight`` that requires grad gets its gradient).  ``'mean'`` averages L_i
    over the examples (the CS231n ``svm_loss``);
    with small random scores and ``delta=1`` the loss starts near C - 1 (9 for 10 classes).
    Unlike :func:`multi_margin_loss` (PyTorch), the sum is *not* divided by the number of classes.
    """
    _check_reduction(reduction, "multiclass_hinge_loss")
    terms, flat, label_shape = _hinge_terms(input, target, delta, p, "multiclass_hinge_loss")
    losses = ae.sum(terms, axis=1)
    class_weight = _class_weight(weight, np.shape(value(terms))[1], "multiclass_hinge_loss", value(terms).dtype)
    if class_weight is not None:
        losses = losses * class_weight[flat]
    return _reduce(ae.reshape(losses, label_shape), reduction)


def multi_margin_loss(
    input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean"
) -> Any:
    """PyTorch's ``multi_margin_loss``: ``L_i = sum_{j != y_i} w[y_i] * max(0, margin - s_{y_i} + s_j)**p / C``.

    The same sum as the notes' :func:`multiclass_hinge_loss` with ``delta = margin``, divided
    by the number of classes C (PyTorch's convention).  ``'mean'`` averages over examples.  A ``weight``
    that requires grad gets its gradient (PyTorch refuses one).
    """
    _check_reduction(reduction, "multi_margin_loss")
    terms, flat, label_shape = _hinge_terms(input, target, margin, p, "multi_margin_loss")
    n_classes = np.shape(value(terms))[1]
    losses = ae.sum(terms, axis=1) / n_classes
    class_weight = _class_weight(weight, n_classes, "multi_margin_loss", value(terms).dtype)
    if class_weight is not None:
        losses = losses * class_weight[flat]
    return _reduce(ae.reshape(losses, label_shape), reduction)


def binary_hinge_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Any:
    """The notes' per-attribute binary SVM: ``L_i = sum_j max(0, margin - y_ij * f_ij)`` with y in {-1, +1}.

    ``input`` f and ``target`` y have one shape, (N,) or (N, K) (K independent attributes);
    ``'mean'`` averages L_i over the N examples, ``'none'`` returns the (N,) vector.  The labels
    take only the values -1 and +1, so they have no gradient: labels that require grad are refused.
    """
    op = "binary_hinge_loss"
    _check_reduction(reduction, op)
    input, target = as_operand(input, op, "input"), as_operand(target, op, "target")
    if isinstance(target, Tensor) and target.requires_grad:
        raise TypeError(
            f"{op}: the labels require grad, but labels are -1 or +1 and have no gradient; pass target.detach()"
        )
    shape = input.shape
    labels = np.asarray(value(target))
    if labels.shape != shape:
        raise ae.ShapeError(f"binary_hinge_loss: labels have shape {labels.shape} but the scores have shape {shape}")
    if not np.isin(labels, (-1, 1)).all():
        bad = labels[~np.isin(labels, (-1, 1))].ravel()[0]
        raise ValueError(f"binary_hinge_loss: labels must be -1 or +1, got {bad}; map {{0, 1}} labels with 2 * y - 1")
    terms = ae.relu(margin - input * labels.astype(input.dtype))
    losses = ae.sum(terms, axis=tuple(range(1, len(shape)))) if len(shape) > 1 else terms
    return _reduce(losses, reduction)


# ----- binary cross-entropy ---------------------------------------------------------


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Any:
    """Logistic loss of logits x against targets t in [0, 1]: ``-[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]``.

    Computed as ``softplus(x) - t * x`` (with ``pos_weight`` p: ``(1 - t) x + (1 + (p - 1) t) softplus(-x)``)
    through an exact, overflow-free softplus, so it is finite for any logit.  ``weight`` scales
    each element (broadcast); ``pos_weight`` (K,) weighs the positives of each attribute.
    ``'mean'`` averages over all elements (PyTorch).  Targets, ``weight`` and ``pos_weight`` that
    require grad get their gradients (PyTorch refuses them for the two weights).
    """
    from .activation import log1p_exp

    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    input, target = as_operand(input, op, "input"), as_operand(target, op, "target")
    shape = input.shape
    t = np.asarray(value(target))
    if t.shape != shape:
        raise ae.ShapeError(
            f"binary_cross_entropy_with_logits: targets have shape {t.shape} but the logits have shape {shape}"
        )
    if t.dtype.kind not in "fiub" or (t.size and (t.min() < 0 or t.max() > 1)):
        raise ValueError("binary_cross_entropy_with_logits: targets must be numbers in [0, 1] (probabilities or 0/1 labels)")
    if not isinstance(target, Tensor):
        target = t.astype(input.dtype)
    if pos_weight is None:
        losses = log1p_exp(input) - target * input
    else:
        pw = as_operand(pos_weight, op, "pos_weight")
        losses = (1 - target) * input + (1 + (pw - 1) * target) * log1p_exp(-input)
    if weight is not None:
        losses = losses * as_operand(weight, op, "weight")
    return _reduce(losses, reduction)


# ----- regression -----------------------------------------------------------------


def _difference(input: Any, target: Any, op: str) -> Any:
    """``input - target`` as a Tensor (both get their gradients), of one shape."""
    input, target = as_operand(input, op, "input"), as_operand(target, op, "target")
    if input.shape != target.shape:
        raise ae.ShapeError(
            f"{op}: input shape {input.shape} and target shape {target.shape} differ; reshape one so that they match"
        )
    return ae.subtract(input, target)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Squared L2 error ``(x - y)**2`` per element; ``'mean'`` averages over all elements."""
    _check_reduction(reduction, "mse_loss")
    d = _difference(input, target, "mse_loss")
    return _reduce(d * d, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Absolute error ``|x - y|`` per element (gradient 0 where x == y)."""
    _check_reduction(reduction, "l1_loss")
    return _reduce(ae.abs(_difference(input, target, "l1_loss")), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Any:
    """Huber-like loss: ``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = x - y)."""
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = _difference(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce(ae.abs(d), reduction)
    small = np.abs(value(d)) < beta
    losses = ae.where(small, 0.5 * d * d / beta, ae.abs(d) - 0.5 * beta)
    return _reduce(losses, reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """Huber loss: ``0.5 d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 delta)`` (d = x - y):
    ``delta`` times :func:`smooth_l1_loss` with ``beta = delta``.  ``delta`` must be positive."""
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = _difference(input, target, "huber_loss")
    small = np.abs(value(d)) < delta
    losses = ae.where(small, 0.5 * d * d, delta * (ae.abs(d) - 0.5 * delta))
    return _reduce(losses, reduction)


# ----- modules ------------------------------------------------------------------


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def _check_hinge_p(p: Any, owner: str) -> int:
    """The exponent of a hinge loss module: 1 (hinge) or 2 (squared hinge)."""
    p = check_int(p, "p", owner)
    if p not in (1, 2):
        raise ValueError(f"{owner}: p must be 1 (hinge) or 2 (squared hinge), got {p}")
    return p


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss`."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, check_int(ignore_index, "ignore_index", "NLLLoss")

    def forward(self, input: Any, target: Any) -> Any:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = check_int(ignore_index, "ignore_index", "CrossEntropyLoss")
        self.label_smoothing = check_real(label_smoothing, "label_smoothing", "CrossEntropyLoss", low=0.0, high=1.0)

    def forward(self, input: Any, target: Any) -> Any:
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class MultiClassHingeLoss(_Loss):
    """Module form of :func:`multiclass_hinge_loss` (the notes' Weston-Watkins SVM)."""

    def __init__(self, delta: float = 1.0, p: int = 1, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.delta, self.p, self.weight = (
            check_real(delta, "delta", "MultiClassHingeLoss"), _check_hinge_p(p, "MultiClassHingeLoss"), weight
        )

    def forward(self, input: Any, target: Any) -> Any:
        return multiclass_hinge_loss(input, target, self.delta, self.p, self.weight, self.reduction)


class MultiMarginLoss(_Loss):
    """Module form of :func:`multi_margin_loss` (PyTorch's: the hinge sum divided by C)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.p, self.margin, self.weight = (
            _check_hinge_p(p, "MultiMarginLoss"), check_real(margin, "margin", "MultiMarginLoss"), weight
        )

    def forward(self, input: Any, target: Any) -> Any:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class BinaryHingeLoss(_Loss):
    """Module form of :func:`binary_hinge_loss` (labels in {-1, +1})."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", "BinaryHingeLoss")

    def forward(self, input: Any, target: Any) -> Any:
        return binary_hinge_loss(input, target, self.margin, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """Module form of :func:`smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = check_real(beta, "beta", "SmoothL1Loss", low=0.0)

    def forward(self, input: Any, target: Any) -> Any:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = check_real(delta, "delta", "HuberLoss", low=0.0, low_open=True)

    def forward(self, input: Any, target: Any) -> Any:
        return huber_loss(input, target, self.reduction, self.delta)
