"""RMSprop: Adagrad with a leaky cache, the notes' ``decay_rate`` being PyTorch's ``alpha``.

The notes' update, with ``g`` the gradient (plus ``weight_decay * x``)::

    cache = alpha * cache + (1 - alpha) * g ** 2
    x += -lr * g / (sqrt(cache) + eps)

identical to ``torch.optim.RMSprop`` (whose ``square_avg`` is the notes'
``cache``).  PyTorch's two extensions are kept with PyTorch's meaning:
``centered=True`` divides by ``sqrt(cache - mean_g ** 2) + eps`` where
``mean_g`` is the same leaky average of ``g``; ``momentum > 0`` accumulates the
normalised step in a buffer, ``b = momentum * b + g / denominator; x -= lr * b``.
``maximize=True`` ascends the objective: ``g`` is ``-grad`` (plus ``weight_decay
* x``), negated before anything else, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_engine.checks import check_bool

from .optimizer import Optimizer, ParamsLike, check_number


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False)``.

    State per parameter: ``step`` (int), ``square_avg`` (the notes' cache), and
    ``grad_avg`` when centered, ``momentum_buffer`` when momentum > 0, all in the
    parameter's shape and dtype.
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_number(self, "alpha", group["alpha"], low=0.0, high=1.0, high_open=True)
        check_number(self, "momentum", group["momentum"], low=0.0)
        check_bool(group["centered"], "centered", "RMSprop")

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        alpha = group["alpha"]
        state["step"] = state.get("step", 0) + 1
        cache = state.get("square_avg")
        if cache is None:
            cache = state["square_avg"] = np.zeros_like(x)
        g = self._l2_gradient(x, g, group["weight_decay"], group["maximize"])
        work = self.scratch(x)
        cache *= alpha
        np.multiply(g, g, out=work)
        work *= 1.0 - alpha
        cache += work  # cache = alpha * cache + (1 - alpha) * g ** 2
        if group["centered"]:
            mean = state.get("grad_avg")
            if mean is None:
                mean = state["grad_avg"] = np.zeros_like(x)
            mean *= alpha
            np.multiply(g, 1.0 - alpha, out=work)
            mean += work
            np.multiply(mean, mean, out=work)
            np.subtract(cache, work, out=work)
            np.sqrt(work, out=work)
        else:
            np.sqrt(cache, out=work)
        work += group["eps"]
        np.divide(g, work, out=work)  # g / (sqrt(cache) + eps)
        if group["momentum"] > 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.zeros_like(x)
            buffer *= group["momentum"]
            buffer += work
            np.multiply(buffer, group["lr"], out=work)
        else:
            work *= group["lr"]
        x -= work
