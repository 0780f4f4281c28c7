"""Learning-rate (and momentum) schedules, with PyTorch's names and calling convention.

A scheduler wraps an optimizer and sets ``group["lr"]`` of every parameter
group.  Call ``scheduler.step()`` once per epoch, after ``optimizer.step()`` --
or after every batch for the schedules whose class attribute ``per_batch`` is
True (``OneCycleLR``), which count optimizer steps (``optim.Trainer`` reads it);
``ReduceLROnPlateau.step(metric)`` takes the validation metric.  Construction
already sets the epoch-0 value.  Each schedule is a closed form of the epoch
``t`` (``last_epoch``) and the group's base rate ``lr0`` (``initial_lr``, the
``lr`` the group had when the first scheduler was attached):

=================================  ===========================================================
``StepLR``                         ``lr0 * gamma ** (t // step_size)``  (the notes' step decay)
``MultiStepLR``                    ``lr0 * gamma ** (number of milestones <= t)``
``ExponentialLR``                  ``lr0 * gamma ** t``  = the notes' ``lr0 * exp(-k t)`` with ``gamma = exp(-k)``
``InverseTimeLR``                  ``lr0 / (1 + k t)``  (the notes' 1/t decay)
``CosineAnnealingLR``              ``eta_min + (lr0 - eta_min) * (1 + cos(pi t / T_max)) / 2``
``CosineAnnealingWarmRestarts``    the same cosine over ``T_cur / T_i``, restarting when ``T_cur`` reaches ``T_i``
                                   (SGDR: ``T_i = T_0, T_0 T_mult, T_0 T_mult**2, ...``)
``OneCycleLR``                     per batch: cosine or linear warm-up from ``max_lr / div_factor`` to ``max_lr``,
                                   then annealing to ``max_lr / div_factor / final_div_factor`` (momentum the other way)
``LinearLR``                       ``lr0 * (start + (end - start) * min(t, total_iters) / total_iters)``  (warm-up)
``LambdaLR``                       ``lr0 * lr_lambda(t)``
``SequentialLR``                   one schedule after another, each restarting its own ``t`` at its milestone
``ReduceLROnPlateau``              ``lr *= factor`` when the metric has not improved for ``patience`` epochs
``MomentumSchedule``               momentum ``start + (end - start) * min(t, total_iters) / total_iters``
=================================  ===========================================================

Closed-form schedules own the learning rate: attach one per optimizer (compose
in time with ``SequentialLR``).  ``state_dict()`` / ``load_state_dict()`` save
and restore a scheduler's position.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd_engine.checks import check_bool, check_callable, check_int
from autograd_engine.errors import StateDictError

from .optimizer import Optimizer, check_number


class LRScheduler:
    """Base of the closed-form schedules: subclasses define ``lr_at(t, base_lr)``.

    ``per_batch`` (class attribute) says what ``t`` counts: False (here) for epochs, so
    ``step()`` is called once per epoch; True for schedules that count optimizer steps
    (``OneCycleLR``), stepped after every batch.  ``optim.Trainer`` steps each
    scheduler accordingly (one without the attribute counts as per epoch).
    """

    per_batch: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(self, optimizer)
        last_epoch = check_int(last_epoch, "last_epoch", type(self).__name__, low=-1)
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
        self.__dict__.update(_checked_state(self, state_dict))
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr


class LambdaLR(LRScheduler):
    """``lr = lr0 * lr_lambda(t)``; ``lr_lambda`` is one function or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        _check_optimizer(self, optimizer)
        n = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * n
        if len(self.lr_lambdas) != n:
            raise ValueError(f"LambdaLR: {len(self.lr_lambdas)} lr_lambdas for {n} parameter groups")
        for i, f in enumerate(self.lr_lambdas):
            check_callable(f, "lr_lambda" if n == 1 else f"lr_lambda[{i}]", "LambdaLR", "epoch -> factor")
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
        self.milestones, self.gamma = sorted(_check_milestones(self, milestones)), gamma
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


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing that restarts from ``lr0``.

    ``lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, where
    ``T_cur`` counts the epochs since the last restart and ``T_i`` is the length
    of the current cycle: the first cycle lasts ``T_0`` epochs, each next one
    ``T_mult`` times longer.  At ``t = T_0`` (with ``T_mult = 2``: ``T_0``,
    ``3 T_0``, ``7 T_0``, ...) ``T_cur`` returns to 0 and the rate jumps back to
    ``lr0``; ``eta_min`` itself is never reached.  Same values as PyTorch's for
    ``step()`` without an epoch argument (``T_cur`` and ``T_i`` are kept as
    attributes, as there); fractional epochs (``step(epoch)``) are not supported.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        _check_positive_int(self, "T_0", T_0)
        _check_positive_int(self, "T_mult", T_mult)
        check_number(self, "eta_min", eta_min, low=0.0)
        self.T_0, self.T_mult, self.eta_min = T_0, T_mult, eta_min
        self.T_i, self.T_cur = T_0, last_epoch
        super().__init__(optimizer, last_epoch)

    def cycle_position(self, t: int) -> tuple[int, int]:
        """``(T_cur, T_i)`` at epoch ``t``: epochs since the last restart and the current cycle's length."""
        if self.T_mult == 1:
            return t % self.T_0, self.T_0
        t_cur, t_i = t, self.T_0
        while t_cur >= t_i:  # cycles grow geometrically: O(log t) turns
            t_cur -= t_i
            t_i *= self.T_mult
        return t_cur, t_i

    def lr_at(self, t: int, base_lr: float) -> float:
        t_cur, t_i = self.cycle_position(t)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    def step(self) -> None:
        """Advance one epoch (restarting the cycle when it is complete) and set every group's ``lr``."""
        super().step()
        self.T_cur, self.T_i = self.cycle_position(self.last_epoch)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): one warm-up to ``max_lr`` and one long annealing, per batch.

    ``OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
    pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
    max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False)``, PyTorch's
    arguments and values.  Call ``step()`` after every batch (not every epoch);
    the schedule lasts ``total_steps`` (or ``epochs * steps_per_epoch``) steps.

    With ``initial = max_lr / div_factor`` and ``min_lr = initial / final_div_factor``,
    the rate moves between phase ends at steps ``e1 = pct_start * total_steps - 1``,
    ``e2 = total_steps - 1`` (two phases) or ``e1``, ``e2 = 2 * pct_start * total_steps - 2``,
    ``e3 = total_steps - 1`` (``three_phase=True``)::

        two phases:    initial -> max_lr (t <= e1),  max_lr -> min_lr (after)
        three phases:  initial -> max_lr (t <= e1),  max_lr -> initial (t <= e2),  initial -> min_lr (after)

    where within a phase from step ``s`` to step ``e``, ``pct = (t - s) / (e - s)``
    (``s = 0`` for the first phase) and ``start -> end`` is
    ``end + (start - end) * (1 + cos(pi * pct)) / 2`` (``"cos"``) or
    ``start + (end - start) * pct`` (``"linear"``).  ``max_lr`` may be one
    value per parameter group.  Like PyTorch, the groups receive ``initial_lr``,
    ``max_lr`` and ``min_lr`` entries.

    ``cycle_momentum=True`` (PyTorch's default) moves the momentum the other
    way, from ``max_momentum`` down to ``base_momentum`` while the rate rises and
    back while it falls (with the same ``pct``), writing ``group["momentum"]``
    (SGD, RMSprop) or ``beta1`` of ``group["betas"]`` (Adam, AdamW) -- so, as in
    PyTorch, it switches momentum on for an SGD built with ``momentum=0``.
    Pass ``cycle_momentum=False`` to schedule the rate alone (needed for
    optimizers without momentum, such as Adagrad).

    Stepping beyond ``total_steps`` raises a ValueError (step ``total_steps``
    itself is allowed, as in PyTorch).  ``per_batch = True``: ``optim.Trainer``
    steps it after every optimizer step.
    """

    per_batch = True

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(self, optimizer)
        for name, value in (("total_steps", total_steps), ("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
            if value is not None:
                _check_positive_int(self, name, value)
        if total_steps is not None:
            total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            total_steps = int(epochs) * int(steps_per_epoch)
        else:
            raise ValueError("OneCycleLR: give the length of the schedule, either total_steps or both epochs and "
                             f"steps_per_epoch (got total_steps={total_steps!r}, epochs={epochs!r}, "
                             f"steps_per_epoch={steps_per_epoch!r})")
        check_number(self, "pct_start", pct_start, low=0.0, high=1.0)
        if three_phase and pct_start > 0.5:
            raise ValueError(f"OneCycleLR: with three_phase=True the warm-up and its mirror take 2 * pct_start of "
                             f"the steps, so pct_start must be at most 0.5, got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            check_number(self, name, value, low=0.0)
            if value == 0:
                raise ValueError(f"OneCycleLR: {name} divides the learning rate, so it must be positive, got {value!r}")
        self.total_steps, self.pct_start, self.anneal_strategy = total_steps, pct_start, anneal_strategy
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        self.three_phase = three_phase = check_bool(three_phase, "three_phase", "OneCycleLR")
        self.cycle_momentum = check_bool(cycle_momentum, "cycle_momentum", "OneCycleLR")
        # (last step of the phase, group key of the rate at its start, at its end, momentum keys likewise)
        warm_up_end = float(pct_start * total_steps) - 1
        if three_phase:
            self.phases = [(warm_up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                            "max_momentum"),
                           (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self.phases = [(warm_up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        groups = optimizer.param_groups
        max_lrs = _per_group(self, "max_lr", max_lr, len(groups))
        for i, value in enumerate(max_lrs):
            check_number(self, f"max_lr of group {i}", value, low=0.0)
        needed = ["initial_lr", "max_lr", "min_lr"]
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with momentum or betas "
                                 f"(SGD, RMSprop, Adam, AdamW), got {type(optimizer).__name__}; "
                                 f"pass cycle_momentum=False to schedule the learning rate alone")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group(self, "max_momentum", max_momentum, len(groups))
            base_momentums = _per_group(self, "base_momentum", base_momentum, len(groups))
            for name, values in (("max_momentum", max_momentums), ("base_momentum", base_momentums)):
                for i, value in enumerate(values):
                    check_number(self, f"{name} of group {i}", value, low=0.0, high=1.0, high_open=self.use_beta1)
            needed += ["max_momentum", "base_momentum"]
        if last_epoch == -1:
            for i, group in enumerate(groups):
                group["initial_lr"] = max_lrs[i] / div_factor
                group["max_lr"] = max_lrs[i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    group["max_momentum"], group["base_momentum"] = max_momentums[i], base_momentums[i]
        else:
            for i, group in enumerate(groups):
                missing = [key for key in needed if key not in group]
                if missing:
                    raise KeyError(f"OneCycleLR: last_epoch={last_epoch} resumes a schedule, but parameter group "
                                   f"{i} has no {missing}; load the optimizer's state_dict first or use "
                                   f"last_epoch=-1")
        super().__init__(optimizer, last_epoch)

    def phase_at(self, t: int) -> tuple[int, float]:
        """``(phase index, pct)`` at step ``t``: which phase ``t`` falls in and how far into it."""
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {t} times, but the schedule has total_steps="
                             f"{self.total_steps}; build it with the number of optimizer steps you will take "
                             f"(epochs * steps_per_epoch, one step() per batch)")
        start = 0.0
        last = len(self.phases) - 1
        for i, (end, *_) in enumerate(self.phases):
            if t <= end or i == last:
                # A zero-length last phase (pct_start=1) is complete: PyTorch divides by zero there.
                return i, (t - start) / (end - start) if end != start else 1.0
            start = end
        raise AssertionError("unreachable")

    def anneal(self, start: float, end: float, pct: float) -> float:
        """From ``start`` (``pct = 0``) to ``end`` (``pct = 1``), by the cosine or the straight line."""
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        i, pct = self.phase_at(self.last_epoch)
        _, start, end, _, _ = self.phases[i]
        return [self.anneal(group[start], group[end], pct) for group in self.optimizer.param_groups]

    def lr_at(self, t: int, base_lr: float) -> float:
        """The rate at step ``t`` for a group whose starting rate is ``base_lr`` (peak ``base_lr *
        div_factor``); used inside ``SequentialLR``.  Standalone, the groups' own entries are used."""
        i, pct = self.phase_at(t)
        _, start, end, _, _ = self.phases[i]
        rates = {"initial_lr": base_lr, "max_lr": base_lr * self.div_factor,
                 "min_lr": base_lr / self.final_div_factor}
        return self.anneal(rates[start], rates[end], pct)

    def step(self) -> None:
        """Advance one batch: set every group's ``lr`` (and momentum, with ``cycle_momentum``)."""
        self.phase_at(self.last_epoch + 1)  # raise past the end before changing anything
        super().step()
        if self.cycle_momentum:
            i, pct = self.phase_at(self.last_epoch)
            _, _, _, start, end = self.phases[i]
            for group in self.optimizer.param_groups:
                momentum = self.anneal(group[start], group[end], pct)
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum


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
        milestones = _check_milestones(self, milestones)
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
        state = _checked_state(self, state_dict)
        saved = state.pop("schedulers", [])
        if not isinstance(saved, list | tuple) or len(saved) != len(self.schedulers):
            held = len(saved) if isinstance(saved, list | tuple) else "no list of"
            raise StateDictError(f"SequentialLR.load_state_dict: the state dict holds {held} schedulers, "
                                 f"this SequentialLR {len(self.schedulers)}")
        for s, saved_state in zip(self.schedulers, saved):
            s.load_state_dict(saved_state)
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
        _check_optimizer(self, optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' (a loss) or 'max' (an accuracy), got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        check_number(self, "factor", factor, low=0.0, high=1.0, high_open=True)
        check_number(self, "threshold", threshold, low=0.0)
        patience = check_int(patience, "patience", "ReduceLROnPlateau", low=0)
        cooldown = check_int(cooldown, "cooldown", "ReduceLROnPlateau", low=0)
        check_number(self, "eps", eps, low=0.0)
        n = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, list | tuple) else [min_lr] * n
        if len(self.min_lrs) != n:
            raise ValueError(f"ReduceLROnPlateau: {len(self.min_lrs)} min_lr values for {n} parameter groups")
        for i, value in enumerate(self.min_lrs):
            check_number(self, "min_lr" if n == 1 else f"min_lr of group {i}", value, low=0.0)
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
        if isinstance(metric, str | bytes):
            raise TypeError(f"ReduceLROnPlateau.step: metric must be a number (the validation loss or accuracy), "
                            f"got {metric!r} (str)")
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
        self.__dict__.update(_checked_state(self, state_dict))


class MomentumSchedule:
    """Anneal the momentum linearly from ``start`` to ``end`` over ``total_iters`` epochs, then hold.

    The notes: "momentum 0.5 annealed to 0.99 over multiple epochs".  Sets
    ``group["momentum"]`` (SGD, RMSprop) or ``beta1`` of ``group["betas"]``
    (Adam).  Call ``step()`` once per epoch, like a learning-rate scheduler.
    """

    def __init__(self, optimizer: Optimizer, start: float = 0.5, end: float = 0.99, total_iters: int = 10,
                 last_epoch: int = -1) -> None:
        _check_optimizer(self, optimizer)
        last_epoch = check_int(last_epoch, "last_epoch", "MomentumSchedule", low=-1)
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
        self.__dict__.update(_checked_state(self, state_dict))
        self.last_epoch -= 1
        self.step()


def _checked_state(owner: Any, state_dict: Any) -> dict[str, Any]:
    """``state_dict`` as a dict, once it is known to be a mapping whose entries all belong to the
    owner's own ``state_dict()``: loading sets them as attributes, and an unknown one could
    shadow a method or the optimizer."""
    name = type(owner).__name__
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{name}.load_state_dict: expected a mapping (the dict returned by state_dict()), "
                        f"got {type(state_dict).__name__}")
    unknown = sorted(str(key) for key in set(state_dict) - set(owner.state_dict()))
    if unknown:
        raise StateDictError(f"{name}.load_state_dict: the state dict has entries that a {name} does not have: "
                             f"{unknown}; was it saved by another scheduler?")
    return dict(state_dict)


def _per_group(owner: Any, name: str, value: Any, n_groups: int) -> list[Any]:
    """``value`` for each of ``n_groups`` parameter groups: a list/tuple must have one entry per group."""
    if isinstance(value, list | tuple):
        if len(value) != n_groups:
            raise ValueError(f"{type(owner).__name__}: {name} has {len(value)} values for {n_groups} parameter "
                             f"groups; give one value, or one per group")
        return list(value)
    return [value] * n_groups


def _check_positive_int(owner: Any, name: str, value: Any) -> int:
    return check_int(value, name, type(owner).__name__, low=1)


def _check_optimizer(owner: Any, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(owner).__name__}: expected an optimizer, got {type(optimizer).__name__}")


def _check_milestones(owner: Any, milestones: Any) -> list[int]:
    """``milestones`` as a list of non-negative ints (epochs)."""
    if not isinstance(milestones, list | tuple | range):
        raise TypeError(f"{type(owner).__name__}: milestones must be a list of epochs (ints), got {milestones!r} "
                        f"({type(milestones).__name__})")
    return [check_int(m, "each milestone", type(owner).__name__, low=0) for m in milestones]
