"""The picture of a search: validation accuracy against each hyperparameter, and the best trials' curves.

One scatter per hyperparameter (log axis where the space is logarithmic;
complete trials in colour, pruned ones grey, the best one marked), and one
panel of the learning curves the best trials reported.  Uses matplotlib's
object API with the Agg canvas, so it never changes the pyplot backend
(``pip install "autograd_engine[plots]"``).
"""
from __future__ import annotations

import math
import os
from typing import Any

from .space import Choice


def plot_search(result: Any, path: str | os.PathLike | None, top: int = 5, dpi: int = 80) -> Any:
    """Draw ``result`` (a ``SearchResult``); save to ``path`` if given; return the figure."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("SearchResult.plot needs matplotlib: pip install 'autograd_engine[plots]'") from error
    names = list(result.space)
    panels = len(names) + 1
    columns = min(panels, 3)
    rows = math.ceil(panels / columns)
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = [figure.add_subplot(rows, columns, i + 1) for i in range(panels)]
    complete = [t for t in result.trials if t.status == "complete"]
    pruned = [t for t in result.trials if t.status == "pruned" and t.value is not None]
    best = result.completed[0] if complete else None
    for ax, name in zip(axes, names):
        distribution = result.space[name]
        _scatter(ax, name, distribution, pruned, color="0.7", label="pruned")
        _scatter(ax, name, distribution, complete, color="C0", label="complete")
        if best is not None:
            ax.scatter([_position(distribution, best.params[name])], [best.value], marker="*", s=160, color="C3",
                       label=f"best (trial {best.number})", zorder=3)
        if getattr(distribution, "log", False):
            ax.set_xscale("log")
        if isinstance(distribution, Choice):
            ax.set_xticks(range(len(distribution.options)), [str(o) for o in distribution.options])
        ax.set_xlabel(name)
        ax.set_ylabel("validation accuracy")
    axes[0].legend(fontsize="small")
    curves = axes[len(names)]
    for t in result.completed[:top]:
        if t.curve:
            steps, values = zip(*t.curve)
            curves.plot(steps, values, marker=".", label=f"trial {t.number}: {t.value:.3f}")
    curves.set_title(f"learning curves of the {min(top, len(complete))} best trials")
    curves.set_xlabel("step (epoch)")
    curves.set_ylabel("validation accuracy")
    if curves.get_legend_handles_labels()[0]:  # no curves when the trials reported none
        curves.legend(fontsize="small")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=dpi)
    return figure


def _position(distribution: Any, value: Any) -> Any:
    return distribution.options.index(value) if isinstance(distribution, Choice) else value


def _scatter(ax: Any, name: str, distribution: Any, trials: list, color: str, label: str) -> None:
    if trials:
        ax.scatter([_position(distribution, t.params[name]) for t in trials], [t.value for t in trials],
                   color=color, s=18, label=label)
