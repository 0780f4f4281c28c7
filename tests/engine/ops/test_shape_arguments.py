"""The shape argument of reshape, view, broadcast_to and expand: ints only, as in NumPy."""
import numpy as np
import pytest

import autograd_engine as ae


@pytest.mark.parametrize("call", [
    lambda x: x.reshape(2.7, 3),           # int() would truncate to (2, 3)
    lambda x: x.reshape(2.0, 3),
    lambda x: x.reshape("6"),              # int() would parse it
    lambda x: x.reshape(2, "3"),
    lambda x: x.view(6.0),
    lambda x: x.reshape(None),
    lambda x: ae.reshape(x, np.array([2.0, 3.0])),
    lambda x: x.broadcast_to((2.5, 6)),
    lambda x: x.expand(2.0, 6),
    lambda x: ae.broadcast_to(x, "6"),
])
def test_a_shape_that_is_not_ints_is_refused_naming_the_op(call):
    x = ae.Tensor(np.arange(6.0), requires_grad=True)
    with pytest.raises(TypeError, match=r"(reshape|broadcast_to): the shape must be an int or a sequence of ints, got"):
        call(x)


def test_integer_shapes_of_every_form_are_accepted():
    x = ae.Tensor(np.arange(6.0))
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.reshape((np.int32(3), 2)).shape == (3, 2)
    assert x.reshape([2, -1]).shape == (2, 3)
    assert x.reshape(np.array([3, 2])).shape == (3, 2)   # NumPy takes an integer array as a shape
    assert x.reshape(np.int64(6)).shape == (6,)
    assert x.view(-1).shape == (6,)
    assert x.expand(4, 6).shape == (4, 6)
    assert ae.broadcast_to(x, [2, 6]).shape == (2, 6)
