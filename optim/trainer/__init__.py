"""``Trainer``: the CS231n ``Solver`` as a training loop that babysits itself.

    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3), (X_train, y_train), (X_val, y_val),
                      epochs=20, batch_size=100, checkpoint_dir="checkpoints")
    history = trainer.train()         # progress bar, per-epoch accuracies, best model kept
    history.plot("plots")             # loss, accuracies, update:weight ratios, histograms

One job per module:

==============  ==================================================================================
``loop``        ``Trainer``: its arguments, the epochs of mini-batches (closure, EMA, schedulers),
                evaluation, early stopping and the best weights, progress
``data``        the accepted forms of ``train_data`` / ``val_data``, checked once; mini-batches,
                steps per epoch, accuracy counting
``monitor``     update:weight ratios; activation and gradient histograms and dead ReLUs (hooks)
``checkpoint``  the trainer's state dict, the last and best checkpoint files, and loading one
                back so that ``train()`` continues exactly (bit for bit) where it stopped
==============  ==================================================================================

``loop`` imports the other three, which import none of each other; what the
run records is kept in :class:`~optim.history.History`.
"""
from .loop import Trainer

__all__ = ["Trainer"]
