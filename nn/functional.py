"""The functional API: every layer and loss as a plain function of Tensors (PyTorch's ``nn.functional``).

The functions live next to their module forms (``nn/linear.py``, ``nn/loss.py``, ...); this
module gathers them under one name: ``import nn.functional as F``.  ``one_hot`` lives here.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine.checks import check_int
from autograd_engine.keywords import with_keyword_help
from autograd_engine.operands import value

from .activation import (
    elu,
    gelu,
    leaky_relu,
    log1p_exp,
    log_softmax,
    maxout,
    prelu,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from .activation_hard import hardsigmoid, hardswish, hardtanh, relu6
from .activation_smooth import celu, glu, logsigmoid, mish, selu, silu, softmin, softsign, tanhshrink
from .attention import scaled_dot_product_attention
from .conv import conv2d, pad
from .conv1d import avg_pool1d, conv1d, max_pool1d
from .conv_transpose import conv_transpose2d
from .distance import cosine_similarity, normalize, pairwise_distance
from .dropout import dropout, dropout2d
from .embedding import embedding
from .fold import fold, unfold
from .interpolate import interpolate
from .linear import linear
from .loss import (
    binary_cross_entropy_with_logits,
    binary_hinge_loss,
    check_labels,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    multiclass_hinge_loss,
    nll_loss,
    smooth_l1_loss,
)
from .loss_likelihood import binary_cross_entropy, gaussian_nll_loss, kl_div, poisson_nll_loss
from .loss_ranking import cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, triplet_margin_loss
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "linear", "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus", "log1p_exp", "gelu", "maxout",
    "softmax", "log_softmax", "dropout", "batch_norm", "layer_norm", "group_norm",
    "cross_entropy", "nll_loss", "multiclass_hinge_loss", "multi_margin_loss", "binary_hinge_loss",
    "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss", "check_labels",
    "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "embedding", "dropout2d", "pad",
    "one_hot",
    "silu", "mish", "selu", "celu", "softsign", "logsigmoid", "tanhshrink", "softmin", "glu",
    "hardtanh", "relu6", "hardsigmoid", "hardswish",
    "normalize", "cosine_similarity", "pairwise_distance", "conv_transpose2d",
    "conv1d", "max_pool1d", "avg_pool1d", "scaled_dot_product_attention",
    "binary_cross_entropy", "kl_div", "poisson_nll_loss", "gaussian_nll_loss", "huber_loss",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
    "interpolate", "unfold", "fold",
]


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """PyTorch's ``F.one_hot``: int64 rows of the identity, shape ``tensor.shape + (num_classes,)``,
    with ``result[..., k] = 1`` where ``tensor == k``.

    ``tensor`` holds integer class labels (any integer dtype; PyTorch insists on int64).
    ``num_classes=-1`` uses ``max + 1``, which needs a non-empty ``tensor``.  Not differentiable
    (labels carry no gradient); multiply by a float tensor or call ``.astype`` for float use.
    Delegates to ``autograd_engine.one_hot``.
    """
    num_classes = check_int(num_classes, "num_classes", "one_hot")
    if num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 (infer max + 1) or a non-negative int, got {num_classes!r}")
    labels = np.asarray(value(tensor))
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: tensor must hold integer class labels, got dtype {labels.dtype}; convert with .astype(np.int64)"
        )
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {labels.min()}")
    if num_classes == -1:
        if not labels.size:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; pass num_classes")
        num_classes = int(labels.max()) + 1
    return ae.one_hot(labels, num_classes, dtype=np.int64)


for _name in __all__:  # a keyword a function does not take is a TypeError naming it and the one to use
    if _name in globals() and callable(globals()[_name]) and not isinstance(globals()[_name], type):
        globals()[_name] = with_keyword_help(globals()[_name], _name)
del _name
