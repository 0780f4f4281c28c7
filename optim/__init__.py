"""Optimizers and learning-rate schedules that update parameters from their ``.grad``.

Optimizers (PyTorch's names and arguments; each module's docstring gives the
notes' update and its relation to PyTorch): ``SGD`` (momentum, Nesterov),
``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``, ``LBFGS``.  Schedules live in
``optim.lr_scheduler``; ``ExponentialMovingAverage`` averages parameters for
evaluation; ``Trainer`` runs a monitored training loop and fills a ``History``.

The optimizers need only the engine; ``Trainer`` stands a layer above them (it runs ``nn``
models), so ``optim.trainer`` and with it ``nn`` load when ``optim.Trainer`` is first used.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .ema import ExponentialMovingAverage
from .history import History
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD


def __getattr__(name: str):
    if name == "Trainer":
        from .trainer import Trainer

        return Trainer
    raise AttributeError(f"module 'optim' has no attribute {name!r}")


__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "LBFGS", "ExponentialMovingAverage",
           "History", "Trainer", "lr_scheduler"]
