"""Comparisons: the operators are the declared ops, they match NumPy's functions, return bool arrays
(no gradient), and leave Tensors hashable by identity."""
import operator

import numpy as np
import pytest

import autograd_engine as ae

PAIRS = [("less", operator.lt), ("less_equal", operator.le), ("greater", operator.gt),
         ("greater_equal", operator.ge), ("equal", operator.eq), ("not_equal", operator.ne)]


@pytest.mark.parametrize("name, symbol", PAIRS)
def test_operators_functions_and_numpy_agree_with_broadcasting(name, symbol):
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 3, (2, 3)).astype(np.float32), rng.integers(0, 3, 3).astype(np.float32)
    expected = getattr(np, name)(a, b)
    x = ae.Tensor(a, requires_grad=True)
    for got in (symbol(x, ae.Tensor(b)), symbol(x, b), symbol(a, ae.Tensor(b)), getattr(ae, name)(x, b.tolist())):
        assert type(got) is np.ndarray and got.dtype == bool
        np.testing.assert_array_equal(got, expected)


def test_tensors_stay_hashable_by_identity():
    x, y = ae.Tensor([1.0]), ae.Tensor([1.0])
    assert {x: "x", y: "y"}[x] == "x" and len({x, y}) == 2
