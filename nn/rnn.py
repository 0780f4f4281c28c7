"""Recurrent layers -- ``RNN``, ``LSTM``, ``GRU`` and their one-step cells -- built from engine
primitives: the engine differentiates them like any other graph, so backpropagation through
time is just backward.  The cells and ``RNN``/``GRU`` compose ``linear``, ``sigmoid``,
``tanh``, slicing and ``concatenate``; ``LSTM`` runs each layer's recurrence as one engine
primitive, ``ae.lstm_recurrence`` (see Speed below).

Parameters, shapes and gate order are PyTorch's, so a ``state_dict`` moves between the two
libraries unchanged.  For layer ``k`` (``k = 0`` reads the input, ``k > 0`` the layer below)::

    weight_ih_l{k}  (G*H, D_k)    bias_ih_l{k}  (G*H,)
    weight_hh_l{k}  (G*H, H)      bias_hh_l{k}  (G*H,)

with G = 1 (RNN), 4 (LSTM: gates i, f, g, o stacked in that order) or 3 (GRU: r, z, n),
H = ``hidden_size``, D_0 = ``input_size`` and D_k = H above.  All are drawn from
U(-1/sqrt(H), 1/sqrt(H)), PyTorch's initialisation.

The notes write the vanilla RNN ``h_t = tanh(W_hh h_{t-1} + W_xh x_t)`` with column vectors:
``W_xh`` is ``weight_ih_l0`` and ``W_hh`` is ``weight_hh_l0``; here rows are examples, so the
code reads ``x_t @ W_xh.T + h @ W_hh.T + b`` with ``b = bias_ih + bias_hh``.  The CS231n
assignment stores ``Wx`` (D, 4H) and ``Wh`` (H, 4H) with the gates in the order i, f, o, g:
``weight_ih_l0 = Wx.T`` with its row blocks reordered (i, f, o, g) -> (i, f, g, o), likewise
``weight_hh_l0 = Wh.T``, ``bias_ih_l0 = b`` reordered and ``bias_hh_l0 = 0``.  LSTM::

    i, f, g, o = sigmoid(.), sigmoid(.), tanh(.), sigmoid(.)  of  x_t W_ih^T + h_{t-1} W_hh^T + b
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Speed: the input projection of all time steps is one matrix product ``(T*N, D) @ W_ih^T``
before the loop.  In ``RNN`` and ``GRU`` each step then costs one ``linear(h, W_hh, x_gates[t])``
(the product and the add as one node) and a few elementwise ops, and the steps' outputs are
joined by a single ``concatenate``.  ``LSTM`` hands the whole time loop to
``ae.lstm_recurrence``, one node per layer whose rule is the notes' backward pass written
out, which costs less than the fifteen nodes per step of the composed cell
(``benchmarks/lstm.py`` times both).  ``LSTMCell``
and :func:`lstm_step` stay composed, so the graph of one step still shows every gate;
``create_graph=True`` through ``LSTM`` differentiates those composed steps.

Truncated backpropagation through time: carry the state across chunks with ``.detach()``
(``h, c = h.detach(), c.detach()``) so that each backward stops at the chunk boundary and the
previous chunk's graph is freed.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype, gru_step, lstm_recurrence, lstm_step, rnn_step
from autograd_engine import random as ae_random
from autograd_engine.checks import check_bool, check_int, check_real
from autograd_engine.operands import value

from . import init
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "rnn_step", "lstm_step", "gru_step"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}



# ----- cells ---------------------------------------------------------------------------------


class _Recurrent(Module):
    """What the cells and the stacked layers share: PyTorch's uniform initialisation."""

    hidden_size: int

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (PyTorch's init)."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)


class _CellBase(_Recurrent):
    """Parameters of a one-step cell: ``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), biases (G*H,)."""

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        input_size, hidden_size, _ = _check_sizes(name, input_size, hidden_size, 1)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, check_bool(bias, "bias", name)
        dtype = np.dtype(dtype or get_default_dtype())
        rows = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((rows, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(np.empty(rows, dtype=dtype))
            self.bias_hh = Parameter(np.empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def _prepare(self, input: Any, hx: Any) -> tuple[Any, Any, bool]:
        """Add a batch axis to unbatched (D,) input; check shapes; zeros for a missing state."""
        name = type(self).__name__
        shape = np.shape(value(input))
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ae.ShapeError(
                f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},) "
                f"(input_size={self.input_size}), got {shape}"
            )
        batched = len(shape) == 2
        if not batched:
            input = ae.expand_dims(input, 0)
        n = np.shape(value(input))[0]
        states = hx if isinstance(hx, tuple) else (hx,)
        ready = []
        for k, state in enumerate(states):
            if state is None:
                ready.append(np.zeros((n, self.hidden_size), dtype=self.weight_hh.dtype))
                continue
            expected = (n, self.hidden_size) if batched else (self.hidden_size,)
            if np.shape(value(state)) != expected:
                raise ae.ShapeError(
                    f"{name}: {('h', 'c')[k]} must have shape {expected} for input of shape {shape}, "
                    f"got {np.shape(value(state))}"
                )
            ready.append(state if batched else ae.expand_dims(state, 0))
        return input, tuple(ready) if isinstance(hx, tuple) else ready[0], batched

    def _x_gates(self, input: Any, fold_bias_hh: bool = True) -> Any:
        bias = self.bias_ih
        if bias is not None and fold_bias_hh:
            bias = self.bias_ih + self.bias_hh
        return ae.linear(input, self.weight_ih, bias)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One step of the vanilla RNN: ``h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``.

    ``forward(input, hx=None)``: ``input`` (N, input_size) or (input_size,), ``hx`` of the
    matching (N, hidden_size) or (hidden_size,) shape (zeros when omitted).  Returns ``h'``.
    ``nonlinearity`` is ``'tanh'`` or ``'relu'``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", dtype: Any = None
    ) -> None:
        _check_nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Any:
        x, h, batched = self._prepare(input, _single_state(type(self).__name__, hx))
        activation = ae.tanh if self.nonlinearity == "tanh" else ae.relu
        h = rnn_step(self._x_gates(x), h, self.weight_hh, activation)
        return h if batched else h[0]

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}")


class LSTMCell(_CellBase):
    """One LSTM step (see :func:`lstm_step`); ``forward(input, hx=None)`` with ``hx = (h, c)``
    returns ``(h', c')``.  Shapes as :class:`RNNCell`; parameters hold 4 gates (i, f, g, o)."""

    _gates = 4

    def forward(self, input: Any, hx: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        x, (h, c), batched = self._prepare(input, tuple(hx) if hx is not None else (None, None))
        h, c = lstm_step(self._x_gates(x), h, c, self.weight_hh)
        return (h, c) if batched else (h[0], c[0])


class GRUCell(_CellBase):
    """One GRU step (see :func:`gru_step`); ``forward(input, hx=None)`` returns ``h'``.
    Shapes as :class:`RNNCell`; parameters hold 3 gates (r, z, n)."""

    _gates = 3

    def forward(self, input: Any, hx: Any = None) -> Any:
        x, h, batched = self._prepare(input, _single_state(type(self).__name__, hx))
        h = gru_step(self._x_gates(x, fold_bias_hh=False), h, self.weight_hh, self.bias_hh)
        return h if batched else h[0]


# ----- multi-layer sequence modules ------------------------------------------------------------


class RNNBase(_Recurrent):
    """The stacked recurrent layer behind :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    ``forward(input, hx=None)``:

    - ``input``: (T, N, input_size), or (N, T, input_size) with ``batch_first=True``, or
      unbatched (T, input_size);
    - ``hx``: the initial state, (num_layers, N, hidden_size) (``(h_0, c_0)`` for the LSTM);
      zeros when omitted;
    - returns ``output, h_n`` (``output, (h_n, c_n)`` for the LSTM): ``output`` holds the last
      layer's hidden state at every step, (T, N, H) or (N, T, H) with ``batch_first``;
      ``h_n``/``c_n`` the final states of every layer, (num_layers, N, H).  ``batch_first``
      does not apply to the states, as in PyTorch.

    ``dropout`` (training mode only) drops the outputs of every layer but the last, inverted
    dropout as in the notes.  Bidirectional layers are not implemented.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        input_size, hidden_size, num_layers = _check_sizes(name, input_size, hidden_size, num_layers)
        bias, batch_first = check_bool(bias, "bias", name), check_bool(batch_first, "batch_first", name)
        if check_bool(bidirectional, "bidirectional", name):
            raise NotImplementedError(
                f"{name}: bidirectional=True is not implemented; run a second {name} on the reversed "
                f"sequence (input[::-1]) and concatenate the outputs"
            )
        dropout = check_real(dropout, "dropout", name)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1), got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} has no effect with num_layers=1 (it drops the outputs of every "
                f"layer but the last); add an nn.Dropout after the layer instead",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = False
        dtype = np.dtype(dtype or get_default_dtype())
        rows = _GATES[mode] * hidden_size
        self._weight_names: list[tuple[str, ...]] = []
        for layer in range(num_layers):
            columns = input_size if layer == 0 else hidden_size
            names = (f"weight_ih_l{layer}", f"weight_hh_l{layer}")
            setattr(self, names[0], Parameter(np.empty((rows, columns), dtype=dtype)))
            setattr(self, names[1], Parameter(np.empty((rows, hidden_size), dtype=dtype)))
            if bias:
                names += (f"bias_ih_l{layer}", f"bias_hh_l{layer}")
                setattr(self, names[2], Parameter(np.empty(rows, dtype=dtype)))
                setattr(self, names[3], Parameter(np.empty(rows, dtype=dtype)))
            self._weight_names.append(names)
        self.reset_parameters()

    def flatten_parameters(self) -> None:
        """Does nothing (PyTorch compacts cuDNN weights here); kept so PyTorch code runs unchanged."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer: ``[weight_ih, weight_hh, bias_ih, bias_hh]`` (no biases when ``bias=False``)."""
        return [[getattr(self, n) for n in names] for names in self._weight_names]

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        x, batched = self._check_input(input)
        steps, n = np.shape(value(x))[:2]
        state = self._initial_state(hx, n, batched, steps)
        layer_input = ae.reshape(x, (steps * n, self.input_size))
        finals: list[tuple[Any, ...]] = []
        for layer, names in enumerate(self._weight_names):
            params = [getattr(self, a) for a in names]
            w_ih, w_hh = params[:2]
            b_ih, b_hh = params[2:] if self.bias else (None, None)
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = _dropout(layer_input, self.dropout)
            fold = self.mode != "GRU" and b_ih is not None
            x_gates = ae.linear(layer_input, w_ih, b_ih + b_hh if fold else b_ih)
            x_gates = ae.reshape(x_gates, (steps, n, -1))
            layer_input, final = self._run_layer(x_gates, [s[layer] for s in state], w_hh, b_hh)
            finals.append(final)
        output = ae.reshape(layer_input, (steps, n, self.hidden_size))
        if self.batch_first and batched:
            output = ae.swapaxes(output, 0, 1)
        final_states = tuple(ae.stack([f[k] for f in finals]) for k in range(len(finals[0])))
        if not batched:
            output = output[:, 0]
            final_states = tuple(s[:, 0] for s in final_states)
        if self.mode == "LSTM":
            return output, final_states
        return output, final_states[0]

    def _run_layer(self, x_gates: Any, state: list[Any], w_hh: Any, b_hh: Any) -> tuple[Any, tuple[Any, ...]]:
        """Run one layer over time; return its hidden states (T*N, H), step after step, and its final state."""
        steps, n = np.shape(value(x_gates))[:2]
        if self.mode == "LSTM":  # the whole recurrence is one primitive (see lstm_recurrence)
            hs, cs = lstm_recurrence(x_gates, *state, w_hh)
            return ae.reshape(hs, (steps * n, self.hidden_size)), (hs[-1], cs[-1])
        (h,) = state
        outputs = []
        if self.mode == "GRU":
            for t in range(steps):
                h = gru_step(x_gates[t], h, w_hh, b_hh)
                outputs.append(h)
        else:
            activation = ae.tanh if self.mode == "RNN_TANH" else ae.relu
            for t in range(steps):
                h = rnn_step(x_gates[t], h, w_hh, activation)
                outputs.append(h)
        return ae.concatenate(outputs, axis=0), (h,)

    def _check_input(self, input: Any) -> tuple[Any, bool]:
        """The input as (T, N, D) and whether it had a batch axis."""
        name = type(self).__name__
        shape = np.shape(value(input))
        layout = "(N, T, input_size)" if self.batch_first else "(T, N, input_size)"
        if len(shape) not in (2, 3) or shape[-1] != self.input_size:
            raise ae.ShapeError(
                f"{name}: expected input of shape {layout} or unbatched (T, input_size) with "
                f"input_size={self.input_size}, got {shape}"
            )
        if 0 in shape[:-1]:
            raise ae.ShapeError(f"{name}: the input has shape {shape}; sequences need at least one step and one example")
        if len(shape) == 2:
            return ae.expand_dims(input, 1), False
        return (ae.swapaxes(input, 0, 1) if self.batch_first else input), True

    def _initial_state(self, hx: Any, n: int, batched: bool, steps: int) -> tuple[Any, ...]:
        """The initial state(s), each (num_layers, N, H); zeros (constants) when ``hx`` is None."""
        name = type(self).__name__
        count = 2 if self.mode == "LSTM" else 1
        labels = ("h_0", "c_0")[:count]
        if hx is None:
            zeros = np.zeros((self.num_layers, n, self.hidden_size), dtype=self.weight_hh_l0.dtype)
            return (zeros,) * count
        if count == 2 and (not isinstance(hx, tuple | list) or len(hx) != 2):
            got = f"a {type(hx).__name__} of {len(hx)}" if isinstance(hx, tuple | list) else type(hx).__name__
            raise TypeError(f"{name}: hx must be a tuple of two states (h_0, c_0), got {got}")
        states = hx if count == 2 else (_single_state(name, hx),)
        expected = (self.num_layers, n, self.hidden_size) if batched else (self.num_layers, self.hidden_size)
        ready = []
        for label, state in zip(labels, states):
            if state is None:
                raise TypeError(f"{name}: {label} is None; pass both states, or hx=None for zeros in both")
            if np.shape(value(state)) != expected:
                layout = "(num_layers, N, hidden_size)" if batched else "(num_layers, hidden_size)"
                hint = "batch_first does not apply to the states"
                if batched and not self.batch_first and np.shape(value(state))[1:] == (steps, self.hidden_size):
                    hint += f"; if the input is (N, T, input_size), pass batch_first=True to {name}"
                raise ae.ShapeError(
                    f"{name}: {label} must have shape {layout} = {expected}, got {np.shape(value(state))} ({hint})"
                )
            ready.append(state if batched else ae.expand_dims(state, 1))
        return tuple(ready)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text


class RNN(RNNBase):
    """Stacked vanilla RNN, ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0)``; ``forward(input, h_0=None)`` returns ``output, h_n``
    (shapes in :class:`RNNBase`).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        mode = "RNN_TANH" if _check_nonlinearity("RNN", nonlinearity) == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)
        self.nonlinearity = nonlinearity


class _FixedModeRNN(RNNBase):
    """An :class:`RNNBase` whose mode is the class attribute ``_mode``, with PyTorch's constructor."""

    _mode: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
    ) -> None:
        name = type(self).__name__
        proj_size = check_int(proj_size, "proj_size", name, low=0)
        if proj_size and self._mode != "LSTM":
            raise ValueError(f"{name}: proj_size applies to LSTM only (as in PyTorch), got proj_size={proj_size}")
        if proj_size:
            raise NotImplementedError(
                f"{name}: proj_size={proj_size} (a projection of the hidden state) is not implemented; put an "
                f"nn.Linear(hidden_size, {proj_size}) after the LSTM, or use LSTMCell with your own projection"
            )
        super().__init__(self._mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)


class LSTM(_FixedModeRNN):
    """Stacked LSTM with PyTorch's parameters and gate order (i, f, g, o); see the module docstring.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    proj_size=0, dtype=None)``; ``forward(input, (h_0, c_0)=None)`` returns ``output, (h_n, c_n)``:

    - ``input``: (T, N, input_size), or (N, T, input_size) with ``batch_first=True``, or
      unbatched (T, input_size);
    - ``h_0``, ``c_0``: (num_layers, N, hidden_size), or (num_layers, hidden_size) for unbatched
      input (``batch_first`` does not apply to them, as in PyTorch); zeros when omitted;
    - ``output``: the last layer's hidden state at every step, (T, N, hidden_size) or
      (N, T, hidden_size) with ``batch_first``, (T, hidden_size) unbatched;
    - ``h_n``, ``c_n``: every layer's final states, shaped as ``h_0``.

    Each layer's time loop runs as one engine primitive, :func:`autograd_engine.lstm_recurrence`
    (``LSTMCell`` composes one step from primitives).
    """

    _mode = "LSTM"


class GRU(_FixedModeRNN):
    """Stacked GRU with PyTorch's parameters and gate order (r, z, n); see :func:`gru_step`.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0)``;
    ``forward(input, h_0=None)`` returns ``output, h_n``.
    """

    _mode = "GRU"


# ----- helpers ---------------------------------------------------------------------------------


def _check_sizes(name: str, input_size: int, hidden_size: int, num_layers: int) -> tuple[int, int, int]:
    """The three sizes as ints, each at least 1 (TypeError for a float or string, ValueError below 1)."""
    return (
        check_int(input_size, "input_size", name, low=1),
        check_int(hidden_size, "hidden_size", name, low=1),
        check_int(num_layers, "num_layers", name, low=1),
    )


def _check_nonlinearity(name: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def _single_state(name: str, hx: Any) -> Any:
    """``hx`` for the one-state cells and layers (RNN, GRU): a tuple or list is a clear error."""
    if isinstance(hx, tuple | list):
        raise TypeError(
            f"{name}: hx must be one tensor (the hidden state), got a {type(hx).__name__}; "
            f"only the LSTM takes a pair (h, c)"
        )
    return hx


def _dropout(x: Any, p: float) -> Any:
    """Inverted dropout with a constant mask from the library's generator."""
    keep = ae_random.default_generator().random(np.shape(value(x))) >= p
    return x * (keep / (1 - p)).astype(value(x).dtype)
