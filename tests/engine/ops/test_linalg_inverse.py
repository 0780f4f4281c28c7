"""``autograd_engine.linalg``: inv, det, slogdet, solve, matrix_power.  Forward against NumPy, gradients
against centred finite differences (float64, first and second order) over batched, well-conditioned
matrices, PyTorch float64 as a second oracle, and the errors for singular and non-square input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import linalg
from autograd_engine import testing as aet

PROPERTY_TESTED = {"inv", "det", "slogdet", "solve"}  # read by the coverage test in test_primitive_properties.py

RNG = np.random.default_rng(3)


@st.composite
def invertible(draw, max_n: int = 3):
    """A batch of well-conditioned matrices: entries in [-1, 1] plus (n + 1) I, times a random sign (so
    determinants of both signs occur)."""
    batch = draw(aet.shapes(max_dims=2, max_side=2))
    n = draw(st.integers(1, max_n))
    noise = draw(aet.arrays(batch + (n, n), min_value=-1.0, max_value=1.0))
    sign = draw(aet.arrays(batch + (1, 1), min_value=-1.0, max_value=1.0, kinks=(0.0,), margin=0.5))
    return np.sign(sign) * (noise + (n + 1) * np.eye(n))


def check(f, reference, *arrays, seed=0):
    """Forward against NumPy (values and dtype, float64 and float32); gradients against finite differences."""
    out = f(*[ae.Tensor(a) for a in arrays])
    expected = reference(*arrays)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-11, atol=1e-12)
    out32 = f(*[ae.Tensor(a.astype(np.float32)) for a in arrays])
    assert out32.dtype == np.asarray(reference(*[a.astype(np.float32) for a in arrays])).dtype
    aet.assert_gradients_match(f, *arrays, seed=seed)
    aet.assert_second_order_gradients_match(lambda *t: f(*t) * f(*t), *arrays, seed=seed)


@given(invertible(), st.integers(0, 2**16))
def test_inv(a, seed):
    check(linalg.inv, np.linalg.inv, a, seed=seed)


@given(invertible(), st.integers(0, 2**16))
def test_det(a, seed):
    check(linalg.det, np.linalg.det, a, seed=seed)


@given(invertible(), st.integers(0, 2**16))
def test_slogdet(a, seed):
    sign, logabsdet = linalg.slogdet(a)
    expected_sign, expected_log = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign.data, expected_sign)
    assert not sign.requires_grad
    check(lambda t: linalg.slogdet(t).logabsdet, lambda x: np.linalg.slogdet(x)[1], a, seed=seed)


@st.composite
def solve_operands(draw):
    """a (..., M, M) and b: a vector (M,) or a stack (..., M, K) whose batch axes broadcast with a's."""
    a = draw(invertible())
    m = a.shape[-1]
    if draw(st.booleans()):
        b_shape = (m,)
    else:
        batch = draw(st.sampled_from([a.shape[:-2], (), (1,) * len(a.shape[:-2]), (2,) + a.shape[:-2]]))
        b_shape = batch + (m, draw(st.integers(1, 3)))
    return a, draw(aet.arrays(b_shape))


@given(solve_operands(), st.integers(0, 2**16))
def test_solve(operands, seed):
    check(linalg.solve, np.linalg.solve, *operands, seed=seed)


@given(invertible(), st.integers(-3, 4), st.integers(0, 2**16))
def test_matrix_power(a, n, seed):
    a = a / a.shape[-1]  # entries of order 1, so that a power stays of order 1
    check(lambda t: linalg.matrix_power(t, n), lambda x: np.linalg.matrix_power(x, n), a, seed=seed)


def test_matrix_power_zero_is_the_identity_with_gradient_zero():
    a = ae.Tensor(RNG.standard_normal((2, 3, 3)), requires_grad=True)
    out = linalg.matrix_power(a, 0)
    np.testing.assert_array_equal(out.data, np.broadcast_to(np.eye(3), (2, 3, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.zeros((2, 3, 3)))


def test_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    a0 = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b0 = RNG.standard_normal((2, 3, 2))
    cases = {
        "inv": (lambda a, b: linalg.inv(a), lambda a, b: torch.linalg.inv(a)),
        "det": (lambda a, b: linalg.det(a), lambda a, b: torch.linalg.det(a)),
        "slogdet": (lambda a, b: linalg.slogdet(a).logabsdet, lambda a, b: torch.linalg.slogdet(a).logabsdet),
        "solve": (lambda a, b: linalg.solve(a, b), lambda a, b: torch.linalg.solve(a, b)),
        "matrix_power": (lambda a, b: linalg.matrix_power(a, -2), lambda a, b: torch.linalg.matrix_power(a, -2)),
    }
    for name, (engine, reference) in cases.items():
        a, b = ae.Tensor(a0, requires_grad=True), ae.Tensor(b0, requires_grad=True)
        ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
        out, tout = engine(a, b), reference(ta, tb)
        g = RNG.standard_normal(out.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=name)
        if name == "solve":
            np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-11, atol=1e-13)


def test_singular_matrices_are_named_with_their_batch_element():
    a = np.stack([np.eye(2), np.ones((2, 2))])
    with pytest.raises(linalg.LinAlgError, match=r"inv: the matrix is singular \(batch element \(1,\)\), shape \(2, 2\)"):
        linalg.inv(a)
    with pytest.raises(np.linalg.LinAlgError, match=r"solve: the matrix is singular \(batch element \(1,\)\)"):
        linalg.solve(a, np.ones(2))  # NumPy's error class catches it too
    det = linalg.det(ae.Tensor(a, requires_grad=True))
    np.testing.assert_allclose(det.data, [1.0, 0.0])
    with pytest.raises(linalg.LinAlgError, match=r"det \(its gradient\): the matrix is singular \(batch element \(1,\)\)"):
        det.sum().backward()


def test_non_square_input_names_the_shape():
    for name in ("inv", "det", "slogdet", "cholesky", "eigh"):
        with pytest.raises(ValueError, match=rf"{name}: expected square matrices, an array of shape \(\.\.\., n, n\), got shape \(2, 3\)"):
            getattr(linalg, name)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"solve: a of shape \(3, 3\) and b of shape \(2,\) do not fit"):
        linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match=r"svd: expected matrices, an array of shape \(\.\.\., m, n\), got shape \(3,\)"):
        linalg.svd(np.ones(3))
    with pytest.raises(TypeError, match=r"matrix_power: n must be an integer, got 1.5"):
        linalg.matrix_power(np.eye(2), 1.5)


def test_linalg_lives_in_its_namespace():
    """NumPy's place for these names; a top-level ae.svd would read as PyTorch's torch.svd (which returns V)."""
    for name in ("inv", "det", "slogdet", "solve", "matrix_power", "cholesky", "eigh", "svd", "qr", "pinv"):
        assert callable(getattr(linalg, name))
        assert not hasattr(ae, name), name
    assert ae.linalg is linalg
