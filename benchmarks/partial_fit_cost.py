"""The cost of one ``partial_fit`` call: skff against MLPClassifier.

Run ``python benchmarks/partial_fit_cost.py``. A stream arrives in chunks of
``CHUNK_ROWS`` rows of ``make_classification`` data (64 features, 10 classes,
after a ``StandardScaler``), and each model takes one ``partial_fit`` call per
chunk: skff with its defaults (its batch size splits a chunk into at least 5
steps when it is small), skff in batches of 200 rows (one step for a chunk of
up to 200), and ``MLPClassifier`` with its defaults (batches of 200).

After a first call (which builds the network, untimed), each model is timed
over ``N_CHUNKS`` calls, ``REPEATS`` times, and the fastest mean per call kept
(the machine's noise only ever adds time). A call's cost is its validation,
its training steps, and what it fits after them; the number of steps is
reported beside it. Writes ``benchmarks/results/partial_fit_cost.json``.
"""

import time
import warnings
from pathlib import Path

import numpy as np
from _cost_models import MLP_BATCH_ROWS, add_ratios_to_mlp, steps
from _machine import write_cpu_report
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "partial_fit_cost.json"
CHUNK_ROWS = (32, 128, 1_000)
N_CHUNKS = 8
REPEATS = 10
N_FEATURES, N_CLASSES = 64, 10

MODELS = {
    "skff": lambda: ForwardForwardClassifier(random_state=0),
    "skff_batch_200": lambda: ForwardForwardClassifier(
        batch_size=MLP_BATCH_ROWS, random_state=0
    ),
    "mlp": lambda: MLPClassifier(random_state=0),
}


def seconds_per_call(make, chunks, classes):
    """The fastest over ``REPEATS`` rounds of the mean time of one call."""
    model = make()
    model.partial_fit(*chunks[0], classes=classes)
    best = np.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        for X, y in chunks:
            model.partial_fit(X, y)
        best = min(best, (time.perf_counter() - started) / len(chunks))
    return best


def main():
    n_rows = max(CHUNK_ROWS) * N_CHUNKS
    X, y = make_classification(
        n_samples=n_rows,
        n_features=N_FEATURES,
        n_informative=N_FEATURES // 2,
        n_classes=N_CLASSES,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X).astype(np.float32)
    classes = np.unique(y)
    sizes = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for rows in CHUNK_ROWS:
            chunks = [
                (X[i : i + rows], y[i : i + rows])
                for i in range(0, rows * N_CHUNKS, rows)
            ]
            entry = {"chunk_rows": rows}
            for name, make in MODELS.items():
                seconds = seconds_per_call(make, chunks, classes)
                entry[name] = {
                    "call_seconds": seconds,
                    "steps_per_call": steps(name, rows),
                }
            add_ratios_to_mlp(entry, "call")
            sizes[str(rows)] = entry
            print(
                f"chunks of {rows:>5} rows: "
                + ", ".join(
                    f"{name} {1e3 * entry[name]['call_seconds']:.2f} ms "
                    f"({entry[name]['steps_per_call']} steps)"
                    for name in MODELS
                ),
                flush=True,
            )
    write_cpu_report(
        RESULTS,
        "partial_fit_cost.py",
        n_features=N_FEATURES,
        n_classes=N_CLASSES,
        n_chunks=N_CHUNKS,
        repeats=REPEATS,
        sizes=sizes,
    )


if __name__ == "__main__":
    main()
