"""Hypothesis strategies and gradient assertions for testing ops built on the engine.

The project's own property tests use these, and so can you for your own ops::

    from hypothesis import given
    from autograd_engine import testing as aet

    @given(aet.broadcastable_shapes(2).flatmap(lambda s: aet.arrays_tuple(s)))
    def test_my_op(arrays):
        aet.assert_gradients_match(my_op, *arrays)

Strategies (all draw float64 by default, the dtype gradient checks run in):

- :func:`shapes` -- array shapes, including 0-d and size-1 axes (and zero-size ones on request);
- :func:`broadcastable_shapes` -- a tuple of mutually broadcastable shapes;
- :func:`float_dtypes` -- float16, float32, float64;
- :func:`arrays` -- an array of a shape whose values stay ``margin`` away from given
  kinks (0 for relu/abs), inside bounds (positive for log/sqrt, bounded against overflow);
- :func:`distinct_arrays` -- several arrays whose entries are all at least ``gap`` apart
  (no ties for max/min/maximum/minimum, not even between the arrays);
- :func:`axes` and :func:`single_axis` -- an ``axis`` argument for a number of dimensions;
- :func:`index_keys` -- a valid ``x[key]`` for a shape: ints, slices, Ellipsis, None,
  integer arrays (with repeated indices) and boolean masks.

Assertions:

- :func:`assert_gradients_match` -- the engine's gradient against centred finite
  differences (:func:`autograd_engine.gradcheck.gradcheck`, random upstream gradient);
- :func:`assert_second_order_gradients_match` -- the gradient of the gradient
  (``grad(..., create_graph=True)``) against finite differences of the first gradient,
  along one random direction (the adjoint test of HIPS/autograd's ``check_grads``).

Hypothesis is a development dependency: ``pip install hypothesis`` (or ``pip install -e ".[dev]"``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "autograd_engine.testing needs Hypothesis, a development dependency: "
        'pip install hypothesis  (or, in a clone of the project: pip install -e ".[dev]")'
    ) from error

from . import random as ae_random
from .autodiff import grad
from .grad_contexts import enable_grad
from .gradcheck import GradcheckReport, gradcheck
from .tensor import Tensor

Shape = tuple[int, ...]
SearchStrategy = st.SearchStrategy

__all__ = [
    "shapes", "broadcastable_shapes", "float_dtypes", "arrays", "arrays_tuple", "distinct_arrays",
    "axes", "single_axis", "index_keys", "basic_index_keys", "integer_array_keys", "boolean_mask_keys",
    "mixed_index_keys", "assert_gradients_match", "assert_second_order_gradients_match",
]


# ----- shapes and dtypes --------------------------------------------------------


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3, allow_zero_size: bool = False
) -> SearchStrategy[Shape]:
    """Array shapes with ``min_dims..max_dims`` axes of ``min_side..max_side`` each.

    0-d shapes ``()`` and size-1 axes are included by default; ``allow_zero_size=True``
    sets one axis of about a fifth of the shapes to length 0 (zero-size arrays).
    """
    drawn = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    if not allow_zero_size:
        return drawn
    return drawn.flatmap(_maybe_zero_size)


def _maybe_zero_size(shape: Shape) -> SearchStrategy[Shape]:
    if not shape:
        return st.just(shape)
    choice = st.sampled_from([None] * 4 * len(shape) + list(range(len(shape))))  # None: leave it alone
    return choice.map(lambda i: shape if i is None else shape[:i] + (0,) + shape[i + 1 :])


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3
) -> SearchStrategy[tuple[Shape, ...]]:
    """A tuple of ``num_shapes`` shapes that broadcast together (NumPy's rules).

    Shapes differ in rank (0-d included) and in size-1 axes, so every way a binary op
    can broadcast is drawn.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda drawn: tuple(drawn.input_shapes))


def float_dtypes(sizes: Sequence[int] = (16, 32, 64)) -> SearchStrategy[np.dtype]:
    """NumPy float dtypes of the given bit sizes (native byte order)."""
    return st.sampled_from([np.dtype(f"float{n}") for n in sizes])


# ----- values -----------------------------------------------------------------------


def arrays(
    shape: Shape | SearchStrategy[Shape],
    dtype: Any = np.float64,
    min_value: float = -3.0,
    max_value: float = 3.0,
    kinks: Sequence[float] = (),
    margin: float = 0.1,
) -> SearchStrategy[np.ndarray]:
    """Arrays of ``shape`` with finite values in ``[min_value, max_value]``, none of them
    closer than ``margin`` to any point of ``kinks``.

    Use ``kinks=(0,)`` for relu/abs/leaky_relu, ``min_value > 0`` for log/sqrt, bounds
    that keep exp and powers from overflowing.  Values may repeat (ties are fine for
    ops without kinks); use :func:`distinct_arrays` for max/min.
    """
    dtype = np.dtype(dtype)
    if min_value > max_value:
        raise ValueError(f"arrays: min_value {min_value} is greater than max_value {max_value}")
    width = 8 * dtype.itemsize
    elements = st.floats(
        min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False, width=width
    )
    if kinks:
        kinks = tuple(float(k) for k in kinks)
        elements = elements.filter(lambda v: all(abs(v - k) >= margin for k in kinks))
    return hnp.arrays(dtype, shape, elements=elements)


def arrays_tuple(
    shapes_: Sequence[Shape], dtype: Any = np.float64, **kwargs: Any
) -> SearchStrategy[tuple[np.ndarray, ...]]:
    """One array per shape, each drawn by :func:`arrays` with the same keyword arguments."""
    return st.tuples(*(arrays(s, dtype, **kwargs) for s in shapes_))


@st.composite
def distinct_arrays(
    draw: Any,
    *shapes_: Shape,
    dtype: Any = np.float64,
    center: float = 0.0,
    gap: float = 0.1,
    spread: float = 6.0,
) -> tuple[np.ndarray, ...]:
    """Arrays of the given shapes whose entries, all arrays together, are pairwise at
    least ``gap`` apart: no ties anywhere, so max/min/maximum/minimum have one winner
    and a finite difference of size < gap/2 never changes it.

    The values are a random permutation of a grid around ``center`` (spacing
    ``max(2 * gap, spread / count)``) with a jitter of at most a quarter spacing.
    """
    sizes = [math.prod(s) for s in shapes_]
    count = sum(sizes)
    spacing = max(2 * gap, spread / max(count, 1))  # a jitter of at most spacing/4 keeps neighbours >= gap apart
    order = np.array(draw(st.permutations(range(count))), dtype=np.float64)
    jitter = draw(hnp.arrays(np.float64, (count,), elements=st.floats(-0.25, 0.25)))
    values = center + spacing * (order - (count - 1) / 2 + jitter)
    result, start = [], 0
    for shape, size in zip(shapes_, sizes):
        result.append(values[start : start + size].reshape(shape).astype(dtype))
        start += size
    return tuple(result)


# ----- axes ---------------------------------------------------------------------------


def axes(ndim: int, allow_none: bool = True, allow_tuple: bool = True) -> SearchStrategy[Any]:
    """An ``axis`` argument for a reduction over a tensor of ``ndim`` dimensions: None,
    an int (negative ones included) or a tuple of distinct axes (possibly empty)."""
    options: list[SearchStrategy[Any]] = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
    if allow_tuple:
        options.append(hnp.valid_tuple_axes(ndim))
    if not options:
        raise ValueError(f"axes: no axis exists for {ndim} dimensions without allow_none")
    return st.one_of(*options)


def single_axis(ndim: int) -> SearchStrategy[int]:
    """One axis of an ``ndim``-dimensional tensor (negative ones included); ``ndim`` >= 1."""
    if ndim < 1:
        raise ValueError("single_axis: a 0-d tensor has no axis")
    return st.integers(-ndim, ndim - 1)


# ----- index keys -------------------------------------------------------------------------


def basic_index_keys(shape: Shape) -> SearchStrategy[Any]:
    """Keys of ints, slices (any step), Ellipsis and None (``np.newaxis``)."""
    return hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True)


@st.composite
def integer_array_keys(draw: Any, shape: Shape, max_result_side: int = 4) -> Any:
    """Integer-array indices into the leading axes of ``shape`` (repeated indices are
    likely: the arrays are longer than the axes they index), optionally followed by an
    Ellipsis.  Needs ``shape`` with at least one axis and no zero-length axis."""
    if not shape or 0 in shape:
        raise ValueError(f"integer_array_keys: need a non-empty shape, got {shape}")
    k = draw(st.integers(1, len(shape)))
    result_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=max_result_side))
    parts: list[Any] = [
        draw(hnp.arrays(np.intp, result_shape, elements=st.integers(-n, n - 1))) for n in shape[:k]
    ]
    if k < len(shape) and draw(st.booleans()):
        parts.append(Ellipsis)
    return parts[0] if len(parts) == 1 and draw(st.booleans()) else tuple(parts)


@st.composite
def boolean_mask_keys(draw: Any, shape: Shape) -> Any:
    """A boolean mask over the leading ``k`` axes of ``shape`` (``k`` may be 0: a 0-d mask)."""
    k = draw(st.integers(0, len(shape)))
    mask = draw(hnp.arrays(np.bool_, shape[:k]))
    return mask if draw(st.booleans()) else (mask, Ellipsis)


@st.composite
def mixed_index_keys(draw: Any, shape: Shape) -> Any:
    """One part per leading axis -- an int, a slice or an integer array (all arrays of one
    shape) -- with at least one array, and possibly a None in between: NumPy's mixed
    advanced indexing.  Needs ``shape`` with at least one axis and no zero-length axis."""
    if not shape or 0 in shape:
        raise ValueError(f"mixed_index_keys: need a non-empty shape, got {shape}")
    k = draw(st.integers(1, len(shape)))
    array_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    kinds = draw(st.lists(st.sampled_from(["int", "slice", "array"]), min_size=k, max_size=k))
    if "array" not in kinds:
        kinds[draw(st.integers(0, k - 1))] = "array"
    parts: list[Any] = []
    for n, kind in zip(shape, kinds):
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            parts.append(draw(st.slices(n)))
        else:
            parts.append(draw(hnp.arrays(np.intp, array_shape, elements=st.integers(-n, n - 1))))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


def index_keys(shape: Shape) -> SearchStrategy[Any]:
    """Any valid key for an array of ``shape``: basic keys, integer arrays with repeats,
    boolean masks, and mixtures of ints, slices and arrays."""
    options = [basic_index_keys(shape), boolean_mask_keys(shape)]
    if shape and 0 not in shape:
        options += [integer_array_keys(shape), mixed_index_keys(shape)]
    return st.one_of(*options)


# ----- assertions -----------------------------------------------------------------------------


def assert_gradients_match(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    n_samples: int | None = None,
    seed: int = 0,
    allow_kinks: bool = False,
) -> GradcheckReport:
    """Assert that the gradients of ``f(*inputs)`` match centred finite differences.

    Runs :func:`autograd_engine.gradcheck.gradcheck` in float64 with a random upstream
    gradient; floating inputs are checked, the others passed through.  A coordinate
    where a kink was straddled fails unless ``allow_kinks`` (strategies that keep
    values away from kinks should never hit one; if they do, something is wrong).
    Returns the report.
    """
    report = gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, n_samples=n_samples, seed=seed)
    if not report:
        raise AssertionError("gradients do not match finite differences:\n" + report.table())
    if report.kinks and not allow_kinks:
        raise AssertionError(
            f"gradcheck straddled kinks at {report.kinks[:5]} (input index, coordinate); keep the values "
            f"away from them (testing.arrays(kinks=..., margin=...)) or pass allow_kinks=True\n{report.table()}"
        )
    return report


def assert_second_order_gradients_match(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
) -> tuple[float, float]:
    """Assert that the gradient of the gradient of ``f`` matches finite differences of its gradient.

    With a random upstream gradient ``u``, a random cotangent ``w`` and a random
    direction ``v`` (one per floating input), let ``S(x) = <grad_x <f(x), u>, w>``.  The
    engine's ``<grad S(x), v>``, computed with ``grad(..., create_graph=True)`` twice,
    must equal ``(S(x + eps v) - S(x - eps v)) / (2 eps)``, where ``S`` uses ordinary
    first-order gradients.  It also checks that the create_graph first gradient equals
    the ordinary one.  Inputs are converted to float64.  Returns (analytic, numerical).
    """
    rng = np.random.default_rng(seed)
    values = [_float64(x) for x in inputs]
    checked = [i for i, v in enumerate(values) if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if not checked:
        raise ValueError("assert_second_order_gradients_match: no floating-point input to differentiate")

    def first_gradients(point: list[Any], create_graph: bool) -> tuple[list[Tensor], list[Any]]:
        ae_random.seed(seed)
        tensors = [Tensor(np.array(v), requires_grad=True) if i in checked else v for i, v in enumerate(point)]
        wrt = [tensors[i] for i in checked]
        with enable_grad():
            out = f(*tensors)
            grads = grad(out, wrt, grad_outputs=upstream, create_graph=create_graph, allow_unused=True)
        return wrt, list(grads)

    ae_random.seed(seed)
    with enable_grad():
        probe = f(*[Tensor(np.array(v), requires_grad=True) if i in checked else v for i, v in enumerate(values)])
    upstream = rng.standard_normal(probe.shape)
    w = [rng.standard_normal(values[i].shape) for i in checked]
    v = [rng.standard_normal(values[i].shape) for i in checked]

    wrt, grads = first_gradients(values, create_graph=True)
    plain_wrt, plain = first_gradients(values, create_graph=False)
    for i, g, p in zip(checked, grads, plain):
        g_data = np.zeros(values[i].shape) if g is None else g.data
        p_data = np.zeros(values[i].shape) if p is None else p.data
        np.testing.assert_allclose(
            g_data, p_data, rtol=1e-10, atol=1e-12,
            err_msg=f"input {i}: the first gradient under create_graph=True differs from the ordinary one",
        )
    with enable_grad():
        terms = [(g * w_i).sum() for g, w_i in zip(grads, w) if g is not None]
        s = terms[0] if terms else None
        for term in terms[1:]:
            s = s + term
    if isinstance(s, Tensor) and s.requires_grad:
        second = grad(s, wrt, allow_unused=True)
        analytic = float(sum(np.sum(h.data * v_i) for h, v_i in zip(second, v) if h is not None))
    else:
        analytic = 0.0  # the first gradient does not depend on the inputs: f is linear

    def s_at(step: float) -> float:
        point = list(values)
        for i, v_i in zip(checked, v):
            point[i] = values[i] + step * v_i
        _, gs = first_gradients(point, create_graph=False)
        return float(sum(np.sum(g.data * w_i) for g, w_i in zip(gs, w) if g is not None))

    numerical = (s_at(eps) - s_at(-eps)) / (2 * eps)
    if not abs(analytic - numerical) <= atol + rtol * abs(numerical):
        raise AssertionError(
            f"second-order gradient mismatch: <d/dx <grad f, w>, v> is {analytic:+.10e} by the engine "
            f"(create_graph=True) but {numerical:+.10e} by finite differences of the first gradient "
            f"(eps={eps:g}, atol={atol:g}, rtol={rtol:g})"
        )
    return analytic, numerical


def _float64(x: Any) -> Any:
    if isinstance(x, Tensor):
        x = x.data
    if isinstance(x, np.ndarray | float) and np.asarray(x).dtype.kind == "f":
        return np.array(x, dtype=np.float64)
    return x
