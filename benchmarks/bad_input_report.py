"""What ForwardForwardClassifier does with bad input and bad settings.

Run ``python benchmarks/bad_input_report.py``: it tries each case below on a
fresh model, records what happened (fitted, or the exception and its message)
and writes ``benchmarks/results/bad_input.json``; the docs' reliability page
shows that table.
"""

import io
import json
import pickle
import platform
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from scipy import sparse

import skff
from skff import ForwardForwardClassifier

RESULTS = Path(__file__).parent / "results" / "bad_input.json"
TABLE = RESULTS.with_suffix(".rst")
TINY = dict(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 5))
y = np.arange(40) % 3


def with_value(value):
    bad = X.copy()
    bad[7, 3] = value
    return bad


CASES = {
    "NaN in X": lambda: ForwardForwardClassifier(**TINY).fit(with_value(np.nan), y),
    "inf in X": lambda: ForwardForwardClassifier(**TINY).fit(with_value(np.inf), y),
    "1e300 in X (beyond float32)": lambda: ForwardForwardClassifier(**TINY).fit(
        with_value(1e300), y
    ),
    "features of 1e30 (within float32)": lambda: ForwardForwardClassifier(**TINY).fit(
        X * 1e30, y
    ),
    "0 rows": lambda: ForwardForwardClassifier(**TINY).fit(X[:0], y[:0]),
    "0 features": lambda: ForwardForwardClassifier(**TINY).fit(X[:, :0], y),
    "1-D X": lambda: ForwardForwardClassifier(**TINY).fit(X[:, 0], y),
    "3-D X": lambda: ForwardForwardClassifier(**TINY).fit(X[:, :, None], y),
    "X and y of different lengths": lambda: ForwardForwardClassifier(**TINY).fit(
        X, y[:-1]
    ),
    "numbers written as strings in X": lambda: ForwardForwardClassifier(**TINY).fit(
        X.astype(str).astype(object), y
    ),
    "words in X": lambda: ForwardForwardClassifier(**TINY).fit(
        np.full(X.shape, "seven", dtype=object), y
    ),
    "complex X": lambda: ForwardForwardClassifier(**TINY).fit(X + 1j, y),
    "sparse X": lambda: ForwardForwardClassifier(**TINY).fit(sparse.csr_matrix(X), y),
    "sparse X with label_overlay='replace'": lambda: ForwardForwardClassifier(
        label_overlay="replace", **TINY
    ).fit(sparse.csr_matrix(X), y),
    "float16 X": lambda: ForwardForwardClassifier(**TINY).fit(X.astype(np.float16), y),
    "bool X": lambda: ForwardForwardClassifier(**TINY).fit(X > 0, y),
    "10,000 features": lambda: ForwardForwardClassifier(**TINY).fit(
        rng.normal(size=(40, 10_000)), y
    ),
    "NaN in y": lambda: ForwardForwardClassifier(**TINY).fit(
        X, np.where(y == 2, np.nan, y)
    ),
    "a single class": lambda: ForwardForwardClassifier(**TINY).fit(X, np.zeros(40)),
    "continuous y": lambda: ForwardForwardClassifier(**TINY).fit(X, X[:, 0]),
    "wrong feature count at predict": lambda: (
        ForwardForwardClassifier(**TINY).fit(X, y).predict(X[:, :4])
    ),
    "predict before fit": lambda: ForwardForwardClassifier(**TINY).predict(X),
    "unknown label in partial_fit": lambda: (
        ForwardForwardClassifier(**TINY)
        .partial_fit(X, y, classes=[0, 1, 2])
        .partial_fit(X, y + 1)
    ),
    "partial_fit without classes": lambda: ForwardForwardClassifier(**TINY).partial_fit(
        X, y
    ),
    "learning_rate_init=-1": lambda: ForwardForwardClassifier(
        learning_rate_init=-1
    ).fit(X, y),
    "label_overlay='sideways'": lambda: ForwardForwardClassifier(
        label_overlay="sideways"
    ).fit(X, y),
    "device='cuda' without CUDA": lambda: ForwardForwardClassifier(
        **TINY, device="cuda"
    ).fit(X, y),
    "absurd learning rate (divergence)": lambda: ForwardForwardClassifier(
        (8,), optimizer="sgd", learning_rate_init=1e30, max_iter=3
    ).fit(X * 1e10, y),
    "label_overlay='replace' with fewer features than classes": lambda: (
        ForwardForwardClassifier(**TINY, label_overlay="replace").fit(X[:, :2], y)
    ),
    "skff.load of a pickle": lambda: skff.load(io.BytesIO(pickle.dumps(X))),
}


def run(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case()
        except Exception as error:  # noqa: BLE001 - recorded, that is the point
            return {"outcome": type(error).__name__, "message": str(error)}
    return {"outcome": "fitted", "message": ""}


def rst_table(report):
    """The results as an RST table, for the docs to include."""
    rows = [("case", "outcome", "message")]
    for name, result in report["cases"].items():
        message = result["message"].splitlines()[0] if result["message"] else ""
        message = message if len(message) <= 100 else message[:97] + "..."
        # A word ending in "_" (classes_) would be an RST link: escape it.
        message = re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", message)
        rows.append((name, result["outcome"], message or "fits and predicts"))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    rule = " ".join("=" * width for width in widths)
    lines = [
        " ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for row in rows
    ]
    machine = report["machine"]
    versions = ", ".join(
        f"{name} {version}" for name, version in report["versions"].items()
    )
    caption = f"Made by ``{report['command']}`` on {machine} ({versions})."
    return "\n".join([caption, "", rule, lines[0], rule, *lines[1:], rule, ""])


def main():
    if "cuda" in sys.argv or torch.cuda.is_available():
        del CASES["device='cuda' without CUDA"]
    results = {name: run(case) for name, case in CASES.items()}
    report = {
        "command": "python benchmarks/bad_input_report.py",
        "machine": platform.platform(),
        "versions": {
            "skff": skff.__version__,
            "torch": torch.__version__,
            "sklearn": sklearn.__version__,
        },
        "cases": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1))
    TABLE.write_text(rst_table(report))
    for name, result in results.items():
        print(f"{name:<58} {result['outcome']:<22} {result['message'][:90]}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
