"""skff.plot: Displays of a fitted network, drawn with matplotlib's Agg backend."""

import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from skff import ForwardForwardClassifier
from skff.plot import (
    GoodnessDisplay,
    LayerAccuracyDisplay,
    LayerActivityDisplay,
    LossCurveDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return ForwardForwardClassifier(
        hidden_layer_sizes=(12, 10, 8), max_iter=4, random_state=0
    ).fit(X, y)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_loss_curves_draw_one_line_per_layer_and_the_readout(fitted):
    display = LossCurveDisplay.from_estimator(fitted)
    assert len(display.lines_) == 4
    for line, curve in zip(display.lines_, fitted.layer_loss_curves_):
        np.testing.assert_allclose(line.get_ydata(), curve)
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(
        display.lines_[-1].get_ydata(), fitted.readout_loss_curve_
    )
    # The readout's cross-entropy has an axis of its own; epochs are whole.
    assert display.lines_[-1].axes is display.readout_ax_ is not display.ax_
    assert all(tick == int(tick) for tick in display.ax_.get_xticks())
    assert display.validation_ax_ is None
    assert display.figure_ is display.ax_.figure


def test_loss_curves_show_validation_scores_on_a_second_axis(data):
    X, y = data
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8,),
        prediction="goodness",
        negatives="random",
        early_stopping=True,
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(clf)
    assert len(display.lines_) == 2  # one layer, no readout, validation
    np.testing.assert_allclose(display.lines_[-1].get_ydata(), clf.validation_scores_)
    assert display.lines_[-1].axes is display.validation_ax_


def test_loss_curves_draw_on_the_axes_given(fitted):
    _, ax = plt.subplots()
    assert LossCurveDisplay.from_estimator(fitted, ax=ax).ax_ is ax


def test_goodness_display_shows_each_layer_under_each_label(data, fitted):
    X, y = data
    display = GoodnessDisplay.from_estimator(fitted, X[:5], y[:5])
    goodness = fitted.layer_goodness(X[:5])
    assert len(display.axes_) == 3
    for layer, image in enumerate(display.images_):
        np.testing.assert_allclose(image.get_array(), goodness[:, :, layer])
    labels = [tick.get_text() for tick in display.axes_[0].get_xticklabels()]
    assert labels == ["ant", "bee", "cat"]
    # The true label of each sample is outlined, in every panel.
    outlined = [
        (patch.get_x() + 0.5, patch.get_y() + 0.5) for patch in display.axes_[0].patches
    ]
    expected = [
        (list(fitted.classes_).index(label), row) for row, label in enumerate(y[:5])
    ]
    assert outlined == expected


def test_goodness_display_needs_one_axes_per_layer(data, fitted):
    X, _ = data
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="must hold 3 axes, got 2"):
        GoodnessDisplay.from_estimator(fitted, X[:3], ax=axes)


def test_activity_display_shows_every_layers_neutral_activity(data, fitted):
    X, y = data
    display = LayerActivityDisplay.from_estimator(fitted, X[:6], y[:6])
    for image, activity in zip(display.images_, fitted.layer_activities(X[:6])):
        np.testing.assert_allclose(image.get_array(), activity)
    rows = [tick.get_text() for tick in display.axes_[0].get_yticklabels()]
    assert rows == list(y[:6])


@pytest.mark.parametrize(
    "draw",
    [
        lambda clf, X: LossCurveDisplay.from_estimator(clf),
        lambda clf, X: GoodnessDisplay.from_estimator(clf, X),
        lambda clf, X: LayerActivityDisplay.from_estimator(clf, X),
    ],
)
def test_displays_need_a_fitted_estimator(data, draw):
    X, _ = data
    with pytest.raises(NotFittedError):
        draw(ForwardForwardClassifier(), X)


def test_displays_say_matplotlib_is_missing(fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError, match="LossCurveDisplay.from_estimator requires matplotlib"
    ):
        LossCurveDisplay.from_estimator(fitted)


def test_goodness_colours_are_centred_on_the_threshold_or_the_mean():
    goodness = np.array([[[1.0], [5.0]], [[2.0], [3.0]]])  # 2 samples, 2 labels
    with_threshold = GoodnessDisplay(goodness=goodness, classes=[0, 1], threshold=4.0)
    assert with_threshold.plot().images_[0].get_clim() == (1.0, 7.0)
    without = GoodnessDisplay(goodness=goodness, classes=[0, 1]).plot()
    assert without.images_[0].get_clim() == (0.5, 5.0)  # mean 2.75, spread 2.25


@pytest.mark.parametrize("loss", ["threshold", "symba"])
def test_goodness_display_centres_on_the_threshold_only_where_the_loss_has_one(
    data, loss
):
    X, y = data
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(8,), loss=loss, threshold=3.0, max_iter=2, random_state=0
    ).fit(X, y)
    display = GoodnessDisplay.from_estimator(clf, X[:4])
    assert display.threshold == (3.0 if loss == "threshold" else None)


def test_layer_accuracy_draws_a_line_per_series_over_the_layers(fitted, data):
    X, y = data
    display = LayerAccuracyDisplay.from_estimator(fitted, X, y)
    accuracy = fitted.layer_accuracy(X, y)
    assert set(display.lines_) == set(accuracy)
    for key, line in display.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(line.get_ydata(), accuracy[key])
    assert display.ax_.get_ylabel() == "accuracy"
    assert len(display.ax_.get_legend().get_texts()) == 4


def test_layer_accuracy_leaves_out_the_readout_a_model_lacks(data):
    X, y = data
    model = ForwardForwardClassifier(
        hidden_layer_sizes=(8,),
        prediction="goodness",
        negatives="random",
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    _, ax = plt.subplots()
    display = LayerAccuracyDisplay.from_estimator(model, X, y, ax=ax)
    assert display.ax_ is ax
    assert set(display.lines_) == {"goodness_alone", "goodness_cumulative"}
