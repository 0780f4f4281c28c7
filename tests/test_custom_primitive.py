"""Primitives declared by users: a rule's mistakes are named as the rule's, with the fix."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.ops import dispatch
from autograd_engine.ops.elementwise import Add


class ScaledForgetful(ae.Primitive):
    """x * w with w broadcast along x's rows; the rule forgets to reduce w's gradient."""

    __slots__ = ()
    name = ""  # kept out of ae.PRIMITIVES (the table's coverage test lists the engine's own)

    def forward(self, x, w):
        return x * w

    def backward(self, g, out, x, w):
        return g * w, g * x  # g * x has x's shape (2, 3), not w's (3,)


class Scaled(ScaledForgetful):
    """The same op with the rule fixed as the error message says."""

    __slots__ = ()

    def backward(self, g, out, x, w):
        return g * w, dispatch.sum_to_shape(g * x, np.shape(w))


def _operands():
    rng = np.random.default_rng(0)
    return (ae.Tensor(rng.standard_normal((2, 3)), requires_grad=True),
            ae.Tensor(rng.standard_normal(3), requires_grad=True))


def test_a_broadcasting_rule_that_forgets_to_reduce_is_named_as_the_rules_mistake():
    x, w = _operands()
    y = ae.apply(ScaledForgetful(), x, w)
    with pytest.raises(ae.ShapeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert message.startswith("ScaledForgetful: its gradient rule returned a gradient of shape (2, 3) for input 1, "
                              "which has shape (3,)")
    assert "sum_to_shape" in message and "a bug in ScaledForgetful's gradient rule" in message
    assert "engine bug" not in message


def test_the_fix_the_message_names_gives_the_right_gradients():
    x, w = _operands()
    report = ae.gradcheck(lambda a, b: ae.apply(Scaled(), a, b), [x, w])
    assert report.passed, report


def test_an_engine_rule_of_the_wrong_shape_is_named_as_that_rules_bug_too(monkeypatch):
    monkeypatch.setattr(Add, "backward", lambda self, g, out, a, b: (g, g))  # forgets sum_to_shape
    x, w = _operands()
    with pytest.raises(ae.ShapeError, match=r"add: its gradient rule .* for input 1, which has shape \(3,\).*"
                                            r"\(a bug in add's gradient rule\)"):
        (x + w).sum().backward()


def test_a_rule_that_returns_too_few_gradients_is_refused_instead_of_leaving_an_input_without_one():
    class FirstOnly(ScaledForgetful):
        __slots__ = ()

        def backward(self, g, out, x, w):
            return (g * w,)

    x, w = _operands()
    with pytest.raises(TypeError, match=r"FirstOnly: its gradient rule returned 1 gradients for 2 inputs; "
                                        r"backward must return a tuple with one gradient per input"):
        ae.apply(FirstOnly(), x, w).sum().backward()


def test_a_rule_that_returns_a_bare_array_is_told_to_return_a_tuple():
    class Double(ae.Primitive):
        __slots__ = ()
        name = ""

        def forward(self, x):
            return 2 * x

        def backward(self, g, out, x):
            return 2 * g  # not (2 * g,)

    x = ae.Tensor(np.ones((3, 1)), requires_grad=True)
    with pytest.raises(TypeError, match=r"Double: its gradient rule returned a value of type ndarray for 1 input; .*`return \(g \* 2,\)`"):
        ae.apply(Double(), x).sum().backward()
