"""``Ensemble``: several trained models answering as one (the notes' "model ensembles").

    ensemble = nn.Ensemble([model_a, model_b, model_c])       # members in eval mode
    with ae.no_grad():
        probabilities = ensemble(X_test)                     # (N, classes), rows sum to 1
    accuracy = (probabilities.data.argmax(axis=1) == y_test).mean()

The members can be the best trials of a hyperparameter search
(``optim.search.SearchResult.ensemble``), one configuration trained from
several seeds, or checkpoints of one run.  The cheap relative, a running
average of one model's parameters, is ``optim.ExponentialMovingAverage``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import autograd_engine as ae
from autograd_engine.checks import check_choice

from .containers import ModuleList
from .module import Module

AVERAGES = ("probabilities", "log_probabilities", "logits")


class Ensemble(Module):
    """``Ensemble(models, average="probabilities")``: the mean of the members' outputs, class scores on axis 1.

    ``average`` says what is averaged over the ``M`` members whose outputs ``s_m`` are ``(N, C)`` scores:

    - ``"probabilities"`` (the default): ``mean_m softmax(s_m)``, a probability per class (rows sum to 1);
    - ``"log_probabilities"``: ``mean_m log_softmax(s_m)``, a geometric mean of the probabilities, in log;
    - ``"logits"``: ``mean_m s_m``, the raw scores.

    The argmax of any of them is the ensemble's prediction.  All members are put in eval mode
    (dropout off, batch norm on running statistics), as an ensemble is for evaluation; ``train()``
    would switch them back, which is rarely wanted.  The members are registered children
    (``members``), so ``state_dict`` and ``parameters`` cover them all.
    """

    def __init__(self, models: Iterable[Module], average: str = "probabilities") -> None:
        super().__init__()
        if isinstance(models, Module) or not isinstance(models, Iterable):
            raise TypeError(f"Ensemble: models must be a list of nn.Module, got {type(models).__name__}; "
                            f"wrap a single model in a list: Ensemble([model])")
        members = list(models)
        if not members:
            raise ValueError("Ensemble: models is empty; give at least one trained model")
        for i, model in enumerate(members):
            if not isinstance(model, Module):
                raise TypeError(f"Ensemble: models[{i}] must be an nn.Module, got {type(model).__name__}")
        self.average = check_choice(average, "average", "Ensemble", AVERAGES)
        self.members = ModuleList(members)
        self.eval()

    def forward(self, x: Any) -> Any:
        scores = [member(x) for member in self.members]
        for i, member_scores in enumerate(scores):
            if not isinstance(member_scores, ae.Tensor) or member_scores.ndim < 2:
                got = f"shape {member_scores.shape}" if isinstance(member_scores, ae.Tensor) else (
                    f"a {type(member_scores).__name__}")
                raise ValueError(f"Ensemble: member {i} ({type(self.members[i]).__name__}) returned {got}; every "
                                 f"member must return class scores (N, classes) as one Tensor")
        shapes = [member_scores.shape for member_scores in scores]
        if len(set(shapes)) > 1:
            described = ", ".join(f"member {i}: {shape}" for i, shape in enumerate(shapes))
            raise ValueError(f"Ensemble: the members' scores differ in shape ({described}); members must score "
                             f"the same classes")
        outputs = [self._member_output(member_scores) for member_scores in scores]
        total = outputs[0]
        for output in outputs[1:]:
            total = total + output
        return total / len(outputs)

    def _member_output(self, scores: Any) -> Any:
        if self.average == "probabilities":
            return ae.softmax(scores, axis=1)
        if self.average == "log_probabilities":
            return ae.log_softmax(scores, axis=1)
        return scores

    def extra_repr(self) -> str:
        return f"average={self.average!r}"
