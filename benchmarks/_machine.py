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


def machine_info(**extra):
    """The processor, core and thread counts and library versions, plus ``extra``."""
    return dict(
        cpu=cpu_name(),
        cpu_count=os.cpu_count(),
        platform=platform.platform(),
        torch=torch.__version__,
        sklearn=sklearn.__version__,
        skff=skff.__version__,
        torch_threads=torch.get_num_threads(),
        **extra,
    )
