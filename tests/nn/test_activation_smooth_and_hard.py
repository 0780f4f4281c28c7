"""The smooth and piecewise-linear activations (nn/activation_smooth.py, nn/activation_hard.py):
gradients against centred finite differences in float64, values and gradients against PyTorch
float64 on a grid that includes the breakpoints, the breakpoint gradients written out by hand,
the module forms, and the errors."""
import math

import numpy as np
import pytest
from helpers import assert_gradcheck, check_module, randn

import autograd_engine as ae
import nn
import nn.functional as F

# (name, function of x): each a function of one float64 array
POINTWISE = {
    "silu": F.silu,
    "mish": F.mish,
    "selu": F.selu,
    "celu": lambda x: F.celu(x, alpha=0.7),
    "softsign": F.softsign,
    "logsigmoid": F.logsigmoid,
    "tanhshrink": F.tanhshrink,
    "softmin": lambda x: F.softmin(x, dim=1),
    "glu": lambda x: F.glu(x, dim=1),
    "hardtanh": lambda x: F.hardtanh(x, -2.0, 1.5),
    "relu6": F.relu6,
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
}
TORCH_CALLS = {
    "celu": lambda tf, x: tf.celu(x, alpha=0.7),
    "softmin": lambda tf, x: tf.softmin(x, dim=1),
    "glu": lambda tf, x: tf.glu(x, dim=1),
    "hardtanh": lambda tf, x: tf.hardtanh(x, -2.0, 1.5),
}
# every breakpoint of the piecewise ones (0, +-3, 6, -2, 1.5) and values far out on both sides
GRID = np.concatenate([np.linspace(-8, 8, 32), [-3.0, 3.0, 6.0, -2.0, 1.5, 0.0, -40.0, 40.0]]).reshape(4, 10)


@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_gradient_matches_finite_differences(name):
    x = randn(3, 4, scale=2.0)
    x[np.abs(x) < 0.1] += 0.5  # away from the breakpoints at 0 (relu6, celu, selu)
    x[np.abs(np.abs(x) - 3) < 0.1] += 0.5  # and at +-3 (hardsigmoid, hardswish)
    assert_gradcheck(POINTWISE[name], [x])


@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_values_and_gradients_match_pytorch_including_the_breakpoints(name):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    upstream = np.random.default_rng(1).standard_normal(POINTWISE[name](GRID).shape)
    t = torch.tensor(GRID, dtype=torch.float64, requires_grad=True)
    expected = TORCH_CALLS[name](tf, t) if name in TORCH_CALLS else getattr(tf, name)(t)
    expected.backward(torch.tensor(upstream))
    x = ae.Tensor(GRID, requires_grad=True)
    out = POINTWISE[name](x)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    # PyTorch's float64 gradients of hardsigmoid (1/6) and celu (1/alpha) use constants rounded
    # to float32: they differ from the exact derivative in the 7th digit, which the engine matches
    # (the finite-difference test above)
    rtol = 1e-6 if name in ("hardsigmoid", "celu") else 1e-12
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=rtol, atol=1e-14)


def slopes(f, points):
    x = ae.Tensor(np.array(points, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.tolist()


def test_breakpoint_gradients_are_pytorchs():
    assert slopes(F.hardtanh, [-1.0, 1.0, 0.5, 2.0]) == [0.0, 0.0, 1.0, 0.0]  # 0 on the bounds, unlike clip
    assert slopes(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert slopes(F.hardsigmoid, [-3.0, 3.0, 0.0]) == [0.0, 0.0, 1 / 6]
    assert slopes(F.hardswish, [-3.0, 3.0, 0.0, -4.0]) == [0.0, 1.0, 0.5, 0.0]
    assert slopes(F.selu, [0.0]) == pytest.approx([1.0507009873554805 * 1.6732632423543772])  # the negative branch
    assert slopes(lambda x: F.celu(x, 2.0), [0.0]) == [1.0]


def test_values_match_their_formulas():
    x = np.linspace(-5, 5, 21)
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(F.silu(x).data, x * sigmoid, rtol=1e-6)  # lists of numbers are float32
    np.testing.assert_allclose(F.mish(x).data, x * np.tanh(np.log1p(np.exp(x))), rtol=1e-12)
    np.testing.assert_allclose(F.softsign(x).data, x / (1 + np.abs(x)), rtol=1e-12)
    np.testing.assert_allclose(F.logsigmoid(x).data, np.log(sigmoid), rtol=1e-12)
    np.testing.assert_allclose(F.tanhshrink(x).data, x - np.tanh(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(F.hardtanh(x).data, np.clip(x, -1, 1))
    np.testing.assert_allclose(F.relu6(3 * x).data, np.clip(3 * x, 0, 6))
    np.testing.assert_allclose(F.hardsigmoid(x).data, np.clip(x / 6 + 0.5, 0, 1), rtol=1e-12)
    np.testing.assert_allclose(F.hardswish(x).data, x * np.clip(x + 3, 0, 6) / 6, rtol=1e-12)
    alpha = 1.6732632423543772
    np.testing.assert_allclose(F.selu(x).data, 1.0507009873554805 * np.where(x > 0, x, alpha * np.expm1(x)), rtol=1e-12)
    np.testing.assert_allclose(F.celu(x, 2.0).data, np.where(x > 0, x, 2.0 * np.expm1(x / 2.0)), rtol=1e-12)
    pairs = x[:20].reshape(2, 10)
    np.testing.assert_allclose(F.glu(pairs, dim=0).data[0], pairs[0] / (1 + np.exp(-pairs[1])), rtol=1e-12)
    e = np.exp(-x)
    np.testing.assert_allclose(F.softmin(x).data, e / e.sum(), rtol=1e-12)


def test_the_smooth_ones_stay_finite_for_huge_inputs():
    x = ae.Tensor(np.array([-1e4, -50.0, 50.0, 1e4]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.silu(x) + F.mish(x) + F.logsigmoid(x) + F.selu(x) + F.celu(x, 0.5)
        y.sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))


MODULES = [
    (nn.SiLU(), F.silu), (nn.Mish(), F.mish), (nn.SELU(), F.selu), (nn.CELU(0.5), lambda x: F.celu(x, 0.5)),
    (nn.Softsign(), F.softsign), (nn.LogSigmoid(), F.logsigmoid), (nn.Tanhshrink(), F.tanhshrink),
    (nn.Softmin(dim=0), lambda x: F.softmin(x, 0)), (nn.GLU(dim=0), lambda x: F.glu(x, 0)),
    (nn.Hardtanh(-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)), (nn.ReLU6(), F.relu6),
    (nn.Hardsigmoid(), F.hardsigmoid), (nn.Hardswish(), F.hardswish),
]


@pytest.mark.parametrize("module, function", MODULES, ids=[type(m).__name__ for m, _ in MODULES])
def test_each_module_computes_its_function_and_passes_gradcheck(module, function):
    x = randn(4, 3) + 0.05
    np.testing.assert_array_equal(module(x).data, function(x).data)
    check_module(module, x)


def test_modules_have_pytorchs_names_and_reprs():
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.ReLU6()) == "ReLU6(min_val=0.0, max_val=6.0)"
    assert repr(nn.CELU(0.5)) == "CELU(alpha=0.5)" and repr(nn.GLU()) == "GLU(dim=-1)"


def test_bad_arguments_are_refused_with_the_function_named():
    with pytest.raises(ae.ShapeError, match=r"glu: the halved axis must have an even size, but dim=1 of shape \(2, 3\)"):
        F.glu(np.ones((2, 3)), dim=1)
    with pytest.raises(ae.ShapeError, match="glu: the input must have at least one axis"):
        F.glu(np.float64(1.0))
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) must not exceed max_val \(1.0\)"):
        F.hardtanh(np.ones(2), 2.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        F.celu(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="CELU: alpha must not be 0"):
        nn.CELU(0)
    with pytest.raises(TypeError, match="Softmin: dim must be an integer, got 1.5"):
        nn.Softmin(1.5)


def test_float32_stays_float32():
    x = np.linspace(-4, 4, 8, dtype=np.float32).reshape(2, 4)
    for f in POINTWISE.values():
        assert f(x).dtype == np.float32
    assert math.isclose(float(F.hardsigmoid(np.float32(6.0)).data), 1.0)
