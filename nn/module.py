"""``Module`` and ``Parameter``: the containers that hold a model's state.

A :class:`Parameter` is a Tensor that requires grad and that a module picks up
when it is assigned as an attribute.  A :class:`Module` registers, by attribute
assignment, its parameters and its child modules; buffers (running statistics)
are registered explicitly with :meth:`Module.register_buffer`.  Everything a
module does to its inputs happens in ``forward`` through engine primitives: a
module holds no gradient code.

Calling a module runs ``forward`` with the grad-mode ``scope`` set to the
module's dotted path (``"fc1"``, ``"features.0"``), so every op it records is
tagged for graph drawings.  The path is computed when the module is registered
as a child, so a call costs two attribute writes.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd_engine import Tensor, get_default_dtype
from autograd_engine.checks import check_bool, check_device, is_device
from autograd_engine.errors import StateDictError
from autograd_engine.grad_mode import set_scope
from autograd_engine.operands import value


class Parameter(Tensor):
    """A Tensor that requires grad and that modules register as a trainable parameter.

    ``Parameter(data, requires_grad=True, dtype=None)`` converts like ``Tensor``: floating
    NumPy arrays and Tensors keep their dtype (an array is not copied), Python numbers,
    lists and integer arrays become the default dtype (float32 unless changed with
    ``autograd_engine.set_default_dtype``).  So ``Parameter(0.01 * np.random.randn(3, 4))``
    is float64 -- pass ``dtype=np.float32`` or draw float32 arrays; layers create their
    parameters in the default dtype (or the ``dtype`` they are given).  ``module.double()``
    moves a whole model to float64 (gradient checks).
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None and np.asarray(data).dtype.kind != "f":
            dtype = get_default_dtype()
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by ``register_forward_hook`` and ``register_forward_pre_hook``; ``remove()``
    unregisters the hook (also on leaving a ``with`` block)."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match: PyTorch's ``_IncompatibleKeys``.

    ``missing_keys`` are in the model but not in the checkpoint (they keep their values, e.g. a
    new head's initialisation); ``unexpected_keys`` are in the checkpoint but not in the model
    (ignored, e.g. the old head's weights).
    """

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, assign parameters, child modules
    and plain attributes in ``__init__``, and define ``forward``.  Calling the
    module runs ``forward`` (with the module's path as the op scope).
    """

    training: bool
    optional_state: tuple[str, ...] = ()
    """Buffers a checkpoint may lack without being incomplete (kept as they are when missing), as
    PyTorch's BatchNorm loads checkpoints saved before it tracked ``num_batches_tracked``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_scope", "")
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "training", True)

    # ----- registration -------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__() ran; "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
            value._set_scope(_join(self._scope, name))
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign a {type(value).__name__} to parameter {name!r}; "
                    f"wrap it in nn.Parameter(...), or change the values in place through {name}.data"
                )
            params[name] = None
        elif name in self._modules:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} to child module {name!r}")
            self._modules[name] = None
        elif name in self._buffers:
            self._buffers[name] = _as_buffer(value, name)
            value = self._buffers[name]
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``, a declared but absent parameter such as ``bias=False``)."""
        _check_name(self, name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Register a buffer: state that is saved with the model but not trained (running statistics).

        ``value`` is an ndarray (a Tensor's array is taken; ``None`` declares an absent
        buffer).  Persistent buffers appear in ``state_dict``.  Later assignments to
        ``self.<name>`` replace the buffer.
        """
        _check_name(self, name)
        self._forget(name)
        self._buffers[name] = _as_buffer(value, name)
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, self._buffers[name])

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child ``name`` (same as assigning the attribute)."""
        _check_name(self, name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module
        if module is not None:
            module._set_scope(_join(self._scope, name))
        object.__setattr__(self, name, module)

    def _set_scope(self, scope: str) -> None:
        object.__setattr__(self, "_scope", scope)
        for name, child in self._modules.items():
            if child is not None and child is not self:
                child._set_scope(_join(scope, name))

    # ----- calling ------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward(); subclasses of nn.Module must")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        previous = set_scope(self._scope)
        try:
            if self._forward_pre_hooks:
                for pre_hook in list(self._forward_pre_hooks.values()):
                    replaced_args = pre_hook(self, args)
                    if replaced_args is not None:
                        args = replaced_args if isinstance(replaced_args, tuple) else (replaced_args,)
            result = self.forward(*args, **kwargs)
            if self._forward_hooks:
                for hook in list(self._forward_hooks.values()):
                    replaced = hook(self, args, result)
                    if replaced is not None:
                        result = replaced
            return result
        finally:
            set_scope(previous)

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``, ``args`` being the tuple of positional
        arguments (keyword arguments are passed through untouched).

        A non-None return replaces the positional arguments: a tuple is used as
        they are, any other value as the single argument ``(value,)`` -- PyTorch's
        rule, so ``lambda m, args: args[0] * 2`` rescales the one input.  Hooks run
        in registration order, each seeing the previous one's arguments, and the
        forward hooks see the replaced arguments.  Returns a handle whose
        ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; a non-None return replaces
        the output.  Returns a handle whose ``remove()`` unregisters the hook."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ----- traversal ----------------------------------------------------------
    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by several modules appears once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield _join(module_prefix, name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (each shared one once), in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, buffer) pairs of every registered (non-None) buffer."""
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, b in module._buffers.items():
                if b is not None:
                    yield _join(module_prefix, name), b

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(attribute name, module) of the direct children."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "", memo: set[int] | None = None) -> Iterator[tuple[str, Module]]:
        """(dotted path, module) of this module and every descendant, depth first; each module once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(_join(prefix, name), memo)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every descendant, then on this module (as PyTorch); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and its descendants.

        Each child is switched through its own ``train(mode)``, as in PyTorch, so a module that
        overrides ``train`` keeps its say when an ancestor is switched: a model whose ``train``
        puts its frozen backbone back in evaluation mode keeps the backbone's batch-norm
        statistics fixed however often ``model.train()`` is called (the ``Trainer`` calls it
        every epoch).  Switching one submodule (``model.body.eval()``) leaves the rest as it is.
        """
        mode = check_bool(mode, "mode", f"{type(self).__name__}.train")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            if child is not self:
                child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout is the identity, batch norm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient, as ``Optimizer.zero_grad`` does.

        ``set_to_none=True`` (PyTorch's default) sets ``grad = None``;
        ``set_to_none=False`` writes zeros into the existing gradient arrays in
        place, so they keep their identity; a parameter without a gradient stays None.
        """
        for p in self.parameters():
            p.zero_grad(set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter."""
        requires_grad = check_bool(requires_grad, "requires_grad", f"{type(self).__name__}.requires_grad_")
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """Cast every floating parameter and buffer to ``dtype`` in place (e.g. float64 for gradcheck).

        As PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``; the one device is the
        CPU (``"cpu"``), any other is refused."""
        for arg in args:
            if is_device(arg):
                device = arg
            elif dtype is None:
                dtype = arg
            else:
                raise TypeError(f"{type(self).__name__}.to: give a dtype and/or a device ('cpu'), got {args!r}")
        check_device(device, f"{type(self).__name__}.to")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: expected a floating dtype, got {dtype}")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None if p.grad is None else p.grad.astype(dtype)
        for m in self.modules():
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.kind == "f":
                    m._buffers[name] = b.astype(dtype)
                    object.__setattr__(m, name, m._buffers[name])
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Module:
        """Refused: this engine computes on the CPU with NumPy."""
        raise ValueError(f"{type(self).__name__}.cuda(): this engine computes on the CPU with NumPy; there is no "
                         f"GPU to move to (model.to('cpu') is accepted and does nothing)")

    def cpu(self) -> Module:
        """The module itself: it is on the CPU already."""
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # ----- state --------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> dict[str, np.ndarray]:
        """A snapshot ``{dotted name: ndarray copy}`` of every parameter and persistent buffer.

        The arrays are copies: later training does not change a saved state dict.
        """
        state: dict[str, np.ndarray] = {}
        for module_prefix, module in self.named_modules(prefix=prefix):
            for name, p in module._parameters.items():
                if p is not None:
                    state.setdefault(_join(module_prefix, name), p.data.copy())
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    state.setdefault(_join(module_prefix, name), np.array(b, copy=True))
        return state

    def _state_slots(self) -> dict[str, tuple[Module, str, bool]]:
        """{dotted name: (owner module, attribute, is_parameter)} for every entry of the state dict."""
        slots: dict[str, tuple[Module, str, bool]] = {}
        for module_prefix, module in self.named_modules():
            for name, p in module._parameters.items():
                if p is not None:
                    slots.setdefault(_join(module_prefix, name), (module, name, True))
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    slots.setdefault(_join(module_prefix, name), (module, name, False))
        return slots

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state_dict``'s arrays into the parameters and buffers, in place.

        With ``strict=True`` the keys must match exactly; missing or unexpected keys raise
        :class:`StateDictError` naming them.  A shape mismatch always raises, naming the key
        and both shapes, even with ``strict=False`` (as in PyTorch: leave such entries out of
        the dict to load the rest), and so does a value that is not an array of numbers.  Nothing is
        changed unless every entry fits.  Values are cast to the parameter's dtype.  Returns
        the missing and unexpected keys.  To load a file: ``load_state_dict(nn.load(path))``.
        """
        if not isinstance(state_dict, Mapping):
            is_path = isinstance(state_dict, str | bytes | os.PathLike)
            hint = "; to load a file, use model.load_state_dict(nn.load(path))" if is_path else ""
            raise TypeError(
                f"{type(self).__name__}.load_state_dict: expected a mapping of names to arrays (a dict, OrderedDict, "
                f"or the result of state_dict()), got {type(state_dict).__name__}{hint}"
            )
        slots = self._state_slots()
        missing = [k for k, (module, name, _) in slots.items()
                   if k not in state_dict and name not in module.optional_state]
        unexpected = [k for k in state_dict if k not in slots]
        problems, misshaped = [], []
        for key, (module, name, _) in slots.items():
            if key in state_dict:
                new_value = _numeric_array(state_dict[key])
                if new_value is None:
                    problems.append(f"{key!r} is {_describe(state_dict[key])}, not an array of numbers")
                    continue
                new_shape = np.shape(new_value)
                old_shape = np.shape(getattr(module, name).data if _is_tensor(getattr(module, name)) else getattr(module, name))
                if new_shape != old_shape:
                    problems.append(f"shape mismatch for {key!r}: the checkpoint has {new_shape}, the model has {old_shape}")
                    misshaped.append(key)
        if strict and missing:
            problems.append(f"missing keys (in the model, not in the checkpoint): {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys (in the checkpoint, not in the model): {unexpected}")
        if problems:
            raise StateDictError(
                f"load_state_dict for {type(self).__name__}: " + "; ".join(problems)
                + ". Check that the checkpoint was saved from the same architecture"
                + (" (or pass strict=False to skip missing/unexpected keys)" if strict and (missing or unexpected) else "")
                + _misshaped_hint(misshaped)
            )
        for key, (module, name, is_param) in slots.items():
            if key not in state_dict:
                continue
            new = np.asarray(value(state_dict[key]))
            if is_param:
                p = module._parameters[name]
                if p.data.flags.writeable:
                    _copy_into(p.data, new)
                    p.mark_modified()  # a graph recorded with the old values must not be differentiated
                else:
                    p.data = np.array(new, dtype=p.data.dtype, copy=True)
            else:
                old = module._buffers[name]
                if isinstance(old, np.ndarray) and old.flags.writeable:
                    _copy_into(old, new)
                else:
                    module._buffers[name] = np.array(new, dtype=np.asarray(old).dtype, copy=True)
                    object.__setattr__(module, name, module._buffers[name])
        return IncompatibleKeys(missing, unexpected)

    # ----- display ------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of this module's repr."""
        return ""

    def _own_parameters_note(self) -> str:
        own = [(n, p) for n, p in self._parameters.items() if p is not None]
        if not own:
            return ""
        shapes = ", ".join(f"{n} {tuple(p.shape)}" for n, p in own)
        return f"  # {shapes}: {sum(p.size for _, p in own):,} params"

    def _repr_lines(self) -> list[str]:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = [(n, m) for n, m in self._modules.items() if m is not None]
        if not children:
            return [head + ")" + self._own_parameters_note()]
        lines = [head + self._own_parameters_note()]
        for name, child in children:
            child_lines = child._repr_lines()
            lines.append(f"  ({name}): {child_lines[0]}")
            lines.extend("  " + line for line in child_lines[1:])
        lines.append(")")
        return lines

    def __repr__(self) -> str:
        lines = self._repr_lines()
        total = sum(p.size for p in self.parameters())
        trainable = sum(p.size for p in self.parameters() if p.requires_grad)
        if self._modules:
            note = f"Total parameters: {total:,}"
            if trainable != total:
                note += f" ({trainable:,} trainable)"
            lines.append(note)
        return "\n".join(lines)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_name(module: Module, name: str) -> None:
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"{type(module).__name__}: call super().__init__() before registering {name!r}")
    if not isinstance(name, str) or not name or "." in name:
        raise KeyError(f"{type(module).__name__}: {name!r} is not a valid name (non-empty string without '.')")


def _as_buffer(value: Any, name: str) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, np.ndarray | np.generic | int | float | bool | list | tuple):
        return np.asarray(value)
    raise TypeError(f"buffer {name!r}: expected an ndarray (or Tensor, or None), got {type(value).__name__}")


def _misshaped_hint(misshaped: list[str]) -> str:
    """How to load the rest of a checkpoint when some entries (an old head) have other shapes."""
    if not misshaped:
        return ""
    return (f"; to load the other entries (e.g. a pre-trained body under a new head), leave these out: "
            f"model.load_state_dict({{k: v for k, v in state.items() if k not in {misshaped!r}}}, strict=False)")


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _numeric_array(x: Any) -> np.ndarray | None:
    """``x`` as an array of booleans or numbers, or None when it is not one (strings, objects, ragged lists)."""
    try:
        array = np.asarray(value(x))
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind in "biuf" else None


def _describe(x: Any) -> str:
    dtype = getattr(x, "dtype", None)
    return f"an array of dtype {dtype}" if dtype is not None else f"a {type(x).__name__}"


def _copy_into(target: np.ndarray, values: np.ndarray) -> None:
    """Overwrite ``target`` in place (as PyTorch does), so views and optimizer references stay valid."""
    np.copyto(target, np.asarray(values, dtype=target.dtype))
