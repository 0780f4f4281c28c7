"""Modules written whole in ONNX: ``RNN``, ``LSTM`` and ``GRU`` as ONNX's recurrent ops,
``Embedding`` as a ``Gather`` of its table by the (integer) input, and the activations whose
forward chooses a branch by the input's value (``PReLU``, ``ELU``, ``Softplus``, ``SELU``, ``CELU``,
``Hardtanh``, ``ReLU6``, ``Hardsigmoid``, ``Hardswish``, ``Mish``, ``LogSigmoid``) as ONNX's own
activations; ``Upsample`` as ONNX's ``Resize``; ``AdaptiveMaxPool2d`` of uneven bins as maxima of slices.

Their traced graphs would fix the sequence length (one node per step) or bake the input's values in
as constants (the indices, the sign masks given to ``ae.where``); an ONNX ``LSTM`` runs any length.  PyTorch's gate order becomes ONNX's: LSTM rows
(i, f, g, o) -> (i, o, f, c), GRU (r, z, n) -> (z, r, h), with ``linear_before_reset=1``, which is
how PyTorch's GRU applies the reset gate.

A converter gets the builder, the module, the call's Tensor arguments as traced (arrays), the ONNX names of the call's Tensor arguments (flattened:
``x, h0`` or ``x, h0, c0``) and of the module's parameters, and returns the names of the module's
outputs, flattened in the order the module returns them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_engine.operands import value

from ..activation import ELU, PReLU, Softplus
from ..activation_hard import Hardsigmoid, Hardswish, Hardtanh, ReLU6
from ..activation_smooth import CELU, SELU, LogSigmoid, Mish
from ..embedding import Embedding
from ..interpolate import Upsample
from ..pooling import AdaptiveMaxPool2d, adaptive_bins
from ..rnn import GRU, LSTM, RNN
from .builder import GraphBuilder

_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _gates(array: np.ndarray, kind: str) -> np.ndarray:
    """PyTorch's stacked gate blocks reordered as ONNX stacks them."""
    blocks = np.split(array, len(_GATE_ORDER[kind]), axis=0)
    return np.concatenate([blocks[i] for i in _GATE_ORDER[kind]], axis=0)


def _layer_state(b: GraphBuilder, state: str, layer: int) -> str:
    """Layer ``layer``'s slice (1, N, H) of a (num_layers, N, H) initial state."""
    return b.node("Slice", [state, b.ints([layer], "starts"), b.ints([layer + 1], "ends"), b.ints([0], "axes")])


def _recurrent(kind: str):
    def convert(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
        x = args[0]
        if module.batch_first:
            x = b.node("Transpose", [x], perm=[1, 0, 2])
        hidden = module.hidden_size
        finals: list[list[str]] = [[], []]
        attributes: dict[str, Any] = {"hidden_size": hidden}
        if kind == "GRU":
            attributes["linear_before_reset"] = 1
        if kind == "RNN":
            attributes["activations"] = ["Tanh" if module.nonlinearity == "tanh" else "Relu"]
        for layer in range(module.num_layers):
            w_ih = value(getattr(module, f"weight_ih_l{layer}"))
            w_hh = value(getattr(module, f"weight_hh_l{layer}"))
            weights = b.constant(_gates(w_ih, kind)[None], f"{kind.lower()}_W_l{layer}")
            recurrent = b.constant(_gates(w_hh, kind)[None], f"{kind.lower()}_R_l{layer}")
            bias = ""
            if module.bias:
                b_ih = value(getattr(module, f"bias_ih_l{layer}"))
                b_hh = value(getattr(module, f"bias_hh_l{layer}"))
                bias = b.constant(np.concatenate([_gates(b_ih, kind), _gates(b_hh, kind)])[None], f"{kind.lower()}_B_l{layer}")
            inputs = [x, weights, recurrent, bias, ""]
            inputs += [_layer_state(b, state, layer) for state in args[1:]] or [""]
            outputs = b.node(kind, inputs, outputs=3 if kind == "LSTM" else 2, **attributes)
            x = b.squeeze(outputs[0], [1])  # (T, 1, N, H) -> (T, N, H): one direction
            for final, name in zip(finals, outputs[1:]):
                final.append(name)
        if module.batch_first:
            x = b.node("Transpose", [x], perm=[1, 0, 2])
        states = [names[0] if len(names) == 1 else b.node("Concat", names, axis=0) for names in finals if names]
        return [x, *states]

    return convert


def _embedding(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
    return [b.node("Gather", [params[0], args[0]], axis=0)]


def _prelu(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
    """ONNX broadcasts the slope from the right: one per channel (axis 1) is (C, 1, ..., 1)."""
    slope, ndim = params[0], examples[0].ndim
    if module.num_parameters > 1 and ndim > 2:
        slope = b.node("Reshape", [slope, b.ints([module.num_parameters] + [1] * (ndim - 2), "shape")])
    return [b.node("PRelu", [args[0], slope])]


def _elu(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
    return [b.node("Elu", args[:1], alpha=float(module.alpha))]


def _softplus(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
    """x where beta * x > threshold, else softplus(beta * x) / beta (PyTorch's definition)."""
    x = args[0]
    dtype = examples[0].dtype
    beta = b.constant(module.beta, "beta", dtype)
    scaled = b.node("Mul", [x, beta])
    smooth = b.node("Div", [b.node("Softplus", [scaled]), beta])
    above = b.node("Greater", [scaled, b.constant(module.threshold, "threshold", dtype)])
    return [b.node("Where", [above, x, smooth])]


def _activation(write: Any) -> Any:
    """A converter for an elementwise activation: ``write(b, module, x, dtype)`` returns its output."""
    def convert(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
        return [write(b, module, args[0], examples[0].dtype)]

    return convert


def _clip(b: GraphBuilder, module: Any, x: str, dtype: np.dtype) -> str:
    return b.node("Clip", [x, b.constant(module.min_val, "min", dtype), b.constant(module.max_val, "max", dtype)])


def _mish(b: GraphBuilder, module: Any, x: str, dtype: np.dtype) -> str:
    return b.node("Mul", [x, b.node("Tanh", [b.node("Softplus", [x])])])


def _logsigmoid(b: GraphBuilder, module: Any, x: str, dtype: np.dtype) -> str:
    return b.node("Neg", [b.node("Softplus", [b.node("Neg", [x])])])


def _upsample(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str], params: list[str]) -> list[str]:
    """ONNX's ``Resize`` with PyTorch's coordinates: legacy nearest is ``asymmetric`` with ``floor``;
    linear modes map pixel centres (``pytorch_half_pixel``) or corners (``align_corners``).  The scales
    are the module's factors; a module given a size passes it as ``sizes``."""
    spatial = examples[0].ndim - 2
    if module.scale_factor is not None:
        factors = np.broadcast_to(np.asarray(module.scale_factor, dtype=np.float64), (spatial,))
        sizing = [b.constant(np.concatenate([[1.0, 1.0], factors]), "scales", np.float32)]
    else:  # the batch and channel sizes read from the input, so that the batch stays free
        leading = b.node("Slice", [b.node("Shape", [args[0]]), b.ints([0], "starts"), b.ints([2], "ends")])
        spatial_sizes = b.ints(np.broadcast_to(np.asarray(module.size), (spatial,)), "sizes")
        sizing = ["", b.node("Concat", [leading, spatial_sizes], axis=0)]
    if module.mode == "nearest":
        attributes = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        transform = "align_corners" if module.align_corners else "pytorch_half_pixel"
        attributes = {"mode": "linear", "coordinate_transformation_mode": transform}
    return [b.node("Resize", [args[0], "", *sizing], **attributes)]


def _adaptive_max_pool2d(b: GraphBuilder, module: Any, examples: list[np.ndarray], args: list[str],
                         params: list[str]) -> list[str]:
    """``MaxPool`` when the bins are even; otherwise, as a bin is a rectangle, the maxima of its rows' bins
    and then of its columns' bins (``Slice`` and ``ReduceMax`` per bin, joined by ``Concat``)."""
    if module.return_indices:
        raise NotImplementedError("AdaptiveMaxPool2d(return_indices=True)")
    height, width = examples[0].shape[-2:]
    sizes = module.output_size if isinstance(module.output_size, tuple | list) else (module.output_size,) * 2
    out_h, out_w = (size if size is not None else full for size, full in zip(sizes, (height, width)))
    if height % out_h == 0 and width % out_w == 0:
        kernel = [height // out_h, width // out_w]
        return [b.node("MaxPool", args[:1], kernel_shape=kernel, strides=kernel)]
    x = args[0]
    for axis, (size, out) in ((2, (height, out_h)), (3, (width, out_w))):
        if size != out:
            pieces = [b.reduce("ReduceMax", b.node("Slice", [x, b.ints([lo], "starts"), b.ints([hi], "ends"),
                                                             b.ints([axis], "axes")]), (axis,), True)
                      for lo, hi in adaptive_bins(size, out)]
            x = b.node("Concat", pieces, axis=axis)
    return [x]


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

MODULE_CONVERTERS: dict[type, Any] = {
    LSTM: _recurrent("LSTM"), GRU: _recurrent("GRU"), RNN: _recurrent("RNN"), Embedding: _embedding,
    PReLU: _prelu, ELU: _elu, Softplus: _softplus,
    SELU: _activation(lambda b, m, x, dtype: b.node("Selu", [x], alpha=_SELU_ALPHA, gamma=_SELU_SCALE)),
    CELU: _activation(lambda b, m, x, dtype: b.node("Celu", [x], alpha=float(m.alpha))),
    Hardtanh: _activation(_clip),
    ReLU6: _activation(_clip),
    Hardsigmoid: _activation(lambda b, m, x, dtype: b.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)),
    Hardswish: _activation(lambda b, m, x, dtype: b.node("HardSwish", [x])),
    Mish: _activation(_mish),
    LogSigmoid: _activation(_logsigmoid),
    Upsample: _upsample,
    AdaptiveMaxPool2d: _adaptive_max_pool2d,
}
"""The module types written whole, with their converters."""


def check_supported(module: Any, args: tuple) -> str | None:
    """Why this call of a module written whole cannot be exported, or None."""
    if getattr(module, "bidirectional", False):
        return "a bidirectional recurrent layer"
    if hasattr(module, "hidden_size") and np.ndim(value(args[0])) != 3:
        return f"an unbatched input of shape {np.shape(value(args[0]))} (export with a batch: (T, N, D) or, batch_first, (N, T, D))"
    return None
