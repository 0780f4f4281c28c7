"""``Trainer``: the training loop -- epochs of mini-batches, evaluation, schedules, early stopping, progress.

Each epoch: shuffled mini-batches (``closure`` = zero_grad, forward, loss,
backward, passed to ``optimizer.step``, so LBFGS works too), the EMA updated
after every step, train accuracy on a subsample (``num_train_samples``, as
the Solver) and validation accuracy and loss, the monitoring pass, the
schedulers stepped (per-batch ones such as ``OneCycleLR`` after every
optimizer step instead), early stopping, checkpoints.
Unless ``keep_freed_memory=False``, ``train()`` asks malloc to keep freed arrays for the
next step (``ae.keep_freed_memory()``, process-wide).

The data forms and batches are in ``data``, what is monitored in ``monitor``,
what a checkpoint holds and how it is written and read in ``checkpoint``.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd_engine as ae
import nn
from autograd_engine.checks import check_bool, check_callable, check_int

from ..ema import ExponentialMovingAverage
from ..history import History
from ..lr_scheduler import ReduceLROnPlateau
from ..optimizer import Optimizer
from . import checkpoint
from .data import Batches, batches, check_data, check_num_samples, count_correct, first_batch, steps_per_epoch
from .monitor import layer_statistics, update_ratios


class Trainer:
    """Train ``model`` with ``optimizer`` on ``train_data``, evaluating on ``val_data``.

    ``train_data`` / ``val_data``: a pair ``(X, y)`` of arrays (a tuple, or a
    list ``[X, y]`` of two arrays or Tensors; shuffled into ``batch_size``
    mini-batches each epoch by the trainer's own generator; an ``X`` given as
    nested Python lists becomes an array, Python floats the default float
    dtype as in ``Tensor``), an ``nn.data.DataLoader`` (its batch size, shuffling,
    seed and transform make the epochs; the trainer's ``batch_size`` and ``seed``
    do not apply to them), or a re-iterable of ``(X, y)`` batches (a list of
    pairs, or a callable returning a fresh iterator each epoch); with batches,
    train accuracy is the running accuracy of the epoch.  Anything else (a
    dict, a one-shot iterator) is refused at construction.  ``loss_fn(scores, y)``
    defaults to ``nn.functional.cross_entropy``; accuracy is
    ``argmax(scores, axis=1) == y``, where targets given as class probabilities
    or one-hot rows (float, the scores' shape) count as their argmax.

    ``schedulers``: stepped once per epoch (``ReduceLROnPlateau`` gets the
    validation accuracy in mode ``"max"``, the validation loss in mode
    ``"min"``), except those whose ``per_batch`` class attribute is True
    (``OneCycleLR``), stepped after every optimizer step; when the number of
    batches is known (not for a function of batches), a per-batch schedule
    with too few ``total_steps`` for the run is refused at construction.
    ``ema``: an ``ExponentialMovingAverage`` updated after every
    step; validation accuracy with the averages is recorded as ``val_acc_ema``.
    ``patience`` (as Keras's): training stops at the ``patience``-th epoch in a
    row without a better validation accuracy (training accuracy without
    ``val_data``) -- at the first such epoch for 0 and for 1 -- and never at an
    improving epoch; None never stops early.
    ``restore_best``: at the end, load the best epoch's weights.
    ``checkpoint_dir``: where to write ``{checkpoint_prefix}_last.npz`` after every
    epoch and the best epoch's file (see ``optim.trainer.checkpoint``); None writes none.
    ``ratio_every`` / ``monitor_samples``: how often update:weight ratios are measured and
    on how many examples the layers are monitored (see ``optim.trainer.monitor``).
    ``num_train_samples`` / ``num_val_samples``: the accuracy is measured on that
    many random examples of an ``(X, y)`` pair or of a ``DataLoader``'s data set
    (None: all of them); a loader's examples pass through its transform, whose
    random draws then come from the trainer's generator, so measuring never
    changes the loader's sequence of epochs.
    The optimizer must hold at least one of the model's parameters (a subset,
    e.g. with frozen layers, is fine).
    ``trial``: an ``optim.search.Trial`` (the objective's second argument in a hyperparameter search):
    each epoch's validation accuracy is reported to it, and training stops when it says the run is
    hopeless (``should_stop()``), with ``pruned`` set; the checkpoints then go to the search folder
    under the trial's name (``trial0007_best_epoch...``) unless ``checkpoint_dir`` says otherwise,
    and the trial learns the path of the best one.
    ``progress``: a tqdm bar (falls back to printed lines when tqdm is not
    installed); ``verbose=False`` prints nothing.  ``seed`` seeds the
    trainer's generator (shuffling of pairs, accuracy subsamples).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: Optimizer,
        train_data: tuple[Any, Any] | Batches | Callable[[], Batches],
        val_data: tuple[Any, Any] | Batches | Callable[[], Batches] | None = None,
        *,
        loss_fn: Callable[[Any, Any], Any] | None = None,
        epochs: int = 10,
        batch_size: int = 100,
        schedulers: Sequence[Any] = (),
        ema: ExponentialMovingAverage | None = None,
        patience: int | None = None,
        restore_best: bool = True,
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_prefix: str = "model",
        num_train_samples: int | None = 1000,
        num_val_samples: int | None = None,
        ratio_every: int = 10,
        monitor_samples: int = 256,
        progress: bool = True,
        verbose: bool = True,
        print_every: int = 100,
        seed: int = 0,
        keep_freed_memory: bool = True,
        trial: Any = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"Trainer: model must be an nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Trainer: optimizer must be an optim.Optimizer, got {type(optimizer).__name__}")
        epochs, batch_size, print_every = (check_int(value, name, "Trainer", low=1) for name, value in
                                           (("epochs", epochs), ("batch_size", batch_size), ("print_every", print_every)))
        ratio_every = check_int(ratio_every, "ratio_every (0: never)", "Trainer", low=0)
        monitor_samples = check_int(monitor_samples, "monitor_samples (0: no monitoring)", "Trainer", low=0)
        if patience is not None:  # how many epochs in a row without improvement stop training
            patience = check_int(patience, "patience (or None: never stop early)", "Trainer", low=0)
        for name, flag in (("restore_best", restore_best), ("progress", progress), ("verbose", verbose),
                           ("keep_freed_memory", keep_freed_memory)):
            check_bool(flag, name, "Trainer")
        if loss_fn is not None:
            check_callable(loss_fn, "loss_fn", "Trainer", "loss_fn(scores, labels) -> a scalar Tensor")
        check_num_samples("num_train_samples", num_train_samples)
        check_num_samples("num_val_samples", num_val_samples)
        self.model, self.optimizer = model, optimizer
        model_ids = {id(p) for p in model.parameters()}
        params = self._params()
        if not any(id(p) in model_ids for p in params):
            raise ValueError(
                f"Trainer: none of the optimizer's {len(params)} parameters belong to the model (which has "
                f"{len(model_ids)}), so training would change nothing; build the optimizer from this model's "
                f"parameters: {type(optimizer).__name__}(model.parameters(), ...)"
            )
        self.train_data, self.val_data = check_data(train_data, "train_data"), check_data(val_data, "val_data")
        self.loss_fn = loss_fn or nn.functional.cross_entropy
        self.epochs, self.batch_size = epochs, batch_size
        self.schedulers = [schedulers] if hasattr(schedulers, "step") else list(schedulers)
        self.ema, self.patience, self.restore_best = ema, patience, restore_best
        if trial is not None:
            if not (callable(getattr(trial, "report", None)) and callable(getattr(trial, "should_stop", None))):
                raise TypeError(f"Trainer: trial must be an optim.search.Trial (with report and should_stop), got "
                                f"{type(trial).__name__}")
            if checkpoint_dir is None:
                checkpoint_dir = trial.folder
            if checkpoint_prefix == "model":
                checkpoint_prefix = trial.checkpoint_prefix
        self.trial, self.pruned = trial, False
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_prefix = checkpoint_prefix
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.ratio_every, self.monitor_samples = ratio_every, monitor_samples
        self.progress, self.verbose, self.print_every = progress, verbose, print_every
        self.rng = np.random.default_rng(seed)
        self.keep_freed_memory = keep_freed_memory
        self.history = History()
        self.epoch = 0  # epochs completed
        self.iteration = 0
        self.best_val_acc = -np.inf
        self.best_epoch = 0
        self.best_state: dict[str, np.ndarray] | None = None
        self.best_path: str | None = None
        self.bad_epochs = 0
        self.stopped_early = False
        self._names = {id(p): name for name, p in model.named_parameters()}
        self._check_schedule_lengths()

    # ----- the loop -----------------------------------------------------------
    def train(self) -> History:
        """Run the remaining epochs (all of them, or those after a loaded checkpoint); return the history.

        Unless ``keep_freed_memory=False``, first calls ``ae.keep_freed_memory()``: malloc then keeps
        the arrays each step frees for the next step (process-wide; see ``autograd_engine.memory``).
        """
        if self.keep_freed_memory:
            ae.keep_freed_memory()
        while self.epoch < self.epochs and not self.stopped_early:
            self._train_epoch()
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
            self._say(f"restored the best weights: epoch {self.best_epoch}, {self._monitored} {self.best_val_acc:.4f}")
        return self.history

    @property
    def _monitored(self) -> str:
        """What picks the best epoch and stops early: validation accuracy, or training accuracy without val_data."""
        return "validation accuracy" if self.val_data is not None else "training accuracy"

    def _train_epoch(self) -> None:
        epoch = self.epoch + 1
        self.model.train()
        bar = self._progress_bar(epoch)
        seen, correct, started = 0, 0, time.perf_counter()
        per_batch = [s for s in self.schedulers if getattr(s, "per_batch", False)]
        for inputs, labels in batches(self.train_data, self.batch_size, self.rng, shuffle=True):
            scores_box: list[Any] = []

            def closure(inputs: Any = inputs, labels: Any = labels, box: list = scores_box) -> Any:
                self.optimizer.zero_grad()
                scores = self.model(inputs)
                loss = self.loss_fn(scores, labels)
                loss.backward()
                box.append(scores.data)
                return loss

            measure = self.ratio_every and self.iteration % self.ratio_every == 0
            before = [p.data.copy() for p in self._params()] if measure else None
            loss = float(self.optimizer.step(closure))
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"Trainer: the loss became {loss} at iteration {self.iteration} (epoch {epoch}); training "
                    f"diverged -- lower the learning rate (now {self.optimizer.param_groups[0]['lr']:g}), e.g. "
                    f"by 10x, or clip gradients"
                )
            if self.ema is not None:
                self.ema.update()
            for scheduler in per_batch:  # OneCycleLR: its t counts optimizer steps
                scheduler.step()
            if before is not None:
                self.history.record_ratios(self.iteration, update_ratios(self._params(), before, self._names))
            self.history.loss.append(loss)
            correct += count_correct(scores_box[0], labels)
            seen += len(labels)
            self.iteration += 1
            rate = seen / max(time.perf_counter() - started, 1e-9)
            if bar is not None:
                bar.set_postfix(loss=f"{loss:.4f}", lr=f"{self.optimizer.param_groups[0]['lr']:.3g}",
                                samples_per_s=f"{rate:.0f}", refresh=False)
                bar.update()
            elif self.verbose and self.iteration % self.print_every == 0:
                self._say(f"  iteration {self.iteration} (epoch {epoch}): loss {loss:.4f}, {rate:.0f} samples/s")
        if bar is not None:
            bar.close()
        if seen == 0:
            raise ValueError(f"Trainer: train_data gave no examples in epoch {epoch}, so there is nothing to train on; "
                             f"a function of batches must return a fresh, non-empty iterable each epoch")
        elapsed = time.perf_counter() - started
        self.history.samples_per_second.append(seen / max(elapsed, 1e-9))
        self._end_epoch(epoch, running_acc=correct / max(seen, 1))

    def _end_epoch(self, epoch: int, running_acc: float) -> None:
        h = self.history
        if isinstance(self.train_data, tuple | nn.data.DataLoader):
            train_acc, _ = self.evaluate(self.train_data, self.num_train_samples)
        else:
            train_acc = running_acc
        h.train_acc.append(train_acc)
        if self.val_data is not None:
            val_acc, val_loss = self.evaluate(self.val_data, self.num_val_samples)
            h.val_acc.append(val_acc)
            h.val_loss.append(val_loss)
            if self.ema is not None:
                with self.ema.average_parameters():
                    h.val_acc_ema.append(self.evaluate(self.val_data, self.num_val_samples)[0])
        else:
            val_acc, val_loss = train_acc, h.loss[-1]
        self._monitor_layers(epoch)
        h.lr.append(float(self.optimizer.param_groups[0]["lr"]))

        improved = val_acc > self.best_val_acc
        if improved:
            self.best_val_acc, self.best_epoch, self.bad_epochs = val_acc, epoch, 0
            self.best_state = self.model.state_dict()
        else:
            self.bad_epochs += 1
        for scheduler in self.schedulers:
            if getattr(scheduler, "per_batch", False):
                continue  # stepped after every batch
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(val_acc if scheduler.mode == "max" else val_loss)
            else:
                scheduler.step()
        self.epoch = epoch
        if self.patience is not None and not improved and self.bad_epochs >= self.patience:
            self.stopped_early = True
        if self.checkpoint_dir is not None:
            if improved:
                self._save_best(epoch, val_acc)
            checkpoint.save_last(self)
        if self.trial is not None:
            self._report_to_trial(epoch, val_acc)

        line = f"epoch {epoch}/{self.epochs}: loss {h.loss[-1]:.4f}, train acc {train_acc:.4f}"
        if self.val_data is not None:
            line += f", val acc {val_acc:.4f}" + (f" (EMA {h.val_acc_ema[-1]:.4f})" if self.ema is not None else "")
        line += f", lr {h.lr[-1]:.3g}, {h.samples_per_second[-1]:.0f} samples/s"
        self._say(line + (" *" if improved else ""))
        if self.stopped_early and not self.pruned:
            self._say(f"early stopping: no better {self._monitored} for {self.bad_epochs} epoch"
                      f"{'' if self.bad_epochs == 1 else 's'} (patience {self.patience})")

    def _report_to_trial(self, epoch: int, val_acc: float) -> None:
        """Tell the search's trial this epoch's accuracy and where the best checkpoint is; stop if it is pruned."""
        if self.best_path is not None:
            self.trial.checkpoint = self.best_path
        self.trial.report(val_acc, epoch)
        if self.trial.should_stop():
            self.pruned = self.stopped_early = True
            self._say(f"pruned by the search at epoch {epoch}: {self._monitored} {val_acc:.4f} is too far behind "
                      f"the other trials")

    # ----- evaluation and monitoring ------------------------------------------
    def evaluate(self, data: Any, num_samples: int | None = None) -> tuple[float, float]:
        """(accuracy, mean loss) of the model on ``data`` in eval mode, without recording a graph.

        ``data`` takes the forms of ``train_data``.  For a pair of arrays or a ``DataLoader``,
        ``num_samples`` examples (a positive integer) are drawn at random (all when None); a
        loader's are read in batches of its batch size through its transform, whose random
        draws come from the trainer's generator (the loader's own sequence is left alone).
        """
        check_num_samples("num_samples", num_samples)
        if data is not self.train_data and data is not self.val_data:
            data = check_data(data, "the data to evaluate", required=True)
        was_training = self.model.training
        self.model.eval()
        correct, total, loss_sum = 0, 0, 0.0
        try:
            with ae.no_grad():
                for inputs, labels in batches(data, self.batch_size, self.rng, shuffle=False, subsample=num_samples):
                    scores = self.model(inputs)
                    labels = np.asarray(labels)
                    loss_sum += float(self.loss_fn(scores, labels)) * len(labels)
                    correct += count_correct(scores, labels)
                    total += len(labels)
        finally:
            self.model.train(was_training)
        if total == 0:
            raise ValueError("Trainer.evaluate: the data gave no examples, so there is no accuracy to measure; "
                             "a function of batches must return a fresh, non-empty iterable each time")
        return correct / total, loss_sum / total

    def _params(self) -> list[Any]:
        return [p for group in self.optimizer.param_groups for p in group["params"]]

    def _monitor_layers(self, epoch: int) -> None:
        """Record the layer statistics of this epoch (``monitor.layer_statistics``) on the monitoring batch."""
        if not self.monitor_samples:
            return
        batch = first_batch(self.train_data, self.monitor_samples)
        if batch is not None:
            self.history.record_layers(epoch, *layer_statistics(self.model, self.loss_fn, batch, self._params()))

    # ----- schedules and progress ---------------------------------------------
    def _check_schedule_lengths(self) -> None:
        """Refuse a per-batch schedule (``OneCycleLR``) with fewer steps left than the run will take:
        it would raise at its last steps, after most of the training time."""
        per_epoch = steps_per_epoch(self.train_data, self.batch_size)
        if per_epoch is None:
            return  # unknown: the scheduler raises its own error if it runs out
        epochs = self.epochs - self.epoch
        steps = epochs * per_epoch
        for scheduler in self.schedulers:
            total = getattr(scheduler, "total_steps", None)
            if not getattr(scheduler, "per_batch", False) or total is None:
                continue
            left = total - scheduler.last_epoch
            if steps > left:
                name = type(scheduler).__name__
                raise ValueError(
                    f"Trainer: {name} has total_steps={total} ({scheduler.last_epoch} already taken, {left} left), "
                    f"but the trainer steps it after every batch: {epochs} epochs x {per_epoch} batches = {steps} "
                    f"steps, and stepping past the end raises; build it for {scheduler.last_epoch + steps} steps, "
                    f"e.g. {name}(optimizer, max_lr, epochs={self.epochs}, steps_per_epoch={per_epoch})"
                )

    def _progress_bar(self, epoch: int) -> Any:
        if not (self.progress and self.verbose):
            return None
        try:
            from tqdm import tqdm
        except ImportError:
            return None
        return tqdm(total=steps_per_epoch(self.train_data, self.batch_size), desc=f"epoch {epoch}/{self.epochs}",
                    unit="batch", leave=False, file=sys.stderr)

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)

    # ----- checkpoints (see the checkpoint module) ---------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything ``load_checkpoint`` needs to continue this run exactly (plain data for ``nn.save``)."""
        return checkpoint.trainer_state(self)

    def save_checkpoint(self, path: str | os.PathLike) -> Path:
        """Write ``state_dict()`` to ``path`` atomically (``nn.save``: temporary file, then ``os.replace``)."""
        return checkpoint.save_checkpoint(self, path)

    def _save_best(self, epoch: int, val_acc: float) -> None:
        checkpoint.save_best(self, epoch, val_acc)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Restore a run saved by ``save_checkpoint``: weights, optimizer and scheduler state, EMA,
        history, random generators and counters.  ``train()`` then continues with the next epoch.

        Nothing is restored unless everything is.  A file that is not a valid Trainer checkpoint
        (damaged, crafted, or another kind of checkpoint) raises ``nn.CheckpointError`` naming
        it; a valid one from a run built differently (another model or optimizer, another
        number of schedulers, EMA or not) raises ``nn.StateDictError`` saying what differs.
        """
        checkpoint.load_checkpoint(self, path)
        self._check_schedule_lengths()
