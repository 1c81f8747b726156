"""Time to accuracy on MNIST: skff against MLPClassifier(500, 500), in one run.

Run ``python benchmarks/vs_mlp.py`` (``--epochs N``, default 20), or name
some models: ``python benchmarks/vs_mlp.py fast mlp --seed 1``. Each model
trains one epoch at a time, through ``partial_fit`` at a constant rate, except
those named after ``fit(max_iter=N)``: they train their own N epochs with the
rate that call would use in each (linear decay over the second half). After
each epoch the test accuracy on the 10,000 test images is measured (outside
the training clock).

Models (short names in brackets):

- ``defaults``: ``ForwardForwardClassifier()`` through ``partial_fit``.
- ``unaveraged``: the defaults predicting with their last weights
  (``averaging_epochs=0``), as they did before weight averaging, through
  ``partial_fit``.
- ``fit8``: the defaults trained as ``fit(max_iter=8)``.
- ``fast``: the fastest configuration found for this race, one layer of 1000
  units, layers at rate 0.02, the readout at 0.003, trained as
  ``fit(max_iter=3)``.
- ``defaults500x500``: the defaults on 784-500-500 at a rate of 0.003, their
  network and rate until one layer of 1000 at 0.005 replaced them, through
  ``partial_fit``.
- ``batch1024``: the defaults in batches of 1024, through ``partial_fit``.
- ``mlp``: ``MLPClassifier(hidden_layer_sizes=(500, 500))``.

Before any clock starts, every model is fitted once on 500 rows: the first
fit in a process pays one-time costs (imports, thread pools) that belong to no
model. They are measured and written to the JSON as ``warmup_seconds``.

``--seed`` sets every ``random_state`` and the order of the ``partial_fit``
epochs. Writes ``benchmarks/results/vs_mlp.json`` (``vs_mlp_seedN.json`` for
another seed) and, when matplotlib is installed, the ``.png`` beside it (test
error against training seconds).
"""

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import machine_info
from _plotting import agg_pyplot
from mnist_accuracy import TWO_LAYERS, train_forward_forward
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist
from skff.recipes import fast_mnist

RESULTS = Path(__file__).parent / "results"
TARGETS = (0.975, 0.98)


# Epochs of the skff runs trained as fit(max_iter=N) would train them.
SCHEDULED_EPOCHS = 8
FAST_EPOCHS = 3


def models(seed=0):
    """Each model by short name: its display name, the model, and the epochs of
    ``fit(max_iter=N)`` it is trained as, or ``None`` for ``partial_fit`` at a
    constant rate."""
    return {
        "defaults": (
            "skff defaults (784-1000)",
            ForwardForwardClassifier(random_state=seed),
            None,
        ),
        "unaveraged": (
            "skff defaults, averaging_epochs=0",
            ForwardForwardClassifier(averaging_epochs=0.0, random_state=seed),
            None,
        ),
        "fit8": (
            f"skff defaults, fit(max_iter={SCHEDULED_EPOCHS})",
            ForwardForwardClassifier(max_iter=SCHEDULED_EPOCHS, random_state=seed),
            SCHEDULED_EPOCHS,
        ),
        "fast": (
            f"skff fast (784-1000), fit(max_iter={FAST_EPOCHS})",
            fast_mnist(max_iter=FAST_EPOCHS, random_state=seed),
            FAST_EPOCHS,
        ),
        "defaults500x500": (
            "skff defaults on 784-500-500",
            ForwardForwardClassifier(**TWO_LAYERS, random_state=seed),
            None,
        ),
        "batch1024": (
            "skff batch 1024 (784-1000)",
            ForwardForwardClassifier(batch_size=1024, random_state=seed),
            None,
        ),
        "mlp": (
            "MLPClassifier(500, 500)",
            MLPClassifier(hidden_layer_sizes=(500, 500), random_state=seed),
            None,
        ),
    }


def warm_up(model, X, y):
    """Fit a copy of ``model`` on a few rows; return the seconds it took."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(model).set_params(max_iter=1).fit(X[:500], y[:500])
    return time.perf_counter() - started


def curve(name, model, data, epochs, scheduled_epochs=None, seed=0):
    X_train, y_train, X_test, y_test = data
    seconds, accuracies = [], []

    def log(epoch_seconds):
        seconds.append((seconds[-1] if seconds else 0.0) + epoch_seconds)
        accuracies.append(float(model.score(X_test, y_test)))
        print(
            f"{name}: {seconds[-1]:7.1f} s, test accuracy {accuracies[-1]:.4f}",
            flush=True,
        )

    if scheduled_epochs:
        train_forward_forward(model, scheduled_epochs, data, log)
    else:
        classes = np.unique(y_train)
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            # MLPClassifier.partial_fit does not shuffle; both see the same order.
            order = rng.permutation(len(X_train))
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.partial_fit(X_train[order], y_train[order], classes=classes)
            log(time.perf_counter() - started)
    elapsed = seconds[-1]
    started = time.perf_counter()
    model.predict(X_test)
    predict_seconds = time.perf_counter() - started
    first = {
        f"{target:.3f}": next(
            (s for s, a in zip(seconds, accuracies) if a >= target), None
        )
        for target in TARGETS
    }
    return dict(
        seconds=seconds,
        test_accuracy=accuracies,
        seconds_to_reach=first,
        fit_seconds=elapsed,
        predict_10k_seconds=predict_seconds,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choices = list(models())
    parser.add_argument("models", nargs="*", help=f"any of {choices} (all)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    args = parser.parse_args()
    names = args.models or choices
    unknown = set(names) - set(choices)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; known: {choices}")
    X_train, y_train = load_mnist(args.data_home, return_X_y=True)
    X_test, y_test = load_mnist(args.data_home, subset="test", return_X_y=True)
    data = (X_train, y_train, X_test, y_test)
    catalogue = models(args.seed)
    chosen = [catalogue[name] for name in names]
    warmup = {title: warm_up(model, X_train, y_train) for title, model, _ in chosen}
    runs = {}
    for title, model, scheduled_epochs in chosen:
        runs[title] = curve(
            title, model, data, args.epochs, scheduled_epochs, args.seed
        )
        runs[title]["peak_rss_mib_so_far"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
    report = dict(
        command="python benchmarks/vs_mlp.py " + " ".join(sys.argv[1:]),
        machine=machine_info(),
        seed=args.seed,
        note="Both models get float32 input; MLPClassifier then trains in float32.",
        warmup_seconds=warmup,
        runs=runs,
    )
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / (
        "vs_mlp.json" if args.seed == 0 else f"vs_mlp_seed{args.seed}.json"
    )
    output.write_text(json.dumps(report, indent=1))
    for name, run in runs.items():
        reach = ", ".join(
            f"{float(t):.1%}: {'-' if s is None else f'{s:.0f} s'}"
            for t, s in run["seconds_to_reach"].items()
        )
        print(
            f"{name}: best {max(run['test_accuracy']):.4f}; first reached {reach}; "
            f"fit {run['fit_seconds']:.0f} s; "
            f"predict 10k {run['predict_10k_seconds']:.2f} s"
        )
    _plot(report, output.with_suffix(".png"))


def _plot(report, path):
    plt = agg_pyplot()
    if plt is None:
        return
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, run in report["runs"].items():
        error = 100 * (1 - np.array(run["test_accuracy"]))
        axes.plot(run["seconds"], error, marker="o", label=name)
    for target in TARGETS:
        axes.axhline(100 * (1 - target), color="grey", linestyle="--", linewidth=1)
    axes.set_yscale("log")
    axes.set_xlabel("training seconds")
    axes.set_ylabel("MNIST test error (%)")
    axes.set_title(f"{report['command']}\n{report['machine']['cpu']}", fontsize=9)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
