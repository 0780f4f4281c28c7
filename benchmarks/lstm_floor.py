"""How close to the hand-written NumPy step can the engine's LSTM get?  Two bounds, measured.

``benchmarks/lstm.py`` times the engine's ``nn.LSTM`` training step against a hand-written
NumPy step.  This script asks where the difference comes from, with the same problem
(T=50, N=32, D=64, H=128, a Linear to 64 classes at every step, cross-entropy, float32):

- **hand-written NumPy**: the reference of ``lstm.py``;
- **autograd_engine nn.LSTM**: the composed layer of ``lstm.py`` (one ``linear`` node, four
  gate slices, four activations and five elementwise nodes per step);
- **the composed graph's arrays, no engine**: the NumPy calls that the engine's gradient rules
  make on that graph -- the same products, temporaries, slice scatters and ``+=`` at forks --
  written out in a plain loop, without Tensors, nodes or the backward pass's bookkeeping.
  No way of *running* the composed graph (a faster backward loop, capture and replay) can
  beat this: it is the array work of the composition itself;
- **engine, whole recurrence as one primitive**: what fusion would give.  A prototype
  primitive here (not part of the engine) runs the time loop of the hand-written step, with
  preallocated buffers, inside one node; the input projection, the head and the loss stay
  engine ops.

All four must agree on the loss and the gradients before anything is timed.

Run:  python benchmarks/lstm_floor.py [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lstm import PROBLEM, C, D, EngineLSTM, H, N, NumpyLSTM, T, _sigmoid, make_problem, time_and_report  # noqa: E402

import autograd_engine as ae  # noqa: E402
import nn  # noqa: E402
from autograd_engine.function import Primitive, apply  # noqa: E402


class ComposedArraysOnly:
    """The array work of the engine's composed graph, in the order its backward pass runs."""

    def __init__(self, p: dict[str, np.ndarray]) -> None:
        self.p = p

    def step(self) -> tuple[float, dict[str, np.ndarray]]:
        p = self.p
        w_ih, w_hh, w_out = p["weight_ih"], p["weight_hh"], p["weight_out"]
        bias = p["bias_ih"] + p["bias_hh"]
        x2 = p["x"].reshape(T * N, D)
        x_gates = x2 @ w_ih.T
        x_gates += bias
        x_gates = x_gates.reshape(T, N, 4 * H)
        h = c = np.zeros((N, H), np.float32)
        tape, hs = [], []
        for t in range(T):
            gates = h @ w_hh.T
            gates += x_gates[t]
            i, f = _sigmoid(gates[:, :H]), _sigmoid(gates[:, H : 2 * H])
            g, o = np.tanh(gates[:, 2 * H : 3 * H]), _sigmoid(gates[:, 3 * H :])
            fc, ig = f * c, i * g
            c_new = fc + ig
            tanh_c = np.tanh(c_new)
            tape.append((h, c, i, f, g, o, tanh_c))
            h, c = o * tanh_c, c_new
            hs.append(h)
        out = np.concatenate(hs, axis=0)
        scores = out.reshape(T, N, H) @ w_out.T
        scores += p["bias_out"]
        scores = scores.reshape(T * N, C)
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        rows, labels = np.arange(T * N), p["y"].reshape(-1)
        loss = -np.mean(log_p[rows, labels])
        # backward, node by node
        g_picked = np.broadcast_to(-np.ones((), np.float32) / (T * N), (T * N,))
        g_log_p = np.zeros_like(log_p)
        np.add.at(g_log_p, (rows, labels), g_picked)
        g_scores = g_log_p - np.exp(log_p) * g_log_p.sum(axis=1, keepdims=True)
        g3 = g_scores.reshape(T, N, C)
        grads = {"weight_out": g_scores.T @ out.reshape(T * N, H), "bias_out": g3.sum(axis=(0, 1))}
        g_out = (g3 @ w_out).reshape(T * N, H)
        g_x_gates = np.zeros((T, N, 4 * H), np.float32)
        g_w_hh = None
        g_h = g_c = None
        for t in reversed(range(T)):
            h_prev, c_prev, i, f, g, o, tanh_c = tape[t]
            from_output = g_out[t * N : (t + 1) * N]
            g_h = from_output if g_h is None else from_output + g_h
            g_o, g_tanh_c = g_h * tanh_c, g_h * o
            g_c_here = g_tanh_c * (1 - tanh_c * tanh_c)
            if g_c is None:
                g_c = g_c_here
            else:
                g_c += g_c_here
            g_f, g_c_prev = g_c * c_prev, g_c * f
            g_i, g_g = g_c * g, g_c * i
            g_gates = np.zeros((N, 4 * H), np.float32)
            g_gates[:, :H] += g_i * i * (1 - i)
            g_gates[:, H : 2 * H] += g_f * f * (1 - f)
            g_gates[:, 2 * H : 3 * H] += g_g * (1 - g * g)
            g_gates[:, 3 * H :] += g_o * o * (1 - o)
            g_h = g_gates @ w_hh
            g_w = g_gates.T @ h_prev
            if g_w_hh is None:
                g_w_hh = g_w
            else:
                g_w_hh += g_w
            g_x_gates[t] += g_gates
            g_c = g_c_prev
        g_flat = g_x_gates.reshape(T * N, 4 * H)
        grads["weight_ih"] = g_flat.T @ x2
        grads["bias_ih"] = grads["bias_hh"] = g_flat.sum(axis=0)
        grads["weight_hh"] = g_w_hh
        return float(loss), grads


class FusedRecurrence(Primitive):
    """Prototype: the whole LSTM recurrence as one node, the hand-written step's loops inside.

    Inputs ``x_gates`` (T, N, 4H), ``h0``, ``c0`` (N, H), ``weight_hh`` (4H, H); output
    (2, T, N, H): the hidden states, then the cell states, of every step.
    """

    __slots__ = ()
    name = "fused_lstm_recurrence_prototype"
    differentiable_twice = False

    def forward(self, x_gates, h0, c0, weight_hh):
        steps, batch, width = x_gates.shape
        hidden = width // 4
        acts = np.empty_like(x_gates)
        out = np.empty((2, steps, batch, hidden), x_gates.dtype)
        tanh_cs = np.empty((steps, batch, hidden), x_gates.dtype)
        h, c = h0, c0
        for t in range(steps):
            a = acts[t]
            np.matmul(h, weight_hh.T, out=a)
            a += x_gates[t]
            a[:, : 2 * hidden] = _sigmoid(a[:, : 2 * hidden])
            a[:, 2 * hidden : 3 * hidden] = np.tanh(a[:, 2 * hidden : 3 * hidden])
            a[:, 3 * hidden :] = _sigmoid(a[:, 3 * hidden :])
            i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
            c = out[1, t]
            np.multiply(f, c0 if t == 0 else out[1, t - 1], out=c)
            c += i * g
            np.tanh(c, out=tanh_cs[t])
            h = np.multiply(o, tanh_cs[t], out=out[0, t])
        self.saved = (acts, tanh_cs)
        return out

    def backward(self, grad, out, x_gates, h0, c0, weight_hh):
        acts, tanh_cs = self.saved
        steps, batch, width = x_gates.shape
        hidden = width // 4
        g_gates = np.empty_like(x_gates)
        g_h = np.zeros((batch, hidden), x_gates.dtype)
        g_c = np.zeros((batch, hidden), x_gates.dtype)
        for t in reversed(range(steps)):
            i, f, g, o = (acts[t][:, k * hidden : (k + 1) * hidden] for k in range(4))
            c_prev = c0 if t == 0 else out[1, t - 1]
            g_h += grad[0, t]
            g_c += grad[1, t]
            g_c += g_h * o * (1 - tanh_cs[t] ** 2)
            ga = g_gates[t]
            ga[:, :hidden] = g_c * g * i * (1 - i)
            ga[:, hidden : 2 * hidden] = g_c * c_prev * f * (1 - f)
            ga[:, 2 * hidden : 3 * hidden] = g_c * i * (1 - g * g)
            ga[:, 3 * hidden :] = g_h * tanh_cs[t] * o * (1 - o)
            g_c *= f
            g_h = ga @ weight_hh
        g_weight = g_gates[0].T @ h0
        if steps > 1:
            g_weight += g_gates[1:].reshape(-1, width).T @ out[0, :-1].reshape(-1, hidden)
        return g_gates, g_h, g_c, g_weight


class EngineFusedLSTM(EngineLSTM):
    """``lstm.py``'s engine step with the time loop replaced by :class:`FusedRecurrence`."""

    def step(self) -> tuple[float, dict[str, np.ndarray]]:
        lstm = self.lstm
        lstm.zero_grad()
        self.head.zero_grad()
        x_gates = ae.linear(ae.reshape(self.x, (T * N, D)), lstm.weight_ih_l0, lstm.bias_ih_l0 + lstm.bias_hh_l0)
        zeros = np.zeros((N, H), np.float32)
        states = apply(FusedRecurrence(), ae.reshape(x_gates, (T, N, 4 * H)), zeros, zeros, lstm.weight_hh_l0)
        loss = nn.functional.cross_entropy(self.head(states[0]).reshape(T * N, C), self.y)
        loss.backward()
        grads = {k[:-3]: v.grad for k, v in lstm.named_parameters()}
        grads.update(weight_out=self.head.weight.grad, bias_out=self.head.bias.grad)
        return loss.item(), grads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    p = make_problem()
    models = {
        "hand-written NumPy": NumpyLSTM(p),
        "autograd_engine nn.LSTM": EngineLSTM(p),
        "composed graph's arrays, no engine": ComposedArraysOnly(p),
        "engine, recurrence as one primitive": EngineFusedLSTM(p),
    }
    time_and_report(models, args.repeats, "lstm bounds", f"## Bounds of the LSTM step: {PROBLEM}, float32")


if __name__ == "__main__":
    main()
