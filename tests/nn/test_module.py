"""The module system: registration, traversal, modes, ``zero_grad`` (``set_to_none`` as PyTorch), state
dicts, repr, scopes, forward hooks and forward pre-hooks."""
import numpy as np
import pytest
from helpers import TwoLayer, make_model

import autograd_engine as ae
import nn

# ----- registration and traversal -------------------------------------------------------------


def test_parameters_buffers_and_children_are_registered_by_assignment():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["calls"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    assert list(m.parameters(recurse=False)) == []
    assert "scale" not in m.state_dict()


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3
    assert nn.parameter_count(model) == 12


def test_assignment_errors_are_clear():
    m = TwoLayer()
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.fc1.weight = ae.Tensor(np.zeros((8, 4), np.float32))

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgot()
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_deleting_and_replacing_attributes_keeps_the_registry_in_sync():
    m = TwoLayer()
    m.fc2 = nn.Linear(8, 5)
    assert m.fc2.out_features == 5 and [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    del m.act
    assert [n for n, _ in m.named_children()] == ["fc1", "fc2"]
    m.fc1.bias = None
    assert "fc1.bias" not in m.state_dict()


def test_train_eval_and_zero_grad_reach_every_descendant():
    model = make_model()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_double_and_requires_grad():
    model = make_model().double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[2].running_mean.dtype == np.float64 and model[2].num_batches_tracked.dtype == np.int64
    model.requires_grad_(False)
    assert nn.parameter_count(model, trainable_only=True) == 0 and nn.parameter_count(model) > 0


# ----- scopes -------------------------------------------------------------------------------------


def test_ops_are_tagged_with_the_dotted_module_path():
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), nn.Linear(3, 2))
    outer = TwoLayer()
    x = ae.Tensor(np.ones((2, 3), np.float32))
    out = model(x)
    assert out.grad_fn.scope == "1"
    assert out.grad_fn.inputs[0].grad_fn.scope == "0.1"
    assert out.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn.scope == "0.0"
    # a module built first and attached later gets its path updated
    holder = nn.Module()
    holder.net = outer
    y = outer(np.ones((1, 4), np.float32))
    assert y.grad_fn.inputs[0].grad_fn.scope == "net.fc2"
    assert ae.grad_mode.this_thread.mode.scope == ""


def test_scope_is_restored_when_forward_raises():
    with pytest.raises(ae.ShapeError):
        nn.Sequential(nn.Linear(3, 2))(np.ones((1, 5), np.float32))
    assert ae.grad_mode.this_thread.mode.scope == ""


def test_forward_hooks_see_and_may_replace_the_output():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    layer(np.ones((3, 2), np.float32))
    handle.remove()
    layer(np.ones((3, 2), np.float32))
    assert seen == [(3, 2)]
    with layer.register_forward_hook(lambda m, args, out: out * 0):
        assert np.all(layer(np.ones((1, 2), np.float32)).data == 0)
    assert np.any(layer(np.ones((1, 2), np.float32)).data != 0)


# ----- state dicts ----------------------------------------------------------------------------------


def test_state_dict_is_a_snapshot_with_parameters_and_persistent_buffers():
    model = make_model()
    state = model.state_dict()
    assert list(state) == [  # PyTorch's order: a module's own entries, then its children's
        "0.calls", "0.fc1.weight", "0.fc1.bias", "0.fc2.weight", "0.fc2.bias",
        "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked", "3.weight", "3.bias",
    ]
    before = state["3.weight"].copy()
    model[3].weight.data += 1
    np.testing.assert_array_equal(state["3.weight"], before)


def test_load_state_dict_round_trips_bit_exactly():
    source, target = make_model(), make_model()
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    source(x)  # moves the running statistics and the call counter
    for p in source.parameters():
        p.data += np.float32(0.25)
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        assert a.dtype == b.dtype and np.array_equal(a, b), k
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_state_dict_names_missing_unexpected_and_misshaped_keys():
    model = make_model()
    state = model.state_dict()
    del state["3.bias"]
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(nn.StateDictError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing keys" in message and "'3.bias'" in message
    assert "unexpected keys" in message and "'extra.weight'" in message
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["3.bias"] and result.unexpected_keys == ["extra.weight"]

    state = model.state_dict()
    state["0.fc1.weight"] = np.zeros((8, 5), np.float32)
    before = model.state_dict()
    with pytest.raises(nn.StateDictError, match=r"'0.fc1.weight': the checkpoint has \(8, 5\), the model has \(8, 4\)"):
        model.load_state_dict(state, strict=False)
    for k, v in model.state_dict().items():  # nothing was half-loaded
        np.testing.assert_array_equal(v, before[k])


# ----- repr, counts, summary ------------------------------------------------------------------------------


def test_repr_shows_the_tree_with_shapes_and_counts():
    text = repr(make_model())
    assert "(0): TwoLayer(" in text
    assert "(fc1): Linear(in_features=4, out_features=8, bias=True)  # weight (8, 4), bias (8,): 40 params" in text
    assert "(1): Dropout(p=0.5)" in text
    assert "Total parameters: 81" in text  # 40 + 27 + 6 + 8


def test_load_state_dict_copies_into_the_existing_arrays():
    """As in PyTorch: views of a parameter and references held by others see the loaded values."""
    import numpy as np

    import nn

    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    weight_array = target.weight.data
    row_view = target.weight.data[0]
    target.load_state_dict(source.state_dict())
    assert target.weight.data is weight_array
    np.testing.assert_array_equal(row_view, source.weight.data[0])


class Scale(nn.Module):
    """forward(x, y=0) = factor * x + y, with a trainable factor."""

    def __init__(self):
        super().__init__()
        self.factor = nn.Parameter(np.array([2.0]))

    def forward(self, x, y=0.0):
        return self.factor * x + y


def ones(*shape):
    return np.ones(shape, np.float32)


# ----- zero_grad(set_to_none) ---------------------------------------------------------------
def test_module_zero_grad_sets_to_none_by_default():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model(ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_module_zero_grad_without_set_to_none_zeroes_in_place():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model(ones(4, 3)).sum().backward()
    model[1].bias.grad = None  # a parameter without a gradient
    before = {name: p.grad for name, p in model.named_parameters()}
    assert np.any(before["0.weight"] != 0)
    model.zero_grad(set_to_none=False)
    for name, p in model.named_parameters():
        if name == "1.bias":
            assert p.grad is None
        else:
            assert p.grad is before[name], name  # the very same array
            assert p.grad.shape == p.shape and not np.any(p.grad), name


# ----- forward pre-hooks ----------------------------------------------------------------------
def test_pre_hook_sees_the_positional_args_before_forward():
    module = Scale()
    calls = []
    handle = module.register_forward_pre_hook(lambda m, args: calls.append((m, args)))
    x = np.array([3.0])
    out = module(x, y=1.0)
    assert len(calls) == 1 and calls[0][0] is module
    assert len(calls[0][1]) == 1 and calls[0][1][0] is x  # keyword arguments are not in args
    assert out.item() == 7.0  # None returned: the arguments are unchanged
    handle.remove()
    module(x)
    assert len(calls) == 1


def test_pre_hook_return_value_replaces_the_args():
    module = Scale()
    with module.register_forward_pre_hook(lambda m, args: (args[0] * 10.0,)):
        assert module(np.array([1.0])).item() == 20.0
    handle = module.register_forward_pre_hook(lambda m, args: np.array([5.0]))  # not a tuple: becomes (value,)
    assert module(np.array([1.0]), y=1.0).item() == 11.0
    handle.remove()
    assert module(np.array([1.0])).item() == 2.0


def test_pre_hooks_chain_in_order_and_forward_hooks_see_the_replaced_args():
    module = Scale()
    module.register_forward_pre_hook(lambda m, args: (args[0] + 1.0,))
    module.register_forward_pre_hook(lambda m, args: (args[0] * 3.0,))  # sees the first hook's result
    seen = []
    module.register_forward_hook(lambda m, args, out: seen.append(args[0]))
    out = module(np.array([1.0]))
    assert out.item() == 12.0  # 2 * ((1 + 1) * 3)
    np.testing.assert_array_equal(seen[0], [6.0])


def test_pre_hook_on_a_child_reaches_the_gradient():
    model = nn.Sequential(Scale())
    model[0].register_forward_pre_hook(lambda m, args: args[0] * 0.5)
    x = ae.Tensor(np.array([4.0]), requires_grad=True)
    model(x).backward()
    assert model[0].factor.grad[0] == 2.0  # d(factor * 0.5 x)/d factor = 0.5 * 4
    assert x.grad[0] == 1.0  # d(factor * 0.5 x)/dx = 2 * 0.5


def test_to_takes_pytorchs_device_and_dtype_forms_and_refuses_other_devices():
    model = nn.Linear(3, 2)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to("cpu", np.float64).weight.dtype == np.float64
    assert model.to(device="cpu", dtype=np.float32).weight.dtype == np.float32
    for move in (lambda: model.to("cuda"), lambda: model.to("cuda:0", np.float64), lambda: model.cuda()):
        with pytest.raises(ValueError, match="CPU with NumPy"):
            move()
    assert model.weight.dtype == np.float32  # a refused move changed nothing
