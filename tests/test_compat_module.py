"""PyTorch compatibility of ``nn.Module``: ``zero_grad(set_to_none)`` and forward pre-hooks."""
import numpy as np

import autograd_engine as ae
import nn


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
