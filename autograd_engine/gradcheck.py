"""Gradient checking: compare the engine's gradients with centred finite differences.

- :func:`numerical_gradient` -- the centred formula (f(x+h) - f(x-h)) / 2h, coordinate by coordinate.
- :func:`rel_error` -- |a - b| / max(|a|, |b|), with two zeros counted as exact.
- :func:`gradcheck` -- runs a function of Tensors in float64, backpropagates a random
  upstream gradient, and compares every input's gradient (or ``n_samples`` coordinates
  drawn from every input) with the numerical one.  It re-seeds the library's randomness
  before each evaluation (so dropout is checked on one mask) and recognises kinks: a
  coordinate where a relu/abs/max/clip winner flips between f(x+h) and f(x-h) has no
  derivative to compare, so it is reported as a kink instead of failing.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import random as ae_random
from .checks import check_bool, check_callable, check_int, check_real
from .errors import EngineError
from .grad_contexts import enable_grad, no_grad
from .operands import value as tensor_value
from .tensor import Tensor


def rel_error(a: Any, b: Any) -> float:
    """Largest elementwise |a - b| / max(|a|, |b|); where both are 0 the error is 0, and where
    either is NaN it is NaN (so a NaN never hides as a perfect match)."""
    a = np.asarray(getattr(a, "data", a) if isinstance(a, Tensor) else a, dtype=np.float64)
    b = np.asarray(getattr(b, "data", b) if isinstance(b, Tensor) else b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    errors = np.divide(diff, scale, out=np.zeros(np.broadcast(a, b).shape), where=scale > 0)
    errors[np.isnan(diff)] = np.nan
    return float(errors.max()) if errors.size else 0.0


def numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-5, df: Any = None) -> np.ndarray:
    """Centred finite-difference gradient of ``f`` at ``x`` (``x`` is modified and restored).

    ``f`` maps the array ``x`` to a scalar, or to an array whose gradient is taken
    against the upstream gradient ``df`` (the CS231n ``eval_numerical_gradient_array``).
    """
    h = check_real(h, "h", "numerical_gradient", low=0.0, low_open=True)
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = _scalar(f(x), df)
        x[index] = original - h
        minus = _scalar(f(x), df)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _scalar(value: Any, df: Any) -> float:
    value = np.asarray(tensor_value(value), dtype=np.float64)
    return float(np.sum(value * df)) if df is not None else float(value.sum())


@dataclass
class InputReport:
    """Gradient check of one input: the worst coordinates and the kinks that were skipped."""

    index: int
    shape: tuple[int, ...]
    checked: int
    max_rel_error: float
    max_abs_error: float
    failures: list[tuple[tuple[int, ...], float, float]] = field(default_factory=list)
    kinks: list[tuple[int, ...]] = field(default_factory=list)
    worst: list[tuple[tuple[int, ...], float, float, float]] = field(default_factory=list)


@dataclass
class GradcheckReport:
    """Result of :func:`gradcheck`; truthy when every checked coordinate agrees."""

    inputs: list[InputReport]
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        return all(not r.failures for r in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def kinks(self) -> list[tuple[int, tuple[int, ...]]]:
        """(input index, coordinate) of every coordinate skipped as a kink."""
        return [(r.index, k) for r in self.inputs for k in r.kinks]

    def table(self) -> str:
        """A readable table: per input its max errors, then the worst coordinates."""
        lines = [f"gradcheck {'passed' if self.passed else 'FAILED'} (atol={self.atol:g}, rtol={self.rtol:g})"]
        lines.append(f"{'input':>5} {'shape':>14} {'checked':>7} {'kinks':>5} {'max rel err':>12} {'max abs err':>12}")
        for r in self.inputs:
            lines.append(
                f"{r.index:>5} {str(r.shape):>14} {r.checked:>7} {len(r.kinks):>5} "
                f"{r.max_rel_error:>12.3e} {r.max_abs_error:>12.3e}"
            )
        for r in self.inputs:
            for coord, analytic, numeric, err in r.worst[:5]:
                mark = "  <-- fails" if any(coord == f[0] for f in r.failures) else ""
                lines.append(
                    f"  input {r.index} at {coord}: analytic {analytic:+.8e}  numerical {numeric:+.8e}  "
                    f"rel err {err:.2e}{mark}"
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


class GradcheckError(EngineError, AssertionError):
    """Raised by ``gradcheck(..., raise_exception=True)`` when a coordinate disagrees."""


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    n_samples: int | None = None,
    seed: int = 0,
    raise_exception: bool = False,
) -> GradcheckReport:
    """Check the gradients of ``f(*inputs)`` against centred finite differences, in float64.

    ``inputs`` are Tensors or arrays; floating ones are checked (copied to float64 and
    made to require grad), others are passed through unchanged.  A non-scalar output is
    reduced with a random upstream gradient (an all-ones one would hide bugs).  A
    coordinate passes when |analytic - numerical| <= atol + rtol * |numerical|.
    With ``n_samples``, that many coordinates are drawn from *every* checked input.
    Returns a :class:`GradcheckReport` (truthy when the check passes); with
    ``raise_exception=True`` a failure raises :class:`GradcheckError` with the table.
    ``eps`` must be positive and finite, ``atol`` and ``rtol`` non-negative and finite
    (ValueError otherwise); a NaN gradient fails and is reported as NaN.
    """
    eps = check_real(eps, "eps", "gradcheck", low=0.0, low_open=True)
    atol = check_real(atol, "atol", "gradcheck", low=0.0)
    rtol = check_real(rtol, "rtol", "gradcheck", low=0.0)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", "gradcheck", low=1)
    raise_exception = check_bool(raise_exception, "raise_exception", "gradcheck")
    seed = check_int(seed, "seed", "gradcheck", low=0)
    check_callable(f, "f", "gradcheck", "inputs -> Tensor")
    rng = np.random.default_rng(seed)
    arrays = [_as_float64(x) for x in inputs]
    checked = [i for i, a in enumerate(arrays) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if not checked:
        raise ValueError("gradcheck: no floating-point input to check")

    def evaluate(values: list[Any], record: bool) -> Tensor:
        ae_random.seed(seed)
        tensors = [Tensor(v, requires_grad=record) if i in checked else v for i, v in enumerate(values)]
        context = enable_grad() if record else no_grad()
        with context:
            out = f(*tensors)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        return out, tensors

    out, tensors = evaluate([a.copy() if isinstance(a, np.ndarray) else a for a in arrays], record=True)
    upstream = rng.standard_normal(out.shape)
    if not out.requires_grad:
        raise ValueError("gradcheck: the output does not depend on any floating input")
    out.backward(upstream)
    analytic = {i: (tensors[i].grad if tensors[i].grad is not None else np.zeros(arrays[i].shape)) for i in checked}

    reports = []
    for i in checked:
        x = arrays[i]
        coords = list(np.ndindex(x.shape))
        if n_samples is not None and n_samples < len(coords):
            picks = rng.choice(len(coords), size=n_samples, replace=False)
            coords = [coords[p] for p in sorted(picks)]
        report = InputReport(index=i, shape=x.shape, checked=len(coords), max_rel_error=0.0, max_abs_error=0.0)
        rows = []
        for coord in coords:
            original = x[coord]
            x[coord] = original + eps
            plus_out, _ = evaluate(arrays, record=True)
            plus_kinks = branch_signature(plus_out)
            plus = float(np.sum(plus_out.data * upstream))
            x[coord] = original - eps
            minus_out, _ = evaluate(arrays, record=True)
            minus_kinks = branch_signature(minus_out)
            minus = float(np.sum(minus_out.data * upstream))
            x[coord] = original
            if not _same_signature(plus_kinks, minus_kinks):
                report.kinks.append(coord)
                continue
            numeric = (plus - minus) / (2 * eps)
            value = float(analytic[i][coord])
            abs_err = abs(value - numeric)
            err = rel_error(value, numeric)
            rows.append((coord, value, numeric, err))
            report.max_rel_error = _nan_max(report.max_rel_error, err)
            report.max_abs_error = _nan_max(report.max_abs_error, abs_err)
            if not abs_err <= atol + rtol * abs(numeric):
                report.failures.append((coord, value, numeric))
        report.worst = sorted(rows, key=_badness)[:10]
        reports.append(report)
    result = GradcheckReport(reports, atol, rtol)
    if raise_exception and not result:
        raise GradcheckError(result.table())
    return result


def _badness(row: tuple[Any, float, float, float]) -> tuple[bool, float]:
    """Sort key of a report row ``(coord, analytic, numerical, rel err)``: NaN differences first, then
    the largest absolute differences."""
    difference = abs(row[1] - row[2])
    return not math.isnan(difference), -difference


def _nan_max(a: float, b: float) -> float:
    """The larger of ``a`` and ``b``, NaN if either is (Python's ``max`` keeps the first of a NaN pair)."""
    return a if math.isnan(a) or a >= b else b


def _as_float64(x: Any) -> Any:
    if isinstance(x, Tensor):
        x = x.data
    if isinstance(x, (np.ndarray, float, list)) and np.asarray(x).dtype.kind == "f":
        return np.array(x, dtype=np.float64)
    return x


def branch_signature(out: Tensor) -> list[np.ndarray]:
    """Which branch every kinked op in the graph of ``out`` took (see ``Primitive.branch``).

    Two evaluations whose signatures differ straddle a point where the function is not
    differentiable.  Nodes are visited in a deterministic order, so the same code path
    gives lists that line up.
    """
    signature: list[np.ndarray] = []
    seen: set[int] = set()
    stack = [out]
    while stack:
        t = stack.pop()
        node = t._node
        if node is None or id(t) in seen:
            continue
        seen.add(id(t))
        values = [tensor_value(x) for x in node.inputs]
        branch = node.branch(t.data, *values)
        if branch is not None:
            signature.append(np.asarray(branch))
        stack.extend(x for x in node.inputs if isinstance(x, Tensor))
    return signature


def _same_signature(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))
