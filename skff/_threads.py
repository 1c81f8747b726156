"""How many CPU threads torch may use inside one fit or prediction."""

from contextlib import contextmanager

import torch

# A training step whose products come to at most this many multiply-adds (32
# rows of 25 inputs into 1000 units, with a readout of a few classes) and
# whose layers give at most this many activities a copy of the batch (64 rows
# of 1000 units)
# runs no faster on two threads than on one on an idle machine, and several
# times slower on two once another process holds a core: its operations are
# too short for the threads' meeting at the end of each to pay (``python
# benchmarks/busy_machine.py``, its step sizes). A fit of such steps runs on
# one thread.
SMALL_STEP_MULTIPLY_ADDS = 2**20
SMALL_STEP_ACTIVITIES = 2**16


def step_thread_limit(multiply_adds, activities):
    """The thread limit of a training step of ``multiply_adds`` in its
    products and ``activities`` in its layers (for one label a row): one for a
    small step, else none (the caller's limit holds)."""
    small = (
        multiply_adds <= SMALL_STEP_MULTIPLY_ADDS
        and activities <= SMALL_STEP_ACTIVITIES
    )
    return 1 if small else None


@contextmanager
def torch_threads(limit):
    """At most ``limit`` torch threads inside the block, the caller's count after.

    torch's CPU thread pool is OpenMP, so its count already follows
    ``OMP_NUM_THREADS``, joblib's per-worker limits, Dask's worker settings and
    ``threadpoolctl.threadpool_limits``: ``limit`` only ever lowers it.
    """
    before = torch.get_num_threads()
    if limit is None or limit >= before:
        yield before
        return
    torch.set_num_threads(limit)
    try:
        yield limit
    finally:
        torch.set_num_threads(before)
