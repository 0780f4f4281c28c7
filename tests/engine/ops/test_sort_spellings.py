"""``sort``'s PyTorch spellings: ``dim=`` is refused (PyTorch's ``sort(dim=)`` returns values and
indices, and unpacking NumPy's values would silently split their rows); ``stable=`` is accepted on
``sort`` and ``argsort``, which are always stable."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae

X = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 5.0, 5.0, -1.0]])


def test_sort_with_dim_is_refused_pointing_to_axis_argsort_and_topk():
    with pytest.raises(TypeError, match=r"sort\(dim=...\): in PyTorch this returns \(values, indices\).*"
                                        r"ae.sort\(x, axis=...\).*ae.argsort.*topk"):
        values, indices = ae.sort(ae.Tensor(X), dim=1)


@pytest.mark.parametrize("stable", [True, False])
@pytest.mark.parametrize("descending", [False, True])
def test_stable_is_accepted_and_matches_pytorch(stable, descending):
    torch = pytest.importorskip("torch")
    x = ae.Tensor(X.copy(), requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    values = ae.sort(x, axis=1, descending=descending, stable=stable)
    indices = ae.argsort(X, axis=1, descending=descending, stable=stable)
    tvalues, tindices = torch.sort(tx, dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(values.data, tvalues.detach().numpy())
    np.testing.assert_array_equal(indices, tindices.numpy())
    upstream = np.arange(8.0).reshape(2, 4)
    (values * upstream).sum().backward()
    (tvalues * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_stable_must_be_a_bool():
    with pytest.raises(TypeError, match=r"sort: stable"):
        ae.sort(X, stable="yes")
