"""PyTorch's spellings that do not clash with NumPy's meaning are accepted (DESIGN's conventions):
``dim=``/``keepdim=``, ``numel()``, ``clamp``, ``cat``, ``unsqueeze(dim=)``; where they clash
(``max(dim=)`` returns values and indices in PyTorch) the PyTorch reading is refused loudly."""
import numpy as np
import pytest

import autograd_engine as ae

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3, 4, 5))


def both(x=X):
    return ae.Tensor(x), torch.tensor(x)


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp", "softmax", "log_softmax", "argmax", "argmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_dim_and_keepdim_mean_what_they_mean_in_pytorch(name, dim):
    ours, theirs = both()
    kwargs = {"dim": dim} if name in ("softmax", "log_softmax") else {"dim": dim, "keepdim": True}
    expected = getattr(torch, name)(theirs, **kwargs).numpy()
    got = getattr(ae, name)(ours, **kwargs)
    np.testing.assert_allclose(np.asarray(ae.operands.value(got)), expected, rtol=1e-12, atol=1e-12)
    method = getattr(ours, name)(**kwargs)
    np.testing.assert_allclose(np.asarray(ae.operands.value(method)), expected, rtol=1e-12, atol=1e-12)


def test_var_and_std_take_dim_with_numpy_ddof():
    ours, theirs = both()
    np.testing.assert_allclose(ae.var(ours, dim=1, ddof=0).data, torch.var(theirs, dim=1, correction=0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.std(dim=2, keepdim=True, ddof=1).data,
                               torch.std(theirs, dim=2, keepdim=True, correction=1).numpy(), rtol=1e-12)


def test_the_gradient_flows_through_the_pytorch_spelling():
    x = ae.Tensor(X, requires_grad=True)
    t = torch.tensor(X, requires_grad=True)
    (ae.softmax(x, dim=1) * ae.Tensor(X)).sum(dim=(0, 2)).sum().backward()
    (torch.softmax(t, dim=1) * torch.tensor(X)).sum(dim=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_numel_clamp_cat_squeeze_and_unsqueeze():
    ours, theirs = both()
    assert ours.numel() == theirs.numel() == 60
    np.testing.assert_array_equal(ours.clamp(min=-0.5, max=0.5).data, theirs.clamp(min=-0.5, max=0.5).numpy())
    np.testing.assert_array_equal(ae.clamp(ours, max=0.1).data, torch.clamp(theirs, max=0.1).numpy())
    np.testing.assert_array_equal(ae.cat([ours, ours], dim=2).data, torch.cat([theirs, theirs], dim=2).numpy())
    assert ours.unsqueeze(dim=1).shape == tuple(theirs.unsqueeze(dim=1).shape)
    ones, one = both(np.ones((3, 1, 2)))
    assert ones.squeeze(dim=1).shape == tuple(one.squeeze(dim=1).shape)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_with_dim_are_refused_rather_than_read_the_numpy_way(name):
    ours, _ = both()
    with pytest.raises(TypeError, match=rf"{name}\(dim=...\): in PyTorch this returns values and indices.*ae.arg{name}"):
        getattr(ours, name)(dim=1)
    with pytest.raises(TypeError, match="returns values and indices"):
        getattr(ae, name)(ours, keepdim=True)


def test_axis_and_dim_together_are_refused():
    with pytest.raises(TypeError, match=r"sum: got both axis= and PyTorch's dim=; pass one"):
        ae.sum(ae.Tensor(X), axis=0, dim=1)
