"""keep_freed_memory: an explicit call after which freed arrays are reused instead of being
page-faulted in again; importing the library changes no process-wide setting."""
import subprocess
import sys

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import memory

glibc = memory._glibc() is not None

# Minor page faults per "step" -- arrays of 0.25-8 MB allocated, written, then all freed, the
# pattern of a training step -- measured in a fresh process so that the heap other tests leave
# behind does not blur the count.
FAULTS_PER_ROUND = """
import resource, sys
import numpy as np
if sys.argv[1] != "no import":
    import autograd_engine, nn, optim
if sys.argv[1] == "keep":
    autograd_engine.keep_freed_memory()

def step():
    arrays = [np.ones(n, np.float32) for n in (2**21, 2**20, 2**19, 2**18, 2**21, 2**20, 2**17, 2**16)]
    del arrays

step()  # once, so that the heap has grown before counting
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def _faults_per_round(case: str) -> float:
    result = subprocess.run([sys.executable, "-c", FAULTS_PER_ROUND, case], capture_output=True, text=True, check=True)
    return float(result.stdout)


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_freed_arrays_are_reused_without_page_faults_after_the_call():
    returned = _faults_per_round("no import")  # glibc's own thresholds: fresh pages every round
    kept = _faults_per_round("keep")
    assert returned > 100 and kept < returned / 10, (returned, kept)


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_importing_the_library_leaves_malloc_as_it_was():
    without = _faults_per_round("no import")
    imported = _faults_per_round("import only")
    assert imported > without / 2 and imported > 100, (without, imported)  # still fresh pages every round


SETTINGS = """
import json, sys, warnings
import numpy as np
from threadpoolctl import threadpool_info
def settings():
    return {"blas": [(p["internal_api"], p["num_threads"]) for p in threadpool_info()],
            "errstate": np.geterr(), "warning filters": len(warnings.filters), "printoptions": str(np.get_printoptions())}
before = settings()
import autograd_engine, nn, optim
x = autograd_engine.Tensor(np.ones((64, 64), np.float32), requires_grad=True)
(x @ x).sum().backward()  # a product, as a training step runs, after the import
after = settings()
print(json.dumps([before, after]))
"""


def test_importing_the_library_changes_no_blas_numpy_or_warning_setting():
    import json

    result = subprocess.run([sys.executable, "-c", SETTINGS], capture_output=True, text=True, check=True)
    before, after = json.loads(result.stdout)
    assert before == after


def test_the_trainer_keeps_freed_memory_unless_told_not_to(monkeypatch):
    import nn
    import optim

    calls = []
    monkeypatch.setattr(ae, "keep_freed_memory", lambda enable=True: calls.append(enable) or True)
    X, y = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32), np.arange(8) % 2
    for keep in (True, False):
        model = nn.Linear(3, 2)
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=1, batch_size=4,
                      progress=False, verbose=False, keep_freed_memory=keep).train()
    assert calls == [True]


def test_it_reports_when_it_cannot_apply(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert ae.keep_freed_memory() is False


@pytest.mark.skipif(not glibc, reason="mallopt thresholds exist only in glibc")
def test_switching_back_restores_glibc_thresholds():
    try:
        assert ae.keep_freed_memory(False) is True
    finally:
        assert ae.keep_freed_memory(True) is True


@pytest.mark.skipif(not glibc, reason="malloc_trim exists only in glibc")
def test_release_freed_memory_hands_kept_memory_back():
    arrays = [np.ones(2**20, np.float32) for _ in range(16)]  # 64 MB in 4 MB arrays, kept when freed
    del arrays
    assert ae.release_freed_memory() is True
