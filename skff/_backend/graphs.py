"""A training step replayed as a CUDA graph: one launch instead of hundreds.

A step of a small network is a few hundred small kernels, and on a GPU the
host's time to launch them, not the arithmetic, sets the pace
(``benchmarks/step_profile.py --device cuda`` measures both). Captured once
per epoch as a CUDA graph, the step is replayed for every later full batch
with a single launch. The graph lives for one
epoch, so everything it bakes in (learning rates, momentum, the optimizer's
state tensors) is what the epoch uses anyway.
"""

import warnings
from contextlib import contextmanager

import torch

from .optim import KerasAdam

# Eager steps before the capture: they create the optimizer's state and the
# libraries' workspaces, which must not be allocated while capturing.
WARMUP_STEPS = 3


def replay_pays_off(device, optimizers, n_full_batches):
    """Whether to capture: a CUDA device, enough full batches, and no step
    decided on the host.

    :class:`~.optim.KerasAdam` sets its epsilon on the host at every step, which
    a replay would freeze at the captured step's value.
    """
    host_side = any(isinstance(optimizer, KerasAdam) for optimizer in optimizers)
    enough = n_full_batches > WARMUP_STEPS + 1
    return device.type == "cuda" and enough and not host_side


@contextmanager
def side_stream(device):
    """Run the block on a fresh stream, ordered after and before the current one
    (torch's prescription for the warm-up before a capture)."""
    current = torch.cuda.current_stream(device)
    stream = torch.cuda.Stream(device)
    stream.wait_stream(current)
    with torch.cuda.stream(stream):
        yield
    current.wait_stream(stream)


class ReplayedStep:
    """``step(order[start : start + batch_size])``, captured with ``start`` a counter
    on the device that the graph itself advances: each call trains the next batch.
    """

    def __init__(self, step, order, first_start, batch_size, generator, optimizers):
        device = order.device
        # Kept as attributes: the graph reads them by address at every replay.
        self._start = torch.full((), first_start, dtype=torch.int64, device=device)
        self._offsets = torch.arange(batch_size, device=device)
        self._graph = torch.cuda.CUDAGraph()
        self._graph.register_generator_state(generator)
        groups = [group for optimizer in optimizers for group in optimizer.param_groups]
        capturable = [group.get("capturable") for group in groups]
        for group in groups:
            if "capturable" in group:  # Adam checks it while capturing
                group["capturable"] = True
        try:
            # The capture stream belongs to the current device: make it the
            # network's (which may be "cuda:1").
            with torch.cuda.device(device), torch.cuda.graph(self._graph):
                step(order[self._start + self._offsets])
                self._start += batch_size
        finally:
            for group, before in zip(groups, capturable):
                if before is not None:
                    group["capturable"] = before

    def __call__(self):
        self._graph.replay()


def capture_step(step, order, first_start, batch_size, generator, optimizers):
    """A :class:`ReplayedStep`, or ``None`` with a warning if capture fails (the
    caller then goes on step by step)."""
    try:
        return ReplayedStep(step, order, first_start, batch_size, generator, optimizers)
    except (RuntimeError, AttributeError) as error:
        warnings.warn(
            f"Capturing the training step as a CUDA graph failed ({error}); this "
            "epoch trains step by step. Set cuda_graphs=False to skip the attempt.",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
