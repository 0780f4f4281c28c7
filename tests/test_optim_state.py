"""state_dict / load_state_dict: training resumes bit for bit; the saved dict is a snapshot."""
import pickle

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler

RNG = np.random.default_rng(0)
INPUTS = RNG.standard_normal((32, 4)).astype(np.float32)
LABELS = RNG.integers(0, 3, size=32)


def make_model(seed):
    ae.seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def loss_of(model):
    return nn.functional.cross_entropy(model(INPUTS), LABELS)


OPTIMIZERS = {
    "sgd_nesterov_wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "sgd_dampening": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.5),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-4),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "lbfgs": lambda p: optim.LBFGS(p, lr=0.5, max_iter=3, history_size=4),
}


def train(model, opt, scheduler, steps):
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_of(model)
            loss.backward()
            return loss

        opt.step(closure)
        if scheduler is not None:
            scheduler.step()


def make_scheduler(name, opt):
    return None if name == "lbfgs" else lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_from_state_dict_is_bit_identical(name):
    # 20 uninterrupted steps
    model = make_model(1)
    opt = OPTIMIZERS[name](model.parameters())
    train(model, opt, make_scheduler(name, opt), 20)
    reference = model.state_dict()

    # 10 steps, save everything through pickle (as to disk), restore into fresh objects, 10 more
    model = make_model(1)
    opt = OPTIMIZERS[name](model.parameters())
    scheduler = make_scheduler(name, opt)
    train(model, opt, scheduler, 10)
    saved = pickle.dumps({
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
    })
    del model, opt, scheduler

    checkpoint = pickle.loads(saved)
    model = make_model(2)  # different initial weights: everything must come from the checkpoint
    model.load_state_dict(checkpoint["model"])
    opt = OPTIMIZERS[name](model.parameters())
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler = make_scheduler(name, opt)
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    train(model, opt, scheduler, 10)

    resumed = model.state_dict()
    assert reference.keys() == resumed.keys()
    for key in reference:
        assert np.array_equal(reference[key], resumed[key]), key
        assert resumed[key].dtype == np.float32


def test_state_dict_is_a_snapshot_with_indices_for_parameters():
    model = make_model(1)
    opt = optim.SGD([{"params": [model[0].weight, model[0].bias]}, {"params": [model[2].weight], "lr": 0.5}],
                    lr=0.1, momentum=0.9)
    train(model, opt, None, 2)
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.5 and saved["param_groups"][0]["momentum"] == 0.9
    assert sorted(saved["state"]) == [0, 1, 2]
    velocity = saved["state"][0]["velocity"].copy()
    train(model, opt, None, 2)
    assert np.array_equal(saved["state"][0]["velocity"], velocity)  # training on did not touch the snapshot
    assert not np.array_equal(opt.state[model[0].weight]["velocity"], velocity)


def test_load_state_dict_rejects_a_different_layout():
    model = make_model(1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    train(model, opt, None, 1)
    saved = opt.state_dict()
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(16, 4\), but the parameter has shape \(8, 4\)"):
        optim.Adam(other.parameters()).load_state_dict(saved)
    with pytest.raises(ValueError, match="the saved state has 1 parameter groups, this optimizer has 2"):
        params = list(model.parameters())
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 4 parameters in the saved state but 2 here"):
        optim.Adam(list(model.parameters())[:2]).load_state_dict(saved)


def test_loaded_hyperparameters_replace_the_constructor_ones():
    model = make_model(1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh = optim.SGD(make_model(1).parameters(), lr=0.7)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["momentum"] == 0.9


def test_load_state_dict_validates_hyperparameters_and_changes_nothing_on_error():
    model = make_model(1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = -1.0
    target = optim.SGD(make_model(1).parameters(), lr=0.3)
    with pytest.raises(ValueError, match="lr must lie in"):
        target.load_state_dict(saved)
    assert target.param_groups[0]["lr"] == 0.3 and target.param_groups[0]["momentum"] == 0.0


def test_passing_the_module_instead_of_its_parameters_says_how_to_fix_it():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with pytest.raises(TypeError, match=r"SGD: got the module Sequential itself; .*model\.parameters\(\)"):
        optim.SGD(model, lr=0.1)
