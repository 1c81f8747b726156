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
