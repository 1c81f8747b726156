"""Faster, lower-precision matrix products for float32 networks, on request."""

from contextlib import contextmanager

import torch

MIXED_PRECISIONS = ("tf32", "bfloat16")


@contextmanager
def matmul_precision(mode, device_type):
    """Inside the block, float32 matmuls run at ``mode``'s precision.

    ``None`` keeps full float32. ``"tf32"`` lets torch use TensorFloat-32 (10-bit
    mantissa) for float32 matmuls, which Ampere and later NVIDIA GPUs run several
    times faster; the caller's setting is restored afterwards. ``"bfloat16"``
    autocasts matmuls to bfloat16 while weights, their gradients, losses and
    normalisations stay float32.

    Autocast's cache of bfloat16 weight copies is off: it lives as long as the
    block, which here spans many optimizer steps, so cached copies would hold
    the weights of the first step for all the others.
    """
    if mode is None:
        yield
    elif mode == "tf32":
        before = torch.get_float32_matmul_precision()
        torch.set_float32_matmul_precision("high")
        try:
            yield
        finally:
            torch.set_float32_matmul_precision(before)
    else:
        with torch.autocast(
            device_type=device_type, dtype=torch.bfloat16, cache_enabled=False
        ):
            yield


def cpu_autocast_enabled():
    """Whether CPU autocast is on (torch before 2.4 asks without a device)."""
    try:
        return torch.is_autocast_enabled("cpu")
    except TypeError:
        return torch.is_autocast_cpu_enabled()
