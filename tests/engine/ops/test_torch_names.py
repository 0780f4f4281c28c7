"""PyTorch's spellings (autograd_engine/ops/torch_names.py): each matches PyTorch float64 in value and
gradient, ``clone`` is property-tested against finite differences, and the two clashes with NumPy
(``x.size()``, ``x.transpose(0, 1)``) fail loudly instead of silently."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import SHAPES_WITH_ZERO, check_forward, check_second_order, unary

PROPERTY_TESTED = {"clone"}

X = np.random.default_rng(0).standard_normal((3, 4))


@given(data=st.data())
def test_clone_is_a_copy_in_the_graph(data):
    case = data.draw(unary(ae.clone, np.copy, shapes=SHAPES_WITH_ZERO))
    seed = data.draw(st.integers(0, 2**16))
    check_forward(case)
    aet.assert_gradients_match(case.f, *case.arrays, seed=seed)
    check_second_order(case, seed)
    x = ae.Tensor(case.arrays[0])
    assert not np.shares_memory(x.clone().data, x.data)


CALLS = [  # (engine call on a Tensor, PyTorch call on a tensor) of the same function
    (lambda t: t.clamp_min(0.2), lambda t: t.clamp_min(0.2)),
    (lambda t: t.clamp_max(-0.1), lambda t: t.clamp_max(-0.1)),
    (lambda t: ae.clamp_min(t, 0.0), lambda t: t.clamp_min(0.0)),
    (lambda t: t.pow(3), lambda t: t.pow(3)),
    (lambda t: t.mm(ae.Tensor(X.T)), lambda t: t.mm(t.new_tensor(X.T))),
    (lambda t: ae.bmm(t.reshape(1, 3, 4), t.reshape(1, 4, 3)), lambda t: t.reshape(1, 3, 4).bmm(t.reshape(1, 4, 3))),
    (lambda t: t.clone() * 2, lambda t: t.clone() * 2),
    (lambda t: t.lerp(ae.Tensor(X[::-1].copy()), 0.3), lambda t: t.lerp(t.new_tensor(X[::-1].copy()), 0.3)),
    (lambda t: ae.lerp(t, 1.0, t), lambda t: t.lerp(t.new_tensor(1.0).expand(3, 4), t)),
    (lambda t: ae.concatenate([c * (i + 1) for i, c in enumerate(t.chunk(3, dim=1))], axis=1),
     lambda t: __import__("torch").cat([c * (i + 1) for i, c in enumerate(t.chunk(3, dim=1))], dim=1)),
    (lambda t: t.narrow(1, 1, 2), lambda t: t.narrow(1, 1, 2)),
    (lambda t: t.narrow(0, -2, 2), lambda t: t.narrow(0, -2, 2)),
    (lambda t: t.select(1, -1), lambda t: t.select(1, -1)),
    (lambda t: t.flatten(start_dim=0, end_dim=1), lambda t: t.flatten(start_dim=0, end_dim=1)),
    (lambda t: t.expand_as(ae.Tensor(np.ones((2, 3, 4)))), lambda t: t.expand_as(t.new_ones((2, 3, 4)))),
    (lambda t: t.view_as(ae.Tensor(np.ones((4, 3)))), lambda t: t.view_as(t.new_ones((4, 3)))),
    (lambda t: t.reshape_as(np.ones((2, 6))), lambda t: t.reshape_as(t.new_ones((2, 6)))),
    (lambda t: t.float().double(), lambda t: t.float().double()),
    (lambda t: t.half().astype(np.float64), lambda t: t.half().double()),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_matches_pytorch_float64(index):
    torch = pytest.importorskip("torch")
    ours, theirs = CALLS[index]
    t, tt = ae.Tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out, expected = ours(t), theirs(tt)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    upstream = np.random.default_rng(index).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream, dtype=expected.dtype))
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-6 if "half" in str(ours) else 1e-12)


def test_dtype_methods_and_to():
    torch = pytest.importorskip("torch")
    t = ae.Tensor(X)
    assert t.float().dtype == np.float32 and t.double().dtype == np.float64 and t.half().dtype == np.float16
    assert t.long().dtype == np.int64 and t.int().dtype == np.int32
    assert t.to("cpu") is t and t.to(np.float32).dtype == np.float32 and t.to(torch.float16).dtype == np.float16
    assert t.to("cpu", dtype=torch.long).dtype == np.int64
    assert t.type_as(np.ones(2, np.float32)).dtype == np.float32
    assert t.to(ae.Tensor(np.ones(1, np.float32))).dtype == np.float32
    copied = t.to("cpu", copy=True)
    assert copied is not t and not np.shares_memory(copied.data, t.data)
    for device in ("cuda", "cuda:0", "mps"):
        with pytest.raises(ValueError, match=rf"to\('{device}'\): this engine computes on the CPU"):
            t.to(device)


def test_chunk_makes_pytorchs_pieces():
    t = ae.Tensor(np.arange(5.0))
    assert [c.shape for c in t.chunk(3)] == [(2,), (2,), (1,)]
    assert [c.shape for c in ae.chunk(np.arange(6.0), 4)] == [(2,), (2,), (2,)]  # fewer pieces, as PyTorch
    with pytest.raises(ValueError, match="chunk: chunks must be a positive integer, got 0"):
        t.chunk(0)


def test_mm_bmm_narrow_select_refuse_bad_shapes_clearly():
    with pytest.raises(ae.ShapeError, match=r"mm: takes two matrices \(2-d\), got shapes \(3,\) and \(3, 2\); use matmul"):
        ae.mm(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ae.ShapeError, match=r"bmm: the batch sizes differ"):
        ae.bmm(np.ones((2, 3, 4)), np.ones((1, 4, 3)))
    with pytest.raises(IndexError, match=r"narrow: start 2 and length 3 do not fit in axis 0 of length 4"):
        ae.Tensor(np.ones(4)).narrow(0, 2, 3)
    with pytest.raises(IndexError, match=r"select: index 4 is out of range for axis 0 of length 4"):
        ae.Tensor(np.ones(4)).select(0, 4)


def test_zero_and_fill_update_a_leaf_in_place_under_no_grad_and_count_as_an_update():
    w = ae.Tensor(np.ones(3), requires_grad=True)
    y = (w * w).sum()
    with ae.no_grad():
        assert w.fill_(2.5) is w
    np.testing.assert_array_equal(w.data, [2.5, 2.5, 2.5])
    with pytest.raises(RuntimeError, match="modified|in place|in-place"):
        y.backward()  # the graph used the old values
    with ae.no_grad():
        w.zero_()
    np.testing.assert_array_equal(w.data, [0.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match=r"fill_: in-place update of a leaf tensor that requires grad .*no_grad"):
        w.fill_(1.0)
    with pytest.raises(RuntimeError, match=r"fill_: in-place update of a tensor in the graph \(made by multiply\)"):
        (w * 2).zero_()
    with pytest.raises(RuntimeError, match="read-only"), ae.no_grad():
        ae.broadcast_to(ae.Tensor(np.ones(1)), (3,)).zero_()


def test_size_is_numpys_int_and_calling_it_says_what_to_use():
    t = ae.Tensor(np.ones((2, 3)))
    assert t.size == 6 and isinstance(t.size, int) and t.size + 1 == 7
    with pytest.raises(TypeError, match=r"size is NumPy's number of elements here, the int 6.*\.shape.*numel\(\)"):
        t.size()
    with pytest.raises(TypeError, match=r"\.shape"):
        t.size(0)


def test_transpose_of_two_axes_keeps_numpys_meaning_and_warns_on_2d():
    t = ae.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match=r"transpose\(0, 1\) on a 2-d tensor is NumPy's identity permutation.*swapaxes"):
        same = t.transpose(0, 1)
    assert same.shape == (2, 3)  # NumPy's meaning: unchanged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert t.transpose(1, 0).shape == (3, 2)  # the same in both libraries: no warning
        assert t.transpose((0, 1)).shape == (2, 3) and t.transpose().shape == (3, 2)
    with pytest.raises(ae.ShapeError, match=r"transpose\(0, 2\): NumPy's transpose takes a permutation of all 3 axes.*"
                                            r"swapaxes\(0, 2\)"):
        ae.Tensor(np.ones((2, 3, 4))).transpose(0, 2)


# ----- PyTorch names a reviewer reached for: amax/amin with dim=, dim(), mT, *_like, vector/matrix norms --------


def test_amax_and_amin_take_dim_and_give_values_with_their_gradient():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    for name in ("amax", "amin"):
        ours = ae.Tensor(x, requires_grad=True)
        getattr(ours, name)(dim=1, keepdim=True).sum().backward()
        theirs = torch.tensor(x, requires_grad=True)
        getattr(theirs, name)(dim=1, keepdim=True).sum().backward()
        np.testing.assert_array_equal(getattr(ae, name)(x, dim=1, keepdim=True).data, getattr(theirs, name)(dim=1, keepdim=True).detach().numpy())
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_dim_and_mT_are_pytorchs():
    x = ae.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.dim() == 3
    np.testing.assert_array_equal(x.mT.data, np.swapaxes(x.data, -1, -2))
    (x.mT * np.arange(12.0).reshape(1, 4, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.broadcast_to(np.arange(12.0).reshape(4, 3).T, (2, 3, 4)))


def test_rand_like_and_randn_like_take_the_shape_and_floating_dtype():
    x = np.zeros((2, 3), dtype=np.float64)
    assert ae.randn_like(x).shape == (2, 3) and ae.randn_like(x).dtype == np.float64
    assert ae.rand_like(np.zeros(4, dtype=np.int64)).dtype == ae.get_default_dtype()  # floats of an int template
    ae.manual_seed(3)
    first = ae.rand_like(x).data
    ae.manual_seed(3)
    np.testing.assert_array_equal(ae.rand_like(x).data, first)
    assert ((0 <= first) & (first < 1)).all()


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"ord": 1, "dim": -1},
                                    {"ord": 3.0, "dim": (1, 2)}, {"ord": math.inf}])
def test_vector_norm_matches_pytorch_with_its_gradient(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    ours = ae.Tensor(x, requires_grad=True)
    ae.linalg.vector_norm(ours, **kwargs).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.linalg.vector_norm(theirs, **kwargs).sum().backward()
    np.testing.assert_allclose(ae.linalg.vector_norm(x, **kwargs).data, torch.linalg.vector_norm(torch.tensor(x), **kwargs).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"ord": 1}, {"ord": "nuc", "dim": (0, 2)}, {"ord": 2, "keepdim": True}])
def test_matrix_norm_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(ae.linalg.matrix_norm(x, **kwargs).data, torch.linalg.matrix_norm(torch.tensor(x), **kwargs).numpy(), rtol=1e-12)


def test_more_pytorch_spellings_t_contiguous_device_dtypes_and_inference_mode():
    x = ae.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(x.t().data, x.data.T)
    assert ae.Tensor([1.0, 2.0]).t().shape == (2,)
    with pytest.raises(ae.ShapeError, match="at most 2 dimensions.*mT"):
        ae.Tensor(np.zeros((2, 2, 2))).t()
    assert x.contiguous() is x and x.cpu() is x and x.device == "cpu"
    assert x.to(ae.float32).dtype == np.float32 and ae.int64 is np.int64
    with pytest.raises(ValueError, match="only device is 'cpu'"):
        x.cuda()
    with ae.inference_mode():
        assert not (x * 2).requires_grad
