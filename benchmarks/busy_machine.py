"""Fit times on a busy machine: skff's torch threads against other work.

Run ``python benchmarks/busy_machine.py``. torch runs a large tensor operation
on all its CPU threads, which wait for each other at its end, and a training
step is dozens of such operations. When other processes keep every core busy,
a thread that has lost its core holds up the others at every one of them.

Three data sets, each after a ``StandardScaler``: iris (whose steps are small
enough for skff to train them on one thread, see ``n_threads``), the README
demo's (the digits, the demo's 75/25 split) and the tabular suite's
``synthetic_2000x20_10cls`` (``vs_mlp_suite.py``). Three models with their
defaults: skff with torch's thread count, skff with ``n_threads=1``, and
``MLPClassifier``. Each is fitted ``REPEATS`` times in turn, on the idle
machine, then while busy processes spin (a Python loop each, no threads of
its own) on half of the cores, then on all of them; the median fit time of
each is kept.

Under each load it also times one training step of the defaults' layer (1000
units) on 20 features and 5 classes, for batches of ``STEP_BATCHES`` rows:
on all of torch's threads (with skff's one-thread rule for small steps
switched off) and on one. ``multiply_adds`` and ``activities`` are a step's
size as the rule measures it (the batch times the network's
``multiply_adds_per_row`` and ``activities_per_row``). Writes
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
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from vs_mlp_suite import data_sets as suite_sets

import skff._threads
from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "busy_machine.json"
REPEATS = 3
# Time for the busy processes to start before a clock does.
SETTLE_SECONDS = 1.0
# The step timings: rows of the data, and rows of a batch.
STEP_ROWS = 4096
STEP_BATCHES = (32, 64, 128, 256)


def data_sets():
    """``{name: (X_train, y_train)}``, unscaled."""
    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    synthetic = next(
        (X, y)
        for name, X, y, _ in suite_sets(max_rows=2_000)
        if name == "synthetic_2000x20_10cls"
    )
    return {
        "iris (150 rows)": load_iris(return_X_y=True),
        "digits (the demo's 1,347 training rows)": (X_train, y_train),
        "the suite's synthetic_2000x20_10cls": synthetic,
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


@contextmanager
def small_step_rule_off():
    """Train every step on all of torch's threads, as before the rule."""
    threshold = skff._threads.SMALL_STEP_MULTIPLY_ADDS
    skff._threads.SMALL_STEP_MULTIPLY_ADDS = 0
    try:
        yield
    finally:
        skff._threads.SMALL_STEP_MULTIPLY_ADDS = threshold


def step_milliseconds():
    """``{batch: {all_threads, one_thread, multiply_adds, activities}}``: the
    milliseconds of a training step of the defaults, the median fit of two
    epochs divided by its steps (a fit's fixed costs included; they weigh
    more in larger batches, which take fewer steps)."""
    X, y = make_classification(
        n_samples=STEP_ROWS,
        n_features=20,
        n_informative=10,
        n_classes=5,
        random_state=0,
    )
    steps = {}
    for batch in STEP_BATCHES:
        n_steps = 2 * -(-STEP_ROWS // batch)
        entry = {}
        for label, n_threads in (("all_threads", None), ("one_thread", 1)):
            seconds = []
            for _ in range(REPEATS):
                model = ForwardForwardClassifier(
                    batch_size=batch, max_iter=2, n_threads=n_threads, random_state=0
                )
                with small_step_rule_off():
                    started = time.perf_counter()
                    model.fit(X, y)
                    seconds.append(time.perf_counter() - started)
            entry[label] = float(np.median(seconds)) / n_steps * 1e3
        entry["multiply_adds"] = batch * model.network_.multiply_adds_per_row()
        entry["activities"] = batch * model.network_.activities_per_row()
        steps[str(batch)] = entry
    return steps


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
            steps = step_milliseconds()
        loads.append(
            dict(
                busy_processes=n_busy,
                median_fit_seconds=by_set,
                step_milliseconds=steps,
            )
        )
        for name, seconds in by_set.items():
            print(
                f"{n_busy} busy: {name:<42} skff {seconds['skff']:6.2f} s, "
                f"n_threads=1 {seconds['skff_one_thread']:6.2f} s, "
                f"MLPClassifier {seconds['mlp']:6.2f} s",
                flush=True,
            )
        for batch, step in steps.items():
            print(
                f"{n_busy} busy: a step of {batch:>3} rows "
                f"({step['multiply_adds']:,} multiply-adds, "
                f"{step['activities']:,} activities): all threads "
                f"{step['all_threads']:.2f} ms, one {step['one_thread']:.2f} ms",
                flush=True,
            )
    write_cpu_report(
        RESULTS, "busy_machine.py", repeats=REPEATS, cores=n_cores, loads=loads
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
