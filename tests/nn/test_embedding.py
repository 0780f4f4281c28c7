"""nn.Embedding: lookup, accumulation over repeated indices, padding_idx, errors."""
import numpy as np
import pytest

import autograd_engine as ae
import nn
from autograd_engine.gradcheck import gradcheck
from nn.embedding import embedding


def test_lookup_returns_the_rows_in_the_index_shape():
    embed = nn.Embedding(6, 3)
    idx = np.array([[0, 5, 2], [2, 2, 1]])
    out = embed(idx)
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, embed.weight.data[idx])
    assert embed(np.int64(4)).shape == (3,)
    np.testing.assert_array_equal(embed(ae.Tensor(np.array([1, 0]))).data, embed.weight.data[[1, 0]])


def test_gradient_accumulates_over_repeated_indices():
    rng = np.random.default_rng(0)
    embed = nn.Embedding(5, 4).double()
    idx = np.array([[1, 3, 1], [1, 0, 3]])  # row 1 three times, row 3 twice, rows 2 and 4 never
    upstream = rng.standard_normal((2, 3, 4))
    (embed(idx) * upstream).sum().backward()
    expected = np.zeros((5, 4))
    for position in np.ndindex(idx.shape):
        expected[idx[position]] += upstream[position]  # the course's word_embedding_backward
    np.testing.assert_allclose(embed.weight.grad, expected, rtol=1e-14)
    assert not embed.weight.grad[[2, 4]].any()


def test_gradcheck_embedding_weight():
    rng = np.random.default_rng(1)
    idx = np.array([[0, 2, 2, 1], [3, 0, 2, 3]])

    def f(weight):
        return ae.log_softmax(embedding(idx, weight), axis=-1)  # a nonlinear function of the rows

    report = gradcheck(f, [rng.standard_normal((4, 3))])
    assert report, report.table()


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    ae.seed(0)
    embed = nn.Embedding(4, 2, padding_idx=0).double()
    np.testing.assert_array_equal(embed.weight.data[0], 0)
    embed.weight.data[0] = [5.0, -5.0]  # the forward still passes the row's value, as PyTorch
    idx = np.array([0, 2, 0, 3])
    out = embed(idx)
    np.testing.assert_array_equal(out.data[0], [5.0, -5.0])
    out.sum().backward()
    np.testing.assert_array_equal(embed.weight.grad, [[0, 0], [0, 0], [1, 1], [1, 1]])
    assert nn.Embedding(4, 2, padding_idx=-1).padding_idx == 3


def test_out_of_range_and_non_integer_indices_raise_clear_errors():
    embed = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"index 7 at position \(1, 0\) is out of range for num_embeddings=5"):
        embed(np.array([[0, 1], [7, 2]]))
    with pytest.raises(IndexError, match=r"index -1 .* num_embeddings=5 \(valid indices are 0..4\)"):
        embed(np.array([-1]))
    with pytest.raises(TypeError, match="indices must be integers, got dtype float64"):
        embed(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        nn.Embedding(0, 3)


def test_from_pretrained_freezes_by_default():
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    np.testing.assert_array_equal(frozen(np.array([2])).data, [[4.0, 5.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_state_dict_matches_pytorch_layout():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Embedding(7, 3)
    ours = nn.Embedding(7, 3)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[6, 0], [3, 3]])
    np.testing.assert_array_equal(ours(idx).data, theirs(torch.from_numpy(idx)).detach().numpy())
