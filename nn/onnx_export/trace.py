"""Tracing a model for export: one forward in eval mode that records every primitive, with one
stand-in node for each call of a module written whole, and the recorded graph read back in order."""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import autograd_engine as ae

from ..module import Module
from .modules import MODULE_CONVERTERS, check_supported


class OnnxExportError(ValueError):
    """The model uses something that has no ONNX equivalent in this exporter."""


@dataclasses.dataclass(eq=False)
class ModuleCall:
    """One call of a module written whole: its converter and the Tensor arguments as traced."""

    module: Module
    converter: Callable[..., list[str]]
    examples: list[np.ndarray]


class ModuleOutput(ae.Primitive):
    """Stands in the traced graph for output ``index`` of one call of a module written whole (a marker
    for the exporter: it has no gradient rule, and the trace never runs backward)."""

    def __init__(self, call: ModuleCall, index: int, result: np.ndarray) -> None:
        self.call, self.index, self.result = call, index, result

    def describe(self) -> str:
        return f"{type(self.call.module).__name__} output {self.index}"

    def forward(self, *arrays: Any) -> np.ndarray:
        return self.result


def flatten(structure: Any) -> list[Any]:
    """The leaves of nested tuples and lists, in order: ``(out, (h, c))`` -> ``[out, h, c]``."""
    if isinstance(structure, tuple | list):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def rebuild(structure: Any, leaves: list[Any]) -> Any:
    """``structure`` with its leaves replaced by ``leaves``, in order (consumes the list)."""
    if isinstance(structure, tuple | list):
        return type(structure)(rebuild(item, leaves) for item in structure)
    return leaves.pop(0)


def _stand_in_hook(converter: Any, path: str):
    def hook(module: Module, args: tuple, output: Any) -> Any:
        reason = check_supported(module, args)
        if reason is not None:
            raise OnnxExportError(f"export_onnx: {type(module).__name__} at {path or 'the model'} cannot be exported: {reason}")
        tensors = [a for a in flatten(args) if isinstance(a, ae.Tensor | np.ndarray)]
        params = list(module.parameters())
        call = ModuleCall(module, converter, [np.asarray(ae.operands.value(t)) for t in tensors])
        leaves = [ae.apply(ModuleOutput(call, i, ae.operands.value(out)), *tensors, *params)
                  for i, out in enumerate(flatten(output))]
        return rebuild(output, leaves)

    return hook


@contextlib.contextmanager
def eval_mode(model: Module) -> Iterator[None]:
    """The model in eval mode; each module's own mode restored on exit."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextlib.contextmanager
def tracing(model: Module) -> Iterator[None]:
    """The model in eval mode, grad mode on, every parameter requiring grad (so that every primitive is
    recorded) and stand-in hooks on the modules written whole; everything restored on exit."""
    frozen = [p for p in model.parameters() if not p.requires_grad]
    handles = []
    with eval_mode(model), ae.enable_grad():
        try:
            for p in frozen:
                p.requires_grad = True
            handles = [module.register_forward_hook(_stand_in_hook(MODULE_CONVERTERS[type(module)], path))
                       for path, module in model.named_modules() if type(module) in MODULE_CONVERTERS]
            yield
        finally:
            for handle in handles:
                handle.remove()
            for p in frozen:
                p.requires_grad = False

def graph_order(outputs: list[ae.Tensor], inputs: set[int]) -> list[ae.Tensor]:
    """The recorded tensors that the outputs depend on, each after the tensors it is computed from."""
    order, seen = [], set()
    stack: list[tuple[ae.Tensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in seen or tensor.grad_fn is None or id(tensor) in inputs:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        stack.extend((x, False) for x in reversed(tensor.grad_fn.inputs) if isinstance(x, ae.Tensor))
    return order

