"""Learning-rate (and momentum) schedules, with PyTorch's names and calling convention.

A scheduler wraps an optimizer and sets ``group["lr"]`` of every parameter
group.  Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``;
``ReduceLROnPlateau.step(metric)`` takes the validation metric.  Construction
already sets the epoch-0 value.  Each schedule is a closed form of the epoch
``t`` (``last_epoch``) and the group's base rate ``lr0`` (``initial_lr``, the
``lr`` the group had when the first scheduler was attached):

======================  ===========================================================
``StepLR``              ``lr0 * gamma ** (t // step_size)``  (the notes' step decay)
``MultiStepLR``         ``lr0 * gamma ** (number of milestones <= t)``
``ExponentialLR``       ``lr0 * gamma ** t``  = the notes' ``lr0 * exp(-k t)`` with ``gamma = exp(-k)``
``InverseTimeLR``       ``lr0 / (1 + k t)``  (the notes' 1/t decay)
``CosineAnnealingLR``   ``eta_min + (lr0 - eta_min) * (1 + cos(pi t / T_max)) / 2``
``LinearLR``            ``lr0 * (start + (end - start) * min(t, total_iters) / total_iters)``  (warm-up)
``LambdaLR``            ``lr0 * lr_lambda(t)``
``SequentialLR``        one schedule after another, each restarting its own ``t`` at its milestone
``ReduceLROnPlateau``   ``lr *= factor`` when the metric has not improved for ``patience`` epochs
``MomentumSchedule``    momentum ``start + (end - start) * min(t, total_iters) / total_iters``
======================  ===========================================================

Closed-form schedules own the learning rate: attach one per optimizer (compose
in time with ``SequentialLR``).  ``state_dict()`` / ``load_state_dict()`` save
and restore a scheduler's position.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer, check_number


class LRScheduler:
    """Base of the closed-form schedules: subclasses define ``lr_at(t, base_lr)``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, but parameter group {i} "
                    f"has no 'initial_lr'; load the optimizer's state_dict first or use last_epoch=-1"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, t: int, base_lr: float) -> float:
        """The learning rate at epoch ``t`` of a group whose base rate is ``base_lr``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rate of every group at the current epoch."""
        return [self.lr_at(self.last_epoch, base) for base in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set every group's ``lr``."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()`` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and callables (``lr_lambda``)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v) and k != "lr_lambdas"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the position and set the groups' ``lr`` to it (so the order of loading the
        optimizer's and the scheduler's state does not matter)."""
        self.__dict__.update(state_dict)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr


class LambdaLR(LRScheduler):
    """``lr = lr0 * lr_lambda(t)``; ``lr_lambda`` is one function or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, Sequence) else [lr_lambda] * n
        if len(self.lr_lambdas) != n:
            raise ValueError(f"LambdaLR: {len(self.lr_lambdas)} lr_lambdas for {n} parameter groups")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def lr_at(self, t: int, base_lr: float) -> float:
        """With one lambda per group, the first group's (used inside ``SequentialLR``)."""
        return base_lr * self.lr_lambdas[0](t)


class StepLR(LRScheduler):
    """Step decay: ``lr = lr0 * gamma ** (t // step_size)`` (the notes: halve every few epochs)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        _check_positive_int(self, "step_size", step_size)
        check_number(self, "gamma", gamma, low=0.0)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """``lr = lr0 * gamma ** k`` where ``k`` is how many ``milestones`` are ``<= t``."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        check_number(self, "gamma", gamma, low=0.0)
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Exponential decay: ``lr = lr0 * gamma ** t``.

    The notes write ``lr0 * exp(-k t)``: that is ``gamma = exp(-k)`` (e.g.
    ``ExponentialLR(opt, gamma=math.exp(-0.1))`` for ``k = 0.1``).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_number(self, "gamma", gamma, low=0.0)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma**t


class InverseTimeLR(LRScheduler):
    """The notes' 1/t decay: ``lr = lr0 / (1 + k * t)`` (not in PyTorch; TensorFlow calls it
    ``InverseTimeDecay``)."""

    def __init__(self, optimizer: Optimizer, k: float, last_epoch: int = -1) -> None:
        check_number(self, "k", k, low=0.0)
        self.k = k
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr / (1.0 + self.k * t)


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2``: from ``lr0`` at ``t = 0`` down
    to ``eta_min`` at ``t = T_max`` (and back up after, periodically, as PyTorch's)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        _check_positive_int(self, "T_max", T_max)
        check_number(self, "eta_min", eta_min, low=0.0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * t / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    """Linear warm-up: the factor on ``lr0`` goes from ``start_factor`` at ``t = 0`` to ``end_factor``
    at ``t = total_iters`` and stays there."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        check_number(self, "start_factor", start_factor, low=0.0)
        check_number(self, "end_factor", end_factor, low=0.0)
        _check_positive_int(self, "total_iters", total_iters)
        if start_factor == 0 and end_factor == 0:
            raise ValueError("LinearLR: start_factor and end_factor are both 0, which would freeze training")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        fraction = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its own epoch 0, ...

    E.g. five epochs of linear warm-up, then cosine:
    ``SequentialLR(opt, [LinearLR(opt, 0.1, 1.0, 5), CosineAnnealingLR(opt, 45)], milestones=[5])``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} milestones, "
                             f"got {len(milestones)}")
        if list(milestones) != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must increase, got {list(milestones)}")
        for s in schedulers:
            if not isinstance(s, LRScheduler) or s.optimizer is not optimizer:
                raise ValueError("SequentialLR: every scheduler must be a closed-form LRScheduler of this optimizer")
        self.schedulers, self.milestones = list(schedulers), list(milestones)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        k = bisect.bisect_right(self.milestones, t)
        start = self.milestones[k - 1] if k > 0 else 0
        return self.schedulers[k].lr_at(t - start, base_lr)

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "schedulers"}
        state["schedulers"] = [s.state_dict() for s in self.schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for s, saved in zip(self.schedulers, state.pop("schedulers")):
            s.load_state_dict(saved)
        super().load_state_dict(state)


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when a metric stops improving (the notes: halve the
    rate when the validation accuracy stalls -- ``mode="max", factor=0.5``).

    ``step(metric)`` once per epoch.  The metric improves when it beats the best
    so far by more than ``threshold`` (relative, ``best * (1 -+ threshold)``, or
    absolute with ``threshold_mode="abs"``).  After more than ``patience``
    epochs without improvement every group's ``lr`` becomes ``max(lr * factor,
    min_lr)`` (changes smaller than ``eps`` are skipped); then ``cooldown``
    epochs pass before bad epochs count again.  Same semantics as PyTorch's.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0.0, eps: float = 1e-8) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' (a loss) or 'max' (an accuracy), got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        check_number(self, "factor", factor, low=0.0, high=1.0, high_open=True)
        check_number(self, "threshold", threshold, low=0.0)
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be a non-negative integer, got {value!r}")
        n = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, Sequence) else [min_lr] * n
        if len(self.min_lrs) != n:
            raise ValueError(f"ReduceLROnPlateau: {len(self.min_lrs)} min_lr values for {n} parameter groups")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, value: float, best: float) -> bool:
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bar = best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            return value < bar
        bar = best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        return value > bar

    def step(self, metric: float) -> None:
        """Record this epoch's metric (validation loss or accuracy) and reduce the rate if it stalled."""
        value = float(metric)
        self.last_epoch += 1
        if self.is_better(value, self.best):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last ``step`` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The best value, counters and settings (everything but the optimizer)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` saved (the rates themselves live in the optimizer's state)."""
        self.__dict__.update(state_dict)


class MomentumSchedule:
    """Anneal the momentum linearly from ``start`` to ``end`` over ``total_iters`` epochs, then hold.

    The notes: "momentum 0.5 annealed to 0.99 over multiple epochs".  Sets
    ``group["momentum"]`` (SGD, RMSprop) or ``beta1`` of ``group["betas"]``
    (Adam).  Call ``step()`` once per epoch, like a learning-rate scheduler.
    """

    def __init__(self, optimizer: Optimizer, start: float = 0.5, end: float = 0.99, total_iters: int = 10,
                 last_epoch: int = -1) -> None:
        check_number(self, "start", start, low=0.0, high=1.0, high_open=True)
        check_number(self, "end", end, low=0.0, high=1.0, high_open=True)
        _check_positive_int(self, "total_iters", total_iters)
        for i, group in enumerate(optimizer.param_groups):
            if "momentum" not in group and "betas" not in group:
                raise ValueError(f"MomentumSchedule: parameter group {i} of {type(optimizer).__name__} has neither "
                                 f"'momentum' nor 'betas'; use SGD, RMSprop or Adam")
        self.optimizer = optimizer
        self.start, self.end, self.total_iters = start, end, total_iters
        self.last_epoch = last_epoch
        self.step()

    def momentum_at(self, t: int) -> float:
        """The momentum at epoch ``t``."""
        return self.start + (self.end - self.start) * min(t, self.total_iters) / self.total_iters

    def step(self) -> None:
        """Advance one epoch and set every group's momentum."""
        self.last_epoch += 1
        mu = self.momentum_at(self.last_epoch)
        for group in self.optimizer.param_groups:
            if "momentum" in group:
                group["momentum"] = mu
            else:
                group["betas"] = (mu, group["betas"][1])
        self._last_momentum = mu

    def get_last_momentum(self) -> float:
        """The momentum set by the last ``step``."""
        return self._last_momentum

    def state_dict(self) -> dict[str, Any]:
        """The position and settings (everything but the optimizer)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the position and set the groups' momentum to it."""
        self.__dict__.update(state_dict)
        self.last_epoch -= 1
        self.step()


def _check_positive_int(owner: Any, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{type(owner).__name__}: {name} must be a positive integer, got {value!r}")
