"""What the benchmarks say about the machine they ran on."""

import os
import platform
from pathlib import Path

import sklearn
import torch

import skff


def cpu_name():
    """The processor's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_name(device):
    """The GPU's name where ``device`` is a CUDA device, else ``None``."""
    if torch.device(device).type != "cuda":
        return None
    return torch.cuda.get_device_name(torch.device(device))


def synchronize(device):
    """Wait for ``device``'s queued work, so a host clock times it (CUDA only)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(torch.device(device))


def machine_info(device="cpu", **extra):
    """The processor, core and thread counts, the GPU used (if any) and library
    versions, plus ``extra``."""
    return dict(
        device=str(device),
        gpu=gpu_name(device),
        cpu=cpu_name(),
        cpu_count=os.cpu_count(),
        platform=platform.platform(),
        torch=torch.__version__,
        sklearn=sklearn.__version__,
        skff=skff.__version__,
        torch_threads=torch.get_num_threads(),
        **extra,
    )
