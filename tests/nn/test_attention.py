"""scaled_dot_product_attention and nn.MultiheadAttention (nn/attention.py): against PyTorch float64
(masks of both kinds, causal, a loaded state_dict, batch_first, kdim/vdim, unbatched), against
finite differences, the attention weights by hand, dropout, and the errors."""
import numpy as np
import pytest
from helpers import assert_gradcheck, check_module

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(21)
Q, K, V = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((2, 3, 6, 7))
BOOL_MASK = RNG.random((4, 6)) > 0.3
BOOL_MASK[:, 0] = True  # every query keeps a key
FLOAT_MASK = RNG.standard_normal((4, 6))
SDPA_CASES = {
    "plain": {}, "bool mask": {"attn_mask": BOOL_MASK}, "float mask": {"attn_mask": FLOAT_MASK},
    "causal": {"is_causal": True}, "scale": {"scale": 0.3},
}


@pytest.mark.parametrize("name", sorted(SDPA_CASES))
def test_sdpa_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    kwargs = SDPA_CASES[name]
    tensors = [torch.tensor(a, requires_grad=True) for a in (Q, K, V)]
    torch_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    expected = torch.nn.functional.scaled_dot_product_attention(*tensors, **torch_kwargs)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    leaves = [ae.Tensor(a, requires_grad=True) for a in (Q, K, V)]
    out = F.scaled_dot_product_attention(*leaves, **kwargs)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    for leaf, tensor in zip(leaves, tensors):
        np.testing.assert_allclose(leaf.grad, tensor.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", sorted(SDPA_CASES))
def test_sdpa_gradients_match_finite_differences(name):
    assert_gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **SDPA_CASES[name]), [Q[0], K[0], V[0]])


def test_sdpa_by_hand():
    """One query, two keys with scores 0 and log 3 (scale 1): weights 1/4 and 3/4."""
    out = F.scaled_dot_product_attention(
        np.array([[1.0]]), np.array([[0.0], [np.log(3.0)]]), np.array([[4.0], [8.0]]), scale=1.0
    )
    np.testing.assert_allclose(out.data, [[7.0]], rtol=1e-12)
    causal = F.scaled_dot_product_attention(np.ones((2, 1)), np.ones((2, 1)), np.array([[2.0], [4.0]]), is_causal=True)
    np.testing.assert_allclose(causal.data, [[2.0], [3.0]], rtol=1e-12)  # the first query sees the first key only


def test_sdpa_dropout_drops_attention_weights():
    ae.seed(0)
    out = F.scaled_dot_product_attention(np.ones((1, 50, 1)), np.ones((1, 1, 1)), np.ones((1, 1, 1)), dropout_p=0.5)
    assert set(np.unique(out.data)) == {0.0, 2.0}  # one key: weight 1, dropped or scaled by 1 / (1 - p)


def load_from_pytorch(torch_module, **kwargs):
    mine = nn.MultiheadAttention(torch_module.embed_dim, torch_module.num_heads, **kwargs).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    return mine


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask:UserWarning")
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kdim", [None, 3])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_loads_a_pytorch_state_dict_and_agrees(batch_first, kdim, average):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, kdim=kdim, vdim=kdim).double()
    mine = load_from_pytorch(theirs, batch_first=batch_first, kdim=kdim, vdim=kdim)
    n, length, source = 2, 4, 5
    query = RNG.standard_normal((n, length, 8) if batch_first else (length, n, 8))
    key = RNG.standard_normal((n, source, kdim or 8) if batch_first else (source, n, kdim or 8))
    padding = np.zeros((n, source), bool)
    padding[0, -2:] = True
    mask = RNG.standard_normal((length, source))
    tq, tk = torch.tensor(query, requires_grad=True), torch.tensor(key, requires_grad=True)
    out, weights = theirs(tq, tk, tk, key_padding_mask=torch.tensor(padding), attn_mask=torch.tensor(mask),
                          average_attn_weights=average)
    upstream = RNG.standard_normal(tuple(out.shape))
    out.backward(torch.tensor(upstream))
    q, k = ae.Tensor(query, requires_grad=True), ae.Tensor(key, requires_grad=True)
    my_out, my_weights = mine(q, k, k, key_padding_mask=padding, attn_mask=mask, average_attn_weights=average)
    my_out.backward(upstream)
    np.testing.assert_allclose(my_out.data, out.detach().numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(my_weights.data, weights.detach().numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(q.grad, tq.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(k.grad, tk.grad.numpy(), rtol=1e-10, atol=1e-13)
    for name, parameter in mine.named_parameters():
        np.testing.assert_allclose(parameter.grad, theirs.get_parameter(name).grad.numpy(), rtol=1e-10, atol=1e-12)


def test_multihead_attention_unbatched_and_causal_match_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiheadAttention(6, 3).double()
    mine = load_from_pytorch(theirs)
    x = RNG.standard_normal((4, 6))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    out, weights = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=causal, is_causal=True)
    my_out, my_weights = mine(x, x, x, is_causal=True)
    np.testing.assert_allclose(my_out.data, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(my_weights.data, weights.detach().numpy(), rtol=1e-12, atol=1e-13)
    assert np.all(np.triu(my_weights.data, 1) == 0)


def test_multihead_attention_passes_gradcheck():
    layer = nn.MultiheadAttention(4, 2, batch_first=True)
    x = RNG.standard_normal((2, 3, 4))
    check_module(_OutputOnly(layer), x, RNG.standard_normal((2, 5, 4)))


class _OutputOnly(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, query, key):
        return self.attention(query, key, key, need_weights=False)[0]


def test_parameter_names_and_initialisation_are_pytorchs():
    layer = nn.MultiheadAttention(8, 2)
    assert [name for name, _ in layer.named_parameters()] == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert np.all(layer.in_proj_bias.data == 0) and np.all(layer.out_proj.bias.data == 0)
    assert np.abs(layer.in_proj_weight.data).max() <= np.sqrt(6 / (8 + 24))  # Xavier on (3E, E)
    split = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    assert [name for name, _ in split.named_parameters()] == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                                              "out_proj.weight"]
    assert layer(np.ones((3, 2, 8), np.float32), np.ones((3, 2, 8)), np.ones((3, 2, 8)), need_weights=False)[1] is None


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="MultiheadAttention: embed_dim=6 must be divisible by num_heads=4"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(NotImplementedError, match="add_bias_kv and add_zero_attn are not supported"):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)
    layer = nn.MultiheadAttention(4, 2)
    with pytest.raises(ae.ShapeError, match=r"attn_mask must be \(L, S\) = \(3, 3\)"):
        layer(np.ones((3, 1, 4)), np.ones((3, 1, 4)), np.ones((3, 1, 4)), attn_mask=np.ones((2, 3), bool))
    with pytest.raises(ae.ShapeError, match="expected query, key and value features of 4, 4 and 4, got 5"):
        layer(np.ones((3, 1, 5)), np.ones((3, 1, 4)), np.ones((3, 1, 4)))
    with pytest.raises(ae.ShapeError, match=r"scaled_dot_product_attention: expected query \(..., L, E\)"):
        F.scaled_dot_product_attention(Q, K[..., :3], V)
    with pytest.raises(ValueError, match="give attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(Q, K, V, attn_mask=BOOL_MASK, is_causal=True)
    with pytest.raises(TypeError, match="a mask must be boolean or floating, got dtype int64"):
        F.scaled_dot_product_attention(Q, K, V, attn_mask=np.ones((4, 6), np.int64))


def test_a_query_with_every_key_masked_gets_nan():
    mask = np.array([[True, True], [False, False]])
    with np.errstate(invalid="ignore"):  # the softmax of nothing: -inf - (-inf)
        out = F.scaled_dot_product_attention(np.ones((2, 1)), np.ones((2, 1)), np.array([[2.0], [4.0]]), attn_mask=mask)
    assert out.data[0, 0] == pytest.approx(3.0) and np.isnan(out.data[1, 0])
