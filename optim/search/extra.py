"""The optional libraries of the search, imported when a search runs: a clear error names the extra.

``optim.search`` itself imports without them (the space and the result's
plain data need neither), so ``import optim`` never pays for Optuna or Dask.
"""
from __future__ import annotations

from types import ModuleType

INSTALL = 'pip install -e ".[search]"  (or pip install optuna "dask[distributed]")'


def optuna() -> ModuleType:
    """The ``optuna`` module, or an ImportError naming the ``search`` extra."""
    try:
        import optuna as module
    except ImportError as error:
        raise ImportError(f"optim.search needs Optuna for sampling, trial storage and pruning: {INSTALL}") from error
    return module


def distributed() -> ModuleType:
    """The ``dask.distributed`` module, or an ImportError naming the ``search`` extra."""
    try:
        import dask.distributed as module
    except ImportError as error:
        raise ImportError(f"optim.search needs Dask distributed to run trials on worker processes: {INSTALL}"
                          ) from error
    return module
