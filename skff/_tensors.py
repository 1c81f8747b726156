"""Arrays to tensors and back, and the device a fit runs on."""

import numpy as np
import scipy.sparse as sp
import torch

from ._backend.sparse import SparseRows


def to_numpy(tensor):
    """A tensor of any float dtype (bfloat16 included) as a float64 NumPy array."""
    return tensor.to(torch.float64).cpu().numpy()


def to_tensor(array, device):
    """``array`` on ``device``: a tensor, or for a SciPy sparse matrix the
    backend's :class:`~skff._backend.sparse.SparseRows`, never densified."""
    if sp.issparse(array):
        return SparseRows.from_scipy(array, device)
    # torch shares memory with writeable arrays and never writes to them; a read-only
    # array (e.g. a memmap) is copied, since torch cannot share it safely.
    return torch.as_tensor(np.require(array, requirements=["C", "W"]), device=device)


def resolve_device(device):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(
            f"device={device!r} is not a device torch knows: {error}"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine. Use device='cpu', or device='auto' to fall back to the CPU."
        )
    return resolved
