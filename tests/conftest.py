"""Test configuration: ``tests/`` on sys.path, so that every test file, in any folder, can
``import helpers``; and the Hypothesis profiles ``ci`` (deterministic, bounded) under CI, ``dev``
(deeper) locally."""
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# Appended, not prepended: the folders tests/nn and tests/optim are packages too, and must not
# shadow the nn and optim packages of the repository.
sys.path.append(str(Path(__file__).resolve().parent))

settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
