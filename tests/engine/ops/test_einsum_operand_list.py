"""``einsum``'s PyTorch form with the operands in one list (``einsum('ij,jk->ik', [a, b])``), beside
NumPy's separate operands; a single array-like operand given as a nested list keeps NumPy's meaning.
Values and gradients against PyTorch float64."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae

RNG = np.random.default_rng(5)
A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))


@pytest.mark.parametrize("wrap", [list, tuple])
def test_a_list_of_operands_is_pytorchs_form(wrap):
    torch = pytest.importorskip("torch")
    a, b = ae.Tensor(A.copy(), requires_grad=True), ae.Tensor(B.copy(), requires_grad=True)
    ta, tb = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    out, tout = ae.einsum("ij,jk->ik", wrap([a, b])), torch.einsum("ij,jk->ik", wrap([ta, tb]))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    upstream = RNG.standard_normal((2, 4))
    (out * upstream).sum().backward()
    (tout * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ae.einsum("ij->ji", [a]).data, A.T)


def test_a_nested_list_of_numbers_is_one_operand_as_in_numpy():
    nested = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_allclose(ae.einsum("ij->ji", nested).data, np.einsum("ij->ji", np.array(nested)))
