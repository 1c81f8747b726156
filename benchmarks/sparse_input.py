"""Fit and predict on a large sparse matrix without densifying it.

Run ``python benchmarks/sparse_input.py``: it builds a random CSR matrix of
100,000 rows and 50,000 columns with 0.2% non-zeros (10 million entries; its
dense float32 form would take 20 GB), with labels that depend on a few hundred
of its columns, fits the defaults for ``--epochs`` epochs, predicts every row,
and records the process's peak memory (resident set size), the times, and the
training accuracy in ``benchmarks/results/sparse_input.json``.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from _machine import machine_info
from scipy import sparse

from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "sparse_input.json"


def peak_memory_mib():
    """The process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(n_rows, n_cols, density, n_classes, seed=0):
    """A random CSR matrix and labels from a sparse linear model of it."""
    rng = np.random.default_rng(seed)
    X = sparse.random(
        n_rows, n_cols, density=density, format="csr", dtype=np.float32, rng=rng
    )
    informative = rng.choice(n_cols, size=500, replace=False)
    coef = np.zeros((n_cols, n_classes), dtype=np.float32)
    coef[informative] = rng.normal(size=(len(informative), n_classes))
    y = np.asarray((X @ coef).argmax(axis=1)).ravel()
    return X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.002)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    X, y = make_data(args.rows, args.cols, args.density, args.classes)
    after_data = peak_memory_mib()
    print(
        f"{X.shape[0]} x {X.shape[1]} CSR, {X.nnz} entries; peak {after_data:.0f} MiB"
    )
    model = ForwardForwardClassifier(max_iter=args.epochs, random_state=0, verbose=1)
    started = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - started
    after_fit = peak_memory_mib()
    started = time.perf_counter()
    accuracy = float(np.mean(model.predict(X) == y))
    predict_seconds = time.perf_counter() - started
    result = {
        "command": " ".join(["python", "benchmarks/sparse_input.py", *sys.argv[1:]]),
        "machine": machine_info(),
        "rows": X.shape[0],
        "columns": X.shape[1],
        "entries": int(X.nnz),
        "dense_float32_gib": X.shape[0] * X.shape[1] * 4 / 2**30,
        "classes": args.classes,
        "epochs": args.epochs,
        "fit_seconds": fit_seconds,
        "seconds_per_epoch": fit_seconds / args.epochs,
        "predict_seconds": predict_seconds,
        "training_accuracy": accuracy,
        "majority_class_share": float(np.bincount(y).max() / len(y)),
        "peak_memory_mib_after_data": after_data,
        "peak_memory_mib": max(after_fit, peak_memory_mib()),
    }
    print(json.dumps(result, indent=2))
    args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
