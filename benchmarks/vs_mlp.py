"""Time to accuracy on MNIST: skff against MLPClassifier(500, 500), in one run.

Run ``python benchmarks/vs_mlp.py`` (``--epochs N``, default 20). Each model
trains one epoch at a time, through ``partial_fit`` at a constant rate, except
the one named after ``fit(max_iter=N)``: it trains its own N epochs with the
rate that call would use in each (linear decay over the second half). After
each epoch the test accuracy on the 10,000 test images is measured (outside
the training clock). Writes
``benchmarks/results/vs_mlp.json`` and, when matplotlib is installed,
``benchmarks/results/vs_mlp.png`` (test error against training seconds).
"""

import argparse
import json
import resource
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import machine_info
from _plotting import agg_pyplot
from mnist_accuracy import train_forward_forward
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist

RESULTS = Path(__file__).parent / "results"
TARGETS = (0.975, 0.98)


# Epochs of the skff run trained as fit(max_iter=SCHEDULED_EPOCHS) would train it.
SCHEDULED_EPOCHS = 8


def models():
    """Each model by name, with the epochs of ``fit(max_iter=N)`` it is trained
    as, or ``None`` for ``partial_fit`` at a constant rate."""
    return {
        "skff defaults (784-500-500)": (ForwardForwardClassifier(random_state=0), None),
        f"skff defaults, fit(max_iter={SCHEDULED_EPOCHS})": (
            ForwardForwardClassifier(max_iter=SCHEDULED_EPOCHS, random_state=0),
            SCHEDULED_EPOCHS,
        ),
        "skff batch 1024 (784-500-500)": (
            ForwardForwardClassifier(batch_size=1024, random_state=0),
            None,
        ),
        "MLPClassifier(500, 500)": (
            MLPClassifier(hidden_layer_sizes=(500, 500), random_state=0),
            None,
        ),
    }


def curve(name, model, data, epochs, scheduled_epochs=None):
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
        rng = np.random.default_rng(0)
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
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    args = parser.parse_args()
    X_train, y_train = load_mnist(args.data_home, return_X_y=True)
    X_test, y_test = load_mnist(args.data_home, subset="test", return_X_y=True)
    data = (X_train, y_train, X_test, y_test)
    runs = {}
    for name, (model, scheduled_epochs) in models().items():
        runs[name] = curve(name, model, data, args.epochs, scheduled_epochs)
        runs[name]["peak_rss_mib_so_far"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
    report = dict(
        command=f"python benchmarks/vs_mlp.py --epochs {args.epochs}",
        machine=machine_info(),
        note="Both models get float32 input; MLPClassifier then trains in float32.",
        runs=runs,
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "vs_mlp.json").write_text(json.dumps(report, indent=1))
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
    _plot(report)


def _plot(report):
    plt = agg_pyplot()
    if plt is None:
        return
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, run in report["runs"].items():
        error = 100 * (1 - np.array(run["test_accuracy"]))
        axes.plot(run["seconds"], error, marker="o", label=name)
    axes.set_yscale("log")
    axes.set_xlabel("training seconds")
    axes.set_ylabel("MNIST test error (%)")
    axes.set_title(f"{report['command']}\n{report['machine']['cpu']}", fontsize=9)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / "vs_mlp.png", dpi=120)
    print(f"wrote {RESULTS / 'vs_mlp.png'}")


if __name__ == "__main__":
    main()
