"""Model size at a glance: ``parameter_count`` and ``summary`` (the notes' VGG-style table).

``summary(model, input_shape)`` runs one forward pass (in eval mode, without recording a
graph) on zeros of ``input_shape`` and lists, for every module, its output shape, the number
of values it outputs (the notes' "memory" column, per batch) and its own parameter count;
the totals follow.  Forward hooks record the shapes, so any module composition works.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor, get_default_dtype
from autograd_engine.checks import check_bool, check_int
from autograd_engine.operands import value

from .module import Module


def parameter_count(model: Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters (each shared parameter once); ``trainable_only`` counts those requiring grad."""
    trainable_only = check_bool(trainable_only, "trainable_only", "parameter_count")
    return sum(p.size for p in model.parameters() if p.requires_grad or not trainable_only)


def _shape_of(output: Any) -> str:
    if isinstance(output, Tensor | np.ndarray):
        return str(tuple(output.shape))
    if isinstance(output, tuple | list):
        return "(" + ", ".join(_shape_of(o) for o in output) + ")"
    return type(output).__name__


def _count_of(output: Any) -> int:
    if isinstance(output, Tensor | np.ndarray):
        return int(output.size)
    if isinstance(output, tuple | list):
        return sum(_count_of(o) for o in output)
    return 0


def summary(model: Module, input_shape: tuple[int, ...] | None = None, input: Any = None, dtype: Any = None) -> str:
    """A table of every module's output shape, output size and own parameters for one forward pass.

    Give ``input_shape`` (including the batch axis, e.g. ``(1, 3, 32, 32)``; zeros of the default
    dtype are used) or an actual ``input``.  The model runs in eval mode under ``no_grad`` and is
    put back in its previous mode.
    """
    if input is None:
        if input_shape is None:
            raise ValueError("summary: give input_shape (with the batch axis) or an input")
        if isinstance(input_shape, (int, np.integer)) or not isinstance(input_shape, (tuple, list)):
            raise TypeError(
                f"summary: input_shape must be a tuple of sizes with the batch axis, e.g. (1, 3, 32, 32), got "
                f"{input_shape!r} ({type(input_shape).__name__})"
            )
        input_shape = tuple(check_int(n, "input_shape", "summary", low=0) for n in input_shape)
        input = np.zeros(input_shape, dtype=np.dtype(dtype or get_default_dtype()))
    rows: list[tuple[str, str, str, int, int]] = []
    handles = []
    named = list(model.named_modules())
    depth = {id(m): name.count(".") + (1 if name else 0) for name, m in named}

    def record(name: str):
        def hook(module: Module, args: tuple, output: Any) -> None:
            own = sum(p.size for p in module._parameters.values() if p is not None)
            label = "  " * max(depth[id(module)] - 1, 0) + (f"{name} ({type(module).__name__})" if name else type(module).__name__)
            rows.append((label, _shape_of(output), name, _count_of(output), own))

        return hook

    for name, module in named:
        if name:  # the root's row is the total
            handles.append(module.register_forward_hook(record(name)))
    was_training = [m.training for _, m in named]
    model.eval()
    try:
        with ae.no_grad():
            output = model(input)
    finally:
        for h in handles:
            h.remove()
        for (_, m), mode in zip(named, was_training):
            object.__setattr__(m, "training", mode)
    order = {name: i for i, (name, _) in enumerate(named)}
    rows.sort(key=lambda r: order[r[2]])  # hooks fire inner-first; list in module order
    header = ("layer", "output shape", "outputs", "parameters")
    table = [header, ("input", _shape_of(np.asarray(value(input))),
                      f"{_count_of(np.asarray(value(input))):,}", "0")]
    table += [(label, shape, f"{count:,}", f"{own:,}") for label, shape, _, count, own in rows]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines = []
    for i, r in enumerate(table):
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}")
        if i == 0:
            lines.append("-" * len(lines[0]))
    total, trainable = parameter_count(model), parameter_count(model, trainable_only=True)
    activations = sum(r[3] for r in rows if not next(m for n, m in named if n == r[2])._modules)
    lines.append("-" * len(lines[0]))
    lines.append(f"output: {_shape_of(output)}")
    lines.append(f"total parameters: {total:,} ({trainable:,} trainable)")
    lines.append(f"values output by leaf layers per forward pass: {activations:,}")
    return "\n".join(lines)
