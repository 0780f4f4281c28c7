"""The functional API: every layer and loss as a plain function of Tensors (PyTorch's ``nn.functional``).

The functions live next to their module forms (``nn/linear.py``, ``nn/loss.py``, ...); this
module gathers them under one name: ``import nn.functional as F``.
"""
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
from .conv import conv2d
from .dropout import dropout
from .embedding import embedding
from .linear import linear
from .loss import (
    binary_cross_entropy_with_logits,
    binary_hinge_loss,
    check_labels,
    cross_entropy,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    multiclass_hinge_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "linear", "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus", "log1p_exp", "gelu", "maxout",
    "softmax", "log_softmax", "dropout", "batch_norm", "layer_norm", "group_norm",
    "cross_entropy", "nll_loss", "multiclass_hinge_loss", "multi_margin_loss", "binary_hinge_loss",
    "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss", "check_labels",
    "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "embedding",
]
