"""Every layer's gradients against finite differences (float64): each layer's module with respect
to its input and every parameter."""
import pytest
from helpers import check_module, randn

import autograd_engine as ae
import nn

# ----- gradients of every layer ---------------------------------------------------------

LAYERS = [
    ("linear", lambda: nn.Linear(4, 3), (5, 4)),
    ("linear_no_bias", lambda: nn.Linear(4, 3, bias=False), (5, 4)),
    ("linear_3d_input", lambda: nn.Linear(4, 3), (2, 3, 4)),
    ("flatten", lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 2)), (3, 2, 3)),
    ("identity", lambda: nn.Identity(), (3, 4)),
    ("relu", lambda: nn.ReLU(), (4, 5)),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), (4, 5)),
    ("prelu_shared", lambda: nn.PReLU(), (4, 5)),
    ("prelu_per_channel", lambda: nn.PReLU(3), (2, 3, 4)),
    ("elu", lambda: nn.ELU(0.7), (4, 5)),
    ("sigmoid", lambda: nn.Sigmoid(), (4, 5)),
    ("tanh", lambda: nn.Tanh(), (4, 5)),
    ("softplus", lambda: nn.Softplus(), (4, 5)),
    ("softplus_beta_threshold", lambda: nn.Softplus(beta=2.0, threshold=1.0), (4, 5)),
    ("gelu", lambda: nn.GELU(), (4, 5)),
    ("gelu_tanh", lambda: nn.GELU("tanh"), (4, 5)),
    ("maxout", lambda: nn.Maxout(4, 3, pieces=3), (5, 4)),
    ("softmax", lambda: nn.Softmax(dim=1), (3, 4)),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), (3, 4)),
    ("layer_norm", lambda: nn.LayerNorm(5), (3, 5)),
    ("layer_norm_2d", lambda: nn.LayerNorm((2, 3)), (4, 2, 3)),
    ("group_norm", lambda: nn.GroupNorm(2, 4), (2, 4, 3, 2)),
    ("mlp", lambda: nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)), (4, 3)),
]


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[layer[0] for layer in LAYERS])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_layer_gradients_match_finite_differences(name, make, shape, train):
    ae.seed(1)
    check_module(make(), randn(*shape, scale=2.0), train=train)
