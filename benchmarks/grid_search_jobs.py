"""GridSearchCV wall time with n_jobs=1, n_jobs=2 and a two-worker Dask cluster.

Run ``python benchmarks/grid_search_jobs.py`` (``--rows N``, default 10,000
MNIST training images, or digits where MNIST is absent). The same grid of four
candidates, 3-fold, is searched each way on this machine; joblib gives each of
its worker processes ``cpu_count // n_jobs`` torch threads and Dask's workers
one each, so parallel searches should not be slower than serial ones. Writes
``benchmarks/results/grid_search_jobs.json``.
"""

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
from _machine import machine_info
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist

RESULTS = Path(__file__).parent / "results"


def search(n_jobs):
    grid = {"symba_alpha": [4.0, 8.0], "hidden_layer_sizes": [(256,), (256, 256)]}
    model = ForwardForwardClassifier(max_iter=3, random_state=0)
    return GridSearchCV(model, grid, cv=3, n_jobs=n_jobs)


def timed(label, run, X, y):
    started = time.perf_counter()
    fitted = run(X, y)
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s, best {fitted.best_params_}", flush=True)
    return dict(seconds=seconds, best_params=repr(fitted.best_params_))


def on_dask(X, y):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        return search(-1).fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    args = parser.parse_args()
    try:
        X, y = load_mnist(args.data_home, return_X_y=True)
        data = f"MNIST, first {args.rows} training images"
    except FileNotFoundError:
        X, y = load_digits(return_X_y=True)
        X = X.astype(np.float32) / 16
        data = "digits"
    X, y = X[: args.rows], y[: args.rows]
    runs = {
        "n_jobs=1": timed("n_jobs=1", lambda X, y: search(1).fit(X, y), X, y),
        "n_jobs=2": timed("n_jobs=2", lambda X, y: search(2).fit(X, y), X, y),
    }
    try:
        runs["dask, 2 workers"] = timed("dask, 2 workers", on_dask, X, y)
    except ImportError:
        print("dask.distributed is not installed: pip install skff[dask]")
    report = dict(
        command="python benchmarks/grid_search_jobs.py"
        + ("" if args.rows == 10_000 else f" --rows {args.rows}"),
        data=data,
        grid="symba_alpha in (4, 8) x hidden_layer_sizes in ((256,), (256, 256)), "
        "3-fold, max_iter=3",
        machine=machine_info(),
        runs=runs,
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "grid_search_jobs.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {RESULTS / 'grid_search_jobs.json'}")


if __name__ == "__main__":
    main()
