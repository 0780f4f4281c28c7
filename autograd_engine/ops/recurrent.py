"""Recurrent steps: one step of a vanilla RNN, a GRU and an LSTM composed from primitives, and the
whole LSTM recurrence as one primitive.

``rnn_step`` and ``gru_step`` are the steps ``nn.RNN``/``nn.GRU`` and their cells run.

``lstm_step`` is the notes' cell written with the engine's ops (``linear``, ``sigmoid``,
``tanh``, slicing, ``*`` and ``+``): its graph shows every gate, and ``LSTMCell`` uses it.

``lstm_recurrence`` runs the same step over every time step of a sequence as *one* node, and
``nn.LSTM`` runs on it.  Composed, a step costs fifteen nodes, and their bookkeeping and
temporaries (weight gradients summed step by step, slice scatters) cost more than the
hand-written NumPy step, whatever runs the graph.  So the recurrence is where a layer needs a primitive of its own
(a layer never writes a backward pass; the engine gains the primitive), as ``torch.nn.LSTM``
has its fused kernel while ``torch.nn.LSTMCell`` composes.  Its second derivative
(``create_graph=True``) differentiates the composed steps, so the primitive's rule is needed
only for first order.  Its Numba kernels load on its first call, not on ``import``.

Gates are PyTorch's (i, f, g, o)::

    a_t = x_gates[t] + h_{t-1} @ W_hh.T           (N, 4H)
    i, f, o = sigmoid of their blocks of a_t;  g = tanh of its block
    c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

Backward, from the gradients dh, dc arriving at step t (from the outputs and from step t+1)::

    dc  += dh * o * (1 - tanh(c_t)^2)
    da_i = dc * g * i (1 - i)        da_f = dc * c_{t-1} * f (1 - f)
    da_g = dc * i * (1 - g^2)        da_o = dh * tanh(c_t) * o (1 - o)
    dh_{t-1} = da_t @ W_hh;   dc_{t-1} = dc * f;   dW_hh = sum_t da_t^T h_{t-1}

Per step, the products go to BLAS and the pointwise work to NumPy's ``exp``/``tanh`` and three
Numba kernels (:mod:`autograd_engine.kernels.lstm`): seven calls forward, two backward.
W_hh's gradient is summed by BLAS after the loop, in two products (step 0 reads ``h0``, the
others the stored states).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autodiff import grad as gradients
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..kernels.threads import blas_for_product
from ..operands import as_operand, shape_of
from ..tensor import Tensor
from .affine import linear
from .elementwise import sigmoid, tanh
from .join import stack
from .shape import Reshape


@op()
def rnn_step(x_gates: Any, h: Any, weight_hh: Any, activation: Callable[[Any], Any] = tanh) -> Any:
    """One vanilla-RNN step: ``activation(x_gates + h @ weight_hh.T)``.

    ``x_gates`` (N, H) is the input's contribution ``x_t @ W_ih.T + b_ih + b_hh``; ``h`` (N, H)
    the previous hidden state; ``weight_hh`` (H, H).  Returns the new hidden state (N, H).
    """
    return activation(linear(h, weight_hh, x_gates))


@op()
def gru_step(x_gates: Any, h: Any, weight_hh: Any, bias_hh: Any = None) -> Any:
    """One GRU step with PyTorch's gate order (r, z, n) and equations.

    ``x_gates`` (N, 3H) is ``x_t @ W_ih.T + b_ih`` (``b_hh`` stays inside, because the reset
    gate multiplies the hidden part of the candidate)::

        r, z = sigmoid(x_r + h W_hr^T + b_hr), sigmoid(x_z + h W_hz^T + b_hz)
        n = tanh(x_n + r * (h W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h
    """
    x_gates, h = as_operand(x_gates, "gru_step", "x_gates"), as_operand(h, "gru_step", "h")
    hidden = shape_of(h)[-1]
    h_gates = linear(h, weight_hh, bias_hh)
    rz = sigmoid(x_gates[..., : 2 * hidden] + h_gates[..., : 2 * hidden])
    r, z = rz[..., :hidden], rz[..., hidden:]
    n = tanh(x_gates[..., 2 * hidden :] + r * h_gates[..., 2 * hidden :])
    return n + z * (h - n)


@op()
def lstm_step(x_gates: Any, h: Any, c: Any, weight_hh: Any) -> tuple[Any, Any]:
    """One LSTM step with PyTorch's gate order (i, f, g, o), composed from primitives.

    ``x_gates`` (N, 4H) is ``x_t @ W_ih.T + b_ih + b_hh``; ``h``, ``c`` (N, H) the previous
    hidden and cell states; ``weight_hh`` (4H, H).  Returns ``(h_t, c_t)``, each (N, H)::

        i, f, o = sigmoid of their gate blocks;  g = tanh of its block
        c_t = f * c + i * g;   h_t = o * tanh(c_t)
    """
    hidden = shape_of(h)[-1]
    sx, sh, sc, sw = (shape_of(a) for a in (x_gates, h, c, weight_hh))
    if sw != (4 * hidden, hidden) or sc != sh or sx != sh[:-1] + (4 * hidden,):
        raise ShapeError(
            f"lstm_step: expected x_gates (N, 4H), h and c (N, H) and weight_hh (4H, H); got x_gates {sx}, "
            f"h {sh}, c {sc} and weight_hh {sw} (H = {hidden}, from h)"
        )
    gates = linear(h, weight_hh, x_gates)  # h @ W_hh.T + x_gates as one node
    i = sigmoid(gates[..., :hidden])
    f = sigmoid(gates[..., hidden : 2 * hidden])
    g = tanh(gates[..., 2 * hidden : 3 * hidden])
    o = sigmoid(gates[..., 3 * hidden :])
    c = f * c + i * g
    return o * tanh(c), c


class LSTMRecurrence(Primitive):
    """Inputs ``x_gates`` (T, N, 4H), ``h0``, ``c0`` (N, H), ``weight_hh`` (4H, H); output
    (2, T, N, H): the hidden states, then the cell states, of every step.

    Saved for backward: the gate activations (T, N, 4H), tanh(c_t) (T, N, H) and the states.
    """

    __slots__ = ()
    name = "lstm_recurrence"

    def forward(self, x_gates, h0, c0, weight_hh):
        from ..kernels.lstm import lstm_step_forward, lstm_step_inputs  # Numba loads on first use, not on import

        steps, batch, width = x_gates.shape
        hidden = width // 4
        result = np.result_type(x_gates, h0, c0, weight_hh)
        dtype = np.promote_types(result, np.float32)  # float16 is computed in float32 (the kernel's types)
        w_t = np.ascontiguousarray(weight_hh.T, dtype=dtype)  # (H, 4H): BLAS multiplies it faster than the .T view
        acts = np.empty((steps, batch, width), dtype)  # i, f, g, o after their nonlinearities
        states = np.empty((2, steps, batch, hidden), dtype)
        tanh_c = np.empty((steps, batch, hidden), dtype)
        pre = np.empty((batch, width), dtype)  # the gates' pre-activations at one step
        g = np.empty((batch, hidden), dtype)  # tanh of g's pre-activations at one step
        h, c = np.asarray(h0, dtype), np.ascontiguousarray(c0, dtype)
        x_gates = np.ascontiguousarray(x_gates, dtype)  # (the kernels' layout and type; no copy for nn.LSTM's)
        with blas_for_product(batch * width * hidden), np.errstate(over="ignore"):
            for t in range(steps):
                np.matmul(h, w_t, out=pre)
                lstm_step_inputs(pre, x_gates[t], g)  # pre = -a, g = a's g block, a = pre + x_gates[t]
                # exp(-a) over the whole row: NumPy runs a ufunc over contiguous memory about twice
                # as fast as over the three strided sigmoid blocks.
                np.exp(pre, out=pre)
                np.tanh(g, out=g)
                a, c_t, h_t, tanh_c_t = acts[t], states[1, t], states[0, t], tanh_c[t]
                lstm_step_forward(pre, g, c, a, c_t)  # the sigmoids 1 / (1 + exp(-a)), and c_t = f * c + i * g
                np.tanh(c_t, out=tanh_c_t)
                np.multiply(a[:, 3 * hidden :], tanh_c_t, out=h_t)
                h, c = h_t, c_t
        self.saved = (acts, tanh_c, states)  # backward reads these states: for float16, the float32 ones
        if result.kind == "f" and result != dtype:
            return states.astype(result)
        return states  # (integer and boolean inputs give float states, as tanh of them does)

    def backward(self, grad, out, x_gates, h0, c0, weight_hh):
        if isinstance(grad, Tensor):  # create_graph: differentiate the composed steps instead
            return _composed_gradients(self.needs_grad, grad, x_gates, h0, c0, weight_hh)
        from ..kernels.lstm import lstm_step_backward

        acts, tanh_c, states = self.saved  # (not ``out``: for float16 results, the float32 states)
        steps, batch, width = acts.shape
        hidden = width // 4
        dtype = acts.dtype
        weight_hh = np.asarray(weight_hh, dtype)
        c0 = np.ascontiguousarray(c0, dtype)
        g_out = np.ascontiguousarray(grad, dtype)  # (2, T, N, H): what reaches every h_t and c_t from outside
        cs = states[1]
        g_acts = np.empty_like(acts)  # the gradient of the gates' pre-activations: x_gates's gradient
        g_h = np.zeros((batch, hidden), dtype)  # what reaches h_t from step t+1
        g_c = np.zeros((batch, hidden), dtype)  # what reaches c_t from step t+1
        with blas_for_product(batch * width * hidden):
            for t in range(steps - 1, -1, -1):
                c_prev = cs[t - 1] if t else c0
                lstm_step_backward(acts[t], tanh_c[t], c_prev, g_out[0, t], g_out[1, t], g_h, g_c, g_acts[t])
                np.matmul(g_acts[t], weight_hh, out=g_h)
        need_x, need_h0, need_c0, need_w = self.needs_grad
        g_weight = None
        if need_w:
            g_weight = g_acts[0].T @ np.asarray(h0, dtype)
            if steps > 1:
                rows = (steps - 1) * batch  # (shapes spelt out: -1 cannot be inferred for zero-size arrays)
                g_weight += g_acts[1:].reshape(rows, width).T @ states[0, :-1].reshape(rows, hidden)
        return (g_acts if need_x else None, g_h if need_h0 else None, g_c if need_c0 else None, g_weight)


@op()
def lstm_recurrence(x_gates: Any, h0: Any, c0: Any, weight_hh: Any) -> tuple[Tensor, Tensor]:
    """Every step of an LSTM layer as one node: the hidden and the cell states of all steps.

    ``x_gates`` (T, N, 4H): the input's contribution to the gates, ``x @ W_ih.T + b_ih + b_hh``
    for all steps (one matrix product before the loop); ``h0``, ``c0`` (N, H): the initial
    states; ``weight_hh`` (4H, H).  Returns ``(hs, cs)``, each (T, N, H): ``hs[t]``, ``cs[t]`` are
    what :func:`lstm_step` returns at step ``t``, so ``hs[-1]``, ``cs[-1]`` are the final states.
    Operands may be Tensors, NumPy arrays or nested lists (converted as ``Tensor(...)`` converts them).
    """
    x_gates, h0, c0, weight_hh = (
        as_operand(a, "lstm_recurrence", role)
        for a, role in ((x_gates, "x_gates"), (h0, "h0"), (c0, "c0"), (weight_hh, "weight_hh"))
    )
    xs, hs, cs, ws = (shape_of(a) for a in (x_gates, h0, c0, weight_hh))
    if len(ws) != 2 or ws[0] != 4 * ws[1]:
        raise ShapeError(f"lstm_recurrence: weight_hh must have shape (4H, H), got {ws}")
    hidden = ws[1]
    if len(xs) != 3 or xs[2] != 4 * hidden or xs[0] == 0:
        raise ShapeError(
            f"lstm_recurrence: x_gates must have shape (T, N, 4H) = (T, N, {4 * hidden}) with T >= 1 to match "
            f"weight_hh {ws}, got {xs}"
        )
    for label, s in (("h0", hs), ("c0", cs)):
        if s != (xs[1], hidden):
            raise ShapeError(
                f"lstm_recurrence: {label} must have shape (N, H) = {(xs[1], hidden)} to match x_gates {xs} and "
                f"weight_hh {ws}, got {s}"
            )
    states = apply(LSTMRecurrence(), x_gates, h0, c0, weight_hh)
    return states[0], states[1]


def _composed_gradients(needs_grad: tuple[bool, ...], grad: Tensor, *inputs: Any) -> tuple[Any, ...]:
    """The recurrence's vector-Jacobian product under ``create_graph=True``: the same function
    composed from :func:`lstm_step`, differentiated by the engine with its graph recorded.

    The composed steps read a stand-in for each input -- a reshape to its own shape, a node of
    its own -- and ``grad`` is taken with respect to the stand-ins.  Taken with respect to the
    inputs themselves, it would also follow the paths between them (``h0`` passed as ``c0`` too,
    or ``x_gates`` computed from ``h0``) and run their hooks, which the backward pass around this
    rule does again: gradients counted twice.
    """

    stand_ins = [apply(Reshape(x.shape), x) if needed else x for x, needed in zip(inputs, needs_grad)]
    x_gates, h, c, weight_hh = stand_ins
    hs, cs = [], []
    for t in range(shape_of(x_gates)[0]):
        h, c = lstm_step(x_gates[t], h, c, weight_hh)
        hs.append(h)
        cs.append(c)
    states = stack([stack(hs), stack(cs)])
    wanted = [x for x, needed in zip(stand_ins, needs_grad) if needed]
    found = iter(gradients(states, wanted, grad_outputs=grad, create_graph=True))
    return tuple(next(found) if needed else None for needed in needs_grad)
