"""The cost of one ``predict_proba`` call on a few rows: skff against MLPClassifier.

Run ``python benchmarks/predict_latency.py``. Two widths of data: the digits'
64 features and MNIST's 784 (``make_classification``, 10 classes, after a
``StandardScaler``), each model with its defaults (skff's one layer of 1000,
``MLPClassifier``'s 100), fitted briefly (the cost of a prediction does not
depend on the weights). Each model answers calls of 1, 10, 100 and 1,000 rows.

skff scores rows on the CPU in blocks of a fixed height, so that a row gets
the same bits whatever batch it arrives in; fewer rows than a block go in a
shorter block where the machine's products give them the same bits there
(``skff._backend.scoring.short_block``). The ``skff_full_blocks`` column
scores them in full blocks, as skff did before, in the same run.

After a first call (untimed), each call is timed ``N_CALLS`` times, and the
fastest mean over ``REPEATS`` rounds is kept (the machine's noise only ever
adds time). Writes ``benchmarks/results/predict_latency.json``.
"""

import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from _machine import write_cpu_report
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier
from skff._backend import scoring

RESULTS = Path(__file__).parent / "results" / "predict_latency.json"
N_FEATURES = {"digits": 64, "MNIST": 784}
CALL_ROWS = (1, 10, 100, 1_000)
N_TRAIN = 2_000
N_CALLS = 20
REPEATS = 5


@contextmanager
def full_blocks():
    """Score every call in full blocks, as skff did before short ones."""
    short = scoring.SHORT_BLOCKS
    scoring.SHORT_BLOCKS = ()
    try:
        yield
    finally:
        scoring.SHORT_BLOCKS = short


def seconds_per_call(model, X):
    model.predict_proba(X)
    best = np.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(N_CALLS):
            model.predict_proba(X)
        best = min(best, (time.perf_counter() - started) / N_CALLS)
    return best


def main():
    widths = {}
    for name, n_features in N_FEATURES.items():
        X, y = make_classification(
            n_samples=N_TRAIN + max(CALL_ROWS),
            n_features=n_features,
            n_informative=min(n_features, 32),
            n_classes=10,
            random_state=0,
        )
        X = StandardScaler().fit_transform(X).astype(np.float32)
        X_train, y_train, X_calls = X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            skff = ForwardForwardClassifier(max_iter=1, random_state=0)
            skff.fit(X_train, y_train)
            mlp = MLPClassifier(max_iter=5, random_state=0).fit(X_train, y_train)
        calls = {}
        for rows in CALL_ROWS:
            X_call = X_calls[:rows]
            entry = {"skff": seconds_per_call(skff, X_call)}
            with full_blocks():
                entry["skff_full_blocks"] = seconds_per_call(skff, X_call)
            entry["mlp"] = seconds_per_call(mlp, X_call)
            entry["ratio_to_mlp"] = entry["skff"] / entry["mlp"]
            calls[str(rows)] = entry
            print(
                f"{name} ({n_features} features), {rows:>5} rows: "
                + ", ".join(
                    f"{model} {1e3 * seconds:.3f} ms"
                    for model, seconds in entry.items()
                    if model != "ratio_to_mlp"
                ),
                flush=True,
            )
        widths[name] = {"n_features": n_features, "calls": calls}
    write_cpu_report(
        RESULTS,
        "predict_latency.py",
        short_blocks=list(scoring.SHORT_BLOCKS),
        full_block=scoring.CPU_SCORING_BLOCK,
        n_calls=N_CALLS,
        repeats=REPEATS,
        widths=widths,
    )


if __name__ == "__main__":
    main()
