"""SearchResult from hand-made trial records: ranking, warnings, refine, ensembles, plots (no workers needed)."""
import math
import warnings

import numpy as np
import pytest

import nn
from optim.search import Choice, IntUniform, LogUniform, SearchResult, SearchWarning, TrialRecord, Uniform

SPACE = {"lr": LogUniform(1e-4, 1.0), "dropout": Uniform(0.0, 0.5), "act": Choice(["relu", "tanh", "elu"])}


def record(number, lr, value, status="complete", dropout=0.25, act="relu", **extra):
    return TrialRecord(number, {"lr": lr, "dropout": dropout, "act": act}, status, value, **extra)


def quiet(trials, space=SPACE, folder="."):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none expected
        return SearchResult(trials, space, folder)


def test_best_and_table_rank_complete_trials_by_accuracy_then_pruned_then_failed():
    trials = [record(0, 1e-2, 0.80), record(1, 1e-3, 0.50, status="pruned"), record(2, 3e-2, 0.90),
              record(3, 1e-1, None, status="failed", error="RuntimeError: boom"), record(4, 2e-3, 0.85),
              record(5, 5e-1, None, status="diverged")]
    result = quiet(trials)
    assert result.best.number == 2 and result.best.value == 0.90
    assert [row["trial"] for row in result.table()] == [2, 4, 0, 1, 3, 5]
    assert result.table()[3]["status"] == "pruned"
    text = str(result.table())
    assert text.splitlines()[0].split() == ["trial", "status", "val_acc", "lr", "dropout", "act", "error"]
    assert "RuntimeError: boom" in text


def test_a_best_value_at_the_border_of_its_range_warns():
    trials = [record(0, 0.9, 0.9), record(1, 1e-2, 0.5)]  # log10(0.9) is in the top 5% of [-4, 0]
    with pytest.warns(SearchWarning, match=r"best lr = 0.9 \(trial 0\) sits at the high border of its range "
                                           r"LogUniform\(0.0001, 1\): the optimal value may lie beyond 1"):
        SearchResult(trials, SPACE, ".")
    trials = [record(0, 1e-2, 0.9, dropout=0.01), record(1, 1e-2, 0.5)]
    with pytest.warns(SearchWarning, match=r"best dropout = 0.01 .* low border"):
        SearchResult(trials, SPACE, ".")


def test_a_best_value_inside_its_range_does_not_warn():
    quiet([record(0, 1e-2, 0.9, dropout=0.3), record(1, 0.9, 0.5, dropout=0.0)])


def test_border_is_measured_on_the_log_scale_for_log_ranges():
    # 0.04 is in the top 5% of [1e-4, 1] linearly-far from it, but at 65% of the way in log space
    quiet([record(0, 0.04, 0.9)])
    assert LogUniform(1e-4, 1.0).at_border(0.04) is None
    assert Uniform(1e-4, 1.0).at_border(0.97) == "high"
    assert IntUniform(1, 1000, log=True).at_border(2) is None and IntUniform(1, 1000, log=True).at_border(1) == "low"


def test_every_trial_failing_warns_with_their_errors():
    trials = [record(0, 1e-2, None, status="failed", error="ValueError: bad shape"),
              record(1, 1e-1, None, status="diverged", error="the objective returned nan")]
    with pytest.warns(SearchWarning, match=r"every trial failed or diverged \(1 failed, 1 diverged\): "
                                           r"ValueError: bad shape; the objective returned nan"):
        result = SearchResult(trials, SPACE, ".")
    with pytest.raises(ValueError, match="none of the 2 trials completed"):
        result.best


def test_refine_narrows_each_range_around_the_best_trial():
    trials = [record(0, 1e-2, 0.9, dropout=0.2, act="tanh"), record(1, 1e-3, 0.8, act="relu"),
              record(2, 0.5, 0.1, act="elu")]
    finer = quiet(trials).refine(4, top=2)
    # log10 range [-4, 0] is 4 decades: 4x narrower is 1 decade centred on log10(1e-2) = -2
    assert finer["lr"].low == pytest.approx(10 ** -2.5) and finer["lr"].high == pytest.approx(10 ** -1.5)
    assert finer["dropout"].low == pytest.approx(0.2 - 0.0625) and finer["dropout"].high == pytest.approx(0.2 + 0.0625)
    assert finer["act"].options == ["relu", "tanh"]  # the options of the two best trials, in their order


def test_refine_moves_a_log_range_beyond_its_border_and_keeps_a_linear_one_inside():
    with pytest.warns(SearchWarning):
        result = SearchResult([record(0, 0.95, 0.9, dropout=0.49)], SPACE, ".")
    finer = result.refine(2)
    assert finer["lr"].high > 1.0  # the optimum may lie beyond: look there
    assert finer["lr"].high == pytest.approx(0.95 * 10)  # 2 decades wide, centred on 0.95
    assert finer["dropout"].high == 0.5 and finer["dropout"].low == pytest.approx(0.25)


def test_refine_of_an_integer_range_stays_integer():
    space = {"hidden": IntUniform(16, 256, log=True)}
    result = quiet([TrialRecord(0, {"hidden": 64}, "complete", 0.9)], space=space)
    finer = result.refine(4)["hidden"]
    assert isinstance(finer, IntUniform) and finer.log
    assert (finer.low, finer.high) == (round(64 * (256 / 16) ** -0.125), round(64 * (256 / 16) ** 0.125))


def test_refine_needs_a_factor_above_one():
    with pytest.raises(ValueError, match=r"SearchResult.refine: factor must lie in \(1.0, inf\], got 0.5"):
        quiet([record(0, 1e-2, 0.9)]).refine(0.5)


def linear(seed):
    rng = np.random.default_rng(seed)
    model = nn.Linear(4, 3)
    model.weight.data[...] = rng.standard_normal((3, 4))
    model.bias.data[...] = rng.standard_normal(3)
    return model


def softmax(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_ensemble_loads_the_top_k_checkpoints_and_averages_their_probabilities(tmp_path):
    models = {n: linear(n) for n in range(3)}
    paths = {}
    for n, model in models.items():
        paths[n] = str(tmp_path / f"trial{n:04d}_best.npz")
        nn.save(model.state_dict(), paths[n])
    trials = [record(0, 1e-2, 0.7, checkpoint=paths[0]), record(1, 1e-2, 0.9, checkpoint=paths[1]),
              record(2, 1e-2, 0.8, checkpoint=paths[2]), record(3, 1e-2, 0.95)]  # the best one wrote no file
    built = []

    def build(params):
        built.append(params)
        return nn.Linear(4, 3)

    ensemble = quiet(trials, folder=tmp_path).ensemble(2, build)
    assert len(built) == 2 and built[0] == trials[1].params
    x = np.random.default_rng(9).standard_normal((6, 4))
    expected = np.mean([softmax(x @ models[n].weight.data.T.astype(np.float64) + models[n].bias.data)
                        for n in (1, 2)], axis=0)
    np.testing.assert_allclose(ensemble(x).data, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"asked for the 4 best trials, but only 3 complete trials have a checkpoint"):
        quiet(trials).ensemble(4, build)


def test_plot_draws_a_panel_per_hyperparameter_with_log_axes_where_logarithmic(tmp_path):
    pytest.importorskip("matplotlib")
    trials = [record(n, 10 ** -(n % 3 + 1), 0.5 + n / 40, curve=[(1, 0.3), (2, 0.5 + n / 40)]) for n in range(8)]
    trials.append(record(8, 1e-3, 0.2, status="pruned", curve=[(1, 0.2)]))
    path = tmp_path / "search.png"
    figure = quiet(trials).plot(path, dpi=40)
    assert path.stat().st_size > 1000
    axes = figure.get_axes()
    assert [ax.get_xlabel() for ax in axes] == ["lr", "dropout", "act", "step (epoch)"]
    assert [ax.get_xscale() for ax in axes[:2]] == ["log", "linear"]
    assert len(axes[3].get_lines()) == 5  # the five best trials' curves
    assert not math.isnan(axes[0].get_ylim()[1])


def test_the_border_warning_points_at_the_users_line(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SearchResult([record(0, 1.0001e-4, 0.9)], SPACE, tmp_path)  # lr at the lower border
    (warning,) = [w for w in caught if issubclass(w.category, SearchWarning)]
    assert warning.filename == __file__  # not a line inside optim/search


def test_plot_of_trials_that_reported_no_curve_draws_without_a_legend_warning(tmp_path):
    result = quiet([record(0, 1e-2, 0.9), record(1, 1e-1, 0.8)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "No artists with labels" would raise here
        figure = result.plot(tmp_path / "search.png", dpi=40)
    assert figure.axes[-1].get_legend() is None and (tmp_path / "search.png").exists()
