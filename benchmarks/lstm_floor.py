"""Why ``nn.LSTM`` runs its recurrence as one primitive: the bound on the composed LSTM step.

``benchmarks/lstm.py`` times the engine's ``nn.LSTM`` training step against a hand-written
NumPy step.  Before ``ae.lstm_recurrence``, ``nn.LSTM`` composed every time step from
primitives; this script measures how close that composition could ever get, with the same
problem (T=50, N=32, D=64, H=128, a Linear to 64 classes at every step, cross-entropy, float32):

- **hand-written NumPy**: the reference of ``lstm.py``;
- **autograd_engine nn.LSTM**: the layer as it is, on the ``lstm_recurrence`` primitive;
- **autograd_engine composed steps**: the recurrence composed from ``ae.lstm_step`` (one
  ``linear`` node, four gate slices, four activations and five elementwise nodes per step);
- **the composed graph's arrays, no engine**: the NumPy calls that the engine's gradient rules
  make on that composed graph -- the same products, temporaries, slice scatters and ``+=`` at
  forks -- written out in a plain loop, without Tensors, nodes or the backward pass's
  bookkeeping.  No way of *running* the composed graph (a faster backward loop, capture and
  replay) can beat this: it is the array work of the composition itself.

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

from lstm import (  # noqa: E402
    PROBLEM,
    C,
    D,
    EngineComposedLSTM,
    EngineLSTM,
    H,
    N,
    NumpyLSTM,
    T,
    _sigmoid,
    make_problem,
    time_and_report,
)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    p = make_problem()
    models = {
        "hand-written NumPy": NumpyLSTM(p),
        "autograd_engine nn.LSTM": EngineLSTM(p),
        "autograd_engine composed steps": EngineComposedLSTM(p),
        "composed graph's arrays, no engine": ComposedArraysOnly(p),
    }
    time_and_report(models, args.repeats, "lstm bounds", f"## Bounds of the LSTM step: {PROBLEM}, float32")


if __name__ == "__main__":
    main()
