"""The functional API: every layer and loss as a plain function of Tensors (PyTorch's ``nn.functional``).

The functions live next to their module forms (``nn/linear.py``, ``nn/loss.py``, ...); this
module gathers them under one name: ``import nn.functional as F``.
"""
from autograd_engine import log_softmax, relu, sigmoid, softmax, tanh

from .linear import linear
from .loss import check_labels, cross_entropy, nll_loss

__all__ = [
    "linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "cross_entropy", "nll_loss", "check_labels",
]
