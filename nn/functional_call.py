"""``functional_call``: run a module with some parameters or buffers replaced, then restore them.

This is how a module is differentiated with respect to Tensors it does not own -- for example
``gradcheck``, which builds fresh float64 input Tensors for every evaluation:

    def f(x, weight, bias):
        return nn.functional_call(layer, {"weight": weight, "bias": bias}, (x,))
    gradcheck(f, [x, layer.weight, layer.bias])

The signature is PyTorch's ``torch.func.functional_call`` (without ``tie_weights``, which is
always on): the positional arguments come as one tuple, so that keyword arguments of the module
cannot collide with those of ``functional_call`` itself.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_engine import Tensor

from .module import Module


def functional_call(
    module: Module,
    parameters_and_buffers: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    args: Any = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the parameters/buffers named in ``parameters_and_buffers``
    temporarily set to the given Tensors or arrays; the originals are restored afterwards, even
    when the call raises.

    ``parameters_and_buffers`` maps dotted names (as in ``state_dict``) to values, or is a tuple or
    list of such dicts, merged (a name in two of them is an error, as in PyTorch).  ``args`` is a
    tuple of positional arguments; anything else (a Tensor, an array, a list) is the one argument,
    and None means none.  So ``functional_call(m, p, x)`` and ``functional_call(m, p, (x,))`` are the
    same call, and a module that takes a tuple must get it wrapped: ``(pair,)``.

    A parameter shared by several modules (tied weights) is replaced everywhere it appears, as
    PyTorch's default ``tie_weights=True`` does.  With ``strict=True`` every parameter and buffer of
    the module must be given.  An unknown name raises KeyError listing the valid ones.
    """
    replacements = _merge(parameters_and_buffers)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    if kwargs is None:
        kwargs = {}
    elif not isinstance(kwargs, Mapping):
        raise TypeError(
            f"functional_call: kwargs must be a dict of keyword arguments for the module, got a "
            f"{type(kwargs).__name__}; pass positional arguments as a tuple in args, e.g. (x, h)"
        )
    slots = _slots(module)  # dotted name -> (owner, table, attribute name)
    unknown = [name for name in replacements if name not in slots]
    if unknown:
        raise KeyError(
            f"functional_call: {type(module).__name__} has no parameter or buffer {unknown[0]!r}; "
            f"names are {list(slots)}"
        )
    replacements = _tie(module, slots, replacements)
    if strict:
        missing = [name for name in _public_names(module) if name not in replacements]
        if missing:
            raise RuntimeError(
                f"functional_call(strict=True): no value given for {missing} of {type(module).__name__}; "
                f"pass every parameter and buffer (e.g. start from dict(module.named_parameters()) and "
                f"dict(module.named_buffers())) or use strict=False to keep the module's own"
            )
    saved = []
    try:
        for dotted, value in replacements.items():
            owner, table, name = slots[dotted]
            saved.append((owner, table, name, table[name]))
            table[name] = value
            object.__setattr__(owner, name, value)
        return module(*args, **kwargs)
    finally:
        for owner, table, name, original in reversed(saved):
            table[name] = original
            object.__setattr__(owner, name, original)


def _merge(parameters_and_buffers: Any) -> dict[str, Any]:
    """One dict from a dict or a tuple/list of dicts; a name given twice is ambiguous, so an error."""
    if isinstance(parameters_and_buffers, Mapping):
        return dict(parameters_and_buffers)
    if not isinstance(parameters_and_buffers, (tuple, list)) or not all(
        isinstance(d, Mapping) for d in parameters_and_buffers
    ):
        raise TypeError(
            f"functional_call: parameters_and_buffers must be a dict of name -> value or a tuple/list of "
            f"such dicts, got a {type(parameters_and_buffers).__name__}"
        )
    merged: dict[str, Any] = {}
    repeated = []
    for d in parameters_and_buffers:
        for name, value in d.items():
            if name in merged and name not in repeated:
                repeated.append(name)
            merged[name] = value
    if repeated:
        raise ValueError(
            f"functional_call: {repeated} appear in more than one of the {len(parameters_and_buffers)} dicts, "
            f"so which value to use is ambiguous; give each name in one dict only"
        )
    return merged


def _slots(module: Module) -> dict[str, tuple[Module, dict, str]]:
    """Every registered parameter and buffer slot by dotted name, tied ones under each of their names."""
    slots = {}
    for path, owner in module.named_modules():
        for table in (owner._parameters, owner._buffers):
            for name in table:
                slots[f"{path}.{name}" if path else name] = (owner, table, name)
    return slots


def _tie(module: Module, slots: dict, replacements: dict[str, Any]) -> dict[str, Any]:
    """Add the other names of each replaced tied parameter/buffer, with the same value."""
    names_of: dict[int, list[str]] = {}
    for dotted, (_, table, name) in slots.items():
        if isinstance(table[name], (Tensor, np.ndarray)):  # not numbers: equal small ints are one object
            names_of.setdefault(id(table[name]), []).append(dotted)
    tied = dict(replacements)
    for dotted, value in replacements.items():
        _, table, name = slots[dotted]
        original = table[name]
        for other in names_of.get(id(original), ()) if isinstance(original, (Tensor, np.ndarray)) else ():
            if other in replacements and replacements[other] is not value:
                raise ValueError(
                    f"functional_call: {dotted!r} and {other!r} are the same (tied) parameter or buffer of "
                    f"{type(module).__name__} but were given different values; give one of the names"
                )
            tied[other] = value
    return tied


def _public_names(module: Module) -> list[str]:
    """The names ``strict=True`` requires: those of ``named_parameters`` and ``named_buffers``."""
    return [n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()]
