"""pad's pad_width: integers only, as in NumPy, and a shape that fits the tensor's axes."""
import numpy as np
import pytest

import autograd_engine as ae


@pytest.mark.parametrize("pad_width", [1.5, 1.0, ((0, 0), (1, 1.5)), "1", None, True])
def test_a_pad_width_that_is_not_integers_is_refused(pad_width):
    x = ae.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match=r"pad: pad_width must be an int, a \(before, after\) pair of ints"):
        ae.pad(x, pad_width)


@pytest.mark.parametrize("pad_width", [((1, 1), (2, 2), (3, 3)), [1, 2, 3]])
def test_a_pad_width_that_does_not_fit_the_axes_names_the_shape(pad_width):
    x = ae.Tensor(np.ones((2, 3)))
    with pytest.raises(ae.ShapeError, match=r"pad: pad_width .* does not fit a tensor of shape \(2, 3\)"):
        ae.pad(x, pad_width)


def test_integer_pad_widths_of_every_form_pad_as_numpy_does():
    a = np.arange(6.0).reshape(2, 3)
    for pad_width in (1, np.int64(2), (1, 2), [(0, 1), (2, 0)], np.array([[1, 0], [0, 1]])):
        np.testing.assert_array_equal(ae.pad(ae.Tensor(a), pad_width).data, np.pad(a, pad_width))
