"""Primitives declared by users (``ae.Primitive``): a rule's mistakes are named as the rule's, with the
fix; a primitive declared outside the engine opts in to ``create_graph`` (``differentiable_twice``),
a subclass of a built-in keeps it; redeclaring replaces, a taken name is refused."""
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
    monkeypatch.setattr(Add, "backward", lambda self, g, out, a, b: (g, g[0, :2]))  # (2,): no broadcast of w's (3,)
    x, w = _operands()
    with pytest.raises(ae.ShapeError, match=r"add: its gradient rule .* for input 1, which has shape \(3,\).*"
                                            r"\(a bug in add's gradient rule\)"):
        (x + w).sum().backward()


class ScaledBroadcasting(ScaledForgetful):
    """The same rule, on a primitive that says it broadcasts: backward sums each gradient back."""

    __slots__ = ()
    broadcasts = True


def test_a_primitive_that_broadcasts_gets_its_gradients_summed_back_to_each_inputs_shape():
    x, w = _operands()
    ae.apply(ScaledBroadcasting(), x, w).sum().backward()
    np.testing.assert_allclose(w.grad, x.data.sum(axis=0))  # d/dw sum(x * w) = the column sums of x
    np.testing.assert_allclose(x.grad, np.broadcast_to(w.data, (2, 3)))
    report = ae.gradcheck(lambda a, b: ae.apply(ScaledBroadcasting(), a, b), [x, w])
    assert report.passed, report


def test_a_broadcasting_primitives_gradient_of_a_shape_its_input_does_not_broadcast_to_is_still_refused():
    class Wrong(ScaledBroadcasting):
        __slots__ = ()

        def backward(self, g, out, x, w):
            return g, g[:, :2]

    x, w = _operands()
    with pytest.raises(ae.ShapeError, match=r"Wrong: its gradient rule returned a gradient of shape \(2, 2\) for "
                                            r"input 1, which has shape \(3,\)"):
        ae.apply(Wrong(), x, w).sum().backward()


def test_a_0d_input_summed_back_from_broadcast_gradients_accumulates_them_all():
    a = ae.Tensor(np.array(2.0), requires_grad=True)
    b, c = np.array([1.0, 2.0, 3.0]), np.array([[4.0], [5.0]])
    ((a * b).sum() + (a * c).sum() + (b * a).sum()).backward()
    assert a.grad.shape == () and float(a.grad) == 6.0 + 9.0 + 6.0


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


def test_a_primitive_declared_outside_the_engine_opts_in_to_create_graph():
    class SavedSwish(ae.Primitive):
        """swish with a rule that computes with an array saved in forward (CS231n's cache style)."""

        __slots__ = ()
        name = ""

        def forward(self, x):
            self.saved = s = 1 / (1 + np.exp(-x))
            return x * s

        def backward(self, g, out, x):
            s = self.saved
            return (g * (s + x * s * (1 - s)),)

    class Square(ae.Primitive):
        __slots__ = ()
        name = ""
        differentiable_twice = True  # its rule uses only what it is handed

        def backward(self, g, out, x):
            return (2 * g * x,)

        def forward(self, x):
            return x * x

    class SubSquare(Square):  # inherits its base's opt-in
        __slots__ = ()

    assert not SavedSwish.differentiable_twice and Square.differentiable_twice and SubSquare.differentiable_twice
    x = ae.Tensor(np.array([0.3, -1.2]), requires_grad=True)
    (first,) = ae.grad(ae.apply(SavedSwish(), x).sum(), x)  # first order: fine
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(first.data, s + x.data * s * (1 - s))
    with pytest.raises(RuntimeError, match=r"SavedSwish is declared outside the engine, so differentiable_twice starts False"):
        ae.grad(ae.apply(SavedSwish(), x).sum(), x, create_graph=True)  # was a silently wrong 2nd derivative
    (g,) = ae.grad(ae.apply(SubSquare(), x).sum(), x, create_graph=True)
    (h,) = ae.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, [2.0, 2.0])


def test_redeclaring_a_primitive_replaces_it_and_a_taken_name_is_refused():
    def declare():
        class NotebookCellOp(ae.Primitive):  # the same class declared again, as a re-run notebook cell does
            __slots__ = ()
            name = "test_notebook_cell_op"

            def forward(self, x):
                return x + 1

        return NotebookCellOp

    first, second = declare(), declare()
    assert ae.PRIMITIVES["test_notebook_cell_op"] is second is not first
    with pytest.raises(RuntimeError, match=r"primitive name 'abs' of .*Abs2 is already taken by autograd_engine.ops.elementwise.Abs"):
        class Abs2(ae.Primitive):
            __slots__ = ()
            name = "abs"
    del ae.PRIMITIVES["test_notebook_cell_op"]  # the table's coverage test expects only the engine's own


def test_a_subclass_of_a_built_in_primitive_keeps_its_second_derivative():
    from autograd_engine.ops.elementwise import Exp

    class LoggedExp(Exp):
        __slots__ = ()
        name = ""

    assert LoggedExp.differentiable_twice
    x = ae.Tensor(np.array([0.2, -0.4]), requires_grad=True)
    (g,) = ae.grad(ae.apply(LoggedExp(), x).sum(), x, create_graph=True)
    (h,) = ae.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, np.exp(x.data))
