"""Joining and splitting: split takes NumPy's sections."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae


def test_split_takes_numpys_sections():
    pieces = ae.split(np.arange(6.0), 2)  # two sections of 3 (torch.split(x, 2) gives three pieces of 2)
    assert [p.shape for p in pieces] == [(3,), (3,)]
    with pytest.raises(ae.ShapeError, match="does not divide into 4 equal sections"):
        ae.split(np.arange(6.0), 4)
