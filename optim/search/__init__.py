"""Hyperparameter search as the notes do it: random search on log scales, coarse to fine, on Optuna and Dask.

    from optim.search import LogUniform, Uniform, random_search

    def objective(params, trial):                  # runs in a worker process
        model = build(params)
        trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=params["lr"]), train, val,
                                epochs=10, trial=trial, verbose=False)
        trainer.train()                              # reports each epoch, stops if pruned, keeps its best checkpoint
        return trainer.best_val_acc

    space = {"lr": LogUniform(1e-4, 1e0), "reg": LogUniform(1e-6, 1e-1), "dropout": Uniform(0.0, 0.6)}
    coarse = random_search(objective, space, 30, folder="search/coarse", seed=0, pruner="median")
    fine = random_search(objective, coarse.refine(4), 30, folder="search/fine", seed=1)
    print(fine.table()); fine.plot("fine.png"); ensemble = fine.ensemble(5, build)

On a cluster, the same call with ``client=Client("scheduler:8786")`` and a database every machine reaches
(``storage="postgresql://..."``, and a shared ``folder`` for the checkpoints).

One job per module:

============  ==========================================================================================
``space``     ``LogUniform``, ``Uniform``, ``IntUniform``, ``Choice``: drawing, borders, narrowing
``trial``     ``Trial``: what the objective gets -- ``report``, ``should_stop``, ``checkpoint``
``worker``    running one trial in a worker process, and how it ended (complete, pruned, failed, diverged)
``runner``    ``random_search``: the study (Optuna), the workers (Dask), the loop, resuming, retries
``result``    ``SearchResult``: ``best``, ``table()``, ``refine()``, ``ensemble()``, the warnings
``plot``      ``SearchResult.plot``: accuracy against each hyperparameter, the best learning curves
``database``  the storage for a database URL; the SQLite file of the folder, patient with its lock
``extra``     importing Optuna and Dask, with an error naming the ``search`` extra
============  ==========================================================================================

Optuna and Dask are the optional extra ``search`` (``pip install -e ".[search]"``); importing this
package does not import them.
"""
from .result import SearchResult, SearchWarning, TrialRecord
from .runner import load_result, random_search
from .space import Choice, Distribution, IntUniform, LogUniform, Uniform
from .trial import Trial

__all__ = ["LogUniform", "Uniform", "IntUniform", "Choice", "Distribution", "random_search", "load_result",
           "SearchResult", "SearchWarning", "TrialRecord", "Trial"]
