"""MNIST test error of named Forward-Forward configurations, and of backprop.

Run ``python benchmarks/mnist_accuracy.py`` for every configuration, or name
some: ``python benchmarks/mnist_accuracy.py default mlp --epochs default=30``.

Configurations:

- ``default``: ``ForwardForwardClassifier()`` as it ships (one layer of 1000).
- ``default-unaveraged``: the defaults predicting with their last weights
  (``averaging_epochs=0``), as they did before weight averaging.
- ``default-lr0.003``: the defaults at the rate they had before 0.005.
- ``default-500``: the defaults on one layer of 500, half the width, at 0.003.
  This and the configurations below it (but for the recipes) were measured
  before weight averaging and keep ``averaging_epochs=0``, as measured.
- ``default-500x500``: the defaults on 784-500-500, the default network until
  one layer of 1000 replaced it. The configurations below are variants of it.
- ``default-row``, ``default-global``: with a first layer that normalises each
  row (``input_normalization="row"``), as every layer did before the first
  layer kept a row's length, or that scales every row by one constant.
- ``default-top-k``, ``default-entmax``, ``default-kurtosis``: with a
  goodness of arXiv 2604.13081: ``"top_k_mean_squares"``, ``"entmax_energy"``,
  and ``"excess_kurtosis"`` with ``symba_alpha=1`` (chosen on the digits from
  0.25, 1 and 4, as kurtosis is not on a mean square's scale).
- ``default-ffcl``: with the label forwarded to every layer through a
  projection of its own (``label_forwarding="every_layer"``, FFCL).
- ``default-all-negatives``: with ``negatives="all"``.
- ``default-collaborative``: with collaborative Forward-Forward
  (``collaboration=1.0``, Lorberbom et al. 2023).
- ``default-2x500-collaborative``: the defaults as they ship (rate 0.005,
  averaged weights) on 784-500-500 with collaborative Forward-Forward: would
  the defaults gain from a second layer that collaborates?
- ``default-threshold``: with Hinton's threshold loss (``loss="threshold"``),
  which was the default before the SymBa loss.
- ``keras-example``: :func:`skff.recipes.keras_example`, the Keras example's
  settings. Its 250 full-batch epochs would take hours here, so it runs a few
  (``--epochs keras-example=N``, default 2) and compares its logged loss with
  the example's published log; the time for 250 epochs is extrapolated and
  says so.
- ``hinton``: :func:`skff.recipes.hinton_2022`, Hinton's recipe (60 epochs).
- ``hinton-combined``: ``hinton`` predicting with ``prediction="combined"``,
  the product of the softmax readout's and the goodness's class
  probabilities. Training is the same as ``hinton``'s, so the run also
  reports the final error of each readout alone.
- ``hinton-averaged``: ``hinton`` predicting with the moving average of its
  weights over half an epoch (``averaging_epochs=0.5``, the defaults').
- ``hinton-decayed``: ``hinton-averaged`` with ten times the weight decay
  (``weight_decay=0.01``). skff's rates are a tenth of those quoted for
  Hinton's code, so this restores the shrinkage per step of his decay.
- ``hinton-decayed-0.003``: ``hinton-decayed`` with three times the recipe's
  decay (``weight_decay=0.003``) in place of ten.
- ``hinton-layers-decayed``: ``hinton-decayed`` with the readout's decay
  kept at the recipe's 0.001: ten times the decay for the layers only.
- ``hinton-ffcl``: ``hinton-averaged`` with the label forwarded to every
  layer through a projection of its own (``label_forwarding="every_layer"``,
  FFCL), the research variant that was level with the defaults on
  784-500-500 (``default-ffcl``).
- ``hinton-collaborative``: ``hinton-averaged`` with collaborative
  Forward-Forward (``collaboration=1.0``, Lorberbom et al. 2023): each layer's
  loss reads the sum of every layer's goodness, its own the only part it
  learns from.
- ``hinton-homogeneous``: ``hinton-averaged`` with the defaults' first layer
  (``input_normalization="homogeneous"``): a constant input appended before
  each row is normalised, so that the layer still sees the row's length (the
  amount of ink), which the recipe's row normalisation discards.
- ``hinton-slow-readout``: ``hinton-averaged`` with the readout learning at
  0.003 instead of 0.01: softer beliefs for longer, so softer hard negatives
  (``hinton-decayed``'s stronger readout decay helped its layers that way).
- ``hinton-averaged-100``: ``hinton-averaged`` for 100 epochs instead of 60.
- ``hinton-all-layers``: ``hinton-averaged`` reading the first layer too
  (``prediction_layers="all"``), which Hinton leaves out of both readouts.
- ``hinton-strong-peer``: ``hinton-averaged`` with peer normalisation at 0.1
  instead of 0.03.
- ``hinton-averaged-fast``: ``hinton-averaged`` at twice the rates (0.002 for
  the layers, 0.02 for the readout).
- ``hinton-label-2``: ``hinton-averaged`` with the label written at twice the
  image's brightest pixel (``label_scale=2``), so that it weighs more against
  the pixels in the first layer's normalised input.
- ``hinton-label-half``: ``hinton-averaged`` with the label at half the
  image's brightest pixel (``label_scale=0.5``).
- ``hinton-4x1000``: ``hinton-averaged`` with a fourth layer of 1000 (Hinton's
  depth at half his width); the first layer stays out of the readouts.
- ``hinton-5x1000``: the same with a fifth layer of 1000.
- ``hinton-4x1500``: ``hinton-4x1000`` with layers of 1500 (threshold 1500,
  the width, as the recipe sets it): 2.1 times its work a row.
- ``hinton-4x1000-threshold-500``, ``hinton-4x1000-threshold-2000``:
  ``hinton-4x1000`` with the goodness threshold at half and at twice the
  width (a mean square of 0.5 or 2 where the recipe asks for 1).
- ``hinton-4x1000-batch-50``: ``hinton-4x1000`` on batches of 50 at half the
  rates (0.0005 for the layers, 0.005 for the readout): as far per epoch, in
  twice the steps, with more noise in each.
- ``hinton-4x1000-batch-25``: the same on batches of 25 at a quarter of the
  rates.
- ``hinton-100``: ``hinton`` for 100 epochs, as many as Hinton's own code runs.
- ``hinton-readout-decay``: ``hinton`` with the readout's weight decay at 0.003,
  three times the layers', as in Hinton's code.
- ``hinton-symba``: ``hinton`` with the SymBa loss in place of the threshold
  loss, ``loss="symba", symba_alpha=0.5`` (on a sum of squares over 1000
  units, as sharp as the threshold loss there, so the rate stays).
- ``hinton-4x2000``: ``hinton`` with the paper's four layers of 2000 units
  (threshold 2000), best run on a GPU.
- ``mlp``: ``MLPClassifier(hidden_layer_sizes=(500, 500))``, the backprop
  reference, 20 epochs.

``--device cuda`` trains the Forward-Forward models on a GPU (the MLP stays on
the CPU) and writes ``mnist_accuracy_cuda.json`` unless ``--output`` says
otherwise; ``--seed N`` changes every model's ``random_state`` and, for N
other than 0, stores each run as ``NAME-seedN``.

Each model trains one epoch at a time, with the learning rate its own
``fit`` would use in that epoch (the test suite checks that this gives the
same weights as one call to ``fit``). After each epoch the test error on the
10,000 test images is measured outside the training clock. Writes
``benchmarks/results/mnist_accuracy.json`` and, with matplotlib,
``mnist_accuracy.png`` (test error against training seconds) beside it.
"""

import argparse
import json
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import machine_info
from _plotting import agg_pyplot
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skff import ForwardForwardClassifier
from skff.backend import learning_rate_factor
from skff.datasets import load_mnist
from skff.recipes import accurate_mnist, hinton_2022, keras_example

RESULTS = Path(__file__).parent / "results"
# FinalLoss in the Keras example's published training log, by outer epoch.
KERAS_LOGGED_LOSS = {1: 0.7247, 2: 0.7089, 3: 0.6978, 10: 0.5853, 20: 0.4992}
KERAS_EPOCHS = 250
# Name parts of stored runs made by code that has changed since (kept in the
# JSON for the record, left out of the figure).
SUPERSEDED = ("masked-peer", "amd-before", "hinton-100", "readout-decay")
KERAS_TEST_ACCURACY = 0.9756
# The defaults' network and rate until one layer of 1000 at 0.005 replaced
# them: the research variants were measured on it (label forwarding needs a
# second layer), and vs_mlp.py races it.
TWO_LAYERS = dict(hidden_layer_sizes=(500, 500), learning_rate_init=0.003)
# The configurations measured before weight averaging existed keep predicting
# with their last weights, so that their commands reproduce their results.
UNAVERAGED = dict(averaging_epochs=0.0)


def configurations(seed=0):
    def two_layers(**variant):
        return lambda: ForwardForwardClassifier(
            **TWO_LAYERS, **UNAVERAGED, **variant, random_state=seed
        )

    def averaged_hinton(**variant):
        return lambda: hinton_2022(averaging_epochs=0.5, **variant, random_state=seed)

    return {
        "default": (lambda: ForwardForwardClassifier(random_state=seed), None),
        "default-unaveraged": (
            lambda: ForwardForwardClassifier(**UNAVERAGED, random_state=seed),
            None,
        ),
        "default-readout-0.001": (
            lambda: ForwardForwardClassifier(
                readout_learning_rate_init=0.001, random_state=seed
            ),
            None,
        ),
        "default-lr0.003": (
            lambda: ForwardForwardClassifier(
                learning_rate_init=0.003, **UNAVERAGED, random_state=seed
            ),
            None,
        ),
        "default-500": (
            lambda: ForwardForwardClassifier(
                hidden_layer_sizes=(500,),
                learning_rate_init=0.003,
                **UNAVERAGED,
                random_state=seed,
            ),
            None,
        ),
        "default-500x500": (two_layers(), None),
        "default-row": (two_layers(input_normalization="row"), None),
        "default-global": (two_layers(input_normalization="global"), None),
        "default-top-k": (two_layers(goodness="top_k_mean_squares"), None),
        "default-entmax": (two_layers(goodness="entmax_energy"), None),
        "default-kurtosis": (
            two_layers(goodness="excess_kurtosis", symba_alpha=1.0),
            None,
        ),
        "default-ffcl": (two_layers(label_forwarding="every_layer"), None),
        "default-all-negatives": (two_layers(negatives="all"), None),
        "default-collaborative": (two_layers(collaboration=1.0), None),
        "default-2x500-collaborative": (
            lambda: ForwardForwardClassifier(
                hidden_layer_sizes=(500, 500), collaboration=1.0, random_state=seed
            ),
            None,
        ),
        "default-threshold": (two_layers(loss="threshold"), None),
        "keras-example": (lambda: keras_example(random_state=seed), 2),
        "hinton": (lambda: hinton_2022(random_state=seed), None),
        "hinton-combined": (
            lambda: hinton_2022(prediction="combined", random_state=seed),
            None,
        ),
        "hinton-averaged": (averaged_hinton(), None),
        "hinton-decayed": (averaged_hinton(weight_decay=0.01), None),
        "hinton-decayed-0.003": (averaged_hinton(weight_decay=0.003), None),
        "hinton-layers-decayed": (
            averaged_hinton(weight_decay=0.01, readout_weight_decay=0.001),
            None,
        ),
        "hinton-ffcl": (averaged_hinton(label_forwarding="every_layer"), None),
        "hinton-collaborative": (averaged_hinton(collaboration=1.0), None),
        "hinton-slow-readout": (
            averaged_hinton(readout_learning_rate_init=0.003),
            None,
        ),
        "hinton-homogeneous": (
            averaged_hinton(input_normalization="homogeneous"),
            None,
        ),
        "hinton-averaged-100": (averaged_hinton(max_iter=100), None),
        "hinton-all-layers": (averaged_hinton(prediction_layers="all"), None),
        "hinton-strong-peer": (averaged_hinton(peer_normalization=0.1), None),
        "hinton-label-2": (averaged_hinton(label_scale=2.0), None),
        "hinton-label-half": (averaged_hinton(label_scale=0.5), None),
        "hinton-4x1000": (averaged_hinton(hidden_layer_sizes=(1000,) * 4), None),
        "hinton-5x1000": (averaged_hinton(hidden_layer_sizes=(1000,) * 5), None),
        "hinton-4x1500": (
            averaged_hinton(hidden_layer_sizes=(1500,) * 4, threshold=1500.0),
            None,
        ),
        "hinton-4x1000-threshold-500": (
            averaged_hinton(hidden_layer_sizes=(1000,) * 4, threshold=500.0),
            None,
        ),
        "hinton-4x1000-threshold-2000": (
            averaged_hinton(hidden_layer_sizes=(1000,) * 4, threshold=2000.0),
            None,
        ),
        # accurate_mnist trains this network; its softmax readout is the curve.
        "hinton-4x1000-batch-50": (
            lambda: accurate_mnist(prediction="softmax", random_state=seed),
            None,
        ),
        "hinton-4x1000-batch-25": (
            lambda: accurate_mnist(
                prediction="softmax",
                batch_size=25,
                learning_rate_init=0.00025,
                readout_learning_rate_init=0.0025,
                random_state=seed,
            ),
            None,
        ),
        "hinton-averaged-fast": (
            averaged_hinton(learning_rate_init=0.002, readout_learning_rate_init=0.02),
            None,
        ),
        "hinton-100": (lambda: hinton_2022(max_iter=100, random_state=seed), None),
        "hinton-readout-decay": (
            lambda: hinton_2022(readout_weight_decay=0.003, random_state=seed),
            None,
        ),
        "hinton-symba": (
            lambda: hinton_2022(loss="symba", symba_alpha=0.5, random_state=seed),
            None,
        ),
        "hinton-4x2000": (
            lambda: hinton_2022(
                hidden_layer_sizes=(2000,) * 4, threshold=2000.0, random_state=seed
            ),
            None,
        ),
        "mlp": (
            lambda: MLPClassifier(hidden_layer_sizes=(500, 500), random_state=seed),
            20,
        ),
    }


def train_forward_forward(model, n_epochs, data, log):
    """Train ``model`` epoch by epoch, as ``fit(max_iter=n_epochs)`` would."""
    X_train, y_train, _, _ = data
    rates = {
        name: model.get_params()[name]
        for name in ("learning_rate_init", "readout_learning_rate_init")
    }
    # The factor fit(max_iter=n_epochs) applies to the rate in each epoch.
    model.set_params(warm_start=True, max_iter=n_epochs)
    factors = [
        learning_rate_factor(model.learning_rate, epoch, n_epochs)
        for epoch in range(n_epochs)
    ]
    for factor in factors:
        scaled = {k: (None if v is None else v * factor) for k, v in rates.items()}
        # A fit of one epoch runs at the full rate of its own schedule.
        model.set_params(max_iter=1, **scaled)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        log(time.perf_counter() - started)
    model.set_params(max_iter=n_epochs, **rates)
    return model


def run(name, make, n_epochs, data, device="cpu", mixed_precision=None):
    X_train, y_train, X_test, y_test = data
    model = make()
    if not isinstance(model, MLPClassifier):
        model.set_params(device=device, mixed_precision=mixed_precision)
    if n_epochs is None:
        n_epochs = model.max_iter
    seconds, test_error = [], []
    clock = [0.0]

    def log(epoch_seconds):
        clock[0] += epoch_seconds
        seconds.append(clock[0])
        test_error.append(float(1 - model.score(X_test, y_test)))
        print(
            f"{name} epoch {len(seconds)}: {clock[0]:7.1f} s, "
            f"test error {100 * test_error[-1]:.2f}%",
            flush=True,
        )

    if isinstance(model, MLPClassifier):
        classes = np.unique(y_train)
        rng = np.random.default_rng(0)
        for _ in range(n_epochs):
            order = rng.permutation(len(X_train))
            started = time.perf_counter()
            model.partial_fit(X_train[order], y_train[order], classes=classes)
            log(time.perf_counter() - started)
    else:
        train_forward_forward(model, n_epochs, data, log)

    started = time.perf_counter()
    model.predict(X_test)
    predict_seconds = time.perf_counter() - started
    result = dict(
        params={k: repr(v) for k, v in model.get_params().items()},
        epochs=n_epochs,
        seconds=seconds,
        test_error=test_error,
        final_test_error=test_error[-1],
        best_test_error=min(test_error),
        train_error=float(1 - model.score(X_train, y_train)),
        fit_seconds=seconds[-1],
        predict_10k_seconds=predict_seconds,
    )
    if isinstance(model, ForwardForwardClassifier):
        result["final_test_error_by_prediction"] = _errors_by_prediction(
            model, X_test, y_test
        )
    if name == "keras-example":
        result.update(_keras_comparison(model, seconds))
    return result


def _errors_by_prediction(model, X_test, y_test):
    """Test error of every prediction the fitted ``model`` can make: goodness
    always, the softmax readout where one was trained, and the combination
    where ``model`` was fitted for it."""
    predictions = ["goodness"]
    if model.network_.readout is not None:
        predictions.append("softmax")
    if model.goodness_scale_ is not None:
        predictions.append("combined")
    own = model.prediction
    errors = {}
    for prediction in predictions:
        model.set_params(prediction=prediction)
        errors[prediction] = float(1 - model.score(X_test, y_test))
    model.set_params(prediction=own)
    return errors


def _keras_comparison(model, seconds):
    """The example logs FinalLoss: the mean, over layers and all epochs so far,
    of each layer's loss averaged over its 50 steps of the epoch."""
    per_epoch = np.mean(model.layer_loss_curves_, axis=0)
    final_loss = np.cumsum(per_epoch) / np.arange(1, len(per_epoch) + 1)
    per_epoch_seconds = seconds[-1] / len(seconds)
    return dict(
        final_loss=final_loss.tolist(),
        published_final_loss={str(k): v for k, v in KERAS_LOGGED_LOSS.items()},
        published_test_accuracy_after_250=KERAS_TEST_ACCURACY,
        extrapolated_seconds_for_250_epochs=per_epoch_seconds * KERAS_EPOCHS,
        extrapolation_note=(
            f"Trained {len(seconds)} of the example's {KERAS_EPOCHS} epochs; the "
            "time for all of them is this run's mean epoch time times 250, not "
            "a measurement."
        ),
    )


def main():
    choices = list(configurations())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", help=f"any of {choices} (all)")
    parser.add_argument(
        "--epochs",
        action="append",
        default=[],
        metavar="NAME=N",
        help="epochs of one configuration (default: its own max_iter)",
    )
    parser.add_argument(
        "--data-home", default=str(Path(__file__).parents[2] / "shared" / "data")
    )
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--mixed-precision", choices=["tf32", "bfloat16"])
    parser.add_argument("--seed", type=int, default=0, help="every random_state")
    parser.add_argument(
        "--output",
        help="default: results/mnist_accuracy.json, or mnist_accuracy_cuda.json",
    )
    parser.add_argument(
        "--note", help="stored with each run, e.g. what else the machine was doing"
    )
    args = parser.parse_args()
    names = args.configs or choices
    unknown = set(names) - set(choices)
    if unknown:
        parser.error(f"unknown configurations {sorted(unknown)}; known: {choices}")
    epochs = {k: int(v) for k, v in (item.split("=") for item in args.epochs)}

    X_train, y_train = load_mnist(args.data_home, return_X_y=True)
    X_test, y_test = load_mnist(args.data_home, subset="test", return_X_y=True)
    data = (X_train, y_train, X_test, y_test)
    output = RESULTS / "mnist_accuracy.json"
    if args.output:
        output = Path(args.output)
    elif args.device.startswith("cuda"):
        output = output.with_name("mnist_accuracy_cuda.json")
    report = dict(
        command="python benchmarks/mnist_accuracy.py " + " ".join(sys.argv[1:]),
        machine=machine_info(device=args.device),
        runs={},
    )
    if output.exists():  # runs of other configurations stay
        report["runs"] = json.loads(output.read_text()).get("runs", {})
    for name in names:
        make, default_epochs = configurations(args.seed)[name]
        n_epochs = epochs.get(name, default_epochs)
        result = run(name, make, n_epochs, data, args.device, args.mixed_precision)
        result["command"] = report["command"]
        result["machine"] = report["machine"]
        if args.note:
            result["note"] = args.note
        stored = name if args.seed == 0 else f"{name}-seed{args.seed}"
        report["runs"][stored] = result
        output.parent.mkdir(exist_ok=True)
        output.write_text(json.dumps(report, indent=1))
        print(
            f"{name}: test error {100 * result['final_test_error']:.2f}% after "
            f"{result['epochs']} epochs ({result['fit_seconds']:.0f} s), best "
            f"{100 * result['best_test_error']:.2f}%, train error "
            f"{100 * result['train_error']:.2f}%",
            flush=True,
        )
        for prediction, error in result.get(
            "final_test_error_by_prediction", {}
        ).items():
            print(f"  prediction={prediction!r}: {100 * error:.2f}%", flush=True)
    _plot(report, output.with_suffix(".png"))


def _plot(report, path):
    plt = agg_pyplot()
    if plt is None:
        return
    from matplotlib.ticker import MaxNLocator

    keras = report["runs"].get("keras-example")
    n_panels = 2 if keras else 1
    figure, axes = plt.subplots(1, n_panels, figsize=(6.5 * n_panels + 2, 5))
    axes = np.atleast_1d(axes)
    # One curve per configuration (its seed-0 run): other seeds overlap it,
    # and runs of older code (marked in their names) are only in the JSON.
    shown = {
        name: run
        for name, run in report["runs"].items()
        if "-seed" not in name and not any(mark in name for mark in SUPERSEDED)
    } or dict(report["runs"])  # a file of other seeds' runs only: all of them
    colours = plt.get_cmap("tab20").colors
    for (name, run), colour in zip(shown.items(), colours * 2):
        error = 100 * np.array(run["test_error"])
        axes[0].plot(
            run["seconds"], error, marker=".", markersize=3, color=colour, label=name
        )
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].axhline(1.36, color="grey", linestyle="--", linewidth=1)
    axes[0].annotate("Hinton 2022: 1.36%", (0.02, 0.02), xycoords="axes fraction")
    axes[0].set_xlabel("training seconds")
    axes[0].set_ylabel("MNIST test error (%)")
    axes[0].grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if keras:
        ours = keras["final_loss"]
        axes[1].plot(range(1, len(ours) + 1), ours, marker="o", label="skff")
        published = {int(k): v for k, v in keras["published_final_loss"].items()}
        axes[1].plot(
            list(published), list(published.values()), "x", label="published log"
        )
        axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[1].set_xlabel("outer epoch")
        axes[1].set_ylabel("FinalLoss")
        axes[1].set_title("keras-example: logged loss")
        axes[1].legend()
    machine = report["machine"].get("gpu") or report["machine"]["cpu"]
    command = "\n".join(textwrap.wrap(report["command"], 110))
    figure.suptitle(
        f"last: {command}\n(each run's own command is stored with it in the "
        f"JSON)\n{machine}",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
