"""What every property test of an op shares: a :class:`Case` (an engine function of some float64
arrays, its NumPy reference, the arrays), strategies that draw cases, and the checks every drawn case
goes through -- forward against NumPy in float64 and float32, the gradient against centred finite
differences, and the second-order gradient (:func:`check_case`).  The op families' test files and
``test_primitive_properties.py`` (the table of every primitive and the coverage test) use them."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

SEEDS = st.integers(0, 2**16)
"""The seed of the random upstream gradient and directions of a gradient check."""


@dataclass
class Case:
    """An engine function of ``arrays``, its NumPy reference, and gradient-check settings."""

    f: Callable[..., Any]
    ref: Callable[..., np.ndarray]
    arrays: tuple[np.ndarray, ...]
    label: str = ""
    check: dict[str, float] = field(default_factory=dict)  # gradcheck eps/atol/rtol overrides
    second_order: bool = True  # False where finite differences of the gradient are too noisy (float16/32)

    def __repr__(self) -> str:
        arrays = ", ".join(np.array2string(a, precision=4, separator=",") for a in self.arrays)
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"Case({self.label}; shapes {shapes}; arrays {arrays})"


SHAPES = aet.shapes(max_dims=3, max_side=3)
SHAPES_WITH_ZERO = aet.shapes(max_dims=3, max_side=3, allow_zero_size=True)
NONEMPTY_SHAPES = aet.shapes(min_dims=1, max_dims=3, max_side=3)


def unary(f: Callable, ref: Callable, shapes=SHAPES, label: str = "", **values: Any) -> st.SearchStrategy[Case]:
    """Cases of a one-input op, values drawn by ``testing.arrays(**values)``."""
    return shapes.flatmap(lambda s: aet.arrays(s, **values)).map(lambda x: Case(f, ref, (x,), label))


def binary(f: Callable, ref: Callable, a: dict | None = None, b: dict | None = None) -> st.SearchStrategy[Case]:
    """Cases of a two-input op on broadcastable shapes (0-d and size-1 axes included)."""

    @st.composite
    def draw_case(draw):
        sa, sb = draw(aet.broadcastable_shapes(2))
        x = draw(aet.arrays(sa, **(a or {})))
        y = draw(aet.arrays(sb, **(b or {})))
        return Case(f, ref, (x, y), "broadcast")

    return draw_case()


def distinct_binary(f: Callable, ref: Callable) -> st.SearchStrategy[Case]:
    """Binary cases whose entries never tie (maximum/minimum)."""

    @st.composite
    def draw_case(draw):
        sa, sb = draw(aet.broadcastable_shapes(2))
        x, y = draw(aet.distinct_arrays(sa, sb))
        return Case(f, ref, (x, y), "broadcast, no ties")

    return draw_case()


def reduction(f: Callable, ref: Callable, shapes=SHAPES, distinct: bool = False, offset: float = 0.0, **values: Any):
    """Cases of ``f(x, axis, keepdims)`` with axis None, int or tuple (negative ones too); ``values``
    go to ``aet.arrays`` (bounds, kinks)."""

    @st.composite
    def draw_case(draw):
        shape = draw(shapes)
        axis = draw(aet.axes(len(shape)))
        keepdims = draw(st.booleans())
        (x,) = draw(aet.distinct_arrays(shape)) if distinct else (draw(aet.arrays(shape, **values)),)
        x = x + draw(st.sampled_from([0.0, offset, -offset]))
        return Case(
            lambda t: f(t, axis=axis, keepdims=keepdims),
            lambda a: ref(a, axis=axis, keepdims=keepdims),
            (x,),
            f"axis={axis}, keepdims={keepdims}",
        )

    return draw_case()


def quiet(ref: Callable) -> Callable:
    """A NumPy reference with its warnings (empty means, log(0)) silenced."""

    def run(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return ref(*args, **kwargs)

    return run


def in_longdouble(ref: Callable) -> Callable:
    """Evaluate the naive formula in extended precision (exp(1000) does not overflow there),
    then cast back to the input's dtype: an independent reference for the stable ops."""

    def run(x, **kwargs):
        return np.asarray(ref(x.astype(np.longdouble), **kwargs)).astype(x.dtype)

    return run


def variants(table: dict[str, dict[str, st.SearchStrategy[Case]]]) -> list[Any]:
    return [
        pytest.param(table[name][variant], id=f"{name}-{variant}" if variant else name)
        for name in sorted(table)
        for variant in table[name]
    ]


def _run(case: Case, dtype: Any) -> tuple[ae.Tensor, np.ndarray]:
    arrays = [a.astype(dtype) for a in case.arrays]
    tensors = [ae.Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = case.f(*tensors)
    expected = np.asarray(case.ref(*arrays))
    for a, t in zip(arrays, tensors):
        np.testing.assert_array_equal(t.data, a, err_msg="the op modified its input")
    return out, expected


def check_forward(case: Case) -> None:
    """Values, shape and dtype against NumPy, in float64 and in float32; inputs left untouched."""
    out, expected = _run(case, np.float64)
    assert isinstance(out, ae.Tensor)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
    out32, expected32 = _run(case, np.float32)
    assert out32.dtype == expected32.dtype, "float32 inputs must give NumPy's result dtype"
    np.testing.assert_allclose(out32.data, expected32, rtol=2e-5, atol=2e-5, equal_nan=True)


def check_second_order(case: Case, seed: int) -> None:
    """Gradient of the gradient of f * f (the upstream gradient of f then depends on x,
    so the rules are exercised as functions of their upstream gradient too)."""

    def squared(*tensors):
        y = case.f(*tensors)
        return y * y

    aet.assert_second_order_gradients_match(squared, *case.arrays, seed=seed)


def check_case(case: Case, seed: int) -> None:
    """The three checks of a drawn case: forward against NumPy, the gradient against finite differences
    (``testing.assert_gradients_match``), and, unless the case opts out, the second-order gradient."""
    check_forward(case)
    aet.assert_gradients_match(case.f, *case.arrays, seed=seed, **case.check)
    if case.second_order:  # float16/32 casts are too coarse for it
        check_second_order(case, seed)
