"""The cost of one epoch at equal architecture: skff against MLPClassifier.

Run ``python benchmarks/epoch_cost.py`` (``--quick`` for the sets of at most
15,000 rows). Both models get one hidden layer of 100 units
(``hidden_layer_sizes=(100,)``, ``MLPClassifier``'s default) and train a
fixed number of epochs on the same ``make_classification`` data, after a
``StandardScaler``: ``MLPClassifier`` with its defaults otherwise (Adam,
batches of 200 rows) and its stopping rule switched off, so that it runs every
epoch; skff with its defaults otherwise (its own batch size) and once more in
batches of 200 rows, MLPClassifier's, which separates the cost of a step from
the choice of batch.

An epoch's cost is the marginal one: the fit time of ``LONG`` epochs minus that
of ``SHORT`` epochs, divided by their difference, so the fixed costs of a fit
(validation, building the network) cancel; each fit is timed ``REPEATS`` times
and the fastest kept (the machine's noise only ever adds time). The fixed cost
is reported beside it, and the whole fit of ``LONG`` epochs as well, and the
cost of one step (an epoch over its number of batches).

Rows in {150, 1,500, 15,000, 150,000} and features in {4, 20, 200}, 3
classes; writes ``benchmarks/results/epoch_cost.json``.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _cost_models import MLP_BATCH_ROWS, add_ratios_to_mlp, steps
from _machine import machine_info
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "epoch_cost.json"
ROWS = (150, 1_500, 15_000, 150_000)
QUICK_MAX_ROWS = 15_000
FEATURES = (4, 20, 200)
N_CLASSES = 3
HIDDEN = (100,)
SHORT, LONG = 2, 8
REPEATS = 5


def models():
    """The models compared, each a function of the number of epochs."""
    return {
        "mlp": lambda epochs: MLPClassifier(
            HIDDEN, max_iter=epochs, n_iter_no_change=epochs + 1, random_state=0
        ),
        "skff": lambda epochs: ForwardForwardClassifier(
            HIDDEN, max_iter=epochs, random_state=0
        ),
        "skff_batch_200": lambda epochs: ForwardForwardClassifier(
            HIDDEN, max_iter=epochs, batch_size=MLP_BATCH_ROWS, random_state=0
        ),
    }


def fastest_fit(make, epochs, X, y):
    """The fastest of ``REPEATS`` fits of ``epochs`` epochs, in seconds."""
    times = []
    for _ in range(REPEATS):
        model = make(epochs)
        started = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - started)
        assert model.n_iter_ == epochs, (type(model).__name__, model.n_iter_)
    return min(times)


def measure(X, y):
    """Each model's marginal epoch, fixed cost and whole fit, in seconds."""
    result = {}
    for name, make in models().items():
        short = fastest_fit(make, SHORT, X, y)
        long = fastest_fit(make, LONG, X, y)
        epoch = (long - short) / (LONG - SHORT)
        n_steps = steps(name, len(X))
        result[name] = dict(
            epoch_seconds=epoch,
            steps_per_epoch=n_steps,
            step_seconds=epoch / n_steps,
            fixed_seconds=short - SHORT * epoch,
            fit_seconds=long,
        )
    add_ratios_to_mlp(result, "epoch")
    return result


def warm_up():
    """Pay a process's one-time costs (imports, thread pools) before any clock."""
    X, y = make_classification(200, 4, n_informative=4, n_redundant=0, random_state=0)
    for make in models().values():
        make(2).fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"at most {QUICK_MAX_ROWS} rows"
    )
    parser.add_argument("--output", help="default: results/epoch_cost.json")
    args = parser.parse_args()
    output = Path(args.output) if args.output else RESULTS
    warnings.simplefilter("ignore", ConvergenceWarning)
    report = dict(
        command="python benchmarks/epoch_cost.py " + " ".join(sys.argv[1:]),
        machine=machine_info(),
        hidden_layer_sizes=list(HIDDEN),
        epochs=[SHORT, LONG],
        repeats=REPEATS,
        sets={},
    )
    print(f"{report['command']}\non {report['machine']['cpu']}", flush=True)
    print(
        f"{'rows':>7} {'feat':>4} {'mlp ms':>8} {'skff ms':>8} {'ratio':>6} "
        f"{'b200 ms':>8} {'ratio':>6}   (one epoch, hidden {HIDDEN})"
    )
    warm_up()
    rows = [n for n in ROWS if not args.quick or n <= QUICK_MAX_ROWS]
    for n_rows in rows:
        for n_features in FEATURES:
            X, y = make_classification(
                n_rows,
                n_features,
                n_informative=min(n_features, 4),
                n_redundant=0,
                n_classes=N_CLASSES,
                random_state=0,
            )
            X = StandardScaler().fit_transform(X).astype(np.float32)
            result = measure(X, y)
            report["sets"][f"{n_rows}x{n_features}"] = dict(
                n_samples=n_rows, n_features=n_features, **result
            )
            mlp, skff, b200 = (result[name] for name in models())
            print(
                f"{n_rows:>7} {n_features:>4} {1e3 * mlp['epoch_seconds']:8.2f} "
                f"{1e3 * skff['epoch_seconds']:8.2f} {skff['epoch_ratio_to_mlp']:6.2f} "
                f"{1e3 * b200['epoch_seconds']:8.2f} {b200['epoch_ratio_to_mlp']:6.2f}",
                flush=True,
            )
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    print(f"Wrote {output}")


if __name__ == "__main__":
    main()
