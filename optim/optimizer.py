"""The base of every optimizer: parameter groups, per-parameter state, ``state_dict``.

An optimizer holds ``param_groups``, a list of dicts each with a ``"params"``
list and its own hyperparameters (``lr``, ``momentum``, ...), and ``state``, a
dict from parameter to that parameter's buffers (velocity, moments, step
count).  ``step()`` reads each parameter's ``.grad`` (a NumPy array) and updates
``param.data`` in place; a parameter whose ``.grad`` is None is skipped.

Names and arguments follow PyTorch (``torch.optim``), so that
``opt.zero_grad(); loss.backward(); opt.step()`` reads the same.  Subclasses
implement ``_update(param_data, grad, state, group)`` for one parameter and
``_check_group(group)`` for hyperparameter validation.

Updates are written with NumPy ufuncs and ``out=`` into scratch buffers owned
by the optimizer (one flat buffer per dtype and slot, reused for every
parameter), so a step allocates nothing after the first and its cost is the
NumPy arithmetic plus one Python loop over the parameters.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd_engine import Tensor, enable_grad
from autograd_engine.checks import check_bool, check_real
from autograd_engine.errors import CheckpointError, StateDictError

ParamsLike = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of leaf Tensors (e.g. ``model.parameters()``) or
    of dicts ``{"params": [...], "lr": ...}`` (parameter groups; keys missing
    from a group take the value in ``defaults``).  A parameter may appear in
    only one group.  As in PyTorch, a frozen parameter (``requires_grad=False``,
    e.g. after ``model.body.requires_grad_(False)``) may be passed: it gets no
    gradient, so ``step()`` skips it -- it does not move and gets no state --
    until it is unfrozen.  At least one parameter must require grad.
    """

    def __init__(self, params: ParamsLike, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._scratch: dict[tuple[str, int], np.ndarray] = {}
        name = type(self).__name__
        if isinstance(params, Tensor | np.ndarray):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (parameter groups), got a single "
                f"{type(params).__name__}; wrap it in a list: {name}([param], ...)"
            )
        if hasattr(params, "named_parameters"):
            raise TypeError(
                f"{name}: got the module {type(params).__name__} itself; pass its parameters: "
                f"{name}(model.parameters(), ...)"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters() or a list of Tensors")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)
        every = [p for group in self.param_groups for p in group["params"]]
        if every and not any(p.requires_grad for p in every):
            raise TypeError(
                f"{name}: none of the {len(every)} parameters requires grad (parameter 0, shape {every[0].shape}, "
                f"does not require grad), so step() would never change anything; optimize leaf Tensors created "
                f"with requires_grad=True, or unfreeze the layers to train (module.requires_grad_(True))"
            )

    # ----- groups -------------------------------------------------------------
    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], **hyperparameters}``; missing keys take the defaults.

        Raises TypeError for a parameter that is not a leaf Tensor, ValueError for a
        parameter already in another group or a bad hyperparameter.  A frozen parameter
        (``requires_grad=False``) is accepted and skipped by ``step()`` while its
        ``.grad`` is None, as in PyTorch.
        """
        name = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"{name}: parameter group {sorted(group)} has no 'params' key")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: parameter {i} of group {len(self.param_groups)} is a {type(p).__name__}, not a Tensor; "
                    f"optimizers update Tensors created with requires_grad=True (or nn.Parameter)"
                )
            if not p.is_leaf:
                raise TypeError(
                    f"{name}: parameter {i} (shape {p.shape}) is not a leaf (it was computed by an op); optimize "
                    f"leaf Tensors created with requires_grad=True (or nn.Parameter)"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: a parameter appears twice (in this group or in an earlier one); "
                             f"each parameter may belong to one group only")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid hyperparameter of ``group`` (subclasses extend)."""
        if "lr" in group:
            check_number(self, "lr", group["lr"], low=0.0)
        if "weight_decay" in group:
            check_number(self, "weight_decay", group["weight_decay"], low=0.0)
        if "eps" in group:
            check_number(self, "eps", group["eps"], low=0.0)
        if "maximize" in group:
            check_bool(group["maximize"], "maximize", type(self).__name__)

    # ----- the step -----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient before the next backward.

        ``set_to_none=True`` (PyTorch's default) forgets it, ``.grad = None``,
        which frees the array and lets ``step()`` skip parameters that received
        no gradient.  ``set_to_none=False`` writes zeros into the existing
        arrays in place, so they keep their identity (code holding a reference
        to ``p.grad`` sees the zeros); a parameter without a gradient stays None.
        A zeroed gradient is still a gradient: ``step()`` updates that parameter
        (momentum keeps moving it, Adam's step count advances), as in PyTorch.
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if one is given.

        ``closure`` re-evaluates the model and returns the loss (it is called
        with grad mode on, before the update); only LBFGS needs it.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p.data, grad, state, group)
                p.mark_modified()  # a graph recorded before the step must not be differentiated again
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Update ``param`` in place from ``grad``; ``state`` is this parameter's (mutable) state."""
        raise NotImplementedError

    def scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A reusable work array shaped and typed like ``like`` (contents undefined).

        One flat buffer per (dtype, slot) is kept, sized for the largest
        parameter of that dtype, and handed out as a view.
        """
        key = (like.dtype.str, slot)
        buffer = self._scratch.get(key)
        size = like.size
        if buffer is None or buffer.size < size:
            largest = max((p.size for g in self.param_groups for p in g["params"] if p.dtype == like.dtype), default=0)
            buffer = self._scratch[key] = np.empty(max(size, largest), dtype=like.dtype)
        return buffer[:size].reshape(like.shape)

    def _l2_gradient(self, x: np.ndarray, g: np.ndarray, weight_decay: float, maximize: bool = False) -> np.ndarray:
        """The gradient the update descends: ``g + weight_decay * x`` (L2 regularisation added to
        the gradient), or ``-g + weight_decay * x`` with ``maximize`` -- PyTorch negates the
        gradient first, so the objective is ascended while the decay still pulls the weights
        towards zero.  Written into scratch slot 1; ``g`` itself when there is nothing to add."""
        if not weight_decay and not maximize:
            return g
        out = self.scratch(x, slot=1)
        if not weight_decay:
            return np.negative(g, out=out)
        np.multiply(x, weight_decay, out=out)
        if maximize:
            out -= g
        else:
            out += g
        return out

    # ----- saving and restoring ---------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the optimizer's state, with parameters replaced by their index.

        ``{"type": class name, "state": {index: {name: value}}, "param_groups": [{..., "params":
        [indices]}]}``, indices counting parameters across groups in order, as PyTorch does.
        Arrays are copied, so training on does not change a saved dict.  ``type`` lets
        ``load_state_dict`` refuse another optimizer's state.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"type": type(self).__name__, "state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by ``state_dict()``.

        The optimizer must be of the same type (a state dict saved before the type was
        recorded is taken as it is) and built over parameters of the same shapes in the
        same groups; otherwise ``nn.StateDictError`` (a ``ValueError``) says what differs.
        A dict that is not an optimizer state dict at all (damaged or crafted) raises
        ``nn.CheckpointError``.  Nothing is changed unless everything fits.  Arrays are
        copied bit for bit and keep their saved dtype (float32 stays float32), so training
        resumes exactly.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}.load_state_dict: expected a mapping (the dict returned by "
                            f"optimizer.state_dict()), got {type(state_dict).__name__}")
        saved_type = state_dict.get("type")
        if saved_type is not None and saved_type != name:
            raise StateDictError(
                f"{name}.load_state_dict: the state dict was saved by {saved_type}, not {name}; {name} cannot take "
                f"{saved_type}'s hyperparameters and per-parameter state: load it into a {saved_type}(...)"
            )
        saved_groups, saved_state = _checked_layout(name, state_dict)
        if len(saved_groups) != len(self.param_groups):
            raise StateDictError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}; build the optimizer over the same groups"
            )
        by_index: dict[int, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise StateDictError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters in the saved state "
                    f"but {len(group['params'])} here"
                )
            by_index.update(zip(saved["params"], group["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for k, values in saved_state.items():
            p = by_index[k]
            for key, value in values.items():
                if isinstance(value, np.ndarray) and value.ndim > 0 and value.shape != p.shape and key in _SHAPED:
                    raise StateDictError(
                        f"{name}.load_state_dict: state {key!r} of parameter {k} has shape {value.shape}, "
                        f"but the parameter has shape {p.shape}"
                    )
            new_state[p] = copy.deepcopy(dict(values))
        restored = []
        for saved, group in zip(saved_groups, self.param_groups):
            merged = {**group, **{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}}
            self._check_group(merged)
            restored.append(merged)
        for group, merged in zip(self.param_groups, restored):
            group.update(merged)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


# State entries that have the parameter's shape (checked by load_state_dict).
_SHAPED = {"velocity", "sum", "square_avg", "grad_avg", "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}


def _checked_layout(name: str, state_dict: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], dict[int, Mapping]]:
    """The parameter groups and the per-parameter state of an optimizer state dict, with the state
    keyed by int index; ``nn.CheckpointError`` unless they have the layout ``state_dict()`` writes
    (groups listing distinct integer indices, state only for listed indices)."""

    def malformed(what: str) -> CheckpointError:
        return CheckpointError(f"{name}.load_state_dict: not a valid optimizer state dict (damaged, or not made "
                               f"by Optimizer.state_dict()): {what}")

    groups, state = state_dict.get("param_groups"), state_dict.get("state")
    if not isinstance(groups, list | tuple) or not all(isinstance(g, Mapping) for g in groups):
        raise malformed(f"'param_groups' must be a list of dicts, got {type(groups).__name__}")
    if not isinstance(state, Mapping):
        raise malformed(f"'state' must be a dict, got {type(state).__name__}")
    listed: list[Any] = []
    for group in groups:
        if not isinstance(group.get("params"), list | tuple):
            raise malformed("every parameter group needs a 'params' list of indices")
        listed.extend(group["params"])
    indices = set(listed)
    if not all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in listed) or len(indices) != len(listed):
        raise malformed("the groups' 'params' must list distinct integer indices")
    by_index: dict[int, Mapping] = {}
    for key, values in state.items():
        index = int(key) if isinstance(key, str) and key.isdigit() else key
        if not (isinstance(index, int | np.integer) and index in indices):
            raise malformed(f"'state' has an entry for parameter {key!r}, which no group lists")
        if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
            raise malformed(f"the state of parameter {key!r} must be a dict with string keys")
        by_index[index] = values
    return list(groups), by_index


def check_number(
    owner: Any,
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    high_open: bool = False,
) -> float:
    """``value`` as a float, checked to be a finite number with ``low <= value <= high`` (``< high`` if
    ``high_open``); the errors name ``owner``'s class: TypeError for a non-number (a string, a bool),
    ValueError for NaN, inf or a value outside the interval (see ``autograd_engine.checks.check_real``)."""
    return check_real(value, name, type(owner).__name__, low=low, high=high, high_open=high_open)
