"""The GPU path: the same estimator, trained and used on a CUDA device.

Skipped where torch sees no CUDA device (CI has none); run them on a GPU
machine with ``pytest tests/test_cuda.py``.
"""

import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skff import ForwardForwardClassifier
from skff._backend import network as network_module

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


# ---------------------------------------------------------------- CUDA graphs
GRAPHED = [
    {},  # Adam, hard negatives
    # Hinton's recipe: SGD with momentum, peer normalisation, weight decay.
    dict(
        optimizer="sgd",
        learning_rate_init=0.01,
        peer_normalization=0.03,
        weight_decay=1e-3,
        goodness="sum_squares",
        loss="threshold",
        threshold=64.0,
    ),
    dict(training_mode="greedy", inner_steps=2, negatives="random"),
    dict(mixed_precision="bfloat16"),
]


@pytest.mark.parametrize("settings", GRAPHED, ids=["adam", "sgd", "greedy", "bf16"])
def test_replayed_steps_learn_as_eager_steps(digits, settings, monkeypatch):
    X_train, X_test, y_train, y_test = digits
    captures = []
    capture_step = network_module.capture_step

    def spy(*args, **kwargs):
        captures.append(capture_step(*args, **kwargs))
        return captures[-1]

    monkeypatch.setattr(network_module, "capture_step", spy)
    params = {**SMALL, **settings, "device": "cuda"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a failed capture warns
        replayed = ForwardForwardClassifier(**params).fit(X_train, y_train)
    # One capture per epoch (10 full batches of 128 rows), each one used.
    assert len(captures) == SMALL["max_iter"]
    assert all(capture is not None for capture in captures)
    eager = ForwardForwardClassifier(**params, cuda_graphs=False).fit(X_train, y_train)
    # Over 20 epochs, loosely: each epoch captures anew, and the exact equality
    # of an epoch is the next test's.
    assert replayed.score(X_test, y_test) > 0.85
    assert abs(replayed.score(X_test, y_test) - eager.score(X_test, y_test)) < 0.05
    assert_allclose(replayed.loss_curve_, eager.loss_curve_, rtol=0.1)


@pytest.mark.parametrize("settings", GRAPHED, ids=["adam", "sgd", "greedy", "bf16"])
def test_a_replayed_epoch_ends_with_the_eager_epochs_weights(digits, settings):
    # The same seed draws the same batches and negatives; replayed, every step
    # must compute what the eager step computes, to the last bit.
    X_train, _, y_train, _ = digits
    params = {**SMALL, **settings, "max_iter": 1, "device": "cuda"}
    replayed = ForwardForwardClassifier(**params).fit(X_train, y_train)
    eager = ForwardForwardClassifier(**params, cuda_graphs=False).fit(X_train, y_train)
    for ours, theirs in zip(parameters(replayed), parameters(eager)):
        assert torch.equal(ours, theirs)
    assert replayed.loss_curve_ == eager.loss_curve_


def test_replays_use_the_epochs_learning_rate(digits):
    """The rate is baked into each epoch's graph: a rate of zero must freeze
    every weight through the replays too."""
    X_train, _, y_train, _ = digits
    clf = ForwardForwardClassifier(
        **{**SMALL, "max_iter": 1}, optimizer="sgd", device="cuda"
    ).fit(X_train, y_train)
    network = clf.network_
    before = [p.detach().clone() for p in parameters(clf)]
    network.scale_learning_rate(0.0)
    X, y = (torch.as_tensor(a, device="cuda") for a in (X_train, y_train))
    weight = torch.ones(len(y), device="cuda")
    losses = network.train_epoch(X.float(), y, weight, 128, cuda_graphs=True)
    assert all(np.isfinite(losses))
    for old, new in zip(before, parameters(clf)):
        assert torch.equal(old, new)
    network.scale_learning_rate(1.0)
    network.train_epoch(X.float(), y, weight, 128, cuda_graphs=True)
    assert not all(torch.equal(o, n) for o, n in zip(before, parameters(clf)))


def test_keras_adam_is_never_captured(digits, monkeypatch):
    X_train, _, y_train, _ = digits
    monkeypatch.setattr(network_module, "capture_step", None)  # would fail if used
    clf = ForwardForwardClassifier(
        **{**SMALL, "max_iter": 2}, optimizer="adam_keras", device="cuda"
    )
    clf.fit(X_train, y_train)
    assert clf.n_iter_ == 2
