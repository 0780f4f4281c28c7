"""What a training run records, for the checks the notes ask for while babysitting learning.

``History`` holds plain data (floats, lists, dicts of arrays), so it is saved
inside checkpoints and compared across runs:

===========================  ===============================================================
``loss``                     the training loss of every iteration
``train_acc``, ``val_acc``   accuracy per epoch (``val_acc_ema``: with the averaged parameters)
``val_loss``, ``lr``         validation loss and the first group's learning rate per epoch
``samples_per_second``       training throughput per epoch
``ratio_iterations``         the iterations at which update:weight ratios were measured
``update_ratio``             ``{parameter name: [||update|| / ||weights||, ...]}`` (~1e-3 is healthy)
``activations``              per monitored epoch, ``{layer: histogram}`` of the layer's outputs
``gradients``                the same for the gradients of the loss with respect to those outputs
``dead_relu``                ``{ReLU layer: [fraction of units that are zero for every example]}``
===========================  ===============================================================

A histogram is ``{"counts", "edges", "mean", "std"}`` (``numpy.histogram`` with 40
bins).  ``plot(directory)`` draws the series with matplotlib (``pip install
autograd_engine[plots]``) into PNG files and returns their paths.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograd_engine.errors import CheckpointError

_SERIES = ("loss", "train_acc", "val_acc", "val_acc_ema", "val_loss", "lr", "samples_per_second")


class History:
    """The monitored series of a training run (see the module docstring for each field)."""

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.train_acc: list[float] = []
        self.val_acc: list[float] = []
        self.val_acc_ema: list[float] = []
        self.val_loss: list[float] = []
        self.lr: list[float] = []
        self.samples_per_second: list[float] = []
        self.ratio_iterations: list[int] = []
        self.update_ratio: dict[str, list[float]] = {}
        self.activations: list[dict[str, dict[str, Any]]] = []
        self.gradients: list[dict[str, dict[str, Any]]] = []
        self.dead_relu: dict[str, list[float]] = {}
        self.monitored_epochs: list[int] = []

    # ----- recording ----------------------------------------------------------
    def record_ratios(self, iteration: int, ratios: dict[str, float]) -> None:
        """Append one measurement of update:weight ratios (one value per parameter name)."""
        self.ratio_iterations.append(int(iteration))
        for name, ratio in ratios.items():
            self.update_ratio.setdefault(name, []).append(float(ratio))

    def record_layers(self, epoch: int, activations: dict[str, np.ndarray], gradients: dict[str, np.ndarray],
                      dead_relu: dict[str, float]) -> None:
        """Append one epoch's per-layer histograms (from raw arrays) and dead-ReLU fractions."""
        self.monitored_epochs.append(int(epoch))
        self.activations.append({name: histogram(values) for name, values in activations.items()})
        self.gradients.append({name: histogram(values) for name, values in gradients.items()})
        for name, fraction in dead_relu.items():
            self.dead_relu.setdefault(name, []).append(float(fraction))

    # ----- saving -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The fields as plain data for ``nn.save``: series as arrays, and the histograms of all
        epochs and layers stacked into a few arrays (so a checkpoint holds tens of arrays, not thousands).
        Every field may be empty (no monitoring, no ratios, no epoch yet)."""
        state: dict[str, Any] = {name: np.asarray(getattr(self, name), dtype=np.float64) for name in _SERIES}
        state["ratio_iterations"] = np.asarray(self.ratio_iterations, dtype=np.int64)
        state["monitored_epochs"] = np.asarray(self.monitored_epochs, dtype=np.int64)
        state["update_ratio"] = {k: np.asarray(v, dtype=np.float64) for k, v in self.update_ratio.items()}
        state["dead_relu"] = {k: np.asarray(v, dtype=np.float64) for k, v in self.dead_relu.items()}
        for field in ("activations", "gradients"):
            records = [(i, name, h) for i, layers in enumerate(getattr(self, field)) for name, h in layers.items()]
            state[field] = {
                "epochs": len(getattr(self, field)),
                "index": np.asarray([i for i, _, _ in records], dtype=np.int64),
                "names": [name for _, name, _ in records],
                "counts": _rows([h["counts"] for _, _, h in records], np.int64),
                "edges": _rows([h["edges"] for _, _, h in records], np.float64),
                "mean": np.asarray([h["mean"] for _, _, h in records], dtype=np.float64),
                "std": np.asarray([h["std"] for _, _, h in records], dtype=np.float64),
            }
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the fields from ``state_dict()``'s output.  A dict that is not one (damaged or
        crafted) raises ``nn.CheckpointError`` and changes nothing."""
        if not isinstance(state, Mapping):
            raise TypeError(f"History.load_state_dict: expected a mapping (the dict returned by "
                            f"History.state_dict()), got {type(state).__name__}")
        try:
            fields = _fields(state)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            raise CheckpointError(
                f"History.load_state_dict: not a valid training history (damaged, or not made by "
                f"History.state_dict()): {type(error).__name__}: {error}"
            ) from None
        self.__dict__.update(fields)

    # ----- drawing ------------------------------------------------------------
    def plot(self, directory: str | os.PathLike = ".", prefix: str = "", dpi: int = 90) -> list[Path]:
        """Draw the series into PNG files in ``directory``; return the paths written.

        ``loss.png`` (linear and log scale, with a running mean), ``accuracy.png``
        (train/val per epoch), ``update_ratios.png`` (log10 of each parameter's
        ratio, the healthy 1e-3 dashed), and when layers were monitored
        ``activations.png``, ``gradients.png`` (last monitored epoch, one panel per
        layer) and ``dead_relu.png``, at ``dpi`` dots per inch.  Uses matplotlib's object API with the Agg
        canvas, so it never changes the pyplot backend.
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as error:
            raise ImportError("History.plot needs matplotlib: pip install 'autograd_engine[plots]'") from error
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []

        def save(fig: Any, name: str) -> None:
            path = directory / f"{prefix}{name}.png"
            fig.savefig(path, dpi=dpi)
            written.append(path)

        if self.loss:
            fig = Figure(figsize=(10, 3.5), layout="constrained")
            iterations = np.arange(len(self.loss))
            smooth = running_mean(self.loss, max(1, len(self.loss) // 50))
            for ax, scale in zip(fig.subplots(1, 2), ("linear", "log")):
                ax.plot(iterations, self.loss, lw=0.6, alpha=0.5, label="loss")
                ax.plot(iterations, smooth, lw=1.5, label="running mean")
                ax.set_yscale(scale)
                ax.set(xlabel="iteration", ylabel="training loss", title=f"loss ({scale} scale)")
                ax.legend()
            save(fig, "loss")
        if self.train_acc or self.val_acc:
            fig = Figure(figsize=(5, 3.5), layout="constrained")
            ax = fig.subplots()
            for label, series in (("train", self.train_acc), ("val", self.val_acc), ("val (EMA)", self.val_acc_ema)):
                if series:
                    ax.plot(np.arange(1, len(series) + 1), series, marker="o", ms=3, label=label)
            ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy (a large gap means overfitting)")
            ax.legend()
            save(fig, "accuracy")
        if self.update_ratio:
            fig = Figure(figsize=(6, 3.5), layout="constrained")
            ax = fig.subplots()
            for name, ratios in self.update_ratio.items():
                with np.errstate(divide="ignore", invalid="ignore"):
                    ax.plot(self.ratio_iterations, np.log10(ratios), lw=0.8, label=name)
            ax.axhline(-3, color="k", ls="--", lw=1)
            ax.set(xlabel="iteration", ylabel="log10(update / weight)", title="update:weight ratios (~1e-3)")
            ax.legend(fontsize="small")
            save(fig, "update_ratios")
        for field, title in (("activations", "activations"), ("gradients", "gradients of the loss")):
            layers = getattr(self, field)[-1] if getattr(self, field) else {}
            if layers:
                fig = Figure(figsize=(3 * len(layers), 3.0), layout="constrained")
                axes = np.atleast_1d(fig.subplots(1, len(layers)))
                for ax, (name, h) in zip(axes, layers.items()):
                    edges = np.asarray(h["edges"])
                    ax.stairs(np.asarray(h["counts"]), edges, fill=True)
                    ax.set_title(f"{name}\nmean {h['mean']:.2g}, std {h['std']:.2g}", fontsize="small")
                fig.suptitle(f"{title}, epoch {self.monitored_epochs[-1]}")
                save(fig, field)
        if self.dead_relu:
            fig = Figure(figsize=(5, 3.5), layout="constrained")
            ax = fig.subplots()
            for name, fractions in self.dead_relu.items():
                ax.plot(self.monitored_epochs[-len(fractions):], fractions, marker="o", ms=3, label=name)
            ax.set(xlabel="epoch", ylabel="fraction", title="dead ReLUs (zero for every example)", ylim=(0, 1))
            ax.legend(fontsize="small")
            save(fig, "dead_relu")
        return written

    def __repr__(self) -> str:
        last = lambda xs: f"{xs[-1]:.4g}" if xs else "-"  # noqa: E731
        return (f"History({len(self.loss)} iterations, {len(self.train_acc)} epochs; last loss {last(self.loss)}, "
                f"train acc {last(self.train_acc)}, val acc {last(self.val_acc)})")


def _rows(rows: list[np.ndarray], dtype: Any) -> np.ndarray:
    """Equal-length rows stacked into a 2-D array; (0, 0) when there are none."""
    return np.asarray(rows, dtype=dtype).reshape(len(rows), -1) if rows else np.zeros((0, 0), dtype)


def _fields(state: Mapping[str, Any]) -> dict[str, Any]:
    """History's attributes rebuilt from ``state_dict()``'s output (raises on anything malformed)."""
    fields: dict[str, Any] = {name: [float(x) for x in state[name]] for name in _SERIES}
    fields["ratio_iterations"] = [int(x) for x in state["ratio_iterations"]]
    fields["monitored_epochs"] = [int(x) for x in state["monitored_epochs"]]
    fields["update_ratio"] = {str(k): [float(x) for x in v] for k, v in state["update_ratio"].items()}
    fields["dead_relu"] = {str(k): [float(x) for x in v] for k, v in state["dead_relu"].items()}
    for field in ("activations", "gradients"):
        packed = state[field]
        epochs: list[dict[str, dict[str, Any]]] = [{} for _ in range(int(packed["epochs"]))]
        for r, (i, name) in enumerate(zip(packed["index"], packed["names"], strict=True)):
            epochs[int(i)][str(name)] = {"counts": np.array(packed["counts"][r]), "edges": np.array(packed["edges"][r]),
                                         "mean": float(packed["mean"][r]), "std": float(packed["std"][r])}
        fields[field] = epochs
    return fields


def histogram(values: np.ndarray, bins: int = 40) -> dict[str, Any]:
    """``{"counts", "edges", "mean", "std"}`` of the finite entries of ``values``."""
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"counts": np.zeros(bins, np.int64), "edges": np.linspace(0, 1, bins + 1), "mean": math.nan,
                "std": math.nan}
    counts, edges = np.histogram(values, bins=bins)
    return {"counts": counts, "edges": edges, "mean": float(values.mean()), "std": float(values.std())}


def running_mean(values: list[float], window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each position (shorter at the start)."""
    values = np.asarray(values, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(1, len(values) + 1)
    start = np.maximum(index - window, 0)
    return (cumulative[index] - cumulative[start]) / (index - start)
