"""The module system: registration, traversal, modes, state dicts, checkpoints, repr, summary, scopes."""
import os

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.register_buffer("calls", np.zeros((), dtype=np.int64))
        self.scale = 2.0  # a plain attribute, not state

    def forward(self, x):
        self.calls += 1
        return self.fc2(self.act(self.fc1(x))) * self.scale


def make_model():
    ae.seed(0)
    return nn.Sequential(TwoLayer(), nn.Dropout(0.5), nn.BatchNorm1d(3), nn.Linear(3, 2))


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


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and isinstance(seq[1:], nn.Sequential)
    assert len(seq[1:]) == 2 and seq[1:][1] is seq[2]
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="out of range"):
        seq[7]
    with pytest.raises(TypeError, match="must be an nn.Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and len(layers) == 3
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 4)})
    assert "a" in heads and heads["b"].out_features == 4 and list(heads) == ["a", "b"]
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    del heads["a"]
    assert list(heads.keys()) == ["b"]
    with pytest.raises(KeyError, match="no module 'z'"):
        heads["z"]


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
    assert ae.grad_mode.state.scope == ""


def test_scope_is_restored_when_forward_raises():
    with pytest.raises(ae.ShapeError):
        nn.Sequential(nn.Linear(3, 2))(np.ones((1, 5), np.float32))
    assert ae.grad_mode.state.scope == ""


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


def test_functional_call_substitutes_and_restores():
    layer = nn.Linear(2, 1).double()
    w, b = ae.Tensor(np.array([[1.0, 2.0]]), requires_grad=True), ae.Tensor(np.array([0.5]))
    out = nn.functional_call(layer, {"weight": w, "bias": b}, np.array([[1.0, 1.0]]))
    assert out.item() == 3.5
    assert isinstance(layer.weight, nn.Parameter) and layer._parameters["weight"] is layer.weight
    with pytest.raises(KeyError, match="no parameter or buffer 'wieght'"):
        nn.functional_call(layer, {"wieght": w}, np.ones((1, 2)))


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


# ----- save / load ------------------------------------------------------------------------------------


def test_save_and_load_round_trip_a_model_bit_exactly(tmp_path):
    model = make_model()
    model(np.ones((4, 4), np.float32))
    path = tmp_path / "model.npz"
    nn.save(model, path)
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape and np.array_equal(loaded[k], v)
    fresh = make_model()
    fresh.load_state_dict(loaded)
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]


def test_save_handles_nested_state_without_pickle(tmp_path):
    state = {
        "state": {0: {"step": 3, "m": np.arange(4.0)}, 1: {"step": 3, "m": np.float32(2.5)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None, "params": [0, 1]}],
    }
    path = tmp_path / "optimizer.npz"
    nn.save(state, path)
    loaded = nn.load(path)
    assert loaded["param_groups"] == state["param_groups"]
    assert loaded["state"][0]["step"] == 3 and np.array_equal(loaded["state"][0]["m"], np.arange(4.0))
    assert loaded["state"][1]["m"].dtype == np.float32
    with pytest.raises(TypeError, match="cannot store function"):
        nn.save({"f": lambda: 0}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_a_crash_while_saving_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.zeros(3)}, path)

    def crash(file, **arrays):
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": np.ones(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(path)["w"], np.zeros(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_load_refuses_pickled_objects_and_foreign_files(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, __manifest__=np.frombuffer(b'{"format": "autograd_engine.nn checkpoint v1", "root": {"ndarray": "a0"}}',
                                               dtype=np.uint8), a0=np.array([object()], dtype=object))
    with pytest.raises(nn.CheckpointError, match="holds Python objects, which nn.load never unpickles") as caught:
        nn.load(evil)
    assert "allow_pickle" not in str(caught.value)
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.zeros(2))
    with pytest.raises(nn.CheckpointError, match="not a valid checkpoint .*the manifest is missing"):
        nn.load(plain)


def test_loading_a_mismatched_file_names_the_key_and_shapes(tmp_path):
    nn.save(nn.Linear(4, 3), tmp_path / "small.npz")
    with pytest.raises(nn.StateDictError, match=r"'weight': the checkpoint has \(3, 4\), the model has \(5, 4\)"):
        nn.Linear(4, 5).load_state_dict(nn.load(tmp_path / "small.npz"))


# ----- repr, counts, summary ------------------------------------------------------------------------------


def test_repr_shows_the_tree_with_shapes_and_counts():
    text = repr(make_model())
    assert "(0): TwoLayer(" in text
    assert "(fc1): Linear(in_features=4, out_features=8, bias=True)  # weight (8, 4), bias (8,): 40 params" in text
    assert "(1): Dropout(p=0.5)" in text
    assert "Total parameters: 81" in text  # 40 + 27 + 6 + 8


def test_summary_lists_output_shapes_and_parameters():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 2))
    table = nn.summary(model, (3, 3, 4))
    lines = table.splitlines()
    assert lines[2].split() == ["input", "(3,", "3,", "4)", "36", "0"]
    row = next(line for line in lines if line.startswith("1 (Linear)"))
    assert row.split()[-3:] == ["5)", "15", "65"]
    assert "total parameters: 77 (77 trainable)" in table
    assert model.training  # mode restored
    assert nn.parameter_count(model) == 77


def test_l2_penalty_from_the_fc_net_equals_the_hand_sum():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    expected = sum((layer.weight.data**2).sum() for layer in model)
    assert nn.l2_penalty(model).item() == pytest.approx(expected)
    loss = F.mse_loss(model(np.ones((1, 3))), np.zeros((1, 2)))
    assert loss.item() >= 0


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


def test_save_and_load_take_file_objects_and_name_a_missing_directory(tmp_path):
    import io

    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    nn.save(model, buffer)
    buffer.seek(0)
    restored = nn.load(buffer)
    np.testing.assert_array_equal(restored["weight"], model.weight.data)
    with open(tmp_path / "m.npz", "wb") as f:
        nn.save(model.state_dict(), f)
    with open(tmp_path / "m.npz", "rb") as f:
        np.testing.assert_array_equal(nn.load(f)["bias"], model.bias.data)
    missing = tmp_path / "nope" / "m.npz"
    with pytest.raises(FileNotFoundError, match=r"cannot write .*nope/m\.npz.*the directory .*nope' does not exist; create it"):
        nn.save(model, missing)
    assert not (tmp_path / "nope").exists()
