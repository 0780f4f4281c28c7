"""Keep freed memory in the process, so that a training loop does not page-fault every step.

A training step allocates and frees the same large arrays every iteration (activations,
gradients, im2col columns).  By default glibc's malloc serves large arrays with fresh
``mmap`` pages and hands freed memory at the top of its heap back to the OS, so each step
touches much of its working set for the first time again, one page fault per 4 KiB: about
5,600 faults per step of the benchmark ConvNet (``benchmarks/conv.py``), a quarter of its
time, and as many per step of the benchmark LSTM.

:func:`keep_freed_memory` raises glibc's mmap threshold to 32 MiB and its trim threshold to
1 GiB (``mallopt``), so freed arrays are reused by the next step, much as PyTorch's CUDA
caching allocator keeps GPU memory.  Arrays above 32 MiB still come from, and go back to,
the OS.  The price: the process keeps freed memory instead of returning it -- up to 1 GiB
at the top of its heap, and whatever free blocks lie below.  :func:`release_freed_memory`
hands it back (``malloc_trim``), e.g. after training.

It changes malloc for the whole process (NumPy, PyTorch, everything), so it is an explicit
call, never a side effect of ``import autograd_engine``: ``optim.Trainer`` makes it when
training starts (``Trainer(keep_freed_memory=False)`` leaves malloc alone), and the
benchmarks make it for every contender alike.  It works on glibc only (elsewhere it does
nothing).  Setting any of these thresholds turns off glibc's adaptive threshold for good,
so ``keep_freed_memory(False)`` restores glibc's initial thresholds but not its adaptive
behaviour.
"""
from __future__ import annotations

import ctypes
import sys

from .checks import check_bool

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
KEEP = {_M_MMAP_THRESHOLD: 32 * 2**20, _M_TRIM_THRESHOLD: 2**30}
GLIBC_DEFAULTS = {_M_MMAP_THRESHOLD: 128 * 2**10, _M_TRIM_THRESHOLD: 128 * 2**10}


def _glibc():
    """The C library when it is glibc, else None (other systems, or musl, whose mallopt does nothing)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None  # only glibc has it


def keep_freed_memory(enable: bool = True) -> bool:
    """Make malloc keep freed memory for reuse (``enable=True``), or go back to glibc's initial
    thresholds (``False``; glibc's adaptive threshold stays off, see the module's docstring).
    Returns whether the setting took effect (glibc only)."""
    enable = check_bool(enable, "enable", "keep_freed_memory")
    libc = _glibc()
    if libc is None:
        return False
    settings = KEEP if enable else GLIBC_DEFAULTS
    return all(libc.mallopt(parameter, value) == 1 for parameter, value in settings.items())


def release_freed_memory() -> bool:
    """Return the freed memory malloc keeps to the OS now (glibc's ``malloc_trim(0)``).
    Returns whether any was returned (always False outside glibc)."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))
