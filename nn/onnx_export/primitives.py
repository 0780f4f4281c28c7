"""How each engine primitive is written in ONNX: the table ``PRIMITIVE_CONVERTERS``.

A converter gets the graph builder, the recorded node (the primitive, with its parameters), the ONNX
names of the node's inputs and the output Tensor it made (for shapes and dtype), and returns the ONNX
name of that output.  A primitive missing from the table has no ONNX equivalent here: the exporter
refuses it, naming the op and the module it came from.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_engine.operands import shape_of

from .builder import GraphBuilder

Converter = Callable[[GraphBuilder, Any, list[str], Any], str]

_ELEMENTWISE = {
    "add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow",
    "maximum": "Max", "minimum": "Min", "matmul": "MatMul",
    "negative": "Neg", "abs": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "sin": "Sin",
    "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "erf": "Erf",
    "tan": "Tan", "arcsin": "Asin", "arccos": "Acos", "arctan": "Atan", "sinh": "Sinh", "cosh": "Cosh",
    "arcsinh": "Asinh", "arccosh": "Acosh", "arctanh": "Atanh", "floor": "Floor", "ceil": "Ceil",
    "sign": "Sign", "fabs": "Abs", "reciprocal": "Reciprocal", "clone": "Identity", "det": "Det",
}
_REDUCTIONS = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin",
               "logsumexp": "ReduceLogSumExp", "prod": "ReduceProd"}
_INT64_MAX = np.iinfo(np.int64).max


def _elementwise(op_type: str) -> Converter:
    return lambda b, node, ins, out: b.node(op_type, ins)


def _reduction(op_type: str) -> Converter:
    return lambda b, node, ins, out: b.reduce(op_type, ins[0], node.axes, node.keepdims)


def _one(b: GraphBuilder, out: Any) -> str:
    return b.constant(np.ones((), dtype=out.dtype), "one")


def _expm1(b, node, ins, out):
    return b.node("Sub", [b.node("Exp", ins), _one(b, out)])


def _log1p(b, node, ins, out):
    return b.node("Log", [b.node("Add", [ins[0], _one(b, out)])])


def _scaled(factor: float, then: str | None = None) -> Converter:
    """``x * factor``, then the unary op ``then`` (or ``then`` of x, times factor: log2 is Log / ln 2)."""
    def convert(b, node, ins, out):
        scale = b.constant(factor, "scale", out.dtype)
        if then is None:
            return b.node("Mul", [ins[0], scale])
        return b.node("Mul", [b.node(then, ins), scale])

    return convert


def _exp2(b, node, ins, out):
    return b.node("Pow", [b.constant(2.0, "two", out.dtype), ins[0]])


def _rsqrt(b, node, ins, out):
    return b.node("Reciprocal", [b.node("Sqrt", ins)])


def _trunc(b, node, ins, out):
    return b.node("Mul", [b.node("Sign", ins), b.node("Floor", [b.node("Abs", ins)])])


def _round(b, node, ins, out):
    """Half to even, as NumPy; to ``decimals`` places by scaling, as NumPy does."""
    if not node.decimals:
        return b.node("Round", ins)
    scale = b.constant(10.0 ** node.decimals, "scale", out.dtype)
    return b.node("Div", [b.node("Round", [b.node("Mul", [ins[0], scale])]), scale])


def _mod(b, node, ins, out):
    """Python's remainder (the divisor's sign): a - floor(a / b) * b."""
    a, d = ins
    return b.node("Sub", [a, b.node("Mul", [b.node("Floor", [b.node("Div", [a, d])]), d])])


def _fmod(b, node, ins, out):
    return b.node("Mod", ins, fmod=1)


def _hypot(b, node, ins, out):
    return b.node("Sqrt", [b.node("Add", [b.node("Mul", [ins[0], ins[0]]), b.node("Mul", [ins[1], ins[1]])])])


def _nan_ignoring(op_type: str) -> Converter:
    """fmax/fmin: the other operand where one is NaN, else Max/Min (which would propagate the NaN)."""
    def convert(b, node, ins, out):
        x, y = ins
        either = b.node(op_type, [x, y])
        return b.node("Where", [b.node("IsNaN", [y]), x, b.node("Where", [b.node("IsNaN", [x]), y, either])])

    return convert


def _nan_to_num(b, node, ins, out):
    info = np.finfo(out.dtype)
    posinf = info.max if node.posinf is None else node.posinf
    neginf = info.min if node.neginf is None else node.neginf
    x = ins[0]
    x = b.node("Where", [b.node("IsNaN", [x]), b.constant(node.nan, "nan", out.dtype), x])
    x = b.node("Where", [b.node("IsInf", [x], detect_negative=0), b.constant(posinf, "posinf", out.dtype), x])
    return b.node("Where", [b.node("IsInf", [x], detect_positive=0), b.constant(neginf, "neginf", out.dtype), x])


def _sinc(b, node, ins, out):
    """sin(pi x) / (pi x), 1 at 0 (the division there is replaced, never used)."""
    x = ins[0]
    zero = b.node("Equal", [x, b.constant(0.0, "zero", out.dtype)])
    safe = b.node("Where", [zero, b.constant(1.0, "one", out.dtype), x])
    angle = b.node("Mul", [safe, b.constant(np.pi, "pi", out.dtype)])
    return b.node("Where", [zero, b.constant(1.0, "one", out.dtype), b.node("Div", [b.node("Sin", [angle]), angle])])


def _logaddexp(base: float) -> Converter:
    """m + log_base(base**(a - m) + base**(b - m)) with m the larger operand, as NumPy computes it."""
    def convert(b, node, ins, out):
        a, c = ins
        m = b.node("Max", [a, c])
        if base == np.e:
            total = b.node("Add", [b.node("Exp", [b.node("Sub", [a, m])]), b.node("Exp", [b.node("Sub", [c, m])])])
            return b.node("Add", [m, b.node("Log", [total])])
        two = b.constant(2.0, "two", out.dtype)
        total = b.node("Add", [b.node("Pow", [two, b.node("Sub", [a, m])]), b.node("Pow", [two, b.node("Sub", [c, m])])])
        return b.node("Add", [m, b.node("Div", [b.node("Log", [total]), b.constant(np.log(2.0), "ln2", out.dtype)])])

    return convert


def _cumsum(b, node, ins, out):
    return b.node("CumSum", [ins[0], b.ints(node.axis, "axis")])


def _leaky_relu(b, node, ins, out):
    return b.node("LeakyRelu", ins, alpha=float(node.negative_slope))


def _clip(b, node, ins, out):
    bounds = [b.constant(bound, "clip_bound", out.dtype) if bound is not None else "" for bound in (node.a_min, node.a_max)]
    if np.ndim(node.a_min) or np.ndim(node.a_max):  # array bounds broadcast: Max and Min do that, Clip does not
        x = ins[0]
        x = b.node("Max", [x, bounds[0]]) if bounds[0] else x
        return b.node("Min", [x, bounds[1]]) if bounds[1] else x
    return b.node("Clip", [ins[0], *bounds])


def _where(b, node, ins, out):
    return b.node("Where", [b.constant(node.condition, "condition"), *ins])


def _astype(b, node, ins, out):
    return b.node("Cast", ins, to=b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(node.dtype)))


def _linear(b, node, ins, out):
    x_shape = shape_of(node.inputs[0])
    if len(x_shape) == 2:
        return b.node("Gemm", ins, transB=1)
    product = b.node("MatMul", [ins[0], b.node("Transpose", [ins[1]], perm=[1, 0])])
    return b.node("Add", [product, ins[2]]) if len(ins) > 2 else product


def _softmax(op_type: str) -> Converter:
    return lambda b, node, ins, out: b.node(op_type, ins, axis=int(node.axis))


def _reshape(b, node, ins, out):
    return b.reshape(ins[0], shape_of(node.inputs[0]), out.shape)


def _transpose(b, node, ins, out):
    return b.node("Transpose", ins, perm=list(node.axes))


def _broadcast_to(b, node, ins, out):
    """``Expand`` broadcasts both ways: a 1 keeps the input's axis, which lets a dynamic batch through."""
    in_shape, target = shape_of(node.inputs[0]), list(out.shape)
    offset = len(target) - len(in_shape)
    for axis, size in enumerate(in_shape):
        if size == target[offset + axis]:
            target[offset + axis] = 1
    return b.node("Expand", [ins[0], b.ints(target, "shape")])


def _concatenate(b, node, ins, out):
    return b.node("Concat", ins, axis=int(node.axis))


def _pad(b, node, ins, out):
    if np.ndim(node.constant_values):
        raise NotImplementedError("pad with per-axis constant_values")
    befores = [int(before) for before, _ in node.pad_width]
    afters = [int(after) for _, after in node.pad_width]
    fill = b.constant(node.constant_values, "pad_value", out.dtype)
    return b.node("Pad", [ins[0], b.ints(befores + afters, "pads"), fill], mode="constant")


def _conv2d(b, node, ins, out):
    (top, left), (stride_h, stride_w) = node.padding, node.stride
    return b.node("Conv", ins, strides=[stride_h, stride_w], pads=[top, left, top, left],
                  dilations=list(node.dilation), group=int(node.groups))


def _conv_transpose2d(b, node, ins, out):
    conv = node.conv
    (top, left), kernel = conv.padding, shape_of(node.inputs[1])[2:]
    in_size = shape_of(node.inputs[0])[-2:]
    natural = [(n - 1) * s - 2 * p + d * (k - 1) + 1
               for n, s, p, d, k in zip(in_size, conv.stride, conv.padding, conv.dilation, kernel)]
    return b.node("ConvTranspose", ins, strides=list(conv.stride), pads=[top, left, top, left],
                  dilations=list(conv.dilation), group=int(conv.groups),
                  output_padding=[size - n for size, n in zip(node.out_size, natural)])


def _einsum(b, node, ins, out):
    return b.node("Einsum", ins, equation=f"{','.join(node.terms)}->{node.output}")


def _ceil_mode(node: Any, in_shape: tuple[int, ...], dilation: tuple[int, int]) -> int:
    """1 when the recorded output is larger than the floored formula gives (PyTorch's ceil_mode)."""
    floored = tuple((size + 2 * pad - d * (k - 1) - 1) // s + 1
                    for size, pad, d, k, s in zip(in_shape[-2:], node.padding, dilation, node.kernel, node.stride))
    return int(tuple(node.out_size) != floored)


def _max_pool2d(b, node, ins, out):
    (top, left), dilation = node.padding, tuple(node.dilation)
    return b.node("MaxPool", ins, kernel_shape=list(node.kernel), strides=list(node.stride), pads=[top, left, top, left],
                  dilations=list(dilation), ceil_mode=_ceil_mode(node, shape_of(node.inputs[0]), dilation))


def _avg_pool2d(b, node, ins, out):
    (top, left) = node.padding
    return b.node("AveragePool", ins, kernel_shape=list(node.kernel), strides=list(node.stride),
                  pads=[top, left, top, left], count_include_pad=int(node.count_include_pad),
                  ceil_mode=_ceil_mode(node, shape_of(node.inputs[0]), (1, 1)))


def _getitem(b, node, ins, out):
    """Basic indexing (ints, slices, None, Ellipsis) as Slice, Gather and Unsqueeze; one integer
    array on the first axis (an embedding lookup by constant indices) as Gather."""
    key = node.key if isinstance(node.key, tuple) else (node.key,)
    x, in_shape = ins[0], shape_of(node.inputs[0])
    if len(key) == 1 and isinstance(key[0], np.ndarray) and key[0].dtype.kind in "iu":
        return b.node("Gather", [x, b.ints(key[0], "indices")], axis=0)
    if any(isinstance(k, np.ndarray | list) for k in key):
        raise NotImplementedError("advanced indexing with arrays or masks")
    explicit = sum(k is not None and k is not Ellipsis for k in key)
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (len(in_shape) - explicit) + key[at + 1:]
    key = key + (slice(None),) * (len(in_shape) - explicit - (Ellipsis in key))
    starts, ends, axes, steps, dropped, inserted = [], [], [], [], [], []
    axis = position = 0
    for k in key:
        if k is None:
            inserted.append(position)
            position += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else int(k.step)
                default_start, default_stop = (0, _INT64_MAX) if step > 0 else (-1, -_INT64_MAX)
                starts.append(default_start if k.start is None else int(k.start))
                ends.append(default_stop if k.stop is None else int(k.stop))
                axes.append(axis)
                steps.append(step)
            position += 1
        else:  # an integer: take the one element, then drop the axis
            index = int(k)
            starts.append(index)
            ends.append(index + 1 if index != -1 else _INT64_MAX)
            axes.append(axis)
            steps.append(1)
            dropped.append(axis)
        axis += 1
    if axes:
        x = b.node("Slice", [x, b.ints(starts, "starts"), b.ints(ends, "ends"), b.ints(axes, "axes"), b.ints(steps, "steps")])
    if dropped:
        x = b.squeeze(x, dropped)
    if inserted:
        x = b.unsqueeze(x, inserted)
    return x if x != ins[0] else b.node("Identity", [x])


PRIMITIVE_CONVERTERS: dict[str, Converter] = {
    **{name: _elementwise(op_type) for name, op_type in _ELEMENTWISE.items()},
    **{name: _reduction(op_type) for name, op_type in _REDUCTIONS.items()},
    "expm1": _expm1,
    "log2": _scaled(1 / np.log(2.0), "Log"),
    "log10": _scaled(1 / np.log(10.0), "Log"),
    "deg2rad": _scaled(np.pi / 180),
    "rad2deg": _scaled(180 / np.pi),
    "exp2": _exp2,
    "rsqrt": _rsqrt,
    "trunc": _trunc,
    "round": _round,
    "mod": _mod,
    "fmod": _fmod,
    "hypot": _hypot,
    "cumsum": _cumsum,
    "fmax": _nan_ignoring("Max"),
    "fmin": _nan_ignoring("Min"),
    "nan_to_num": _nan_to_num,
    "sinc": _sinc,
    "logaddexp": _logaddexp(np.e),
    "logaddexp2": _logaddexp(2.0),
    "log1p": _log1p,
    "leaky_relu": _leaky_relu,
    "clip": _clip,
    "where": _where,
    "astype": _astype,
    "linear": _linear,
    "softmax": _softmax("Softmax"),
    "log_softmax": _softmax("LogSoftmax"),
    "reshape": _reshape,
    "transpose": _transpose,
    "broadcast_to": _broadcast_to,
    "concatenate": _concatenate,
    "pad": _pad,
    "conv2d": _conv2d,
    "conv_transpose2d": _conv_transpose2d,
    "einsum": _einsum,
    "max_pool2d": _max_pool2d,
    "avg_pool2d": _avg_pool2d,
    "getitem": _getitem,
}
