"""Extending skff from outside the package: a new goodness function is one
class and one registry line, and the estimator accepts its name at once."""

import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.utils._param_validation import InvalidParameterError

from skff import ForwardForwardClassifier
from skff.backend import GOODNESS, Goodness


class SumOfActivities(Goodness):
    """The sum of a row's activities: a goodness that grows linearly, not
    quadratically, with the activity (the worked example of the user guide)."""

    def __call__(self, activity, sum_squares):
        return activity.sum(dim=-1)

    def gradient(self, activity, sum_squares, d_goodness):
        # One for every unit that is on, zero for those the ReLU turned off.
        return (activity > 0).to(activity.dtype) * d_goodness.unsqueeze(-1)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(GOODNESS, "sum_activities", SumOfActivities)


def test_an_unregistered_goodness_is_refused():
    X, y = make_blobs(60, centers=3, random_state=0)
    with pytest.raises(InvalidParameterError, match="'goodness' parameter"):
        ForwardForwardClassifier(goodness="sum_activities").fit(X, y)


def test_a_registered_goodness_trains_and_predicts(registered):
    X, y = make_blobs(300, centers=3, n_features=5, random_state=0)
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(32, 32),
        goodness="sum_activities",
        prediction="goodness",
        negatives="random",
        max_iter=10,
        random_state=0,
    ).fit(X, y)
    assert all(
        isinstance(layer.goodness_function, SumOfActivities)
        for layer in clf.network_.layers
    )
    assert clf.score(X, y) > 0.9


def test_a_registered_goodness_gets_the_gradient_autograd_gives(registered):
    clf = ForwardForwardClassifier(
        hidden_layer_sizes=(16, 8), goodness="sum_activities", max_iter=1
    ).fit(*make_blobs(40, centers=2, n_features=6, random_state=0))
    layer = clf.network_.layers[1]
    inputs = torch.rand(10, 16, generator=torch.Generator().manual_seed(0))
    weight = torch.rand(5) + 0.5
    with torch.no_grad():  # as in training: every gradient is written out
        layer_pass = layer.forward_and_measure(inputs)
        _, d_pre = layer.loss_and_gradient(layer_pass, weight)
        layer.set_gradients(layer_pass, d_pre)
    ours = layer.weight.grad.clone()

    layer.weight.grad = None
    activity = layer(inputs)
    goodness = layer.goodness(activity, activity.square().sum(-1))
    layer.loss(goodness[:5], goodness[5:], weight).backward()
    torch.testing.assert_close(ours, layer.weight.grad)
    assert torch.any(ours != 0)
