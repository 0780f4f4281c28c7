"""The pointwise parts of one LSTM step, as single loops over the (N, H) units.

Written with NumPy, the backward's part is about fifteen passes over small arrays per time
step (products, ``1 - x``, block writes into the gate gradient), each paying NumPy's call and
temporary; here it is one pass, which LLVM vectorises.  The kernels hold
products, sums and quotients only: ``exp`` and ``tanh`` stay with NumPy, whose versions are
vectorised and Numba's are not.  The matrix products stay with BLAS in the op
(:mod:`autograd_engine.ops.recurrent`), which owns the shapes.  All arrays are C-contiguous.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def lstm_step_inputs(pre, x, g):  # pragma: no cover (jitted)
    """Prepare one LSTM step's pre-activations a = ``pre`` + ``x`` for NumPy's exp and tanh.

    ``pre`` (N, 4H) holds h_{t-1} @ W_hh.T and ``x`` (N, 4H) the input's part; ``pre`` is replaced
    by -a (for exp(-a) in the sigmoid gates' blocks; g's block is not read later) and ``g``
    (N, H) receives g's block of a.
    """
    n, width = pre.shape
    hidden = width // 4
    for r in range(n):
        p, x_r, g_r = pre[r], x[r], g[r]
        for k in range(width):
            p[k] = -(p[k] + x_r[k])
        p_g = p[2 * hidden : 3 * hidden]
        for k in range(hidden):
            g_r[k] = -p_g[k]


@njit(cache=True, error_model="numpy")  # NumPy's division semantics: no zero check, so the loop vectorises
def lstm_step_forward(exp_neg, g, c_prev, acts, c):  # pragma: no cover (jitted)
    """Finish one LSTM step's gates and cell state (gate order i, f, g, o).

    Inputs: ``exp_neg`` (N, 4H) holds exp(-a) in the sigmoid gates' blocks (i, f, o), a the
    pre-activations (its g block is not read); ``g`` (N, H) = tanh of g's pre-activation;
    ``c_prev`` (N, H).  Outputs: ``acts`` (N, 4H), the gates i, f, g, o with the sigmoid
    1 / (1 + exp(-a)) applied; ``c`` (N, H) = f * ``c_prev`` + i * g.  The outputs are other
    arrays than the inputs, which lets LLVM vectorise the loop.
    """
    n, width = acts.shape
    hidden = width // 4
    one = np.float32(1)
    for r in range(n):
        e, a = exp_neg[r], acts[r]
        e_i, e_f, e_o = e[:hidden], e[hidden : 2 * hidden], e[3 * hidden :]
        a_i, a_f, a_g, a_o = a[:hidden], a[hidden : 2 * hidden], a[2 * hidden : 3 * hidden], a[3 * hidden :]
        g_r, c_p, c_r = g[r], c_prev[r], c[r]
        for k in range(hidden):
            i = one / (one + e_i[k])
            f = one / (one + e_f[k])
            a_i[k] = i
            a_f[k] = f
            a_g[k] = g_r[k]
            a_o[k] = one / (one + e_o[k])
            c_r[k] = f * c_p[k] + i * g_r[k]


@njit(cache=True)
def lstm_step_backward(acts, tanh_c, c_prev, grad_h, grad_c, g_h, g_c, g_gates):  # pragma: no cover (jitted)
    """One step of the LSTM's backward pass through its gates (gate order i, f, g, o).

    Inputs, all C-contiguous: ``acts`` (N, 4H) the gates after their nonlinearities;
    ``tanh_c`` (N, H) tanh of the step's cell state; ``c_prev`` (N, H) the previous cell state;
    ``grad_h``, ``grad_c`` (N, H) the gradients that reach h_t and c_t from outside the
    recurrence (the layer's outputs); ``g_h`` (N, H) the gradient that reaches h_t from step t+1.
    In-out: ``g_c`` (N, H), the gradient that reaches c_t from step t+1, replaced by the one
    for c_{t-1}.  Output: ``g_gates`` (N, 4H), the gradient of the gates' pre-activations.
    """
    n, width = acts.shape
    hidden = width // 4
    one = np.float32(1)  # exact in every float type; a Python 1.0 would be float64 and promote float32 arithmetic
    for r in range(n):  # one row at a time: its blocks are contiguous 1-D views, which LLVM vectorises
        a, d_a = acts[r], g_gates[r]
        a_i, a_f, a_g, a_o = a[:hidden], a[hidden : 2 * hidden], a[2 * hidden : 3 * hidden], a[3 * hidden :]
        d_i, d_f, d_g, d_o = d_a[:hidden], d_a[hidden : 2 * hidden], d_a[2 * hidden : 3 * hidden], d_a[3 * hidden :]
        t_c, c_p, from_h, from_c, rec_h, rec_c = tanh_c[r], c_prev[r], grad_h[r], grad_c[r], g_h[r], g_c[r]
        for k in range(hidden):
            i, f, g, o, tc = a_i[k], a_f[k], a_g[k], a_o[k], t_c[k]
            dh = rec_h[k] + from_h[k]
            dc = rec_c[k] + from_c[k] + dh * o * (one - tc * tc)
            d_i[k] = dc * g * i * (one - i)
            d_f[k] = dc * c_p[k] * f * (one - f)
            d_g[k] = dc * i * (one - g * g)
            d_o[k] = dh * tc * o * (one - o)
            rec_c[k] = dc * f
