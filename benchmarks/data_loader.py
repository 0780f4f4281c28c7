"""One DataLoader epoch over 50,000 CIFAR-sized uint8 images (random data), batch 128, beside a training epoch.

The contenders run one whole epoch each (shuffled, one fancy index per batch from a
``TensorDataset``), interleaved:

- ``no transform``: the batches alone (the reference);
- ``ToFloat, RandomCrop(32, 4), RandomHorizontalFlip``: the CIFAR-10 augmentation in
  the usual order (crop and flip on float32 batches);
- ``RandomCrop, RandomHorizontalFlip, ToFloat``: the same augmentation on uint8
  batches, converted last (a quarter of the bytes to move).

Then one SGD step of the ConvNet of ``conv.py`` at batch 128 on the engine, timed the
same way; a training epoch is that step times the number of batches, and the summary
gives each loader epoch as a fraction of it (and in images per second).

Run:  python benchmarks/data_loader.py [--repeats N] [--images N]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

BATCH = 128


def epoch_fn(images: np.ndarray, labels: np.ndarray, transform):
    from nn.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(images, labels), batch_size=BATCH, shuffle=True, seed=0, transform=transform)

    def epoch():
        count = 0
        for inputs, _ in loader:
            count += len(inputs)
        return count

    return epoch


def training_step_fn():
    """One SGD step of ``conv.py``'s ConvNet on a float32 batch of ``BATCH`` images."""
    from conv import engine_step_fn, make_problem

    _, _, weights = make_problem()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH)
    step, _ = engine_step_fn(x, y, weights)
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args()

    import autograd_engine as ae
    from nn.data.transforms import Compose, RandomCrop, RandomHorizontalFlip, ToFloat

    ae.keep_freed_memory()  # as the Trainer does
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(args.images, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=args.images)
    reference = "no transform"
    contenders = [
        Contender(reference, epoch_fn(images, labels, None)),
        Contender("ToFloat, RandomCrop(32, 4), RandomHorizontalFlip",
                  epoch_fn(images, labels, Compose([ToFloat(), RandomCrop(32, 4), RandomHorizontalFlip()]))),
        Contender("RandomCrop(32, 4), RandomHorizontalFlip, ToFloat",
                  epoch_fn(images, labels, Compose([RandomCrop(32, 4), RandomHorizontalFlip(), ToFloat()]))),
    ]
    compare(contenders, repeats=args.repeats, title="loader epochs")
    batches = math.ceil(args.images / BATCH)
    print(f"\n### One DataLoader epoch: {args.images:,} uint8 images 3x32x32, batch {BATCH}, shuffled "
          f"({args.repeats} interleaved repeats)\n")
    print(table(contenders, reference, unit="s", per_label="epoch"))

    step = Contender("ConvNet training step", training_step_fn())
    compare([step], repeats=max(5, 2 * args.repeats), title="training step")
    step_time = statistics.median(step.times)
    train_epoch = step_time * batches
    print(f"\n### Against a training epoch of conv.py's ConvNet at batch {BATCH} (median step {step_time * 1e3:.1f} ms "
          f"x {batches} batches = {train_epoch:.1f} s)\n")
    print("| loader | median epoch (s) | images/s | fraction of a training epoch |")
    print("| --- | ---: | ---: | ---: |")
    for c in contenders:
        median = statistics.median(c.times)
        print(f"| {c.name} | {median:.3f} | {args.images / median:,.0f} | {median / train_epoch:.1%} |")
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
