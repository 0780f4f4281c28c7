"""Operands: every public op accepts what NumPy accepts (Tensors, ndarrays, nested lists, Python
numbers) and gives the same result as on Tensors; a list or tuple holding Tensors is stacked *with*
its gradients (``ae.stack``), never silently detached.

The table ``CASES`` holds one call per public function of ``autograd_engine.ops`` and
``nn.functional``; ``test_every_public_function_is_in_the_table`` makes a new function fail until it
is added, so that each one is checked with list operands and with lists of Tensors.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import autograd_engine as ae
import nn.functional as F
from autograd_engine import ops, testing

RNG = np.random.default_rng(13)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


def probabilities(*shape: int) -> np.ndarray:
    p = RNG.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


class Case(NamedTuple):
    """``call(fn, *operands)``; ``operands`` are arrays: floating ones are differentiable, integer
    and boolean ones are labels, indices or masks.  ``scalars``: the same call on Python numbers,
    where NumPy accepts numbers (None where it does not)."""

    fn: Callable[..., Any]
    call: Callable[..., Any]
    operands: tuple[np.ndarray, ...]
    scalars: tuple[Any, ...] | None = None


def unary(fn, x=None, scalar=0.7, **kwargs):
    return Case(fn, lambda f, a: f(a, **kwargs), (normal(2, 3) if x is None else x,), None if scalar is None else (scalar,))


def binary(fn, a=None, b=None, scalars=(0.7, 1.3)):
    return Case(fn, lambda f, x, y: f(x, y), (normal(2, 3) if a is None else a, normal(3) if b is None else b), scalars)


IMAGES = normal(2, 2, 4, 4)
LABELS = np.array([0, 2])
SQUARE = normal(3, 3) + 3 * np.eye(3)
LSTM_GATES, LSTM_H, LSTM_C, LSTM_W = normal(3, 2, 8), normal(2, 2), normal(2, 2), normal(8, 2)

CASES: dict[str, Case] = {
    # ----- autograd_engine.ops: elementwise
    "ops.abs": unary(ops.abs),
    "ops.absolute": unary(ops.absolute),
    "ops.add": binary(ops.add),
    "ops.subtract": binary(ops.subtract),
    "ops.multiply": binary(ops.multiply),
    "ops.divide": binary(ops.divide, b=positive(3)),
    "ops.power": binary(ops.power, a=positive(2, 3)),
    "ops.maximum": binary(ops.maximum),
    "ops.minimum": binary(ops.minimum),
    "ops.negative": unary(ops.negative),
    "ops.exp": unary(ops.exp),
    "ops.log": unary(ops.log, positive(2, 3)),
    "ops.log1p": unary(ops.log1p, positive(2, 3)),
    "ops.expm1": unary(ops.expm1),
    "ops.sqrt": unary(ops.sqrt, positive(2, 3)),
    "ops.sin": unary(ops.sin),
    "ops.cos": unary(ops.cos),
    "ops.tanh": unary(ops.tanh),
    "ops.sigmoid": unary(ops.sigmoid),
    "ops.relu": unary(ops.relu),
    "ops.leaky_relu": unary(ops.leaky_relu, scalar=-0.7, negative_slope=0.1),
    "ops.square": unary(ops.square),
    "ops.erf": unary(ops.erf),
    "ops.clip": unary(ops.clip, a_min=-0.5, a_max=0.5, scalar=0.3),
    "ops.clamp": unary(ops.clamp, min=-0.5, max=0.5, scalar=0.3),
    "ops.astype": unary(ops.astype, dtype=np.float64),
    "ops.where": Case(ops.where, lambda f, c, a, b: f(c, a, b), (normal(2, 3) > 0, normal(2, 3), normal(3)), (True, 0.7, 1.3)),
    # reductions and the softmax family
    "ops.sum": unary(ops.sum, axis=1, scalar=None),
    "ops.mean": unary(ops.mean, axis=1, scalar=None),
    "ops.max": unary(ops.max, axis=1, scalar=None),
    "ops.min": unary(ops.min, axis=1, scalar=None),
    "ops.amax": unary(ops.amax),
    "ops.mean (all axes)": unary(ops.mean),
    "ops.sum (all axes)": unary(ops.sum),
    "ops.logsumexp (all axes)": unary(ops.logsumexp),
    "ops.stack (axis 0)": Case(ops.stack, lambda f, a, b: f([a, b]), (normal(2, 3), normal(2, 3)), (0.7, 1.3)),
    "ops.amin": unary(ops.amin),
    "ops.var": unary(ops.var, axis=0),
    "ops.std": unary(ops.std),
    "ops.logsumexp": unary(ops.logsumexp, axis=1, scalar=None),
    "ops.softmax": unary(ops.softmax),
    "ops.log_softmax": unary(ops.log_softmax, axis=0),
    "ops.argmax": unary(ops.argmax, axis=1, scalar=None),
    "ops.argmin": unary(ops.argmin),
    # comparisons (bool arrays)
    **{f"ops.{name}": binary(getattr(ops, name)) for name in
       ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal")},
    # shapes
    "ops.reshape": unary(ops.reshape, shape=(3, 2), scalar=None),
    "ops.transpose": unary(ops.transpose),
    "ops.permute": unary(ops.permute, axes=(1, 0), scalar=None),
    "ops.swapaxes": unary(ops.swapaxes, axis1=0, axis2=1, scalar=None),
    "ops.moveaxis": unary(ops.moveaxis, source=0, destination=-1, scalar=None),
    "ops.broadcast_to": unary(ops.broadcast_to, normal(1, 3), shape=(2, 3)),
    "ops.expand": unary(ops.expand, normal(1, 3), shape=(2, 3)),
    "ops.squeeze": unary(ops.squeeze, normal(1, 3)),
    "ops.expand_dims": unary(ops.expand_dims, axis=0),
    "ops.unsqueeze": unary(ops.unsqueeze, axis=1, scalar=None),
    "ops.flatten": unary(ops.flatten),
    "ops.ravel": unary(ops.ravel),
    # indexing, joining, products
    "ops.getitem": unary(ops.getitem, key=(1, slice(1, None)), scalar=None),
    "ops.scatter_add": unary(ops.scatter_add, normal(2), key=np.array([0, 2]), shape=(3,), scalar=None),
    "ops.scatter_add(dim)": Case(ops.scatter_add, lambda f, x, i, s: f(x, 1, i, s), (normal(2, 3), np.array([[2, 2], [0, 1]]), normal(2, 2))),
    "ops.scatter": Case(ops.scatter, lambda f, x, i, s: f(x, 0, i, s), (normal(2, 3), np.array([[1, 0, 1]]), normal(1, 3))),
    "ops.index_put": Case(ops.index_put, lambda f, x, v: f(x, (np.array([1, 0]),), v), (normal(2, 3), normal(3))),
    "ops.masked_fill": Case(ops.masked_fill, lambda f, x, m: f(x, m, 0.5), (normal(2, 3), normal(3) > 0)),
    "ops.one_hot": unary(ops.one_hot, np.array([[0, 2], [1, 1]]), num_classes=3, scalar=2),
    "ops.concatenate": Case(ops.concatenate, lambda f, a, b: f([a, b], axis=1), (normal(2, 3), normal(2, 1))),
    "ops.cat": Case(ops.cat, lambda f, a, b: f([a, b], dim=1), (normal(2, 3), normal(2, 1))),
    "ops.stack": Case(ops.stack, lambda f, a, b: f((a, b), axis=1), (normal(2, 3), normal(2, 3))),
    "ops.split": unary(ops.split, normal(4, 3), indices_or_sections=2, scalar=None),
    "ops.pad": unary(ops.pad, pad_width=1),
    "ops.matmul": binary(ops.matmul, normal(2, 3), normal(3, 4), scalars=None),
    "ops.dot": binary(ops.dot, normal(2, 3), normal(3, 4)),
    "ops.linear": Case(ops.linear, lambda f, x, w, b: f(x, w, b), (normal(2, 3), normal(4, 3), normal(4))),
    "ops.lstm_recurrence": Case(ops.lstm_recurrence, lambda f, *a: f(*a), (LSTM_GATES, LSTM_H, LSTM_C, LSTM_W)),
    "ops.lstm_step": Case(ops.lstm_step, lambda f, *a: f(*a), (LSTM_GATES[0], LSTM_H, LSTM_C, LSTM_W)),
    "ops.rnn_step": Case(ops.rnn_step, lambda f, *a: f(*a), (normal(2, 2), LSTM_H, normal(2, 2))),
    "ops.gru_step": Case(ops.gru_step, lambda f, *a: f(*a), (normal(2, 6), LSTM_H, normal(6, 2), normal(6))),
    # reordering, matrix pieces and contractions, joining and splitting
    "ops.flip": unary(ops.flip, axis=1, scalar=None),
    "ops.flipud": unary(ops.flipud, scalar=None),
    "ops.fliplr": unary(ops.fliplr, scalar=None),
    "ops.rot90": unary(ops.rot90, k=3, scalar=None),
    "ops.roll": unary(ops.roll, shift=2, scalar=None),
    "ops.tile": unary(ops.tile, reps=(2, 1)),
    "ops.repeat": unary(ops.repeat, repeats=2, axis=1, scalar=None),
    "ops.repeat_interleave": unary(ops.repeat_interleave, repeats=[1, 0, 2], dim=1, scalar=None),
    "ops.sort": unary(ops.sort, axis=0),
    "ops.argsort": unary(ops.argsort, axis=0, scalar=None),
    "ops.topk": unary(ops.topk, k=2, dim=1, scalar=None),
    "ops.take": unary(ops.take, indices=np.array([4, 0, 4]), scalar=None),
    "ops.take_along_axis": Case(ops.take_along_axis, lambda f, x, i: f(x, i, 1), (normal(2, 3), np.array([[2, 2], [0, 1]]))),
    "ops.put_along_axis": Case(ops.put_along_axis, lambda f, x, i, v: f(x, i, v, 1),
                               (normal(2, 3), np.array([[2], [0]]), normal(2, 1))),
    "ops.einsum": Case(ops.einsum, lambda f, a, b: f("ij,jk->ik", a, b), (normal(2, 3), normal(3, 4)), None),
    "ops.tensordot": Case(ops.tensordot, lambda f, a, b: f(a, b, axes=1), (normal(2, 3), normal(3, 4))),
    "ops.inner": binary(ops.inner),
    "ops.outer": binary(ops.outer),
    "ops.kron": binary(ops.kron),
    "ops.cross": binary(ops.cross, normal(2, 3), normal(3), scalars=None),
    "ops.tril": unary(ops.tril, k=1, scalar=None),
    "ops.triu": unary(ops.triu, scalar=None),
    "ops.diagonal": unary(ops.diagonal, offset=1, scalar=None),
    "ops.diag": unary(ops.diag, normal(3), k=-1, scalar=None),
    "ops.trace": unary(ops.trace, scalar=None),
    "ops.hstack": Case(ops.hstack, lambda f, a, b: f([a, b]), (normal(2, 3), normal(2, 1))),
    "ops.vstack": Case(ops.vstack, lambda f, a, b: f([a, b]), (normal(3), normal(2, 3))),
    "ops.row_stack": Case(ops.row_stack, lambda f, a, b: f((a, b)), (normal(3), normal(3))),
    "ops.dstack": Case(ops.dstack, lambda f, a, b: f([a, b]), (normal(2, 3), normal(2, 3, 2))),
    "ops.column_stack": Case(ops.column_stack, lambda f, a, b: f([a, b]), (normal(2), normal(2, 3))),
    "ops.append": Case(ops.append, lambda f, a, b: f(a, b), (normal(2, 3), normal(4)), (0.7, 1.3)),
    "ops.array_split": unary(ops.array_split, normal(5, 2), indices_or_sections=3, scalar=None),
    "ops.hsplit": unary(ops.hsplit, normal(2, 4), indices_or_sections=2, scalar=None),
    "ops.vsplit": unary(ops.vsplit, normal(4, 3), indices_or_sections=[1], scalar=None),
    "ops.dsplit": unary(ops.dsplit, normal(2, 2, 4), indices_or_sections=2, scalar=None),
    "ops.atleast_1d": unary(ops.atleast_1d),
    "ops.atleast_2d": unary(ops.atleast_2d, normal(3)),
    "ops.atleast_3d": unary(ops.atleast_3d),
    "ops.rollaxis": unary(ops.rollaxis, normal(2, 3, 4), axis=2, scalar=None),
    "ops.unflatten": unary(ops.unflatten, normal(2, 6), axis=1, sizes=(3, -1), scalar=None),
    # images
    "ops.conv2d": Case(ops.conv2d, lambda f, x, w, b: f(x, w, b, padding=1), (IMAGES, normal(3, 2, 3, 3), normal(3))),
    "ops.max_pool2d": unary(ops.max_pool2d, IMAGES, kernel_size=2, scalar=None),
    "ops.avg_pool2d": unary(ops.avg_pool2d, IMAGES, kernel_size=2, scalar=None),
    "ops.global_avg_pool2d": unary(ops.global_avg_pool2d, IMAGES, scalar=None),
    # ----- autograd_engine.linalg (not in ops.__all__: NumPy's namespace)
    "linalg.inv": unary(ae.linalg.inv, SQUARE, scalar=None),
    "linalg.det": unary(ae.linalg.det, SQUARE, scalar=None),
    "linalg.slogdet": unary(ae.linalg.slogdet, SQUARE, scalar=None),
    "linalg.solve": binary(ae.linalg.solve, SQUARE, normal(3, 2), scalars=None),
    "linalg.matrix_power": unary(ae.linalg.matrix_power, SQUARE, n=-2, scalar=None),
    "linalg.cholesky": unary(ae.linalg.cholesky, SQUARE @ SQUARE.T, scalar=None),
    "linalg.eigh": unary(ae.linalg.eigh, SQUARE + SQUARE.T, scalar=None),
    "linalg.svd": unary(ae.linalg.svd, SQUARE, scalar=None),
    "linalg.qr": unary(ae.linalg.qr, normal(3, 2), scalar=None),
    "linalg.pinv": unary(ae.linalg.pinv, normal(3, 2), scalar=None),
    # ----- nn.functional
    "F.linear": Case(F.linear, lambda f, x, w: f(x, w), (normal(2, 3), normal(4, 3))),
    "F.relu": unary(F.relu),
    "F.leaky_relu": unary(F.leaky_relu, negative_slope=0.2),
    "F.prelu": Case(F.prelu, lambda f, x, w: f(x, w), (normal(2, 3), positive(3) / 4)),
    "F.elu": unary(F.elu),
    "F.sigmoid": unary(F.sigmoid),
    "F.tanh": unary(F.tanh),
    "F.softplus": unary(F.softplus),
    "F.log1p_exp": unary(F.log1p_exp),
    "F.gelu": unary(F.gelu),
    "F.maxout": unary(F.maxout, normal(2, 4), pieces=2, scalar=None),
    "F.softmax": unary(F.softmax, dim=0),
    "F.log_softmax": unary(F.log_softmax),
    "F.dropout": unary(F.dropout, training=False),
    "F.dropout2d": unary(F.dropout2d, IMAGES, training=False, scalar=None),
    "F.batch_norm": Case(
        F.batch_norm, lambda f, x, w, b: f(x, None, None, w, b, training=True), (normal(4, 3), positive(3), normal(3))
    ),
    "F.layer_norm": Case(F.layer_norm, lambda f, x, w, b: f(x, (3,), w, b), (normal(2, 3), positive(3), normal(3))),
    "F.group_norm": Case(F.group_norm, lambda f, x, w, b: f(x, 2, w, b), (normal(2, 4, 3), positive(4), normal(4))),
    "F.cross_entropy": Case(F.cross_entropy, lambda f, x, y: f(x, y), (normal(2, 3), LABELS)),
    "F.nll_loss": Case(F.nll_loss, lambda f, x, y: f(x, y), (normal(2, 3), LABELS)),
    "F.multiclass_hinge_loss": Case(F.multiclass_hinge_loss, lambda f, x, y: f(x, y), (normal(2, 3), LABELS)),
    "F.multi_margin_loss": Case(F.multi_margin_loss, lambda f, x, y: f(x, y), (normal(2, 3), LABELS)),
    "F.binary_hinge_loss": Case(F.binary_hinge_loss, lambda f, x, y: f(x, y), (normal(2, 3), np.sign(normal(2, 3)).astype(np.int64))),
    "F.binary_cross_entropy_with_logits": Case(
        F.binary_cross_entropy_with_logits, lambda f, x, y: f(x, y), (normal(2, 3), probabilities(2, 3))
    ),
    "F.mse_loss": binary(F.mse_loss, normal(2, 3), normal(2, 3)),
    "F.l1_loss": binary(F.l1_loss, normal(2, 3), normal(2, 3)),
    "F.smooth_l1_loss": binary(F.smooth_l1_loss, normal(2, 3), normal(2, 3)),
    "F.check_labels": Case(F.check_labels, lambda f, y: f(y, (2, 3), "loss"), (LABELS,)),
    "F.conv2d": Case(F.conv2d, lambda f, x, w: f(x, w, stride=2), (IMAGES, normal(3, 2, 3, 3))),
    "F.max_pool2d": unary(F.max_pool2d, IMAGES, kernel_size=2, scalar=None),
    "F.avg_pool2d": unary(F.avg_pool2d, IMAGES, kernel_size=2, scalar=None),
    "F.adaptive_avg_pool2d": unary(F.adaptive_avg_pool2d, IMAGES, output_size=3, scalar=None),
    "F.adaptive_max_pool2d": unary(F.adaptive_max_pool2d, IMAGES, output_size=3, scalar=None),
    "F.embedding": Case(F.embedding, lambda f, i, w: f(i, w, padding_idx=1), (np.array([[0, 1], [2, 0]]), normal(3, 2))),
    "F.pad": unary(F.pad, pad=(1, 2), scalar=None),
    "F.one_hot": unary(F.one_hot, LABELS, scalar=3),
    # ----- nn.functional: the activations, layers and losses of nn/activation_*.py, conv1d.py, ...
    **{f"F.{name}": unary(getattr(F, name)) for name in (
        "silu", "mish", "selu", "celu", "softsign", "logsigmoid", "tanhshrink", "hardtanh", "relu6", "hardsigmoid",
        "hardswish")},
    "F.softmin": unary(F.softmin, dim=0),
    "F.glu": unary(F.glu, normal(2, 4), scalar=None),
    "F.normalize": unary(F.normalize, scalar=None),
    "F.cosine_similarity": binary(F.cosine_similarity, normal(2, 3), normal(2, 3), scalars=None),
    "F.pairwise_distance": binary(F.pairwise_distance, normal(2, 3), normal(3), scalars=None),
    "F.conv1d": Case(F.conv1d, lambda f, x, w: f(x, w, padding=1), (normal(2, 2, 5), normal(3, 2, 3))),
    "F.max_pool1d": unary(F.max_pool1d, normal(2, 2, 6), kernel_size=2, scalar=None),
    "F.avg_pool1d": unary(F.avg_pool1d, normal(2, 2, 6), kernel_size=2, scalar=None),
    "F.conv_transpose2d": Case(F.conv_transpose2d, lambda f, x, w: f(x, w, stride=2), (IMAGES, normal(2, 3, 2, 2))),
    "ops.conv_transpose2d": Case(ops.conv_transpose2d, lambda f, x, w: f(x, w), (IMAGES, normal(2, 3, 2, 2))),
    "F.interpolate": unary(F.interpolate, IMAGES, scale_factor=1.5, mode="bilinear", scalar=None),
    "F.unfold": unary(F.unfold, IMAGES, kernel_size=2, padding=1, scalar=None),
    "F.fold": unary(F.fold, normal(2, 8, 9), output_size=4, kernel_size=2, stride=2, padding=1, scalar=None),
    "F.scaled_dot_product_attention": Case(
        F.scaled_dot_product_attention, lambda f, q, k, v: f(q, k, v), (normal(3, 2), normal(4, 2), normal(4, 3))),
    "F.binary_cross_entropy": binary(F.binary_cross_entropy, probabilities(2, 3), probabilities(2, 3), scalars=None),
    "F.kl_div": binary(F.kl_div, np.log(probabilities(2, 3)), probabilities(2, 3), scalars=None),
    "F.huber_loss": binary(F.huber_loss, normal(2, 3), normal(2, 3), scalars=None),
    "F.poisson_nll_loss": binary(F.poisson_nll_loss, normal(2, 3), positive(2, 3), scalars=None),
    "F.gaussian_nll_loss": Case(F.gaussian_nll_loss, lambda f, x, y, v: f(x, y, v), (normal(2, 3), normal(2, 3), positive(2, 3))),
    "F.margin_ranking_loss": Case(
        F.margin_ranking_loss, lambda f, a, b: f(a, b, np.array([1.0, -1.0, 1.0])), (normal(3), normal(3))),
    "F.hinge_embedding_loss": Case(F.hinge_embedding_loss, lambda f, x: f(x, np.array([1.0, -1.0, 1.0])), (positive(3),)),
    "F.cosine_embedding_loss": Case(
        F.cosine_embedding_loss, lambda f, a, b: f(a, b, np.array([1.0, -1.0])), (normal(2, 3), normal(2, 3))),
    "F.triplet_margin_loss": Case(
        F.triplet_margin_loss, lambda f, a, p, n: f(a, p, n), (normal(2, 3), normal(2, 3), normal(2, 3))),
    # ----- autograd_engine.ops: more elementwise ops, scans, norms, PyTorch's spellings
    **{f"ops.{name}": unary(getattr(ops, name)) for name in (
        "tan", "arctan", "atan", "sinh", "cosh", "arcsinh", "asinh", "sinc", "deg2rad", "radians", "rad2deg", "degrees",
        "exp2", "reciprocal", "sign", "floor", "ceil", "round", "around", "trunc", "fix", "fabs", "nan_to_num",
        "isnan", "isinf", "isfinite", "clone", "cumsum", "cumprod", "logcumsumexp", "prod", "ptp", "var_mean",
        "std_mean", "norm")},
    **{f"ops.{name}": unary(getattr(ops, name), RNG.uniform(-0.9, 0.9, (2, 3)), scalar=0.4) for name in (
        "arcsin", "asin", "arccos", "acos", "arctanh", "atanh")},
    **{f"ops.{name}": unary(getattr(ops, name), positive(2, 3), scalar=1.3) for name in ("log2", "log10", "rsqrt")},
    **{f"ops.{name}": unary(getattr(ops, name), positive(2, 3) + 1, scalar=1.7) for name in ("arccosh", "acosh")},
    **{f"ops.{name}": binary(getattr(ops, name), b=positive(3)) for name in (
        "arctan2", "atan2", "hypot", "logaddexp", "logaddexp2", "copysign", "fmax", "fmin", "mod", "remainder",
        "fmod", "true_divide")},
    "ops.pow": binary(ops.pow, a=positive(2, 3)),
    "ops.clamp_min": unary(ops.clamp_min, min=0.1),
    "ops.clamp_max": unary(ops.clamp_max, max=0.1),
    "ops.cummax": unary(ops.cummax, axis=1, scalar=None),
    "ops.cummin": unary(ops.cummin, dim=0, scalar=None),
    "ops.diff": unary(ops.diff, n=1, scalar=None),
    "ops.gradient": unary(ops.gradient, normal(3, 4), scalar=None),
    "ops.mm": binary(ops.mm, normal(2, 3), normal(3, 4), scalars=None),
    "ops.bmm": binary(ops.bmm, normal(2, 2, 3), normal(2, 3, 4), scalars=None),
    "ops.lerp": Case(ops.lerp, lambda f, a, b, w: f(a, b, w), (normal(2, 3), normal(3), positive(2, 3)), (0.7, 1.3, 0.2)),
    "ops.chunk": unary(ops.chunk, chunks=2, axis=1, scalar=None),
    "ops.narrow": unary(ops.narrow, axis=1, start=1, length=2, scalar=None),
    "ops.select": unary(ops.select, axis=1, index=-1, scalar=None),
}

NOT_ARRAY_FUNCTIONS = {
    "ops.conv_output_size": "sizes (ints) in, an int out: no array operand",
}


def test_every_public_function_is_in_the_table():
    names = {f"ops.{name}" for name in ops.__all__} | {f"F.{name}" for name in F.__all__}
    missing = sorted(names - CASES.keys() - NOT_ARRAY_FUNCTIONS.keys())
    assert not missing, f"add these public functions to CASES in tests/engine/ops/test_operands.py: {missing}"


# ----- helpers -------------------------------------------------------------------------------------


def floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f"


def outputs(result: Any) -> list[Any]:
    """The arrays or Tensors a call returned (one, or several for split, lstm_recurrence, ...)."""
    return list(result) if isinstance(result, (list, tuple)) else [result]


def as_array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, ae.Tensor) else np.asarray(x)


def assert_same_results(actual: Any, expected: Any) -> None:
    actual, expected = outputs(actual), outputs(expected)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        a, e = as_array(a), as_array(e)
        assert a.shape == e.shape and a.dtype == e.dtype, f"{a.shape} {a.dtype} != {e.shape} {e.dtype}"
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-7)


def integer_tensor(a: np.ndarray) -> ae.Tensor:
    return ae.Tensor(a)  # an ndarray keeps its dtype (Tensor([0, 2]) would be float32, like Tensor(2))


# ----- array-likes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_nested_lists_give_what_tensors_of_them_give(name):
    """``f([[...]])`` is ``f(Tensor([[...]]))``: the lists become the default dtype, as Tensor() makes them."""
    case = CASES[name]
    lists = [a.tolist() for a in case.operands]
    tensors = [ae.Tensor(a.tolist()) if floating(a) else integer_tensor(a) for a in case.operands]
    assert_same_results(case.call(case.fn, *lists), case.call(case.fn, *tensors))


@pytest.mark.parametrize("name", sorted(CASES))
def test_ndarrays_give_what_tensors_of_them_give(name):
    case = CASES[name]
    tensors = [ae.Tensor(a) for a in case.operands]
    assert_same_results(case.call(case.fn, *case.operands), case.call(case.fn, *tensors))


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case.scalars is not None))
def test_python_numbers_give_what_0d_tensors_give(name):
    case = CASES[name]
    tensors = [ae.Tensor(s) if isinstance(s, float) else ae.Tensor(np.asarray(s)) for s in case.scalars]
    assert_same_results(case.call(case.fn, *case.scalars), case.call(case.fn, *tensors))


# ----- lists of Tensors ------------------------------------------------------------------------------


def loss_and_gradients(case: Case, operands: list[Any], leaves: list[list[ae.Tensor]]) -> tuple[list[np.ndarray], list]:
    """The values of ``case``'s call, and the gradient of a random weighting of its outputs for each leaf."""
    results = [o for o in outputs(case.call(case.fn, *operands)) if isinstance(o, ae.Tensor) and o.requires_grad]
    weights = np.random.default_rng(1)
    total = sum(ae.sum(o * weights.standard_normal(o.shape)) for o in results)
    total.backward()
    return [o.data for o in results], [[t.grad for t in group] for group in leaves]


NOT_DIFFERENTIABLE = {"ops.argmax", "ops.argmin", "ops.argsort", "ops.less", "ops.less_equal", "ops.greater",
                      "ops.greater_equal", "ops.equal", "ops.not_equal", "ops.isnan", "ops.isinf",
                      "ops.isfinite"}  # integer or bool outputs: their values are compared above


@pytest.mark.parametrize(
    "name", sorted(n for n, case in CASES.items() if n not in NOT_DIFFERENTIABLE and any(floating(a) and a.ndim for a in case.operands))
)
def test_lists_of_tensors_are_stacked_with_their_gradients(name):
    """Each floating operand given as a list of row Tensors that require grad: the same values, and
    each row gets its slice of the gradient the whole Tensor gets (nothing is detached)."""
    case = CASES[name]
    whole = [ae.Tensor(a, requires_grad=True) if floating(a) else a for a in case.operands]
    rows = [[ae.Tensor(r, requires_grad=True) for r in a] if floating(a) and a.ndim else a for a in case.operands]
    expected_values, expected = loss_and_gradients(case, whole, [[t] for t in whole if isinstance(t, ae.Tensor)])
    values, actual = loss_and_gradients(case, rows, [r for r in rows if isinstance(r, list)])
    assert len(values) == len(expected_values) > 0
    for v, e in zip(values, expected_values):
        np.testing.assert_allclose(v, e, rtol=1e-12, atol=1e-12)
    for row_grads, (whole_grad,) in zip(actual, expected):
        assert all(g is not None for g in row_grads), "a Tensor inside a list operand lost its gradient"
        np.testing.assert_allclose(np.stack(row_grads), whole_grad, rtol=1e-12, atol=1e-12)


def test_a_sum_of_a_list_of_tensors_differentiates_each():
    x = ae.Tensor([1.0, -2.0], requires_grad=True)
    ae.sum([x, x + 2]).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_elementwise_ops_on_lists_of_tensors():
    x = ae.Tensor(0.5, requires_grad=True)
    y = ae.exp([x, x])  # exp(x) twice: gradient 2 exp(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(0.5), rtol=1e-6)
    a, b = ae.Tensor([1.0, 5.0], requires_grad=True), ae.Tensor([3.0, 2.0], requires_grad=True)
    ae.max([a, b], axis=0).sum().backward()  # torch.stack([a, b]).max(0): the larger of each pair
    np.testing.assert_array_equal(a.grad, [0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.0])


def test_nested_and_mixed_lists_of_numbers_and_tensors():
    a, b = ae.Tensor(2.0, requires_grad=True), ae.Tensor(3.0, requires_grad=True)
    m = ae.matmul([[a, 1.0], [0.0, b]], [[1.0], [a]])  # [[a + a], [b a]]
    np.testing.assert_allclose(m.data, [[4.0], [6.0]])
    m.sum().backward()  # d/da (2a + a b) = 2 + b, d/db = a
    np.testing.assert_allclose([a.grad, b.grad], [5.0, 2.0])
    row = ae.Tensor([1.0, 2.0], requires_grad=True)
    out = ae.multiply([row, [3.0, 4.0]], 2.0)  # a list holding a Tensor and a list of numbers
    out.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(out.data, [[2.0, 4.0], [6.0, 8.0]])
    np.testing.assert_array_equal(row.grad, [2.0, 2.0])


def test_tuples_of_tensors_and_operator_operands():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    y = x * (x, x)  # the tuple is stacked: (2, 2) with gradient 2 x per row, and x's own share
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)
    x.grad = None
    ae.where([True, False], [x[0], x[1]], 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])
    x.grad = None
    ae.concatenate([[x[1], x[0]], x]).sum().backward()  # an element of concatenate given as a list
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_a_list_of_tensors_of_different_shapes_is_refused_naming_the_op():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ae.ShapeError, match=r"exp: .*list holding Tensors.*one shape.*\(2,\), \(3,\)"):
        ae.exp([x, ae.Tensor([1.0, 2.0, 3.0])])
    with pytest.raises(ae.ShapeError, match=r"sum: .*one shape"):
        ae.sum([x, ae.Tensor([1.0, 2.0, 3.0])])


def test_ragged_and_non_numeric_lists_are_refused_naming_the_op():
    with pytest.raises(ValueError, match=r"exp: cannot make an array of numbers .*rectangular"):
        ae.exp([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"sum: cannot make an array of numbers .*rectangular"):
        ae.sum([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"add: the operand 2 must be numbers, got dtype <U1"):
        ae.add(ae.Tensor([1.0]), ["a"])


def test_operands_that_are_not_numbers_are_refused_naming_the_op():
    with pytest.raises(TypeError, match=r"exp: the operand 1 must be numbers, got dtype object from a NoneType"):
        ae.exp(None)
    with pytest.raises(TypeError, match=r"maximum: the operand 2 must be numbers, got dtype <U1 from a str"):
        ae.maximum(1.0, "a")


def test_lists_of_numbers_are_not_joined_as_python_lists():
    """``ae.add([1, 2], [3, 4])`` adds elementwise (Python's + on two lists would concatenate them)."""
    np.testing.assert_array_equal(ae.add([1.0, 2.0], [3.0, 4.0]).data, [4.0, 6.0])
    np.testing.assert_array_equal(ae.multiply([1.0, 2.0], [3.0, 4.0]).data, [3.0, 8.0])


def test_a_python_number_beside_a_tensor_keeps_the_tensors_dtype():
    """NumPy treats Python numbers as weak: they do not widen float16 or float32 tensors."""
    for dtype in (np.float16, np.float32):
        assert (ae.Tensor(np.ones(2, dtype)) * 2.0).dtype == dtype
        assert ae.add(2.0, ae.Tensor(np.ones(2, dtype))).dtype == dtype
    assert ae.exp(2.0).dtype == ae.Tensor(2.0).dtype == np.float32


# ----- Tensors in argument positions ------------------------------------------------------------------


def test_variance_with_ddof_at_least_the_count_keeps_a_list_of_tensors_in_the_graph():
    """That case subtracts a constant array; a list operand met it with NumPy's -, which detached it."""
    rows = [ae.Tensor([1.0, 4.0], requires_grad=True), ae.Tensor([2.0, 8.0], requires_grad=True)]
    whole = ae.Tensor([[1.0, 4.0], [2.0, 8.0]], requires_grad=True)
    with np.errstate(invalid="ignore"):
        ae.var(rows, axis=0, ddof=2).sum().backward()
        ae.var(whole, axis=0, ddof=2).sum().backward()
    np.testing.assert_array_equal(np.stack([r.grad for r in rows]), whole.grad)  # +-inf, as documented


def test_clip_bounds_that_are_tensors_get_their_gradients():
    x, lo, hi = np.array([-2.0, 0.5, 3.0, 1.0, -1.0]), np.array([-1.0, -1.0, -1.0, 1.0, -1.0]), np.array(2.0)
    testing.assert_gradients_match(ae.clip, x + 0.01, lo, hi)  # off the ties
    tensors = [ae.Tensor(v, requires_grad=True) for v in (x, lo, hi)]
    out = ae.clip(*tensors)
    out.backward(np.arange(1.0, 6.0))
    np.testing.assert_array_equal(out.data, np.clip(x, lo, hi))
    # x gets g inside and on the bounds (x == lo at index 3), each bound where it wins (PyTorch's clamp)
    np.testing.assert_array_equal(tensors[0].grad, [0.0, 2.0, 0.0, 4.0, 5.0])
    np.testing.assert_array_equal(tensors[1].grad, [1.0, 0.0, 0.0, 0.0, 0.0])
    assert tensors[2].grad == 3.0


def test_clip_with_tensor_bounds_matches_pytorch_clamp():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, lo, hi = rng.standard_normal((3, 4)), rng.uniform(-1.0, -0.2, 4), rng.uniform(0.2, 1.0, (3, 1))
    g = rng.standard_normal((3, 4))
    ours = [ae.Tensor(v, requires_grad=True) for v in (x, lo, hi)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, lo, hi)]
    ae.clip(*ours).backward(g)
    torch.clamp(*theirs).backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12)


def test_pad_with_a_tensor_constant_gives_it_the_gradient_of_the_padding():
    x = ae.Tensor([1.0, 5.0], requires_grad=True)
    c = ae.Tensor(7.0, requires_grad=True)
    out = ae.pad(x, (1, 2), constant_values=c)
    np.testing.assert_array_equal(out.data, [7.0, 1.0, 5.0, 7.0, 7.0])
    out.backward(np.arange(5.0))
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])
    assert c.grad == 0.0 + 3.0 + 4.0
    testing.assert_gradients_match(lambda a, v: ae.pad(a, ((1, 0), (2, 1)), constant_values=v), normal(2, 3), np.array(0.5))
    with pytest.raises(ae.ShapeError, match="pad: constant_values as a Tensor must be 0-d"):
        ae.pad(x, 1, constant_values=ae.Tensor([1.0, 2.0], requires_grad=True))


def test_leaky_relu_refuses_a_slope_that_requires_grad():
    with pytest.raises(TypeError, match="leaky_relu: negative_slope is a constant.*prelu"):
        ae.leaky_relu(ae.Tensor([1.0, -1.0]), ae.Tensor(0.1, requires_grad=True))
    np.testing.assert_allclose(ae.leaky_relu(ae.Tensor([-1.0]), ae.Tensor(0.2)).data, [-0.2])  # a constant Tensor is fine
