"""keep_freed_memory: freed arrays are reused instead of being page-faulted in again."""
import resource
import sys

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import memory

glibc = memory._mallopt() is not None


def _faults_per_reallocation(megabytes: int = 16, rounds: int = 5) -> float:
    """Minor page faults per allocate-touch-free round of a ``megabytes`` array (a training step's pattern)."""
    np.ones(megabytes * 2**18, np.float32)  # once, so the heap has grown before counting
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        np.ones(megabytes * 2**18, np.float32)  # allocated, written, freed
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / rounds


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_freed_arrays_are_reused_without_page_faults():
    try:
        assert ae.keep_freed_memory(False)
        returned = _faults_per_reallocation()  # glibc's initial thresholds: fresh pages every round
        assert ae.keep_freed_memory(True)
        kept = _faults_per_reallocation()
        assert returned > 100 and kept < returned / 10, (returned, kept)
    finally:
        ae.keep_freed_memory(True)


def test_it_reports_when_it_cannot_apply(monkeypatch):
    monkeypatch.setattr(memory, "_mallopt", lambda: None)
    assert ae.keep_freed_memory() is False


def test_the_environment_variable_turns_it_off(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda enable=True: calls.append(enable))
    monkeypatch.setenv("AUTOGRAD_ENGINE_KEEP_MEMORY", "0")
    memory._apply_at_import()
    assert calls == []
    monkeypatch.setenv("AUTOGRAD_ENGINE_KEEP_MEMORY", "1")
    memory._apply_at_import()
    assert calls == [True]
    assert sys.platform != "linux" or glibc  # CI runs on glibc Linux, where the first test runs
