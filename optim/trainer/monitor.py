"""What a ``Trainer`` watches besides the loss: the checks the notes ask for while babysitting learning.

- ``update_ratios``: the update:weight ratio ``||w_after - w_before|| / ||w_before||``
  of each parameter across one optimizer step (around 1e-3 is healthy).
- ``layer_statistics``: on one batch in eval mode, the output of every leaf
  module (forward hooks) and the gradient of the loss with respect to it
  (``retain_grad``), and for each ``nn.ReLU`` the fraction of units that are
  zero for every example (dead).

The trainer measures the ratios every ``ratio_every`` iterations (0: never) and
the layer statistics once per epoch, on its first ``monitor_samples`` training
examples (0: never; a ``DataLoader``'s through its transform; the first batch of a
list or function of batches), and
records them in its ``History`` (``record_ratios``, ``record_layers``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import autograd_engine as ae
import nn


def update_ratios(params: Sequence[Any], before: Sequence[np.ndarray], names: Mapping[int, str]) -> dict[str, float]:
    """``||p - old|| / ||old||`` of each parameter ``p`` and its value ``old`` before the step, keyed by
    ``names[id(p)]`` (``param{i}`` for a parameter not named there); NaN where ``old`` is all zeros."""
    ratios = {}
    for i, (p, old) in enumerate(zip(params, before)):
        scale = float(np.linalg.norm(old))
        step = float(np.linalg.norm(p.data - old))
        ratios[names.get(id(p), f"param{i}")] = step / scale if scale > 0 else float("nan")
    return ratios


def layer_statistics(model: nn.Module, loss_fn: Callable[[Any, Any], Any], batch: tuple[Any, Any],
                     params: Sequence[Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]:
    """``(activations, gradients, dead_relu)`` of one forward and backward pass of ``model`` on
    ``batch = (inputs, labels)``, in eval mode, keyed by leaf-module name (its class name at the top).

    ``activations``: each leaf module's output; ``gradients``: the loss gradient with respect to
    it, where there is one; ``dead_relu``: for each ``nn.ReLU`` with outputs of two or more
    dimensions, the fraction of units that are zero (or below) for every example of the batch.
    The model's mode and the ``.grad`` of ``params`` (the optimizer's) are left as they were.
    """
    outputs: dict[str, Any] = {}

    def recorder(name: str) -> Callable:
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            if isinstance(output, ae.Tensor):
                if output.requires_grad:
                    output.retain_grad()
                outputs[name] = output
        return hook

    leaves = [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(recorder(name or type(m).__name__)) for name, m in leaves]
    saved_grads = [p.grad for p in params]
    was_training = model.training
    model.eval()
    try:
        inputs, labels = batch
        with ae.enable_grad():
            loss = loss_fn(model(inputs), labels)
            if loss.requires_grad:
                loss.backward()
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
        for p, g in zip(params, saved_grads):
            p.grad = g
    activations = {name: out.data for name, out in outputs.items()}
    gradients = {name: out.grad for name, out in outputs.items() if out.grad is not None}
    dead = {}
    for name, module in leaves:
        key = name or type(module).__name__
        if isinstance(module, nn.ReLU) and key in outputs and outputs[key].ndim >= 2:
            dead[key] = float((outputs[key].data <= 0).all(axis=0).mean())
    return activations, gradients, dead
