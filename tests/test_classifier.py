"""ForwardForwardClassifier as a scikit-learn user meets it."""

import re
import subprocess
import sys
import tracemalloc
import types
import warnings

import joblib
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier
from skff.backend import FFNetwork, learning_rate_factor

# Small and quick, through the same code paths as the defaults.
SMALL = dict(hidden_layer_sizes=(64, 64), max_iter=20, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        n_samples=300,
        n_features=8,
        n_informative=5,
        n_classes=3,
        class_sep=2.0,
        random_state=0,
    )
    return X, y


def test_is_a_classifier_for_sklearn():
    assert is_classifier(ForwardForwardClassifier())
    assert ForwardForwardClassifier.__mro__[1].__name__ == "ClassifierMixin"


@pytest.mark.parametrize(
    "settings",
    [
        {},
        # Uniform negatives teach goodness more slowly than hard ones.
        {"negatives": "random", "prediction": "goodness", "max_iter": 60},
        {"negatives": "random", "prediction": "softmax"},
        {"loss": "threshold"},
        # SymBa's goodness alone predicts the digits (with the threshold loss
        # it predicted about half of them after 10 epochs).
        {"prediction": "goodness"},
        {"prediction": "combined"},
    ],
    ids=[
        "defaults",
        "random-negatives-goodness",
        "random-negatives-softmax",
        "threshold-loss",
        "symba-goodness",
        "combined-prediction",
    ],
)
def test_learns_digits_in_seconds(digits, settings):
    X_train, X_test, y_train, y_test = digits
    model = make_pipeline(
        StandardScaler(), ForwardForwardClassifier(random_state=0, **settings)
    )
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.95


def test_learns_with_the_label_written_over_the_first_pixels(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(label_overlay="replace", random_state=0)
    # Digits' first pixels are not all blank, as MNIST's are: a little is lost.
    assert clf.fit(X_train, y_train).score(X_test, y_test) >= 0.93


def test_learns_with_sgd_and_sum_of_squares_goodness(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(
        optimizer="sgd",
        learning_rate_init=0.001,
        goodness="sum_squares",
        loss="threshold",
        threshold=500.0,  # a mean square of 1 over 500 units, as in Hinton's code
        input_normalization="row",  # Hinton normalises every layer's input
        random_state=0,
    )
    assert clf.fit(X_train, y_train).score(X_test, y_test) >= 0.9


@pytest.mark.parametrize("n_features", [2, 3, 4])
def test_low_dimensional_data_reach_a_linear_models_training_accuracy(n_features):
    # Classes split by a hyperplane away from the origin: which side a row is on
    # depends on its length, which a first layer that normalises rows loses.
    rng = np.random.default_rng(n_features)
    X = rng.normal(size=(300, n_features))
    y = (X @ rng.normal(size=n_features) > 0.7).astype(int)
    linear = LogisticRegression().fit(X, y).score(X, y)
    assert linear >= 0.97
    clf = ForwardForwardClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) >= linear - 0.02


def test_iris_with_the_defaults():
    X, y = load_iris(return_X_y=True)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), ForwardForwardClassifier(random_state=0))
    assert cross_val_score(model, X, y, cv=folds).mean() >= 0.94


def test_a_first_fit_imports_nothing_more_than_later_fits():
    # torch.optim imports torch._dynamo on first use, and a module built on the
    # meta device imports sympy: about 1.5 s for a process's first fit.
    script = (
        "import sys\n"
        "from sklearn.datasets import load_iris\n"
        "from skff import ForwardForwardClassifier\n"
        "X, y = load_iris(return_X_y=True)\n"
        "before = set(sys.modules)\n"
        "ForwardForwardClassifier(max_iter=2).fit(X, y).predict(X)\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    imported = eval(result.stdout)
    assert not [
        name for name in imported if name.startswith(("torch._dynamo", "sympy"))
    ]


def test_fitted_attributes(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    assert clf.n_features_in_ == 8
    assert clf.n_layers_ == 2
    assert clf.n_iter_ == len(clf.loss_curve_) <= 20
    assert clf.t_ == clf.n_iter_ * len(X)
    assert len(clf.layer_loss_curves_) == 2
    assert all(len(curve) == clf.n_iter_ for curve in clf.layer_loss_curves_)
    np.testing.assert_allclose(clf.loss_curve_, np.mean(clf.layer_loss_curves_, axis=0))
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert len(clf.readout_loss_curve_) == clf.n_iter_
    assert clf.validation_scores_ is None
    goodness_only = ForwardForwardClassifier(
        **SMALL, negatives="random", prediction="goodness"
    ).fit(X, y)
    assert goodness_only.readout_loss_curve_ is None


def test_predict_proba_columns_follow_classes_(blobs):
    X, y = blobs
    labels = np.array(["zebra", "ant", "moose"])[y]
    clf = ForwardForwardClassifier(**SMALL).fit(X, labels)
    assert clf.classes_.tolist() == ["ant", "moose", "zebra"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-6)
    decision = clf.decision_function(X)
    assert np.array_equal(clf.classes_[decision.argmax(axis=1)], clf.predict(X))


def test_binary_decision_function_is_one_column():
    X, y = make_classification(n_samples=200, n_features=6, random_state=1)
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    decision = clf.decision_function(X)
    assert decision.shape == (200,)
    assert np.array_equal(clf.predict(X), clf.classes_[(decision > 0).astype(int)])


def test_string_labels_and_many_classes():
    X, y = make_classification(
        n_samples=1200,
        n_features=40,
        n_informative=30,
        n_classes=32,
        n_clusters_per_class=1,
        class_sep=3.0,
        random_state=0,
    )
    labels = np.array([f"class-{k:02d}" for k in range(32)])[y]
    X_train, X_test, y_train, y_test = train_test_split(
        X, labels, stratify=labels, random_state=0
    )
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(128,), max_iter=30, random_state=0
    )
    clf.fit(X_train, y_train)
    assert len(clf.classes_) == 32
    assert set(clf.predict(X_test)) <= set(labels)
    assert clf.score(X_test, y_test) > 0.5  # chance is 1/32


def test_pandas_input_keeps_feature_names(blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = ForwardForwardClassifier(**SMALL).fit(frame, pd.Series(y))
    assert clf.feature_names_in_.tolist() == list(frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = clf.predict(X)
    assert np.array_equal(clf.predict(frame), from_array)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[frame.columns[::-1]])


def test_pipeline_in_grid_search_picks_the_working_rate(blobs):
    X, y = blobs
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(), ForwardForwardClassifier(**SMALL, prediction="goodness")
        ),
        # A rate too small for the layers' goodness to learn anything in 20
        # epochs (near chance) against a working one. (The softmax readout
        # would still learn from tiny steps: their direction is what counts.)
        {"forwardforwardclassifier__learning_rate_init": [1e-7, 0.01]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_["forwardforwardclassifier__learning_rate_init"] == 0.01
    assert search.best_score_ > 0.8
    assert min(search.cv_results_["mean_test_score"]) < search.best_score_ - 0.2


def test_cross_val_score(blobs):
    X, y = blobs
    scores = cross_val_score(ForwardForwardClassifier(**SMALL), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.8


def test_fitting_leaves_global_seeds_alone(blobs):
    X, y = blobs
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()
    ForwardForwardClassifier(**SMALL).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


def test_partial_fit_loop_learns_and_counts_epochs(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(hidden_layer_sizes=(64, 64), random_state=0)
    clf.partial_fit(X[:150], y[:150], classes=np.unique(y))
    start = clf.score(X, y)
    for _ in range(10):
        clf.partial_fit(X[:150], y[:150])
        clf.partial_fit(X[150:], y[150:])
    assert clf.n_iter_ == 21
    assert clf.t_ == 150 * 21
    assert clf.score(X, y) > max(start, 0.8)


def test_partial_fit_requires_classes_first(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="classes must be passed"):
        ForwardForwardClassifier().partial_fit(X, y)


def test_partial_fit_rejects_unknown_labels(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**SMALL).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])


def test_warm_start_continues_training(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**{**SMALL, "max_iter": 5}, warm_start=True)
    clf.fit(X, y)
    weights = clf.network_.layers[0].weight.detach().clone()
    clf.fit(X, y)
    assert clf.n_iter_ == 10
    assert len(clf.loss_curve_) == 10
    assert not torch.equal(weights, clf.network_.layers[0].weight)

    cold = ForwardForwardClassifier(**{**SMALL, "max_iter": 5}).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 5


def test_warm_start_needs_the_same_classes(blobs):
    # As MLPClassifier: a fit that continues another sees all of its classes.
    X, y = blobs
    clf = ForwardForwardClassifier(**{**SMALL, "max_iter": 2}, warm_start=True)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        clf.fit(X[y != 2], y[y != 2])


def test_warm_start_takes_a_new_learning_rate_but_not_a_new_shape(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**{**SMALL, "max_iter": 2}, warm_start=True)
    clf.fit(X, y)
    clf.set_params(learning_rate_init=0.01, threshold=3.0).fit(X, y)
    for optimizer in clf.network_.optimizers:
        assert all(group["lr"] == 0.01 for group in optimizer.param_groups)
    assert all(layer.layer_loss.threshold == 3.0 for layer in clf.network_.layers)
    clf.set_params(hidden_layer_sizes=(10,))
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(10,\) \(fitted with"):
        clf.fit(X, y)


def test_early_stopping_keeps_the_best_epoch(blobs):
    X, y = blobs
    # A constant rate, so that a shorter fit trains the same first epochs.
    settings = dict(
        SMALL,
        max_iter=40,
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate="constant",
        learning_rate_init=0.03,
    )
    clf = ForwardForwardClassifier(**settings).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    best_epoch = int(np.argmax(clf.validation_scores_)) + 1
    assert best_epoch < clf.n_iter_, "training stopped at its best epoch"
    # The same fit stopped right after the best epoch ends with its weights: the
    # longer fit must have gone back to them.
    at_best = ForwardForwardClassifier(**{**settings, "max_iter": best_epoch})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        at_best.fit(X, y)
    assert at_best.validation_scores_ == clf.validation_scores_[:best_epoch]
    assert np.array_equal(at_best.decision_function(X), clf.decision_function(X))


def test_clone_of_a_fitted_model_is_unfitted(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(X)


def test_reaching_max_iter_warns(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8,), max_iter=2, learning_rate="constant"
    )
    with pytest.warns(ConvergenceWarning, match="maximum iterations") as record:
        clf.fit(X, y)
    assert record[0].filename == __file__  # points at the caller's line


def test_a_finished_decay_schedule_does_not_warn(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)


def test_sample_weight_acts_like_repeated_rows_in_expectation():
    # Minibatches make the two differ fit by fit (scikit-learn excuses SGD from
    # exact equivalence), but over seeds a weight of 3 on one class moves the
    # predictions as three copies of its rows do.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    heavy = y == 1
    weights = np.where(heavy, 3.0, 1.0)
    X_repeated = np.concatenate([X, X[heavy], X[heavy]])
    y_repeated = np.concatenate([y, y[heavy], y[heavy]])
    grid = rng.normal(size=(2000, 2))

    def share_of_heavy_class(X, y, sample_weight=None):
        shares = []
        for seed in range(3):
            clf = ForwardForwardClassifier((32,), max_iter=20, random_state=seed)
            clf.fit(X, y, sample_weight=sample_weight)
            shares.append(np.mean(clf.predict(grid) == 1))
        return np.mean(shares)

    plain = share_of_heavy_class(X, y)
    weighted = share_of_heavy_class(X, y, weights)
    repeated = share_of_heavy_class(X_repeated, y_repeated)
    assert weighted > plain + 0.1
    assert repeated > plain + 0.1
    assert abs(weighted - repeated) < 0.05


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=2000,
        n_features=10,
        n_informative=4,
        weights=[0.93, 0.07],
        flip_y=0.02,
        class_sep=0.6,
        random_state=0,
    )
    return train_test_split(X, y, stratify=y, random_state=0)


def test_balanced_class_weight_raises_balanced_accuracy(imbalanced):
    X_train, X_test, y_train, y_test = imbalanced
    settings = dict(hidden_layer_sizes=(64,), max_iter=10, random_state=0)
    plain = ForwardForwardClassifier(**settings).fit(X_train, y_train)
    balanced = ForwardForwardClassifier(**settings, class_weight="balanced")
    balanced.fit(X_train, y_train)
    before = balanced_accuracy_score(y_test, plain.predict(X_test))
    after = balanced_accuracy_score(y_test, balanced.predict(X_test))
    assert after > before + 0.1


def test_class_weight_multiplies_sample_weight(blobs):
    X, y = blobs
    # Whole and half weights: the products are exact in float32 and float64.
    sample_weight = np.random.default_rng(0).integers(1, 4, size=len(y)) / 2
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    by_class = ForwardForwardClassifier(**SMALL, class_weight=class_weight)
    by_class.fit(X, y, sample_weight=sample_weight)
    by_sample = ForwardForwardClassifier(**SMALL).fit(
        X, y, sample_weight=sample_weight * np.array([1.0, 3.0, 0.5])[y]
    )
    assert np.array_equal(by_class.decision_function(X), by_sample.decision_function(X))


def test_partial_fit_takes_a_class_weight_dict_but_not_balanced(blobs):
    X, y = blobs
    classes = np.unique(y)
    clf = ForwardForwardClassifier(**SMALL, class_weight={0: 2.0, 1: 1.0, 2: 1.0})
    clf.partial_fit(X, y, classes=classes)
    assert clf.n_iter_ == 1
    with pytest.raises(ValueError, match="class_weight='balanced' needs the whole y"):
        clf.set_params(class_weight="balanced").partial_fit(X, y)
    with pytest.raises(ValueError, match="not in class_weight|not in classes"):
        ForwardForwardClassifier(**SMALL, class_weight={7: 2.0}).fit(X, y)


def test_sample_weight_zero_removes_a_class_from_training(blobs):
    X, y = blobs
    weights = np.where(y == 2, 0.0, 1.0)
    clf = ForwardForwardClassifier(**SMALL).fit(X, y, sample_weight=weights)
    assert clf.classes_.tolist() == [0, 1, 2]
    assert np.mean(clf.predict(X) == 2) < 0.1


def test_verbose_prints_one_line_per_epoch(blobs, capsys):
    X, y = blobs
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=3, verbose=1).fit(X, y)
    lines = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("Epoch")
    ]
    assert len(lines) == 3
    assert "loss" in lines[0]


def test_verbose_line_names_each_layer_readout_validation_and_time(blobs, capsys):
    X, y = blobs
    ForwardForwardClassifier(
        hidden_layer_sizes=(8, 8), max_iter=2, early_stopping=True, verbose=1
    ).fit(X, y)
    line = capsys.readouterr().out.splitlines()[0]
    assert re.fullmatch(
        r"Epoch 1: loss [\d.]+ \(layers [\d.]+, [\d.]+\), readout [\d.]+, "
        r"validation score [\d.]+, [\d.]+ s",
        line,
    ), line


def test_quiet_by_default(blobs, capsys):
    X, y = blobs
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


class _RecordingBar:
    """Stands in for tqdm: records what a fit asks of its progress bars."""

    made = []

    def __init__(self, total, **options):
        self.total, self.options, self.done, self.closed = total, options, 0, False
        self.made.append(self)

    def update(self, n_rows):
        self.done += n_rows

    def close(self):
        self.closed = True


def test_verbose_fit_drives_a_tqdm_bar_per_epoch(blobs, monkeypatch):
    X, y = blobs
    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = _RecordingBar
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    _RecordingBar.made = []
    ForwardForwardClassifier(
        hidden_layer_sizes=(8,), max_iter=3, batch_size=64, verbose=1
    ).fit(X, y)
    assert [bar.total for bar in _RecordingBar.made] == [300] * 3
    assert all(bar.done == 300 and bar.closed for bar in _RecordingBar.made)
    assert _RecordingBar.made[0].options["desc"] == "Epoch 1"
    # Only when asked: a quiet fit makes no bar.
    _RecordingBar.made = []
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(X, y)
    assert _RecordingBar.made == []


def test_verbose_fit_without_tqdm_still_prints_its_lines(blobs, monkeypatch, capsys):
    X, y = blobs
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=2, verbose=1).fit(X, y)
    assert capsys.readouterr().out.count("Epoch") == 2


# ----------------------------------------------------------------- inspection
@pytest.mark.parametrize("prediction_layers", ["all", "skip_first", [1]])
@pytest.mark.parametrize(("loss", "logit_scale"), [("threshold", 1.0), ("symba", 3.0)])
def test_layer_goodness_summed_over_prediction_layers_is_the_decision(
    blobs, prediction_layers, loss, logit_scale
):
    """With SymBa the goodness is scaled by alpha, as its loss scales it."""
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 12, 8),
        loss=loss,
        symba_alpha=3.0,
        prediction="goodness",
        prediction_layers=prediction_layers,
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    goodness = clf.layer_goodness(X[:7])
    assert goodness.shape == (7, 3, 3)
    named = {"all": [0, 1, 2], "skip_first": [1, 2]}
    layers = named.get(str(prediction_layers), prediction_layers)
    assert_allclose(
        logit_scale * goodness[..., layers].sum(-1),
        clf.decision_function(X[:7]),
        rtol=1e-5,
    )


def _log_softmax(scores):
    return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


def _median_margin(scores):
    top_two = np.sort(scores, axis=1)[:, -2:]
    return np.median(top_two[:, 1] - top_two[:, 0])


@pytest.mark.parametrize("loss", ["symba", "threshold"])
def test_combined_prediction_adds_both_readouts_log_probabilities(blobs, loss):
    X, y = blobs
    clf = ForwardForwardClassifier(
        **SMALL, loss=loss, prediction_layers=[1], prediction="combined"
    ).fit(X, y)
    logits = clf.set_params(prediction="softmax").decision_function(X)
    goodness = clf.layer_goodness(X)[..., 1]
    # Fitted on all 300 training rows, as fewer than 1,000: on them the scaled
    # goodness has the readout's median margin between its two best labels.
    assert clf.goodness_scale_ > 0
    assert_allclose(
        _median_margin(clf.goodness_scale_ * goodness), _median_margin(logits)
    )
    combined = clf.set_params(prediction="combined").decision_function(X)
    expected = _log_softmax(logits) + _log_softmax(clf.goodness_scale_ * goodness)
    assert_allclose(combined, expected, rtol=1e-5, atol=1e-6)
    assert_allclose(
        clf.predict_proba(X),
        np.exp(expected) / np.exp(expected).sum(1, keepdims=True),
        rtol=1e-5,
    )


def test_combined_prediction_trains_the_network_as_softmax_prediction_does(blobs):
    X, y = blobs
    combined = ForwardForwardClassifier(**SMALL, prediction="combined").fit(X, y)
    softmax = ForwardForwardClassifier(**SMALL, prediction="softmax").fit(X, y)
    combined.set_params(prediction="softmax")
    assert np.array_equal(combined.decision_function(X), softmax.decision_function(X))


def test_prediction_switches_between_the_readouts_of_a_fitted_model(blobs):
    X, y = blobs
    combined = ForwardForwardClassifier(**SMALL, prediction="combined").fit(X, y)
    softmax = ForwardForwardClassifier(**SMALL, prediction="softmax").fit(X, y)
    assert softmax.goodness_scale_ == combined.goodness_scale_ > 0
    softmax.set_params(prediction="combined")
    assert np.array_equal(softmax.decision_function(X), combined.decision_function(X))
    goodness_only = ForwardForwardClassifier(
        **SMALL, negatives="random", prediction="goodness"
    ).fit(X, y)
    assert goodness_only.goodness_scale_ is None
    with pytest.raises(ValueError, match="needs the softmax readout"):
        goodness_only.set_params(prediction="combined").predict(X)
    softmax.goodness_scale_ = None  # as in models fitted before
    with pytest.raises(ValueError, match="needs goodness_scale_, which this model"):
        softmax.predict(X)


def test_partial_fit_fits_the_combined_scale_only_for_the_combined_readout(blobs):
    X, y = blobs
    fitted = ForwardForwardClassifier(**SMALL).fit(X, y)
    assert fitted.goodness_scale_ > 0
    # A stream's next rows, predicted by the softmax readout: no scale is
    # fitted, and the one from fit, which no longer matches, is dropped.
    fitted.partial_fit(X[:40], y[:40])
    assert fitted.goodness_scale_ is None
    with pytest.raises(ValueError, match="partial_fit fits it only with"):
        fitted.set_params(prediction="combined").predict(X)
    # Fitted on the call's rows: on them the scaled goodness has the
    # readout's median margin.
    rows = X[40:80]
    fitted.partial_fit(rows, y[40:80])
    assert fitted.goodness_scale_ > 0
    goodness = fitted.layer_goodness(rows).sum(-1)
    logits = fitted.set_params(prediction="softmax").decision_function(rows)
    assert_allclose(
        _median_margin(fitted.goodness_scale_ * goodness), _median_margin(logits)
    )


def test_combined_prediction_scores_early_stopping_with_a_fitted_scale(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        **{**SMALL, "max_iter": 6}, prediction="combined", early_stopping=True
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ > 0.8
    assert clf.goodness_scale_ > 0


def test_layer_activities_are_what_the_readout_reads(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 8), max_iter=2, random_state=0
    ).fit(X, y)
    activities = clf.layer_activities(X[:9])
    assert [a.shape for a in activities] == [(9, 16), (9, 8)]
    assert all(np.all(a >= 0) for a in activities)  # ReLU
    # The readout is linear in the activities, each scaled to unit RMS.
    scaled = [a / np.sqrt(np.mean(a**2, axis=1, keepdims=True)) for a in activities]
    readout = clf.network_.readout
    logits = np.hstack(scaled) @ readout.weight.detach().numpy().T
    logits += readout.bias.detach().numpy()
    assert_allclose(logits, clf.decision_function(X[:9]), rtol=1e-4, atol=1e-4)


def test_layer_accuracy_is_each_layers_prediction_alone_and_up_to_it(blobs):
    X, y = blobs
    labels = np.array(["north", "south", "east", "west", "up"])[y % 5]
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 12, 8),
        prediction_layers=[1, 2],
        max_iter=3,
        random_state=0,
    ).fit(X, labels)
    accuracy = clf.layer_accuracy(X, labels)
    truth = np.searchsorted(clf.classes_, labels)
    goodness = clf.layer_goodness(X)
    for layer in range(3):
        alone = goodness[:, :, layer].argmax(axis=1)
        summed = goodness[:, :, : layer + 1].sum(axis=2).argmax(axis=1)
        assert accuracy.goodness_alone[layer] == np.mean(alone == truth)
        assert accuracy.goodness_cumulative[layer] == np.mean(summed == truth)
    # The readout does not read layer 0; over all it reads, it is the model.
    assert np.isnan(accuracy.readout_alone[0])
    assert np.isnan(accuracy.readout_cumulative[0])
    assert accuracy.readout_cumulative[2] == clf.score(X, labels)
    # Layer 1 alone: its block of the readout's weights, and the bias.
    activities = clf.layer_activities(X)[1]
    scaled = activities / np.sqrt(np.mean(activities**2, axis=1, keepdims=True))
    weight = clf.network_.readout.weight.detach().numpy()[:, :12]
    logits = scaled @ weight.T + clf.network_.readout.bias.detach().numpy()
    alone = np.mean(logits.argmax(axis=1) == truth)
    assert accuracy.readout_alone[1] == pytest.approx(alone, abs=1 / len(X))


def test_layer_accuracy_without_a_readout_and_with_unknown_labels(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8, 8),
        prediction="goodness",
        negatives="random",
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    accuracy = clf.layer_accuracy(X, y)
    assert accuracy.readout_alone is None and accuracy.readout_cumulative is None
    assert accuracy.goodness_cumulative[-1] == clf.score(X, y)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.layer_accuracy(X, y + 100)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.layer_accuracy(X, y[:-1])


def test_inspection_does_not_depend_on_the_batch_a_row_arrives_in(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 8), max_iter=2, random_state=0
    ).fit(X, y)
    for whole, part in zip(clf.layer_activities(X), clf.layer_activities(X[:5])):
        np.testing.assert_array_equal(whole[:5], part)
    np.testing.assert_array_equal(clf.layer_goodness(X)[:5], clf.layer_goodness(X[:5]))


def test_inspection_validates_its_input(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.layer_goodness(X[:, :5])
    with pytest.raises(NotFittedError):
        ForwardForwardClassifier().layer_activities(X)


def test_replace_overlay_needs_as_many_features_as_classes():
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.arange(60) % 5
    with pytest.raises(ValueError, match="only 4 features.*label_overlay='append'"):
        ForwardForwardClassifier(label_overlay="replace").fit(X, y)


def test_cuda_on_a_machine_without_it_is_a_clear_error(blobs):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    X, y = blobs
    with pytest.raises(ValueError, match="CUDA is not available"):
        ForwardForwardClassifier(device="cuda").fit(X, y)
    clf = ForwardForwardClassifier(**SMALL, device="auto").fit(X, y)
    assert clf.network_.device.type == "cpu"


def test_unknown_device_is_a_clear_error(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="not a device torch knows"):
        ForwardForwardClassifier(device="gpu7").fit(X, y)


def test_empty_hidden_layer_sizes_is_rejected(blobs):
    X, y = blobs
    with pytest.raises(
        ValueError, match="hidden_layer_sizes must hold positive integers"
    ):
        ForwardForwardClassifier(hidden_layer_sizes=()).fit(X, y)


def _fit_and_count_torch_threads(X, y):
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X, y)
    return torch.get_num_threads()


def test_parallel_workers_do_not_oversubscribe(blobs):
    X, y = blobs
    n_jobs = 2
    threads = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(_fit_and_count_torch_threads)(X, y) for _ in range(n_jobs)
    )
    # joblib gives each of its workers cpu_count // n_jobs threads; skff keeps that.
    assert threads == [max(1, joblib.cpu_count() // n_jobs)] * n_jobs


def test_fit_leaves_the_callers_thread_count_alone(blobs):
    X, y = blobs
    before = torch.get_num_threads()
    ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X, y)
    assert torch.get_num_threads() == before


def test_float64_trains_in_float64(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(**SMALL, dtype="float64").fit(X, y)
    assert all(
        p.dtype == torch.float64
        for layer in clf.network_.layers
        for p in layer.parameters()
    )
    single = ForwardForwardClassifier(**SMALL).fit(X, y)
    assert np.mean(clf.predict(X) == single.predict(X)) > 0.9
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match="dtype='float32' \\(fitted with 'float64'\\)"):
        clf.set_params(warm_start=True, dtype="float32").fit(X, y)


@pytest.mark.parametrize(
    "data_dtype, dtype",
    [("float32", "float32"), ("float64", "float64"), ("float64", "float32")],
)
@pytest.mark.parametrize("input_normalization", ["homogeneous", "global", "row"])
def test_training_and_predicting_leave_the_data_unchanged(
    blobs, data_dtype, dtype, input_normalization
):
    # The network reads an array of its own dtype, or float64 data, in place,
    # without a copy: nothing may write into it.
    X, y = blobs
    X = X.astype(data_dtype)
    original = X.copy()
    clf = ForwardForwardClassifier(
        **SMALL, dtype=dtype, input_normalization=input_normalization
    )
    clf.fit(X, y).partial_fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(X, original)


def _weights(clf):
    return [parameter.detach().clone() for parameter in clf.network_._parameters]


@pytest.mark.parametrize("prepared", [True, False])
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"input_normalization": "row"},
        {"input_normalization": "global"},
        {"label_overlay": "replace", "prediction": "combined"},
    ],
)
def test_float64_data_train_as_their_float32_copy_does(
    blobs, monkeypatch, settings, prepared
):
    # A float32 network reads float64 data as they are, rounding each block of
    # rows as it goes: the same bits as rounding the whole data first, both
    # where training prepares the first layer's input once and where it
    # prepares each batch (data too large to prepare).
    if not prepared:
        monkeypatch.setattr("skff._backend.network.PREPARED_ROWS_MAX_BYTES", 0)
    X, y = blobs
    X = X * np.float64(1.0 + 1e-9)  # values that float32 rounds
    rounded = X.astype(np.float32)
    fitted = [
        ForwardForwardClassifier(**SMALL, **settings).fit(data, y)
        for data in (X, rounded)
    ]
    for ours, theirs in zip(*map(_weights, fitted)):
        assert torch.equal(ours, theirs)
    np.testing.assert_array_equal(
        fitted[0].predict_proba(X), fitted[1].predict_proba(rounded)
    )


def test_float64_data_are_not_copied_whole():
    # NumPy reports its arrays to tracemalloc (torch's tensors it does not):
    # validation makes no float32 copy of float64 data, half their size.
    X, y = make_classification(n_samples=20_000, n_features=50, random_state=0)
    clf = ForwardForwardClassifier(hidden_layer_sizes=(16,), max_iter=1)
    tracemalloc.start()
    try:
        clf.fit(X, y).predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 8


@pytest.mark.parametrize("layout", ["read-only", "fortran"])
def test_float64_data_torch_cannot_read_in_place_are_rounded_first(blobs, layout):
    X, y = blobs
    other = np.asfortranarray(X) if layout == "fortran" else X.copy()
    other.flags.writeable = layout != "read-only"
    fitted = [ForwardForwardClassifier(**SMALL).fit(data, y) for data in (X, other)]
    for ours, theirs in zip(*map(_weights, fitted)):
        assert torch.equal(ours, theirs)
    np.testing.assert_array_equal(
        fitted[0].predict_proba(X), fitted[1].predict_proba(other)
    )


def test_linear_decay_holds_the_rate_for_half_then_lowers_it(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8,), max_iter=8, learning_rate="linear_decay"
    )
    factors = [learning_rate_factor(clf.learning_rate, epoch, 8) for epoch in range(8)]
    assert factors == [1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25]
    clf.fit(X, y)
    rates = {g["lr"] for opt in clf.network_.optimizers for g in opt.param_groups}
    assert rates == {0.25 * clf.learning_rate_init}
    clf.partial_fit(X, y)
    rates = {g["lr"] for opt in clf.network_.optimizers for g in opt.param_groups}
    assert rates == {clf.learning_rate_init}


def test_fit_equals_one_epoch_fits_at_the_scheduled_rates(blobs):
    # benchmarks/mnist_accuracy.py measures learning curves this way.
    X, y = blobs
    settings = dict(SMALL, max_iter=6, readout_learning_rate_init=0.01)
    whole = ForwardForwardClassifier(**settings).fit(X, y)
    stepwise = ForwardForwardClassifier(**settings, warm_start=True)
    for epoch in range(6):
        factor = learning_rate_factor(whole.learning_rate, epoch, 6)
        stepwise.set_params(
            max_iter=1,
            learning_rate_init=factor * whole.learning_rate_init,
            readout_learning_rate_init=factor * 0.01,
        ).fit(X, y)
    assert np.array_equal(whole.decision_function(X), stepwise.decision_function(X))
    assert whole.loss_curve_ == stepwise.loss_curve_


def test_readout_learns_at_its_own_rate(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        **SMALL, learning_rate="constant", readout_learning_rate_init=0.05
    ).fit(X, y)
    *layers, readout = clf.network_.optimizers
    assert {g["lr"] for g in readout.param_groups} == {0.05}
    layer_rate = clf.learning_rate_init
    assert {g["lr"] for o in layers for g in o.param_groups} == {layer_rate}


@pytest.mark.parametrize(
    ("prediction_layers", "expected"),
    [("all", (0, 1, 2)), ("skip_first", (1, 2)), ([2, 0], (0, 2)), ([-1], (2,))],
)
def test_prediction_layers_choose_what_the_readout_reads(
    blobs, prediction_layers, expected
):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 8, 4),
        max_iter=2,
        prediction_layers=prediction_layers,
        random_state=0,
    ).fit(X, y)
    assert clf.network_.prediction_layers == expected
    widths = {0: 16, 1: 8, 2: 4}
    assert clf.network_.readout.in_features == sum(widths[i] for i in expected)
    assert clf.set_params(prediction="goodness").predict(X).shape == y.shape


def test_skip_first_with_a_single_layer_reads_that_layer(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8,), max_iter=2, prediction_layers="skip_first"
    ).fit(X, y)
    assert clf.network_.prediction_layers == (0,)


@pytest.mark.parametrize("bad", [[], [3], [0.5], [[0, 1]], ["first"]])
def test_bad_prediction_layers_are_a_clear_error(blobs, bad):
    X, y = blobs
    clf = ForwardForwardClassifier(hidden_layer_sizes=(8, 8, 8), prediction_layers=bad)
    with pytest.raises(ValueError, match="prediction_layers must be"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "settings",
    [
        dict(normalization="l2", threshold=0.5),
        dict(peer_normalization=0.03),
        dict(weight_decay=1e-3, optimizer="sgd", learning_rate_init=0.05),
        dict(training_mode="greedy", inner_steps=3),
        dict(negatives="shuffle"),
        dict(collaboration=1.0),
    ],
    ids=["l2", "peer", "weight-decay", "greedy", "shuffle", "collaboration"],
)
def test_every_recipe_option_learns(digits, settings):
    X_train, X_test, y_train, y_test = digits
    clf = ForwardForwardClassifier(**{**SMALL, **settings}).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.85


def test_collaboration_needs_joint_training_and_a_second_layer(blobs):
    X, y = blobs
    greedy = ForwardForwardClassifier(training_mode="greedy", collaboration=1.0)
    with pytest.raises(ValueError, match="collaboration needs training_mode='joint'"):
        greedy.fit(X, y)
    # With one layer there is no other layer to collaborate with.
    settings = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    alone = ForwardForwardClassifier(**settings).fit(X, y)
    together = ForwardForwardClassifier(**settings, collaboration=1.0).fit(X, y)
    np.testing.assert_array_equal(
        alone.decision_function(X), together.decision_function(X)
    )


def test_warm_start_refuses_another_normalization(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(hidden_layer_sizes=(8,), max_iter=1, warm_start=True)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="normalization='l2'"):
        clf.set_params(normalization="l2").fit(X, y)


def test_label_forwarding_learns_persists_and_is_part_of_the_shape(blobs, tmp_path):
    import skff

    X, y = blobs
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 16),
        label_forwarding="every_layer",
        max_iter=20,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.network_.layers[1].label_weight.shape == (len(clf.classes_), 16)
    skff.save(clf, tmp_path / "ffcl.skff")
    loaded = skff.load(tmp_path / "ffcl.skff")
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    with pytest.raises(ValueError, match="label_forwarding='input'"):
        clf.set_params(label_forwarding="input").fit(X, y)


# ------------------------------------------------------------- mixed precision
@pytest.mark.parametrize("mixed_precision", ["tf32", "bfloat16"])
def test_mixed_precision_learns_and_keeps_float32_weights(blobs, mixed_precision):
    X, y = blobs
    clf = ForwardForwardClassifier(mixed_precision=mixed_precision, **SMALL).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert all(p.dtype == torch.float32 for p in clf.network_.layers[0].parameters())
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.layer_goodness(X[:3]).dtype == np.float64


def test_bfloat16_training_learns_as_float32_does(digits):
    """Every step multiplies by the current weights: a bfloat16 copy cached for
    the whole fit (autocast's default) froze the readout at its zero start."""
    X_train, X_test, y_train, y_test = digits
    exact = ForwardForwardClassifier(**SMALL).fit(X_train, y_train)
    fast = clone(exact).set_params(mixed_precision="bfloat16").fit(X_train, y_train)
    assert fast.readout_loss_curve_[-1] < 0.5 * fast.readout_loss_curve_[0]
    assert_allclose(fast.readout_loss_curve_, exact.readout_loss_curve_, rtol=0.05)
    assert fast.score(X_test, y_test) > exact.score(X_test, y_test) - 0.02


def test_bfloat16_matmuls_change_the_numbers_but_not_the_predictions(blobs):
    X, y = blobs
    exact = ForwardForwardClassifier(**SMALL).fit(X, y)
    fast = clone(exact).set_params(mixed_precision="bfloat16")
    fast.network_ = exact.network_  # same weights, bfloat16 products
    fast.classes_, fast.n_features_in_ = exact.classes_, exact.n_features_in_
    scores, fast_scores = exact.decision_function(X), fast.decision_function(X)
    assert not np.array_equal(scores, fast_scores)
    assert_allclose(fast_scores, scores, rtol=0.05, atol=0.05)
    assert np.mean(fast.predict(X) == exact.predict(X)) > 0.97


def test_mixed_precision_restores_torchs_settings(blobs):
    X, y = blobs
    before = torch.get_float32_matmul_precision()
    clf = ForwardForwardClassifier(mixed_precision="tf32", hidden_layer_sizes=(8,))
    clf.set_params(max_iter=1).fit(X, y).predict(X)
    assert torch.get_float32_matmul_precision() == before
    assert not torch.is_autocast_enabled("cpu")


def test_mixed_precision_refuses_float64(blobs):
    X, y = blobs
    clf = ForwardForwardClassifier(mixed_precision="bfloat16", dtype="float64")
    with pytest.raises(ValueError, match="cannot be combined with dtype='float64'"):
        clf.fit(X, y)


def test_readout_has_its_own_weight_decay_defaulting_to_the_layers(blobs):
    X, y = blobs

    def decays(clf):
        return [
            [group["weight_decay"] for group in optimizer.param_groups]
            for optimizer in clf.network_.optimizers
        ]

    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8, 8), weight_decay=1e-3, max_iter=1, warm_start=True
    ).fit(X, y)
    assert decays(clf) == [[1e-3, 0.0]] * 3  # two layers, readout; biases spared
    clf.set_params(readout_weight_decay=3e-3).fit(X, y)
    assert decays(clf) == [[1e-3, 0.0]] * 2 + [[3e-3, 0.0]]
    # A huge readout decay all but zeroes the readout's weights and leaves the
    # layers alone (random negatives do not read the readout).
    strong = ForwardForwardClassifier(
        hidden_layer_sizes=(8, 8),
        readout_weight_decay=50.0,
        negatives="random",
        optimizer="sgd",
        learning_rate_init=0.01,
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    free = clone(strong).set_params(readout_weight_decay=None).fit(X, y)
    strong_readout = strong.network_.readout.weight.abs().max()
    assert strong_readout < 0.1 * free.network_.readout.weight.abs().max()
    for ours, theirs in zip(strong.network_.layers, free.network_.layers):
        assert torch.equal(ours.weight, theirs.weight)


@pytest.mark.parametrize(
    "n_samples, expected",
    [
        (12, 12),
        (50, 32),
        (150, 32),
        (600, 120),
        (640, 128),
        (1797, 128),
        (25_600, 128),
        (60_000, 300),
        (102_400, 512),
        (10**6, 512),
    ],
)
def test_auto_batch_size_follows_the_data_size(n_samples, expected, monkeypatch):
    # Small data take at least 5 steps per epoch, in batches of at least 32 rows
    # (or all of them); then batches of 128; large data take about 200 steps per
    # epoch, in batches of at most 512.
    seen = []
    original = FFNetwork.train_epoch

    def spy(self, X, y, sample_weight, batch_size, *args, **kwargs):
        seen.append(batch_size)
        return original(self, X[:2], y[:2], sample_weight[:2], 2, *args, **kwargs)

    monkeypatch.setattr(FFNetwork, "train_epoch", spy)
    X = np.zeros((n_samples, 2), dtype=np.float32)
    X[:, 0] = np.arange(n_samples) % 2
    y = np.arange(n_samples) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ForwardForwardClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(X, y)
    assert seen == [expected]
