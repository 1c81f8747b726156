"""Behaviour kept through refactoring: fixed-seed fits give the numbers they gave.

``tests/data/fingerprints.json`` holds, for a few fixed-seed CPU fits on a
subset of the digits, the sum and the sum of squares of every weight tensor and
the decision function on held-out rows; ``tests/data/model_v1.skff`` is a model
saved by that code. A change to the code that must not change behaviour (a
refactoring) keeps both. A change that does change the numbers on purpose
rewrites the fingerprints, and says so in its commit:
``python tests/test_fingerprints.py --write`` (the saved model, and what it
predicted, stay: they stand for the files users already have).

Other CPUs and BLAS builds sum in other orders, so the numbers are compared to
a relative tolerance that such rounding stays far below, and that any change
of the method exceeds.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import skff
from skff import ForwardForwardClassifier
from skff.recipes import hinton_2022, keras_example

DATA = Path(__file__).parent / "data"
FINGERPRINTS = DATA / "fingerprints.json"
SAVED_MODEL = DATA / "model_v1.skff"
SMALL = dict(hidden_layer_sizes=(24, 16), max_iter=2, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FITS = {
    "defaults": lambda: ForwardForwardClassifier(**SMALL),
    "hinton_2022": lambda: hinton_2022(
        **{**SMALL, "threshold": 24.0, "batch_size": 50}
    ),
    "keras_example": lambda: keras_example(**{**SMALL, "batch_size": 200}),
    "greedy": lambda: ForwardForwardClassifier(
        **SMALL, training_mode="greedy", inner_steps=2, peer_normalization=0.03
    ),
    "goodness_readout": lambda: ForwardForwardClassifier(
        **SMALL, prediction="goodness", negatives="random", loss="threshold"
    ),
    "combined_readout": lambda: ForwardForwardClassifier(
        **SMALL, prediction="combined", input_normalization="row"
    ),
    "sgd_sum_squares": lambda: ForwardForwardClassifier(
        **SMALL,
        optimizer="sgd",
        goodness="sum_squares",
        label_overlay="replace",
        weight_decay=1e-3,
    ),
}


def digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X[:400], y[:400], X[-60:]


def fingerprint(model, X_test):
    weights = {}
    for index, module in enumerate(model.network_.__getstate__()["modules"]):
        for name, values in module.items():
            weights[f"{index}.{name}"] = [
                float(np.sum(values, dtype=np.float64)),
                float(np.sum(np.square(values, dtype=np.float64))),
            ]
    return {
        "weights": weights,
        "decision_function": model.decision_function(X_test).round(6).tolist(),
    }


def compute():
    X, y, X_test = digits()
    return {name: fingerprint(make().fit(X, y), X_test) for name, make in FITS.items()}


def write():
    """Store the fingerprints of the code as it is; the saved model and what it
    predicted are kept (they stand for the files users already have)."""
    fingerprints = compute()
    if SAVED_MODEL.exists():
        saved = json.loads(FINGERPRINTS.read_text())["saved_model"]
    else:
        X, y, X_test = digits()
        model = FITS["defaults"]().fit(X, y)
        skff.save(model, SAVED_MODEL)
        saved = fingerprint(model, X_test)
    fingerprints["saved_model"] = saved
    FINGERPRINTS.write_text(json.dumps(fingerprints, indent=1) + "\n")


@pytest.mark.parametrize("name", sorted(FITS))
def test_a_fixed_seed_fit_gives_the_stored_numbers(name):
    stored = json.loads(FINGERPRINTS.read_text())[name]
    X, y, X_test = digits()
    now = fingerprint(FITS[name]().fit(X, y), X_test)
    assert now["weights"].keys() == stored["weights"].keys()
    for key, values in stored["weights"].items():
        np.testing.assert_allclose(now["weights"][key], values, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        now["decision_function"], stored["decision_function"], rtol=1e-4, atol=1e-4
    )


def test_a_model_saved_before_predicts_as_it_did():
    _, _, X_test = digits()
    stored = json.loads(FINGERPRINTS.read_text())["saved_model"]
    loaded = skff.load(SAVED_MODEL)
    np.testing.assert_allclose(
        loaded.decision_function(X_test).round(6),
        stored["decision_function"],
        rtol=1e-5,
        atol=1e-5,
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_fingerprints.py --write")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        write()
