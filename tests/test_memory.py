"""Peak memory stays bounded as rows and classes grow; a step reuses its memory.

Each measurement runs in a fresh process of its own: a process's peak memory
only grows, so a fit's peak would hide the prediction's that follows it, and
how the C allocator treats freed memory changes once a process has freed a
large block.
"""

import json
import subprocess
import sys

import pytest

FIT = """
import json, resource, warnings
import joblib
import numpy as np
from skff import ForwardForwardClassifier

warnings.simplefilter("ignore")
n_rows, n_classes, width = {n_rows}, {n_classes}, {width}
rng = np.random.default_rng(0)
X = rng.normal(size=(n_rows, 20)).astype(np.float32)
y = np.arange(n_rows) % n_classes
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
clf = ForwardForwardClassifier(
    (width, width), max_iter=1, batch_size=256, prediction="goodness"
)
clf.fit(X, y)
fit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - baseline
joblib.dump(clf, {model!r})
print(json.dumps(dict(fit=fit)))
"""

PREDICT = """
import json, resource
import joblib
import numpy as np

clf = joblib.load({model!r})
X = np.random.default_rng(1).normal(size=({n_rows}, 20)).astype(np.float32)
clf.decision_function(X[:10])  # torch's own one-time allocations
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
scores = clf.decision_function(X)
predict = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - baseline
print(json.dumps(dict(
    predict=predict,
    scores=scores.nbytes / 2**20,
    shape=list(scores.shape),
    finite=bool(np.isfinite(scores).all()),
)))
"""


FIRST_FIT_PAGE_FAULTS = """
import json, resource
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from skff import ForwardForwardClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
ForwardForwardClassifier(max_iter={max_iter}, random_state=0).fit(X, y)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps(dict(faults=faults)))
"""


def run(script, **values):
    output = subprocess.run(
        [sys.executable, "-c", script.format(**values)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.slow
def test_scoring_a_thousand_classes_does_not_materialise_them(tmp_path):
    n_rows, n_classes, width = 5000, 1000, 64
    model = str(tmp_path / "model.joblib")
    run(FIT, n_rows=n_rows, n_classes=n_classes, width=width, model=model)
    peaks = run(PREDICT, n_rows=n_rows, model=model)
    assert peaks["shape"] == [n_rows, n_classes] and peaks["finite"]
    # Every label of every row at once would be n_rows * n_classes activities of
    # each layer: 1.2 GiB here. skff scores blocks of rows, so only the output
    # (and float64 copies of it) grows.
    all_at_once = n_rows * n_classes * width * 4 / 2**20
    assert peaks["predict"] < 200 + 3 * peaks["scores"] < all_at_once / 2


@pytest.mark.slow
def test_fit_memory_does_not_grow_with_the_number_of_classes(tmp_path):
    model = str(tmp_path / "model.joblib")
    few = run(FIT, n_rows=20000, n_classes=10, width=64, model=model)
    many = run(FIT, n_rows=20000, n_classes=1000, width=64, model=model)
    assert many["fit"] < few["fit"] + 100


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's allocator, Linux's counts"
)
def test_the_first_fit_of_a_process_reuses_its_steps_memory():
    # glibc gives freed memory back to the system until a process has freed
    # one large block; a first fit's steps would then fault their temporaries'
    # pages in again each time (measured without skff's remedy: 12,000 to
    # 150,000 more faults for the 35 more epochs). Its first pages (code,
    # weights, data) are faulted in however long it trains.
    short = run(FIRST_FIT_PAGE_FAULTS, max_iter=5)
    long = run(FIRST_FIT_PAGE_FAULTS, max_iter=40)
    assert long["faults"] - short["faults"] < 2_000
