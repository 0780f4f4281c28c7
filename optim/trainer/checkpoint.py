"""A ``Trainer``'s checkpoints: its whole run as plain data, the files it writes, and loading one back.

These are functions of a trainer; ``Trainer.state_dict``, ``save_checkpoint`` and
``load_checkpoint`` call them.  A checkpoint holds everything needed to continue
the run exactly (bit for bit): model, optimizer, schedulers, EMA, history, both
random generators (and those of ``DataLoader``s given as data), the counters and the
best epoch's weights.  Files are written
with ``nn.save``: to a temporary file, then ``os.replace``, so an interrupted
write leaves the previous checkpoint intact.

In ``checkpoint_dir`` the trainer writes ``{prefix}_last.npz`` after every epoch
and ``{prefix}_best_epoch{E}_val{acc}.npz`` whenever the validation accuracy
(training accuracy without ``val_data``) improves; the previous best file is
removed once the new one is written, and only if it is a best file of that
folder (a loaded path could name any file).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import autograd_engine as ae
import nn

CHECKPOINT_FORMAT = "optim.Trainer checkpoint v1"
# The entries of a Trainer checkpoint and their types (the EMA entry may also be None).
CHECKPOINT_ENTRIES = {"epoch": int, "iteration": int, "model": Mapping, "optimizer": Mapping, "schedulers": list,
                      "ema": Mapping, "history": Mapping, "rng": Mapping, "best": Mapping}


def trainer_state(trainer: Any) -> dict[str, Any]:
    """The state of ``trainer`` (an ``optim.Trainer``) as plain data for ``nn.save``."""
    return {
        "format": CHECKPOINT_FORMAT,
        "epoch": trainer.epoch,
        "iteration": trainer.iteration,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "schedulers": [s.state_dict() for s in trainer.schedulers],
        "ema": None if trainer.ema is None else trainer.ema.state_dict(),
        "history": trainer.history.state_dict(),
        "rng": {"trainer": trainer.rng.bit_generator.state,
                "library": ae.random.default_generator().bit_generator.state,
                **{name: loader.state_dict() for name, loader in _loaders(trainer).items()}},
        "best": {"val_acc": float(trainer.best_val_acc), "epoch": trainer.best_epoch, "state": trainer.best_state,
                 "path": trainer.best_path, "bad_epochs": trainer.bad_epochs, "stopped_early": trainer.stopped_early},
    }


def _restore(trainer: Any, state: Mapping[str, Any]) -> None:
    """Set every part of the run of ``trainer`` from ``state`` (a ``trainer_state``), in place."""
    trainer.model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    for scheduler, saved in zip(trainer.schedulers, state["schedulers"]):
        scheduler.load_state_dict(saved)
    if trainer.ema is not None:
        trainer.ema.load_state_dict(state["ema"])
    trainer.history.load_state_dict(state["history"])
    trainer.rng.bit_generator.state = state["rng"]["trainer"]
    ae.random.default_generator().bit_generator.state = state["rng"]["library"]
    for name, loader in _loaders(trainer).items():
        loader.load_state_dict(state["rng"][name])
    trainer.epoch, trainer.iteration = int(state["epoch"]), int(state["iteration"])
    best = state["best"]
    if not (best["state"] is None or isinstance(best["state"], Mapping)):
        raise TypeError(f"the best weights are a {type(best['state']).__name__}, not a state dict")
    if not (best["path"] is None or isinstance(best["path"], str)):
        raise TypeError(f"the best checkpoint's path is a {type(best['path']).__name__}, not a string")
    trainer.best_val_acc, trainer.best_epoch = float(best["val_acc"]), int(best["epoch"])
    trainer.best_state, trainer.best_path = best["state"], best["path"]
    trainer.bad_epochs, trainer.stopped_early = int(best["bad_epochs"]), bool(best["stopped_early"])


def _loaders(trainer: Any) -> dict[str, Any]:
    """The trainer's ``DataLoader``s by the name their generators' states are saved under
    (``train_data`` / ``val_data``): resuming restores their sequences of epochs too."""
    return {name: data for name, data in (("train_data", trainer.train_data), ("val_data", trainer.val_data))
            if isinstance(data, nn.data.DataLoader)}


def save_checkpoint(trainer: Any, path: str | os.PathLike) -> Path:
    """Write the state of ``trainer`` to ``path`` atomically, creating its folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nn.save(trainer_state(trainer), path)
    return path


def save_last(trainer: Any) -> Path:
    """Write the state of ``trainer`` to ``{prefix}_last.npz`` in its ``checkpoint_dir``."""
    return save_checkpoint(trainer, trainer.checkpoint_dir / f"{trainer.checkpoint_prefix}_last.npz")


def save_best(trainer: Any, epoch: int, val_acc: float) -> None:
    """Write the best-epoch checkpoint of ``trainer`` and set its ``best_path``; then remove the previous
    best file.  If the write fails, ``best_path`` still names the previous file, which is left in place."""
    path = trainer.checkpoint_dir / f"{trainer.checkpoint_prefix}_best_epoch{epoch:03d}_val{val_acc:.4f}.npz"
    previous, trainer.best_path = trainer.best_path, str(path)
    try:
        save_checkpoint(trainer, path)
    except BaseException:
        trainer.best_path = previous  # the old best file is still there and still the best on disk
        raise
    if previous and previous != str(path) and _is_best_file(trainer, previous) and os.path.exists(previous):
        os.remove(previous)


def _is_best_file(trainer: Any, path: str) -> bool:
    """Whether ``path`` names a best-epoch checkpoint in the trainer's ``checkpoint_dir``: the only files
    the trainer removes (a loaded ``best_path`` comes from a file, and could name any file)."""
    candidate = Path(path)
    return (candidate.parent.resolve() == trainer.checkpoint_dir.resolve() and candidate.suffix == ".npz"
            and candidate.name.startswith(f"{trainer.checkpoint_prefix}_best_epoch"))


def load_checkpoint(trainer: Any, path: str | os.PathLike) -> None:
    """Restore the run of ``trainer`` from the checkpoint at ``path``, all of it or nothing.

    Raises ``nn.CheckpointError`` naming the file if it is not a valid Trainer checkpoint, and
    ``nn.StateDictError`` saying what differs if the trainer is built differently from the saved run.
    """
    shown = repr(os.fspath(path) if isinstance(path, str | os.PathLike) else path)
    state = nn.load(path)
    problem = _checkpoint_problem(state)
    if problem is not None:
        raise nn.CheckpointError(f"Trainer.load_checkpoint: {shown} is not a valid Trainer checkpoint: {problem}")
    if len(state["schedulers"]) != len(trainer.schedulers):
        raise nn.StateDictError(
            f"Trainer.load_checkpoint: the checkpoint {shown} has {len(state['schedulers'])} schedulers, this "
            f"trainer {len(trainer.schedulers)}; build the trainer as the saved run was built"
        )
    if (state["ema"] is None) != (trainer.ema is None):
        raise nn.StateDictError(f"Trainer.load_checkpoint: the checkpoint {shown} and this trainer disagree on "
                                f"using an EMA; build the trainer as the saved run was built")
    saved_loaders = sorted(key for key in state["rng"] if key in ("train_data", "val_data"))
    if saved_loaders != sorted(_loaders(trainer)):
        raise nn.StateDictError(
            f"Trainer.load_checkpoint: the checkpoint {shown} was saved from a run with a DataLoader as "
            f"{' and '.join(saved_loaders) or 'neither train_data nor val_data'}, this trainer has one as "
            f"{' and '.join(sorted(_loaders(trainer))) or 'neither'}; build the trainer as the saved run was built"
        )
    backup = trainer_state(trainer)
    try:
        _restore(trainer, state)
    except BaseException as error:
        _restore(trainer, backup)
        if isinstance(error, nn.StateDictError | MemoryError) or not isinstance(error, Exception):
            raise
        detail = str(error) if isinstance(error, nn.CheckpointError) else f"{type(error).__name__}: {error}"
        raise nn.CheckpointError(f"Trainer.load_checkpoint: {shown} is not a valid Trainer checkpoint: "
                                 f"{detail}") from None


def _checkpoint_problem(state: Any) -> str | None:
    """What keeps ``state`` (loaded from a file) from being a Trainer checkpoint, or None."""
    if not isinstance(state, Mapping) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, Mapping) else None
        return (f"it is not a Trainer checkpoint (format {found!r}; Trainer.save_checkpoint writes "
                f"{CHECKPOINT_FORMAT!r}); a model's weights alone load with model.load_state_dict(nn.load(path))")
    missing = [key for key in CHECKPOINT_ENTRIES if key not in state]
    if missing:
        return f"it lacks the entries {missing}"
    for key, kind in CHECKPOINT_ENTRIES.items():
        value = state[key]
        if not ((key == "ema" and value is None) or (isinstance(value, kind) and not isinstance(value, bool))):
            return f"its entry {key!r} is a {type(value).__name__}, not a {kind.__name__}"
    return None
