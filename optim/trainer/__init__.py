"""``Trainer``: the CS231n ``Solver`` as a training loop that babysits itself (``loop``)."""
from .loop import Trainer

__all__ = ["Trainer"]
