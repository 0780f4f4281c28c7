"""PyTorch's axis spellings on the joining, splitting, reordering and difference ops: ``dim=`` on
``stack``, ``concatenate``, ``split`` (with PyTorch's piece sizes), ``gradient`` (a tuple, as PyTorch's);
``dims=`` (and ``shifts=``) on ``flip`` and ``roll``; NumPy's ``axis=`` on ``cat``.  Values and
gradients against PyTorch float64."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(4)
X = RNG.standard_normal((3, 5))
Y = RNG.standard_normal((3, 5))


def check(ours_fn, theirs_fn, arrays=(X, Y)):
    """The op on leaves in both libraries: values, and gradients of a random weighting of every output."""
    ours_in = [ae.Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = ours_fn(*ours_in), theirs_fn(*theirs_in)
    ours = list(ours) if isinstance(ours, (list, tuple)) else [ours]
    theirs = list(theirs) if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    total, ttotal = 0, 0
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
        w = RNG.standard_normal(t.shape)
        total, ttotal = total + (o * w).sum(), ttotal + (t * torch.tensor(w)).sum()
    total.backward()
    ttotal.backward()
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)  # y is unused by the one-operand ops
        if t.grad is not None:
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


CASES = {
    "stack(dim=1)": (lambda x, y: ae.stack([x, y], dim=1), lambda x, y: torch.stack([x, y], dim=1)),
    "concatenate(dim=1)": (lambda x, y: ae.concatenate([x, y], dim=1), lambda x, y: torch.cat([x, y], dim=1)),
    "cat(axis=1)": (lambda x, y: ae.cat([x, y], axis=1), lambda x, y: torch.cat([x, y], dim=1)),
    "split(2, dim=1)": (lambda x, y: ae.split(x, 2, dim=1), lambda x, y: torch.split(x, 2, dim=1)),
    "split([1, 4], dim=1)": (lambda x, y: ae.split(x, [1, 4], dim=1), lambda x, y: torch.split(x, [1, 4], dim=1)),
    "flip(dims=(0, 1))": (lambda x, y: ae.flip(x, dims=(0, 1)), lambda x, y: torch.flip(x, dims=(0, 1))),
    "x.flip(dims=[1])": (lambda x, y: x.flip(dims=[1]), lambda x, y: x.flip(dims=[1])),
    "roll(shifts=2, dims=1)": (lambda x, y: ae.roll(x, shifts=2, dims=1), lambda x, y: torch.roll(x, shifts=2, dims=1)),
    "x.roll((1, -2), dims=(0, 1))": (lambda x, y: x.roll((1, -2), dims=(0, 1)), lambda x, y: x.roll((1, -2), dims=(0, 1))),
    "gradient(dim=1)": (lambda x, y: ae.gradient(x, dim=1), lambda x, y: torch.gradient(x, dim=1)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_pytorch_spellings_mean_what_they_mean_in_pytorch(name):
    check(*CASES[name])


def test_giving_both_spellings_is_refused():
    for call, message in [(lambda: ae.stack([X, Y], axis=0, dim=1), r"stack: got both axis= and PyTorch's dim="),
                          (lambda: ae.flip(X, axis=0, dims=1), r"flip: got both axis= and PyTorch's dims="),
                          (lambda: ae.cat([X, Y], dim=1, axis=1), r"cat: got both dim= and NumPy's axis="),
                          (lambda: ae.split(X, 2, axis=1, dim=1), r"split: got both axis= and PyTorch's dim=")]:
        with pytest.raises(TypeError, match=message):
            call()


def test_split_with_dim_refuses_sizes_that_do_not_add_up():
    with pytest.raises(ae.errors.ShapeError, match=r"sizes \[1, 2\] sum to 3, but the axis has length 5"):
        ae.split(X, [1, 2], dim=1)
