"""The memory a fit takes beyond the data: skff against MLPClassifier.

Run ``python benchmarks/fit_memory.py`` (Linux). Each measurement is a fresh
Python process that builds one data set, resets the kernel's record of the
process's peak memory (``/proc/self/clear_refs``), fits one model for one
epoch and reports its peak resident memory over its memory before the fit:
what the fit added, the data already held. Both models get their defaults
(``max_iter=1``) on the same rows, already scaled, so no preprocessing is
counted:

- ``mnist``: MNIST's 60,000 training images as ``skff.datasets.load_mnist``
  gives them (float32, 188 MB; random data of that shape without MNIST);
- ``tabular_1m_x20``: ``make_classification`` with 1,000,000 rows of 20
  features and 3 classes, standardised, float64 as users hold it (160 MB);
- ``tabular_200k_x200``: 200,000 rows of 200 features, likewise (320 MB).

skff trains in float32 and reads float64 data as they are, rounding a block
of rows at a time (until commit 4eeaa0e it held a float32 copy of them, half
their size); it prepares the first layer's input once (each row scaled, with
the constant input the defaults append) where that copy takes at most 512
MiB. ``MLPClassifier`` trains on the float64 data as given.
Each setting is measured in ``--runs`` processes (default 3); the median is
kept. Writes ``benchmarks/results/fit_memory.json``.
"""

import argparse
import gc
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _data import training_rows
from _machine import write_cpu_report

RESULTS = Path(__file__).parent / "results" / "fit_memory.json"
DATA_HOME = Path(__file__).parents[2] / "shared" / "data"
SETS = ("mnist", "tabular_1m_x20", "tabular_200k_x200")
MODELS = ("skff", "mlp")
MB = 1e6


def data_set(name, data_home):
    """``(X, y)`` of the set ``name``."""
    if name == "mnist":
        X, y, _ = training_rows(data_home)
        return X, y
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    n_samples, n_features = {
        "tabular_1m_x20": (1_000_000, 20),
        "tabular_200k_x200": (200_000, 200),
    }[name]
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=min(n_features, 15),
        n_classes=3,
        random_state=0,
    )
    return StandardScaler(copy=False).fit_transform(X), y


def model(name):
    from sklearn.neural_network import MLPClassifier

    from skff import ForwardForwardClassifier

    if name == "skff":
        return ForwardForwardClassifier(max_iter=1, random_state=0)
    return MLPClassifier(max_iter=1, random_state=0)


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def measure_here(set_name, model_name, data_home):
    """In this process: one fit of ``model_name`` on ``set_name``."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = data_set(set_name, data_home)
    estimator = model(model_name)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # peak := current
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    return dict(
        data_mb=X.nbytes / MB,
        data_dtype=str(X.dtype),
        shape=list(X.shape),
        fit_extra_mb=(peak - before) * 1e3 / MB,
        fit_seconds=seconds,
    )


def measure_process(set_name, model_name, data_home):
    """:func:`measure_here` in a fresh Python process."""
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--one",
            set_name,
            model_name,
            "--data-home",
            str(data_home),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="processes per setting")
    parser.add_argument("--data-home", default=str(DATA_HOME))
    parser.add_argument(
        "--one", nargs=2, metavar=("SET", "MODEL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_here(*args.one, args.data_home)))
        return
    if not Path("/proc/self/clear_refs").exists():
        parser.error("this benchmark reads Linux's /proc to measure peak memory")
    sets = {}
    for set_name in SETS:
        processes = {m: [] for m in MODELS}
        for _ in range(args.runs):
            for model_name in MODELS:  # taking turns
                processes[model_name].append(
                    measure_process(set_name, model_name, args.data_home)
                )
        first = processes[MODELS[0]][0]
        summary = dict(
            shape=first["shape"], data_mb=first["data_mb"], dtype=first["data_dtype"]
        )
        for model_name, runs in processes.items():
            summary[model_name] = dict(
                fit_extra_mb=float(np.median([r["fit_extra_mb"] for r in runs])),
                fit_seconds=float(np.median([r["fit_seconds"] for r in runs])),
                runs=runs,
            )
        sets[set_name] = summary
        print(
            f"{set_name}: {summary['shape']} {summary['dtype']}, data "
            f"{summary['data_mb']:.0f} MB; a one-epoch fit adds "
            + ", ".join(
                f"{m} {summary[m]['fit_extra_mb']:.0f} MB "
                f"({summary[m]['fit_seconds']:.1f} s)"
                for m in MODELS
            ),
            flush=True,
        )
    write_cpu_report(RESULTS, "fit_memory.py", runs=args.runs, sets=sets)


if __name__ == "__main__":
    main()
