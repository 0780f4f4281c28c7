"""Optimizers in a transfer-learning run: frozen parameters and per-group learning rates.

A frozen parameter (``requires_grad=False``) may be handed to an optimizer, as in PyTorch:
it gets no gradient, so ``step()`` neither moves it (not even by weight decay or momentum)
nor creates state for it; unfrozen later, it starts training.  Parameter groups give the
pre-trained layers a smaller learning rate; schedulers scale every group; the state dict
of such an optimizer restores a run exactly.  Each run is compared with ``torch.optim`` in
float64 on the same weights and data (skipped when PyTorch is not installed), and checked
by hand otherwise.
"""
import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim

CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=1e-2, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True, weight_decay=1e-2)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=1e-2)),
]
IDS = [f"{name}-{'-'.join(options)}" for name, options in CASES]
RNG = np.random.default_rng(0)
BATCHES = [(RNG.standard_normal((6, 4)), RNG.integers(0, 3, 6)) for _ in range(6)]


def body_and_head(seed=0):
    """A float64 two-layer net: the 'pre-trained body' ``[0]`` and the 'head' ``[2]``."""
    ae.seed(seed)
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()


def train_steps(model, optimizer, batches):
    for inputs, labels in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()


def torch_twin(model):
    """The same net in PyTorch, float64, with the same weights."""
    torch = pytest.importorskip("torch")
    twin = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).double()
    twin.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    return twin


def torch_train_steps(twin, optimizer, batches):
    torch = pytest.importorskip("torch")
    for inputs, labels in batches:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(twin(torch.tensor(inputs)), torch.tensor(labels)).backward()
        optimizer.step()


def torch_has_stepped(state):
    """Whether torch.optim updated a parameter: it has state, and (Adagrad creates every parameter's
    state up front, with step 0) a step count above zero."""
    return bool(state) and float(state.get("step", 1)) > 0


def assert_same_weights(model, twin):
    for (name, p), q in zip(model.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_a_frozen_body_passed_to_the_optimizer_does_not_move_and_gets_no_state(name, options):
    model = body_and_head()
    model[0].requires_grad_(False)
    body_before = [p.data.copy() for p in model[0].parameters()]
    head_before = [p.data.copy() for p in model[2].parameters()]
    optimizer = getattr(optim, name)(model.parameters(), **options)  # every parameter, as in PyTorch
    train_steps(model, optimizer, BATCHES)
    for p, before in zip(model[0].parameters(), body_before):
        assert p.grad is None
        np.testing.assert_array_equal(p.data, before)  # bit for bit: no decay, no momentum
        assert p not in optimizer.state
    for p, before in zip(model[2].parameters(), head_before):
        assert p in optimizer.state and not np.allclose(p.data, before)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_freezing_then_unfreezing_matches_torch_optim(name, options):
    torch = pytest.importorskip("torch")
    model = body_and_head()
    twin = torch_twin(model)
    model[0].requires_grad_(False)
    twin[0].requires_grad_(False)
    optimizer = getattr(optim, name)(model.parameters(), **options)
    torch_optimizer = getattr(torch.optim, name)(twin.parameters(), **options)
    train_steps(model, optimizer, BATCHES[:3])
    torch_train_steps(twin, torch_optimizer, BATCHES[:3])
    assert_same_weights(model, twin)
    params, torch_params = list(model.parameters()), list(twin.parameters())
    with_state = sorted(i for i, p in enumerate(params) if p in optimizer.state)
    torch_with_state = sorted(i for i, p in enumerate(torch_params) if torch_has_stepped(torch_optimizer.state.get(p)))
    assert with_state == torch_with_state == [2, 3]  # the head's weight and bias only

    model[0].requires_grad_(True)  # unfreeze: the body starts training, with fresh state
    twin[0].requires_grad_(True)
    train_steps(model, optimizer, BATCHES[3:])
    torch_train_steps(twin, torch_optimizer, BATCHES[3:])
    assert_same_weights(model, twin)
    assert all(p in optimizer.state for p in params)


def test_an_optimizer_over_only_frozen_parameters_is_refused_with_the_fix():
    model = body_and_head().requires_grad_(False)
    with pytest.raises(TypeError, match=r"SGD: none of the 4 parameters requires grad.*requires_grad_\(True\)"):
        optim.SGD(model.parameters(), lr=0.1)


def fine_tuning_optimizer(model, body_lr=1e-3, head_lr=1e-2):
    """The notes' advice: the pre-trained body learns ten times more slowly than the new head."""
    return optim.Adam([{"params": model[0].parameters(), "lr": body_lr}, {"params": model[2].parameters()}],
                      lr=head_lr, weight_decay=1e-3)


def test_parameter_groups_with_a_smaller_body_rate_and_a_schedule_match_torch_optim():
    torch = pytest.importorskip("torch")
    model = body_and_head()
    twin = torch_twin(model)
    optimizer = fine_tuning_optimizer(model)
    torch_optimizer = torch.optim.Adam([{"params": twin[0].parameters(), "lr": 1e-3},
                                        {"params": twin[2].parameters()}], lr=1e-2, weight_decay=1e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    torch_scheduler = torch.optim.lr_scheduler.StepLR(torch_optimizer, step_size=2, gamma=0.5)
    for batch in BATCHES:
        train_steps(model, optimizer, [batch])
        torch_train_steps(twin, torch_optimizer, [batch])
        scheduler.step()
        torch_scheduler.step()
        np.testing.assert_allclose(scheduler.get_last_lr(), torch_scheduler.get_last_lr(), rtol=1e-12)
    assert scheduler.get_last_lr() == pytest.approx([1e-3 / 8, 1e-2 / 8])  # each group scaled by 0.5 ** 3
    assert_same_weights(model, twin)


def test_parameter_groups_move_at_their_own_rate():
    """With plain SGD the step of each parameter is its group's rate times its gradient."""
    model = body_and_head()
    optimizer = optim.SGD([{"params": model[0].parameters(), "lr": 1e-3}, {"params": model[2].parameters()}], lr=1e-2)
    before = [p.data.copy() for p in model.parameters()]
    train_steps(model, optimizer, BATCHES[:1])
    rates = [1e-3, 1e-3, 1e-2, 1e-2]
    for p, old, lr in zip(model.parameters(), before, rates):
        np.testing.assert_allclose(old - p.data, lr * p.grad, rtol=1e-12, atol=1e-15)


def test_a_staged_fine_tuning_run_resumes_exactly_from_its_state_dicts():
    """Head first with the body frozen, then everything with the smaller body rate; the run is
    stopped half way, saved, restored into fresh objects and continued: the result is bit for
    bit that of the uninterrupted run."""

    def run(model, stop=None, saved=None):
        optimizer = fine_tuning_optimizer(model)
        scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        if saved is not None:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
        start = 0 if saved is None else saved["step"]
        for step in range(start, len(BATCHES) if stop is None else stop):
            model[0].requires_grad_(step >= 2)  # the body is frozen for the first two steps
            train_steps(model, optimizer, [BATCHES[step]])
            scheduler.step()
        return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "step": stop}

    uninterrupted = run(body_and_head())["model"]
    halfway = run(body_and_head(), stop=3)
    assert halfway["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-3 * 0.9 ** 3)
    resumed = run(body_and_head(seed=1), saved=halfway)["model"]  # other initial weights, all overwritten
    for key, value in uninterrupted.items():
        np.testing.assert_array_equal(resumed[key], value, err_msg=key)
    assert not np.array_equal(uninterrupted["0.weight"], body_and_head()[0].weight.data)  # the body trained once unfrozen
