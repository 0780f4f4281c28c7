"""Containers: ``Sequential`` (a chain), ``ModuleList`` and ``ModuleDict`` (registered collections)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .module import Module


class Sequential(Module):
    """Apply modules one after another: ``Sequential(m0, m1, ...)(x) == m1(m0(x))...``.

    Also accepts one ``OrderedDict`` of named modules.  Children are named ``"0"``,
    ``"1"``, ... (or by the dict's keys); indexing returns a child, slicing a new
    ``Sequential`` sharing the children.  ``seq[i] = module`` replaces a child under
    its name (a new head: ``model[-1] = nn.Linear(32, 5)``); ``del seq[i]`` (or a
    slice) removes children, and the remaining ones are numbered ``"0"``, ``"1"``, ...
    again when they were numbered so (a name given in the dict stays).
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, "Sequential", name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _check_module(module, "Sequential", i))

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self._modules)), _check_module(module, "Sequential.append", len(self._modules)))
        return self

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return modules[_index(index, len(modules), "Sequential")]

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(index, int | np.integer) or isinstance(index, bool):
            raise TypeError(f"Sequential: assign one module at an integer index, got index {index!r}")
        names = list(self._modules)
        name = names[_index(index, len(names), "Sequential")]
        self.add_module(name, _check_module(module, "Sequential", index))

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)
        numbered = names == [str(i) for i in range(len(names))]
        doomed = names[index] if isinstance(index, slice) else [names[_index(index, len(names), "Sequential")]]
        for name in doomed:
            delattr(self, name)
        if numbered:
            kept = list(self._modules.values())
            for name in list(self._modules):
                delattr(self, name)
            for i, module in enumerate(kept):
                self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's would not be).

    It has no ``forward``: the owner decides how to use the modules.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check_module(module, "ModuleList.append", len(self._modules)))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_index(index, len(modules), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        i = _index(index, len(self._modules), "ModuleList")
        self.add_module(str(i), _check_module(module, "ModuleList", i))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules (string keys, insertion order) whose parameters are registered."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for name, module in items:
            self[name] = module

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module(module, "ModuleDict", key))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}")
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()


def _check_module(module: Any, where: str, key: Any) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: entry {key!r} must be an nn.Module, got {type(module).__name__}")
    return module


def _index(index: int, length: int, where: str) -> int:
    if not -length <= index < length:
        raise IndexError(f"{where}: index {index} is out of range for {length} module(s)")
    return index % length
