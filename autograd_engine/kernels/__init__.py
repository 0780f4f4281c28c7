"""Numba kernels: plain jitted functions on NumPy arrays (no Tensors, no shape checks).

The ops in ``autograd_engine/ops/conv.py``, ``ops/pool.py`` and ``ops/recurrent.py`` own the shapes, the
checks and the gradient rules; they import these modules on their first call, so that
``import autograd_engine`` does not pay for importing Numba.  Every kernel is
compiled with ``cache=True`` (the machine code is stored in ``__pycache__``
beside this file and reused by later processes).

- :mod:`.im2col` -- unfold image patches into columns and fold them back;
- :mod:`.pool` -- max pooling (with argmax switches) and average pooling, forward and backward;
- :mod:`.lstm` -- the pointwise parts of one LSTM step, forward and backward.
"""
