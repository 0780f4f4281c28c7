"""``autograd_engine.linalg``: cholesky, eigh, svd, qr, pinv.  Forward against NumPy; gradients against
centred finite differences (float64, first and second order) over batched matrices drawn with distinct,
well-separated eigenvalues and singular values; PyTorch float64 as a second oracle.

Eigenvectors and singular vectors have an arbitrary sign, so the checked functions of them do not
depend on it (``v * v``, ``u @ diag(c) @ vh``, ...).  cholesky and eigh read one triangle, so they are
checked through a symmetric parametrisation (``(x + x^T) / 2``): their gradient is the symmetric one."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import linalg
from autograd_engine import testing as aet

PROPERTY_TESTED = {"cholesky", "eigh", "svd", "qr"}  # read by the coverage test in test_primitive_properties.py

RNG = np.random.default_rng(5)


def orthogonal(draw, batch, n):
    q, r = np.linalg.qr(draw(aet.arrays(batch + (n, n), min_value=-1.0, max_value=1.0)) + 2 * np.eye(n))
    return q


@st.composite
def with_spectrum(draw, square: bool, low: float = 0.5, gap: float = 0.4):
    """U diag(s) V^T with s distinct (at least ``gap`` apart) and at least ``low``; symmetric (U = V)
    with values of both signs when ``square`` is "symmetric"."""
    batch = draw(aet.shapes(max_dims=2, max_side=2))
    m = draw(st.integers(1, 3))
    n = m if square else draw(st.integers(1, 3))
    k = min(m, n)
    (values,) = draw(aet.distinct_arrays(batch + (k,), center=0.0, gap=gap, spread=3.0))
    u = orthogonal(draw, batch, m)[..., :, :k]
    v = orthogonal(draw, batch, n)[..., :, :k]
    if square == "symmetric":
        values = np.where(values >= 0, values + low, values - low)
        return (u * values[..., None, :]) @ np.swapaxes(u, -1, -2)
    values = values - values.min(axis=-1, keepdims=True) + low if k else values  # the gaps kept
    return (u * values[..., None, :]) @ np.swapaxes(v, -1, -2)


def symmetric(x):
    return (x + x.swapaxes(-1, -2)) * 0.5


def check(f, *arrays, seed=0):
    aet.assert_gradients_match(f, *arrays, seed=seed)
    aet.assert_second_order_gradients_match(lambda *t: f(*t) * f(*t), *arrays, seed=seed)


# ----- cholesky --------------------------------------------------------------------------------------------


@given(with_spectrum(square="symmetric"), st.integers(0, 2**16))
def test_cholesky(x, seed):
    spd = x @ x.swapaxes(-1, -2) + np.eye(x.shape[-1])
    np.testing.assert_allclose(linalg.cholesky(spd).data, np.linalg.cholesky(spd), rtol=1e-12, atol=1e-12)
    check(lambda t: linalg.cholesky(symmetric(t)), spd, seed=seed)


# ----- eigh ------------------------------------------------------------------------------------------------


@given(with_spectrum(square="symmetric"), st.sampled_from(["L", "U"]), st.integers(0, 2**16))
def test_eigh(a, uplo, seed):
    w, v = linalg.eigh(a, UPLO=uplo)
    expected_w, expected_v = np.linalg.eigh(a, UPLO=uplo)
    np.testing.assert_allclose(w.data, expected_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v.data, expected_v, rtol=1e-12, atol=1e-12)
    c = RNG.standard_normal(a.shape[-1])

    def f(t):
        w, v = linalg.eigh(symmetric(t), UPLO=uplo)
        return v * v * c + w[..., None, :] + (v * c) @ v.swapaxes(-1, -2)  # none depends on v's signs

    check(f, a, seed=seed)


# ----- svd -------------------------------------------------------------------------------------------------------


@given(with_spectrum(square=False), st.integers(0, 2**16))
def test_svd(a, seed):
    u, s, vh = linalg.svd(a, full_matrices=False)
    expected = np.linalg.svd(a, full_matrices=False)
    for got, want in zip((u, s, vh), expected):
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(linalg.svd(a, compute_uv=False).data, expected.S, rtol=1e-12, atol=1e-12)
    k = s.shape[-1]
    c = RNG.standard_normal(k)

    def f(t):
        u, s, vh = linalg.svd(t, full_matrices=False)
        coupled = (u * c) @ vh  # sign-free: a pair of singular vectors flips together
        return ae.concatenate([(u * u * c).sum(axis=-1), s, (vh * vh * c[:, None]).sum(axis=-2), coupled.sum(axis=-1)],
                              axis=-1)

    check(f, a, seed=seed)
    check(lambda t: linalg.svd(t, compute_uv=False), a, seed=seed)


def test_svd_full_matrices_differentiates_s_and_refuses_the_completed_factor_in_backward():
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 2))
    t = ae.Tensor(a, requires_grad=True)
    u, s, vh = linalg.svd(t)  # NumPy's default: full_matrices=True
    assert u.shape == (3, 3) and vh.shape == (2, 2)
    np.testing.assert_allclose(u.data[:, :2] * s.data @ vh.data, a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(u.data.T @ u.data, np.eye(3), atol=1e-12)  # a complete orthonormal U
    (s.sum() + (vh * vh * np.array([[1.0], [2.0]])).sum()).backward()  # S and the determined factor
    theirs = torch.tensor(a, requires_grad=True)
    _, ts, tvh = torch.linalg.svd(theirs, full_matrices=True)
    (ts.sum() + (tvh * tvh * torch.tensor([[1.0], [2.0]], dtype=torch.float64)).sum()).backward()
    np.testing.assert_allclose(t.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"svd: the gradient through U of full_matrices=True .* 3x2 matrix .* "
                                         r"full_matrices=False"):
        (linalg.svd(ae.Tensor(a, requires_grad=True)).U ** 2 * np.arange(9.0).reshape(3, 3)).sum().backward()
    u, s, vh = linalg.svd(a)  # a constant: NumPy's complete U
    np.testing.assert_allclose(np.abs(u.data), np.abs(np.linalg.svd(a)[0]), rtol=1e-12)


# ----- qr --------------------------------------------------------------------------------------------------------


@given(with_spectrum(square=False, low=1.0), st.integers(0, 2**16))
def test_qr(a, seed):
    q, r = linalg.qr(a)
    expected_q, expected_r = np.linalg.qr(a)
    np.testing.assert_allclose(q.data, expected_q, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.data, expected_r, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(linalg.qr(a, mode="r").data, np.linalg.qr(a, mode="r"), rtol=1e-12, atol=1e-12)
    c = RNG.standard_normal(r.shape[-2])

    def f(t):
        q, r = linalg.qr(t)
        return ae.concatenate([((q * c) @ r).sum(axis=-1), (q * q * c).sum(axis=-1), (r * r).sum(axis=-2)], axis=-1)

    check(f, a, seed=seed)


# ----- pinv ------------------------------------------------------------------------------------------------------


@given(with_spectrum(square=False), st.integers(0, 2**16))
def test_pinv(a, seed):
    np.testing.assert_allclose(linalg.pinv(a).data, np.linalg.pinv(a), rtol=1e-11, atol=1e-12)
    check(linalg.pinv, a, seed=seed)


def test_pinv_drops_the_singular_values_below_the_cutoff():
    a = np.array([[1.0, 0.0], [0.0, 1e-20]])
    x = ae.Tensor(a, requires_grad=True)
    out = linalg.pinv(x)
    np.testing.assert_array_equal(out.data, np.linalg.pinv(a))
    out.sum().backward()
    assert np.all(np.isfinite(x.grad))


# ----- PyTorch as a second oracle --------------------------------------------------------------------------------


def test_decompositions_and_their_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    x0 = RNG.standard_normal((2, 4, 3))
    spd0 = x0.swapaxes(-1, -2) @ x0 + np.eye(3)
    c = RNG.standard_normal(3)
    tc = torch.tensor(c)

    def sign_free_eigh(w, v, cc):
        return (v * v * cc).sum(-1) + w

    def sign_free_svd(u, s, vh, cc):
        return ((u * cc) @ vh).sum(-1).sum(-1, keepdim=True) + s

    cases = {
        "cholesky": (spd0, lambda t: linalg.cholesky(t), lambda t: torch.linalg.cholesky(t)),
        "eigh": (spd0, lambda t: sign_free_eigh(*linalg.eigh(t), c), lambda t: sign_free_eigh(*torch.linalg.eigh(t), tc)),
        "svd": (x0, lambda t: sign_free_svd(*linalg.svd(t, full_matrices=False), c),
                lambda t: sign_free_svd(*torch.linalg.svd(t, full_matrices=False), tc)),
        "qr": (x0, lambda t: ae.concatenate(list(linalg.qr(t)), axis=-2), lambda t: torch.cat(torch.linalg.qr(t), dim=-2)),
        "qr wide": (x0.swapaxes(-1, -2).copy(), lambda t: ae.concatenate(list(linalg.qr(t)), axis=-1),
                    lambda t: torch.cat(torch.linalg.qr(t), dim=-1)),
        "pinv": (x0, linalg.pinv, torch.linalg.pinv),
    }
    for name, (a0, engine, reference) in cases.items():
        a, ta = ae.Tensor(a0, requires_grad=True), torch.tensor(a0, requires_grad=True)
        out, tout = engine(a), reference(ta)
        g = RNG.standard_normal(out.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


# ----- repeated eigenvalues and singular values -------------------------------------------------------------------


def test_repeated_eigenvalues_give_finite_gradients_of_the_values_and_inf_or_nan_through_the_vectors():
    """As PyTorch: the eigenvalues alone are differentiable (V diag(gw) V^T); the eigenvectors of a repeated
    eigenvalue are not determined, and the gaps the rule divides by are 0."""
    a = ae.Tensor(np.diag([2.0, 2.0, 5.0]), requires_grad=True)
    w, v = linalg.eigh(a)
    (w * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(a.grad, np.diag([1.0, 2.0, 3.0]), atol=1e-15)  # v is the identity here
    b = ae.Tensor(np.diag([2.0, 2.0, 5.0]), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (linalg.eigh(b).eigenvectors * RNG.standard_normal((3, 3))).sum().backward()
    assert not np.all(np.isfinite(b.grad))


def test_repeated_singular_values_give_finite_gradients_of_the_values_and_inf_or_nan_through_the_vectors():
    a = ae.Tensor(np.diag([3.0, 3.0]), requires_grad=True)
    linalg.svd(a, compute_uv=False).sum().backward()
    np.testing.assert_allclose(a.grad, np.eye(2), atol=1e-15)  # d(sum S) = U Vh
    b = ae.Tensor(np.diag([3.0, 3.0]), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (linalg.svd(b).U * RNG.standard_normal((2, 2))).sum().backward()
    assert not np.all(np.isfinite(b.grad))


def test_not_positive_definite_is_named_with_its_batch_element():
    a = np.stack([np.eye(2), -np.eye(2)])
    with pytest.raises(linalg.LinAlgError, match=r"cholesky: the matrix is not positive definite \(batch element \(1,\)\)"):
        linalg.cholesky(a)


def test_qr_complete_of_a_tall_matrix_is_refused_where_it_would_be_recorded():
    a = RNG.standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"qr: .*mode=.reduced"):
        linalg.qr(ae.Tensor(a, requires_grad=True), mode="complete")
    q, r = linalg.qr(a, mode="complete")  # a constant: NumPy's complete Q
    assert q.shape == (4, 4) and r.shape == (4, 2)
    np.testing.assert_allclose(q.data @ r.data, a, atol=1e-12)
