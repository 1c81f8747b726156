"""What the benchmarks say about the machine they ran on."""

import json
import os
import platform
import sys
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
        float32_matmul=float32_matmul_settings(device),
        **extra,
    )


# Environment variables that make cuBLAS use TensorFloat-32 for float32 products
# whatever torch's own setting says (NVIDIA's containers set the first).
TF32_OVERRIDES = ("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", "NVIDIA_TF32_OVERRIDE")


def float32_matmul_settings(device):
    """What decides the precision of float32 matrix products: torch's setting
    and, on a GPU, the environment variables that override it."""
    settings = dict(precision=torch.get_float32_matmul_precision())
    if torch.device(device).type == "cuda":
        settings.update({name: os.environ.get(name) for name in TF32_OVERRIDES})
    return settings


def write_cpu_report(path, script, **fields):
    """Write ``fields`` to ``path`` as JSON after the command that ran
    ``script`` (a file in benchmarks/) and this CPU machine, and say so."""
    machine = machine_info(device="cpu")
    report = dict(
        command=f"python benchmarks/{script} " + " ".join(sys.argv[1:]),
        machine=machine,
        **fields,
    )
    path.write_text(json.dumps(report, indent=1))
    print(f"on {machine['cpu']}, torch {machine['torch']}; wrote {path}")
