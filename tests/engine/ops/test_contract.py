"""einsum (a primitive) over a table of subscripts, and the matrix pieces and contractions composed
of it or of indexing (tensordot, inner, outer, kron, cross, tril, triu, diagonal, diag, trace):
forward against NumPy, gradient against finite differences, second order; PyTorch float64 as a
second oracle; errors that name the operand and the shapes."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import Case, check_forward, check_second_order

PROPERTY_TESTED = {"einsum"}

# (subscripts, operand shapes): repeated indices, implicit output, ellipsis with broadcasting, 1-3 operands
EINSUM_TABLE = [
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("i,i", [(4,), (4,)]),
    ("i,i->i", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk->", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 4)]),
    ("...ij,...jk", [(1, 2, 3), (2, 3, 2)]),
    ("i...->...", [(2, 3, 1)]),
    ("...i,...i->...", [(2, 3), (1, 3)]),
    ("...", [(2, 3)]),
    ("i,->i", [(3,), ()]),
    ("ij,j->i", [(1, 3), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # a named index of size 1 broadcasts
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("iJ,Jk->ik", [(2, 2), (2, 3)]),
    ("ij,kl->ijkl", [(0, 2), (2, 1)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_TABLE, ids=[s for s, _ in EINSUM_TABLE])
@given(data=st.data())
def test_einsum_against_numpy_and_finite_differences(subscripts, shapes, data):
    arrays = tuple(data.draw(aet.arrays(s), label=f"operand {i}") for i, s in enumerate(shapes))
    case = Case(lambda *ts: ae.einsum(subscripts, *ts), lambda *a: np.einsum(subscripts, *a), arrays, subscripts)
    seed = data.draw(st.integers(0, 2**16), label="seed")
    check_forward(case)
    aet.assert_gradients_match(case.f, *arrays, seed=seed)
    check_second_order(case, seed)


TORCH_TABLE = [(s, shapes) for s, shapes in EINSUM_TABLE if s != "ij,ij->ij"]  # PyTorch broadcasts only '...'


@pytest.mark.parametrize("subscripts, shapes", TORCH_TABLE, ids=[s for s, _ in TORCH_TABLE])
def test_einsum_gradients_match_pytorch(subscripts, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(subscripts))
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [ae.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = ae.einsum(subscripts, *ours), torch.einsum(subscripts, *theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    expected.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_einsum_trace_and_diagonal_gradients_are_identity_patterns():
    """By hand: d trace(A) / dA = I; the gradient of diag(A) is g on the diagonal."""
    a = ae.Tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    ae.einsum("ii", a).backward()
    np.testing.assert_array_equal(a.grad, np.eye(3))
    a.grad = None
    ae.einsum("ii->i", a).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(a.grad, np.diag([1.0, 2.0, 3.0]))


def test_einsum_errors_name_the_operand_and_the_shapes():
    with pytest.raises(ae.ShapeError, match=r"einsum: operand 1 has shape \(3, 4, 5\) \(3 dimension\(s\)\), but its "
                                            r"subscripts 'jk' name 2"):
        ae.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4, 5)))
    with pytest.raises(ae.ShapeError, match=r"einsum: index 'j' of 'ij,jk' has size 3 in operand 0 \(shape \(2, 3\)\) "
                                            r"but 4 in operand 1 \(shape \(4, 5\)\)"):
        ae.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"einsum: the subscripts 'ij,jk' name 2 operand\(s\), but 1 were given"):
        ae.einsum("ij,jk", np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"einsum: the output index 'z' in 'ij->z' appears in no operand"):
        ae.einsum("ij->z", np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"einsum: invalid subscripts 'i1'"):
        ae.einsum("i1", np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"einsum: the first argument must be the subscripts string"):
        ae.einsum(np.ones(2), [0])


# ----- composed pieces -----------------------------------------------------------------------------------------

MATRICES = aet.shapes(min_dims=2, max_dims=3, max_side=3, allow_zero_size=True)


@st.composite
def triangle_case(draw, lower: bool):
    shape = draw(aet.shapes(min_dims=1, max_dims=3, max_side=3))
    k = draw(st.integers(-3, 3))
    x = draw(aet.arrays(shape))
    engine, numpy_f = (ae.tril, np.tril) if lower else (ae.triu, np.triu)
    return Case(lambda t: engine(t, k), lambda a: numpy_f(a, k), (x,), f"k={k}")


@st.composite
def diagonal_case(draw, traced: bool = False):
    shape = draw(MATRICES)
    axis1, axis2 = draw(st.permutations(range(len(shape))))[:2]
    offset = draw(st.integers(-3, 3))
    x = draw(aet.arrays(shape))
    engine, numpy_f = (ae.trace, np.trace) if traced else (ae.diagonal, np.diagonal)
    return Case(lambda t: engine(t, offset, axis1, axis2), lambda a: numpy_f(a, offset, axis1, axis2), (x,),
                f"offset={offset}, axes ({axis1}, {axis2})")


@st.composite
def diag_case(draw):
    shape = draw(aet.shapes(min_dims=1, max_dims=2, max_side=3))
    k = draw(st.integers(-2, 2))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.diag(t, k), lambda a: np.diag(a, k), (x,), f"k={k}")


@st.composite
def tensordot_case(draw):
    shape_a = draw(aet.shapes(min_dims=0, max_dims=3, max_side=3))
    n = draw(st.integers(0, len(shape_a)))
    if draw(st.booleans()):
        shape_b = shape_a[len(shape_a) - n :] + draw(aet.shapes(max_dims=2, max_side=3))
        axes = n
    else:
        chosen = draw(st.permutations(range(len(shape_a))))[:n]
        rest = list(draw(aet.shapes(max_dims=2, max_side=3)))
        order = draw(st.permutations(range(n + len(rest))))
        sides = [shape_a[c] for c in chosen] + rest
        shape_b = tuple(sides[o] for o in order)
        axes = (list(chosen), [order.index(i) for i in range(n)])
    a, b = draw(aet.arrays(shape_a)), draw(aet.arrays(shape_b))
    return Case(lambda s, t: ae.tensordot(s, t, axes), lambda x, y: np.tensordot(x, y, axes), (a, b), f"axes={axes}")


@st.composite
def last_axes_pair(draw, engine, numpy_f):
    n = draw(st.integers(1, 3))
    sa = draw(aet.shapes(max_dims=2, max_side=3)) + (n,)
    sb = draw(aet.shapes(max_dims=2, max_side=3)) + (n,)
    if draw(st.integers(0, 4)) == 0:
        sa = ()
    a, b = draw(aet.arrays(sa)), draw(aet.arrays(sb))
    return Case(engine, numpy_f, (a, b))


@st.composite
def pair_case(draw, engine, numpy_f):
    a = draw(aet.shapes(max_dims=3, max_side=3, allow_zero_size=True).flatmap(aet.arrays))
    b = draw(aet.shapes(max_dims=3, max_side=3).flatmap(aet.arrays))
    return Case(engine, numpy_f, (a, b))


@st.composite
def cross_case(draw):
    sa, sb = draw(aet.broadcastable_shapes(2, max_dims=2))
    axis = draw(st.sampled_from([-1, 0]))
    insert = (lambda s: s + (3,)) if axis == -1 else (lambda s: (3,) + s)
    a, b = draw(aet.arrays(insert(sa))), draw(aet.arrays(insert(sb)))
    return Case(lambda s, t: ae.cross(s, t, axis=axis), lambda x, y: np.cross(x, y, axis=axis), (a, b), f"axis={axis}")


CASES = {
    "tril": triangle_case(lower=True),
    "triu": triangle_case(lower=False),
    "diagonal": diagonal_case(),
    "trace": diagonal_case(traced=True),
    "diag": diag_case(),
    "tensordot": tensordot_case(),
    "inner": last_axes_pair(ae.inner, np.inner),
    "outer": pair_case(ae.outer, np.outer),
    "kron": pair_case(ae.kron, np.kron),
    "cross": cross_case(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_composed_pieces(name, data):
    case = data.draw(CASES[name], label="case")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    check_forward(case)
    aet.assert_gradients_match(case.f, *case.arrays, seed=seed)
    check_second_order(case, seed)


def test_matrix_pieces_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    calls = [
        (lambda x, y: ae.tril(x, -1) + ae.triu(y, 1), lambda x, y: torch.tril(x, -1) + torch.triu(y, 1)),
        (lambda x, y: ae.diagonal(x, 1) * ae.trace(y), lambda x, y: torch.diagonal(x, 1) * torch.trace(y)),
        (lambda x, y: ae.kron(x, y), lambda x, y: torch.kron(x, y)),
        (lambda x, y: ae.outer(x, y), lambda x, y: torch.outer(x.flatten(), y.flatten())),
        (lambda x, y: ae.inner(x, y), lambda x, y: torch.inner(x, y)),
        (lambda x, y: ae.cross(x[:, :3], y[:, 1:], axis=1), lambda x, y: torch.linalg.cross(x[:, :3], y[:, 1:], dim=1)),
        (lambda x, y: ae.tensordot(x, y, ([0, 1], [0, 1])), lambda x, y: torch.tensordot(x, y, ([0, 1], [0, 1]))),
        (lambda x, y: ae.diag(x[0], -1) @ ae.diag(y[1], 1), lambda x, y: torch.diag(x[0], -1) @ torch.diag(y[1], 1)),
    ]
    for ours_f, theirs_f in calls:
        ours = [ae.Tensor(v, requires_grad=True) for v in (a, b)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        out, expected = ours_f(*ours), theirs_f(*theirs)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = rng.standard_normal(out.shape)
        out.backward(g)
        expected.backward(torch.tensor(g))
        for x, y in zip(ours, theirs):
            np.testing.assert_allclose(x.grad, y.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_piece_errors_name_the_op_and_the_shapes():
    with pytest.raises(ae.ShapeError, match=r"cross: a of shape \(2, 2\) needs length 3 along axis -1"):
        ae.cross(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(ae.ShapeError, match=r"tensordot: axes \[1\] of shape \(2, 3\) and \[0\] of shape \(4,\) must pair"):
        ae.tensordot(np.ones((2, 3)), np.ones(4), 1)
    with pytest.raises(ae.ShapeError, match=r"diag: the input must be 1-D .* or 2-D .*, got shape \(2, 2, 2\)"):
        ae.diag(np.ones((2, 2, 2)))
    with pytest.raises(ae.ShapeError, match=r"inner: the last axes of shapes \(2,\) and \(3,\)"):
        ae.inner(np.ones(2), np.ones(3))
    with pytest.raises(ae.ShapeError, match=r"diagonal: the input must have at least 2 dimensions, got shape \(3,\)"):
        ae.diagonal(np.ones(3))
