"""Fit times on a busy machine: skff's torch threads against other work.

Run ``python benchmarks/busy_machine.py``. torch runs a large tensor operation
on all its CPU threads, which wait for each other at its end, and a training
step is dozens of such operations. When other processes keep every core busy,
a thread that has lost its core holds up the others at every one of them.

Two data sets: the README demo's (the digits, the demo's 75/25 split) and a
2,000-row ``make_classification`` set of 20 features and 10 classes, each after
a ``StandardScaler``. Three models with their defaults: skff with torch's
thread count, skff with ``n_threads=1``, and ``MLPClassifier``. Each is fitted
``REPEATS`` times in turn, on the idle machine, then while busy processes
spin (a Python loop each, no threads of its own) on half of the cores, then
on all of them; the median fit time of each is kept. Writes
``benchmarks/results/busy_machine.json``.
"""

import multiprocessing
import os
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from _machine import write_cpu_report
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "busy_machine.json"
REPEATS = 3
# Time for the busy processes to start before a clock does.
SETTLE_SECONDS = 1.0


def data_sets():
    """``{name: (X_train, y_train)}``, scaled as the demo scales them."""
    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    X_synthetic, y_synthetic = make_classification(
        n_samples=2_000,
        n_features=20,
        n_informative=20,
        n_redundant=0,
        n_classes=10,
        random_state=0,
    )
    return {
        "digits (the demo's 1,347 training rows)": (X_train, y_train),
        "make_classification 2,000x20, 10 classes": (X_synthetic, y_synthetic),
    }


def models():
    return {
        "skff": lambda: ForwardForwardClassifier(random_state=0),
        "skff_one_thread": lambda: ForwardForwardClassifier(
            random_state=0, n_threads=1
        ),
        "mlp": lambda: MLPClassifier(random_state=0),
    }


def _spin(stop):
    while not stop.is_set():
        pass


@contextmanager
def busy_cores(n_processes):
    """``n_processes`` processes that keep a core busy each, for the block."""
    if not n_processes:
        yield
        return
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,)) for _ in range(n_processes)]
    for worker in workers:
        worker.start()
    time.sleep(SETTLE_SECONDS)
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def median_fit_seconds(sets):
    """``{set: {model: median seconds}}``, the models fitted in turn."""
    makers = models()
    times = {name: {model: [] for model in makers} for name in sets}
    for _ in range(REPEATS):
        for name, (X, y) in sets.items():
            for model, make in makers.items():
                started = time.perf_counter()
                make().fit(X, y)
                times[name][model].append(time.perf_counter() - started)
    return {
        name: {model: float(np.median(seconds)) for model, seconds in by_model.items()}
        for name, by_model in times.items()
    }


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    sets = {
        name: (StandardScaler().fit_transform(X), y)
        for name, (X, y) in data_sets().items()
    }
    n_cores = os.cpu_count() or 1
    X, y = next(iter(sets.values()))
    ForwardForwardClassifier(max_iter=1).fit(X, y)  # one-time costs
    loads = []
    for n_busy in sorted({0, n_cores // 2, n_cores}):
        with busy_cores(n_busy):
            by_set = median_fit_seconds(sets)
        loads.append(dict(busy_processes=n_busy, median_fit_seconds=by_set))
        for name, seconds in by_set.items():
            print(
                f"{n_busy} busy: {name:<42} skff {seconds['skff']:6.2f} s, "
                f"n_threads=1 {seconds['skff_one_thread']:6.2f} s, "
                f"MLPClassifier {seconds['mlp']:6.2f} s",
                flush=True,
            )
    write_cpu_report(
        RESULTS, "busy_machine.py", repeats=REPEATS, cores=n_cores, loads=loads
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
