"""Property tests of every primitive: forward against NumPy, gradient against finite differences.

For each registered primitive, :data:`SPECS` maps its name to one or more *variants*;
a variant is a Hypothesis strategy that draws a :class:`Case` -- an engine function of
some float64 arrays, the NumPy reference of the same function, and the arrays (shapes
drawn with 0-d, size-1 axes, broadcasting and, where the op allows, zero-size axes).
Every variant runs ``test_primitive``, which makes three checks on each drawn case:

- forward: values, shape and dtype against NumPy, in float64 and float32;
- gradient: the analytic gradient against the centred numerical one (float64, random
  upstream gradient, no kink straddled) -- :func:`autograd_engine.testing.assert_gradients_match`;
- second order: the gradient of the gradient of ``f(x) * f(x)`` (via
  ``grad(..., create_graph=True)``) against finite differences of the first gradient along
  one random direction -- :func:`autograd_engine.testing.assert_second_order_gradients_match`.

:data:`COMPOSED` does the same for ops composed of primitives (var, std, squeeze, ...).

Coverage convention
-------------------
``test_every_primitive_has_a_property_test`` fails when a registered primitive has no
entry in :data:`SPECS`, unless another test module declares it at module level::

    PROPERTY_TESTED = {"conv2d", "max_pool2d"}   # a literal set of primitive names

The declaring module must itself run gradient checks on them (it must call ``gradcheck``,
``assert_gradients_match`` or ``properties.check_case``; the coverage test reads the file to make sure).  The
coverage test also fails for stale names (in SPECS or declared, but not registered).
Tests must never register named primitives of their own (use ``name = ""``).
"""
from __future__ import annotations

import ast
import importlib
import math
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import helpers
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import (
    NONEMPTY_SHAPES,
    SEEDS,
    SHAPES,
    SHAPES_WITH_ZERO,
    Case,
    binary,
    check_case,
    distinct_binary,
    in_longdouble,
    quiet,
    reduction,
    unary,
    variants,
)

# ----- building blocks ---------------------------------------------------------------------------


def naive_logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def naive_softmax(x, axis):
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def naive_log_softmax(x, axis):
    return np.log(naive_softmax(x, axis))


# ----- elementwise ----------------------------------------------------------------------------------


@st.composite
def power_int_exponent(draw):
    shape = draw(SHAPES)
    k = draw(st.sampled_from([-2, -1, 0, 1, 2, 3]))
    x = draw(aet.arrays(shape, kinks=(0.0,), margin=0.3))  # negative bases: integer powers are real
    return Case(lambda t: t**k, lambda a: np.power(a, k), (x,), f"x ** {k}")


@st.composite
def power_float_exponent(draw):
    shape = draw(SHAPES)
    p = draw(st.floats(-2.5, 2.5))
    x = draw(aet.arrays(shape, min_value=0.2, max_value=3.0))
    return Case(lambda t: t**p, lambda a: np.power(a, p), (x,), f"x ** {p}")


@st.composite
def power_scalar_base(draw):
    shape = draw(SHAPES)
    base = draw(st.floats(0.3, 3.0))
    x = draw(aet.arrays(shape, min_value=-2.0, max_value=2.0))
    return Case(lambda t: base**t, lambda a: np.power(base, a), (x,), f"{base} ** x")


@st.composite
def power_negative_base_integer_tensor(draw):
    sa, sb = draw(aet.broadcastable_shapes(2))
    x = draw(aet.arrays(sa, kinks=(0.0,), margin=0.3))
    k = draw(hnp.arrays(np.float64, sb, elements=st.integers(-2, 3).map(float)))
    return Case(lambda t: t**k, lambda a: np.power(a, k), (x,), f"x ** constant integer-valued array {k.tolist()}")


@st.composite
def leaky_relu_case(draw):
    slope = draw(st.floats(0.0, 0.5))
    x = draw(SHAPES.flatmap(lambda s: aet.arrays(s, kinks=(0.0,))))
    return Case(
        lambda t: ae.leaky_relu(t, slope), lambda a: np.where(a > 0, a, slope * a), (x,), f"slope {slope}"
    )


@st.composite
def clip_case(draw, which: str):
    low = draw(st.floats(-2.0, 1.0))
    high = low + draw(st.floats(0.5, 2.0))
    a_min = low if which in ("both", "min") else None
    a_max = high if which in ("both", "max") else None
    kinks = tuple(v for v in (a_min, a_max) if v is not None)
    x = draw(SHAPES.flatmap(lambda s: aet.arrays(s, kinks=kinks)))
    return Case(
        lambda t: ae.clip(t, a_min, a_max), lambda a: np.clip(a, a_min, a_max), (x,), f"clip({a_min}, {a_max})"
    )


@st.composite
def where_case(draw, scalar_b: bool = False):
    sc, sa, sb = draw(aet.broadcastable_shapes(3))
    condition = draw(hnp.arrays(np.bool_, sc))
    x = draw(aet.arrays(sa))
    if scalar_b:
        return Case(
            lambda t: ae.where(condition, t, 0.5), lambda a: np.where(condition, a, 0.5), (x,), f"where({condition}, x, 0.5)"
        )
    y = draw(aet.arrays(sb))
    return Case(
        lambda t, u: ae.where(condition, t, u), lambda a, b: np.where(condition, a, b), (x, y), f"condition {condition}"
    )


def astype_case(dtype, check: dict, second_order: bool) -> st.SearchStrategy[Case]:
    return SHAPES_WITH_ZERO.flatmap(lambda s: aet.arrays(s)).map(
        lambda x: Case(
            lambda t: ae.astype(t, dtype), lambda a: a.astype(dtype), (x,), f"astype({np.dtype(dtype)})",
            check=check, second_order=second_order,
        )
    )


# ----- reductions and softmax ------------------------------------------------------------------------


def along_axis(f: Callable, naive: Callable, offset: float = 500.0) -> st.SearchStrategy[Case]:
    """softmax/log_softmax along one axis (or the default), large offsets for stability."""

    @st.composite
    def draw_case(draw):
        shape = draw(SHAPES)
        x = draw(aet.arrays(shape)) + draw(st.sampled_from([0.0, offset, -offset]))
        if shape and draw(st.booleans()):
            axis = draw(aet.single_axis(len(shape)))
            return Case(lambda t: f(t, axis), in_longdouble(lambda a: naive(a, axis)), (x,), f"axis={axis}")
        ref_axis = -1 if shape else None
        return Case(lambda t: f(t), in_longdouble(lambda a: naive(a, ref_axis)), (x,), "default axis")

    return draw_case()


# ----- shape ---------------------------------------------------------------------------------------------


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def reshape_target(draw, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape with the same number of elements (size-1 axes, 0-d and one -1 included)."""
    size = math.prod(shape)
    if size == 0:
        target = draw(st.lists(st.integers(1, 3), max_size=2))
        target.insert(draw(st.integers(0, len(target))), 0)
        return tuple(target)
    buckets = draw(st.integers(0 if size == 1 else 1, 4))
    target = [1] * buckets
    for p in _prime_factors(size):
        target[draw(st.integers(0, buckets - 1))] *= p
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@st.composite
def reshape_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    target = draw(reshape_target(shape))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.reshape(t, target), lambda a: np.reshape(a, target), (x,), f"reshape to {target}")


@st.composite
def transpose_case(draw):
    shape = draw(aet.shapes(min_dims=2, max_dims=4, allow_zero_size=True))  # .T covers 0-d and 1-d
    axes = draw(st.permutations(range(len(shape))).map(tuple))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.transpose(t, axes), lambda a: np.transpose(a, axes), (x,), f"axes={axes}")


@st.composite
def broadcast_to_case(draw):
    shape = draw(SHAPES)
    lead = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    target = lead + tuple(draw(st.integers(0, 3)) if n == 1 else n for n in shape)
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.broadcast_to(t, target), lambda a: np.broadcast_to(a, target), (x,), f"to {target}")


# ----- indexing ------------------------------------------------------------------------------------------


def getitem_case(keys: Callable, shapes=SHAPES_WITH_ZERO, kind: str = "") -> st.SearchStrategy[Case]:
    @st.composite
    def draw_case(draw):
        shape = draw(shapes)
        key = draw(keys(shape))
        x = draw(aet.arrays(shape))
        return Case(lambda t: t[key], lambda a: a[key], (x,), f"{kind} key {key!r}")

    return draw_case()


def scatter_add_reference(values: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Independent of np.add.at: find each picked element's flat position, then bincount."""
    size = math.prod(shape)
    positions = np.arange(size).reshape(shape)[key]
    summed = np.bincount(np.ravel(positions), weights=np.ravel(values), minlength=size)
    return summed.reshape(shape).astype(values.dtype)


@st.composite
def scatter_add_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    key = draw(aet.index_keys(shape))
    values = draw(aet.arrays(np.empty(shape)[key].shape))
    return Case(
        lambda v: ae.scatter_add(v, key, shape),
        lambda v: scatter_add_reference(v, key, shape),
        (values,),
        f"key {key!r} into {shape}",
    )


# ----- joining -----------------------------------------------------------------------------------------------


@st.composite
def concatenate_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    if draw(st.integers(0, 4)) == 0:  # axis=None joins the flattened inputs, as in NumPy
        arrays = tuple(draw(aet.arrays(draw(aet.shapes()))) for _ in range(draw(st.integers(1, 3))))
        return Case(
            lambda *ts: ae.concatenate(ts, axis=None), lambda *a: np.concatenate(a, axis=None), arrays, "axis=None"
        )
    axis = draw(aet.single_axis(len(shape)))
    lengths = draw(st.lists(st.sampled_from([1, 2, 3, 0]), min_size=1, max_size=3))
    arrays = tuple(
        draw(aet.arrays(shape[: axis % len(shape)] + (n,) + shape[axis % len(shape) + 1 :])) for n in lengths
    )
    return Case(
        lambda *ts: ae.concatenate(ts, axis=axis), lambda *a: np.concatenate(a, axis=axis), arrays, f"axis={axis}"
    )


@st.composite
def pad_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    ndim = len(shape)
    form = draw(st.sampled_from(["int", "pair", "per-axis"] if ndim else ["int", "pair"]))  # NumPy rejects ()
    if form == "int":
        width: Any = draw(st.integers(0, 2))
    elif form == "pair":
        width = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    else:
        width = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim))
    value = draw(st.floats(-2, 2))
    x = draw(aet.arrays(shape))
    return Case(
        lambda t: ae.pad(t, width, constant_values=value),
        lambda a: np.pad(a, width, mode="constant", constant_values=value),
        (x,),
        f"pad_width={width}, constant_values={value}",
    )


# ----- matmul --------------------------------------------------------------------------------------------------


def matmul_case(signature: str, max_dims: int = 0) -> st.SearchStrategy[Case]:
    @st.composite
    def draw_case(draw):
        sa, sb = draw(
            hnp.mutually_broadcastable_shapes(signature=signature, max_dims=max_dims, max_side=3)
        ).input_shapes
        x, y = draw(aet.arrays(sa)), draw(aet.arrays(sb))
        return Case(lambda a, b: a @ b, np.matmul, (x, y), f"{sa} @ {sb}")

    return draw_case()


# ----- the table: primitive name -> variant -> strategy of cases ------------------------------------------------

SPECS: dict[str, dict[str, st.SearchStrategy[Case]]] = {
    "add": {
        "broadcast": binary(ae.add, np.add),
        "scalar + tensor": unary(lambda t: 2.5 + t, lambda a: 2.5 + a),
        "ndarray + tensor": unary(
            lambda t: np.array([[0.5], [-1.0]]) + t,
            lambda a: np.array([[0.5], [-1.0]]) + a,
            shapes=hnp.broadcastable_shapes((2, 1), min_dims=0, max_dims=3, max_side=3),
        ),
    },
    "subtract": {"broadcast": binary(ae.subtract, np.subtract), "scalar - tensor": unary(lambda t: 1.5 - t, lambda a: 1.5 - a)},
    "multiply": {"broadcast": binary(ae.multiply, np.multiply)},
    "divide": {
        "broadcast": binary(ae.divide, np.divide, b={"kinks": (0.0,), "margin": 0.5}),
        "scalar / tensor": unary(lambda t: 2.0 / t, lambda a: 2.0 / a, kinks=(0.0,), margin=0.5),
    },
    "power": {
        "tensor ** int": power_int_exponent(),
        "tensor ** float": power_float_exponent(),
        "scalar ** tensor": power_scalar_base(),
        "tensor ** tensor": binary(ae.power, np.power, a={"min_value": 0.3, "max_value": 2.5}, b={"min_value": -2.0, "max_value": 2.0}),
        "negative base ** integer array": power_negative_base_integer_tensor(),
    },
    "maximum": {"broadcast, no ties": distinct_binary(ae.maximum, np.maximum)},
    "minimum": {"broadcast, no ties": distinct_binary(ae.minimum, np.minimum)},
    "negative": {"": unary(lambda t: -t, np.negative, shapes=SHAPES_WITH_ZERO)},
    "exp": {"": unary(ae.exp, np.exp, shapes=SHAPES_WITH_ZERO)},
    "log": {"": unary(ae.log, np.log, min_value=0.1, max_value=5.0)},
    "log1p": {"": unary(ae.log1p, np.log1p, min_value=-0.8, max_value=3.0)},
    "expm1": {"": unary(ae.expm1, np.expm1)},
    "sqrt": {"": unary(ae.sqrt, np.sqrt, min_value=0.1, max_value=5.0)},
    "sin": {"": unary(ae.sin, np.sin)},
    "cos": {"": unary(ae.cos, np.cos)},
    "abs": {"": unary(ae.abs, np.abs, kinks=(0.0,))},
    "tanh": {"": unary(ae.tanh, np.tanh, min_value=-5.0, max_value=5.0)},
    "sigmoid": {"": unary(ae.sigmoid, lambda a: 1 / (1 + np.exp(-a)), min_value=-20.0, max_value=20.0)},
    "relu": {"": unary(ae.relu, lambda a: np.maximum(a, 0), kinks=(0.0,))},
    "leaky_relu": {"": leaky_relu_case()},
    "clip": {"both bounds": clip_case("both"), "a_min only": clip_case("min"), "a_max only": clip_case("max")},
    "where": {"broadcast": where_case(), "scalar branch": where_case(scalar_b=True)},
    "astype": {
        "to longdouble": astype_case(np.longdouble, {}, True),
        # a cast is linear, so a large step is exact; it keeps float32/16 rounding small beside it
        "to float32": astype_case(np.float32, {"eps": 1e-2, "atol": 1e-4, "rtol": 1e-3}, False),
        "to float16": astype_case(np.float16, {"eps": 0.5, "atol": 1e-2, "rtol": 1e-2}, False),
    },
    "sum": {"": reduction(ae.sum, np.sum, shapes=SHAPES_WITH_ZERO)},
    "mean": {"": reduction(ae.mean, quiet(np.mean), shapes=SHAPES_WITH_ZERO)},
    "max": {"no ties": reduction(ae.max, np.max, distinct=True)},
    "min": {"no ties": reduction(ae.min, np.min, distinct=True)},
    "logsumexp": {"large values": reduction(ae.logsumexp, in_longdouble(naive_logsumexp), offset=500.0)},
    "softmax": {"large values": along_axis(ae.softmax, naive_softmax)},
    "log_softmax": {"large values": along_axis(ae.log_softmax, naive_log_softmax)},
    "reshape": {"": reshape_case()},
    "transpose": {"permutation": transpose_case(), ".T": unary(lambda t: t.T, lambda a: a.T, shapes=SHAPES_WITH_ZERO)},
    "broadcast_to": {"": broadcast_to_case()},
    "getitem": {
        "basic (ints, slices, ellipsis, None)": getitem_case(aet.basic_index_keys, kind="basic"),
        "integer arrays with repeats": getitem_case(aet.integer_array_keys, shapes=NONEMPTY_SHAPES, kind="integer-array"),
        "boolean mask": getitem_case(aet.boolean_mask_keys, kind="mask"),
        "mixed ints, slices, arrays, None": getitem_case(aet.mixed_index_keys, shapes=NONEMPTY_SHAPES, kind="mixed"),
    },
    "scatter_add": {"any key": scatter_add_case()},
    "concatenate": {"": concatenate_case()},
    "pad": {"": pad_case()},
    "matmul": {
        "vector @ vector": matmul_case("(n),(n)->()"),
        "matrix @ vector": matmul_case("(m,n),(n)->(m)"),
        "vector @ matrix": matmul_case("(n),(n,p)->(p)"),
        "matrix @ matrix": matmul_case("(m,n),(n,p)->(m,p)"),
        "batched, broadcast": matmul_case(np.matmul.signature, max_dims=2),
    },
}


# ----- composed ops (no primitive of their own) ------------------------------------------------------------------


@st.composite
def var_case(draw, op: str):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(aet.axes(len(shape)))
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    count = math.prod(shape[a] for a in axes)
    ddof = draw(st.integers(0, 1))
    keepdims = draw(st.booleans())
    if count < 2:  # a variance of one value is 0: std is not differentiable there, var / (count - 1) divides by 0
        axis, count = None, math.prod(shape)
    if count < 2:
        shape = shape[:-1] + (2,)
    (x,) = draw(aet.distinct_arrays(shape))
    engine, numpy_ref = (ae.var, np.var) if op == "var" else (ae.std, np.std)
    return Case(
        lambda t: engine(t, axis=axis, ddof=ddof, keepdims=keepdims),
        lambda a: numpy_ref(a, axis=axis, ddof=ddof, keepdims=keepdims),
        (x,),
        f"axis={axis}, ddof={ddof}, keepdims={keepdims}",
    )


@st.composite
def squeeze_case(draw):
    shape = draw(aet.shapes(max_dims=4, max_side=2))
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = None
    if ones and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
        axis = chosen[0] if len(chosen) == 1 else tuple(chosen)
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.squeeze(t, axis), lambda a: np.squeeze(a, axis), (x,), f"axis={axis}")


@st.composite
def expand_dims_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    if draw(st.booleans()):
        axis: Any = draw(st.integers(-len(shape) - 1, len(shape)))
    else:
        axis = draw(hnp.valid_tuple_axes(len(shape) + 2, min_size=2, max_size=2))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.expand_dims(t, axis), lambda a: np.expand_dims(a, axis), (x,), f"axis={axis}")


@st.composite
def flatten_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    x = draw(aet.arrays(shape))
    if not shape:
        return Case(ae.flatten, lambda a: a.reshape(1), (x,), "0-d")
    start = draw(st.integers(0, len(shape) - 1))
    end = draw(st.integers(start, len(shape) - 1))
    target = shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]
    start_arg = start - len(shape) if draw(st.booleans()) else start
    return Case(
        lambda t: ae.flatten(t, start_arg, end), lambda a: a.reshape(target), (x,), f"start={start_arg}, end={end}"
    )


@st.composite
def swapaxes_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    a1, a2 = draw(aet.single_axis(len(shape))), draw(aet.single_axis(len(shape)))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.swapaxes(t, a1, a2), lambda a: np.swapaxes(a, a1, a2), (x,), f"axes {a1}, {a2}")


@st.composite
def moveaxis_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    ndim = len(shape)
    if draw(st.booleans()):
        src, dst = draw(aet.single_axis(ndim)), draw(aet.single_axis(ndim))
    else:  # sequences of distinct axes, as numpy.moveaxis takes them
        count = draw(st.integers(0, ndim))

        def distinct_axes():
            return st.permutations(range(ndim)).map(lambda p: p[:count]).flatmap(
                lambda chosen: st.tuples(*(st.sampled_from([a, a - ndim]) for a in chosen))
            )

        src, dst = draw(distinct_axes()), draw(distinct_axes())
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.moveaxis(t, src, dst), lambda a: np.moveaxis(a, src, dst), (x,), f"{src} -> {dst}")


@st.composite
def stack_case(draw):
    shape = draw(SHAPES_WITH_ZERO)
    k = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = tuple(draw(aet.arrays(shape)) for _ in range(k))
    return Case(lambda *ts: ae.stack(ts, axis), lambda *a: np.stack(a, axis), arrays, f"{k} arrays, axis={axis}")


@st.composite
def split_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(aet.single_axis(len(shape)))
    length = shape[axis]
    if draw(st.booleans()):
        sections: Any = draw(st.sampled_from([d for d in range(1, length + 1) if length % d == 0]))
    else:
        sections = sorted(draw(st.lists(st.integers(0, length), max_size=3)))
    x = draw(aet.arrays(shape))

    def joined(pieces):  # one output: the flattened pieces, each scaled differently so order matters
        return [p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)]

    return Case(
        lambda t: ae.concatenate(joined(ae.split(t, sections, axis))),
        lambda a: np.concatenate(joined(np.split(a, sections, axis))),
        (x,),
        f"split {sections} along axis {axis}",
    )


COMPOSED: dict[str, dict[str, st.SearchStrategy[Case]]] = {
    "var": {"": var_case("var")},
    "std": {"": var_case("std")},
    "square": {"": unary(ae.square, np.square, shapes=SHAPES_WITH_ZERO)},
    "squeeze": {"": squeeze_case()},
    "expand_dims": {"": expand_dims_case()},
    "flatten": {"": flatten_case()},
    "swapaxes": {"": swapaxes_case()},
    "moveaxis": {"": moveaxis_case()},
    "stack": {"": stack_case()},
    "split": {"": split_case()},
}


ALL_VARIANTS = variants(SPECS) + variants(COMPOSED)


# ----- the tests ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ALL_VARIANTS)
@given(data=st.data())
def test_primitive(variant, data):
    """One drawn case, three checks: forward vs NumPy, gradient vs finite differences,
    second-order gradient vs finite differences of the gradient."""
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


# ----- coverage -----------------------------------------------------------------------------------------------------------

ENGINE_PACKAGES = ("autograd_engine", "nn", "optim")


def _import_everything() -> None:
    """Import every module of the engine (and nn/optim) so that every primitive is registered."""
    for package_name in ENGINE_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError as error:
            if error.name == package_name:
                continue
            raise
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if info.name.endswith("__main__"):
                continue
            try:
                importlib.import_module(info.name)
            except ModuleNotFoundError as error:  # an optional third-party dependency (graphviz, ...)
                if error.name and error.name.split(".")[0] in ENGINE_PACKAGES:
                    raise


def declared_elsewhere() -> dict[str, list[str]]:
    """Primitive name -> test files that declare ``PROPERTY_TESTED = {...}`` for it."""
    declared: dict[str, list[str]] = {}
    here = Path(__file__).resolve()
    for path in sorted(helpers.TESTS.rglob("test_*.py")):
        if path == here:
            continue
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign):
                target = node.target
            else:
                continue
            if isinstance(target, ast.Name) and target.id == "PROPERTY_TESTED" and node.value is not None:
                names = ast.literal_eval(node.value)
                assert isinstance(names, (set, frozenset, list, tuple)) and all(isinstance(n, str) for n in names), (
                    f"{path.relative_to(helpers.TESTS)}: PROPERTY_TESTED must be a literal set of primitive names"
                )
                assert any(check in source for check in ("gradcheck", "assert_gradients_match", "check_case(")), (
                    f"{path.relative_to(helpers.TESTS)} declares PROPERTY_TESTED but runs no gradient check "
                    f"(call gradcheck, testing.assert_gradients_match or properties.check_case)"
                )
                for name in names:
                    declared.setdefault(name, []).append(str(path.relative_to(helpers.TESTS)))
    return declared


def test_every_primitive_has_a_property_test():
    _import_everything()
    registered = set(ae.PRIMITIVES)
    elsewhere = declared_elsewhere()
    missing = sorted(registered - set(SPECS) - set(elsewhere))
    assert not missing, (
        f"primitives without a property test: {missing}; add them to SPECS in {Path(__file__).name}, or declare "
        f"PROPERTY_TESTED = {{...}} in the test module that gradient-checks them"
    )
    stale = sorted(set(SPECS) - registered)
    assert not stale, f"SPECS names primitives that are not registered: {stale}"
    stale_declared = {name: files for name, files in elsewhere.items() if name not in registered}
    assert not stale_declared, f"PROPERTY_TESTED names primitives that are not registered: {stale_declared}"


def test_every_spec_has_at_least_one_variant():
    assert all(SPECS[name] for name in SPECS) and all(COMPOSED[name] for name in COMPOSED)
