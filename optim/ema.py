"""An exponential moving average of the parameters, for evaluation (the notes' "model ensembles:
running average of parameters during training").

    ema = ExponentialMovingAverage(model.parameters(), decay=0.999)
    for batch in data:
        ...; optimizer.step(); ema.update()
    with ema.average_parameters():      # evaluate with the averaged weights
        accuracy = evaluate(model)
                                        # the training weights are back here

After each ``update()`` the shadow copy becomes ``shadow -= (1 - d) * (shadow -
x)``, i.e. ``shadow = d * shadow + (1 - d) * x``, where ``d = decay``, or with
``use_num_updates=True`` ``d = min(decay, (1 + n) / (10 + n))`` after ``n``
updates so that early averages are not dominated by the initial weights.
Shadows keep each parameter's dtype.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from autograd_engine import Tensor
from autograd_engine.checks import check_bool
from autograd_engine.errors import StateDictError

from .optimizer import check_number


class ExponentialMovingAverage:
    """``ExponentialMovingAverage(parameters, decay=0.999, use_num_updates=True)``.

    Methods: ``update()`` after every optimizer step, ``copy_to()`` to overwrite the
    parameters with the averages, ``store()`` / ``restore()`` to save and bring
    back the current values, ``average_parameters()`` as a context manager doing
    store, copy_to and restore, and ``state_dict()`` / ``load_state_dict()``.
    """

    def __init__(self, parameters: Iterable[Tensor], decay: float = 0.999, use_num_updates: bool = True) -> None:
        check_number(self, "decay", decay, low=0.0, high=1.0)
        self.parameters = list(parameters)
        if not self.parameters or not all(isinstance(p, Tensor) for p in self.parameters):
            raise TypeError("ExponentialMovingAverage: expected a non-empty iterable of Tensors (model.parameters())")
        self.decay = decay
        use_num_updates = check_bool(use_num_updates, "use_num_updates", "ExponentialMovingAverage")
        self.num_updates: int | None = 0 if use_num_updates else None
        self.shadow = [p.data.copy() for p in self.parameters]
        self._stored: list[np.ndarray] | None = None
        self._work = [np.empty_like(p.data) for p in self.parameters]

    def current_decay(self) -> float:
        """The decay the next ``update()`` will use."""
        if self.num_updates is None:
            return self.decay
        return min(self.decay, (1 + self.num_updates + 1) / (10 + self.num_updates + 1))

    def update(self) -> None:
        """Move every shadow towards its parameter: ``shadow = d * shadow + (1 - d) * x``."""
        d = self.current_decay()
        if self.num_updates is not None:
            self.num_updates += 1
        for shadow, p, work in zip(self.shadow, self.parameters, self._work):
            np.subtract(shadow, p.data, out=work)
            work *= 1.0 - d
            shadow -= work

    def copy_to(self) -> None:
        """Overwrite each parameter's values (in place) with its average."""
        for shadow, p in zip(self.shadow, self.parameters):
            p.data[...] = shadow
            p.mark_modified()

    def store(self) -> None:
        """Remember the current parameter values (to ``restore()`` after evaluating)."""
        self._stored = [p.data.copy() for p in self.parameters]

    def restore(self) -> None:
        """Put back the values saved by ``store()``."""
        if self._stored is None:
            raise RuntimeError("ExponentialMovingAverage.restore: nothing stored; call store() first")
        for saved, p in zip(self._stored, self.parameters):
            p.data[...] = saved
            p.mark_modified()
        self._stored = None

    @contextlib.contextmanager
    def average_parameters(self) -> Iterator[None]:
        """Within the block the parameters hold their averages; afterwards their training values."""
        self.store()
        self.copy_to()
        try:
            yield
        finally:
            self.restore()

    def state_dict(self) -> dict[str, Any]:
        """Decay, update count and copies of the averages."""
        return {"decay": self.decay, "num_updates": self.num_updates, "shadow": [s.copy() for s in self.shadow]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the averages (cast to each parameter's dtype) saved by ``state_dict``; averages of
        another number or shape of parameters raise ``nn.StateDictError``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"ExponentialMovingAverage.load_state_dict: expected a mapping (the dict returned by "
                            f"state_dict()), got {type(state_dict).__name__}")
        shadow = state_dict["shadow"]
        if len(shadow) != len(self.parameters) or any(s.shape != p.shape for s, p in zip(shadow, self.parameters)):
            raise StateDictError("ExponentialMovingAverage.load_state_dict: the saved averages do not match the "
                                 "parameters' number or shapes")
        self.decay, self.num_updates = state_dict["decay"], state_dict["num_updates"]
        self.shadow = [np.array(s, dtype=p.dtype, copy=True) for s, p in zip(shadow, self.parameters)]
