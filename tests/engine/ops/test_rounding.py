"""Piecewise ops (autograd_engine/ops/rounding.py): rounding and sign (gradient 0), fabs, mod/fmod and
the ``%`` operator, copysign, fmax/fmin, nan_to_num, and the NaN tests.  Forward against NumPy,
gradients against centred finite differences away from the jumps (first and second order, float64),
PyTorch float64 as a second oracle, and the jumps themselves pinned."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import SHAPES, Case, check_forward, check_second_order, unary, variants

PROPERTY_TESTED = {"sign", "floor", "ceil", "round", "trunc", "fabs", "mod", "fmod", "copysign", "fmax", "fmin",
                   "nan_to_num"}

HALVES = tuple(k + 0.5 for k in range(-4, 4))  # round's jumps
INTEGERS = tuple(float(k) for k in range(-4, 5))  # floor, ceil, trunc jump at the integers


@st.composite
def remainder_case(draw, engine, reference):
    """a and b with a / b at least 0.1 away from an integer (the jumps of mod and fmod)."""
    shape = draw(SHAPES)
    b = draw(aet.arrays(shape, kinks=(0.0,), margin=0.5))
    if draw(st.booleans()):
        b = np.asarray(draw(st.sampled_from([-1.5, 0.7, 2.0])))  # a 0-d divisor, broadcast
    quotient = draw(aet.arrays(np.broadcast_shapes(shape, b.shape), min_value=-3, max_value=3))
    quotient = np.floor(quotient) + 0.1 + 0.8 * (quotient - np.floor(quotient))
    a = quotient * b
    return Case(engine, reference, (a, b), "a / b away from integers")


@st.composite
def extremum_case(draw, engine, reference):
    sa, sb = draw(aet.broadcastable_shapes(2))
    a, b = draw(aet.distinct_arrays(sa, sb))
    if a.size and draw(st.booleans()):
        a = a.copy()
        a.flat[0] = np.nan  # fmax/fmin ignore NaN: the gradient goes to the other operand
    return Case(engine, reference, (a, b), "broadcast, no ties, maybe a NaN")


@st.composite
def nan_to_num_case(draw):
    x = draw(SHAPES.flatmap(lambda s: aet.arrays(s)))
    if x.size:
        x = x.copy()
        x.flat[draw(st.integers(0, x.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    nan, posinf = draw(st.floats(-2, 2)), draw(st.sampled_from([None, 5.0]))
    return Case(lambda t: ae.nan_to_num(t, nan=nan, posinf=posinf), lambda a: np.nan_to_num(a, nan=nan, posinf=posinf),
                (x,), f"nan={nan}, posinf={posinf}")


SPECS = {
    "sign": {"": unary(ae.sign, np.sign, kinks=(0.0,))},
    "floor": {"": unary(ae.floor, np.floor, kinks=INTEGERS)},
    "ceil": {"": unary(ae.ceil, np.ceil, kinks=INTEGERS)},
    "trunc": {"": unary(ae.trunc, np.trunc, kinks=INTEGERS)},
    "round": {"": unary(ae.round, np.round, kinks=HALVES),
              "decimals=1": unary(lambda t: ae.around(t, decimals=1), lambda a: np.round(a, 1),
                                  kinks=tuple(k / 10 + 0.05 for k in range(-31, 31)), margin=0.01)},
    "fabs": {"": unary(ae.fabs, np.fabs, kinks=(0.0,))},
    "mod": {"": remainder_case(ae.mod, np.mod), "operator": remainder_case(lambda a, b: a % b, np.remainder),
            "remainder": remainder_case(ae.remainder, np.remainder)},
    "fmod": {"": remainder_case(ae.fmod, np.fmod)},
    "copysign": {"": remainder_case(ae.copysign, np.copysign)},
    "fmax": {"": extremum_case(ae.fmax, np.fmax)},
    "fmin": {"": extremum_case(ae.fmin, np.fmin)},
    "nan_to_num": {"": nan_to_num_case()},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    case = data.draw(variant, label="case")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    check_forward(case)
    finite = all(np.isfinite(a).all() for a in case.arrays)
    if finite:  # finite differences through a NaN or inf input are NaN; the rule is pinned below there
        aet.assert_gradients_match(case.f, *case.arrays, seed=seed, **case.check)
        check_second_order(case, seed)


def test_rounding_family_has_zero_gradient_also_at_the_jumps():
    x = ae.Tensor(np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.5]), requires_grad=True)
    for f in (ae.sign, ae.floor, ae.ceil, ae.trunc, ae.round):
        x.grad = None
        f(x).backward(np.full(6, 3.0))
        np.testing.assert_array_equal(x.grad, np.zeros(6))
    np.testing.assert_array_equal(ae.round(x).data, [-1.0, -0.0, 0.0, 0.0, 1.0, 2.0])  # halves to even


def test_abs_and_fabs_have_zero_gradient_at_zero():
    for f in (ae.abs, ae.fabs):
        x = ae.Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
        f(x).backward(np.ones(3))
        np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])


def test_mod_at_a_jump_gives_numpys_value_and_the_formulas_gradient():
    a, b = ae.Tensor(np.array([4.0, -4.0]), requires_grad=True), ae.Tensor(np.array([2.0, 2.0]), requires_grad=True)
    out = a % b
    np.testing.assert_array_equal(out.data, [0.0, 0.0])
    out.backward(np.ones(2))
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad, [-2.0, 2.0])  # -floor(a / b), as PyTorch's remainder


def test_mod_both_operand_orders_and_python_numbers():
    x = ae.Tensor(np.array([5.5, -5.5]), requires_grad=True)
    np.testing.assert_array_equal((x % 2).data, [1.5, 0.5])
    np.testing.assert_array_equal((7.0 % x).data, np.remainder(7.0, [5.5, -5.5]))
    (7.0 % x).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, -np.floor(7.0 / np.array([5.5, -5.5])))
    np.testing.assert_array_equal(x.remainder(2).data, [1.5, 0.5])
    np.testing.assert_array_equal(x.fmod(2).data, [1.5, -1.5])


def test_piecewise_ops_match_pytorch_float64():
    torch = pytest.importorskip("torch")
    a, b = np.array([5.3, -5.3, 0.7, -2.2, 0.0]), np.array([2.1, 2.1, -1.5, -0.4, -3.0])
    upstream = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
    for ours, theirs in [(ae.mod, torch.remainder), (ae.fmod, torch.fmod), (ae.copysign, torch.copysign),
                         (ae.fmax, torch.fmax), (ae.fmin, torch.fmin)]:
        ta, tb = ae.Tensor(a, requires_grad=True), ae.Tensor(b, requires_grad=True)
        qa, qb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, expected = ours(ta, tb), theirs(qa, qb)
        out.backward(upstream)
        expected.backward(torch.tensor(upstream))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-14, err_msg=ours.__name__)
        np.testing.assert_allclose(ta.grad, qa.grad.numpy(), rtol=1e-14, err_msg=ours.__name__)
        np.testing.assert_allclose(tb.grad, qb.grad.numpy(), rtol=1e-14, atol=0, err_msg=ours.__name__)


def test_fmax_and_fmin_ignore_nan_and_give_a_tie_to_the_first_operand_as_pytorch():
    a = ae.Tensor(np.array([np.nan, 1.0, 2.0, np.nan]), requires_grad=True)
    b = ae.Tensor(np.array([3.0, np.nan, 2.0, np.nan]), requires_grad=True)
    out = ae.fmax(a, b)
    np.testing.assert_array_equal(out.data, [3.0, 1.0, 2.0, np.nan])
    out.backward(np.ones(4))
    np.testing.assert_array_equal(a.grad, [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.0, 0.0, 0.0])


def test_nan_to_num_passes_the_gradient_only_where_the_input_was_finite():
    x = ae.Tensor(np.array([np.nan, np.inf, -np.inf, 2.0]), requires_grad=True)
    out = x.nan_to_num(nan=-1.0, posinf=9.0, neginf=-9.0)
    np.testing.assert_array_equal(out.data, [-1.0, 9.0, -9.0, 2.0])
    out.backward(np.full(4, 2.0))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 2.0])


def test_isnan_isinf_isfinite_are_bool_tensors_outside_the_graph():
    x = ae.Tensor(np.array([np.nan, np.inf, 1.0]), requires_grad=True)
    for f, expected in [(ae.isnan, [True, False, False]), (ae.isinf, [False, True, False]),
                        (ae.isfinite, [False, False, True])]:
        result = f(x)
        assert isinstance(result, ae.Tensor) and result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
        np.testing.assert_array_equal(getattr(x, f.__name__)().data, expected)
    np.testing.assert_array_equal(ae.where(ae.isnan(x), 0.0, x).data, [0.0, np.inf, 1.0])


def test_round_refuses_a_float_decimals():
    with pytest.raises(TypeError, match=r"round: decimals must be an integer, got 1.5"):
        ae.round(ae.Tensor([1.0]), decimals=1.5)


@given(SHAPES.flatmap(lambda s: aet.arrays(s)))
def test_methods_are_the_functions(x):
    t = ae.Tensor(x)
    for name in ("sign", "floor", "ceil", "trunc", "round"):
        np.testing.assert_array_equal(getattr(t, name)().data, getattr(np, name)(x))
