"""Scaling out and down: Dask clusters, thread limits, training from disk."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skff import ForwardForwardClassifier
from skff._backend.network import FFNetwork
from skff._threads import (
    SMALL_STEP_ACTIVITIES,
    SMALL_STEP_MULTIPLY_ADDS,
    step_thread_limit,
)


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=400,
        n_features=10,
        n_informative=6,
        n_classes=3,
        class_sep=2.0,
        random_state=0,
    )


def _search():
    # One thread per fit: the same arithmetic in every process, so the two
    # backends must agree exactly.
    model = make_pipeline(
        StandardScaler(),
        ForwardForwardClassifier(
            hidden_layer_sizes=(16,), max_iter=5, random_state=0, n_threads=1
        ),
    )
    grid = {
        "forwardforwardclassifier__threshold": [1.0, 4.0],
        "forwardforwardclassifier__hidden_layer_sizes": [(8,), (16, 16)],
    }
    return GridSearchCV(model, grid, cv=3, n_jobs=-1)


def test_grid_search_on_a_dask_cluster_matches_joblibs_default(data):
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed: pip install skff[dask]"
    )
    import joblib

    X, y = data
    local = _search().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = _search().fit(X, y)
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


def test_n_threads_bounds_torch_during_fit_and_predict(data, monkeypatch):
    X, y = data
    seen = []
    clf = ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1, n_threads=1)
    original = clf._run_epochs

    def recording(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(clf, "_run_epochs", recording)
    before = torch.get_num_threads()
    clf.fit(X, y)
    assert seen == [1]
    assert torch.get_num_threads() == before


@pytest.fixture
def two_torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _threads_of_training_steps(monkeypatch, clf, X, y):
    """Fit ``clf`` and return torch's thread count in each training epoch."""
    return _threads_of_training_epochs(monkeypatch, lambda: clf.fit(X, y))


def _threads_of_training_epochs(monkeypatch, train):
    """Call ``train()`` and return torch's thread count in each training epoch."""
    seen = []
    original = FFNetwork.train_epoch

    def recording(network, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(network, *args, **kwargs)

    monkeypatch.setattr(FFNetwork, "train_epoch", recording)
    train()
    return seen


def test_small_training_steps_run_on_one_thread(data, monkeypatch, two_torch_threads):
    X, y = data  # 400 rows: batches of 80 rows of 10 features into 100 units
    clf = ForwardForwardClassifier(hidden_layer_sizes=(100,), max_iter=2)
    network = clf.fit(X, y).network_
    assert 80 * network.multiply_adds_per_row() <= SMALL_STEP_MULTIPLY_ADDS
    assert 80 * network.activities_per_row() <= SMALL_STEP_ACTIVITIES
    assert _threads_of_training_steps(monkeypatch, clf, X, y) == [1, 1]
    assert torch.get_num_threads() == 2


def test_partial_fit_on_small_chunks_runs_on_one_thread(
    data, monkeypatch, two_torch_threads
):
    X, y = data  # chunks of 80 rows of 10 features into 100 units, one step each
    clf = ForwardForwardClassifier(hidden_layer_sizes=(100,))

    def stream():
        clf.partial_fit(X[:80], y[:80], classes=np.unique(y))
        clf.partial_fit(X[80:160], y[80:160])

    assert _threads_of_training_epochs(monkeypatch, stream) == [1, 1]
    assert torch.get_num_threads() == 2


def test_steps_of_many_multiply_adds_keep_every_thread(monkeypatch, two_torch_threads):
    # Batches of 32 rows of 4000 features into 16 units: few activities.
    X, y = make_classification(n_samples=160, n_features=4000, random_state=0)
    clf = ForwardForwardClassifier(hidden_layer_sizes=(16,), max_iter=1)
    network = clf.fit(X, y).network_
    assert 32 * network.multiply_adds_per_row() > SMALL_STEP_MULTIPLY_ADDS
    assert 32 * network.activities_per_row() <= SMALL_STEP_ACTIVITIES
    assert _threads_of_training_steps(monkeypatch, clf, X, y) == [2]


def test_steps_of_many_activities_keep_every_thread(monkeypatch, two_torch_threads):
    # Batches of 128 rows of 2 features into 1000 units: few multiply-adds.
    X, y = make_classification(
        n_samples=640, n_features=2, n_informative=2, n_redundant=0, random_state=0
    )
    clf = ForwardForwardClassifier(batch_size=128, max_iter=1)
    network = clf.fit(X, y).network_
    assert 128 * network.multiply_adds_per_row() <= SMALL_STEP_MULTIPLY_ADDS
    assert 128 * network.activities_per_row() > SMALL_STEP_ACTIVITIES
    assert _threads_of_training_steps(monkeypatch, clf, X, y) == [2]


def test_step_size_counts_every_product_and_activity_of_a_row(data):
    X, y = data  # 10 features, 3 classes: appended one-hot and a constant
    clf = ForwardForwardClassifier(hidden_layer_sizes=(7, 5), max_iter=1).fit(X, y)
    # Layers read the data and the constant (the label is a row lookup); the
    # readout reads both layers' units.
    assert clf.network_.multiply_adds_per_row() == 11 * 7 + 7 * 5 + (7 + 5) * 3
    assert clf.network_.activities_per_row() == 7 + 5


def test_step_thread_limit_is_one_only_for_a_step_small_in_both_measures():
    small = (SMALL_STEP_MULTIPLY_ADDS, SMALL_STEP_ACTIVITIES)
    assert step_thread_limit(*small) == 1
    assert step_thread_limit(small[0] + 1, small[1]) is None
    assert step_thread_limit(small[0], small[1] + 1) is None


def test_n_threads_never_raises_a_limit_set_from_outside(data):
    X, y = data
    with threadpool_limits(limits=1):
        clf = ForwardForwardClassifier(
            hidden_layer_sizes=(8,), max_iter=1, n_threads=8
        ).fit(X, y)
        assert torch.get_num_threads() == 1
    assert clf.predict(X).shape == y.shape


def test_partial_fit_over_a_memmap_matches_fit_on_the_array(data, tmp_path):
    X, y = data
    X = StandardScaler().fit_transform(X).astype(np.float32)
    path = tmp_path / "X.f32"
    X.tofile(path)
    on_disk = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    settings = dict(hidden_layer_sizes=(32, 32), random_state=0)
    n_epochs, chunk = 20, 100

    whole = ForwardForwardClassifier(
        **settings, max_iter=n_epochs, learning_rate="constant"
    ).fit(X, y)
    streamed = ForwardForwardClassifier(**settings)
    classes = np.unique(y)
    for _ in range(n_epochs):
        for start in range(0, len(y), chunk):
            rows = slice(start, start + chunk)
            streamed.partial_fit(on_disk[rows], y[rows], classes=classes)
    # The same samples, epochs and rate; only the batches differ.
    assert abs(streamed.score(X, y) - whole.score(X, y)) < 0.05
    assert streamed.score(X, y) > 0.8
    assert streamed.t_ == whole.t_
