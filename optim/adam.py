"""Adam and AdamW: RMSprop with momentum on the gradient and bias correction.

The notes' update at step ``t`` (counting from 1), ``g`` the gradient::

    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    mb = m / (1 - beta1 ** t)          # bias correction: m and v start at zero
    vb = v / (1 - beta2 ** t)
    x += -lr * mb / (sqrt(vb) + eps)

identical to ``torch.optim.Adam`` (``exp_avg`` is ``m``, ``exp_avg_sq`` is
``v``, ``step`` is ``t``; ``eps`` is added after the square root in both).
``Adam(weight_decay=wd)`` adds ``wd * x`` to ``g`` (L2 regularisation, as
PyTorch); ``AdamW`` instead shrinks the weights directly, ``x *= 1 - lr * wd``,
before the step (decoupled weight decay, Loshchilov & Hutter).
``amsgrad=True`` divides by the running maximum of ``v`` instead of ``v``.
``maximize=True`` ascends the objective: ``g`` is ``-grad`` from the start, so
the moments are those of the negated gradient (and Adam's L2 term is added
after the negation), as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_engine.checks import check_bool

from .optimizer import Optimizer, ParamsLike, check_number


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)``.

    State per parameter: ``step`` (int), ``exp_avg`` (m), ``exp_avg_sq`` (v),
    and ``max_exp_avg_sq`` with amsgrad; arrays in the parameter's shape and dtype.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_number(self, "betas[0]", betas[0], low=0.0, high=1.0, high_open=True)
        check_number(self, "betas[1]", betas[1], low=0.0, high=1.0, high_open=True)
        check_bool(group["amsgrad"], "amsgrad", type(self).__name__)

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        if "exp_avg" not in state:
            state["exp_avg"] = np.zeros_like(x)
            state["exp_avg_sq"] = np.zeros_like(x)
        t = state["step"] = state.get("step", 0) + 1
        if self.decoupled_weight_decay:
            if weight_decay:
                x *= 1.0 - lr * weight_decay
            g = self._l2_gradient(x, g, 0.0, group["maximize"])  # -grad when maximizing
        else:
            g = self._l2_gradient(x, g, weight_decay, group["maximize"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        work = self.scratch(x)
        m *= beta1
        np.multiply(g, 1.0 - beta1, out=work)
        m += work  # m = beta1 * m + (1 - beta1) * g
        v *= beta2
        np.multiply(g, g, out=work)
        work *= 1.0 - beta2
        v += work  # v = beta2 * v + (1 - beta2) * g ** 2
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = np.zeros_like(x)
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        np.sqrt(v, out=work)
        work /= math.sqrt(1.0 - beta2**t)
        work += group["eps"]  # sqrt(vb) + eps
        np.divide(m, work, out=work)
        work *= lr / (1.0 - beta1**t)
        x -= work  # x += -lr * mb / (sqrt(vb) + eps)


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False)``.

    Adam with decoupled weight decay: ``x *= 1 - lr * weight_decay`` before the
    Adam step, instead of adding ``weight_decay * x`` to the gradient.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
