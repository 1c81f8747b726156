"""Weight averaging: predictions read a moving average of the training weights."""

import pickle
from copy import deepcopy

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from test_backend import data, make_network

from skff import ForwardForwardClassifier, load, save
from skff._backend.averaging import decay_per_step


def parameters(network):
    return [p.detach().clone() for m in network._modules() for p in m.parameters()]


def recording_weights_after_each_step(network):
    """Make ``network`` record its weights after every training step."""
    after_steps = []
    train_step = network._train_step

    def step(*args):
        losses = train_step(*args)
        after_steps.append(parameters(network))
        return losses

    network._train_step = step
    return after_steps


def explicit_average(after_steps, decays):
    """Step ``s``'s weights count ``(1 - d_s)`` times every later decay, over
    the sum of those counts."""
    counts = [
        (1 - decays[s]) * float(np.prod(decays[s + 1 :])) for s in range(len(decays))
    ]
    total = sum(counts)
    return [
        sum(count * step[i] for count, step in zip(counts, after_steps)) / total
        for i in range(len(after_steps[0]))
    ]


def test_the_horizon_spans_averaging_epochs_of_steps_and_at_least_one_step():
    assert decay_per_step(0.5, 200) == pytest.approx(0.99)
    assert decay_per_step(2.0, 5) == pytest.approx(0.9)
    assert decay_per_step(0.5, 2) == 0.0  # one step: the last weights alone
    assert decay_per_step(0.1, 3) == 0.0


def test_the_average_weighs_every_step_by_its_decays_whatever_the_epoch_length():
    network = make_network(averaging_epochs=1.5, dtype=torch.float64)
    X, y = data(n_rows=40)
    X = X.double()
    after_steps = recording_weights_after_each_step(network)
    network.train_epoch(X, y, torch.ones(40), batch_size=8)  # 5 steps an epoch
    network.train_epoch(X, y, torch.ones(40), batch_size=20)  # 2 steps an epoch
    decays = [decay_per_step(1.5, 5)] * 5 + [decay_per_step(1.5, 2)] * 2
    assert len(after_steps) == len(decays)
    expected = explicit_average(after_steps, decays)
    # Between epochs the network's weights are the average.
    for average, explicit in zip(parameters(network), expected):
        torch.testing.assert_close(average, explicit)
    for training, last in zip(network.weight_average.stored, after_steps[-1]):
        assert torch.equal(training, last)


def test_averaging_leaves_training_alone_and_predictions_read_the_average():
    X, y = data(n_rows=40)
    averaged, plain = make_network(averaging_epochs=1.0), make_network()
    for _ in range(3):
        assert averaged.train_epoch(X, y, torch.ones(40), 8) == plain.train_epoch(
            X, y, torch.ones(40), 8
        )
    for a, b in zip(averaged.weight_average.stored, parameters(plain)):
        assert torch.equal(a, b)
    assert plain.weight_average is None
    scores = plain.readout_logits(X)
    # The plain network given the averaged weights predicts as the averaged one.
    with torch.no_grad():
        for parameter, average in zip(plain._parameters, parameters(averaged)):
            parameter.copy_(average)
    for method in ("goodness_scores", "readout_logits", "layer_goodness"):
        assert torch.equal(getattr(averaged, method)(X), getattr(plain, method)(X))
    assert not torch.equal(averaged.readout_logits(X), scores)


def test_snapshots_and_pickles_keep_the_average_and_training_goes_on_alike():
    network = make_network(averaging_epochs=1.0)
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    snapshot = network.snapshot()
    scores = network.readout_logits(X)
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    network.restore(snapshot)
    assert torch.equal(network.readout_logits(X), scores)
    assert network.weight_average.mass == snapshot["weight_average"]["mass"]
    restored = pickle.loads(pickle.dumps(network))
    copied = deepcopy(network)
    for other in (restored, copied):
        assert torch.equal(other.readout_logits(X), scores)
    for each in (network, restored, copied):
        each.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    for other in (restored, copied):
        assert torch.equal(other.readout_logits(X), network.readout_logits(X))


def test_switching_averaging_off_predicts_with_the_weights_themselves():
    X, y = make_classification(200, 6, n_informative=4, random_state=0)
    model = ForwardForwardClassifier((32,), max_iter=4, random_state=0).fit(X, y)
    assert model.network_.weight_average is not None
    averaged_scores = model.decision_function(X)
    model.set_params(warm_start=True, averaging_epochs=0.0).fit(X, y)
    assert model.network_.weight_average is None
    reference = ForwardForwardClassifier(
        (32,), max_iter=4, random_state=0, averaging_epochs=0.0
    ).fit(X, y)
    assert not np.array_equal(averaged_scores, reference.decision_function(X))
    # Averaging never changed training, so the two now hold the same weights.
    reference.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(
        model.decision_function(X), reference.decision_function(X)
    )


def test_a_saved_model_predicts_from_the_same_average(tmp_path):
    X, y = make_classification(200, 6, n_informative=4, random_state=0)
    model = ForwardForwardClassifier((32,), max_iter=3, random_state=0).fit(X, y)
    save(model, tmp_path / "model.skff")
    loaded = load(tmp_path / "model.skff")
    np.testing.assert_array_equal(
        loaded.decision_function(X), model.decision_function(X)
    )
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(
        loaded.decision_function(X), model.decision_function(X)
    )


def test_a_training_weight_that_is_not_finite_counts_as_divergence():
    network = make_network(averaging_epochs=1.0)
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    assert network.parameters_are_finite()
    network.weight_average.stored[0][0, 0] = float("nan")
    assert not network.parameters_are_finite()
