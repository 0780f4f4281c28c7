"""The engine's operations, one module per family.  Each primitive (a ``Primitive`` subclass with
its forward and gradient rule) is declared in exactly one of them, beside the ``@op`` function
that exposes it as ``ae.<name>`` (and as a Tensor method or operator):

- ``elementwise``: arithmetic (+ - * / **), maximum, minimum, exp, log, log1p, expm1, sqrt, sin,
  cos, abs, tanh, sigmoid, relu, leaky_relu, clip, where, astype (square composed)
- ``reduce``: sum, mean, max, min, logsumexp (var, std composed); argmax, argmin
- ``activation``: softmax, log_softmax (the elementwise activations are in ``elementwise``)
- ``shape``: reshape, transpose, broadcast_to (squeeze, expand_dims, flatten, ravel, swapaxes,
  moveaxis composed)
- ``compare``: less, less_equal, greater, greater_equal, equal, not_equal (``<`` ...; bool arrays, no gradient)
- ``index``: getitem, scatter_add (and one_hot, not differentiable)
- ``join``: concatenate, pad (stack, split composed)
- ``linalg``: matmul (dot composed, with NumPy's meaning)
- ``affine``: linear (x @ W.T + b, the fully-connected layer)
- ``special``: erf
- ``recurrent``: lstm_recurrence (the LSTM over all time steps); rnn_step, gru_step, lstm_step composed
- ``conv``: conv2d;  ``pool``: max_pool2d, avg_pool2d (Numba kernels; global_avg_pool2d composed)

The helpers rules share (undoing broadcasting, ``exp``/``where`` on arrays and Tensors alike) are in
``dispatch``; what every op does with its operands is in ``autograd_engine.operands``.
"""
from ..declare import OPS
from . import (
    activation,
    affine,
    compare,
    conv,
    elementwise,
    index,
    join,
    linalg,
    pool,
    recurrent,
    reduce,
    shape,
    special,
)

globals().update(OPS)
__all__ = sorted(OPS)
