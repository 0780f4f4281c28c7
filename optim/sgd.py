"""Stochastic gradient descent: vanilla, momentum and Nesterov momentum, in the notes' form.

With ``g`` the gradient (plus ``weight_decay * x`` when weight decay is set),
``lr`` the learning rate and ``mu`` the momentum, one step is

=================  ==============================================================
vanilla            ``x += -lr * g``
momentum           ``v = mu * v - lr * g;  x += v``
Nesterov           ``v_prev = v;  v = mu * v - lr * g;  x += -mu * v_prev + (1 + mu) * v``
=================  ==============================================================

exactly as the CS231n notes write them.  ``maximize=True`` ascends the
objective instead: ``g`` is then ``-grad`` (plus ``weight_decay * x``), the
gradient being negated before the decay is added, as in PyTorch.  The velocity ``v`` (state
``"velocity"``) lives in parameter units and starts at zero.  The Nesterov line
equals ``x += mu * v - lr * g`` (substitute ``v_prev = (v + lr * g) / mu``),
which is how it is computed here, without keeping ``v_prev``.

Relation to PyTorch.  ``torch.optim.SGD`` keeps a buffer ``b = mu * b + (1 -
dampening) * g`` (``b = g`` on the first step) and updates ``x -= lr * b``, or
``x -= lr * (g + mu * b)`` with Nesterov.  With a constant learning rate the two
are the same algorithm: ``v = -lr * b`` at every step, so the parameters agree
to rounding (about 1e-16 relative in float64; the products are associated
differently, so not bit for bit).  ``dampening`` is applied as PyTorch does,
``v = mu * v - lr * (1 - dampening) * g``, except on the first step (``v = -lr *
g``), which keeps the equality.  They differ when the learning rate changes
during training: the notes' velocity keeps the steps already taken at the old
rate and lets them decay by ``mu``, while PyTorch rescales the whole buffer by
the new rate at once.  This module follows the notes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_engine.checks import check_bool

from .optimizer import Optimizer, ParamsLike, check_number


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)``.

    ``weight_decay`` adds ``weight_decay * x`` to the gradient (L2
    regularisation of strength ``weight_decay / 2``).  ``nesterov=True`` needs
    ``momentum > 0`` and ``dampening = 0``.  ``maximize=True`` follows ``-grad``
    (gradient ascent on the objective).  State per parameter: ``velocity``
    (same shape and dtype as the parameter) once momentum is non-zero.
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_number(self, "momentum", group["momentum"], low=0.0)
        check_number(self, "dampening", group["dampening"], low=0.0, high=1.0)
        check_bool(group["nesterov"], "nesterov", "SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got momentum={group['momentum']!r}, "
                f"dampening={group['dampening']!r}; pass e.g. momentum=0.9"
            )

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr, mu, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        g = self._l2_gradient(x, g, weight_decay, group["maximize"])
        step = self.scratch(x)
        if mu == 0:
            np.multiply(g, lr, out=step)
            x -= step  # x += -lr * g
            return
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = np.empty_like(x)
            np.multiply(g, lr, out=step)
            np.negative(step, out=v)  # v = mu * 0 - lr * g
        else:
            v *= mu
            np.multiply(g, lr * (1.0 - group["dampening"]), out=step)
            v -= step  # v = mu * v - lr * (1 - dampening) * g
        if group["nesterov"]:  # dampening is 0 here, so step holds lr * g
            x -= step
            np.multiply(v, mu, out=step)
            x += step  # x += mu * v - lr * g  ==  x += -mu * v_prev + (1 + mu) * v
        else:
            x += v
