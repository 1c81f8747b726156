"""Where one training step's time goes, on the CPU or a GPU.

Run ``python benchmarks/step_profile.py [--device cuda] [--recipe hinton]``.
It times ``--steps`` training steps of a recipe on MNIST-shaped rows (real
MNIST when found), then profiles a few with ``torch.profiler`` and prints: the
wall time per step (on a GPU, also with the step replayed as a CUDA graph),
the operators and kernels launched per step, the time the GPU was busy per
step, and the costliest operators. On a GPU a busy time far below the wall
time means the step is bound by launching kernels, not by arithmetic. Writes
``benchmarks/results/step_profile_<device>.json``.
"""

import argparse
import json
import time
from pathlib import Path

import torch
from _data import N_ROWS, training_rows
from _machine import machine_info, synchronize
from torch.profiler import ProfilerActivity, profile

from skff import ForwardForwardClassifier
from skff.backend import auto_batch_size, matmul_precision
from skff.recipes import hinton_2022

RESULTS = Path(__file__).parent / "results"
RECIPES = {
    "default": lambda **kw: ForwardForwardClassifier(**kw),
    "hinton": hinton_2022,
    "hinton-4x2000": lambda **kw: hinton_2022(
        hidden_layer_sizes=(2000,) * 4, threshold=2000.0, **kw
    ),
}


def _device_time(event):
    """Microseconds an event ran on the device (the attribute's name changed)."""
    for name in ("device_time", "cuda_time"):
        value = getattr(event, name, None)
        if value is not None:
            return value
    return 0.0


def profile_recipe(recipe, device, mixed_precision, n_steps, data_home):
    clf = RECIPES[recipe](
        max_iter=1, random_state=0, device=device, mixed_precision=mixed_precision
    )
    batch = clf.batch_size
    if batch == "auto":  # as fit resolves it for MNIST's 60,000 rows
        batch = auto_batch_size(N_ROWS)
    X, y, _ = training_rows(data_home)
    X, y = X[: batch * n_steps], y[: batch * n_steps]
    clf.fit(X[: 4 * batch], y[: 4 * batch])  # builds the network, warms up
    network = clf.network_
    data = [
        torch.as_tensor(X, device=device),
        torch.as_tensor(y, device=device),
        torch.ones(len(y), device=device),
    ]

    def seconds_per_step(cuda_graphs):
        network.train_epoch(
            *(d[: 8 * batch] for d in data), batch, cuda_graphs=cuda_graphs
        )
        synchronize(device)
        started = time.perf_counter()
        network.train_epoch(*data, batch, cuda_graphs=cuda_graphs)
        synchronize(device)
        return (time.perf_counter() - started) / n_steps

    on_gpu = network.device.type == "cuda"
    with matmul_precision(mixed_precision, network.device.type):
        per_step = seconds_per_step(cuda_graphs=False)
        # On a GPU, the same steps replayed as a CUDA graph.
        per_step_replayed = seconds_per_step(cuda_graphs=True) if on_gpu else None

        activities = [ProfilerActivity.CPU]
        if on_gpu:
            activities.append(ProfilerActivity.CUDA)
        profiled_steps = min(n_steps, 20)
        with profile(activities=activities) as prof:
            network.train_epoch(*(d[: profiled_steps * batch] for d in data), batch)
            synchronize(device)
    events = prof.key_averages()
    kernels = [e for e in prof.events() if str(e.device_type).endswith("CUDA")]
    busy = sum(_device_time(e) for e in kernels) / 1e6 / profiled_steps
    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:15]
    result = dict(
        recipe=recipe,
        hidden_layer_sizes=list(clf.hidden_layer_sizes),
        batch_size=batch,
        device=str(network.device),
        mixed_precision=mixed_precision,
        seconds_per_step=per_step,
        seconds_per_step_replayed=per_step_replayed,
        steps_timed=n_steps,
        epoch_seconds_at_this_rate=per_step * N_ROWS / batch,
        aten_calls_per_step=sum(e.count for e in events if e.key.startswith("aten::"))
        / profiled_steps,
        kernels_per_step=len(kernels) / profiled_steps,
        gpu_busy_seconds_per_step=busy if kernels else None,
        top_self_cpu=[
            dict(name=e.key, calls=e.count, self_cpu_ms=e.self_cpu_time_total / 1e3)
            for e in top
        ],
    )
    print(
        f"{recipe} on {network.device} ({mixed_precision or 'float32'}), batch "
        f"{batch}: {1e3 * per_step:.3f} ms/step = "
        f"{result['epoch_seconds_at_this_rate']:.2f} s per MNIST epoch; "
        f"{result['kernels_per_step']:.0f} kernels and "
        f"{result['aten_calls_per_step']:.0f} aten calls per step"
        + (f"; GPU busy {1e3 * busy:.3f} ms/step" if kernels else "")
        + (
            f"; as a CUDA graph {1e3 * per_step_replayed:.3f} ms/step"
            if per_step_replayed
            else ""
        ),
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--mixed-precision", choices=["tf32", "bfloat16"])
    parser.add_argument("--recipe", action="append", choices=list(RECIPES))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    parser.add_argument("--output")
    args = parser.parse_args()
    runs = [
        profile_recipe(
            recipe, args.device, args.mixed_precision, args.steps, args.data_home
        )
        for recipe in args.recipe or ["default", "hinton"]
    ]
    device_type = torch.device(args.device).type
    output = Path(args.output or RESULTS / f"step_profile_{device_type}.json")
    report = dict(machine=machine_info(device=args.device), runs=runs)
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
