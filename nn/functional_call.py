"""``functional_call``: run a module with some parameters or buffers replaced, then restore them.

This is how a module is differentiated with respect to Tensors it does not own -- for example
``gradcheck``, which builds fresh float64 input Tensors for every evaluation:

    def f(x, weight, bias):
        return nn.functional_call(layer, {"weight": weight, "bias": bias}, x)
    gradcheck(f, [x, layer.weight, layer.bias])
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .module import Module


def functional_call(module: Module, replacements: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
    """``module(*args, **kwargs)`` with the parameters/buffers named in ``replacements`` (dotted
    names as in ``state_dict``) temporarily set to the given Tensors or arrays."""
    owners = dict(module.named_modules())
    saved = []
    try:
        for dotted, value in replacements.items():
            path, _, name = dotted.rpartition(".")
            owner = owners.get(path)
            if owner is None or (name not in owner._parameters and name not in owner._buffers):
                raise KeyError(
                    f"functional_call: {type(module).__name__} has no parameter or buffer {dotted!r}; "
                    f"names are {[n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()]}"
                )
            table = owner._parameters if name in owner._parameters else owner._buffers
            saved.append((owner, table, name, table[name]))
            table[name] = value
            object.__setattr__(owner, name, value)
        return module(*args, **kwargs)
    finally:
        for owner, table, name, original in reversed(saved):
            table[name] = original
            object.__setattr__(owner, name, original)
