"""Creating tensors (zeros, ones, full, empty, eye, arange, linspace, *_like, rand, randn, randint,
from_numpy): NumPy's values and shapes, the default float dtype, ``dtype=`` and ``requires_grad=``;
``seed``/``manual_seed`` make every random draw of the library repeat."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn


@pytest.mark.parametrize("make, expected", [
    (lambda: ae.zeros(2, 3), np.zeros((2, 3))),
    (lambda: ae.zeros((2, 3)), np.zeros((2, 3))),
    (lambda: ae.ones([4]), np.ones(4)),
    (lambda: ae.ones(()), np.ones(())),
    (lambda: ae.full((2, 2), 1.5), np.full((2, 2), 1.5)),
    (lambda: ae.eye(3), np.eye(3)),
    (lambda: ae.eye(2, 4, k=1), np.eye(2, 4, k=1)),
    (lambda: ae.arange(0.0, 1.0, 0.25), np.arange(0.0, 1.0, 0.25)),
    (lambda: ae.arange(5.0), np.arange(5.0)),
    (lambda: ae.linspace(-1, 1, 5), np.linspace(-1, 1, 5)),
    (lambda: ae.linspace(0, 1, 4, endpoint=False), np.linspace(0, 1, 4, endpoint=False)),
    (lambda: ae.zeros_like([[1, 2, 3]]), np.zeros((1, 3))),
    (lambda: ae.ones_like(ae.Tensor([1.0, 2.0])), np.ones(2)),
    (lambda: ae.full_like(np.zeros(3, np.float32), 7.0), np.full(3, 7.0)),
])
def test_float_creation_gives_numpys_values_in_the_default_dtype(make, expected):
    t = make()
    assert isinstance(t, ae.Tensor) and not t.requires_grad
    assert t.dtype == np.float32  # the library's default (PyTorch's); NumPy would give float64
    assert t.shape == expected.shape
    np.testing.assert_allclose(t.data, expected, rtol=1e-7)


def test_integer_arguments_give_integers_and_dtype_overrides():
    assert ae.arange(5).dtype == np.int64 and ae.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert ae.arange(1, 10, 3).data.tolist() == [1, 4, 7]
    assert ae.full(3, 2).dtype == np.int64 and ae.full(2, True).dtype == np.bool_
    assert ae.zeros_like(np.arange(3)).dtype == np.int64
    assert ae.zeros(2, dtype=np.float64).dtype == np.float64
    assert ae.arange(3, dtype="float64").dtype == np.float64
    assert ae.ones_like(np.ones(2, np.float16), dtype=np.float64).dtype == np.float64
    ae.set_default_dtype(np.float64)
    try:
        assert ae.ones(2).dtype == np.float64 and ae.rand(2).dtype == np.float64
    finally:
        ae.set_default_dtype(np.float32)


def test_requires_grad_makes_a_leaf_that_gets_a_gradient():
    w = ae.ones(2, 3, requires_grad=True)
    (w * ae.arange(3.0)).sum().backward()
    np.testing.assert_array_equal(w.grad, [[0.0, 1.0, 2.0]] * 2)
    for make in (ae.zeros, ae.randn, ae.rand, ae.empty):
        assert make(2, requires_grad=True).requires_grad
    assert ae.linspace(0, 1, 3, requires_grad=True).is_leaf


def test_requires_grad_on_an_integer_dtype_is_refused_naming_the_function():
    with pytest.raises(TypeError, match=r"arange: only floating tensors can require gradients, got dtype int64"):
        ae.arange(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"randint: only floating tensors can require gradients"):
        ae.randint(3, size=2, requires_grad=True)


def test_bad_sizes_and_arguments_are_refused_naming_the_function():
    with pytest.raises(ValueError, match=r"zeros: each size must be a non-negative integer, got -1"):
        ae.zeros(2, -1)
    with pytest.raises(TypeError, match=r"ones: each size must be a non-negative integer, got 2.5"):
        ae.ones((2.5,))
    with pytest.raises(ValueError, match=r"arange: step must not be 0"):
        ae.arange(0, 1, 0)
    with pytest.raises(ValueError, match=r"randint: the range \[low, high\) = \[3, 3\) is empty"):
        ae.randint(3, 3)
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy.ndarray, got list"):
        ae.from_numpy([1.0])
    with pytest.raises(TypeError, match=r"zeros: dtype must be a NumPy dtype"):
        ae.zeros(2, dtype="bogus")


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3)
    t = ae.from_numpy(a)
    a[0] = 5.0
    t.data[1] = 7.0
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, [5.0, 7.0, 0.0])
    np.testing.assert_array_equal(a, [5.0, 7.0, 0.0])


def test_random_draws_follow_the_library_seed():
    ae.manual_seed(7)
    first = [ae.rand(3).data, ae.randn(2, 2).data, ae.randint(0, 100, size=(4,)).data, nn.Linear(2, 2).weight.data]
    ae.seed(7)
    again = [ae.rand(3).data, ae.randn(2, 2).data, ae.randint(0, 100, size=(4,)).data, nn.Linear(2, 2).weight.data]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(ae.rand(3).data, first[0])  # the stream moves on
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(ae.rand(3, generator=rng).data, np.random.default_rng(7).random(3).astype(np.float32))


def test_randint_takes_numpys_and_pytorchs_forms():
    ae.manual_seed(0)
    values = ae.randint(5, (1000,))  # PyTorch: randint(high, size)
    assert values.shape == (1000,) and values.dtype == np.int64
    assert values.data.min() == 0 and values.data.max() == 4
    bounded = ae.randint(-2, 2, size=(2, 500))  # NumPy: randint(low, high, size)
    assert bounded.shape == (2, 500) and set(np.unique(bounded.data)) == {-2, -1, 0, 1}
    assert ae.randint(3).shape == ()


def test_seed_without_a_value_draws_fresh_entropy_and_returns_it():
    used = ae.seed()
    first = ae.rand(4).data
    ae.seed(used)
    np.testing.assert_array_equal(ae.rand(4).data, first)
    with pytest.raises(TypeError, match=r"manual_seed: value must be a non-negative integer, got 1.5"):
        ae.manual_seed(1.5)
