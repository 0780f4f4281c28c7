"""Indexing (getitem).

A slice's gradient is added in place into the pending gradient of the sliced tensor
(``Primitive.add_gradient_into``) instead of being materialised as a dense scatter: an RNN's
time loop slices its hoisted input projection T times, which would cost O(T^2).  The sums
must be exactly those of the dense rule: checked against centred differences and against
hand-derived index counts, including repeated integer indices, boolean masks, a pending
gradient the engine does not own (it must be copied, never written into), and leaves."""
import numpy as np

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck


def test_many_slices_of_one_tensor_sum_their_gradients_exactly():
    rng = np.random.default_rng(0)
    x = ae.Tensor(rng.standard_normal((7, 3, 4)), requires_grad=True)
    upstreams = [rng.standard_normal((3, 4)) for _ in range(7)]
    total = sum((x[t] * u).sum() for t, u in enumerate(upstreams))
    overlap = (x[2:5, :, 1:3] * 2.0).sum()  # overlaps slices already taken
    (total + overlap).backward()
    expected = np.stack(upstreams)
    expected[2:5, :, 1:3] += 2.0
    np.testing.assert_array_equal(x.grad, expected)


def test_repeated_integer_indices_and_masks_accumulate():
    x = ae.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    picks = x[np.array([0, 0, 2, 0])]  # row 0 three times
    mask = np.array([[True, False, False, True]] * 3)
    y = picks.sum() + (x[mask] * 10.0).sum() + x[:, 1].sum()
    y.backward()
    expected = np.zeros((3, 4))
    expected[0] += 3
    expected[2] += 1
    expected[mask] += 10
    expected[:, 1] += 1
    np.testing.assert_array_equal(x.grad, expected)


def test_slices_of_an_intermediate_match_the_numerical_gradient():
    rng = np.random.default_rng(1)

    def f(x, w):
        z = ae.tanh(x @ w)  # (5, 6) intermediate, sliced many ways
        parts = [z[t] * (t + 1) for t in range(5)] + [z[:, ::2].sum(axis=1), z[[1, 1, 3]].sum(axis=1)[:5]]
        return ae.concatenate([p.reshape(-1) for p in parts])

    report = gradcheck(f, [rng.standard_normal((5, 3)), rng.standard_normal((3, 6))])
    assert report, report.table()


def test_a_pending_gradient_the_engine_does_not_own_is_copied_not_written_into():
    rng = np.random.default_rng(2)
    x = ae.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = x + x[::-1]  # add hands its upstream to x as is; the slice then adds into x's pending gradient
    seed = rng.standard_normal((4, 3))
    kept = seed.copy()
    y.backward(seed)
    np.testing.assert_array_equal(seed, kept)  # the caller's array is untouched
    np.testing.assert_allclose(x.grad, kept + kept[::-1])


def test_slice_gradients_reach_retained_and_hooked_tensors_complete():
    x = ae.Tensor(np.ones((3, 2)), requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(np.array(g)))
    (h[0].sum() + 3.0 * h[1:].sum() + h[0, 1]).backward()
    expected = np.array([[1.0, 2.0], [3.0, 3.0], [3.0, 3.0]])
    np.testing.assert_array_equal(h.grad, expected)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], expected)
    np.testing.assert_array_equal(x.grad, 2 * expected)


def test_second_order_through_slices_still_works():
    x = ae.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    y = (x[0] ** 3) + (x[1:] ** 2).sum()
    (g,) = ae.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.data, [3 * 0.25, -2.0, 4.0])
    (h,) = ae.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, [6 * 0.5, 2.0, 2.0])
