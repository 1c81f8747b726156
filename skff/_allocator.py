"""How the C allocator treats the memory a training step frees (Linux, glibc)."""

import sys

import torch

# glibc's malloc serves a block at or above its mmap threshold (128 KiB at
# first) with a fresh mapping, and gives the top of its heap back to the system
# once more than its trim threshold (128 KiB) is free there. Freeing a mapped
# block raises both, to that block's size and twice it, up to this size: from
# then on a step's temporaries of a few megabytes reuse the heap's pages.
# Until then a process's first fit maps, frees and faults in its step's memory
# again and again: up to 100,000 page faults in the digits demo's first fit
# against about 5,000 with the thresholds raised, up to a fifth of the fit's
# time on the AMD EPYC (``python benchmarks/first_fit.py``). The size is
# glibc's own constant, DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems.
GLIBC_LARGEST_DYNAMIC_THRESHOLD = 32 * 2**20
# Room left under that size for the block's header and its alignment.
ALLOCATION_SLACK = 2 * 4096

_thresholds_raised = False


def keep_freed_memory_for_reuse():
    """Raise glibc's thresholds for giving memory back to the system, once a process.

    Allocates and frees one block just under the largest size glibc adapts
    its thresholds to, without touching its pages, so it costs a mapping and
    no page faults: the same thresholds any process that once frees such a
    block runs with, reached before the first step instead of after many. The
    heap may then keep up to 64 MiB of freed memory for reuse. Elsewhere
    (other allocators, other systems) the block is only allocated and freed.
    """
    global _thresholds_raised
    if _thresholds_raised or not sys.platform.startswith("linux"):
        return
    torch.empty(GLIBC_LARGEST_DYNAMIC_THRESHOLD - ALLOCATION_SLACK, dtype=torch.uint8)
    _thresholds_raised = True
