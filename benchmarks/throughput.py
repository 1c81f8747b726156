"""Training throughput of skff against the machine's own matmul rate.

Run ``python benchmarks/throughput.py`` (``--quick`` for a smaller sweep). For
each layer shape and batch size (``"auto"``, the default, first) it trains on
MNIST-sized data (real MNIST when found, else random data of the same shape:
the work is the same), times whole epochs, and compares the floating-point
work done with torch's fp32 matmul rate measured in the same process, both
for the batch's own products and for products of 4,096 rows (the machine's
peak, which the choice of batch size may keep an epoch from). Each
configuration runs in its own subprocess, so its peak memory is its own.
Results: ``benchmarks/results/throughput.json``.

``--device cuda`` runs the same sweep on a GPU, with larger batches, and writes
``throughput_cuda.json``; ``--mixed-precision tf32`` (or ``bfloat16``) times
the faster matmul modes. The matmul rate it compares with is then the GPU's
own, in the same precision.

The work counted per sample and layer of ``n_in`` inputs and ``n_out`` units is
the issue's "essential" count, ``8 * n_in * n_out``: forward and weight gradient
(2 flops each per weight) for the positive and the negative pass, plus what the
default recipe adds: hard negatives need a neutral-label forward pass through
the layers after the first, and the softmax readout's forward and gradient.
skff's first layer shares the data's projection between positive, negative and
neutral labels, so it does only half of its count; ``executed_gflop`` counts
what is really computed.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _data import N_CLASSES, N_FEATURES, training_rows
from _machine import machine_info, synchronize

RESULTS = Path(__file__).parent / "results" / "throughput.json"
# Rows of the products that measure the machine's peak matmul rate.
PEAK_ROWS = 4096


def matmul_gflops(torch, shapes, device="cpu", mixed_precision=None, repeats=20):
    """Median GFLOP/s of ``a @ b`` over the given ``(m, k, n)`` shapes, in float32
    (or the given mixed precision) on ``device``."""
    from skff.backend import matmul_precision

    rates = {}
    for m, k, n in shapes:
        a = torch.randn(m, k, device=device)
        b = torch.randn(k, n, device=device)
        with matmul_precision(mixed_precision, torch.device(device).type):
            for _ in range(3):
                a @ b
            times = []
            for _ in range(repeats):
                synchronize(device)
                started = time.perf_counter()
                for _ in range(10):
                    a @ b
                synchronize(device)
                times.append((time.perf_counter() - started) / 10)
        times.sort()
        rates[f"{m}x{k}@{k}x{n}"] = 2 * m * k * n / times[len(times) // 2] / 1e9
    return rates


def peak_memory_mib(torch, device):
    """Peak memory of this process: the GPU's allocations on CUDA, else RSS."""
    import resource

    if torch.device(device).type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(hidden, batch_size, epochs, data_home, device, mixed_precision):
    """Train one configuration; print a JSON line. Runs in a fresh subprocess."""
    import warnings

    import numpy as np
    import torch

    from skff import ForwardForwardClassifier
    from skff.backend import auto_batch_size

    X, y, data = training_rows(data_home)
    setting = batch_size
    if batch_size == "auto":  # what fit resolves it to for these rows
        batch_size = auto_batch_size(len(X))
    widths = [N_FEATURES + N_CLASSES, *hidden]
    pairs = list(zip(widths[:-1], widths[1:]))
    per_sample = 8 * sum(n_in * n_out for n_in, n_out in pairs)
    # The defaults' hard negatives add a neutral-label forward pass (the first
    # layer's projection is shared, so from the second layer on) and the
    # readout's forward and weight gradient.
    per_sample += 2 * sum(n_in * n_out for n_in, n_out in pairs[1:])
    per_sample += 4 * sum(hidden) * N_CLASSES
    essential = per_sample * len(X)
    executed = essential - 4 * pairs[0][0] * pairs[0][1] * len(X)
    shapes = [(2 * batch_size, n_in, n_out) for n_in, n_out in pairs]
    rates = matmul_gflops(torch, shapes, device, mixed_precision)
    matmul_rate = float(np.median(list(rates.values())))
    # The machine's peak: the same layer shapes in products of PEAK_ROWS rows,
    # where the batch size no longer holds the rate back.
    peak_shapes = [(PEAK_ROWS, n_in, n_out) for n_in, n_out in pairs]
    peak_rates = matmul_gflops(torch, peak_shapes, device, mixed_precision)
    peak_rate = max(peak_rates.values())

    clf = ForwardForwardClassifier(
        hidden,
        batch_size=batch_size,
        max_iter=1,
        warm_start=True,
        random_state=0,
        device=device,
        mixed_precision=mixed_precision,
    )
    baseline_mib = peak_memory_mib(torch, device)
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X[: 4 * batch_size], y[: 4 * batch_size])  # warm-up, not timed
        for _ in range(epochs):
            started = time.perf_counter()
            clf.fit(X, y)
            seconds.append(time.perf_counter() - started)
    epoch = float(np.median(seconds))
    started = time.perf_counter()
    clf.predict(X[:10_000])
    predict_seconds = time.perf_counter() - started
    print(
        json.dumps(
            dict(
                hidden_layer_sizes=list(hidden),
                batch_size=batch_size,
                batch_size_setting=setting,
                data=data,
                rows=len(X),
                seconds_per_epoch=epoch,
                epochs_timed=epochs,
                essential_gflop=essential / 1e9,
                executed_gflop=executed / 1e9,
                essential_gflops_per_s=essential / epoch / 1e9,
                matmul_gflops_per_s=matmul_rate,
                matmul_rates=rates,
                ratio_to_matmul=essential / epoch / 1e9 / matmul_rate,
                peak_matmul_gflops_per_s=peak_rate,
                peak_matmul_rates=peak_rates,
                ratio_to_peak=essential / epoch / 1e9 / peak_rate,
                executed_ratio_to_peak=executed / epoch / 1e9 / peak_rate,
                floor_seconds=essential / 1e9 / matmul_rate,
                predict_10k_seconds=predict_seconds,
                device=device,
                mixed_precision=mixed_precision,
                # The GPU's allocations on CUDA, else the process's RSS.
                peak_memory_mib=peak_memory_mib(torch, device),
                peak_memory_over_data_mib=peak_memory_mib(torch, device) - baseline_mib,
                torch_threads=torch.get_num_threads(),
            )
        )
    )


def scaling(device="cpu"):
    """How fit and predict times grow with rows and classes (one process)."""
    import warnings

    import numpy as np

    from skff import ForwardForwardClassifier

    rng = np.random.default_rng(0)
    X = rng.random((40_000, N_FEATURES), dtype=np.float32)

    def fit_seconds(n_rows, n_classes=N_CLASSES):
        # A fixed batch: "auto" grows with the rows, which would change the work.
        clf = ForwardForwardClassifier(
            max_iter=1, batch_size=128, random_state=0, device=device
        )
        y = np.arange(n_rows) % n_classes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[:256], y[:256])  # warm-up
            started = time.perf_counter()
            clf.fit(X[:n_rows], y)
        return time.perf_counter() - started, clf

    def predict_seconds(clf, repeats):
        clf.predict(X[:256])
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            clf.predict(X[:10_000])
            times.append(time.perf_counter() - started)
        return min(times)

    rows = {n: min(fit_seconds(n)[0] for _ in range(2)) for n in (20_000, 40_000)}
    predict = {}
    for n_classes in (10, 1000):
        _, clf = fit_seconds(4_000, n_classes)
        for prediction in ("goodness", "softmax"):
            clf.set_params(prediction=prediction)
            # Best of 3, as timeit advises on a shared machine; the 1000-class
            # goodness scoring runs once (it takes over a minute).
            repeats = 1 if (prediction, n_classes) == ("goodness", 1000) else 3
            predict[f"{prediction}, K={n_classes}"] = predict_seconds(clf, repeats)
    # Goodness scoring of N_CLASSES labels: the first layer projects each row
    # once (the labels only add columns), every later layer runs once per label.
    import torch

    from skff.backend import CPU_SCORING_BLOCK

    widths = [N_FEATURES, *clf.hidden_layer_sizes]
    pairs = list(zip(widths, widths[1:]))
    goodness_gflop = (
        2e-9
        * 10_000
        * (pairs[0][0] * pairs[0][1] + N_CLASSES * sum(a * b for a, b in pairs[1:]))
    )
    # The rate of the scoring's largest products: a later layer's, one block
    # of rows under every label, or the first layer's projection of the rows.
    n_in, n_out = pairs[-1]
    block_rows = CPU_SCORING_BLOCK * (N_CLASSES if len(pairs) > 1 else 1)
    matmul = matmul_gflops(torch, [(block_rows, n_in, n_out)], device)
    matmul_rate = next(iter(matmul.values()))
    goodness_rate = goodness_gflop / predict["goodness, K=10"]
    result = dict(
        fit_seconds_by_rows=rows,
        fit_ratio_2x_rows=rows[40_000] / rows[20_000],
        predict_10k_seconds=predict,
        predict_timing="best of 3 (goodness with K=1000: one run)",
        goodness_predict_k10_gflop=goodness_gflop,
        goodness_predict_k10_gflops_per_s=goodness_rate,
        goodness_predict_matmul_gflops_per_s=matmul,
        goodness_predict_ratio_to_matmul=goodness_rate / matmul_rate,
        goodness_ratio_k1000_to_k10=predict["goodness, K=1000"]
        / predict["goodness, K=10"],
        softmax_ratio_k1000_to_k10=predict["softmax, K=1000"]
        / predict["softmax, K=10"],
    )
    print(
        f"fit: 2x rows -> {result['fit_ratio_2x_rows']:.2f}x time; predict 10k rows: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in predict.items())
        + f"; goodness K=10 runs {goodness_rate:.0f} GFLOP/s, "
        f"{result['goodness_predict_ratio_to_matmul']:.0%} of matmul"
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer configurations")
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed per run")
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--mixed-precision", choices=["tf32", "bfloat16"])
    parser.add_argument(
        "--output", help="default: results/throughput.json, or throughput_cuda.json"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        hidden, batch_size = json.loads(args.one)
        run_one(
            tuple(hidden),
            batch_size,
            args.epochs,
            args.data_home,
            args.device,
            args.mixed_precision,
        )
        return

    import torch

    from skff import ForwardForwardClassifier

    on_gpu = torch.device(args.device).type == "cuda"
    output = Path(args.output) if args.output else RESULTS
    if on_gpu and not args.output:
        output = RESULTS.with_name("throughput_cuda.json")
    # The defaults' network first, then deeper ones.
    layer_sizes = [tuple(ForwardForwardClassifier().hidden_layer_sizes), (500, 500)]
    if not args.quick:
        layer_sizes += (
            [(1000, 1000, 1000), (2000, 2000, 2000, 2000)]
            if on_gpu
            else [(1000, 1000), (2000, 2000)]
        )
    batch_sizes = ["auto", 128, 1024] if args.quick else ["auto", 128, 512, 2048]
    if on_gpu:  # a GPU is kept busy by large batches
        batch_sizes = ["auto", 128, 1024, 8192]
    runs = []
    for hidden in layer_sizes:
        for batch_size in batch_sizes:
            command = [
                sys.executable,
                __file__,
                "--one",
                json.dumps([hidden, batch_size]),
                "--epochs",
                str(args.epochs),
                "--data-home",
                args.data_home,
                "--device",
                args.device,
            ]
            if args.mixed_precision:
                command += ["--mixed-precision", args.mixed_precision]
            completed = subprocess.run(
                command, capture_output=True, text=True, check=True
            )
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            runs.append(result)
            print(
                f"{'-'.join(map(str, hidden)):>10} batch {batch_size!s:>5}"
                f" ({result['batch_size']} rows): "
                f"{result['seconds_per_epoch']:6.2f} s/epoch, "
                f"{result['essential_gflops_per_s']:6.1f} GFLOP/s essential = "
                f"{result['ratio_to_matmul']:.0%} of matmul "
                f"({result['matmul_gflops_per_s']:.0f} GFLOP/s), "
                f"{result['ratio_to_peak']:.0%} of peak "
                f"({result['peak_matmul_gflops_per_s']:.0f} GFLOP/s; executed "
                f"{result['executed_ratio_to_peak']:.0%}), "
                f"predict 10k {result['predict_10k_seconds']:.2f} s, "
                f"peak {result['peak_memory_mib']:.0f} MiB",
                flush=True,
            )
    report = dict(
        command="python benchmarks/throughput.py " + " ".join(sys.argv[1:]),
        scaling=scaling(args.device),
        machine=machine_info(device=args.device),
        runs=runs,
    )
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    where = report["machine"]["gpu"] or report["machine"]["cpu"]
    print(f"on {where}, torch {torch.__version__}; wrote {output}")


if __name__ == "__main__":
    main()
