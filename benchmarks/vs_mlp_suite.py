"""skff's defaults against MLPClassifier's on small and tabular data sets.

Run ``python benchmarks/vs_mlp_suite.py`` for the whole suite, or
``--quick`` for the sets of at most 2,000 rows. Both models run with their
defaults behind a ``StandardScaler``:
``make_pipeline(StandardScaler(), ForwardForwardClassifier())`` against
``make_pipeline(StandardScaler(), MLPClassifier())``, scored by 5-fold
stratified cross-validation (shuffled, ``random_state=0``; each model's own
``random_state`` is 0 as well), repeated ten times with further shuffles on
sets of fewer than 1,000 rows, whose 5-fold test rows are too few to tell two
models apart (200 rows: one row of a fold is 2.5 points). The first repeat is
the plain 5-fold CV; its accuracies and gaps are kept too
(``first_repeat_*``). With repeats, each set also records the standard error
of its gap (``gap_standard_error_points``): each repeat's folds test every
row once, so the repeats' gaps are the independent measurements.

The sets: every classification set that ships with scikit-learn (iris, wine,
breast_cancer, digits), and ``make_classification`` with fixed seeds for
every ``n_samples`` in {200, 2,000, 20,000}, ``n_features`` in {4, 20, 200}
and ``n_classes`` in {2, 10, 50}. Every feature is informative (none
redundant); two clusters per class where ``make_classification`` allows it,
else one. It cannot place 50 classes in 4 informative dimensions
(``n_classes`` may be at most ``2 ** n_informative``): those sets are
listed as skipped, with the reason.

For each set, the mean CV accuracy and mean fit time of both models, the
accuracy gap (skff minus MLP, in points) and the fit-time ratio (skff over
MLP). The summary gives the geometric mean of the ratio and the sets where
skff is more than one point behind. Before any clock starts, each model is
fitted once on a small set: the first fit of a process pays one-time costs
(imports) that belong to no data set; they are recorded as
``warmup_seconds``.

``--param NAME=VALUE`` (repeatable) changes a ForwardForwardClassifier
parameter, to compare a variant; its results go to ``--output``.
Writes ``benchmarks/results/vs_mlp_suite.json`` and, with matplotlib,
``vs_mlp_suite.png``: a heat map of the accuracy gap and one of the fit-time
ratio, one row per set.
"""

import argparse
import ast
import json
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import machine_info
from _plotting import agg_pyplot
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results"
N_SAMPLES = (200, 2_000, 20_000)
N_FEATURES = (4, 20, 200)
N_CLASSES = (2, 10, 50)
QUICK_MAX_ROWS = 2_000
N_FOLDS = 5
# Below this many rows the cross-validation runs N_REPEATS times with other
# shuffles: a 200-row set's folds test 40 rows each, where one row is 2.5
# points, and two models at chance differ by that much from the shuffle alone.
# One repeat's gap on 200 rows varies by up to about 2 points from shuffle to
# shuffle (standard deviation), so three repeats leave the noisiest sets a
# standard error above the 1-point tolerance; ten bring it under 0.7.
REPEATED_BELOW_ROWS = 1_000
N_REPEATS = 10
PROTOCOL = f"5-fold CV ({N_REPEATS} times under {REPEATED_BELOW_ROWS:,} rows)"
# skff is "within" MLPClassifier on a set when at most this far behind.
TOLERANCE_POINTS = 1.0
SKLEARN_SETS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}


def synthetic_name(n_samples, n_features, n_classes):
    return f"synthetic_{n_samples}x{n_features}_{n_classes}cls"


def data_sets(max_rows=None):
    """Yield ``(name, X, y, description)``, or ``(name, None, None, reason)``
    for a set that cannot be made."""
    for name, load in SKLEARN_SETS.items():
        X, y = load(return_X_y=True)
        yield name, X, y, f"scikit-learn's {name}"
    for seed, (n_samples, n_features, n_classes) in enumerate(
        (s, f, k) for s in N_SAMPLES for f in N_FEATURES for k in N_CLASSES
    ):
        if max_rows is not None and n_samples > max_rows:
            continue
        name = synthetic_name(n_samples, n_features, n_classes)
        if n_classes > 2**n_features:
            yield (
                name,
                None,
                None,
                (
                    f"make_classification cannot place {n_classes} classes in "
                    f"{n_features} informative dimensions"
                ),
            )
            continue
        clusters = 2 if 2 * n_classes <= 2**n_features else 1
        X, y = make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_features,
            n_redundant=0,
            n_classes=n_classes,
            n_clusters_per_class=clusters,
            random_state=seed,
        )
        description = (
            f"make_classification({n_samples} rows, {n_features} informative "
            f"features, {n_classes} classes, {clusters} clusters per class, "
            f"random_state={seed})"
        )
        yield name, X, y, description


def models(skff_params):
    return {
        "skff": make_pipeline(
            StandardScaler(), ForwardForwardClassifier(random_state=0, **skff_params)
        ),
        "mlp": make_pipeline(StandardScaler(), MLPClassifier(random_state=0)),
    }


def warm_up(skff_params):
    """Fit each model once on a small set, so no data set pays a process's
    one-time costs; returns the seconds each took."""
    X, y = load_iris(return_X_y=True)
    seconds = {}
    for name, model in models(skff_params).items():
        started = time.perf_counter()
        model.fit(X, y)
        seconds[name] = time.perf_counter() - started
    return seconds


def shape_of(X, y):
    """Rows, features and classes of a set, and the accuracy of always
    predicting its most frequent class."""
    _, counts = np.unique(y, return_counts=True)
    return dict(
        n_samples=int(X.shape[0]),
        n_features=int(X.shape[1]),
        n_classes=int(counts.size),
        majority_class_accuracy=float(counts.max() / counts.sum()),
    )


def folds_for(n_rows):
    """Stratified 5-fold CV shuffled with ``random_state=0``, repeated
    :data:`N_REPEATS` times under :data:`REPEATED_BELOW_ROWS` rows (its first
    repeat is ``StratifiedKFold(5, shuffle=True, random_state=0)``)."""
    repeats = N_REPEATS if n_rows < REPEATED_BELOW_ROWS else 1
    return RepeatedStratifiedKFold(n_splits=N_FOLDS, n_repeats=repeats, random_state=0)


def evaluate(X, y, skff_params):
    """Cross-validated accuracy and fit time of both models on one set, by
    :func:`folds_for`; with repeats, also the first repeat's accuracy (one
    5-fold CV). The two models take turns fold by fold, so that a change in
    the machine's load during a set weighs on both fit times alike."""
    folds = cross_validate_in_turns(models(skff_params), X, y)
    result = with_gap_and_ratio(
        {
            name: dict(
                fold_accuracy=fold["accuracy"],
                accuracy=float(np.mean(fold["accuracy"])),
                first_repeat_accuracy=float(np.mean(fold["accuracy"][:N_FOLDS])),
                fold_fit_seconds=fold["fit_seconds"],
                fit_seconds=float(np.mean(fold["fit_seconds"])),
            )
            for name, fold in folds.items()
        }
    )
    result["first_repeat_gap_points"] = 100 * (
        result["skff"]["first_repeat_accuracy"] - result["mlp"]["first_repeat_accuracy"]
    )
    repeat_gaps = repeat_gap_points(folds)
    if len(repeat_gaps) > 1:
        result["gap_standard_error_points"] = float(
            np.std(repeat_gaps, ddof=1) / math.sqrt(len(repeat_gaps))
        )
    return result


def with_gap_and_ratio(result):
    """``result`` (each model's by name) with the accuracy gap (skff minus
    MLP, in points) and the fit-time ratio (skff over MLP)."""
    skff, mlp = result["skff"], result["mlp"]
    return dict(
        result,
        gap_points=100 * (skff["accuracy"] - mlp["accuracy"]),
        fit_time_ratio=skff["fit_seconds"] / mlp["fit_seconds"],
    )


def cross_validate_in_turns(built, X, y):
    """Each fold's test accuracy, fit seconds and epochs run (``n_iter_``) of
    every model of ``built`` (pipelines by name), by :func:`folds_for`, the
    models taking turns fold by fold."""
    folds = {name: dict(accuracy=[], fit_seconds=[], n_iter=[]) for name in built}
    for train, test in folds_for(len(y)).split(X, y):
        for name, model in built.items():
            fitted = clone(model)
            started = time.perf_counter()
            fitted.fit(X[train], y[train])
            folds[name]["fit_seconds"].append(time.perf_counter() - started)
            folds[name]["accuracy"].append(float(fitted.score(X[test], y[test])))
            folds[name]["n_iter"].append(int(fitted[-1].n_iter_))
    return folds


def repeat_gap_points(folds):
    """Each repeat's gap (skff minus MLP, in points): the mean over its folds,
    which together test every row once."""
    accuracy = {
        name: np.reshape(fold["accuracy"], (-1, N_FOLDS))
        for name, fold in folds.items()
    }
    return 100 * (accuracy["skff"] - accuracy["mlp"]).mean(axis=1)


def _behind(evaluated, gap):
    """The sets more than the tolerance behind by their ``gap``, with it."""
    # Rounded first: a mean over folds 1.0 point behind can come out as
    # -1.0000000000000009.
    return {
        name: round(s[gap], 2)
        for name, s in evaluated.items()
        if round(s[gap], 6) < -TOLERANCE_POINTS
    }


def summarise(sets):
    evaluated = {name: s for name, s in sets.items() if "skff" in s}
    ratios = [s["fit_time_ratio"] for s in evaluated.values()]
    behind = _behind(evaluated, "gap_points")
    behind_first_repeat = _behind(evaluated, "first_repeat_gap_points")
    return dict(
        n_sets=len(evaluated),
        n_skipped=len(sets) - len(evaluated),
        geometric_mean_fit_time_ratio=math.exp(np.mean(np.log(ratios))),
        mean_gap_points=float(np.mean([s["gap_points"] for s in evaluated.values()])),
        n_within_tolerance=len(evaluated) - len(behind),
        behind_by_more_than_tolerance=behind,
        behind_by_more_than_tolerance_in_first_repeat=behind_first_repeat,
        tolerance_points=TOLERANCE_POINTS,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"only the sets of at most {QUICK_MAX_ROWS} rows",
    )
    parser.add_argument("--sets", nargs="+", help="only these sets, by name")
    add_variant_arguments(parser, "vs_mlp_suite.json")
    args = parser.parse_args()
    skff_params, output = variant_and_output(parser, args, "vs_mlp_suite.json")

    warnings.simplefilter("ignore", ConvergenceWarning)
    # A 50-class set of 200 rows has 4 rows per class, fewer than the folds.
    warnings.filterwarnings("ignore", message="The least populated class")
    report = new_report("vs_mlp_suite.py", skff_params, protocol=PROTOCOL)
    print(
        f"{'set':<30} {'skff':>6} {'mlp':>6} {'gap':>6} {'skff s':>7} "
        f"{'mlp s':>7} {'ratio':>6}"
    )
    max_rows = QUICK_MAX_ROWS if args.quick else None
    for name, X, y, description in data_sets(max_rows):
        if args.sets and name not in args.sets:
            continue
        if X is None:
            report["sets"][name] = dict(skipped=description)
            print(f"{name:<30} skipped: {description}", flush=True)
            continue
        result = evaluate(X, y, skff_params)
        report["sets"][name] = dict(description=description, **shape_of(X, y), **result)
        print(
            f"{name:<30} {result['skff']['accuracy']:6.3f} "
            f"{result['mlp']['accuracy']:6.3f} {result['gap_points']:+6.1f} "
            f"{result['skff']['fit_seconds']:7.2f} {result['mlp']['fit_seconds']:7.2f} "
            f"{result['fit_time_ratio']:6.2f}",
            flush=True,
        )
    write_report(report, output)


def new_report(script, skff_params, **about):
    """A report with no sets yet: the command, the machine, ``about`` and the
    warm-up's seconds (printed: the command and the machine)."""
    report = dict(
        command=f"python benchmarks/{script} " + " ".join(sys.argv[1:]),
        machine=machine_info(),
        **about,
        skff_params={key: repr(value) for key, value in skff_params.items()},
        warmup_seconds=warm_up(skff_params),
        sets={},
    )
    print(f"{report['command']}\non {report['machine']['cpu']}", flush=True)
    return report


def add_variant_arguments(parser, default_output):
    """``--param NAME=VALUE`` (repeatable) and ``--output``."""
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ForwardForwardClassifier parameter (a Python literal)",
    )
    parser.add_argument("--output", help=f"default: results/{default_output}")


def variant_and_output(parser, args, default_output):
    """The skff parameters ``--param`` changes, and the file to write; a
    variant must name its own file, so that the defaults' stays as it is."""
    skff_params = {
        key: ast.literal_eval(value)
        for key, value in (item.split("=", 1) for item in args.param)
    }
    if skff_params and not args.output:
        parser.error("--param needs --output: the defaults' results stay as they are")
    return skff_params, Path(args.output) if args.output else RESULTS / default_output


def write_report(report, output):
    """Summarise the sets, write the JSON and its heat maps, print the summary."""
    report["summary"] = summarise(report["sets"])
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    summary = report["summary"]
    print(
        f"{summary['n_within_tolerance']} of {summary['n_sets']} sets within "
        f"{TOLERANCE_POINTS:g} point of MLPClassifier or better; mean gap "
        f"{summary['mean_gap_points']:+.2f} points; fit time "
        f"{summary['geometric_mean_fit_time_ratio']:.2f}x MLPClassifier's "
        f"(geometric mean). Wrote {output}"
    )
    plot(report, output.with_suffix(".png"))


def plot(report, path):
    """Heat maps of the accuracy gap and the fit-time ratio, one row per set."""
    plt = agg_pyplot()
    if plt is None:
        return
    evaluated = {name: s for name, s in report["sets"].items() if "skff" in s}
    names = list(evaluated)
    gaps = np.array([[evaluated[name]["gap_points"]] for name in names])
    ratios = np.array([[evaluated[name]["fit_time_ratio"]] for name in names])
    figure, (gap_axes, ratio_axes) = plt.subplots(
        1, 2, figsize=(8, 0.32 * len(names) + 1.6), sharey=True
    )
    limit = max(5.0, float(np.abs(gaps).max()))
    panels = [
        (
            gap_axes,
            gaps,
            "accuracy gap\n(skff - MLP, points)",
            "RdBu",
            -limit,
            limit,
            "{:+.1f}",
            gaps,
        ),
        (
            ratio_axes,
            np.log2(ratios),
            "fit time ratio\n(skff / MLP)",
            "RdBu_r",
            -4,
            4,
            "{:.2f}x",
            ratios,
        ),
    ]
    for axes, values, title, colours, low, high, label, shown in panels:
        axes.imshow(values, cmap=colours, vmin=low, vmax=high, aspect="auto")
        for row, value in enumerate(shown[:, 0]):
            axes.text(0, row, label.format(value), ha="center", va="center", fontsize=8)
        axes.set_xticks([])
        axes.set_title(title, fontsize=9)
    gap_axes.set_yticks(range(len(names)), names, fontsize=8)
    summary = report["summary"]
    figure.suptitle(
        "ForwardForwardClassifier() vs MLPClassifier(), "
        f"{report.get('protocol', '5-fold CV')}, both after "
        f"StandardScaler\n{summary['n_within_tolerance']} of {summary['n_sets']} "
        f"sets within {TOLERANCE_POINTS:g} point; fit time "
        f"{summary['geometric_mean_fit_time_ratio']:.2f}x (geometric mean); "
        f"{report['command']}",
        fontsize=8,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
