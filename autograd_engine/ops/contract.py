"""Matrix pieces and contractions: einsum (the primitive), and composed of it or of indexing:
tensordot, inner, outer, kron, cross, tril, triu, diagonal, diag, trace.

einsum's gradient with respect to one operand is another einsum: the upstream gradient contracted
with the other operands, back to that operand's subscripts.  Two cases need more than that, and
both are handled by extra constant operands of that einsum:

- an index repeated within the operand (``ii->i``, the diagonal): the gradient lies on the diagonal,
  which einsum cannot write (an output index may not repeat), so the second occurrence gets a fresh
  index tied to the first by an identity matrix;
- an index of the operand found nowhere else (``ij->i`` sums ``j`` away): every element of that axis
  gets the same gradient, so a vector of ones brings the axis back.

Broadcasting (size-1 axes of ``...`` or of a named index) is done before the primitive, by
``broadcast_to``, whose gradient sums the copies back; so the primitive only meets equal sizes.
"""
from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import check_int
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..operands import as_operand, normalize_axis, shape_of, value
from ..tensor import Tensor
from .dispatch import einsum as einsum_rule
from .elementwise import multiply, where
from .index import getitem, scatter_into_zeros
from .join import stack
from .reduce import sum as reduce_sum
from .reorder import as_tensor
from .shape import broadcast_to, moveaxis, reshape

_LETTERS = string.ascii_letters


class Einsum(Primitive):
    """``np.einsum`` with explicit subscripts, every operand's sizes already agreeing (no
    broadcasting, no ellipsis: the ``einsum`` function spells those out)."""

    __slots__ = ("terms", "output")
    name = "einsum"

    def __init__(self, terms: tuple[str, ...], output: str) -> None:
        self.terms, self.output = terms, output

    def describe(self) -> str:
        return f"einsum('{','.join(self.terms)}->{self.output}')"

    def forward(self, *arrays):
        return np.einsum(f"{','.join(self.terms)}->{self.output}", *arrays, optimize=len(arrays) > 1)

    def backward(self, g, out, *inputs):
        return tuple(self._gradient(i, g, inputs) if needed else None for i, needed in enumerate(self.needs_grad))

    def _gradient(self, i: int, g: Any, inputs: tuple[Any, ...]) -> Any:
        """The upstream gradient contracted with every operand but the ``i``-th, back to its subscripts."""
        term, shape = self.terms[i], inputs[i].shape
        dtype = np.asarray(value(g)).dtype
        subscripts = [self.output] + [t for j, t in enumerate(self.terms) if j != i]
        operands = [g] + [x for j, x in enumerate(inputs) if j != i]
        elsewhere = set("".join(subscripts))
        fresh = (c for c in _LETTERS if c not in elsewhere and c not in term)
        target = ""
        for c, n in zip(term, shape):
            if c in target:  # a repeated index: write to a fresh one, kept equal to c by an identity
                d = next(fresh)
                subscripts.append(c + d)
                operands.append(np.eye(n, dtype=dtype))
                target += d
                continue
            if c not in elsewhere:  # summed away in the forward: each element gets the gradient
                subscripts.append(c)
                operands.append(np.ones(n, dtype=dtype))
            target += c
        return einsum_rule(f"{','.join(subscripts)}->{target}", *operands)


@op()
def einsum(subscripts: str, *operands: Any) -> Any:
    """Einstein summation, as NumPy's ``einsum``: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Explicit (``->``) and implicit output (the indices named once, in alphabetical order), repeated
    indices (``ii->i`` reads the diagonal, ``ii`` is the trace), ``...`` for broadcast leading axes,
    and any number of operands.  Size-1 axes broadcast as in NumPy.  Only the subscripts-string
    form is taken (not NumPy's interleaved operand/sublist form).  PyTorch's single list of operands
    (``einsum('ij,jk->ik', [a, b])``) is taken as the operands when it holds one per input term."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the first argument must be the subscripts string, such as 'ij,jk->ik', got "
                        f"{subscripts!r} (NumPy's interleaved operand/sublist form is not supported)")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)) and _one_per_term(subscripts, operands[0]):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: give at least one operand after the subscripts")
    operands = [as_operand(x, "einsum", f"operand {i}") for i, x in enumerate(operands)]
    shapes = [shape_of(x) for x in operands]
    terms, output = _explicit_subscripts(subscripts, shapes)
    sizes = _index_sizes(subscripts, terms, shapes)
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        full = tuple(sizes[c] for c in term)
        if full != shape:
            operands[i] = broadcast_to(operands[i], full)
    return apply(Einsum(tuple(terms), output), *operands)


def _one_per_term(subscripts: str, items: list | tuple) -> bool:
    """True when ``items`` is PyTorch's list of operands: one per input term of ``subscripts`` (two terms
    or more; a single term with a list of Tensors or arrays), rather than one array-like operand."""
    terms = subscripts.split("->")[0].count(",") + 1
    if len(items) != terms:
        return False
    return terms > 1 or all(isinstance(x, (Tensor, np.ndarray)) for x in items)


def _explicit_subscripts(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output with letters only: ``...`` replaced by
    letters of its own (right-aligned, as broadcasting aligns), the implicit output spelled out."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(terms)} operand(s), but "
                         f"{len(shapes)} were given (shapes {', '.join(map(str, shapes))})")
    for term in [*terms, output]:
        if set(term.replace("...", "", 1)) - set(_LETTERS):
            raise ValueError(f"einsum: invalid subscripts {term!r} in {subscripts!r}: each operand is named by "
                             f"letters a-z, A-Z and at most one '...', operands are separated by ',' and the output "
                             f"follows '->'")
    named = "".join(terms).replace("...", "")
    if not arrow:
        counts = Counter(named)
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    ellipsis_dims = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        letters = len(term.replace("...", ""))
        if len(shape) != letters and not ("..." in term and len(shape) > letters):
            raise ShapeError(f"einsum: operand {i} has shape {shape} ({len(shape)} dimension(s)), but its subscripts "
                             f"{term!r} name {letters}; give one letter per dimension (or '...' for the leading ones)")
        ellipsis_dims.append(len(shape) - letters)
    for c in output.replace("...", ""):
        if c not in named:
            raise ValueError(f"einsum: the output index {c!r} in {subscripts!r} appears in no operand")
        if output.count(c) > 1:
            raise ValueError(f"einsum: the output index {c!r} repeats in {subscripts!r}; an output index appears once")
    spare = [c for c in _LETTERS if c not in named]
    broadcast = "".join(spare[: max(ellipsis_dims, default=0)])
    terms = [t.replace("...", broadcast[len(broadcast) - e :] if e else "") for t, e in zip(terms, ellipsis_dims)]
    return terms, output.replace("...", broadcast)


def _index_sizes(subscripts: str, terms: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """The size of every index; sizes of one index must agree, or be 1 (broadcast)."""
    sizes: dict[str, int] = {}
    seen_in: dict[str, int] = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        for c, n in zip(term, shape):
            known = sizes.get(c, 1)
            if n != known and 1 not in (n, known):
                j = seen_in[c]
                raise ShapeError(f"einsum: index {c!r} of {subscripts!r} has size {known} in operand {j} (shape "
                                 f"{shapes[j]}) but {n} in operand {i} (shape {shape}); sizes of one index must "
                                 f"agree (or be 1, to broadcast)")
            if c not in sizes or known == 1:
                sizes[c] = n
                seen_in[c] = i
    return sizes


@op()
def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Any:
    """Sum the products over ``axes``: the last ``axes`` axes of ``a`` with the first of ``b``
    (an int), or ``(axes_a, axes_b)`` paired in order, as NumPy's ``tensordot``."""
    sa, sb = shape_of(a, "tensordot"), shape_of(b, "tensordot")
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = check_int(axes, "axes", "tensordot", low=0)
        if n > min(len(sa), len(sb)):
            raise ShapeError(f"tensordot: cannot sum over {n} axes of shapes {sa} and {sb}")
        axes_a, axes_b = list(range(len(sa) - n, len(sa))), list(range(n))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        axes_a, axes_b = ([normalize_axis(x, len(s), "tensordot") for x in (v if isinstance(v, (tuple, list)) else [v])]
                          for v, s in zip(axes, (sa, sb)))
    else:
        raise TypeError(f"tensordot: axes must be an int or a pair (axes of a, axes of b), got {axes!r}")
    if len(axes_a) != len(axes_b) or any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
        raise ShapeError(f"tensordot: axes {list(axes_a)} of shape {sa} and {list(axes_b)} of shape {sb} must pair "
                         f"up with equal sizes")
    letters = iter(_LETTERS)
    term_a = [next(letters) for _ in sa]
    term_b = [next(letters) for _ in sb]
    for i, j in zip(axes_a, axes_b):
        term_b[j] = term_a[i]
    output = [c for k, c in enumerate(term_a) if k not in axes_a] + [c for k, c in enumerate(term_b) if k not in axes_b]
    return einsum(f"{''.join(term_a)},{''.join(term_b)}->{''.join(output)}", a, b)


@op(method=True)
def inner(a: Any, b: Any) -> Any:
    """Sum of products over the last axes (NumPy's ``inner``; a 0-d operand multiplies)."""
    sa, sb = shape_of(a, "inner"), shape_of(b, "inner")
    if not sa or not sb:
        return multiply(a, b)
    if sa[-1] != sb[-1]:
        raise ShapeError(f"inner: the last axes of shapes {sa} and {sb} must have the same length")
    return tensordot(a, b, ([-1], [-1]))


@op(method=True)
def outer(a: Any, b: Any) -> Any:
    """``out[i, j] = a[i] * b[j]`` of the flattened operands (NumPy's ``outer``)."""
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


@op(method=True)
def kron(a: Any, b: Any) -> Any:
    """The Kronecker product: blocks ``a[i, j] * b`` (NumPy's ``kron``; the operand with fewer axes
    gets leading size-1 axes).  Composed of reshape and multiply."""
    sa, sb = shape_of(a, "kron"), shape_of(b, "kron")
    ndim = max(len(sa), len(sb))
    sa, sb = (1,) * (ndim - len(sa)) + sa, (1,) * (ndim - len(sb)) + sb
    blocks = multiply(reshape(a, tuple(n for side in sa for n in (side, 1))),
                      reshape(b, tuple(n for side in sb for n in (1, side))))
    return reshape(blocks, tuple(m * n for m, n in zip(sa, sb)))


@op(method=True, dim=True)
def cross(a: Any, b: Any, axis: int = -1) -> Any:
    """The cross product of 3-vectors along ``axis`` of each operand (NumPy's ``cross`` with
    ``axis=``; the other axes broadcast)."""
    a, b = as_tensor(a, "cross", "a"), as_tensor(b, "cross", "b")
    for name, x in (("a", a), ("b", b)):
        if not x.ndim or x.shape[normalize_axis(axis, x.ndim, "cross")] != 3:
            raise ShapeError(f"cross: {name} of shape {x.shape} needs length 3 along axis {axis} (3-vectors)")
    a, b = moveaxis(a, axis, -1), moveaxis(b, axis, -1)
    a0, a1, a2 = (a[..., k] for k in range(3))
    b0, b1, b2 = (b[..., k] for k in range(3))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axis)


def _triangle(m: Any, k: int, name: str, lower: bool) -> Any:
    shape = shape_of(m, name)
    if not shape:
        raise ShapeError(f"{name}: the input must have at least 1 dimension, got a 0-d tensor")
    k = check_int(k, "k", name)
    rows, cols = shape[-2:] if len(shape) >= 2 else (shape[-1], shape[-1])
    keep = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return where(keep, m, 0)


@op(method=True)
def tril(m: Any, k: int = 0) -> Any:
    """The lower triangle of the last two axes: zeros above the ``k``-th diagonal (NumPy's ``tril``)."""
    return _triangle(m, k, "tril", lower=True)


@op(method=True)
def triu(m: Any, k: int = 0) -> Any:
    """The upper triangle of the last two axes: zeros below the ``k``-th diagonal (NumPy's ``triu``)."""
    return _triangle(m, k, "triu", lower=False)


def _diagonal_positions(rows: int, cols: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each element of the ``offset``-th diagonal of a rows x cols matrix."""
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = np.arange(length)
    return (steps, steps + offset) if offset >= 0 else (steps - offset, steps)


@op(method=True)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset``-th diagonal in the plane of ``axis1`` and ``axis2``, as a new last axis (NumPy's
    ``diagonal``, a copy).  Gradient: the upstream gradient on that diagonal, zeros elsewhere."""
    shape = shape_of(a, "diagonal")
    if len(shape) < 2:
        raise ShapeError(f"diagonal: the input must have at least 2 dimensions, got shape {shape}")
    first, second = normalize_axis(axis1, len(shape), "diagonal"), normalize_axis(axis2, len(shape), "diagonal")
    if first == second:
        raise ShapeError(f"diagonal: axis1 and axis2 must be different axes, got {axis1} and {axis2}")
    offset = check_int(offset, "offset", "diagonal")
    rows, cols = _diagonal_positions(shape[first], shape[second], offset)
    return getitem(moveaxis(a, (first, second), (-2, -1)), (Ellipsis, rows, cols))


@op(method=True)
def diag(v: Any, k: int = 0) -> Any:
    """A 1-D ``v``: the square matrix with ``v`` on its ``k``-th diagonal; a 2-D ``v``: its ``k``-th
    diagonal (NumPy's ``diag``)."""
    shape = shape_of(v, "diag")
    k = check_int(k, "k", "diag")
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ShapeError(f"diag: the input must be 1-D (to build a matrix) or 2-D (to read a diagonal), got shape {shape}")
    n = shape[0] + abs(k)
    return scatter_into_zeros(v, _diagonal_positions(n, n, k), (n, n))


@op(method=True)
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum along a diagonal (NumPy's ``trace``): ``diagonal(a, offset, axis1, axis2).sum(-1)``."""
    return reduce_sum(diagonal(a, offset, axis1, axis2), axis=-1)
