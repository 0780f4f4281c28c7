"""random_search on real Optuna and Dask, on loopback: sampling, the workers, faults, resuming, pruning.

The objectives live in ``objectives.py`` so that the Dask worker processes import them by name; each is
deterministic in its params, so tables compare exactly.  Clusters start and stop inside the tests.
"""
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from helpers import ROOT

optuna = pytest.importorskip("optuna", reason='pip install -e ".[search]" installs Optuna and Dask')
distributed = pytest.importorskip("dask.distributed", reason='pip install -e ".[search]" installs Optuna and Dask')

from optim.search import Choice, LogUniform, SearchWarning, Uniform, load_result, random_search  # noqa: E402
from optim.search.runner import _sampler  # noqa: E402

from . import objectives  # noqa: E402

SPACE = {"lr": LogUniform(1e-4, 1.0)}


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes on 127.0.0.1 without a dashboard, shared by this file's tests."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def rows(result):
    return [(r["trial"], r["status"], r["val_acc"], r["lr"]) for r in result.table()]


def test_the_same_seed_samples_the_same_trials_and_another_seed_others(client, tmp_path):
    first = random_search(objectives.bowl, SPACE, 3, folder=tmp_path / "a", seed=3, client=client, verbose=False)
    again = random_search(objectives.bowl, SPACE, 3, folder=tmp_path / "b", seed=3, client=client, verbose=False)
    other = random_search(objectives.bowl, SPACE, 3, folder=tmp_path / "c", seed=4, client=client, verbose=False)
    params = [sorted(t.params["lr"] for t in r.trials) for r in (first, again, other)]
    assert params[0] == params[1]
    assert params[0] != params[2]


def test_log_uniform_samples_are_uniform_in_log_space():
    stats = pytest.importorskip("scipy.stats")
    study = optuna.create_study(sampler=_sampler(optuna, "random", 0, 0), direction="maximize")
    low, high = 1e-5, 1e-1
    draws = []
    for _ in range(1000):
        trial = study.ask({"lr": LogUniform(low, high).to_optuna()})
        draws.append(trial.params["lr"])
        study.tell(trial, 0.0)
    draws = np.array(draws)
    assert draws.min() >= low and draws.max() <= high
    in_log = stats.kstest((np.log(draws) - np.log(low)) / (np.log(high) - np.log(low)), "uniform")
    assert in_log.pvalue > 0.01
    linear = stats.kstest((draws - low) / (high - low), "uniform")
    assert linear.pvalue < 1e-6  # uniform on the linear scale, it is not
    assert np.mean(draws < 1e-3) == pytest.approx(0.5, abs=0.05)  # half the draws in the lower two decades


def test_a_local_cluster_gives_the_same_table_as_the_local_default(client, tmp_path):
    default = random_search(objectives.bowl, SPACE, 5, folder=tmp_path / "default", seed=7, n_workers=1,
                            verbose=False)
    on_cluster = random_search(objectives.bowl, SPACE, 5, folder=tmp_path / "cluster", seed=7, client=client,
                               verbose=False)
    assert len(default.trials) == 5
    assert rows(default) == rows(on_cluster)
    values = [r[2] for r in rows(default)]
    assert values == sorted(values, reverse=True)
    best = default.best
    assert best.value == pytest.approx(1.0 / (1.0 + (math.log10(best.params["lr"]) + 2.0) ** 2))
    assert best.curve == [(step, pytest.approx(best.value * (step + 1) / 3)) for step in range(3)]


def test_a_killed_worker_loses_only_its_trial_which_runs_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KILL_TRIAL", "1")
    result = random_search(objectives.kills_its_worker_once, SPACE, 3, folder=tmp_path, seed=0, n_workers=2,
                           retries=1, verbose=False)
    killed = next(t for t in result.trials if t.number == 1)
    assert killed.status == "failed" and "died" in killed.error
    assert (tmp_path / "killed.marker").exists()
    complete = [t for t in result.trials if t.status == "complete"]
    assert len(complete) == 3  # the two others and the retry
    assert any(t.params == killed.params and t.number > 1 for t in complete)


def test_a_killed_worker_without_retries_is_recorded_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("KILL_TRIAL", "0")
    result = random_search(objectives.kills_its_worker_once, SPACE, 2, folder=tmp_path, seed=1, n_workers=2,
                           retries=0, verbose=False)
    statuses = {t.number: t.status for t in result.trials}
    assert statuses == {0: "failed", 1: "complete"}


def test_an_objective_that_raises_or_diverges_does_not_stop_the_others(client, tmp_path):
    space = {"lr": LogUniform(1e-4, 1.0)}
    result = random_search(objectives.raises_on_high_lr, space, 6, folder=tmp_path / "raises", seed=0,
                           client=client, verbose=False)
    for t in result.trials:
        if t.params["lr"] > 1e-2:
            assert t.status == "failed" and "ValueError: the batch was empty" in t.error
        else:
            assert t.status == "complete" and t.value == 0.5
    assert {t.status for t in result.trials} == {"failed", "complete"}
    diverged = random_search(objectives.nan_at_high_lr, space, 6, folder=tmp_path / "nan", seed=0, client=client,
                             verbose=False)
    assert {t.status for t in diverged.trials if t.params["lr"] > 1e-2} == {"diverged"}
    assert "complete" in [r["status"] for r in diverged.table()]


def test_every_trial_failing_warns(client, tmp_path):
    with pytest.warns(SearchWarning, match=r"every trial failed or diverged \(3 failed\).*out of cheese"):
        result = random_search(objectives.broken, SPACE, 3, folder=tmp_path, seed=0, client=client, verbose=False)
    with pytest.raises(ValueError, match="none of the 3 trials completed"):
        result.best


def test_pruning_stops_a_trial_far_below_the_median(client, tmp_path):
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0)
    result = random_search(objectives.bad_after_warmup, {"x": Uniform(0.0, 1.0)}, 5, folder=tmp_path, seed=0,
                           client=client, n_workers=1, pruner=pruner, verbose=False)
    statuses = {t.number: t.status for t in result.trials}
    assert statuses == {0: "complete", 1: "complete", 2: "complete", 3: "pruned", 4: "pruned"}
    assert [int((tmp_path / f"steps{n}").read_text()) for n in range(5)] == [10, 10, 10, 1, 1]
    assert [r["status"] for r in result.table()][-2:] == ["pruned", "pruned"]


DRIVER = """
import sys
sys.path[:0] = [{root!r}]
from optim.search import LogUniform, random_search
from tests.optim.search import objectives
if __name__ == "__main__":
    random_search(objectives.slow_bowl, {{"lr": LogUniform(1e-4, 1.0)}}, 6, folder={folder!r}, seed=5,
                  n_workers=1)
"""


def test_a_search_resumes_after_its_driver_is_killed(tmp_path):
    folder = tmp_path / "search"
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(DRIVER.format(root=str(ROOT), folder=str(folder))))
    env = dict(os.environ, TRIAL_SECONDS="0.6")
    log = open(tmp_path / "driver.log", "w")
    driver = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300  # generous: a loaded 2-core machine
        done = []
        while time.monotonic() < deadline and len(done) < 2:
            time.sleep(0.5)
            assert driver.poll() is None, f"the driver stopped by itself: {(tmp_path / 'driver.log').read_text()}"
            if (folder / "search.db").exists():
                try:
                    done = [t for t in load_result(folder, space=SPACE).trials if t.status == "complete"]
                except Exception:  # the driver is still creating the study
                    done = []
        assert len(done) >= 2, "the driver finished no trial in time"
    finally:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and its cluster, as a crash would
        driver.wait()
        log.close()
    before = {t.number: t.params for t in load_result(folder, space=SPACE).trials if t.status == "complete"}
    assert 2 <= len(before) < 6
    env_seconds = os.environ.get("TRIAL_SECONDS")
    os.environ["TRIAL_SECONDS"] = "0"
    try:
        result = random_search(objectives.slow_bowl, SPACE, 6, folder=folder, seed=5, n_workers=1, verbose=False)
    finally:
        if env_seconds is None:
            del os.environ["TRIAL_SECONDS"]
        else:
            os.environ["TRIAL_SECONDS"] = env_seconds
    complete = {t.number: t.params for t in result.trials if t.status == "complete"}
    assert len(complete) == 6
    assert all(complete[n] == params for n, params in before.items())  # kept, not run again
    interrupted = [t for t in result.trials if t.status == "interrupted" and t.params]  # killed after its draw
    assert all(any(c == t.params for c in complete.values()) for t in interrupted)  # they ran again
    assert len(result.table()) == len(result.trials)


def test_resuming_over_another_space_is_refused(client, tmp_path):
    random_search(objectives.bowl, SPACE, 1, folder=tmp_path, seed=0, client=client, verbose=False)
    with pytest.raises(ValueError, match="holds a search over the space"):
        random_search(objectives.bowl, {"lr": LogUniform(1e-3, 1.0)}, 2, folder=tmp_path, client=client,
                      verbose=False)


def test_a_choice_is_sampled_among_its_options(client, tmp_path):
    result = random_search(objectives.bowl, {"lr": LogUniform(1e-3, 1e-1), "act": Choice(["relu", "tanh"])}, 4,
                           folder=tmp_path, seed=0, client=client, verbose=False)
    assert {t.params["act"] for t in result.trials} <= {"relu", "tanh"}


def test_no_trial_starts_after_the_timeout(client, tmp_path):
    result = random_search(objectives.slow_bowl, SPACE, 10, folder=tmp_path, seed=0, client=client, timeout=0.2,
                           verbose=False)
    assert 1 <= len(result.trials) <= 2  # the two started at once finish; no new one starts
    assert all(t.status == "complete" for t in result.trials)


def test_a_trial_killed_before_its_params_were_drawn_is_not_run_again_with_none(client, tmp_path):
    from optim.search.database import default_url, open_storage
    from optim.search.runner import STUDY_NAME

    random_search(objectives.bowl, SPACE, 2, folder=tmp_path, seed=0, client=client, verbose=False)
    study = optuna.load_study(study_name=STUDY_NAME, storage=open_storage(optuna, default_url(tmp_path.resolve())))
    study.ask()  # a driver killed between creating a trial and drawing its params leaves this RUNNING
    result = random_search(objectives.bowl, SPACE, 4, folder=tmp_path, seed=0, client=client, verbose=False)
    interrupted = [t for t in result.trials if t.status == "interrupted"]
    assert len(interrupted) == 1 and interrupted[0].params == {}
    assert "before its params were drawn" in interrupted[0].error
    complete = [t for t in result.trials if t.status == "complete"]
    assert len(complete) == 4 and all(set(t.params) == {"lr"} for t in complete)


def test_load_result_of_a_folder_without_a_search_says_so_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no search in .*search.db"):
        load_result(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no empty database left behind
    with pytest.raises(FileNotFoundError, match="no search in"):
        load_result(tmp_path / "missing")


def test_an_objective_returning_a_0d_array_completes_with_its_number(client, tmp_path):
    result = random_search(objectives.zero_d_accuracy, SPACE, 1, folder=tmp_path, seed=0, client=client, verbose=False)
    (trial,) = result.trials
    assert trial.status == "complete" and trial.value == 0.75
