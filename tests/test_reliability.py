"""Training that goes wrong: interruption, divergence, concurrency, determinism."""

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from skff import ForwardForwardClassifier

SMALL = dict(hidden_layer_sizes=(64, 64), random_state=0, learning_rate="constant")


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=2000, n_features=20, n_informative=10, n_classes=4, random_state=0
    )


def interrupt_after_epochs(clf, n_epochs, n_interrupts=1):
    """Send Ctrl-C to this process once ``clf`` has finished ``n_epochs`` epochs."""
    original = clf._record_epoch

    def record_then_interrupt(losses, n_samples):
        original(losses, n_samples)
        if clf.n_iter_ == n_epochs:
            for _ in range(n_interrupts):
                os.kill(os.getpid(), signal.SIGINT)

    clf._record_epoch = record_then_interrupt


def test_ctrl_c_keeps_the_last_finished_epoch_and_warns(data):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, max_iter=50)
    interrupt_after_epochs(clf, 3)
    with pytest.warns(UserWarning, match=r"interrupted in epoch 4.*epoch \(3\)"):
        clf.fit(X, y)
    del clf._record_epoch
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3
    reference = ForwardForwardClassifier(**SMALL, max_iter=3).fit(X, y)
    assert np.array_equal(clf.decision_function(X), reference.decision_function(X))


def test_training_continues_cleanly_after_ctrl_c(data):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, max_iter=50)
    interrupt_after_epochs(clf, 2)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    del clf._record_epoch
    clf.partial_fit(X, y)
    reference = ForwardForwardClassifier(**SMALL, max_iter=2).fit(X, y)
    reference.partial_fit(X, y)
    assert clf.n_iter_ == 3
    assert np.array_equal(clf.decision_function(X), reference.decision_function(X))


def test_the_callers_sigint_handler_is_restored(data):
    X, y = data
    before = signal.getsignal(signal.SIGINT)
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X, y)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_stops_at_once_with_a_usable_model(data):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, max_iter=50)
    # The second signal arrives while the first is still pending a batch end.
    interrupt_after_epochs(clf, 2, n_interrupts=2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    del clf._record_epoch
    assert clf.network_.parameters_are_finite()
    assert clf.predict(X).shape == (len(X),)


def test_divergence_in_the_first_epoch_leaves_the_model_unfitted(data):
    X, y = data
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16,), optimizer="sgd", learning_rate_init=1e30, max_iter=5
    )
    with pytest.raises(
        ValueError, match="diverged in epoch 1.*Lower learning_rate_init.*left unfitted"
    ):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_divergence_later_keeps_the_last_finite_epoch(data):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, max_iter=2, warm_start=True).fit(X, y)
    expected = clf.decision_function(X)
    clf.set_params(learning_rate_init=1e30)
    with pytest.raises(ValueError, match="diverged in epoch 3.*weights of epoch 2"):
        clf.fit(X * 1e6, y)
    assert clf.n_iter_ == 2
    assert clf.network_.parameters_are_finite()
    assert np.array_equal(clf.decision_function(X), expected)


def test_predict_from_many_threads_at_once(data):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, max_iter=3).fit(X, y)
    expected_proba = clf.predict_proba(X)
    expected = clf.predict(X)
    chunks = np.array_split(np.arange(len(X)), 16)

    def predict_chunk(rows):
        return rows, clf.predict(X[rows]), clf.predict_proba(X[rows])

    with ThreadPoolExecutor(max_workers=8) as pool:
        for rows, labels, proba in pool.map(predict_chunk, chunks * 3):
            assert np.array_equal(labels, expected[rows])
            assert np.array_equal(proba, expected_proba[rows])


def test_fit_in_a_thread_does_not_touch_signals(data):
    X, y = data
    errors = []

    def fit():
        try:
            ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(X, y)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=fit)
    thread.start()
    thread.join()
    assert errors == []


def test_two_fits_with_one_seed_give_identical_models(data):
    X, y = data
    first = ForwardForwardClassifier(**SMALL, max_iter=3).fit(X, y)
    second = ForwardForwardClassifier(**SMALL, max_iter=3).fit(X, y)
    for a, b in zip(first.network_.layers, second.network_.layers):
        assert torch.equal(a.weight, b.weight)
        assert torch.equal(a.bias, b.bias)
    assert first.loss_curve_ == second.loss_curve_
    assert np.array_equal(first.decision_function(X), second.decision_function(X))


def test_grid_search_picks_the_same_parameters_with_one_or_two_workers(data):
    X, y = data
    grid = {"learning_rate_init": [0.001, 0.01], "hidden_layer_sizes": [(16,), (64,)]}
    results = [
        GridSearchCV(
            ForwardForwardClassifier(max_iter=3, random_state=0), grid, cv=3, n_jobs=n
        ).fit(X, y)
        for n in (1, 2)
    ]
    assert results[0].best_params_ == results[1].best_params_
    np.testing.assert_array_equal(
        results[0].cv_results_["mean_test_score"],
        results[1].cv_results_["mean_test_score"],
    )
