"""The backward pass: nodes in reverse recording order without recursion, ``+=`` at forks, release as we go.

``run_backward`` runs the nodes reachable from the roots latest first -- by their tick (see
``tensor.next_tick``), which orders every node after the nodes of its inputs, so that a tensor's
gradient is complete when its node runs -- hands each node that gradient, and accumulates what the
node returns for its inputs.  Pending gradients are popped as their node runs and each node is
released right after (unless ``retain_graph``), so memory falls during the pass; a released node
keeps what drawing the graph afterwards needs (see :mod:`autograd_engine.skeleton`).  The user's
entry points, ``x.backward()`` and ``ae.grad()``, are in :mod:`autograd_engine.autodiff`.

Gradient arrays are never aliased: a gradient the engine did not allocate itself (an upstream array
a rule passes through unchanged, or a view of one) is copied before anything is added into it or it
is stored in ``.grad``.
"""
from __future__ import annotations

from collections.abc import Sequence
from heapq import heapify, heappop, heappush, heappushpop
from typing import Any

import numpy as np

from . import skeleton
from .anomaly import anomaly_in_rule, check_finite
from .broadcasting import conformed_gradient
from .errors import (
    AnomalyError,
    freed_error,
    hook_shape_error,
    modified_error,
    not_differentiable_twice_error,
)
from .grad_mode import this_thread
from .tensor import Tensor, grad_lock
from .user_primitives import declared_in_engine

_UNSEEN = object()
"""A pending gradient's default: the tensor has not been reached (None: reached, no gradient yet)."""


def run_backward(roots: Sequence[Tensor], seeds: Sequence[Any], retain_graph: bool, create_graph: bool,
                 target_ids: set[int] | None = None, useful: set[Tensor] | None = None) -> dict[int, Any]:
    """Propagate ``seeds`` from ``roots`` through the graph.

    Without ``target_ids``: accumulate into the ``.grad`` of leaves (and of non-leaves that called
    ``retain_grad``).  With ``target_ids`` (the ``id()`` of the tensors ``grad()`` differentiates for)
    and ``useful`` (the tensors from which one of them can be reached): only that part of the graph
    runs, and ``{id(target): gradient}`` is returned, every ``.grad`` left alone.
    """
    # Keyed by the tensors themselves: they hash by identity, and those hashes spread evenly in a dict
    # where id() values -- aligned addresses -- collide in the low bits.
    found: dict[int, Any] = {}
    pending: dict[Tensor, Any] = {}
    owned: set[Tensor] = set()  # tensors whose pending gradient the engine allocated (safe to += in place)
    leaves: dict[Tensor, None] = {}  # an ordered set
    for root, seed in zip(roots, seeds):
        seed = conformed_gradient(None, root, seed, create_graph)
        previous = pending.get(root)
        if previous is not None:  # a root given twice: its seeds add
            seed = previous + seed if create_graph else np.asarray(previous + seed)
        pending[root] = seed
        if root._node is None:
            leaves[root] = None
    for_grad = target_ids is not None
    keeps_values = not retain_graph and not for_grad  # while within the drawing budget (see skeleton.py)
    unspent = skeleton.DRAW_BUDGET
    node_bytes = skeleton.NODE_BYTES
    keep = skeleton.outliner(useful) if for_grad and not retain_graph else None
    ready = [(-r._node.tick, id(r), r) for r in dict.fromkeys(roots) if r._node is not None and (useful is None or r in useful)]
    heapify(ready)  # latest node first; id() breaks a tie (copies of a tensor share its node) before tensors are compared
    mode = this_thread.mode
    anomaly = mode.anomaly
    ndarray = np.ndarray  # a local: the loop below is the hot path
    last_update = Tensor._last_update
    grad_was_enabled = mode.grad_enabled
    mode.grad_enabled = create_graph  # the rules are recorded only under create_graph
    following = None  # the first tensor the last node queued: it runs next, skipping the heap, unless a later one waits there
    try:
        while following is not None or ready:
            if following is None:
                tensor = heappop(ready)[2]
            else:  # it runs next unless a later node waits in the heap
                tensor = heappushpop(ready, (-following._node.tick, id(following), following))[2] if ready else following
                following = None
            g = pending.pop(tensor, None)
            owned.discard(tensor)
            node = tensor._node
            inputs = node.inputs
            needs = node.needs_grad
            if useful is not None:  # grad(): the gradients that lead to no target are dropped
                needs = None if inputs is None else _needs_towards(inputs, needs, useful)
                if needs is None:  # no target below this tensor: deliver its gradient, leave its node alone
                    if g is not None:
                        _deliver(tensor, g, target_ids, found, create_graph)
                    continue
            if inputs is None:
                raise freed_error(node)
            if node.tick < last_update:  # something was updated in place since: one of these?
                for role, t in (("its output", tensor), *((f"input {i}", x) for i, x in enumerate(inputs))):
                    if isinstance(t, Tensor) and t._version is not None and t._version[0] > node.tick:
                        raise modified_error(node, role, t.shape)
            if g is not None and (for_grad or tensor._hooks or tensor._retain_grad):
                g = _deliver(tensor, g, target_ids, found, create_graph)
            if g is None:
                grads = (None,) * len(inputs)  # no gradient reached this tensor
            elif create_graph:
                if not node.differentiable_twice:
                    raise not_differentiable_twice_error(node, declared_in_engine(type(node)))
                try:
                    grads = node.backward(g, tensor, *inputs)
                except AnomalyError as error:  # an op of the recorded rule: name the rule's node
                    raise anomaly_in_rule(node, error) from None
            elif node.adds_into_input and needs[0]:  # into the input's pending gradient, in place
                x = inputs[0]
                if x._node is None:
                    leaves[x] = None
                elif x not in pending:
                    heappush(ready, (-x._node.tick, id(x), x))
                node.add_gradient_into(g, _owned_pending(pending, owned, x))
                grads = (None,)
            else:
                arrays = node.input_arrays  # one or two passed by hand: a call with *arrays costs more than a small rule
                count = len(arrays)
                if count == 2:
                    grads = node.backward(g, tensor.data, arrays[0], arrays[1])
                elif count == 1:
                    grads = node.backward(g, tensor.data, arrays[0])
                else:
                    grads = node.backward(g, tensor.data, *arrays)
            if anomaly:
                for gx, needed in zip(grads, needs):
                    if needed and gx is not None:
                        check_finite(gx, node, "gradient for an input")
            for x, needed, gx in zip(inputs, needs, grads):  # accumulate; a computed input's node is queued once
                if not needed:  # a constant, or a tensor that does not require grad
                    if keeps_values:  # a skeleton that keeps the inputs keeps it
                        unspent -= x.data.nbytes if isinstance(x, Tensor) else x.nbytes if type(x) is ndarray else 0
                    continue
                if gx is None:  # no gradient for it: its node still runs (to be released), unless it is a leaf
                    if x not in pending and x._node is not None:
                        pending[x] = None
                        heappush(ready, (-x._node.tick, id(x), x))
                    continue
                data = x.data  # += at forks, in place into an array the engine allocated (inline: the hot path)
                if create_graph or type(gx) is not ndarray or gx.shape != data.shape or gx.dtype is not data.dtype:
                    gx = conformed_gradient(node, x, gx, create_graph)
                    if anomaly:  # summed back (a float16 sum may overflow), cast, or a NumPy scalar made an array
                        check_finite(gx, node, "gradient for an input")
                previous = pending.get(x, _UNSEEN)
                if previous is _UNSEEN or previous is None:
                    pending[x] = gx
                    if x._node is None:
                        leaves[x] = None
                        if not create_graph and gx.base is None and not _borrowed(gx, g, tensor, node):
                            owned.add(x)  # allocated by the rule: .grad may keep it without a copy
                    elif previous is _UNSEEN and following is None:
                        following = x
                    elif previous is _UNSEEN:
                        heappush(ready, (-x._node.tick, id(x), x))
                elif x in owned:  # (never under create_graph)
                    previous += gx
                elif create_graph:
                    pending[x] = previous + gx
                else:  # a non-leaf's second gradient, or a borrowed one: out of place, into an array then owned
                    pending[x] = np.asarray(previous + gx)  # asarray: 0-d sums come back as NumPy scalars
                    owned.add(x)
            if not retain_graph:  # release the node, keeping what drawing it afterwards needs
                if keeps_values:  # inline, spending the budget: the hot path
                    node.skeleton = inputs, g, None
                    unspent -= 2 * tensor.data.nbytes + node_bytes
                elif keep is not None:
                    keep(node, tensor, inputs, needs)
                if node.releases_more:
                    node.release()
                else:  # Primitive.release, inline: the hot path
                    node.inputs = node.input_arrays = node.saved = None
                if unspent < 0 and keeps_values:  # past the budget: what the nodes so far kept is converted
                    keeps_values, keep = False, skeleton.past_budget(roots)
            grads = None  # a broadcasting rule's output-shaped gradients: not alive while the next rule runs
        for leaf in leaves:
            g = pending.pop(leaf, None)
            if g is not None:
                _deliver(leaf, g, target_ids, found, create_graph, is_leaf=True, fresh=leaf in owned)
    finally:
        mode.grad_enabled = grad_was_enabled
    return found


def _deliver(tensor: Tensor, g: Any, target_ids: set[int] | None, found: dict[int, Any], create_graph: bool,
             is_leaf: bool = False, fresh: bool = False) -> Any:
    """Run the tensor's hooks on its complete gradient, then record it where it belongs: in ``found``
    for ``grad()``, in ``.grad`` for leaves and retained non-leaves."""
    if tensor._hooks:
        fresh = False  # a hook may keep the array it saw: .grad gets a copy of its own
        for hook in list(tensor._hooks):
            replaced = hook(g)
            if replaced is not None:
                g = _hook_result(tensor, hook, replaced, create_graph)
    if target_ids is not None:
        if id(tensor) in target_ids:
            found[id(tensor)] = g
    elif is_leaf or tensor._retain_grad:
        add_to_grad(tensor, g.data if isinstance(g, Tensor) else g, owned=fresh and is_leaf)
    return g


def add_to_grad(tensor: Tensor, g: np.ndarray, owned: bool) -> None:
    """Accumulate ``g`` into ``tensor.grad`` under the tensor's lock; ``g`` itself is stored only when owned."""
    with grad_lock(tensor):
        if tensor._grad is None:
            tensor._grad = g if owned else np.array(g, copy=True)
        else:
            tensor._grad = np.asarray(tensor._grad + g)


def _hook_result(tensor: Tensor, hook: Any, replaced: Any, create_graph: bool) -> Any:
    """The gradient a hook returned, checked: the tensor's shape, and its dtype."""
    if isinstance(replaced, Tensor) and not create_graph:
        replaced = replaced.data
    if np.shape(replaced) != tensor.shape:
        raise hook_shape_error(hook, np.shape(replaced), tensor.shape)
    if isinstance(replaced, Tensor):
        return replaced if replaced.dtype == tensor.dtype else replaced.astype(tensor.dtype)
    return np.asarray(replaced, dtype=tensor.dtype)


def _borrowed(gx: np.ndarray, g: np.ndarray, out: Tensor, node: Any) -> bool:
    """True when the rule handed back an array it was given (its output's gradient or value, or an
    input's array) rather than one it allocated: the engine must never add into those in place."""
    if gx is g or gx is out.data:
        return True
    for a in node.input_arrays:  # a plain loop: a generator here costs more than the rest of the check
        if gx is a:
            return True
    return False


def _owned_pending(pending: dict[Tensor, Any], owned: set[Tensor], x: Tensor) -> np.ndarray:
    """The pending gradient of ``x`` as an array the engine owns (zeros, or a copy), to add into in place."""
    target = pending.get(x)
    if target is None:
        target = pending[x] = np.zeros(x.shape, dtype=x.dtype)
    elif x not in owned:
        target = pending[x] = np.array(target, dtype=x.dtype, copy=True)
    owned.add(x)
    return target


def _needs_towards(inputs: Any, needs: tuple[bool, ...], useful: set[Tensor]) -> tuple[bool, ...] | None:
    """``needs`` narrowed to the inputs that lead to a target, or None when none does.  (A rule computes
    every gradient its node recorded as needed: narrowing the shared node's needs_grad would not be
    thread-safe.)"""
    narrowed = tuple(needed and x in useful for x, needed in zip(inputs, needs))
    return narrowed if any(narrowed) else None
