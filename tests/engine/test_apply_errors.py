"""``ae.apply`` with a user's mistakes: not a Primitive instance, a forward that returns no numbers, a
primitive without forward or backward, a primitive left out of the table (``name = ""``) -- each
named by the primitive's class, with the fix."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae


class Twice(ae.Primitive):
    __slots__ = ()
    name = ""  # not registered: its class name labels it

    def forward(self, x):
        return 2 * x

    def backward(self, g, out, x):
        return (2 * g,)


class ReturnsNone(ae.Primitive):
    __slots__ = ()
    name = ""

    def forward(self, x):
        x * 2  # forgot the return

    def backward(self, g, out, x):
        return (2 * g,)


class NoRule(ae.Primitive):
    __slots__ = ()
    name = ""

    def forward(self, x):
        return 2 * x


class NoForward(ae.Primitive):
    __slots__ = ()
    name = ""


def _x():
    return ae.Tensor(np.array([1.0, -2.0]), requires_grad=True)


@pytest.mark.parametrize("operand", [_x, lambda: [1.0, 2.0]])
def test_the_class_instead_of_an_instance_says_to_call_it(operand):
    with pytest.raises(TypeError, match=r"apply: the op must be an instance of an ae.Primitive subclass .* got the "
                                        r"class Twice itself; pass an instance: ae.apply\(Twice\(\), \.\.\.\)"):
        ae.apply(Twice, operand())


def test_a_function_instead_of_a_primitive_is_refused_by_name():
    with pytest.raises(TypeError, match=r"apply: the op must be an instance of an ae.Primitive subclass .* got a "
                                        r"function; a function that composes ops needs no apply"):
        ae.apply(lambda x: 2 * x, _x())


def test_a_forward_that_returns_none_is_refused_naming_the_primitive():
    # np.asarray(None) would make an object tensor that fails later, far from the mistake
    with pytest.raises(TypeError, match=r"ReturnsNone: forward returned NoneType None, not an array of numbers"):
        ae.apply(ReturnsNone(), _x())


def test_a_primitive_without_forward_or_backward_says_which_is_missing():
    with pytest.raises(NotImplementedError, match=r"NoForward defines no forward\(self, \*arrays\)"):
        ae.apply(NoForward(), _x())
    y = ae.apply(NoRule(), _x())
    with pytest.raises(NotImplementedError, match=r"NoRule defines no backward\(self, grad, out, \*inputs\)"):
        y.sum().backward()


def test_an_unregistered_primitive_is_labelled_by_its_class():
    y = ae.apply(Twice(), _x())
    assert "op=Twice" in repr(y)
    with pytest.raises(TypeError, match=r"^Twice: the operand 1 must be numbers"):
        ae.apply(Twice(), "ab")
    y.sum().backward()
    assert "Twice" in ae.draw(y).source


_NODE_SLOTS = ("inputs", "input_arrays", "needs_grad", "saved", "scope", "created_at", "tick", "skeleton")


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "fmax", "fmin"])
def test_the_class_of_a_built_in_whose_forward_is_a_ufunc_is_refused_and_left_intact(name):
    """A forward that ran when called on the class itself (a ufunc as ``forward``) would have the class
    recorded as the node, its attributes set on the class (every later ``x + y`` would then fail with
    "'Add' object attribute 'inputs' is read-only")."""
    cls = ae.PRIMITIVES[name]
    x, y = _x(), ae.Tensor(np.array([3.0, 0.5]), requires_grad=True)
    try:
        with pytest.raises(TypeError, match=rf"got the class {cls.__name__} itself; pass an instance"):
            ae.apply(cls, x, y)
    finally:
        stray = [slot for slot in _NODE_SLOTS if slot in vars(cls)]
        for slot in stray:  # undo the damage, so that a failure here does not break every later test
            delattr(cls, slot)
    assert not stray, f"apply set {stray} on the class {cls.__name__}"
    z = ae.apply(cls(), x, y)
    z.sum().backward()
    assert x.grad is not None and y.grad is not None


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "fmax", "fmin"])
def test_a_binary_built_in_given_three_inputs_is_refused_and_writes_into_none_of_them(name):
    """Were their forward a NumPy ufunc, its third positional argument would be ``out``: ``np.add(x, y, z)``
    would write x + y into z's array and hand it back as the result."""
    x, y, z = _x(), ae.Tensor(np.array([3.0, 0.5])), ae.Tensor(np.array([7.0, 7.0]))
    with pytest.raises(TypeError, match=rf"{name}: .*forward\(\) takes 3 positional arguments but 4 were given "
                                        rf"\(input shapes: \(2,\) and \(2,\) and \(2,\)\)"):
        ae.apply(ae.PRIMITIVES[name](), x, y, z)
    np.testing.assert_array_equal(z.data, [7.0, 7.0])
