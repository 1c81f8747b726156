"""How many CPU threads torch may use inside one fit or prediction."""

from contextlib import contextmanager

import torch


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
