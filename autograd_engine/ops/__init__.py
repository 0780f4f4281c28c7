"""The engine's operations, one module per family.  Each primitive (a ``Primitive``
subclass with its forward and gradient rule) lives in exactly one of:

- ``elementwise``: add, subtract, multiply, divide, power, maximum, minimum, negative,
  exp, log, log1p, expm1, sqrt, sin, cos, abs, tanh, sigmoid, relu, leaky_relu, clip,
  where, astype
- ``reduce``: sum, mean, max, min, logsumexp, softmax, log_softmax (var, std composed)
- ``shape``: reshape, transpose, broadcast_to (squeeze, expand_dims, flatten,
  swapaxes, moveaxis composed)
- ``index``: getitem, scatter_add (and one_hot, not differentiable)
- ``join``: concatenate, pad (stack, split composed)
- ``linalg``: matmul
- ``affine``: linear (x @ W.T + b, the fully-connected layer)
- ``special``: erf
- ``recurrent``: lstm_recurrence (the LSTM over all time steps; lstm_step composed)
- ``conv``: conv2d, max_pool2d, avg_pool2d (Numba kernels; global_avg_pool2d composed)
"""
from .affine import linear
from .conv import avg_pool2d, conv2d, conv_output_size, global_avg_pool2d, max_pool2d
from .elementwise import (
    abs,
    absolute,
    add,
    astype,
    clip,
    cos,
    divide,
    exp,
    expm1,
    leaky_relu,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    relu,
    sigmoid,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
    where,
)
from .index import getitem, one_hot, scatter_add
from .join import concatenate, pad, split, stack
from .linalg import dot, matmul
from .recurrent import lstm_recurrence, lstm_step
from .reduce import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from .shape import (
    broadcast_to,
    expand,
    expand_dims,
    flatten,
    moveaxis,
    permute,
    ravel,
    reshape,
    squeeze,
    swapaxes,
    transpose,
    unsqueeze,
)
from .special import erf

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"conv", "elementwise", "index", "join", "linalg", "reduce", "shape", "dispatch", "special", "affine", "recurrent"}]
