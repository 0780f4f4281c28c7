"""The parameter EMA (``optim.ExponentialMovingAverage``): its update, the evaluation swap, warm-up and
its state dict."""
import numpy as np
import pytest

import autograd_engine as ae
import optim


# ----- parameter EMA --------------------------------------------------------------
def test_ema_update_and_evaluation_swap():
    p = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ema = optim.ExponentialMovingAverage([p], decay=0.9, use_num_updates=False)
    values = [np.array([3.0, 0.0]), np.array([5.0, -2.0])]
    shadow = np.array([1.0, 2.0])
    for v in values:
        p.data[...] = v
        ema.update()
        shadow = 0.9 * shadow + 0.1 * v
    np.testing.assert_allclose(ema.shadow[0], shadow, rtol=1e-15)
    with ema.average_parameters():
        np.testing.assert_allclose(p.data, shadow, rtol=1e-15)
    np.testing.assert_array_equal(p.data, [5.0, -2.0])


def test_ema_warm_up_decay_and_state_dict():
    p = ae.Tensor(np.zeros(3, np.float32), requires_grad=True)
    ema = optim.ExponentialMovingAverage([p], decay=0.99)
    assert ema.current_decay() == pytest.approx(2 / 11)  # min(0.99, (1 + n) / (10 + n)) with n = 1
    p.data[...] = 1.0
    ema.update()
    np.testing.assert_allclose(ema.shadow[0], 1 - 2 / 11, rtol=1e-6)
    assert ema.shadow[0].dtype == np.float32
    saved = ema.state_dict()
    other = optim.ExponentialMovingAverage([p], decay=0.5)
    other.load_state_dict(saved)
    assert other.num_updates == 1 and other.decay == 0.99
    np.testing.assert_array_equal(other.shadow[0], ema.shadow[0])
    with pytest.raises(RuntimeError, match="call store"):
        other.restore()
