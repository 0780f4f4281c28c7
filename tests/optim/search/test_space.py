"""The search space's distributions: their checks, their Optuna form, and the missing-extra error."""
import sys

import pytest

from optim.search import Choice, IntUniform, LogUniform, Trial, Uniform, extra, random_search


@pytest.mark.parametrize("make, error, message", [
    (lambda: LogUniform(0, 1), ValueError, r"LogUniform: low must lie in \(0.0, inf\], got 0"),
    (lambda: LogUniform(1e-2, 1e-3), ValueError, r"LogUniform: low must be below high, got low=0.01, high=0.001"),
    (lambda: Uniform("0", 1), TypeError, r"Uniform: low must be a finite real number, got '0'"),
    (lambda: IntUniform(1.5, 4), TypeError, r"IntUniform: low must be an integer, got 1.5"),
    (lambda: IntUniform(0, 4, log=True), ValueError, r"IntUniform: low must be at least 1 on a log scale, got 0"),
    (lambda: Choice([]), ValueError, r"Choice: options is empty"),
    (lambda: Choice("abc"), TypeError, r"Choice: options must be a list of values, got 'abc'"),
    (lambda: Choice([object]), TypeError, r"Choice: each option must be a number, a string, a bool or None"),
])
def test_bad_ranges_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def objective(params, trial):
    return 0.0


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(space={}), TypeError, r"random_search: space must be a non-empty dict"),
    (dict(space={"lr": 0.1}), TypeError, r"random_search: space\['lr'\] must be LogUniform, Uniform, IntUniform"),
    (dict(n_trials=0), ValueError, r"random_search: n_trials must be a positive integer, got 0"),
    (dict(sampler="grid"), ValueError, r"random_search: sampler must be one of 'random', 'tpe', got 'grid'"),
    (dict(timeout=-1.0), ValueError, r"random_search: timeout must lie in \(0.0, inf\], got -1.0"),
    (dict(retries=-1), ValueError, r"random_search: retries must be a non-negative integer, got -1"),
    (dict(folder=3), TypeError, r"random_search: folder must be a path"),
    (dict(objective=3), TypeError, r"random_search: objective must be a function"),
])
def test_bad_search_arguments_are_refused_before_anything_runs(kwargs, error, message, tmp_path):
    call = dict(objective=objective, space={"lr": LogUniform(1e-3, 1.0)}, n_trials=2, folder=tmp_path)
    call.update(kwargs)
    with pytest.raises(error, match=message):
        random_search(call.pop("objective"), call.pop("space"), call.pop("n_trials"), **call)
    assert not (tmp_path / "search.db").exists()


def test_to_optuna_keeps_the_range_and_the_scale():
    pytest.importorskip("optuna")
    d = LogUniform(1e-4, 1e-1).to_optuna()
    assert (d.low, d.high, d.log) == (1e-4, 1e-1, True)
    d = IntUniform(2, 64, log=True).to_optuna()
    assert (d.low, d.high, d.log) == (2, 64, True)
    assert list(Choice(["a", 1]).to_optuna().choices) == ["a", 1]


@pytest.mark.parametrize("module, name", [("optuna", "optuna"), ("dask.distributed", "distributed")])
def test_a_missing_library_names_the_search_extra(monkeypatch, module, name):
    monkeypatch.setitem(sys.modules, module, None)  # import now fails as if it were not installed
    with pytest.raises(ImportError, match=r'pip install -e "\.\[search\]"'):
        getattr(extra, name)()


def test_a_trial_without_a_search_records_its_curve_and_never_stops(tmp_path):
    trial = Trial(7, {"lr": 0.1}, tmp_path)
    trial.report(0.5, 1)
    trial.report(0.6, 1)  # the first value of a step counts
    trial.report(0.7, 2)
    assert trial.curve == [(1, 0.5), (2, 0.7)]
    assert not trial.should_stop()
    assert trial.checkpoint_prefix == "trial0007"
    with pytest.raises(ValueError, match=r"Trial.report: step must be a non-negative integer, got -1"):
        trial.report(0.5, -1)
