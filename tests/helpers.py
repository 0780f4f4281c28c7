"""Pieces shared by several test files (imported as ``helpers``: pytest puts ``tests/`` on sys.path)."""
import math

import numpy as np

import autograd_engine as ae


def spiral(n_per_class: int, rng: np.random.Generator, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The notes' spiral data set: ``classes`` arms of ``n_per_class`` points each, radius 0..1,
    angle with Gaussian noise 0.2.  Returns ``X`` (n_per_class * classes, 2) float64 and ``y`` int64."""
    X = np.zeros((n_per_class * classes, 2))
    y = np.zeros(n_per_class * classes, np.int64)
    for j in range(classes):
        ix = slice(n_per_class * j, n_per_class * (j + 1))
        r = np.linspace(0.0, 1, n_per_class)
        t = np.linspace(j * 4, (j + 1) * 4, n_per_class) + rng.standard_normal(n_per_class) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


class HalfSquare(ae.Primitive):
    """x ** 2 with a deliberately wrong rule (the factor 2 is missing).  ``name`` is empty,
    so it is never registered in PRIMITIVES."""

    __slots__ = ()
    name = ""

    def forward(self, x):
        return x * x

    def backward(self, g, out, x):
        return (g * x,)


def optimizer_trajectory(opt_factory, x0: np.ndarray, grads) -> list[np.ndarray]:
    """Build ``opt_factory([x])`` on a parameter starting at ``x0``, take one step per gradient in
    ``grads`` (set as ``.grad``), and return a copy of the parameter after each step."""
    x = ae.Tensor(x0.copy(), requires_grad=True)
    opt = opt_factory([x])
    trajectory = []
    for g in grads:
        x.grad = g.copy()
        opt.step()
        trajectory.append(x.data.copy())
    return trajectory


def assert_gradcheck(f, inputs, min_compared_fraction: float = 0.9, **kwargs):
    """``ae.gradcheck(f, inputs, **kwargs)`` must pass *and* have compared most coordinates.

    gradcheck skips a coordinate whose perturbation flips a branch of relu, abs, maximum, clip,
    max-pooling, ... (a kink, where there is no derivative to compare), and its report is truthy
    even when every coordinate was skipped -- which proves nothing.  So for every checked input,
    at least ``min_compared_fraction`` of the coordinates drawn (and at least one) must have been
    compared with the numerical gradient; inputs away from the kinks make that hold.  Returns
    the report.
    """
    report = ae.gradcheck(f, inputs, **kwargs)
    assert report.passed, report.table()
    for r in report.inputs:
        compared = r.checked - len(r.kinks)
        assert compared >= max(1, math.ceil(min_compared_fraction * r.checked)), (
            f"gradcheck compared only {compared} of the {r.checked} coordinates drawn from input {r.index}; "
            f"the others sit on kinks: choose inputs away from them\n{report.table()}"
        )
    return report
