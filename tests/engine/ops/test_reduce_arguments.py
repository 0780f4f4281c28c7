"""keepdims of the reductions: True or False, as in PyTorch (a truthy string is not a flag)."""
import numpy as np
import pytest

import autograd_engine as ae


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "logsumexp", "var", "std"])
@pytest.mark.parametrize("keepdims", ["no", 1, None])
def test_keepdims_that_is_not_a_bool_is_refused_naming_the_reduction(reduction, keepdims):
    x = ae.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(TypeError, match=rf"{reduction}: keepdims must be True or False, got {keepdims!r}"):
        getattr(ae, reduction)(x, axis=1, keepdims=keepdims)


def test_keepdims_as_a_bool_keeps_or_drops_the_axis():
    x = ae.Tensor(np.arange(6.0).reshape(2, 3))
    assert ae.sum(x, axis=1, keepdims=True).shape == (2, 1)
    assert ae.mean(x, axis=1, keepdims=np.bool_(True)).shape == (2, 1)
    assert x.max(axis=0, keepdims=False).shape == (3,)
