"""Random graphs built in the engine and in a tiny scalar reference engine must agree.

A Hypothesis state machine keeps a pool of tensors.  Each step creates a leaf,
applies an op (unary, binary with broadcasting and Python constants on either
side, reduction, reshape/transpose/indexing), forks a value into itself, flips
grad mode, detaches, retains a non-leaf's gradient, clears a gradient, or runs
``backward``/``grad`` (with or without ``retain_graph``) from a random tensor
with a random upstream gradient.  Every op is mirrored in ``Value``, a
micrograd-like scalar engine (float64, one object per element, the graph
ordered by creation), and after each step the machine demands that values,
``requires_grad``/``is_leaf`` and every ``.grad`` agree.  A backward through a
graph an earlier backward freed must raise ``GraphFreedError`` -- and change
nothing.

0-d tensors are drawn often: NumPy's 0-d arithmetic returns immutable scalars,
which once broke accumulation at forks.
"""
from __future__ import annotations

import itertools
import math
import re

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import event, settings
from hypothesis.extra.numpy import arrays
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

import autograd_engine as ae

# ----- the reference engine: one Value per scalar -------------------------------

_creation = itertools.count()


class Value:
    """A float64 scalar that remembers its parents and the local derivative towards each."""

    __slots__ = ("data", "parents", "order")

    def __init__(self, data: float, parents: tuple = ()) -> None:
        self.data = float(data)
        self.parents = parents  # ((parent, d self / d parent), ...)
        self.order = next(_creation)  # inputs are always created before outputs

    def __add__(self, other):
        other = lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    __radd__ = __add__

    def __mul__(self, other):
        other = lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    __rmul__ = __mul__

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),))

    def __sub__(self, other):
        other = lift(other)
        return Value(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return lift(other) - self

    def __truediv__(self, other):
        other = lift(other)
        return Value(self.data / other.data, ((self, 1 / other.data), (other, -self.data / other.data**2)))

    def __rtruediv__(self, other):
        return lift(other) / self

    def identity(self):
        return Value(self.data, ((self, 1.0),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1 - t * t),))

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return Value(s, ((self, s * (1 - s)),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),))

    def sin(self):
        return Value(math.sin(self.data), ((self, math.cos(self.data)),))

    def relu(self):  # relu'(0) = 0
        return Value(max(self.data, 0.0), ((self, float(self.data > 0)),))

    def abs(self):  # abs'(0) = 0
        return Value(abs(self.data), ((self, float(np.sign(self.data))),))

    def maximum(self, other):  # ties split 0.5 / 0.5
        share = 1.0 if self.data > other.data else 0.0 if self.data < other.data else 0.5
        return Value(max(self.data, other.data), ((self, share), (other, 1 - share)))


def lift(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def reference_gradients(seeds: list[tuple[Value, float]]) -> dict[int, float]:
    """d(sum of seed * root)/d(every Value reachable from the roots), keyed by id."""
    reachable: dict[int, Value] = {}
    stack = [v for v, _ in seeds]
    while stack:
        v = stack.pop()
        if id(v) not in reachable:
            reachable[id(v)] = v
            stack.extend(p for p, _ in v.parents)
    grads = dict.fromkeys(reachable, 0.0)
    for v, s in seeds:
        grads[id(v)] += s
    for v in sorted(reachable.values(), key=lambda v: -v.order):
        for parent, local in v.parents:
            grads[id(parent)] += grads[id(v)] * local
    return grads


def elementwise(fn, *arrays: np.ndarray) -> np.ndarray:
    """Apply ``fn`` to broadcast object arrays of Values, one new Value per element."""
    parts = np.broadcast_arrays(*arrays)
    out = np.empty(parts[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = fn(*(p[index] for p in parts))
    return out


def values_of(ref: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: v.data, otypes=[np.float64])(ref).reshape(ref.shape)


# ----- the machine -----------------------------------------------------------------

SHAPES = [(), (), (3,), (1, 3), (2, 1), (2, 3)]  # 0-d twice: forks of 0-d values matter most
small_floats = st.floats(-2, 2, allow_nan=False, width=64).map(lambda v: round(v, 3))
constants = st.sampled_from([-1.5, -0.5, 0.25, 2.0, 3.0])


class Record:
    """A tensor of the engine beside its reference twin and what the engine should say about it."""

    def __init__(self, tensor, ref, inputs, requires_grad):
        self.t = tensor
        self.ref = ref  # object array of Values, same shape
        self.inputs = inputs  # records this one was computed from, if the op was recorded
        self.requires_grad = requires_grad
        self.grad = None  # the expected .grad
        self.retained = False
        self.freed = False

    def __repr__(self):
        return f"Record(shape={self.t.shape}, requires_grad={self.requires_grad}, leaf={not self.inputs})"


UNARY = {
    "negative": (lambda t: -t, lambda v: -v),
    "tanh": (ae.tanh, Value.tanh),
    "sigmoid": (lambda t: t.sigmoid(), Value.sigmoid),
    "sin": (ae.sin, Value.sin),
    "relu": (lambda t: t.relu(), Value.relu),
    "abs": (abs, Value.abs),
    "exp": (lambda t: t.exp(), Value.exp),
}

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "subtract": (ae.subtract, lambda a, b: a - b),
    "multiply": (lambda a, b: a * b, lambda a, b: a * b),
    "divide": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (ae.maximum, Value.maximum),
}

WITH_CONSTANT = {
    "c*x": (lambda t, c: c * t, lambda v, c: c * v),
    "x+c": (lambda t, c: t + c, lambda v, c: v + c),
    "c-x": (lambda t, c: c - t, lambda v, c: c - v),
    "x/c": (lambda t, c: t / c, lambda v, c: v / c),
    "c/x": (lambda t, c: c / t, lambda v, c: c / v),
    "array*x": (lambda t, c: np.full(t.shape, c) * t, lambda v, c: c * v),  # ndarray on the left
}


class GraphMachine(RuleBasedStateMachine):
    tensors = Bundle("tensors")

    def __init__(self):
        super().__init__()
        self.records: list[Record] = []
        self.grad_enabled = True
        self.no_grad_left = 0  # ops still to run under no_grad
        self.largest_graph = 0

    # ----- helpers ------------------------------------------------------------------
    def mode(self):
        """The grad mode of the next op: off while a no_grad stretch lasts, else on."""
        self.grad_enabled = not self.no_grad_left
        if self.no_grad_left:
            self.no_grad_left -= 1
            return ae.no_grad() if self.no_grad_left % 2 else ae.set_grad_enabled(False)
        return ae.enable_grad()

    def new(self, tensor, ref, inputs, grad_enabled=None):
        for r in inputs:
            if tensor is r.t:  # e.g. reshape to the same shape returns its input
                return r
        grad_enabled = self.grad_enabled if grad_enabled is None else grad_enabled
        recorded = grad_enabled and any(r.requires_grad for r in inputs)
        record = Record(tensor, ref, tuple(inputs) if recorded else (), recorded)
        if not recorded:  # the reference sees a constant: its Values forget their parents
            record.ref = elementwise(lambda v: Value(v.data), ref)
        self.records.append(record)
        assert tensor.shape == ref.shape
        return record

    def keep(self, record):
        """Add to the pool unless values got so large that float64 rounding would dominate."""
        if np.all(np.abs(record.t.data) < 1e3):
            return record
        return multiple()

    def reachable(self, root):
        seen, stack = {}, [root]
        while stack:
            r = stack.pop()
            if id(r) not in seen:
                seen[id(r)] = r
                stack.extend(r.inputs)
        return list(seen.values())

    # ----- creating ---------------------------------------------------------------
    @initialize(target=tensors, value=small_floats)
    def scalar_leaf(self, value):
        tensor = ae.Tensor(np.float64(value), requires_grad=True)
        record = self.new(tensor, elementwise(Value, np.array(value)), [])
        record.requires_grad = True
        return record

    @initialize(target=tensors, data=st.data(), shape=st.sampled_from(SHAPES[2:]))
    def array_leaf(self, data, shape):
        return self.leaf(data, shape, requires_grad=True)

    @rule(target=tensors, data=st.data(), shape=st.sampled_from(SHAPES), requires_grad=st.sampled_from([True, True, False]))
    def leaf(self, data, shape, requires_grad):
        array = data.draw(arrays(np.float64, shape, elements=small_floats))
        record = self.new(ae.Tensor(array, requires_grad=requires_grad), elementwise(Value, array), [])
        record.requires_grad = requires_grad  # a leaf requires grad whatever the grad mode
        return record

    # ----- ops ----------------------------------------------------------------------
    @rule(target=tensors, x=tensors, name=st.sampled_from(sorted(UNARY)))
    def unary(self, x, name):
        engine_fn, ref_fn = UNARY[name]
        if name == "exp" and np.abs(x.t.data).max(initial=0) > 5:
            return multiple()
        with self.mode():
            out = engine_fn(x.t)
        return self.keep(self.new(out, elementwise(ref_fn, x.ref), [x]))

    @rule(target=tensors, a=tensors, b=tensors, name=st.sampled_from(sorted(BINARY)))
    def binary(self, a, b, name):
        engine_fn, ref_fn = BINARY[name]
        try:
            np.broadcast_shapes(a.t.shape, b.t.shape)
        except ValueError:
            with pytest.raises(ae.ShapeError, match=".*".join(map(re.escape, [name, str(a.t.shape), str(b.t.shape)]))):
                engine_fn(a.t, b.t)
            return multiple()
        if name == "divide" and np.abs(b.t.data).min(initial=1) < 0.25:
            return multiple()
        with self.mode():
            out = engine_fn(a.t, b.t)
        return self.keep(self.new(out, elementwise(ref_fn, a.ref, b.ref), [a, b]))

    @rule(target=tensors, x=tensors, name=st.sampled_from(sorted(WITH_CONSTANT)), c=constants)
    def with_constant(self, x, name, c):
        engine_fn, ref_fn = WITH_CONSTANT[name]
        if name == "c/x" and np.abs(x.t.data).min(initial=1) < 0.25:
            return multiple()
        with self.mode():
            out = engine_fn(x.t, c)
        return self.keep(self.new(out, elementwise(lambda v: ref_fn(v, c), x.ref), [x]))

    @rule(target=tensors, x=tensors, times=st.integers(2, 4))
    def fork(self, x, times):
        """x + x * x + ...: one value consumed several times by one expression."""
        with self.mode():
            out = x.t
            for _ in range(times - 1):
                out = out * x.t + x.t
        ref = x.ref
        for _ in range(times - 1):
            ref = elementwise(lambda r, v: r * v + v, ref, x.ref)
        # the intermediate products are not in the pool; the record depends on x only
        return self.keep(self.new(out, ref, [x]))

    @rule(target=tensors, x=tensors, how=st.sampled_from(["all", "first", "last", "keepdims", "mean"]))
    def reduce(self, x, how):
        ndim = x.t.ndim
        with self.mode():
            if how == "all" or ndim == 0:
                out, ref = x.t.sum(), np.array(sum(x.ref.flat, Value(0.0)), dtype=object)
            elif how == "mean":
                out = ae.mean(x.t, axis=-1)
                ref = elementwise(lambda v: v * (1.0 / x.t.shape[-1]), np.asarray(np.sum(x.ref, axis=-1), dtype=object))
            else:
                axis = 0 if how == "first" else ndim - 1
                keepdims = how == "keepdims"
                out = x.t.sum(axis=axis, keepdims=keepdims)
                ref = np.sum(x.ref, axis=axis, keepdims=keepdims)
        ref = elementwise(Value.identity, np.asarray(ref, dtype=object))
        return self.new(out, ref, [x])

    @rule(target=tensors, x=tensors, how=st.sampled_from(["T", "ravel", "index", "fancy", "broadcast"]))
    def move(self, x, how):
        """Shape ops whose gradients are views or scatters: transpose, reshape, indexing, broadcast."""
        with self.mode():
            if how == "T":
                out, ref = x.t.T, x.ref.T
            elif how == "ravel":
                out, ref = x.t.reshape(-1), x.ref.reshape(-1)
            elif how == "index" and x.t.ndim:
                out, ref = x.t[..., -1], x.ref[..., -1]
            elif how == "fancy" and x.t.ndim:
                picks = np.array([0, 0, x.t.shape[0] - 1])  # a repeated index accumulates
                out, ref = x.t[picks], x.ref[picks]
            elif how == "broadcast" and x.t.shape in SHAPES:
                out, ref = ae.broadcast_to(x.t, (2, 3)), np.broadcast_to(x.ref, (2, 3))
            else:
                return multiple()
        return self.new(out, elementwise(Value.identity, ref), [x])

    @rule(target=tensors, x=tensors)
    def detach(self, x):
        record = self.new(x.t.detach(), x.ref, [])
        assert record.t.is_leaf and not record.t.requires_grad
        assert np.shares_memory(record.t.data, x.t.data)
        return record

    # ----- grad mode, grads ------------------------------------------------------------
    @rule(steps=st.integers(1, 3))
    def no_grad_stretch(self, steps):
        """The next ``steps`` ops run under no_grad (or set_grad_enabled(False)): they record nothing."""
        self.no_grad_left = steps

    @precondition(lambda self: any(r.inputs and not r.retained for r in self.records))
    @rule(data=st.data())
    def retain_grad(self, data):
        record = data.draw(st.sampled_from([r for r in self.records if r.inputs and not r.retained]))
        record.t.retain_grad()
        record.retained = True

    @rule(x=tensors)
    def zero_grad(self, x):
        x.t.zero_grad()
        x.grad = None

    def draw_seed(self, data, root):
        use_default = root.t.size == 1 and data.draw(st.booleans(), label="implicit seed")
        if use_default:
            return None, np.ones(root.t.shape)
        seed = data.draw(arrays(np.float64, root.t.shape, elements=small_floats), label="seed")
        return seed, seed

    @rule(root=tensors, data=st.data(), retain_graph=st.sampled_from([True, True, False]))
    def backward(self, root, data, retain_graph):
        seed, seed_values = self.draw_seed(data, root)
        self.run_backward(root, seed, seed_values, retain_graph)

    @rule(data=st.data(), retain_graph=st.sampled_from([True, True, False]))
    def backward_through_everything(self, data, retain_graph):
        """loss = sum of w_i * x_i over every live tensor: each one now feeds the loss and its consumers."""
        live = self.live()
        weights = [data.draw(arrays(np.float64, r.t.shape, elements=small_floats), label="weights") for r in live]
        self.weighted_loss_backward(live, weights, retain_graph)

    def live(self):
        return [r for r in self.records if r.requires_grad and not any(g.freed for g in self.reachable(r))]

    def weighted_loss_backward(self, live, weights, retain_graph):
        if not live:
            return
        with ae.enable_grad():
            loss = sum(((w * r.t).sum() for w, r in zip(weights, live)), ae.Tensor(np.float64(0)))
        products = [elementwise(lambda v, c: v * float(c), r.ref, w) for w, r in zip(weights, live)]
        ref = sum((sum(p.flat, Value(0.0)) for p in products), Value(0.0))
        loss_record = self.new(loss, np.array(ref, dtype=object), live, grad_enabled=True)
        self.run_backward(loss_record, None, np.ones(()), retain_graph)

    def run_backward(self, root, seed, seed_values, retain_graph):
        if not root.requires_grad:
            with pytest.raises(RuntimeError, match="does not require grad"):
                root.t.backward(seed)
            return
        graph = self.reachable(root)
        if any(r.freed for r in graph):
            event("backward through a freed graph")
            with pytest.raises(ae.GraphFreedError, match="retain_graph=True"):
                root.t.backward(seed, retain_graph=retain_graph)
            return  # and nothing changed: the invariant checks every .grad
        self.largest_graph = max(self.largest_graph, len(graph))
        seed_before = None if seed is None else seed.copy()
        root.t.backward(seed, retain_graph=retain_graph)
        if seed is not None:
            np.testing.assert_array_equal(seed, seed_before)  # backward never writes into its input
        grads = reference_gradients(list(zip(root.ref.flat, seed_values.flat)))
        for r in graph:
            if (r.requires_grad and not r.inputs) or r.retained:
                g = elementwise(lambda v: grads.get(id(v), 0.0), r.ref).astype(np.float64)
                r.grad = g if r.grad is None else r.grad + g
                assert seed is None or not np.shares_memory(r.t.grad, seed), f"{r}.grad aliases the upstream gradient"
            if r.inputs and not retain_graph:
                r.freed = True

    @rule(root=tensors, data=st.data())
    def grad(self, root, data):
        """``ae.grad`` returns d root / d (some tensors) and leaves every .grad alone."""
        if not root.requires_grad:
            return
        graph = self.reachable(root)
        if any(r.freed for r in graph):
            return
        wanted = [r for r in self.records if r.requires_grad]
        chosen = data.draw(st.lists(st.sampled_from(wanted), min_size=1, max_size=4, unique_by=id), label="inputs")
        seed, seed_values = self.draw_seed(data, root)
        results = ae.grad(root.t, [r.t for r in chosen], grad_outputs=seed, retain_graph=True, allow_unused=True)
        grads = reference_gradients(list(zip(root.ref.flat, seed_values.flat)))
        in_graph = {id(r) for r in graph}
        for r, result in zip(chosen, results):
            if id(r) not in in_graph:
                assert result is None, f"{r} is not used by the root but got a gradient"
                continue
            expected = elementwise(lambda v: grads.get(id(v), 0.0), r.ref).astype(np.float64)
            assert isinstance(result, ae.Tensor) and not result.requires_grad
            np.testing.assert_allclose(result.data, expected, rtol=1e-9, atol=1e-9)
        arrays_out = [g.data for g in results if g is not None]
        for i, a in enumerate(arrays_out):
            assert seed is None or not np.shares_memory(a, seed)
            assert not any(np.shares_memory(a, b) for b in arrays_out[i + 1 :])

    def teardown(self):
        """Whatever the steps were, end with one backward through every live tensor, then check."""
        rng = np.random.default_rng(len(self.records))
        live = self.live()
        self.weighted_loss_backward(live, [rng.uniform(-2, 2, r.t.shape).round(3) for r in live], False)
        self.engine_agrees_with_reference()
        self.gradients_never_alias()
        event(f"largest graph differentiated: {self.largest_graph // 10 * 10}+ tensors")

    # ----- what must hold after every step ----------------------------------------------
    @invariant()
    def engine_agrees_with_reference(self):
        for r in self.records:
            assert r.t.requires_grad == r.requires_grad, r
            assert r.t.is_leaf == (not r.inputs), r
            np.testing.assert_allclose(r.t.data, values_of(r.ref), rtol=1e-12, atol=1e-12)
            if r.grad is None:
                assert r.t.grad is None, f"{r}: expected no gradient, got {r.t.grad}"
            else:
                assert isinstance(r.t.grad, np.ndarray) and r.t.grad.shape == r.t.shape, r
                assert r.t.grad.dtype == r.t.dtype
                np.testing.assert_allclose(r.t.grad, r.grad, rtol=1e-9, atol=1e-9)

    @invariant()
    def gradients_never_alias(self):
        owners = [r for r in self.records if r.t.grad is not None]
        for i, r in enumerate(owners):
            for other in self.records:
                assert not np.shares_memory(r.t.grad, other.t.data), f"{r}.grad shares memory with a tensor's data"
            for other in owners[i + 1 :]:
                assert not np.shares_memory(r.t.grad, other.t.grad), f"{r}.grad shares memory with {other}.grad"


GraphMachine.TestCase.settings = settings(settings(), stateful_step_count=50)
TestRandomGraphs = GraphMachine.TestCase
