"""Linear algebra with NumPy's names and semantics (``numpy.linalg``), batched over leading axes, each
op with its gradient: ``autograd_engine.linalg.inv(a)``, ``linalg.svd(a, full_matrices=False)``, ...

The primitives and their rules live in ``ops/inverse.py`` (inv, det, slogdet, solve, matrix_power)
and ``ops/decompositions.py`` (cholesky, eigh, svd, qr, pinv), ``norm`` in ``ops/norm.py``; this module is
their public namespace.
"""
from .ops.decompositions import EighResult, QRResult, SVDResult, cholesky, eigh, pinv, qr, svd
from .ops.inverse import LinAlgError, SlogdetResult, det, inv, matrix_power, slogdet, solve
from .ops.linalg import matmul
from .ops.norm import norm

__all__ = [
    "inv", "det", "slogdet", "solve", "matrix_power", "cholesky", "eigh", "svd", "qr", "pinv", "matmul", "norm",
    "LinAlgError", "SlogdetResult", "EighResult", "SVDResult", "QRResult",
]
