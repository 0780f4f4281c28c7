"""keep_freed_memory: freed arrays are reused instead of being page-faulted in again."""
import os
import subprocess
import sys

import pytest

import autograd_engine as ae
from autograd_engine import memory

glibc = memory._glibc() is not None

# Minor page faults per "step" -- arrays of 0.25-8 MB allocated, written, then all freed, the
# pattern of a training step -- measured in a fresh process so that the heap other tests leave
# behind does not blur the count.
FAULTS_PER_ROUND = """
import resource
import numpy as np
import autograd_engine

def step():
    arrays = [np.ones(n, np.float32) for n in (2**21, 2**20, 2**19, 2**18, 2**21, 2**20, 2**17, 2**16)]
    del arrays

step()  # once, so that the heap has grown before counting
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def _faults_per_round(keep: str) -> float:
    env = {**os.environ, "AUTOGRAD_ENGINE_KEEP_MEMORY": keep}
    result = subprocess.run([sys.executable, "-c", FAULTS_PER_ROUND], env=env, capture_output=True, text=True, check=True)
    return float(result.stdout)


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_freed_arrays_are_reused_without_page_faults():
    returned = _faults_per_round("0")  # glibc's own thresholds: fresh pages every round
    kept = _faults_per_round("1")  # the engine's default
    assert returned > 100 and kept < returned / 10, (returned, kept)


def test_it_reports_when_it_cannot_apply(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert ae.keep_freed_memory() is False


def test_the_environment_variable_turns_it_off(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda enable=True: calls.append(enable))
    for off in ("0", "off", "FALSE", "No "):
        monkeypatch.setenv("AUTOGRAD_ENGINE_KEEP_MEMORY", off)
        memory._apply_at_import()
    assert calls == []
    monkeypatch.setenv("AUTOGRAD_ENGINE_KEEP_MEMORY", "1")
    memory._apply_at_import()
    assert calls == [True]


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_switching_back_restores_glibc_thresholds():
    try:
        assert ae.keep_freed_memory(False) is True
    finally:
        assert ae.keep_freed_memory(True) is True


@pytest.mark.skipif(not glibc, reason="malloc_trim exists only in glibc")
def test_release_freed_memory_hands_kept_memory_back():
    import numpy as np

    arrays = [np.ones(2**20, np.float32) for _ in range(16)]  # 64 MB in 4 MB arrays, kept when freed
    del arrays
    assert ae.release_freed_memory() is True
