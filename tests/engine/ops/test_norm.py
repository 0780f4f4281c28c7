"""``norm`` (autograd_engine/ops/norm.py, NumPy's ``linalg.norm``) and its singular_values primitive:
forward against NumPy for every vector and matrix order, gradients against centred finite
differences (second order where the rule allows it), PyTorch float64 as a second oracle, and the
gradient at a zero vector."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import NONEMPTY_SHAPES, SEEDS, Case, check_case, variants

PROPERTY_TESTED = {"singular_values"}

VECTOR_ORDS = [None, 2, 1, 3, 0.5, -1.5, math.inf, -math.inf]
MATRIX_ORDS = [None, "fro", 1, -1, math.inf, -math.inf, 2, -2, "nuc"]


@st.composite
def vector_norm_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(aet.single_axis(len(shape)))
    ord_ = draw(st.sampled_from(VECTOR_ORDS))
    keepdims = draw(st.booleans())
    (x,) = draw(aet.distinct_arrays(shape, gap=0.2))  # no ties (inf norms), none at 0 (|x|'s kink)
    x = np.where(np.abs(x) < 0.1, x + 0.3, x)
    assume(np.diff(np.sort(np.abs(x).ravel())).min(initial=1.0) > 0.1)  # nor ties of |x| (-1.5 and 1.5)
    return Case(lambda t: ae.norm(t, ord_, axis=axis, keepdims=keepdims),
                lambda a: np.linalg.norm(a, ord_, axis=axis, keepdims=keepdims), (x,),
                f"ord={ord_}, axis={axis}, keepdims={keepdims}")


@st.composite
def matrix_norm_case(draw, ords):
    shape = draw(aet.shapes(min_dims=2, max_dims=3, min_side=2, max_side=3))
    axes = tuple(draw(st.permutations(range(len(shape))))[:2])
    ord_ = draw(st.sampled_from(ords))
    keepdims = draw(st.booleans())
    (x,) = draw(aet.distinct_arrays(shape, gap=0.2, spread=8.0))
    singular_values = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), compute_uv=False)
    assume(singular_values.min() > 0.2 and (-np.diff(singular_values, axis=-1)).min(initial=1.0) > 0.2)  # no kinks
    assume(np.abs(x).min() > 0.1)  # nor |x|'s, nor ties between the absolute row or column sums
    for summed, other in (axes, axes[::-1]):
        sums = np.sort(np.abs(x).sum(axis=summed), axis=other - (other > summed))
        assume(np.diff(sums, axis=other - (other > summed)).min(initial=1.0) > 0.2)
    return Case(lambda t: ae.norm(t, ord_, axis=axes, keepdims=keepdims),
                lambda a: np.linalg.norm(a, ord_, axis=axes, keepdims=keepdims), (x,),
                f"ord={ord_}, axis={axes}, keepdims={keepdims}", second_order=ord_ not in (2, -2, "nuc"))


SPECS = {
    "vector norms": {"": vector_norm_case()},
    "matrix norms": {"": matrix_norm_case([None, "fro", 1, -1, math.inf, -math.inf])},
    "singular_values": {"2, -2, nuc": matrix_norm_case([2, -2, "nuc"])},
    "all elements": {"": NONEMPTY_SHAPES.flatmap(lambda s: aet.arrays(s, kinks=(0.0,))).map(
        lambda x: Case(ae.norm, np.linalg.norm, (x,), "ord=None, axis=None"))},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


def test_singular_values_refuse_create_graph_instead_of_a_wrong_second_derivative():
    x = ae.Tensor(np.array([[2.0, 1.0], [0.5, 3.0]]), requires_grad=True)
    with pytest.raises(RuntimeError, match="singular_values"):
        ae.grad(ae.norm(x, 2), [x], create_graph=True)


@pytest.mark.parametrize("ord_", [None, 2, 1, 3, math.inf, -math.inf])
def test_vector_norms_match_pytorch(ord_):
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, -4.0, 1.0], [0.5, 2.0, -2.5]])
    t, tt = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ae.norm(t, ord_, axis=1)
    expected = torch.linalg.vector_norm(tt, 2 if ord_ is None else ord_, dim=1)
    out.backward(np.array([1.0, -2.0]))
    expected.backward(torch.tensor([1.0, -2.0], dtype=torch.float64))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("ord_", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norms_match_pytorch(ord_):
    torch = pytest.importorskip("torch")
    x = np.array([[[3.0, -4.0, 1.0], [0.5, 2.0, -2.5]], [[1.0, 0.2, -0.7], [2.0, 1.5, 0.3]]])
    t, tt = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ae.norm(t, ord_, axis=(1, 2))
    expected = torch.linalg.matrix_norm(tt, ord_, dim=(1, 2))
    out.backward(np.array([1.0, -2.0]))
    expected.backward(torch.tensor([1.0, -2.0], dtype=torch.float64))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("ord_", [None, 2, 3, 0.5, 1, math.inf])
def test_the_norm_of_a_zero_vector_is_zero_with_zero_gradient(ord_):
    x = ae.Tensor(np.array([[0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    out = ae.norm(x, ord_, axis=1)
    assert out.data[0] == 0.0
    out.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad[0], [0.0, 0.0])
    assert np.isfinite(x.grad).all()


def test_frobenius_norm_of_zero_has_zero_gradient_in_both_orders():
    x = ae.Tensor(np.zeros((2, 2)), requires_grad=True)
    (g,) = ae.grad(ae.norm(x), [x], create_graph=True)
    np.testing.assert_array_equal(g.data, np.zeros((2, 2)))


def test_norm_zero_counts_nonzeros_without_gradient():
    out = ae.norm(ae.Tensor(np.array([0.0, 2.0, -1.0]), requires_grad=True), 0)
    assert out.item() == 2.0 and not out.requires_grad


def test_norm_refuses_what_numpy_refuses_with_a_clear_message():
    x = ae.Tensor(np.ones((2, 2, 2)))
    with pytest.raises(ae.ShapeError, match=r"norm: ord=1 without axis needs a 1-d or 2-d tensor"):
        ae.norm(x, 1)
    with pytest.raises(ValueError, match=r"norm: ord 'nuc' is a matrix norm; give two axes"):
        ae.norm(x, "nuc", axis=0)
    with pytest.raises(ValueError, match=r"norm: ord 3 is not a matrix norm"):
        ae.norm(x, 3, axis=(0, 1))
    with pytest.raises(TypeError, match=r"norm: unknown keyword argument p=; use ord= \(the same argument\)"):
        ae.norm(x, p=2)


def test_norm_takes_dim_and_keepdim():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ae.norm(x, dim=1, keepdim=True).data, np.linalg.norm(x, axis=1, keepdims=True))


def test_norm_is_also_linalg_norm_numpys_namespace():
    x = np.arange(6.0).reshape(2, 3) - 2.5
    assert ae.linalg.norm is ae.norm
    np.testing.assert_allclose(ae.linalg.norm(x, "fro").data, np.linalg.norm(x, "fro"))
