"""scikit-learn's callbacks: a fit is a task, each epoch one of its subtasks."""

import importlib
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
LABELS = np.array(["setosa", "versicolor", "virginica"])[y]


class Recorder:
    """Keeps what each hook received; asks to stop after ``stop_after`` epochs."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []
        self.fitted = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, y=None, fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name == "epoch":
            self.labels = y
            self.fitted.append(fitted_estimator)
            return len(self.fitted) == self.stop_after
        return False


def test_each_epoch_is_a_subtask_of_the_fit():
    recorder = Recorder()
    ForwardForwardClassifier(max_iter=3, random_state=0).set_callbacks(recorder).fit(
        X, y
    )
    epochs = [("begin", "epoch", i) for i in range(3)]
    assert recorder.events[:2] == [("setup", "fit"), ("begin", "fit", 0)]
    assert recorder.events[-2:] == [("end", "fit", 0), ("teardown", "fit")]
    assert [event for event in recorder.events if event[0] == "begin"][1:] == epochs


def test_callbacks_see_the_labels_as_given():
    recorder = Recorder()
    ForwardForwardClassifier(max_iter=1, random_state=0).set_callbacks(recorder).fit(
        X, LABELS
    )
    np.testing.assert_array_equal(recorder.labels, LABELS)


def test_an_epochs_fitted_estimator_predicts_as_a_fit_that_stopped_there():
    recorder = Recorder()
    settings = dict(random_state=0, learning_rate="constant", prediction="combined")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ForwardForwardClassifier(max_iter=4, **settings)
        model.set_callbacks(recorder).fit(X, y)
        stopped = ForwardForwardClassifier(max_iter=2, **settings).fit(X, y)
    after_two = recorder.fitted[1]
    # Training went on after epoch 2: the callback's copy did not follow it.
    np.testing.assert_allclose(
        after_two.decision_function(X), stopped.decision_function(X), rtol=1e-6
    )
    assert not np.allclose(model.decision_function(X), stopped.decision_function(X))
    np.testing.assert_array_equal(recorder.fitted[-1].predict(X), model.predict(X))


def test_a_callback_can_stop_training_without_a_convergence_warning():
    recorder = Recorder(stop_after=2)
    model = ForwardForwardClassifier(
        max_iter=10, learning_rate="constant", random_state=0
    ).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ == 2
    assert len(model.loss_curve_) == 2


def test_partial_fit_is_one_epoch():
    recorder = Recorder()
    model = ForwardForwardClassifier(random_state=0).set_callbacks(recorder)
    model.partial_fit(X, y, classes=np.unique(y))
    assert [e for e in recorder.events if e[0] == "end"] == [
        ("end", "epoch", 0),
        ("end", "fit", 0),
    ]


def test_scoring_monitor_records_a_score_per_epoch():
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = ForwardForwardClassifier(max_iter=3, random_state=0)
    model.set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs()  # the most recent fit's
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == 3
    assert epochs[-1]["accuracy"] == pytest.approx(model.score(X, y))


def test_a_progress_bar_set_on_a_grid_search_reaches_every_fit():
    pytest.importorskip("rich")
    recorder = Recorder()
    search = GridSearchCV(
        ForwardForwardClassifier(random_state=0), {"max_iter": [1, 2]}, cv=2
    )
    search.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert search.best_estimator_.n_iter_ in (1, 2)
    # A callback set on the inner estimator is its own: it sees each of its fits.
    search = GridSearchCV(
        ForwardForwardClassifier(max_iter=1, random_state=0).set_callbacks(recorder),
        {"hidden_layer_sizes": [(8,), (16,)]},
        cv=2,
    ).fit(X, y)
    # Two candidates on two folds, then the refit.
    assert len([e for e in recorder.events if e[:2] == ("end", "fit")]) == 5


def test_without_scikit_learns_callbacks_a_fit_is_unchanged(monkeypatch):
    """With scikit-learn < 1.9 (no ``sklearn.callback``) the stand-in mixin's
    context does nothing, and a fit gives the same model."""
    import skff._callbacks

    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    old = importlib.reload(skff._callbacks)
    available, stand_in = old.CALLBACKS_AVAILABLE, old.CallbackSupportMixin
    monkeypatch.undo()
    importlib.reload(skff._callbacks)
    assert not available
    assert not hasattr(stand_in, "set_callbacks")

    expected = ForwardForwardClassifier(max_iter=2, random_state=0).fit(X, y)
    monkeypatch.setattr(
        ForwardForwardClassifier,
        "_init_callback_context",
        stand_in._init_callback_context,
    )
    model = ForwardForwardClassifier(max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(
        model.decision_function(X), expected.decision_function(X)
    )
