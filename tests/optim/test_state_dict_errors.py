"""load_state_dict of optimizers, schedulers, the EMA, the history and modules: another optimizer's
state, a layout that does not fit and a non-mapping are refused clearly; a malformed optimizer
state dict raises nn.CheckpointError; nothing is changed by a refused load."""
import copy

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler


def make_model(seed=0):
    ae.seed(seed)
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))


def trained(opt_factory, seed=0, steps=2):
    """A model and its optimizer after ``steps`` steps on random data (so the state is filled)."""
    model = make_model(seed)
    opt = opt_factory(model.parameters())
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        opt.zero_grad()
        scores = model(rng.standard_normal((8, 4)).astype(np.float32))
        nn.functional.cross_entropy(scores, rng.integers(0, 3, 8)).backward()
        opt.step()
    return model, opt


def snapshot(opt):
    return copy.deepcopy(([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
                          {id(p): s for p, s in opt.state.items()}))


def assert_unchanged(opt, before):
    groups, state = snapshot(opt)
    assert groups == before[0]
    assert state.keys() == before[1].keys()
    for key in state:
        for name, value in state[key].items():
            assert np.array_equal(value, before[1][key][name])


def test_the_state_dict_records_the_optimizer_type():
    assert trained(lambda p: optim.Adam(p, lr=1e-2))[1].state_dict()["type"] == "Adam"
    assert optim.SGD(make_model().parameters(), lr=0.1).state_dict()["type"] == "SGD"


@pytest.mark.parametrize("source, target", [
    (lambda p: optim.Adam(p, lr=1e-2), lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=1e-3)),
    (lambda p: optim.Adam(p, lr=1e-2), lambda p: optim.AdamW(p, lr=1e-2)),
    (lambda p: optim.RMSprop(p, lr=1e-2), lambda p: optim.Adagrad(p, lr=1e-2)),
])
def test_another_optimizers_state_is_refused_naming_both_types(source, target):
    _, saved_by = trained(source)
    _, loading = trained(target, seed=1)
    before = snapshot(loading)
    saved_name, loading_name = type(saved_by).__name__, type(loading).__name__
    with pytest.raises(nn.StateDictError, match=rf"{loading_name}\.load_state_dict: the state dict was saved by "
                                                rf"{saved_name}, not {loading_name}"):
        loading.load_state_dict(saved_by.state_dict())
    assert_unchanged(loading, before)


def test_the_type_survives_a_file(tmp_path):
    _, adam = trained(lambda p: optim.Adam(p, lr=1e-2))
    nn.save(adam.state_dict(), tmp_path / "adam.npz")
    with pytest.raises(nn.StateDictError, match="saved by Adam, not SGD"):
        optim.SGD(make_model().parameters(), lr=0.1).load_state_dict(nn.load(tmp_path / "adam.npz"))


def test_a_state_dict_saved_before_the_type_was_recorded_still_loads():
    model, opt = trained(lambda p: optim.Adam(p, lr=1e-2))
    legacy = opt.state_dict()
    del legacy["type"]
    fresh = optim.Adam(make_model(1).parameters(), lr=0.5)
    fresh.load_state_dict(legacy)
    assert fresh.param_groups[0]["lr"] == 1e-2
    for p, q in zip(model.parameters(), fresh.param_groups[0]["params"]):
        assert np.array_equal(opt.state[p]["exp_avg"], fresh.state[q]["exp_avg"])
        assert fresh.state[q]["step"] == 2


def test_a_layout_that_does_not_fit_is_a_state_dict_error():
    _, opt = trained(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    saved = opt.state_dict()
    wider = nn.Sequential(nn.Linear(4, 7), nn.ReLU(), nn.Linear(7, 3))
    with pytest.raises(nn.StateDictError, match=r"state 'velocity' of parameter 0 has shape \(6, 4\), but the "
                                                r"parameter has shape \(7, 4\)"):
        optim.SGD(wider.parameters(), lr=0.1, momentum=0.9).load_state_dict(saved)
    params = list(make_model().parameters())
    with pytest.raises(nn.StateDictError, match="the saved state has 1 parameter groups, this optimizer has 2"):
        optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(nn.StateDictError, match="group 0 has 4 parameters in the saved state but 3 here"):
        optim.SGD(params[:3], lr=0.1).load_state_dict(saved)


def malformed_variants(saved):
    """(what was done, a damaged copy of ``saved``) pairs."""
    def changed(edit):
        copy_ = copy.deepcopy(saved)
        edit(copy_)
        return copy_

    yield "no param_groups", changed(lambda s: s.pop("param_groups"))
    yield "param_groups not a list", changed(lambda s: s.update(param_groups={"params": [0]}))
    yield "a group without params", changed(lambda s: s["param_groups"][0].pop("params"))
    yield "non-integer indices", changed(lambda s: s["param_groups"][0].update(params=["a", "b", "c", "d"]))
    yield "repeated indices", changed(lambda s: s["param_groups"][0].update(params=[0, 0, 1, 2]))
    yield "state not a dict", changed(lambda s: s.update(state=[1, 2]))
    yield "state for an unlisted index", changed(lambda s: s["state"].update({7: {"velocity": np.zeros(3)}}))
    yield "state of a parameter not a dict", changed(lambda s: s["state"].update({0: [1.0]}))


@pytest.mark.parametrize("which", range(8))
def test_a_malformed_state_dict_is_a_checkpoint_error_and_changes_nothing(which):
    _, opt = trained(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    what, damaged = list(malformed_variants(opt.state_dict()))[which]
    _, target = trained(lambda p: optim.SGD(p, lr=0.3, momentum=0.5), seed=1)
    before = snapshot(target)
    with pytest.raises(nn.CheckpointError, match=r"SGD\.load_state_dict: not a valid optimizer state dict"):
        target.load_state_dict(damaged)
    assert_unchanged(target, before)


def test_state_keys_written_as_strings_still_load():
    """Indices that went through a format with string keys (JSON) are read back as integers."""
    _, opt = trained(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    saved = opt.state_dict()
    saved["state"] = {str(k): v for k, v in saved["state"].items()}
    target = optim.SGD(make_model(1).parameters(), lr=0.1, momentum=0.9)
    target.load_state_dict(saved)
    assert len(target.state) == 4


# ----- a mapping is expected -------------------------------------------------------------------------------


def schedulers():
    def opt():
        return optim.SGD(make_model().parameters(), lr=0.1, momentum=0.9)

    def sequential():
        o = opt()
        return lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o), lr_scheduler.StepLR(o, 2)], [2])

    return [lr_scheduler.StepLR(opt(), 2), lr_scheduler.OneCycleLR(opt(), 1.0, total_steps=10), sequential(),
            lr_scheduler.ReduceLROnPlateau(opt()), lr_scheduler.MomentumSchedule(opt())]


def loaders():
    model = make_model()
    yield "Sequential", model.load_state_dict
    yield "SGD", optim.SGD(model.parameters(), lr=0.1).load_state_dict
    for scheduler in schedulers():
        yield type(scheduler).__name__, scheduler.load_state_dict
    yield "ExponentialMovingAverage", optim.ExponentialMovingAverage(model.parameters()).load_state_dict
    yield "History", optim.History().load_state_dict


@pytest.mark.parametrize("which", range(9))
def test_a_list_of_pairs_is_refused_asking_for_a_mapping(which):
    name, load = list(loaders())[which]
    with pytest.raises(TypeError, match=rf"{name}\.load_state_dict: expected a mapping .* got list"):
        load([("weight", np.zeros((6, 4)))])


def test_a_path_given_to_module_load_state_dict_points_at_nn_load(tmp_path):
    with pytest.raises(TypeError, match=r"got PosixPath; to load a file, use model\.load_state_dict\(nn\.load\(path\)\)"):
        make_model().load_state_dict(tmp_path / "model.npz")


def test_module_values_that_are_not_arrays_of_numbers_are_refused_and_nothing_is_loaded():
    model = nn.Linear(2, 3)
    before = model.state_dict()
    with pytest.raises(nn.StateDictError, match=r"'weight' is an array of dtype <U1, not an array of numbers; "
                                                r"'bias' is a list, not an array of numbers"):
        model.load_state_dict({"weight": np.full((3, 2), "a"), "bias": [1.0, [2.0]]})
    for key, value in model.state_dict().items():
        assert np.array_equal(value, before[key])


# ----- schedulers ------------------------------------------------------------------------------------------


def test_a_scheduler_refuses_entries_it_does_not_have():
    """Loading sets the entries as attributes: an unknown one (here ``step``) could shadow a method."""
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.raises(nn.StateDictError, match=r"StepLR\.load_state_dict: .* entries that a StepLR does not have: "
                                                r"\['step'\]"):
        scheduler.load_state_dict({**scheduler.state_dict(), "step": 3})
    scheduler.step()  # still a method
    assert scheduler.last_epoch == 1


def test_sequential_lr_refuses_another_number_of_schedulers():
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    two = lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt), lr_scheduler.StepLR(opt, 2)], [2])
    saved = two.state_dict()
    saved["schedulers"] = saved["schedulers"][:1]
    with pytest.raises(nn.StateDictError, match="the state dict holds 1 schedulers, this SequentialLR 2"):
        two.load_state_dict(saved)
