"""Accuracy and fit time of skff and MLPClassifier at the same number of epochs.

Both models' defaults differ most in how long they train: ``ForwardForwardClassifier``
runs 30 epochs (``max_iter=30``), ``MLPClassifier`` up to 200, stopping early
when its training loss stops improving. This script gives both the same
``max_iter`` in turn (10, 30, 60, 100, 200 by default), all else at their
defaults after a ``StandardScaler``, on sets of ``vs_mlp_suite.py`` (by
default the one where skff's defaults are furthest behind, 20,000 rows of 4
features and 10 classes, and its 2,000-row sibling), with that script's
cross-validation (``folds_for``). It separates what the number of epochs does
from what the models do with them.

For every set and budget: each model's mean CV accuracy, mean fit time and
mean number of epochs run (``n_iter_``: either model ends a fit before
``max_iter`` when its training loss stops improving). Writes
``benchmarks/results/epoch_budget.json`` and, with matplotlib,
``epoch_budget.png``: accuracy against epochs and against fit time, one row
of plots per set.
"""

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
from _machine import machine_info
from _plotting import agg_pyplot
from sklearn.exceptions import ConvergenceWarning
from vs_mlp_suite import (
    RESULTS,
    cross_validate_in_turns,
    data_sets,
    models,
    shape_of,
    warm_up,
    with_gap_and_ratio,
)

DEFAULT_SETS = ("synthetic_20000x4_10cls", "synthetic_2000x4_10cls")
DEFAULT_EPOCHS = (10, 30, 60, 100, 200)
MAX_ITER = {
    "skff": "forwardforwardclassifier__max_iter",
    "mlp": "mlpclassifier__max_iter",
}


def evaluate_budget(X, y, epochs):
    """Both models' CV accuracy, fit seconds and epochs run at ``max_iter=epochs``."""
    built = models({})
    for name, model in built.items():
        model.set_params(**{MAX_ITER[name]: epochs})
    runs = cross_validate_in_turns(built, X, y)
    return with_gap_and_ratio(
        {
            name: dict(
                fold_accuracy=run["accuracy"],
                accuracy=float(np.mean(run["accuracy"])),
                fit_seconds=float(np.mean(run["fit_seconds"])),
                epochs_run=float(np.mean(run["n_iter"])),
            )
            for name, run in runs.items()
        }
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS))
    parser.add_argument("--epochs", nargs="+", type=int, default=list(DEFAULT_EPOCHS))
    parser.add_argument("--output", type=Path, default=RESULTS / "epoch_budget.json")
    args = parser.parse_args()

    warnings.simplefilter("ignore", ConvergenceWarning)
    report = dict(
        command="python benchmarks/epoch_budget.py " + " ".join(sys.argv[1:]),
        machine=machine_info(),
        sets={},
    )
    print(f"{report['command']}\non {report['machine']['cpu']}", flush=True)
    warm_up({})
    print(
        f"{'set':<26} {'epochs':>6} {'skff':>6} {'mlp':>6} {'skff s':>7} {'mlp s':>7}"
    )
    for name, X, y, description in data_sets():
        if name not in args.sets or X is None:
            continue
        budgets = {}
        for epochs in args.epochs:
            budgets[str(epochs)] = result = evaluate_budget(X, y, epochs)
            skff, mlp = result["skff"], result["mlp"]
            print(
                f"{name:<26} {epochs:>6} {skff['accuracy']:6.3f} "
                f"{mlp['accuracy']:6.3f} {skff['fit_seconds']:7.2f} "
                f"{mlp['fit_seconds']:7.2f}",
                flush=True,
            )
        report["sets"][name] = dict(
            description=description, **shape_of(X, y), budgets=budgets
        )
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(f"Wrote {args.output}")
    plot(report, args.output.with_suffix(".png"))


def plot(report, path):
    """Accuracy against epochs and against fit time, one row per set."""
    plt = agg_pyplot()
    if plt is None:
        return
    sets = report["sets"]
    fig, axes = plt.subplots(len(sets), 2, figsize=(9, 3.2 * len(sets)), squeeze=False)
    for (by_epochs, by_time), (name, entry) in zip(axes, sets.items()):
        budgets = entry["budgets"]
        epochs = [int(e) for e in budgets]
        for model, label in (
            ("skff", "ForwardForwardClassifier"),
            ("mlp", "MLPClassifier"),
        ):
            accuracy = [b[model]["accuracy"] for b in budgets.values()]
            seconds = [b[model]["fit_seconds"] for b in budgets.values()]
            by_epochs.plot(epochs, accuracy, marker="o", label=label)
            by_time.plot(seconds, accuracy, marker="o", label=label)
        by_epochs.set(title=name, xlabel="max_iter (epochs)", ylabel="CV accuracy")
        by_time.set(title=name, xlabel="mean fit time (s)", xscale="log")
        by_epochs.legend()
    fig.suptitle(f"{report['command']}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
