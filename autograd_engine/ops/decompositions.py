"""Matrix decompositions, as ``numpy.linalg`` computes them: ``cholesky``, ``eigh``, ``svd``, ``qr``;
and ``pinv`` composed from ``svd``.  Public as ``autograd_engine.linalg.<name>``.

A primitive has one output, so a decomposition with several (eigenvalues and eigenvectors; U, S and
Vh; Q and R) computes them packed into one array along the last axes, and the public function
returns slices of it: the gradients of the slices meet in the packed gradient, which the rule takes
apart.  The rules are the standard ones (as PyTorch's): written with ``@``, ``swapaxes``, ``inv`` and
slicing, so they are differentiable again.  Where a rule divides by the gaps between eigenvalues or
singular values, repeated values give inf/NaN gradients unless only the values themselves are used
(then that term is skipped, as PyTorch skips it); see EDGE_CASES.md.

``cholesky`` and ``eigh`` read one triangle of the matrix (NumPy's); their gradients are the symmetric
ones PyTorch gives: right for a symmetric input moved symmetrically.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..checks import check_bool, check_choice
from ..function import Primitive, apply
from ..grad_mode import is_grad_enabled
from ..operands import value
from ..tensor import Tensor
from .elementwise import where
from .inverse import LinAlgError, failing_element, inverse, matrix_shape, square_shape, transposed
from .join import concatenate


def _joined(parts: list[Any]) -> Any:
    """``parts`` joined along the last axis: the op on Tensors, NumPy's on arrays."""
    if any(isinstance(p, Tensor) for p in parts):
        return concatenate(parts, axis=-1)
    return np.concatenate(parts, axis=-1)


def _nonzero(g: Any) -> bool:
    """Whether a gradient block holds anything (the block of an output that was not used is all zeros)."""
    return bool(np.any(g.data if isinstance(g, Tensor) else g))


def _recording(a: Any) -> bool:
    """Whether an op on ``a`` will be recorded: grad mode on and ``a`` requires grad."""
    if isinstance(a, (list, tuple)):
        return is_grad_enabled() and any(_recording(x) for x in a)
    return is_grad_enabled() and isinstance(a, Tensor) and a.requires_grad


# ----- cholesky ---------------------------------------------------------------------------------------


class Cholesky(Primitive):
    """L with A = L L^T.  Gradient: S = L^-T Phi(L^T g) L^-1, with Phi the lower triangle with the diagonal
    halved, made symmetric: (S + S^T) / 2."""

    __slots__ = ()
    name = "cholesky"

    def forward(self, a):
        try:
            return np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"cholesky: the matrix is not positive definite{failing_element(np.linalg.cholesky, a)}, "
                              f"shape {a.shape[-2:]}; a Cholesky factor exists only for symmetric positive definite "
                              f"matrices (add a small multiple of the identity if it is semi-definite)") from None

    def backward(self, g, out, a):
        n = a.shape[-1]
        lower_half_diagonal = np.tril(np.ones((n, n), dtype=out.dtype)) - 0.5 * np.eye(n, dtype=out.dtype)
        phi = (transposed(out) @ g) * lower_half_diagonal
        l_inv = inverse(out, "cholesky (its gradient)")
        s = transposed(l_inv) @ phi @ l_inv
        return (0.5 * (s + transposed(s)),)


def cholesky(a: Any) -> Any:
    """The lower-triangular L with ``a = L @ L.T`` of each symmetric positive definite matrix
    (``numpy.linalg.cholesky``, which reads the lower triangle); otherwise ``LinAlgError``."""
    square_shape(a, "cholesky")
    return apply(Cholesky(), a)


# ----- eigh -----------------------------------------------------------------------------------------------


class Eigh(Primitive):
    """Eigenvalues w (ascending) and eigenvectors V of a symmetric matrix, packed as (..., n + 1, n):
    row 0 is w, the rest is V.  Gradient: V (diag(gw) + skew(V^T gV) / E) V^T with
    E_ij = w_j - w_i and skew(X) = (X - X^T) / 2 (PyTorch's); the second term only when gV is not 0."""

    __slots__ = ("UPLO",)
    name = "eigh"

    def __init__(self, UPLO: str) -> None:  # noqa: N803  (NumPy's name)
        self.UPLO = UPLO

    def forward(self, a):
        w, v = np.linalg.eigh(a, UPLO=self.UPLO)
        return np.concatenate([w[..., None, :], v], axis=-2)

    def backward(self, g, out, a):
        n = a.shape[-1]
        identity = np.eye(n, dtype=out.dtype)
        w, v = out[..., 0, :], out[..., 1:, :]
        gw, gv = g[..., 0, :], g[..., 1:, :]
        inner = gw[..., :, None] * identity
        if _nonzero(gv):
            vtgv = transposed(v) @ gv
            gaps = w[..., None, :] - w[..., :, None] + identity  # 1 on the diagonal, where skew(.) is 0
            inner = inner + 0.5 * (vtgv - transposed(vtgv)) / gaps
        return (v @ inner @ transposed(v),)


class EighResult(NamedTuple):
    """``numpy.linalg.eigh``'s pair: eigenvalues (ascending) and eigenvectors (the columns)."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803  (NumPy's name)
    """Eigenvalues (ascending, shape (..., n)) and eigenvectors (columns, (..., n, n)) of each symmetric
    matrix (``numpy.linalg.eigh``, which reads the ``UPLO`` triangle).  An eigenvector's sign is
    arbitrary (LAPACK's choice): a loss should not depend on it.  Repeated eigenvalues: see the module."""
    square_shape(a, "eigh")
    UPLO = check_choice(UPLO, "UPLO", "eigh", ("L", "U"))  # noqa: N806
    packed = apply(Eigh(UPLO), a)
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


# ----- svd ---------------------------------------------------------------------------------------------------


class SVD(Primitive):
    """The reduced SVD A = U diag(S) Vh, packed as (..., k, m + 1 + n): U^T, S as a column, Vh.

    Gradient (PyTorch's): U [skew(U^T gU) S / E + S skew(V^T gV) / E + diag(gS)] Vh, with
    E_ij = S_j^2 - S_i^2 and skew(X) = X - X^T, plus (I - U U^T) gU S^-1 Vh for a tall A and
    U S^-1 gV^T (I - V V^T) for a wide one; the terms in gU and gV only when they are not 0."""

    __slots__ = ()
    name = "svd"

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.concatenate([transposed(u), s[..., :, None], vh], axis=-1)

    def backward(self, g, out, a):
        m, n = a.shape[-2:]
        k = min(m, n)
        identity = np.eye(k, dtype=out.dtype)
        u, s, vh = transposed(out[..., :, :m]), out[..., :, m], out[..., :, m + 1 :]
        gu, gs, gvh = transposed(g[..., :, :m]), g[..., :, m], g[..., :, m + 1 :]
        inner = gs[..., :, None] * identity
        vectors = _nonzero(gu) or _nonzero(gvh)
        if vectors:
            s2 = s * s
            gaps = s2[..., None, :] - s2[..., :, None] + identity
            utgu, vtgv = transposed(u) @ gu, vh @ transposed(gvh)
            inner = inner + ((utgu - transposed(utgu)) * s[..., None, :] + s[..., :, None] * (vtgv - transposed(vtgv))) / gaps
        ga = u @ inner @ vh
        if vectors and m > k:
            ga = ga + ((gu - u @ (transposed(u) @ gu)) / s[..., None, :]) @ vh
        if vectors and n > k:
            gv = transposed(gvh)
            ga = ga + u @ transposed((gv - transposed(vh) @ (vh @ gv)) / s[..., None, :])
        return (ga,)


class SVDResult(NamedTuple):
    """``numpy.linalg.svd``'s triple: U, the singular values S (descending), Vh; ``a = U @ diag(S) @ Vh``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> SVDResult | Any:
    """The singular value decomposition of each matrix (``numpy.linalg.svd``; no ``hermitian``).

    ``full_matrices=True`` (NumPy's default) completes U or Vh of a non-square matrix with columns that
    ``a`` does not determine, so they have no gradient: backward through that factor is refused, as in
    PyTorch (S and the other factor differentiate) -- pass ``full_matrices=False`` for both.  With
    ``compute_uv=False`` only S is returned.  The signs of a pair of singular vectors are arbitrary
    (LAPACK's choice): a loss should not depend on them.  Repeated singular values: see the module.
    """
    full_matrices = check_bool(full_matrices, "full_matrices", "svd")
    compute_uv = check_bool(compute_uv, "compute_uv", "svd")
    m, n = matrix_shape(a, "svd")[-2:]
    if full_matrices and compute_uv and m != n and not _recording(a):
        return SVDResult(*(Tensor(x) for x in np.linalg.svd(np.asarray(value(a)), full_matrices=True)))
    packed = apply(SVD(), a)
    if not compute_uv:
        return packed[..., :, m]
    u, s, vh = transposed(packed[..., :, :m]), packed[..., :, m], packed[..., :, m + 1 :]
    if full_matrices and m != n:  # complete U (tall) or Vh (wide); S and the other factor keep their gradients
        full_u, _, full_vh = np.linalg.svd(np.asarray(value(a)), full_matrices=True)
        k = min(m, n)
        if m > n:
            u = apply(CompletedFactor("U", m, n), u, Tensor(full_u[..., :, k:]))
        else:
            vh = apply(CompletedFactor("Vh", m, n), vh, Tensor(full_vh[..., k:, :]))
    return SVDResult(u, s, vh)


class CompletedFactor(Primitive):
    """U (or Vh) of ``svd(full_matrices=True)`` on a non-square matrix: the reduced factor completed with
    columns (rows) the matrix does not determine.  They have no gradient, so backward through this
    factor is refused, as PyTorch refuses it; S and the other factor differentiate as usual."""

    __slots__ = ("factor", "shape")

    def __init__(self, factor: str, m: int, n: int) -> None:
        self.factor, self.shape = factor, (m, n)

    def forward(self, reduced, extra):
        return np.concatenate([reduced, extra], axis=-1 if self.factor == "U" else -2)

    def backward(self, g, out, reduced, extra):
        m, n = self.shape
        raise ValueError(f"svd: the gradient through {self.factor} of full_matrices=True (NumPy's default) on a "
                         f"{m}x{n} matrix is not defined: its {abs(m - n)} added singular vectors are not determined "
                         f"by the matrix (PyTorch refuses it too); use S alone, or svd(..., full_matrices=False)")


# ----- qr --------------------------------------------------------------------------------------------------


def _qr_tall_rule(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The gradient of A = QR for m >= n: (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q, where
    copyltu(M) is the symmetric matrix with M's lower triangle."""
    n = r.shape[-1]
    lower = np.tril(np.ones((n, n), dtype=r.dtype))
    m_ = r @ transposed(gr) - transposed(gq) @ q
    copyltu = m_ * lower + transposed(m_ * (lower - np.eye(n, dtype=r.dtype)))
    return (gq + q @ copyltu) @ transposed(inverse(r, "qr (its gradient)"))


class QR(Primitive):
    """The reduced QR A = Q R, packed as (..., k, m + n): Q^T, then R.  For a wide A = [X | Y] (m < n):
    X = Q U is the square case, and Y = Q V gives gY = Q gV and adds Y gV^T to gQ."""

    __slots__ = ()
    name = "qr"

    def forward(self, a):
        q, r = np.linalg.qr(a, mode="reduced")
        return np.concatenate([transposed(q), r], axis=-1)

    def backward(self, g, out, a):
        m, n = a.shape[-2:]
        q, r = transposed(out[..., :, :m]), out[..., :, m:]
        gq, gr = transposed(g[..., :, :m]), g[..., :, m:]
        if m >= n:
            return (_qr_tall_rule(q, r, gq, gr),)
        y, gu, gv = a[..., :, m:], gr[..., :, :m], gr[..., :, m:]
        gx = _qr_tall_rule(q, r[..., :, :m], gq + y @ transposed(gv), gu)
        return (_joined([gx, q @ gv]),)


class QRResult(NamedTuple):
    """``numpy.linalg.qr``'s pair: Q (orthonormal columns) and R (upper triangular); ``a = Q @ R``."""

    Q: Tensor
    R: Tensor


def qr(a: Any, mode: str = "reduced") -> QRResult | Any:
    """The QR decomposition of each matrix (``numpy.linalg.qr``): ``mode="reduced"`` (Q of shape (..., m, k),
    R (..., k, n), k = min(m, n)), ``"r"`` (R only) or ``"complete"`` (Q square: refused for a tall
    matrix when the result would be recorded, its extra columns having no gradient)."""
    mode = check_choice(mode, "mode", "qr", ("reduced", "r", "complete"))
    m, n = matrix_shape(a, "qr")[-2:]
    if mode == "complete" and m > n:
        if _recording(a):
            raise ValueError(f"qr: mode='complete' on a {m}x{n} matrix adds {m - n} columns to Q that the matrix does "
                             f"not determine, so they have no gradient; use mode='reduced'")
        return QRResult(*(Tensor(x) for x in np.linalg.qr(np.asarray(value(a)), mode="complete")))
    packed = apply(QR(), a)
    r = packed[..., :, m:]
    return r if mode == "r" else QRResult(transposed(packed[..., :, :m]), r)


# ----- pinv ---------------------------------------------------------------------------------------------------


def pinv(a: Any, rcond: Any = None, *, rtol: Any = None) -> Any:
    """The Moore-Penrose pseudo-inverse of each matrix (``numpy.linalg.pinv``), composed from ``svd``:
    V diag(1/S) U^T with the singular values at or below ``rcond * max(S)`` dropped (``rcond`` defaults
    to 1e-15, NumPy's; ``rtol`` is NumPy 2's name for it).
    Differentiable where the rank does not change (PyTorch's pinv too); a dropped value gets no gradient."""
    if rcond is not None and rtol is not None:
        raise ValueError("pinv: pass rcond or rtol, not both")
    u, s, vh = svd(a, full_matrices=False)
    if rcond is None:
        rcond = 1e-15 if rtol is None else rtol
    cutoff = np.asarray(rcond)[..., None] * np.max(s.data, axis=-1, keepdims=True) if s.shape[-1] else 0.0
    large = s.data > cutoff
    s_inverse = where(large, 1.0 / where(large, s, 1.0), 0.0)  # never 1/0, whose gradient would be NaN
    return transposed(vh) @ (s_inverse[..., :, None] * transposed(u))
