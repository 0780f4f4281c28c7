"""``nn.functional_call``: parameters and buffers substituted for one call and restored, with
torch.func's signature (a tuple of positional arguments, kwargs, a list of dicts, strict, tied weights)."""
import numpy as np
import pytest

import autograd_engine as ae
import nn


def test_functional_call_substitutes_and_restores():
    layer = nn.Linear(2, 1).double()
    w, b = ae.Tensor(np.array([[1.0, 2.0]]), requires_grad=True), ae.Tensor(np.array([0.5]))
    out = nn.functional_call(layer, {"weight": w, "bias": b}, np.array([[1.0, 1.0]]))
    assert out.item() == 3.5
    assert isinstance(layer.weight, nn.Parameter) and layer._parameters["weight"] is layer.weight
    with pytest.raises(KeyError, match="no parameter or buffer 'wieght'"):
        nn.functional_call(layer, {"wieght": w}, np.ones((1, 2)))


# ----- functional_call with PyTorch's signature -------------------------------------------------


class Scale(nn.Module):
    """out = x * weight + offset * shift, with a buffer, a keyword argument and two positional ones."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.array([2.0, 3.0]))
        self.register_buffer("shift", np.array([1.0, 1.0]))

    def forward(self, x, y=0.0, offset=1.0):
        return x * self.weight + y + offset * self.shift


def test_functional_call_unpacks_a_tuple_of_positional_arguments():
    m = Scale()
    w = ae.Tensor(np.array([10.0, 100.0]), requires_grad=True)
    out = nn.functional_call(m, {"weight": w}, (np.array([1.0, 2.0]), 5.0))
    np.testing.assert_array_equal(out.data, [1 * 10 + 5 + 1, 2 * 100 + 5 + 1])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])  # differentiated with respect to the replacement
    assert m.weight.grad is None and m._parameters["weight"] is m.weight  # the original is back, untouched


def test_functional_call_takes_a_single_non_tuple_argument_and_kwargs():
    m = Scale()
    x = ae.Tensor([1.0, 1.0])
    single = nn.functional_call(m, {}, x)
    np.testing.assert_array_equal(single.data, [2 + 1, 3 + 1])
    with_kwargs = nn.functional_call(m, {"shift": np.array([0.5, -0.5])}, (x,), {"offset": 4.0})
    np.testing.assert_array_equal(with_kwargs.data, [2 + 2, 3 - 2])
    np.testing.assert_array_equal(m.shift, [1.0, 1.0])


def test_functional_call_merges_a_list_of_dicts_and_refuses_a_name_given_twice():
    m = Scale()
    out = nn.functional_call(m, [{"weight": np.array([1.0, 1.0])}, {"shift": np.zeros(2)}], (np.array([3.0, 4.0]),))
    np.testing.assert_array_equal(out.data, [3.0, 4.0])
    with pytest.raises(ValueError, match=r"\['weight'\] appear in more than one of the 2 dicts"):
        nn.functional_call(m, ({"weight": np.ones(2)}, {"weight": np.zeros(2)}), (np.ones(2),))


def test_functional_call_strict_requires_every_parameter_and_buffer():
    m = Scale()
    with pytest.raises(RuntimeError, match=r"strict=True\): no value given for \['shift'\] of Scale"):
        nn.functional_call(m, {"weight": np.ones(2)}, (np.ones(2),), strict=True)
    out = nn.functional_call(m, {"weight": np.ones(2), "shift": np.zeros(2)}, (np.ones(2),), strict=True)
    np.testing.assert_array_equal(out.data, [1.0, 1.0])


def test_functional_call_replaces_a_tied_parameter_everywhere_and_restores_on_error():
    a, b = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    out = nn.functional_call(model, {"0.weight": np.eye(2) * 2}, (np.array([1.0, 1.0]),))
    np.testing.assert_allclose(out.data, [4.0, 4.0])  # both layers used the replacement
    with pytest.raises(KeyError, match="no parameter or buffer '0.wieght'"):
        nn.functional_call(model, {"0.weight": np.eye(2), "0.wieght": np.eye(2)}, (np.ones(2),))
    assert model[0].weight is model[1].weight and isinstance(model[0].weight, nn.Parameter)


def test_functional_call_kwargs_must_be_a_dict():
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        nn.functional_call(Scale(), {}, np.ones(2), np.ones(2))
