"""L-BFGS: a quasi-Newton method for full-batch problems (the notes' second-order section).

The notes: Newton's update ``x <- x - H^-1 g`` needs no learning rate, but the
Hessian is too big to form; L-BFGS approximates ``H^-1 g`` from the last
``history_size`` pairs ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k`` with the
two-loop recursion (Nocedal & Wright, Algorithm 7.4), never building a matrix.
It needs the exact gradient of the whole objective, so it suits full-batch
problems (least squares, small models, style transfer), not noisy mini-batches.

As ``torch.optim.LBFGS``, ``step(closure)`` runs up to ``max_iter`` iterations;
``closure()`` must zero the gradients, compute the loss, call ``backward()`` and
return the loss.  Without a line search each iteration moves ``lr`` times the
quasi-Newton direction (the first iteration ``min(1, 1 / |g|_1) * lr``); with
``line_search_fn="strong_wolfe"`` the step length satisfies the strong Wolfe
conditions (sufficient decrease ``c1 = 1e-4``, curvature ``c2 = 0.9``), found by
bracketing and zooming with cubic interpolation (Nocedal & Wright, Algorithms
3.5 and 3.6).  All parameters form one flat vector; only one parameter group.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_engine import enable_grad
from autograd_engine.checks import check_int

from .optimizer import Optimizer, ParamsLike, check_number


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
    history_size=100, line_search_fn=None)``.

    ``max_eval`` (default ``max_iter * 5 // 4``) bounds the closure calls per
    ``step``.  Iteration stops early when the largest gradient entry is
    ``<= tolerance_grad`` or when the step or the change of loss falls below
    ``tolerance_change``.  The state (kept on the first parameter, as PyTorch)
    holds the curvature history, so ``state_dict`` resumes exactly.
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = check_int(max_iter, "max_iter", "LBFGS", low=1) * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: only one parameter group is supported (all parameters form one vector)")
        self._params = self.param_groups[0]["params"]

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("max_iter", "max_eval", "history_size"):
            check_int(group[key], key, "LBFGS", low=1)
        check_number(self, "tolerance_grad", group["tolerance_grad"], low=0.0)
        check_number(self, "tolerance_change", group["tolerance_change"], low=0.0)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    # ----- flat views of all parameters ---------------------------------------
    def _dtype(self) -> np.dtype:
        return np.result_type(*[p.dtype for p in self._params])

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([p.data.ravel() for p in self._params]).astype(self._dtype(), copy=False)

    def _flat_grad(self) -> np.ndarray:
        parts = [np.zeros(p.size, p.dtype) if p.grad is None else p.grad.ravel() for p in self._params]
        return np.concatenate(parts).astype(self._dtype(), copy=False)

    def _set_params(self, flat: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            p.data[...] = flat[offset:offset + p.size].reshape(p.shape)  # in place: modules keep their arrays
            p.mark_modified()
            offset += p.size

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[float, np.ndarray]:
        with enable_grad():
            loss = closure()
        return float(loss), self._flat_grad()

    # ----- the step -----------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the loss of the first closure call."""
        if closure is None:
            raise ValueError("LBFGS.step: needs a closure that zeroes the gradients, computes the loss, calls "
                             "backward() and returns the loss; e.g. opt.step(lambda: ...)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        g = self._flat_grad()
        evals = 1
        state["func_evals"] += 1
        if np.abs(g).max() <= tolerance_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        s_hist, y_hist, rho_hist = state.get("s", []), state.get("y", []), state.get("rho", [])
        h_diag, g_prev = state.get("H_diag", 1.0), state.get("prev_flat_grad")
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                s_hist, y_hist, rho_hist, h_diag = [], [], [], 1.0
            else:
                y = g - g_prev
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only if the curvature condition holds
                    if len(s_hist) == group["history_size"]:
                        s_hist.pop(0), y_hist.pop(0), rho_hist.pop(0)
                    s_hist.append(s), y_hist.append(y), rho_hist.append(1.0 / ys)
                    h_diag = ys / float(y @ y)  # initial Hessian inverse scale (s'y / y'y)
                d = _two_loop(-g, s_hist, y_hist, rho_hist, h_diag)
            g_prev = g.copy()
            loss_prev = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            slope = float(g @ d)  # directional derivative; must be negative
            if slope > -tolerance_change:
                break

            if group["line_search_fn"] == "strong_wolfe":
                x0 = self._flat_params()

                def phi(step: float, x0: np.ndarray = x0, d: np.ndarray = d) -> tuple[float, np.ndarray]:
                    self._set_params(x0 + step * d)
                    return self._evaluate(closure)

                loss, g, t, used = _strong_wolfe(phi, t, d, loss, g, slope, tolerance_change)
                self._set_params(x0 + t * d)
            else:
                self._set_params(self._flat_params() + t * d)
                used = 0
                if iteration != max_iter:  # the last iteration's loss is not needed
                    loss, g = self._evaluate(closure)
                    used = 1
            evals += used
            state["func_evals"] += used

            if iteration == max_iter or evals >= max_eval:
                break
            if np.abs(g).max() <= tolerance_grad:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - loss_prev) < tolerance_change:
                break

        state.update(d=d, t=t, s=s_hist, y=y_hist, rho=rho_hist, H_diag=h_diag, prev_flat_grad=g_prev)
        return first_loss


def _two_loop(q: np.ndarray, s_hist: list, y_hist: list, rho_hist: list, h_diag: float) -> np.ndarray:
    """The L-BFGS two-loop recursion: ``H^-1 q`` from the stored (s, y) pairs."""
    alphas = []
    for s, y, rho in zip(reversed(s_hist), reversed(y_hist), reversed(rho_hist)):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    r = q * h_diag
    for s, y, rho, a in zip(s_hist, y_hist, rho_hist, reversed(alphas)):
        b = rho * float(y @ r)
        r += s * (a - b)
    return r


def _cubic_minimum(t1: float, f1: float, g1: float, t2: float, f2: float, g2: float, low: float, high: float) -> float:
    """Minimiser in [low, high] of the cubic through (t1, f1, slope g1) and (t2, f2, slope g2)
    (Nocedal & Wright, eq. 3.59); the midpoint when the cubic has no minimum."""
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (t1 - t2)
    square = d1 * d1 - g1 * g2
    if square < 0:
        return (low + high) / 2.0
    d2 = np.sign(t2 - t1) * np.sqrt(square)
    t = t2 - (t2 - t1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
    return float(min(max(t, low), high)) if np.isfinite(t) else (low + high) / 2.0


def _strong_wolfe(
    phi: Callable[[float], tuple[float, np.ndarray]],
    t: float,
    d: np.ndarray,
    f0: float,
    g0: np.ndarray,
    slope0: float,
    tolerance_change: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """A step length along ``d`` meeting the strong Wolfe conditions.

    ``phi(t)`` returns the loss and flat gradient at ``x0 + t * d``.  Returns
    ``(loss, grad, t, evaluations)`` at the accepted step.
    """
    d_scale = float(np.abs(d).max())
    prev = (0.0, f0, g0, slope0)
    evals = 0
    bracket = None
    while evals < max_evals:
        f, g = phi(t)
        evals += 1
        slope = float(g @ d)
        point = (t, f, g, slope)
        if f > f0 + c1 * t * slope0 or (evals > 1 and f >= prev[1]):
            bracket = [prev, point]  # [low, high]: the minimum lies between
            break
        if abs(slope) <= -c2 * slope0:
            return f, g, t, evals
        if slope >= 0:
            bracket = [point, prev]
            break
        # still descending: extrapolate, at least 1% further, at most 10x
        t_next = _cubic_minimum(prev[0], prev[1], prev[3], t, f, slope, t + 0.01 * (t - prev[0]), 10.0 * t)
        prev, t = point, t_next
    if bracket is None:  # out of evaluations while still descending: take the last point
        return prev[1], prev[2], prev[0], evals

    low, high = bracket
    while evals < max_evals and abs(high[0] - low[0]) * d_scale >= tolerance_change:
        a, b = sorted((low[0], high[0]))
        t = _cubic_minimum(low[0], low[1], low[3], high[0], high[1], high[3], a, b)
        margin = 0.1 * (b - a)
        if min(t - a, b - t) < margin:  # too close to an end: stay inside, so the bracket shrinks
            t = (a + b) / 2.0
        f, g = phi(t)
        evals += 1
        slope = float(g @ d)
        point = (t, f, g, slope)
        if f > f0 + c1 * t * slope0 or f >= low[1]:
            high = point
        else:
            if abs(slope) <= -c2 * slope0:
                return f, g, t, evals
            if slope * (high[0] - low[0]) >= 0:
                high = low
            low = point
    return low[1], low[2], low[0], evals

