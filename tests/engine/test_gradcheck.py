"""Tests of gradcheck itself: it must pass correct rules, catch wrong ones, and say why."""
import helpers
import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.gradcheck import GradcheckError, gradcheck, numerical_gradient, rel_error

WrongSquare = helpers.HalfSquare  # x ** 2 whose rule misses the factor 2


class MeanOfUpstream(ae.Primitive):
    """The identity, with a rule that is right only for an all-ones upstream gradient:
    it hands every input the mean of the upstream gradient."""

    __slots__ = ()
    name = ""

    def forward(self, x):
        return x.copy()

    def backward(self, g, out, x):
        return (np.full(x.shape, g.mean()),)


class WrongSecondInput(ae.Primitive):
    """a * b whose gradient for b (only) is off by 1%."""

    __slots__ = ()
    name = ""

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return (g * b, g * a * 1.01)


def test_throwaway_primitives_are_not_registered():
    assert "" not in ae.PRIMITIVES
    assert WrongSquare not in ae.PRIMITIVES.values()


def test_passes_on_correct_ops():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
    report = gradcheck(lambda a, b: ae.tanh(a * b + ae.exp(a)) @ b, [x, y])
    assert report
    assert report.passed
    assert [r.shape for r in report.inputs] == [(3, 4), (4,)]
    assert [r.checked for r in report.inputs] == [12, 4]
    assert all(r.max_rel_error < 1e-6 for r in report.inputs)
    assert report.kinks == []


def test_fails_on_a_wrong_rule_and_names_the_coordinates():
    x = np.array([1.0, -2.0, 3.0])
    report = gradcheck(lambda t: ae.apply(WrongSquare(), t), [x])
    assert not report
    assert not report.passed
    (only,) = report.inputs
    assert sorted(coord for coord, _, _ in only.failures) == [(0,), (1,), (2,)]
    for coord, analytic, numeric in only.failures:
        assert numeric == pytest.approx(2 * analytic, rel=1e-6)  # the rule is off by exactly the factor 2
    assert only.max_rel_error == pytest.approx(0.5, rel=1e-6)  # |a - 2a| / |2a|


def test_random_upstream_gradient_catches_a_rule_right_only_for_ones():
    x = np.array([0.5, -1.0, 2.0, 3.0])
    ones_upstream = ae.Tensor(x.copy(), requires_grad=True)
    ae.apply(MeanOfUpstream(), ones_upstream).sum().backward()
    np.testing.assert_array_equal(ones_upstream.grad, np.ones(4))  # an all-ones check would pass
    assert not gradcheck(lambda t: ae.apply(MeanOfUpstream(), t), [x])


def test_reports_kinks_instead_of_failing():
    x = np.array([0.0, 1.5, -2.0])
    report = gradcheck(ae.relu, [x])
    assert report
    assert report.kinks == [(0, (0,))]
    assert report.inputs[0].checked == 3
    assert report.inputs[0].failures == []
    assert gradcheck(ae.abs, [np.array([0.0, 1.0])]).kinks == [(0, (0,))]
    tied = gradcheck(lambda t: t.max(), [np.array([2.0, 2.0, 1.0])])
    assert tied and sorted(tied.kinks) == [(0, (0,)), (0, (1,))]


def test_kinks_do_not_hide_a_wrong_rule_elsewhere():
    x = np.array([0.0, 1.5, -2.0])
    report = gradcheck(lambda t: ae.apply(WrongSquare(), ae.relu(t)), [x])
    assert not report
    assert report.kinks == [(0, (0,))]
    assert [coord for coord, _, _ in report.inputs[0].failures] == [(1,)]  # relu passes -2.0's gradient as 0


def test_n_samples_draws_from_every_input():
    rng = np.random.default_rng(1)
    big, small, medium = rng.standard_normal(60), rng.standard_normal(3), rng.standard_normal((4, 5))
    report = gradcheck(lambda a, b, c: a.sum() * b.sum() + (c * c).sum(), [big, small, medium], n_samples=5)
    assert report
    assert [r.checked for r in report.inputs] == [5, 3, 5]  # never more than asked, never an input skipped
    one_each = gradcheck(lambda a, b, c: a.sum() * b.sum() + (c * c).sum(), [big, small, medium], n_samples=1)
    assert [r.checked for r in one_each.inputs] == [1, 1, 1]


def test_n_samples_still_catches_a_wrong_gradient_of_one_input():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    report = gradcheck(lambda x, y: ae.apply(WrongSecondInput(), x, y), [a, b], n_samples=3)
    assert not report
    assert report.inputs[0].failures == []
    assert len(report.inputs[1].failures) == 3


def test_sampled_coordinates_depend_on_the_seed():
    x = np.arange(1.0, 101.0)

    def picked(seed):
        report = gradcheck(lambda t: (t * t).sum(), [x], n_samples=4, seed=seed)
        return sorted(coord for coord, *_ in report.inputs[0].worst)

    assert picked(0) == picked(0)
    assert picked(0) != picked(1)


def test_reseeds_the_library_randomness_before_every_evaluation():
    masks = []

    def dropout(t):
        mask = ae.random.default_generator().random(t.shape) > 0.5
        masks.append(mask)
        return t * mask / 0.5

    x = np.linspace(-1.0, 1.0, 8)
    report = gradcheck(dropout, [x], seed=3)
    assert report
    assert len(masks) == 1 + 2 * 8  # one recorded evaluation, then two per coordinate
    assert all(np.array_equal(m, masks[0]) for m in masks)
    assert 0 < masks[0].sum() < 8  # a real mask, not all-on or all-off


def test_raise_exception_raises_with_a_table():
    x = np.array([1.0, 2.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: ae.apply(WrongSquare(), t), [x], raise_exception=True)
    message = str(info.value)
    assert "FAILED" in message
    assert "max rel err" in message and "max abs err" in message
    assert "input 0 at (0,)" in message and "<-- fails" in message
    assert isinstance(info.value, AssertionError)  # pytest shows it as a failed assertion
    assert gradcheck(ae.exp, [x], raise_exception=True)  # a passing check does not raise


def test_works_in_float64_and_passes_other_inputs_through():
    seen = {}

    def f(t, index):
        seen["dtype"], seen["index"] = t.dtype, index
        return t[index] * 2.0

    index = np.array([0, 0, 2])
    report = gradcheck(f, [np.array([1.0, 2.0, 3.0], dtype=np.float32), index])
    assert report
    assert seen["dtype"] == np.float64
    assert seen["index"] is index
    assert [r.index for r in report.inputs] == [0]


def test_inputs_are_left_unchanged():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    gradcheck(lambda t: (t * t).sum(), [x])
    np.testing.assert_array_equal(x, before)


def test_0d_and_zero_size_inputs():
    assert gradcheck(lambda t: t * t, [np.array(1.5)])
    empty = gradcheck(lambda t, s: t.sum() + s * s, [np.zeros((0, 3)), np.array(2.0)])
    assert empty and [r.checked for r in empty.inputs] == [0, 1]


def test_errors_name_the_problem():
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda t: 1.0, [np.ones(2)])
    with pytest.raises(ValueError, match="no floating-point input"):
        gradcheck(lambda t: ae.Tensor(np.ones(2)), [np.arange(2)])


def test_numerical_gradient_on_hand_computed_values():
    x = np.array([1.0, 2.0, -3.0])
    grad = numerical_gradient(lambda v: np.sum(v**3), x, h=1e-5)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-9)  # centred: the error is h**2 = 1e-10
    np.testing.assert_array_equal(x, [1.0, 2.0, -3.0])  # restored
    # an array-valued f against an upstream gradient df (the CS231n eval_numerical_gradient_array)
    weights = np.array([2.0, 3.0, 4.0])
    grad = numerical_gradient(lambda v: v * weights, x, df=np.array([1.0, -1.0, 0.5]))
    np.testing.assert_allclose(grad, [2.0, -3.0, 2.0], rtol=1e-9)


def test_numerical_gradient_is_centred_not_forward():
    # For f(x) = x**2 at x = 1 with h = 0.1: centred (1.21 - 0.81) / 0.2 = 2 exactly;
    # the forward difference would give (1.21 - 1) / 0.1 = 2.1.
    grad = numerical_gradient(lambda v: float(v[0] ** 2), np.array([1.0]), h=0.1)
    assert grad[0] == pytest.approx(2.0, abs=1e-12)


def test_numerical_gradient_of_a_tensor_function():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    grad = numerical_gradient(lambda v: ae.tanh(ae.Tensor(v)).sum(), x)
    np.testing.assert_allclose(grad, 1 - np.tanh(x) ** 2, rtol=1e-8)


def test_rel_error_on_hand_computed_values():
    assert rel_error(0.0, 0.0) == 0.0  # both zero: exact
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1.0, 2.0) == 0.5  # |1 - 2| / max(1, 2)
    assert rel_error(-1.0, 1.0) == 2.0
    assert rel_error(0.0, 1e-12) == 1.0  # one zero, one not: no tolerance hides it
    assert rel_error([0.0, 1.0], [0.0, 1.1]) == pytest.approx(0.1 / 1.1)  # the largest elementwise error
    assert rel_error(ae.Tensor(np.array([4.0])), np.array([5.0])) == pytest.approx(0.2)
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


def test_the_package_exposes_the_functions_under_their_names():
    """``ae.gradcheck`` is the function (not the module of the same name), whichever way it is imported."""
    import importlib

    import autograd_engine

    importlib.import_module("autograd_engine.gradcheck")
    assert callable(autograd_engine.gradcheck)
    assert autograd_engine.gradcheck(lambda x: x * x, [np.array([0.5, -1.5])]).passed
    assert autograd_engine.rel_error(0.0, 0.0) == 0.0
    assert autograd_engine.numerical_gradient(lambda v: float((v * v).sum()), np.array([3.0]))[0] == pytest.approx(6.0)
