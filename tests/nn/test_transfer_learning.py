"""The transfer-learning workflow on ``nn`` modules: freeze a pre-trained body, replace its head,
load its weights with ``strict=False``, keep its batch norm in evaluation mode, fine-tune.

What is checked: frozen parameters get no gradient (``.grad`` stays None) while the input
gradient still flows through them; backward runs no gradient rule of a frozen prefix (its ops
are not even recorded); ``train()``/``eval()`` act per submodule and respect a submodule's own
``train``; a replaced head is registered and the old one dropped; ``load_state_dict`` reports
missing and unexpected keys as PyTorch does and refuses misshaped entries with the way out.
"""
from collections import OrderedDict

import numpy as np
import pytest
from helpers import ROOT

import autograd_engine as ae
import nn
import optim

IMAGES = np.random.default_rng(0).standard_normal((8, 1, 8, 8)).astype(np.float32)
LABELS = np.arange(8) % 3


class TransferNet(nn.Module):
    """A small ConvNet: ``body`` (conv, batch norm, ReLU, pool, flatten) and a linear head ``fc``."""

    def __init__(self, classes=3, seed=0):
        super().__init__()
        ae.seed(seed)
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten())
        self.fc = nn.Linear(4 * 4 * 4, classes)

    def forward(self, x):
        return self.fc(self.body(x))


class FrozenBodyNet(TransferNet):
    """The PyTorch idiom for a fixed feature extractor: ``train()`` leaves the body in evaluation mode."""

    def train(self, mode=True):
        super().train(mode)
        self.body.eval()
        return self


def frozen(model):
    model.body.requires_grad_(False)
    return model


# ----- no gradient, no work ----------------------------------------------------------------------


def test_frozen_parameters_get_no_gradient_and_the_head_gets_the_right_one():
    model = frozen(TransferNet())
    features = model.body(IMAGES).data
    loss = nn.functional.cross_entropy(model(IMAGES), LABELS)
    loss.backward()
    assert all(p.grad is None for p in model.body.parameters())
    # the head's gradient by hand: softmax minus one-hot, averaged over the batch
    scores = features @ model.fc.weight.data.T + model.fc.bias.data
    probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    d_scores = (probabilities - np.eye(3)[LABELS]) / len(LABELS)
    np.testing.assert_allclose(model.fc.weight.grad, d_scores.T @ features, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.fc.bias.grad, d_scores.sum(axis=0), rtol=1e-4, atol=1e-6)


def test_gradient_still_flows_through_a_frozen_layer_to_an_input_that_requires_it():
    layer = nn.Linear(4, 3).double().requires_grad_(False)
    x = ae.Tensor(np.random.default_rng(1).standard_normal((2, 4)), requires_grad=True)
    upstream = np.random.default_rng(2).standard_normal((2, 3))
    (layer(x) * upstream).sum().backward()
    np.testing.assert_allclose(x.grad, upstream @ layer.weight.data, rtol=1e-12)  # dx = dy W
    assert layer.weight.grad is None and layer.bias.grad is None


def scopes_whose_rule_ran(model, monkeypatch):
    """Run forward and backward of ``model`` on the images; return the module paths of the graph
    nodes whose gradient rule ran (every primitive's ``backward`` is wrapped to record it)."""
    ran = []
    for primitive in ae.PRIMITIVES.values():
        def counting(self, grad, out, *inputs, _rule=primitive.backward):
            ran.append(self.scope)
            return _rule(self, grad, out, *inputs)
        monkeypatch.setattr(primitive, "backward", counting)
    nn.functional.cross_entropy(model(IMAGES), LABELS).backward()
    return ran


def test_backward_runs_no_gradient_rule_of_a_frozen_prefix(monkeypatch):
    trainable = scopes_whose_rule_ran(TransferNet(), monkeypatch)
    assert any(scope.startswith("body") for scope in trainable)  # the count can see the body's rules
    ran = scopes_whose_rule_ran(frozen(TransferNet()), monkeypatch)
    assert any(scope == "fc" for scope in ran)
    assert not any(scope.startswith("body") for scope in ran)


def test_a_frozen_prefix_records_no_graph():
    model = frozen(TransferNet())
    features = model.body(IMAGES)
    assert not features.requires_grad and features.grad_fn is None and features.is_leaf
    assert model(IMAGES).grad_fn.scope == "fc"


def test_unfreezing_brings_the_gradients_back():
    model = frozen(TransferNet())
    model.body.requires_grad_(True)
    nn.functional.cross_entropy(model(IMAGES), LABELS).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


# ----- modes per submodule -------------------------------------------------------------------------


def test_train_and_eval_act_on_the_submodule_only():
    model = TransferNet()
    model.train()
    model.body.eval()
    assert not any(m.training for m in model.body.modules())
    assert model.training and model.fc.training
    model.body[1].train()
    assert model.body[1].training and not model.body.training and not model.body[0].training


def test_train_switches_children_through_their_own_train():
    """PyTorch calls each child's ``train``; a model overriding it keeps its say under an ancestor."""
    outer = nn.Sequential(FrozenBodyNet(), nn.ReLU())
    outer.train()
    model = outer[0]
    assert model.training and model.fc.training and outer[1].training
    assert not model.body.training and not model.body[1].training
    outer.eval()
    assert not any(m.training for m in outer.modules())


def test_a_frozen_batch_norm_in_eval_mode_keeps_its_running_statistics_while_the_head_trains():
    model = frozen(FrozenBodyNet())
    body_before = model.body.state_dict()
    head_before = model.fc.weight.data.copy()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trainer = optim.Trainer(model, optimizer, (IMAGES, LABELS), epochs=3, batch_size=4, ratio_every=0,
                            monitor_samples=0, restore_best=False, progress=False, verbose=False)
    trainer.train()  # calls model.train() every epoch
    for key, value in model.body.state_dict().items():
        np.testing.assert_array_equal(value, body_before[key], err_msg=key)  # running stats included
    assert not np.allclose(model.fc.weight.data, head_before)


def test_freezing_alone_does_not_stop_batch_norm_statistics_as_in_pytorch():
    """requires_grad_(False) stops the weights; only evaluation mode fixes the running statistics."""
    model = frozen(TransferNet()).train()
    running_mean = model.body[1].running_mean.copy()
    model(IMAGES)
    assert not np.allclose(model.body[1].running_mean, running_mean)


# ----- a new head ------------------------------------------------------------------------------------


def test_assigning_a_new_head_registers_it_and_drops_the_old_one():
    model = TransferNet(classes=3)
    old_head = model.fc
    model.fc = nn.Linear(4 * 4 * 4, 5)
    ids = {id(p) for p in model.parameters()}
    assert id(model.fc.weight) in ids and id(old_head.weight) not in ids and id(old_head.bias) not in ids
    state = model.state_dict()
    assert state["fc.weight"].shape == (5, 64) and state["fc.bias"].shape == (5,)
    assert model(IMAGES).shape == (8, 5) and model(IMAGES).grad_fn.scope == "fc"


def test_a_sequential_head_is_replaced_by_index_and_removed_by_del():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    old_head = model[-1]
    model[-1] = nn.Linear(6, 2)
    assert model[2] is not old_head and model[2].out_features == 2
    assert id(old_head.weight) not in {id(p) for p in model.parameters()}
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model(np.ones((1, 4), np.float32)).grad_fn.scope == "2"
    del model[1]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # renumbered, as PyTorch
    model.append(nn.ReLU())
    assert len(model) == 3 and isinstance(model[2], nn.ReLU)
    del model[-2:]
    assert len(model) == 1 and list(model.state_dict()) == ["0.weight", "0.bias"]
    with pytest.raises(IndexError, match="Sequential: index 5 is out of range for 1 module"):
        model[5] = nn.ReLU()
    with pytest.raises(TypeError, match="Sequential: entry 0 must be an nn.Module, got ndarray"):
        model[0] = np.zeros(3)


def test_del_keeps_the_names_of_a_named_sequential():
    model = nn.Sequential(OrderedDict(features=nn.Linear(4, 6), act=nn.ReLU(), classifier=nn.Linear(6, 3)))
    del model[1]
    assert list(model.state_dict()) == ["features.weight", "features.bias", "classifier.weight", "classifier.bias"]


# ----- loading a pre-trained body ------------------------------------------------------------------


def test_strict_false_loads_the_body_and_reports_the_old_and_new_head():
    pretrained = TransferNet(classes=3, seed=0)
    pretrained.fc = nn.Linear(64, 3)
    checkpoint = pretrained.state_dict()
    model = TransferNet(seed=1)
    del model.fc
    model.classifier = nn.Linear(64, 5)
    classifier_before = model.classifier.weight.data.copy()
    result = model.load_state_dict(checkpoint, strict=False)
    assert isinstance(result, tuple) and result == (result.missing_keys, result.unexpected_keys)
    assert result.missing_keys == ["classifier.weight", "classifier.bias"]
    assert result.unexpected_keys == ["fc.weight", "fc.bias"]
    for key, value in model.body.state_dict(prefix="body").items():
        np.testing.assert_array_equal(value, checkpoint[key], err_msg=key)
    np.testing.assert_array_equal(model.classifier.weight.data, classifier_before)  # left as initialised


def test_incompatible_keys_read_like_pytorchs():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    checkpoint = ours.state_dict()
    assert repr(ours.load_state_dict(checkpoint)) == repr(theirs.load_state_dict(
        {k: torch.tensor(v) for k, v in checkpoint.items()})) == "<All keys matched successfully>"
    partial = {k: v for k, v in checkpoint.items() if not k.startswith("2.")} | {"head.weight": np.zeros((3, 6))}
    result = ours.load_state_dict(partial, strict=False)
    expected = theirs.load_state_dict({k: torch.tensor(v) for k, v in partial.items()}, strict=False)
    assert result.missing_keys == expected.missing_keys == ["2.weight", "2.bias"]
    assert result.unexpected_keys == expected.unexpected_keys == ["head.weight"]
    assert "missing_keys=['2.weight', '2.bias']" in repr(result)


def test_a_misshaped_head_is_refused_even_with_strict_false_and_the_error_shows_the_way_out():
    pretrained = TransferNet(classes=3).state_dict()
    model = TransferNet(classes=5, seed=1)
    body_before = model.body.state_dict()
    with pytest.raises(nn.StateDictError) as error:
        model.load_state_dict(pretrained, strict=False)
    message = str(error.value)
    assert "shape mismatch for 'fc.weight': the checkpoint has (3, 64), the model has (5, 64)" in message
    assert "shape mismatch for 'fc.bias'" in message
    assert "pass strict=False" not in message  # it was passed: the hint is to leave the entries out
    assert "if k not in ['fc.weight', 'fc.bias']}, strict=False)" in message
    for key, value in model.body.state_dict().items():  # nothing was half-loaded
        np.testing.assert_array_equal(value, body_before[key])
    result = model.load_state_dict({k: v for k, v in pretrained.items() if k not in ["fc.weight", "fc.bias"]},
                                   strict=False)  # the way out the message shows
    assert result.missing_keys == ["fc.weight", "fc.bias"] and result.unexpected_keys == []


def test_pytorch_refuses_a_misshaped_entry_with_strict_false_too():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(4, 5)
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict({"weight": torch.zeros(3, 4), "bias": torch.zeros(3)}, strict=False)


# ----- the README's example ------------------------------------------------------------------------


def test_the_readme_transfer_learning_example_runs_and_trains_the_head_only():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Transfer learning")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(block, namespace)  # the README's own example
    model, pretrained = namespace["model"], namespace["pretrained"]
    assert namespace["report"].missing_keys == ["fc.weight", "fc.bias"]
    for key, value in pretrained.state_dict().items():
        if not key.startswith("fc."):
            np.testing.assert_array_equal(model.state_dict()[key], value, err_msg=key)
    assert model.fc.weight.shape[0] == 5
