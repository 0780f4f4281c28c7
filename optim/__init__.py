"""Optimizers and learning-rate schedules that update parameters from their ``.grad``.

Optimizers (PyTorch's names and arguments; each module's docstring gives the
notes' update and its relation to PyTorch): ``SGD`` (momentum, Nesterov),
``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``, ``LBFGS``.  Schedules live in
``optim.lr_scheduler``; ``ExponentialMovingAverage`` averages parameters for
evaluation; ``Trainer`` runs a monitored training loop and fills a ``History``.
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
from .trainer import Trainer

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "LBFGS", "ExponentialMovingAverage",
           "History", "Trainer", "lr_scheduler"]
