"""The pointwise part of one LSTM step's backward pass, as one loop over the (N, H) units.

Written with NumPy, this part of the rule is about fifteen passes over small arrays per time
step (products, ``1 - x``, block writes into the gate gradient), each paying NumPy's call and
temporary; here it is one pass, which the compiler vectorises (products and sums only, no
transcendental functions).  The forward keeps NumPy, whose ``exp`` and ``tanh`` are vectorised
and Numba's are not.  The matrix products stay with BLAS in the op
(:mod:`autograd_engine.ops.recurrent`), which owns the shapes.
"""
from __future__ import annotations

from numba import njit


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
    for r in range(n):
        for k in range(hidden):
            i = acts[r, k]
            f = acts[r, hidden + k]
            g = acts[r, 2 * hidden + k]
            o = acts[r, 3 * hidden + k]
            tc = tanh_c[r, k]
            dh = g_h[r, k] + grad_h[r, k]
            dc = g_c[r, k] + grad_c[r, k] + dh * o * (1 - tc * tc)
            g_gates[r, k] = dc * g * i * (1 - i)
            g_gates[r, hidden + k] = dc * c_prev[r, k] * f * (1 - f)
            g_gates[r, 2 * hidden + k] = dc * i * (1 - g * g)
            g_gates[r, 3 * hidden + k] = dh * tc * o * (1 - o)
            g_c[r, k] = dc * f
