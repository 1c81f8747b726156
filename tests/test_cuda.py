"""The GPU path: the same estimator, trained and used on a CUDA device.

Skipped where torch sees no CUDA device (CI has none); run them on a GPU
machine with ``pytest tests/test_cuda.py``.
"""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skff import ForwardForwardClassifier

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"
)

SMALL = dict(hidden_layer_sizes=(64, 64), max_iter=20, random_state=0)


def parameters(clf):
    return [p for module in clf.network_._modules() for p in module.parameters()]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_trains_on_the_gpu_as_well_as_on_the_cpu(digits, device):
    X_train, X_test, y_train, y_test = digits
    gpu = ForwardForwardClassifier(**SMALL, device=device).fit(X_train, y_train)
    cpu = ForwardForwardClassifier(**SMALL).fit(X_train, y_train)
    assert gpu.network_.device.type == "cuda"
    assert all(p.device.type == "cuda" for p in parameters(gpu))
    # Different random streams, same recipe: the same accuracy within noise.
    assert gpu.score(X_test, y_test) > 0.85
    assert abs(gpu.score(X_test, y_test) - cpu.score(X_test, y_test)) < 0.05


def test_outputs_are_numpy_on_the_host(digits):
    X_train, X_test, y_train, _ = digits
    clf = ForwardForwardClassifier(**SMALL, device="cuda").fit(X_train, y_train)
    for prediction in ("softmax", "goodness"):
        clf.set_params(prediction=prediction)
        proba = clf.predict_proba(X_test)
        assert isinstance(proba, np.ndarray)
        assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        assert isinstance(clf.decision_function(X_test), np.ndarray)
        assert set(clf.predict(X_test)) <= set(clf.classes_)


def test_an_epoch_never_waits_for_the_gpu(digits):
    """No ``.item()``, no host copy inside the batch loop: torch raises on any
    synchronising call while its sync debug mode is "error"."""
    X_train, _, y_train, _ = digits
    for settings in (
        {},
        {"negatives": "random", "peer_normalization": 0.03},
        {"training_mode": "greedy", "inner_steps": 3, "negatives": "shuffle"},
    ):
        clf = ForwardForwardClassifier(**{**SMALL, **settings, "max_iter": 1})
        clf.set_params(device="cuda").fit(X_train, y_train)
        network = clf.network_
        X, y = (torch.as_tensor(a, device="cuda") for a in (X_train, y_train))
        X = X.float()
        weight = torch.ones(len(y), device="cuda")
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            n_rows = X.shape[0]
            order = torch.randperm(n_rows, generator=network.generator, device="cuda")
            for start in range(0, n_rows, 128):
                batch = order[start : start + 128]
                network._train_step(X[batch], y[batch], weight[batch])
        finally:
            torch.cuda.set_sync_debug_mode("default")


def test_a_gpu_model_pickles_and_loads_on_the_cpu(digits):
    X_train, X_test, y_train, _ = digits
    clf = ForwardForwardClassifier(**SMALL, device="cuda").fit(X_train, y_train)
    expected = clf.predict_proba(X_test)
    restored = pickle.loads(pickle.dumps(clf))
    assert_allclose(restored.predict_proba(X_test), expected, rtol=1e-5, atol=1e-6)
    restored.set_params(device="cpu", warm_start=True, max_iter=1)
    restored.fit(X_train, y_train)  # moves the network and its optimizer state
    assert restored.network_.device.type == "cpu"


def test_partial_fit_continues_on_the_gpu(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(**SMALL, device="cuda")
    for _ in range(20):
        clf.partial_fit(X_train, y_train, classes=np.unique(y_train))
    assert clf.network_.device.type == "cuda"
    assert clf.score(X_test, y_test) > 0.85


@pytest.mark.parametrize("mode", ["tf32", "bfloat16"])
def test_mixed_precision_learns_as_well(digits, mode):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(**SMALL, device="cuda", mixed_precision=mode)
    clf.fit(X_train, y_train)
    assert all(p.dtype == torch.float32 for p in parameters(clf))
    assert clf.score(X_test, y_test) > 0.85


def test_float64_on_the_gpu(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(**SMALL, device="cuda", dtype="float64")
    clf.fit(X_train, y_train)
    assert all(p.dtype == torch.float64 for p in parameters(clf))
    assert clf.score(X_test, y_test) > 0.85


def test_many_classes_predict_in_bounded_gpu_memory():
    """Goodness over K = 1000 labels for 20,000 rows: scored in row blocks, so the
    extra memory stays far under K full copies of the activity."""
    rng = np.random.default_rng(0)
    n_classes, n_rows, width = 1000, 20_000, 256
    X = rng.random((n_rows, 32), dtype=np.float32)
    y = np.arange(n_rows) % n_classes
    clf = ForwardForwardClassifier(
        (width,), max_iter=1, prediction="goodness", device="cuda", random_state=0
    ).fit(X[:4000], y[:4000])
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    scores = clf.decision_function(X)
    extra = torch.cuda.max_memory_allocated() - before
    assert scores.shape == (n_rows, n_classes)
    all_copies = n_rows * n_classes * width * 4
    assert extra < all_copies / 10
    assert extra < 1.1 * 2**30
