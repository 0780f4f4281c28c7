"""Weights move between PyTorch and this project unchanged: a ``torch.nn`` state dict loads into the
same architecture here (torch tensors or NumPy arrays) and gives the same outputs, and ours loads
into PyTorch's the same way."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn

torch = pytest.importorskip("torch", reason="PyTorch (an optional extra for tests) checks the round trip")

RNG = np.random.default_rng(0)


def ours_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Flatten(), nn.Linear(8 * 2 * 2, 10),
    )


def torch_cnn():
    t = torch.nn
    return t.Sequential(
        t.Conv2d(3, 6, 3, padding=1), t.BatchNorm2d(6), t.ReLU(), t.MaxPool2d(2),
        t.Conv2d(6, 8, 3, stride=2, padding=1, groups=2), t.BatchNorm2d(8), t.ReLU(),
        t.Flatten(), t.Linear(8 * 2 * 2, 10),
    )


class OursText(nn.Module):
    def __init__(self, recurrent):
        super().__init__()
        self.embed = nn.Embedding(30, 6)
        self.rnn = getattr(nn, recurrent)(6, 5, num_layers=2, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)


class TorchText(torch.nn.Module):
    def __init__(self, recurrent):
        super().__init__()
        self.embed = torch.nn.Embedding(30, 6)
        self.rnn = getattr(torch.nn, recurrent)(6, 5, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(5, 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)


class OursAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        out, _ = self.attention(x, x, x)
        return self.norm(out + x)


class TorchAttention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = torch.nn.LayerNorm(8)

    def forward(self, x):
        out, _ = self.attention(x, x, x)
        return self.norm(out + x)


ARCHITECTURES = {
    "cnn_batch_norm": (ours_cnn, torch_cnn, lambda: RNG.standard_normal((4, 3, 8, 8)).astype(np.float32)),
    "embedding_lstm": (lambda: OursText("LSTM"), lambda: TorchText("LSTM"), lambda: RNG.integers(0, 30, (3, 7))),
    "embedding_gru": (lambda: OursText("GRU"), lambda: TorchText("GRU"), lambda: RNG.integers(0, 30, (3, 7))),
    "embedding_rnn": (lambda: OursText("RNN"), lambda: TorchText("RNN"), lambda: RNG.integers(0, 30, (3, 7))),
    "multihead_attention": (OursAttention, TorchAttention, lambda: RNG.standard_normal((2, 5, 8)).astype(np.float32)),
}


def _trained_statistics(torch_model, x):
    """Move PyTorch's batch-norm running statistics away from their initial 0 and 1."""
    if x.dtype.kind == "f":
        torch_model.train()
        with torch.no_grad():
            for _ in range(3):
                torch_model(torch.from_numpy(x * 2 + 1))


def _outputs(ours, theirs, x):
    ours.eval()
    theirs.eval()
    with ae.no_grad():
        mine = ae.operands.value(ours(ae.Tensor(x)))
    with torch.no_grad():
        reference = theirs(torch.from_numpy(x)).numpy()
    return mine, reference


@pytest.mark.parametrize("as_arrays", [False, True], ids=["torch_tensors", "numpy_arrays"])
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_a_pytorch_state_dict_loads_here_and_gives_the_same_outputs(name, as_arrays):
    make_ours, make_theirs, make_input = ARCHITECTURES[name]
    torch.manual_seed(0)
    ours, theirs, x = make_ours(), make_theirs(), make_input()
    _trained_statistics(theirs, x)
    state = theirs.state_dict()
    ours.load_state_dict({k: v.numpy() for k, v in state.items()} if as_arrays else state)
    mine, reference = _outputs(ours, theirs, x)
    assert mine.shape == reference.shape
    np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_our_state_dict_loads_into_pytorch_and_gives_the_same_outputs(name):
    make_ours, make_theirs, make_input = ARCHITECTURES[name]
    ours, theirs, x = make_ours(), make_theirs(), make_input()
    if x.dtype.kind == "f":  # our own running statistics, moved by training-mode forwards
        ours.train()
        for _ in range(3):
            with ae.no_grad():
                ours(ae.Tensor(x * 2 + 1))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    mine, reference = _outputs(ours, theirs, x)
    np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-5)


def test_state_dict_keys_and_shapes_are_pytorchs():
    for name, (make_ours, make_theirs, _) in ARCHITECTURES.items():
        ours = {k: np.shape(v) for k, v in make_ours().state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in make_theirs().state_dict().items()}
        assert ours == theirs, name


def test_a_batch_norm_checkpoint_without_num_batches_tracked_loads_strictly_as_in_pytorch():
    theirs = torch.nn.BatchNorm2d(3)
    state = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    theirs.load_state_dict(state)  # PyTorch accepts a checkpoint saved before the key existed
    ours = nn.BatchNorm2d(3)
    result = ours.load_state_dict({k: v.numpy() * 0 + 0.5 for k, v in state.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(ours.running_mean, np.full(3, 0.5, dtype=np.float32))
    assert int(ours.num_batches_tracked) == 0
    with pytest.raises(nn.StateDictError, match="running_var"):  # other buffers are still required
        nn.BatchNorm2d(3).load_state_dict({k: v for k, v in state.items() if k != "running_var"})
