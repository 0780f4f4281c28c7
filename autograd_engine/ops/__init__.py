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
- ``assign``: index_put (``x[key] = v``; masked_fill, scatter, PyTorch's scatter_add composed)
- ``join``: concatenate, pad (stack, split composed)
- ``stacking``: hstack, vstack, dstack, column_stack, append, array_split, hsplit, vsplit, dsplit,
  atleast_1d/2d/3d, rollaxis, unflatten (composed)
- ``linalg``: matmul (dot composed, with NumPy's meaning)
- ``inverse``, ``decompositions``: inv, det, slogdet, solve, cholesky, eigh, svd, qr (matrix_power, pinv
  composed); public as ``autograd_engine.linalg.<name>``, NumPy's namespace, not as ``ae.<name>``
- ``affine``: linear (x @ W.T + b, the fully-connected layer)
- ``special``: erf
- ``recurrent``: lstm_recurrence (the LSTM over all time steps); rnn_step, gru_step, lstm_step composed
- ``reorder``: flip, rot90, roll, tile, repeat, sort, topk, take, take_along_axis, put_along_axis
  (composed of indexing, joining and shape ops); argsort (not differentiable)
- ``contract``: einsum (tensordot, inner, outer, kron, cross, tril, triu, diagonal, diag, trace composed)
- ``conv``: conv2d;  ``conv_transpose``: conv_transpose2d;  ``pool``: max_pool2d, avg_pool2d (Numba kernels; global_avg_pool2d composed)
- ``trig``: tan, arcsin, arccos, arctan, arctan2, sinh, cosh, arcsinh, arccosh, arctanh, sinc,
  deg2rad, rad2deg, hypot;  ``exponential``: log2, log10, exp2, logaddexp, logaddexp2, reciprocal,
  rsqrt (true_divide composed);  ``rounding``: sign, floor, ceil, round, trunc, fabs, mod, fmod,
  copysign, fmax, fmin, nan_to_num (isnan, isinf, isfinite: no gradient)
- ``scan``: cumsum, cumprod, logcumsumexp, cummax, cummin;  ``product``: prod;  ``differences``:
  diff, gradient (composed);  ``statistics``: var_mean, std_mean, ptp (composed);  ``norm``: norm
  (NumPy's ``linalg.norm``, composed, with the singular_values primitive)
- ``torch_names``: PyTorch's spellings (clone, clamp_min, clamp_max, pow, mm, bmm, lerp, chunk,
  narrow, select; the methods float, double, half, long, int, to, type_as, expand_as, view_as,
  reshape_as, fill_, zero_)

The helpers rules share (undoing broadcasting, ``exp``/``where`` on arrays and Tensors alike) are in
``dispatch``; what every op does with its operands is in ``autograd_engine.operands``.
"""
from ..declare import OPS
from . import (
    activation,
    affine,
    assign,
    compare,
    contract,
    conv,
    conv_transpose,
    decompositions,
    differences,
    elementwise,
    exponential,
    index,
    inverse,
    join,
    linalg,
    norm,
    pool,
    product,
    recurrent,
    reduce,
    reorder,
    rounding,
    scan,
    shape,
    special,
    stacking,
    statistics,
    torch_names,
    trig,
)

globals().update(OPS)
__all__ = sorted(OPS)
