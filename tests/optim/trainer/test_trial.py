"""Trainer(..., trial=trial): each epoch's validation accuracy goes to the search's trial, a pruned run stops,
and the best checkpoint lands in the search folder under the trial's number and accuracy."""
import re

import helpers
import pytest
from helpers import two_layer_net

import nn
import optim
from optim.search import Trial

TRAIN, VAL = helpers.spiral_data(100, 100)


class StopsAt(Trial):
    """A trial whose pruner says stop once ``epoch`` epochs were reported."""

    def __init__(self, epoch, *args):
        super().__init__(*args)
        self.epoch = epoch

    def should_stop(self):
        self.pruned = self.pruned or len(self.curve) >= self.epoch
        return self.pruned


def trainer_for(trial, epochs=6, **kwargs):
    model = two_layer_net(0)
    return optim.Trainer(model, optim.Adam(model.parameters(), lr=2e-2), TRAIN, VAL, epochs=epochs, batch_size=50,
                         trial=trial, verbose=False, monitor_samples=0, **kwargs)


def test_each_epoch_is_reported_and_the_best_checkpoint_named_after_the_trial(tmp_path):
    trial = Trial(12, {"lr": 2e-2}, tmp_path)
    trainer = trainer_for(trial, epochs=4)
    history = trainer.train()
    assert trial.curve == [(epoch, acc) for epoch, acc in zip(range(1, 5), history.val_acc)]
    assert not trainer.pruned and trainer.epoch == 4
    name = re.fullmatch(r"trial0012_best_epoch(\d{3})_val(\d\.\d{4})\.npz", trial.checkpoint.split("/")[-1])
    assert name is not None and trial.checkpoint.startswith(str(tmp_path))
    assert int(name.group(1)) == trainer.best_epoch
    assert float(name.group(2)) == pytest.approx(max(history.val_acc), abs=5e-5)
    weights = nn.load(trial.checkpoint)["model"]
    for key, value in trainer.best_state.items():
        assert (weights[key] == value).all()


def test_a_pruned_run_stops_after_the_epoch_the_trial_says_so(tmp_path):
    trial = StopsAt(2, 3, {}, tmp_path)
    trainer = trainer_for(trial, epochs=6)
    history = trainer.train()
    assert trainer.pruned and trainer.stopped_early
    assert trainer.epoch == 2 and len(history.val_acc) == 2
    assert [step for step, _ in trial.curve] == [1, 2]


def test_an_explicit_checkpoint_dir_wins_over_the_trial_folder(tmp_path):
    trial = Trial(1, {}, tmp_path / "search")
    trainer = trainer_for(trial, epochs=1, checkpoint_dir=tmp_path / "mine")
    trainer.train()
    assert trial.checkpoint.startswith(str(tmp_path / "mine"))


def test_a_trial_that_is_not_one_is_refused():
    with pytest.raises(TypeError, match=r"Trainer: trial must be an optim.search.Trial .*got dict"):
        trainer_for({"number": 1})
