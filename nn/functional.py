"""The functional API: every layer and loss as a plain function of Tensors (PyTorch's ``nn.functional``).

The functions live next to their module forms (``nn/linear.py``, ``nn/loss.py``, ...); this
module gathers them under one name: ``import nn.functional as F``.
"""
from .activation import elu, gelu, leaky_relu, log_softmax, maxout, prelu, relu, sigmoid, softmax, softplus, tanh
from .linear import linear
from .loss import check_labels, cross_entropy, nll_loss

__all__ = [
    "linear", "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus", "gelu", "maxout",
    "softmax", "log_softmax",
    "cross_entropy", "nll_loss", "check_labels",
]
