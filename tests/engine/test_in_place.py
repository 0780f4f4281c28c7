"""In-place updates (+=, -=, *=, /=) of a tensor that a recorded op used: backward refuses instead of
differentiating with the changed values (PyTorch's "modified by an inplace operation")."""
import numpy as np
import pytest

import autograd_engine as ae

MESSAGE = r"was modified by an in-place update .* after {op} used it"


def test_a_constant_input_changed_after_the_forward_is_refused():
    w = ae.Tensor(np.array([1.0, 1.0]), requires_grad=True)
    x = ae.Tensor(np.array([2.0, 3.0]))
    y = (w * x).sum()
    x += 10  # grad mode on, but x does not require grad: updated in place
    with pytest.raises(RuntimeError, match=MESSAGE.format(op="multiply")):
        y.backward()  # was w.grad = [12, 13]; the true gradient is [2, 3]


def test_an_output_or_a_leaf_changed_under_no_grad_is_refused():
    w = ae.Tensor(np.array([0.5, -1.0]), requires_grad=True)
    e = ae.exp(w)
    s = e.sum()
    with ae.no_grad():
        e *= 0
    with pytest.raises(RuntimeError, match="input 0 of sum"):
        s.backward()
    z = (w * w).sum()
    with ae.no_grad():
        w += 1
    with pytest.raises(RuntimeError, match=MESSAGE.format(op="multiply")):
        z.backward()  # was [3, 0]: 2 * (w + 1)


def test_updates_before_recording_or_after_backward_are_fine():
    w = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for _ in range(3):  # an optimizer loop: forward, backward, update in place
        w.grad = None
        (w * w).sum().backward()
        expected = 2 * w.data
        np.testing.assert_array_equal(w.grad, expected)
        with ae.no_grad():
            w -= 0.1 * ae.Tensor(w.grad)
    x = ae.Tensor(np.array([1.0, 2.0]))
    x *= 3  # before any op uses it
    v = ae.Tensor(np.array([1.0, 1.0]), requires_grad=True)
    (v * x).sum().backward()
    np.testing.assert_array_equal(v.grad, [3.0, 6.0])


def test_requires_grad_true_on_a_non_leaf_that_requires_grad_is_a_no_op():
    x = ae.Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    assert y.requires_grad_() is y and y.requires_grad
    with pytest.raises(RuntimeError, match=r"requires_grad_\(False\): can only change requires_grad of a leaf"):
        y.requires_grad_(False)


def test_a_hook_keeps_its_own_array_when_grad_is_changed_in_place_later():
    w = ae.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    seen = []
    w.register_hook(seen.append)
    (w * w).sum().backward()
    w.grad *= 0  # e.g. zero_grad(set_to_none=False) or gradient clipping
    np.testing.assert_array_equal(seen[0], [2.0, -4.0])


def test_a_wrong_shape_grad_outputs_tensor_is_named_also_under_create_graph():
    x = ae.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ae.ShapeError, match=r"grad_outputs has shape \(2,\) but the tensor has shape \(3,\)"):
        ae.grad(x * 2, x, grad_outputs=ae.Tensor(np.ones(2)), create_graph=True)


def test_updates_through_a_detached_alias_or_an_optimizer_step_count_too():
    import optim

    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    alias = x.detach()  # shares the array
    alias += 10
    with pytest.raises(RuntimeError, match=MESSAGE.format(op="multiply")):
        y.backward()  # was [22, 24] silently; the recorded value gives [2, 4]
    w = ae.Tensor(np.array([0.5, -1.5]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="optimizer step"):
        loss.backward()  # the graph saw the weights before the step (PyTorch raises too)
    w.grad = None
    (w * w).sum().backward()  # a fresh graph after the step is fine
    np.testing.assert_allclose(w.grad, 2 * w.data)
    v = ae.Tensor(np.array([1.0, 3.0]), requires_grad=True)
    z = (v * v).sum()
    with ae.no_grad():
        v.data[0] = 5.0
    v.mark_modified()  # a change written into .data by hand counts once marked
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        z.backward()


def test_loading_weights_into_a_used_parameter_counts_as_an_update():
    import nn

    layer = nn.Linear(2, 1)
    loss = layer(np.ones((1, 2), np.float32)).sum()
    layer.load_state_dict({"weight": np.zeros((1, 2), np.float32), "bias": np.zeros(1, np.float32)})
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        loss.backward()


def test_views_made_by_ops_share_the_version_of_the_tensor_they_view():
    """Slicing, reshape and transpose give views of their input's array: an in-place update
    through the view, or of the base after the view was used, counts for both (PyTorch's views
    share a version counter too).  A reshape that had to copy is a new array and counts alone."""
    w = ae.Tensor(np.array([1.0, 1.0]), requires_grad=True)
    a = ae.Tensor(np.array([5.0, 2.0, 3.0]))
    y = (a[1:] * w).sum()
    a += 10  # the base of the slice that multiply used
    with pytest.raises(RuntimeError, match=MESSAGE.format(op="multiply")):
        y.backward()  # was [12, 13] silently; the recorded values give [2, 3]

    x = ae.Tensor(np.array([[0.5, -1.0], [2.0, 0.0]]), requires_grad=True)
    e = ae.exp(x)  # its rule reads its output
    loss = e.sum()
    with ae.no_grad():
        flat = ae.transpose(e).reshape(-1)  # transpose: a view; reshaping that view must copy
        kept = e.reshape(-1).detach()  # a view of e's array
    flat += 1  # the copy: e is untouched
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, np.exp(x.data))
    kept *= 0  # through a view of e
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        loss.backward()


def test_the_lstm_output_changed_in_place_is_refused():
    """nn.LSTM's output views the states its recurrence saved for backward."""
    import nn

    lstm = nn.LSTM(3, 4)
    out, (h_n, c_n) = lstm(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32))
    loss = h_n.sum() + c_n.sum()
    with ae.no_grad():
        d = out.detach()
        d *= 0
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        loss.backward()


class _SecondOperandFlattened(ae.Primitive):
    """A two-input op whose output views its second operand (no built-in op is like this)."""

    __slots__ = ()
    name = ""  # not registered
    differentiable_twice = True

    def forward(self, a, b):
        return b.reshape(-1)

    def backward(self, g, out, a, b):
        return (None, g.reshape(b.shape))


class _Identity(ae.Primitive):
    """Returns its input's array itself, as a straight-through op might."""

    __slots__ = ()
    name = ""
    differentiable_twice = True

    def forward(self, x):
        return x

    def backward(self, g, out, x):
        return (g,)


def test_a_view_shares_the_version_of_the_input_it_overlaps_and_an_identity_op_shares_too():
    """Two tensors may slice one NumPy array (Tensor() does not copy): the view counts with the one
    whose memory it covers.  An op that returns its input array itself is a view of it (PyTorch too)."""
    for updated, refused in (("b", True), ("a", False)):
        rows = np.array([[1.0, 2.0], [3.0, 4.0]])
        a, b = ae.Tensor(rows[0]), ae.Tensor(rows[1])
        w = ae.Tensor(np.ones(2), requires_grad=True)
        y = (ae.apply(_SecondOperandFlattened(), a, b) * w).sum()
        (b if updated == "b" else a).__iadd__(100)
        if refused:
            with pytest.raises(RuntimeError, match="modified by an in-place update"):
                y.backward()  # was [103, 104] silently; the recorded values give [3, 4]
        else:
            y.backward()  # a's memory is not in the output
            np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    x = ae.Tensor(np.array([1.0, 2.0, 3.0]))
    w = ae.Tensor(np.ones(3), requires_grad=True)
    y = (ae.apply(_Identity(), x) * w).sum()
    x += 10
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        y.backward()  # was [11, 12, 13]


def test_a_tensor_made_from_a_tensor_shares_its_array_and_its_version():
    a = ae.Tensor(np.array([1.0, 2.0, 3.0]))
    w = ae.Tensor(np.ones(3), requires_grad=True)
    y = (a * w).sum()
    b = ae.Tensor(a)  # no copy, as torch.as_tensor
    b += 1
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        y.backward()


def test_the_max_norm_constraint_counts_as_an_update():
    import nn

    layer = nn.Linear(3, 2)
    with ae.no_grad():
        layer.weight.data[:] = 10.0
    loss = layer(np.ones((1, 3), np.float32)).sum() * layer.weight.sum()
    nn.clip_weight_norm_(layer, max_norm=1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place update"):
        loss.backward()
