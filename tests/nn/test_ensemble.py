"""nn.Ensemble: the mean of its members' probabilities, log-probabilities or logits, members in eval mode."""
import numpy as np
import pytest

import autograd_engine as ae
import nn


def softmax_by_hand(scores):
    exps = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def members(seed=0):
    rng = np.random.default_rng(seed)
    models = []
    for _ in range(3):
        model = nn.Linear(4, 3)
        model.weight.data[...] = rng.standard_normal((3, 4))
        model.bias.data[...] = rng.standard_normal(3)
        models.append(model)
    return models


def logits_by_hand(model, x):
    return x @ model.weight.data.T.astype(np.float64) + model.bias.data


X = np.random.default_rng(1).standard_normal((5, 4))


def test_probabilities_are_the_mean_of_the_members_softmax():
    models = members()
    expected = np.mean([softmax_by_hand(logits_by_hand(m, X)) for m in models], axis=0)
    out = nn.Ensemble(models)(X).data
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_log_probabilities_and_logits_on_request():
    models = members()
    logits = [logits_by_hand(m, X) for m in models]
    log_probs = [np.log(softmax_by_hand(s)) for s in logits]
    np.testing.assert_allclose(nn.Ensemble(models, average="log_probabilities")(X).data, np.mean(log_probs, axis=0),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(nn.Ensemble(models, average="logits")(X).data, np.mean(logits, axis=0),
                               rtol=1e-5, atol=1e-5)


def test_averaging_probabilities_differs_from_averaging_logits():
    # a confident member outweighs the others in logits, not in probabilities
    models = members()
    models[0].weight.data *= 50
    by_probability = nn.Ensemble(models)(X).data
    by_logit = softmax_by_hand(nn.Ensemble(models, average="logits")(X).data)
    assert not np.allclose(by_probability, by_logit, atol=1e-3)


def test_members_are_put_in_eval_mode():
    dropped = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    dropped.train()
    ensemble = nn.Ensemble([dropped, nn.Linear(4, 3)])
    assert not dropped.training and not dropped[1].training
    first, second = ensemble(X).data, ensemble(X).data
    np.testing.assert_array_equal(first, second)  # no dropout noise


def test_members_are_registered():
    models = members()
    ensemble = nn.Ensemble(models)
    assert len(list(ensemble.parameters())) == 6
    assert "members.2.weight" in ensemble.state_dict()


def test_gradients_flow_to_every_member():
    models = members()
    out = nn.Ensemble(models)(ae.Tensor(X))
    out[:, 0].sum().backward()
    assert all(m.weight.grad is not None and np.abs(m.weight.grad).sum() > 0 for m in models)


@pytest.mark.parametrize("models, error, message", [
    ([], ValueError, r"Ensemble: models is empty"),
    (nn.Linear(2, 2), TypeError, r"Ensemble: models must be a list of nn.Module, got Linear"),
    ([nn.Linear(2, 2), "model"], TypeError, r"Ensemble: models\[1\] must be an nn.Module, got str"),
])
def test_bad_members_are_refused(models, error, message):
    with pytest.raises(error, match=message):
        nn.Ensemble(models)


def test_bad_average_is_refused():
    with pytest.raises(ValueError, match=r"Ensemble: average must be one of 'probabilities'"):
        nn.Ensemble(members(), average="mean")


def test_members_that_disagree_on_the_classes_or_return_tuples_are_named():
    x = np.ones((2, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=r"member 0: \(2, 3\), member 1: \(2, 5\)"):
        nn.Ensemble([nn.Linear(4, 3), nn.Linear(4, 5)])(x)
    with pytest.raises(ValueError, match=r"member 1 \(GRU\) returned a tuple"):
        nn.Ensemble([nn.Linear(4, 3), nn.GRU(4, 3)])(x[None])
