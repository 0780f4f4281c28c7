"""Adagrad: per-coordinate learning rates from the running sum of squared gradients.

The notes' update, with ``g`` the gradient (plus ``weight_decay * x``)::

    cache += g ** 2
    x += -lr * g / (sqrt(cache) + eps)

identical to ``torch.optim.Adagrad`` (whose ``sum`` is the notes' ``cache``),
including PyTorch's ``lr_decay`` (the step uses ``lr / (1 + (t - 1) * lr_decay)``
at step ``t``) and ``initial_accumulator_value``.  ``maximize=True`` ascends
the objective: ``g`` is ``-grad`` (plus ``weight_decay * x``), as in PyTorch
(the cache is unchanged, since it squares ``g``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsLike, check_number


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False)``.

    State per parameter: ``step`` (int) and ``sum`` (the notes' ``cache``, the
    parameter's shape and dtype).
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_number(self, "lr_decay", group["lr_decay"], low=0.0)
        check_number(self, "initial_accumulator_value", group["initial_accumulator_value"], low=0.0)

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = state.get("step", 0) + 1
        cache = state.get("sum")
        if cache is None:
            cache = state["sum"] = np.full_like(x, group["initial_accumulator_value"])
        g = self._l2_gradient(x, g, group["weight_decay"], group["maximize"])
        lr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        work = self.scratch(x)
        np.multiply(g, g, out=work)
        cache += work  # cache += g ** 2
        np.sqrt(cache, out=work)
        work += group["eps"]
        np.divide(g, work, out=work)
        work *= lr
        x -= work  # x += -lr * g / (sqrt(cache) + eps)
