"""``ae.dot`` is ``numpy.dot`` (not ``matmul``): forward values and shapes against NumPy, gradients
against centred finite differences, over shapes from 0-d to N-d.  ``matmul`` stays ``numpy.matmul``."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing


@st.composite
def dot_operands(draw, max_dims: int = 4):
    """Two float64 arrays whose shapes ``numpy.dot`` accepts: either one 0-d, or the last axis of
    the first equal to the second-to-last (or only) axis of the second; ranks 0 to ``max_dims``."""
    rank_a = draw(st.integers(0, max_dims))
    rank_b = draw(st.integers(0, max_dims))
    side = st.integers(1, 3)
    shape_a = tuple(draw(side) for _ in range(rank_a))
    shape_b = [draw(side) for _ in range(rank_b)]
    if rank_a and rank_b:
        shape_b[-2 if rank_b >= 2 else 0] = shape_a[-1]
    a = draw(testing.arrays(shape_a))
    b = draw(testing.arrays(tuple(shape_b)))
    return a, b


@given(dot_operands())
def test_dot_is_numpys_dot(operands):
    a, b = operands
    expected = np.dot(a, b)
    out = ae.dot(ae.Tensor(a), ae.Tensor(b))
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ae.Tensor(a).dot(b).data, expected, rtol=1e-12, atol=1e-12)  # the method too


@given(dot_operands(max_dims=3))
def test_dot_gradients_match_finite_differences(operands):
    testing.assert_gradients_match(ae.dot, *operands)


def test_dot_of_nd_operands_pairs_every_row_with_every_matrix():
    """The case where dot and matmul differ: (2, 3, 4) . (5, 4, 6) is (2, 3, 5, 6) (matmul refuses
    the batch axes 2 and 5, and for equal batch axes pairs matrix i with matrix i only)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4, 6))
    out = ae.dot(a, b)
    assert out.shape == (2, 3, 5, 6)
    np.testing.assert_allclose(out.data[1, 2, 4], a[1, 2] @ b[4], rtol=1e-12)
    same_batch = rng.standard_normal((2, 4, 6))
    assert ae.dot(a, same_batch).shape == (2, 3, 2, 6) != ae.matmul(a, same_batch).shape


def test_dot_with_a_0d_operand_multiplies():
    x = ae.Tensor([1.0, -2.0], requires_grad=True)
    s = ae.Tensor(3.0, requires_grad=True)
    y = ae.dot(s, x)
    np.testing.assert_array_equal(y.data, [3.0, -6.0])
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])  # s times the upstream
    assert s.grad == pytest.approx(1.0 - 20.0)
    np.testing.assert_array_equal(ae.dot(2.0, 4.0).data, np.dot(2.0, 4.0))


def test_dot_second_derivatives_match_finite_differences():
    rng = np.random.default_rng(1)
    testing.assert_second_order_gradients_match(
        lambda a, b: ae.dot(a, b) ** 2, rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 2))
    )


def test_dot_refuses_unaligned_shapes_naming_both():
    with pytest.raises(ae.ShapeError, match=r"dot: shapes \(2, 3\) and \(4, 2, 3\) are not aligned.*\(3\).*\(2\)"):
        ae.dot(np.ones((2, 3)), np.ones((4, 2, 3)))


@given(testing.broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.sampled_from(["vector @ matrix", "matrix @ vector", "matrix @ matrix", "vector @ vector"]))
def test_matmul_is_numpys_matmul(batch, m, n, p, kind):
    """``matmul`` and ``@`` keep numpy.matmul's meaning: batch axes broadcast, 1-d operands are
    promoted and their axis removed."""
    rng = np.random.default_rng(m * 9 + n * 3 + p)
    batch_a, batch_b = batch
    left_vector, right_vector = kind.startswith("vector"), kind.endswith("vector")
    a = rng.standard_normal((n,) if left_vector else batch_a + (m, n))
    b = rng.standard_normal((n,) if right_vector else batch_b + (n, p))
    expected = np.matmul(a, b)
    for out in (ae.matmul(a, b), ae.Tensor(a) @ b, a @ ae.Tensor(b)):
        assert out.shape == np.shape(expected)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
