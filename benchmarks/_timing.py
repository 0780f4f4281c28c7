"""A tiny timing harness shared by the benchmark scripts.

Contenders run interleaved (A, B, C, A, B, C, ...) so that a noisy neighbour
slows them all alike; each timed call runs with the garbage collector disabled
(a ``gc.collect()`` happens before it, outside the timed region), and a short
pause separates contenders because BLAS threads keep spinning for a while after
a call.  Judge by the ratios to the reference contender, not by absolute times.
"""
from __future__ import annotations

import datetime
import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Contender:
    """One way of doing the benchmarked work.

    ``run()`` is the timed call.  ``setup()``, if given, runs before each timed
    call, outside the timed region (its result is passed to ``run``).  The
    collector is disabled during the call unless ``collector=True`` (for code
    whose garbage collection cost is part of what is measured).  ``clock`` is the
    wall clock; ``time.thread_time`` charges a single-threaded run only for its
    own work on a loaded machine (meaningless when several threads work).
    """

    name: str
    run: Callable[..., Any]
    setup: Callable[[], Any] | None = None
    collector: bool = False
    clock: Callable[[], float] = time.perf_counter
    times: list[float] = field(default_factory=list)
    failure: str | None = None  # the exception name if a run raised

    def time_once(self) -> float:
        args = () if self.setup is None else (self.setup(),)
        gc.collect()
        if not self.collector:
            gc.disable()
        try:
            start = self.clock()
            result = self.run(*args)
            elapsed = self.clock() - start
        finally:
            gc.enable()
        del result, args  # whatever run returned is freed outside the timed region
        return elapsed


def in_a_row(contender: Contender, steps: int) -> Contender:
    """``contender`` run ``steps`` times back to back in one timed call, as a training loop runs its
    steps (its ``setup``, if any, runs before each step, inside the timed region)."""
    run, setup = contender.run, contender.setup

    def steps_in_a_row() -> None:
        for _ in range(steps):
            if setup is None:
                run()
            else:
                run(setup())

    return Contender(contender.name, steps_in_a_row, collector=contender.collector, clock=contender.clock)


def compare(
    contenders: list[Contender],
    repeats: int = 7,
    warmup: int = 1,
    pause: float = 0.15,
    title: str = "",
) -> list[Contender]:
    """Time every contender ``repeats`` times, interleaved, after ``warmup`` untimed rounds.

    A contender whose run raises is timed no further; its ``failure`` names the
    exception (e.g. ``RecursionError``) and the table shows it instead of times.
    """
    rounds = warmup + repeats
    steps = _progress(rounds * len(contenders), title)
    for round_ in range(rounds):
        for c in contenders:
            if c.failure is None:
                try:
                    elapsed = c.time_once()
                except Exception as error:  # noqa: BLE001  (a failing contender is a result)
                    c.failure = type(error).__name__
                else:
                    if round_ >= warmup:
                        c.times.append(elapsed)
                time.sleep(pause)
            steps()
    steps(done=True)
    return contenders


def paired_ratio(contender: Contender, reference: Contender) -> float:
    """The median over rounds of ``contender``'s time over ``reference``'s in the same round: steadier
    on a noisy machine than the ratio of minima, which hangs on the reference's luckiest call."""
    return statistics.median(a / b for a, b in zip(contender.times, reference.times))


def table(contenders: list[Contender], reference: str, unit: str = "ms", per: float = 1.0, per_label: str = "") -> str:
    """A markdown table: min and median time of each contender, divided by ``per`` (e.g. the number
    of ops, to report time per op), in ``unit`` (s, ms or us), and the ratio to ``reference``."""
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    ref = next(c for c in contenders if c.name == reference)
    label = f"{unit}{' per ' + per_label if per_label else ''}"
    lines = [
        f"| contender | min ({label}) | median ({label}) | min / {reference} | median / {reference} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for c in contenders:
        if c.failure is not None or not c.times:
            lines.append(f"| {c.name} | {c.failure or 'not run'} | | | |")
            continue
        lo, mid = min(c.times), statistics.median(c.times)
        ratios = ("", "") if not ref.times else (f"{lo / min(ref.times):.2f}x", f"{mid / statistics.median(ref.times):.2f}x")
        lines.append(f"| {c.name} | {lo * scale / per:.4g} | {mid * scale / per:.4g} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def machine_info() -> str:
    """CPU, cores, load, library versions and BLAS, as a markdown list."""
    import numpy as np

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores, load average {_load()}",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, {_torch_version()}",
        f"- BLAS: {_blas()}",
        "- " + ", ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in _THREAD_VARIABLES),
    ]
    return "\n".join(lines)


_THREAD_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _torch_version() -> str:
    try:
        import torch
    except ImportError:
        return "PyTorch not installed"
    return f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        found = [f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)" for p in threadpool_info()]
        if found:
            return ", ".join(found)
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} (NumPy build config)"
    except Exception:  # noqa: BLE001  (older NumPy: no dict mode)
        return "unknown"


def _progress(total: int, title: str) -> Callable[..., None]:
    """A progress callback: a tqdm bar when tqdm is installed, else a dot per round on stderr."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc=title or "timing", leave=False)

        def step(done: bool = False) -> None:
            bar.close() if done else bar.update()

        return step
    import sys

    def plain(done: bool = False) -> None:
        print("" if done else ".", end="\n" if done else "", file=sys.stderr, flush=True)

    return plain
