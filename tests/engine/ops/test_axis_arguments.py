"""Axis arguments: ops that work along one axis refuse None and tuples by name (they used to take
the smallest axis of several and return a wrong result), and out-of-range axes are errors that
show the axes as the user wrote them."""
import numpy as np
import pytest

import autograd_engine as ae

X = ae.Tensor(np.arange(24.0).reshape(2, 3, 4))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ae.softmax(X, axis=None), r"softmax: axis must be one integer, got None; .* reshape"),
        (lambda: ae.log_softmax(X, axis=(0, 1)), r"log_softmax: axis must be one integer, got \(0, 1\)"),
        (lambda: ae.swapaxes(X, None, 1), r"swapaxes: axis must be one integer, got None"),
        (lambda: ae.moveaxis(X, None, 1), r"moveaxis: axis must be one integer, got None"),
        (lambda: ae.flatten(X, None, 2), r"flatten: axis must be one integer, got None"),
        (lambda: X.flatten((1, 2)), r"flatten: axis must be one integer, got \(1, 2\)"),
        (lambda: ae.split(X, 2, axis=(1, 0)), r"split: axis must be one integer, got \(1, 0\)"),
        (lambda: ae.concatenate([X, X], axis=(0, 1)), r"concatenate: axis must be one integer"),
        (lambda: ae.transpose(X, (0, 1.0, 2)), r"transpose: axes must be integers"),
    ],
)
def test_single_axis_ops_refuse_none_and_tuples(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_out_of_range_axes_are_errors_naming_the_axes_given():
    with pytest.raises(ae.ShapeError, match=r"transpose: axes \(3, 1, 2\) are not a permutation of the 3 axes"):
        X.transpose(3, 1, 2)  # was taken modulo 3: a silent (0, 1, 2)
    with pytest.raises(ae.ShapeError, match=r"transpose: axes \(0, 1, 2\) are not a permutation of the 2 axes"):
        ae.transpose(ae.Tensor(np.ones((2, 3))), (0, 1, 2))
    with pytest.raises(ae.ShapeError, match="axis 3 is out of bounds"):
        ae.moveaxis(X, 3, 0)
    with pytest.raises(ae.ShapeError, match="start_axis 2 comes after end_axis 0"):
        ae.flatten(X, 2, 0)
    with pytest.raises(ae.ShapeError, match="repeat an axis"):
        ae.moveaxis(X, (0, -3), (1, 2))
    with pytest.raises(ae.ShapeError, match="as many axes as each other"):
        ae.moveaxis(X, (0, 1), (2,))


def test_valid_forms_still_work():
    np.testing.assert_array_equal(X.transpose(-1, 0, 1).data, X.data.transpose(2, 0, 1))
    np.testing.assert_array_equal(ae.concatenate([X, X[0]], axis=None).data, np.concatenate([X.data, X.data[0]], None))
    np.testing.assert_array_equal(ae.moveaxis(X, np.int64(0), -1).data, np.moveaxis(X.data, 0, -1))
    scalar = ae.Tensor(2.0)
    assert float(ae.softmax(scalar, axis=0).data) == 1.0 and float(ae.log_softmax(scalar, axis=-1).data) == 0.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: ae.expand_dims(x, 1.0), r"expand_dims: axis must be an int or a tuple of ints, got 1\.0 \(float\)"),
        (lambda x: ae.unsqueeze(x, 3.0), r"expand_dims: axis must be an int or a tuple of ints, got 3\.0"),
        (lambda x: ae.stack([x, x], axis=1.0), r"stack: axis must be one integer, got 1\.0 \(float\)"),
        (lambda x: ae.split(x, 2.0), r"split: indices_or_sections must be an int .* got 2\.0 \(float\)"),
        (lambda x: ae.split(x, [1.5]), r"split: indices_or_sections must be an int .* got \[1\.5\]"),
        (lambda x: ae.leaky_relu(x, "0.1"), r"leaky_relu: negative_slope must be .*'0\.1'"),
    ],
)
def test_a_float_or_string_where_an_integer_axis_count_or_number_belongs_is_refused_by_name(call, message):
    x = ae.Tensor(np.ones((2, 4)))
    with pytest.raises(TypeError, match=message):
        call(x)


def test_split_at_integer_points_and_leaky_relu_with_a_numpy_slope_still_work():
    x = ae.Tensor(np.arange(8.0).reshape(2, 4))
    assert [p.shape for p in ae.split(x, [1, 3], axis=1)] == [(2, 1), (2, 2), (2, 1)]
    np.testing.assert_allclose(ae.leaky_relu(-x, np.float64(0.5)).data, -0.5 * x.data)
