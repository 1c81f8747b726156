"""Peak memory stays bounded as rows and classes grow (measured in a subprocess)."""

import json
import subprocess
import sys

import pytest

MEASURE = """
import json, resource, warnings
import numpy as np
from skff import ForwardForwardClassifier

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

warnings.simplefilter("ignore")
n_rows, n_classes, width = {n_rows}, {n_classes}, {width}
rng = np.random.default_rng(0)
X = rng.normal(size=(n_rows, 20)).astype(np.float32)
y = np.arange(n_rows) % n_classes
baseline = peak_mib()
clf = ForwardForwardClassifier(
    (width, width), max_iter=1, batch_size=256, prediction="goodness"
)
clf.fit(X, y)
after_fit = peak_mib()
scores = clf.decision_function(X)
after_predict = peak_mib()
print(json.dumps(dict(
    fit=after_fit - baseline,
    predict=after_predict - after_fit,
    naive_predict=n_rows * n_classes * width * 4 / 2**20,
    scores=scores.nbytes / 2**20,
)))
"""


def measure(**sizes):
    script = MEASURE.format(**sizes)
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.slow
def test_scoring_a_thousand_classes_does_not_materialise_them():
    peaks = measure(n_rows=5000, n_classes=1000, width=64)
    # Scoring every label of every row at once would take naive_predict MiB
    # (1.2 GiB here); skff scores blocks of rows, so only the output grows.
    assert peaks["naive_predict"] > 1000
    assert peaks["predict"] < 200 + 3 * peaks["scores"]


@pytest.mark.slow
def test_fit_memory_does_not_grow_with_the_number_of_classes():
    few = measure(n_rows=20000, n_classes=10, width=64)
    many = measure(n_rows=20000, n_classes=1000, width=64)
    assert many["fit"] < few["fit"] + 100
