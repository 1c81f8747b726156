"""The torch backend: locality of learning, the overlay algebra, negatives, scoring."""

import math
import pickle
from copy import deepcopy
from functools import partial

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from skff._backend import FFNetwork, scoring
from skff._backend.config import SETTINGS_OF_OLDER_NETWORKS
from skff._backend.first_layer import LabelledFirstLayer
from skff._backend.layer import weight_gradient
from skff._backend.negatives import (
    all_wrong_labels,
    hard_wrong_labels,
    random_wrong_labels,
    shuffled_labels,
)
from skff._backend.network import _map_state
from skff._backend.overlay import AppendOverlay
from skff._backend.sparse import reduction_block


def make_network(**overrides):
    settings = dict(
        n_features=12,
        n_classes=4,
        hidden_layer_sizes=(16, 8, 8),
        overlay="append",
        label_scale=0.5,
        goodness="mean_squares",
        threshold=2.0,
        negatives="random",
        softmax_readout=True,
        optimizer="adam",
        learning_rate=0.01,
        momentum=0.9,
        seed=0,
        device="cpu",
        # The rest as networks were built before every setting was explicit:
        # rows normalised (the explicit computations below do so; the other
        # input normalisations have tests of their own), the threshold loss,
        # no decay, no peer normalisation, joint training, one inner step.
        **SETTINGS_OF_OLDER_NETWORKS,
    )
    settings.update(overrides)
    return FFNetwork(**settings)


def data(n_rows=32, n_features=12, n_classes=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n_rows, n_features, generator=generator)
    y = torch.randint(0, n_classes, (n_rows,), generator=generator)
    return X, y


def explicit_overlay(X, labels, n_classes, overlay, label_scale):
    """The overlaid input written out in full, as the Keras example builds it.

    Rows are first brought to unit max-abs, which the first layer, blind to a
    row's scale, does to keep squares from overflowing.
    """
    X = X / X.abs().amax(dim=1, keepdim=True)
    code = torch.nn.functional.one_hot(labels, n_classes).to(X.dtype)
    if overlay == "append":
        rms = X.square().mean(dim=1, keepdim=True).sqrt()
        return torch.cat([X, label_scale * rms * code], dim=1)
    strength = label_scale * X.abs().amax(dim=1, keepdim=True)
    return torch.cat([strength * code, X[:, n_classes:]], dim=1)


def explicit_global_overlay(layer, X, labels, overlay):
    """The overlaid input of a first layer that scales every row by one constant:
    the label is as loud as the data's typical feature, whatever the row."""
    scale = layer.global_scale
    code = torch.nn.functional.one_hot(labels, layer.label_weight.shape[0]).to(X.dtype)
    if overlay == "append":
        return torch.cat([scale * X, 0.5 * code], dim=1)
    strength = 0.5 * scale * X.abs().amax(dim=1, keepdim=True)
    return torch.cat([strength * code, scale * X[:, code.shape[1] :]], dim=1)


def explicit_homogeneous_overlay(layer, X, labels, overlay):
    """The overlaid input of a first layer that appends a constant input, the
    data's root mean square, to every row before normalising it."""
    constant = torch.full((len(X), 1), 1 / float(layer.global_scale), dtype=X.dtype)
    # Rows brought to unit max-abs first, as the layer does against overflow
    # (the input normaliser's epsilon makes the scale matter in the last bits).
    largest = torch.maximum(X.abs().amax(dim=1, keepdim=True), constant)
    X, constant = X / largest, constant / largest
    code = torch.nn.functional.one_hot(labels, layer.label_weight.shape[0]).to(X.dtype)
    if overlay == "append":
        row = torch.cat([X, constant], dim=1)
        rms = row.square().mean(dim=1, keepdim=True).sqrt()
        return torch.cat([row, 0.5 * rms * code], dim=1)
    strength = 0.5 * X.abs().amax(dim=1, keepdim=True)
    return torch.cat([strength * code, X[:, code.shape[1] :], constant], dim=1)


def explicit_first_weight(layer, overlay="append"):
    """The first layer's data and label weights as one matrix, columns in
    overlay order."""
    blocks = [layer.weight, layer.label_weight.T]
    return torch.cat(blocks if overlay == "append" else blocks[::-1], dim=1)


def explicit_first_layer(layer, overlaid, overlay="append"):
    """The first layer applied to a fully overlaid input, columns in overlay order."""
    weight = explicit_first_weight(layer, overlay)
    scale = layer.input_scale(overlaid.square().sum(1)).unsqueeze(1)
    return torch.relu(scale * (overlaid @ weight.T) + layer.bias)


def explicit_step_gradients(network, X, y, negatives, sample_weight):
    """Every layer's loss and the readout's written out in full, each layer's
    input detached, differentiated by autograd (on a copy of ``network``).

    The peer term passes the ReLU as the identity (Hinton's code adds it to the
    gradient of each unit's input), so it sees a straight-through activity.
    """
    network = deepcopy(network)
    n_rows, overlay = len(y), network.config["overlay"]
    layer = network.layers[0]
    if layer.normalization == "global":
        make_overlay = partial(explicit_global_overlay, layer, X, overlay=overlay)
    elif layer.constant_input:
        make_overlay = partial(explicit_homogeneous_overlay, layer, X, overlay=overlay)
    else:
        make_overlay = partial(
            explicit_overlay, X, n_classes=4, overlay=overlay, label_scale=0.5
        )
    every_label = (y, *negatives.view(-1, n_rows))
    labels_of_rows = torch.cat(every_label)
    overlaid = torch.cat([make_overlay(labels=labels) for labels in every_label])
    weight = explicit_first_weight(layer, overlay)
    inputs = overlaid
    total = 0.0
    goodness_of_layers = []
    for index, layer in enumerate(network.layers):
        if index:
            weight = layer.weight
        scale = layer.input_scale(inputs.square().sum(1)).unsqueeze(1)
        if layer.normalization == "global":  # the overlay applied it
            scale = torch.ones_like(scale)
        pre_activation = scale * (inputs @ weight.T) + layer.bias
        if index and layer.forwards_labels:  # FFCL: a label projection of its own
            pre_activation = pre_activation + layer.label_weight[labels_of_rows]
        activity = torch.relu(pre_activation)
        goodness_of_layers.append(layer.goodness(activity, activity.square().sum(1)))
        if network.hyperparameters.peer_normalization:
            through = pre_activation + (activity - pre_activation).detach()
            batch_mean = (through[:n_rows] * sample_weight.unsqueeze(1)).mean(0)
            running = 0.9 * layer.mean_activity + 0.1 * batch_mean
            peer = (running - running.mean()).square().mean()
            total = total + network.hyperparameters.peer_normalization * peer
        inputs = activity.detach()
    settings = network.hyperparameters
    for own, layer in zip(goodness_of_layers, network.layers):
        # Collaborative FF: the other layers' goodness above the threshold
        # joins the layer's own, as a constant.
        goodness = own + settings.collaboration * sum(
            other.detach() - settings.threshold
            for other in goodness_of_layers
            if other is not own
        )
        negative = goodness[n_rows:].view(-1, n_rows)
        total = total + layer.loss(goodness[:n_rows], negative, sample_weight)
    first = LabelledFirstLayer(network.layers[0], network.overlay, X)
    logits = network.readout(network._neutral_features(first))
    cross_entropy = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    (total + (cross_entropy * sample_weight).mean()).backward()
    return [
        parameter.grad
        for module in network._modules()
        for parameter in module.parameters()
    ]


def step_gradients(network, X, y, negatives, sample_weight):
    """The gradients one training step writes out by hand, with ``negatives`` as
    its negative labels and no update."""
    network.sample_negatives = lambda **_: negatives
    for optimizer in network.optimizers:
        optimizer.step = lambda: None
    network._train_step(X, y, sample_weight)
    return [p.grad for module in network._modules() for p in module.parameters()]


@pytest.mark.parametrize("overlay", ["append", "replace"])
@pytest.mark.parametrize("loss", ["threshold", "symba"])
@pytest.mark.parametrize(
    "goodness",
    [
        "mean_squares",
        "sum_squares",
        "top_k_mean_squares",
        "entmax_energy",
        "excess_kurtosis",
    ],
)
@pytest.mark.parametrize("peer_normalization", [0.0, 0.3])
@pytest.mark.parametrize("input_normalization", ["row", "global", "homogeneous"])
def test_a_step_takes_the_gradient_of_each_layers_own_loss(
    overlay, loss, goodness, peer_normalization, input_normalization
):
    """Training writes every gradient out by hand: they must equal autograd's on
    the losses written in full, where no gradient crosses from one layer to
    another."""
    network = make_network(
        overlay=overlay,
        loss=loss,
        goodness=goodness,
        peer_normalization=peer_normalization,
        input_normalization=input_normalization,
        threshold=0.5,
        # Both sides sum in their own order: in float64 they agree far below
        # any error of the method.
        dtype=torch.float64,
    )
    X, y = data()
    X = X.double()
    if input_normalization != "row":
        network.layers[0].fit_global_scale(network.overlay.features(X))
    negatives = (y + 1 + torch.arange(len(y)) % 3) % 4
    sample_weight = torch.rand(
        len(y), generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    if peer_normalization:  # a running mean that is not all zero
        for layer in network.layers:
            layer.mean_activity.uniform_(0, 1)
    expected = explicit_step_gradients(network, X, y, negatives, sample_weight)
    gradients = step_gradients(network, X, y, negatives, sample_weight)
    assert len(gradients) == len(expected) == 3 * 2 + 1 + 2
    for ours, theirs in zip(gradients, expected):
        assert torch.any(theirs != 0)
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("input_normalization", ["row", "homogeneous"])
def test_few_features_into_many_units_take_the_same_gradient(input_normalization):
    """Three features into 64 units: the first layer's weight gradient is
    computed transposed (see ``weight_gradient``), and is still autograd's."""
    network = make_network(
        n_features=3,
        hidden_layer_sizes=(64, 8),
        input_normalization=input_normalization,
        dtype=torch.float64,
    )
    X, y = data(n_features=3)
    X = X.double()
    if input_normalization != "row":
        network.layers[0].fit_global_scale(network.overlay.features(X))
    negatives = (y + 1) % 4
    sample_weight = torch.ones(len(y), dtype=torch.float64)
    expected = explicit_step_gradients(network, X, y, negatives, sample_weight)
    gradients = step_gradients(network, X, y, negatives, sample_weight)
    for ours, theirs in zip(gradients, expected):
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("n_inputs", [3, 40])
def test_a_weight_gradient_is_the_product_of_the_derivative_and_the_inputs(n_inputs):
    generator = torch.Generator().manual_seed(0)
    d_outputs = torch.randn(64, 100, generator=generator, dtype=torch.float64)
    inputs = torch.randn(64, n_inputs, generator=generator, dtype=torch.float64)
    gradient = weight_gradient(d_outputs, inputs)
    assert gradient.shape == (100, n_inputs)
    torch.testing.assert_close(gradient, d_outputs.T @ inputs)


def test_entmax15_is_the_sparse_distribution_its_threshold_defines():
    """``entmax15(z) = max(z / 2 - tau, 0)**2`` summing to one: checked against
    a threshold found by bisection, on rows with ties, zeros and one unit."""
    from skff._backend.goodness import entmax15

    scores = torch.tensor(
        [
            [3.0, 1.0, 0.2, 0.0, 0.0],
            [1.0, 1.0, 1.0, 1.0, 1.0],
            [0.0, 0.0, 0.0, 0.0, 9.0],
            [0.5, -2.0, 4.0, 3.9, 0.1],
        ],
        dtype=torch.float64,
    )
    weights = entmax15(scores)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(4, dtype=torch.float64))
    for row, found in zip(scores, weights):
        low, high = (row.max() / 2 - 1).item(), (row.max() / 2).item()
        for _ in range(200):
            tau = (low + high) / 2
            total = (row / 2 - tau).clamp_min(0).square().sum()
            low, high = (tau, high) if total > 1 else (low, tau)
        torch.testing.assert_close(found, (row / 2 - tau).clamp_min(0).square())
    assert weights[2].tolist() == [0, 0, 0, 0, 1]  # far below the peak: zero
    torch.testing.assert_close(weights[1], torch.full((5,), 0.2, dtype=torch.float64))


def test_excess_kurtosis_is_the_fourth_moment_over_the_squared_second():
    from skff._backend.goodness import ExcessKurtosis

    activity = torch.rand(6, 40, dtype=torch.float64) ** 4
    centred = activity - activity.mean(dim=1, keepdim=True)
    expected = (centred**4).mean(dim=1) / (centred**2).mean(dim=1) ** 2 - 3
    goodness = ExcessKurtosis(40)
    torch.testing.assert_close(goodness(activity, None), expected)
    # It does not change when the row is scaled; an all-zero row gets -3.
    torch.testing.assert_close(goodness(activity * 50, None), expected)
    assert goodness(torch.zeros(1, 40), None).item() == -3


@pytest.mark.parametrize("loss", ["threshold", "symba"])
@pytest.mark.parametrize("peer_normalization", [0.0, 0.3])
def test_several_negatives_per_row_each_weigh_their_share(loss, peer_normalization):
    """Each row meets three wrong labels; the gradients are autograd's of the
    mean of its three pair losses."""
    network = make_network(
        loss=loss, peer_normalization=peer_normalization, dtype=torch.float64
    )
    X, y = data()
    X = X.double()
    negatives = (y + torch.arange(1, 4).unsqueeze(1)) % 4
    sample_weight = torch.rand(
        len(y), generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    expected = explicit_step_gradients(network, X, y, negatives, sample_weight)
    gradients = step_gradients(network, X, y, negatives, sample_weight)
    for ours, theirs in zip(gradients, expected):
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("training_mode", ["joint", "greedy"])
@pytest.mark.parametrize("n_negatives", [1, 3])
def test_label_forwarding_steps_on_the_gradient_of_each_layers_loss(
    training_mode, n_negatives
):
    """With FFCL every later layer adds its own projection of the row's label:
    its gradient, and every other, is autograd's on the losses in full."""
    network = make_network(
        label_forwarding="every_layer",
        loss="symba",
        peer_normalization=0.3,
        dtype=torch.float64,
    )
    X, y = data()
    X = X.double()
    negatives = (y + torch.arange(1, n_negatives + 1).unsqueeze(1)) % 4
    sample_weight = torch.rand(
        len(y), generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    expected = explicit_step_gradients(network, X, y, negatives, sample_weight)
    gradients = step_gradients(network, X, y, negatives, sample_weight)
    # Three layers of weight, bias and label weight; the readout's two.
    assert len(gradients) == len(expected) == 3 * 3 + 2
    for ours, theirs in zip(gradients, expected):
        assert torch.any(theirs != 0)
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("loss", ["threshold", "symba"])
@pytest.mark.parametrize("goodness", ["mean_squares", "top_k_mean_squares"])
@pytest.mark.parametrize("n_negatives", [1, 3])
@pytest.mark.parametrize("peer_normalization", [0.0, 0.3])
def test_collaboration_adds_the_other_layers_goodness_as_a_constant(
    loss, goodness, n_negatives, peer_normalization
):
    """Collaborative FF: each layer's loss reads its goodness plus the others'
    above the threshold. The gradients are autograd's on those losses, with the
    other layers' goodness detached, and differ from each layer's alone."""
    X, y = data()
    X = X.double()
    negatives = (y + torch.arange(1, n_negatives + 1).unsqueeze(1)) % 4
    sample_weight = torch.rand(
        len(y), generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    found = {}
    for collaboration in (0.0, 0.7):
        network = make_network(
            loss=loss,
            goodness=goodness,
            collaboration=collaboration,
            peer_normalization=peer_normalization,
            dtype=torch.float64,
        )
        expected = explicit_step_gradients(network, X, y, negatives, sample_weight)
        found[collaboration] = step_gradients(network, X, y, negatives, sample_weight)
        for ours, theirs in zip(found[collaboration], expected):
            torch.testing.assert_close(ours, theirs)
    alone, together = found[0.0], found[0.7]
    # Every layer's parameters learn differently; the readout's (the last
    # two) do not.
    for layer_alone, layer_together in zip(alone[:-2], together[:-2]):
        assert not torch.allclose(layer_alone, layer_together)
    for readout_alone, readout_together in zip(alone[-2:], together[-2:]):
        torch.testing.assert_close(readout_alone, readout_together)


def test_collaboration_is_the_plain_loss_when_every_other_layer_is_at_threshold():
    from skff._backend.layer import collaborative_shares

    threshold = 2.0
    at_threshold = torch.full((2, 5), threshold)
    own = torch.rand(2, 5)
    shares = collaborative_shares([own, at_threshold, at_threshold], threshold, 1.0)
    torch.testing.assert_close(shares[0], torch.zeros(2, 5))
    # The others see the first layer's excess, weighted.
    shares = collaborative_shares([own, at_threshold, at_threshold], threshold, 0.5)
    torch.testing.assert_close(shares[1], 0.5 * (own - threshold))


def test_label_forwarding_scores_and_neutral_pass_add_each_layers_label_row():
    network = make_network(label_forwarding="every_layer", prediction_layers=(1, 2))
    X, _ = data(n_rows=70)
    first = LabelledFirstLayer(network.layers[0], network.overlay, X)

    def up_the_stack(activity, label_rows):
        activities = [activity]
        for layer in network.layers[1:]:
            scale = layer.input_scale(activity.square().sum(1)).unsqueeze(1)
            pre = scale * (activity @ layer.weight.T) + layer.bias + label_rows(layer)
            activity = torch.relu(pre)
            activities.append(activity)
        return activities

    scores = network.goodness_scores(X)
    for label in range(4):
        activity = first.for_labels(torch.full((1, len(X)), label))
        activities = up_the_stack(
            activity, lambda layer, label=label: layer.label_weight[label]
        )
        total = sum(a.square().mean(dim=1) for a in activities[1:])
        torch.testing.assert_close(scores[:, label], total)
    neutral = up_the_stack(first.neutral(), lambda layer: layer.label_weight.mean(0))
    for ours, theirs in zip(network.neutral_activities(X), neutral):
        torch.testing.assert_close(ours, theirs)
    # Without FFCL the later layers have no label weights at all.
    assert make_network().layers[1].label_weight is None


def test_all_negatives_are_every_wrong_label_or_a_sample_of_them():
    from skff._backend.negatives import MAX_NEGATIVES

    labels = torch.tensor([0, 3, 4])
    generator = torch.Generator().manual_seed(0)
    every = all_wrong_labels(
        labels=labels, n_classes=5, logits=None, generator=generator
    )
    assert every.shape == (4, 3)
    for row, label in enumerate(labels.tolist()):
        assert sorted(every[:, row].tolist()) == sorted(set(range(5)) - {label})
    many = all_wrong_labels(
        labels=labels, n_classes=1000, logits=None, generator=generator
    )
    assert many.shape == (MAX_NEGATIVES, 3)
    assert not torch.any(many == labels)


@pytest.mark.parametrize("training_mode", ["joint", "greedy"])
def test_no_gradient_crosses_layers(training_mode):
    # One real training step, with and without the second layer's loss: had any
    # of its gradient reached another layer, that layer would move differently.
    X, y = data()
    networks = [make_network(training_mode=training_mode) for _ in range(2)]
    silenced = networks[1].layers[1]
    original = silenced.loss_and_gradient

    def without_a_gradient(*args):
        loss, d_pre = original(*args)
        return loss, d_pre * 0.0

    silenced.loss_and_gradient = without_a_gradient
    for network in networks:
        network.generator.manual_seed(0)
        network._train_step(X, y, torch.ones(len(y)))
    full, silenced = networks
    for ours, theirs in zip(
        full.layers[0].parameters(), silenced.layers[0].parameters()
    ):
        assert torch.equal(ours, theirs)
    if training_mode == "joint":  # greedy trains layer 3 on the updated layer 2
        third = zip(full.layers[2].parameters(), silenced.layers[2].parameters())
        for ours, theirs in third:
            assert torch.equal(ours, theirs)
    assert not torch.equal(full.layers[1].weight, silenced.layers[1].weight)


@pytest.mark.parametrize("overlay", ["append", "replace"])
def test_shared_projection_matches_the_explicit_overlay(overlay):
    network = make_network(overlay=overlay)
    layer = network.layers[0]
    X, y = data()
    first = LabelledFirstLayer(layer, network.overlay, X)
    overlaid = explicit_overlay(X, y, 4, overlay, 0.5)
    expected = explicit_first_layer(layer, overlaid, overlay)
    torch.testing.assert_close(first.for_labels(y.unsqueeze(0)), expected)

    everything = first.for_all_labels().reshape(len(X), 4, -1)
    for label in range(4):
        labels = torch.full_like(y, label)
        overlaid = explicit_overlay(X, labels, 4, overlay, 0.5)
        expected = explicit_first_layer(layer, overlaid, overlay)
        torch.testing.assert_close(everything[:, label], expected)


def test_neutral_label_puts_one_over_k_in_every_slot():
    network = make_network()
    layer = network.layers[0]
    X, _ = data()
    X = X / X.abs().amax(dim=1, keepdim=True)
    strength = 0.5 * X.square().mean(dim=1, keepdim=True).sqrt()
    overlaid = torch.cat([X, strength * torch.full((len(X), 4), 0.25)], dim=1)
    first = LabelledFirstLayer(layer, network.overlay, X)
    torch.testing.assert_close(first.neutral(), explicit_first_layer(layer, overlaid))


@pytest.mark.parametrize("prediction_layers", [(0, 1, 2), (1, 2), (1,), (0, 2)])
@pytest.mark.parametrize("normalization", ["rms", "l2"])
def test_goodness_scores_equal_a_pass_per_label(prediction_layers, normalization):
    network = make_network(
        prediction_layers=prediction_layers, normalization=normalization
    )
    X, _ = data(n_rows=70)
    scores = network.goodness_scores(X)
    for label in range(4):
        first = LabelledFirstLayer(network.layers[0], network.overlay, X)
        activity = first.for_labels(torch.full((1, len(X)), label))
        total = torch.zeros(len(X))
        for index, layer in enumerate(network.layers):
            if index:
                activity = layer(activity)
            if index in prediction_layers:
                total += activity.square().mean(dim=1)
        torch.testing.assert_close(scores[:, label], total)


def test_layer_goodness_is_every_layers_goodness_under_every_label():
    network = make_network(goodness="sum_squares")
    X, _ = data(n_rows=70)
    goodness = network.layer_goodness(X)
    assert goodness.shape == (70, 4, 3)
    for label in range(4):
        overlaid = explicit_overlay(X, torch.full((70,), label), 4, "append", 0.5)
        activity = explicit_first_layer(network.layers[0], overlaid)
        for index, layer in enumerate(network.layers):
            if index:
                activity = layer(activity)
            torch.testing.assert_close(
                goodness[:, label, index], activity.square().sum(dim=1)
            )


def test_neutral_activities_are_every_layer_under_the_neutral_label():
    network = make_network()
    X, _ = data(n_rows=70)
    activities = network.neutral_activities(X)
    overlaid = explicit_overlay(X, torch.zeros(70, dtype=torch.long), 4, "append", 0.5)
    overlaid[:, -4:] = overlaid[:, -4:].sum(dim=1, keepdim=True) / 4
    activity = explicit_first_layer(network.layers[0], overlaid)
    for index, layer in enumerate(network.layers):
        if index:
            activity = layer(activity)
        torch.testing.assert_close(activities[index], activity)


@pytest.mark.parametrize(("normalization", "length"), [("rms", 4.0), ("l2", 1.0)])
def test_layers_see_their_input_at_unit_rms_or_unit_length(normalization, length):
    network = make_network(normalization=normalization)
    layer = network.layers[1]
    inputs = torch.randn(5, 16) * torch.logspace(0, 6, 5).unsqueeze(1)
    expected = torch.relu(
        length * inputs / (inputs.norm(dim=1, keepdim=True) + 1e-4) @ layer.weight.T
        + layer.bias
    )
    torch.testing.assert_close(layer(inputs), expected)


def test_readout_reads_only_the_prediction_layers():
    network = make_network(prediction_layers=(1, 2))
    assert network.readout.in_features == 8 + 8
    X, y = data()
    first = LabelledFirstLayer(network.layers[0], network.overlay, X)
    with torch.no_grad():
        layer_1 = network.layers[1](first.neutral())
        layer_2 = network.layers[2](layer_1)
    expected = torch.cat(
        [a * 8**0.5 / (a.norm(dim=1, keepdim=True) + 1e-4) for a in (layer_1, layer_2)],
        1,
    )
    torch.testing.assert_close(network._neutral_features(first), expected)


def test_readout_logits_are_the_affine_map_of_its_features():
    network = make_network()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in network.readout.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
        features = torch.randn(5, network.readout.in_features, generator=generator)
        logits = network.readout(features)
    expected = features @ network.readout.weight.T + network.readout.bias
    torch.testing.assert_close(logits, expected)


def test_peer_normalization_pulls_unit_activity_towards_the_layer_mean():
    network = make_network()
    layer = network.layers[1]
    balanced = torch.ones(10, 8)
    assert layer.peer_gradient(balanced, torch.ones(10))[0] < 1e-12
    # One unit far busier than its peers: its gradient pushes it down, the
    # others' pushes them up.
    busy = torch.ones(10, 8)
    busy[:, 0] = 5.0
    loss, unit_pull = layer.peer_gradient(busy, torch.ones(10))
    assert loss > 0
    assert unit_pull[0] > 0
    assert torch.all(unit_pull[1:] < 0)
    assert torch.all(layer.mean_activity > 0)


def test_peer_normalization_pulls_a_dead_unit_back():
    """As in Hinton's code, the peer term reaches units that are off."""
    network = make_network(peer_normalization=0.03)
    layer = network.layers[1]
    with torch.no_grad():
        layer.bias[0] = -1e3  # off for every input
    X, y = data()
    first = LabelledFirstLayer(network.layers[0], network.overlay, X)
    labels = torch.stack([y, (y + 1) % 4])
    _, (_, layer_pass), _ = network._passes(first.for_labels_and_measure(labels))
    assert torch.all(layer_pass.activity[:, 0] == 0)
    _, d_pre = layer.loss_and_gradient(layer_pass, torch.ones(len(y)), 0.03)
    layer.set_gradients(layer_pass, d_pre)
    # Gradient descent raises the dead unit's bias towards its busier peers.
    assert layer.bias.grad[0] < 0


def test_peer_state_travels_with_the_network():
    network = make_network(peer_normalization=0.03)
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    restored = pickle.loads(pickle.dumps(network))
    for layer, copy in zip(network.layers, restored.layers):
        assert torch.any(layer.mean_activity != 0)
        assert torch.equal(layer.mean_activity, copy.mean_activity)


def test_weight_decay_shrinks_weights_but_not_biases():
    network = make_network(optimizer="sgd", learning_rate=0.1, weight_decay=0.5)
    network.readout.weight.data.fill_(0.1)
    for module in network._modules():
        module.bias.data.fill_(0.5)
    before = [module.weight.detach().clone() for module in network._modules()]
    X, y = data()
    # Zero sample weights zero every loss gradient: only the decay acts, and it
    # scales every weight by the same factor.
    network.train_epoch(X, y, torch.zeros(len(y)), batch_size=8)
    for module, weight in zip(network._modules(), before):
        factor = float(module.weight.detach().norm() / weight.norm())
        assert factor < 0.9
        torch.testing.assert_close(module.weight.detach(), factor * weight)
        assert torch.all(module.bias == 0.5)


def trained_on_one_batch(X, y, negatives, **settings):
    """A network after one training step on ``(X, y)`` with fixed negative labels."""
    network = make_network(**settings)
    network.sample_negatives = lambda **_: negatives
    losses = network._train_step(X, y, torch.ones(len(y)))
    return network, losses


def test_greedy_mode_trains_each_layer_on_the_updated_layer_below():
    X, y = data()
    negatives = (y + 1) % 4
    joint, _ = trained_on_one_batch(X, y, negatives, inner_steps=3)
    greedy, _ = trained_on_one_batch(
        X, y, negatives, inner_steps=3, training_mode="greedy"
    )
    # The first layer's learning depends on nothing above it: same weights.
    torch.testing.assert_close(joint.layers[0].weight, greedy.layers[0].weight)
    assert not torch.allclose(joint.layers[1].weight, greedy.layers[1].weight)

    # Greedy: layer 2 takes its three steps on the output of the trained layer 1.
    reference = make_network()
    first = LabelledFirstLayer(greedy.layers[0], greedy.overlay, X)
    with torch.no_grad():
        below = first.for_labels(torch.stack([y, negatives]))
    layer = reference.layers[1]
    for _ in range(3):
        output = layer(below, below.square().sum(1))
        goodness = layer.goodness(output, output.square().sum(1))
        loss = layer.loss(goodness[: len(y)], goodness[len(y) :], torch.ones(len(y)))
        reference.optimizers[1].zero_grad()
        loss.backward()
        reference.optimizers[1].step()
    torch.testing.assert_close(layer.weight, greedy.layers[1].weight)


@pytest.mark.parametrize("training_mode", ["joint", "greedy"])
@pytest.mark.parametrize("inner_steps", [1, 3])
def test_readout_takes_one_step_per_batch_on_the_layers_before_their_update(
    training_mode, inner_steps
):
    X, y = data()
    negatives = (y + 1) % 4
    settings = dict(training_mode=training_mode, inner_steps=inner_steps)
    trained, losses = trained_on_one_batch(X, y, negatives, **settings)

    # One cross-entropy step of the readout alone, on the untrained layers.
    reference = make_network(**settings)
    first = LabelledFirstLayer(reference.layers[0], reference.overlay, X)
    logits = reference.readout(reference._neutral_features(first))
    loss = torch.nn.functional.cross_entropy(logits, y)
    reference.optimizers[-1].zero_grad()
    loss.backward()
    reference.optimizers[-1].step()
    torch.testing.assert_close(losses[-1], loss.detach())
    for ours, theirs in zip(
        trained.readout.parameters(), reference.readout.parameters()
    ):
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("training_mode", ["joint", "greedy"])
def test_inner_steps_report_the_mean_loss_before_each_step(training_mode):
    X, y = data()
    negatives = (y + 1) % 4
    settings = dict(training_mode=training_mode, learning_rate=0.001)
    _, first_loss = trained_on_one_batch(X, y, negatives, **settings)
    _, mean_loss = trained_on_one_batch(X, y, negatives, inner_steps=4, **settings)
    # The first of the four steps sees what the single step sees; the loss then
    # goes down, so the mean over the four lies below the first.
    for mean, first in zip(mean_loss[:3], first_loss[:3]):
        assert mean < first


@pytest.mark.parametrize("n_classes", [4, 1000])
def test_scores_do_not_depend_on_the_batch_a_row_arrives_in(n_classes):
    # With 1000 labels a block of all-label scoring holds 5 rows, so the pieces
    # of 7 rows straddle blocks.
    network = make_network(n_classes=n_classes)
    X, _ = data(n_rows=200)
    full = network.goodness_scores(X)
    pieces = torch.cat([network.goodness_scores(part) for part in X.split(7)])
    assert torch.equal(full, pieces)
    logits = network.readout_logits(X)
    assert torch.equal(
        logits, torch.cat([network.readout_logits(p) for p in X.split(7)])
    )


def test_a_single_row_scores_as_in_any_batch():
    network = make_network()
    X, _ = data(n_rows=40)
    for score in ("goodness_scores", "layer_goodness", "readout_logits"):
        full = getattr(network, score)(X)
        rows = torch.cat([getattr(network, score)(row) for row in X.split(1)])
        assert torch.equal(full, rows)


def test_few_rows_are_scored_in_a_short_block_only_where_it_gives_the_same_bits(
    monkeypatch,
):
    """A scorer whose values do not depend on the block's height scores fewer
    rows than a block in the least short block that holds them; one whose
    values do is scored in full blocks, as a batch of many rows is."""
    network = make_network()
    X, _ = data(n_rows=5)
    heights = []

    def exact(rows):
        heights.append(rows.shape[0])
        return rows * 2

    def height_dependent(rows):
        heights.append(rows.shape[0])
        return rows + rows.shape[0]

    block = scoring.CPU_SCORING_BLOCK
    short = scoring.SHORT_BLOCKS[0]
    assert torch.equal(scoring.score_in_blocks(network, X, block, exact, "a"), X * 2)
    # The check scores a full and a short block once; then the short one serves.
    assert heights == [block, short, short]
    heights.clear()
    scoring.score_in_blocks(network, X, block, exact, "a")
    assert heights == [short]
    heights.clear()
    scores = scoring.score_in_blocks(network, X, block, height_dependent, "b")
    assert torch.equal(scores, X + block)
    assert heights == [block, short, block]
    # A scorer checked once is not checked again; 64 rows have a check of their own.
    heights.clear()
    scoring.score_in_blocks(network, X, block, height_dependent, "b")
    scoring.score_in_blocks(network, data(n_rows=40)[0], block, exact, "a")
    assert heights == [block, block, scoring.SHORT_BLOCKS[1], scoring.SHORT_BLOCKS[1]]


def test_random_negatives_are_wrong_and_cover_every_other_label():
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(5).repeat(2000)
    negatives = random_wrong_labels(
        labels=labels, n_classes=5, logits=None, generator=generator
    )
    assert not torch.any(negatives == labels)
    counts = torch.bincount(negatives[labels == 2], minlength=5)
    assert counts[2] == 0
    others = counts[[0, 1, 3, 4]].double()
    assert torch.all((others / others.sum() - 0.25).abs() < 0.05)


def test_shuffled_negatives_are_a_permutation_of_the_batch_labels():
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(10).repeat(100)
    negatives = shuffled_labels(
        labels=labels, n_classes=10, logits=None, generator=generator
    )
    assert torch.equal(negatives.sort().values, labels.sort().values)
    # As in the Keras example, about one in ten rows keeps its own label.
    assert 0.05 < (negatives == labels).double().mean() < 0.15


def test_hard_negatives_are_wrong_and_follow_the_model_belief():
    generator = torch.Generator().manual_seed(0)
    labels = torch.zeros(4000, dtype=torch.long)
    # The model believes in label 0 (true), then 1 strongly, then 2; never 3.
    logits = torch.tensor([[9.0, 3.0, 0.0, -30.0]]).repeat(4000, 1)
    negatives = hard_wrong_labels(
        labels=labels, n_classes=logits.shape[1], logits=logits, generator=generator
    )
    counts = torch.bincount(negatives, minlength=4)
    assert counts[0] == 0
    assert counts[1] > 10 * counts[2] > 0


def test_hard_negatives_are_torch_multinomial_draws():
    # The sampler runs multinomial's own draw for one sample without its checks:
    # the same labels from the same generator, which ends in the same state.
    labels = torch.randint(0, 7, (300,), generator=torch.Generator().manual_seed(1))
    logits = torch.randn(300, 7, generator=torch.Generator().manual_seed(2))
    ours, torch_own = (torch.Generator().manual_seed(3) for _ in range(2))
    probabilities = torch.softmax(logits, dim=1) + 1e-6
    probabilities.scatter_(1, labels.unsqueeze(1), 0.0)
    for _ in range(3):
        negatives = hard_wrong_labels(
            labels=labels, n_classes=7, logits=logits, generator=ours
        )
        expected = torch.multinomial(probabilities, 1, generator=torch_own)
        assert torch.equal(negatives, expected.squeeze(1))
    assert torch.equal(ours.get_state(), torch_own.get_state())


@pytest.mark.parametrize(
    "settings",
    [
        {"input_normalization": "homogeneous"},
        {"input_normalization": "homogeneous", "overlay": "replace"},
        {"input_normalization": "row", "overlay": "replace"},
        {"input_normalization": "global"},
    ],
    ids=["homogeneous", "homogeneous-replace", "row-replace", "global"],
)
def test_rows_prepared_once_train_as_rows_prepared_per_batch(settings):
    X, y = data(n_rows=40)
    weight = torch.ones(len(y))
    per_batch, prepared = make_network(**settings), make_network(**settings)
    rows = prepared.training_rows(X)
    assert rows is not X
    for _ in range(2):
        expected = per_batch.train_epoch(X, y, weight, 16)
        assert prepared.train_epoch(rows, y, weight, 16) == expected
    for a, b in zip(per_batch.layers, prepared.layers):
        for weight_a, weight_b in zip(a.parameters(), b.parameters()):
            assert torch.equal(weight_a, weight_b)


def test_data_too_large_to_copy_is_prepared_batch_by_batch(monkeypatch):
    from skff._backend import network as network_module

    X, _ = data()
    monkeypatch.setattr(network_module, "PREPARED_ROWS_MAX_BYTES", X.nbytes)
    assert make_network().training_rows(X) is X


class TensorsAsLargeAs(TorchDispatchMode):
    """Counts the new memory blocks that hold as many values as ``like`` or
    more, created while the mode is active (each kept until it ends, so that
    no block is counted twice or hides in another's freed memory)."""

    def __init__(self, like):
        super().__init__()
        self.numel, self.storages = like.numel(), {}
        self.existing = like.untyped_storage().data_ptr()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and out.numel() >= self.numel:
            storage = out.untyped_storage()
            if storage.data_ptr() != self.existing:
                self.storages.setdefault(storage.data_ptr(), storage)
        return out

    @property
    def count(self):
        return len(self.storages)


def homogeneous_network(X, overlay="append"):
    network = make_network(input_normalization="homogeneous", overlay=overlay)
    network.layers[0].fit_global_scale(network.overlay.features(X))
    return network


@pytest.mark.parametrize("data_dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("overlay", ["append", "replace"])
def test_a_homogeneous_first_layer_copies_dense_rows_once(overlay, data_dtype):
    # The rows are divided into a buffer one column wider, which takes the
    # constant input: the features are a view of it, not a second copy. (The
    # row reductions, and the rounding of float64 rows to the layer's float32,
    # run a block of rows at a time, smaller than the data.)
    X, y = data(n_rows=2 * reduction_block(12) + 1)
    network = homogeneous_network(X, overlay)
    wide = X.to(data_dtype)
    with TensorsAsLargeAs(wide) as large:
        features = network.training_rows(wide).features
    assert large.count == 1
    n_features = X.shape[1]
    overlaid = explicit_homogeneous_overlay(network.layers[0], X, y, overlay)
    data_part = slice(0, n_features + 1) if overlay == "append" else slice(4, None)
    assert torch.equal(features, overlaid[:, data_part])


def test_an_overlay_whose_features_are_a_copy_gets_the_constant_appended():
    class ReversedOverlay(AppendOverlay):
        def features(self, X):
            return X.flip(1)

    X, y = data(n_rows=40)
    network = homogeneous_network(X)
    expected = explicit_homogeneous_overlay(network.layers[0], X.flip(1), y, "append")
    network.overlay = ReversedOverlay(X.shape[1], 4, label_scale=0.5)
    features = network.training_rows(X).features
    assert torch.equal(features, expected[:, : X.shape[1] + 1])


def test_a_snapshot_taken_into_an_old_one_is_a_fresh_snapshot():
    network = make_network()
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    old = network.snapshot()
    old_weight = old["modules"][0]["weight"]
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    fresh, reused = network.snapshot(), network.snapshot(reuse=old)
    assert reused["modules"][0]["weight"] is old_weight  # no new tensor
    fresh_tensors, reused_tensors = [], []
    _map_state(fresh, fresh_tensors.append)
    _map_state(reused, reused_tensors.append)
    assert len(fresh_tensors) == len(reused_tensors) > 0
    for a, b in zip(fresh_tensors, reused_tensors):
        assert torch.equal(a, b)
    for a, b in zip(fresh["optimizers"], reused["optimizers"]):
        assert a["param_groups"] == b["param_groups"]
    scores = network.goodness_scores(X)
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    network.restore(reused)
    assert torch.equal(network.goodness_scores(X), scores)


def test_pickle_round_trip_keeps_weights_optimizer_and_generator():
    network = make_network()
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    restored = pickle.loads(pickle.dumps(network))
    assert torch.equal(network.goodness_scores(X), restored.goodness_scores(X))
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    restored.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    assert torch.equal(network.goodness_scores(X), restored.goodness_scores(X))


def test_portable_state_holds_only_cpu_tensors():
    network = make_network()
    state = network.portable_state()

    def devices(tree):
        if isinstance(tree, torch.Tensor):
            yield tree.device.type
        elif isinstance(tree, dict):
            for value in tree.values():
                yield from devices(value)
        elif isinstance(tree, list):
            for value in tree:
                yield from devices(value)

    assert set(devices(state)) == {"cpu"}


def test_pickled_state_holds_arrays_and_tensor_states_still_load():
    network = make_network()
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)

    def kinds(tree):
        if isinstance(tree, dict):
            tree = list(tree.values())
        if isinstance(tree, list | tuple):
            return set().union(*(kinds(value) for value in tree))
        return {type(tree).__module__.split(".")[0]}

    assert kinds(network.__getstate__()) <= {"builtins", "numpy"}
    # Pickles written before held tensors: they load alike.
    for state in (network.__getstate__(), network.portable_state()):
        restored = FFNetwork.__new__(FFNetwork)
        restored.__setstate__(state)
        assert torch.equal(restored.goodness_scores(X), network.goodness_scores(X))


def test_each_layer_has_its_own_optimizer():
    network = make_network()
    owned = [
        {id(p) for group in optimizer.param_groups for p in group["params"]}
        for optimizer in network.optimizers
    ]
    assert len(owned) == len(network.layers) + 1
    for index, layer in enumerate(network.layers):
        assert owned[index] == {id(p) for p in layer.parameters()}


def test_first_layer_ignores_row_scale_and_survives_huge_features():
    network = make_network()
    X, y = data()
    scales = torch.logspace(-20, 30, len(X)).unsqueeze(1)
    reference = LabelledFirstLayer(network.layers[0], network.overlay, X)
    scaled = LabelledFirstLayer(network.layers[0], network.overlay, X * scales)
    labels = y.unsqueeze(0)
    torch.testing.assert_close(scaled.for_labels(labels), reference.for_labels(labels))
    assert torch.isfinite(network.goodness_scores(X * scales)).all()


def test_global_scale_is_fitted_once_on_the_first_training_data():
    network = make_network(input_normalization="global")
    layer = network.layers[0]
    assert layer.needs_global_scale
    X, y = data(n_rows=64)
    X = 3.0 * X + 1.0
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=16)
    expected = 1.0 / X.double().square().mean().sqrt()
    torch.testing.assert_close(layer.global_scale.double(), expected)
    assert not layer.needs_global_scale
    network.train_epoch(10.0 * X, y, torch.ones(len(y)), batch_size=16)
    torch.testing.assert_close(layer.global_scale.double(), expected)


@pytest.mark.parametrize("overlay", ["append", "replace"])
def test_global_first_layer_matches_the_explicit_overlay(overlay):
    network = make_network(overlay=overlay, input_normalization="global")
    layer = network.layers[0]
    X, y = data()
    layer.fit_global_scale(network.overlay.features(X))
    overlaid = explicit_global_overlay(layer, X, y, overlay)
    weight = explicit_first_weight(layer, overlay)
    expected = torch.relu(overlaid @ weight.T + layer.bias)
    first = LabelledFirstLayer(layer, network.overlay, X)
    torch.testing.assert_close(first.for_labels(y.unsqueeze(0)), expected)
    # Scoring every label at once agrees with the labels one by one.
    every_label = first.for_all_labels().reshape(len(X), 4, -1)
    torch.testing.assert_close(every_label[torch.arange(len(X)), y], expected)


def test_global_first_layer_sees_the_length_of_a_row():
    network = make_network(input_normalization="global")
    X, y = data()
    network.layers[0].fit_global_scale(X)
    labels = y.unsqueeze(0)
    reference = LabelledFirstLayer(network.layers[0], network.overlay, X)
    doubled = LabelledFirstLayer(network.layers[0], network.overlay, 2 * X)
    assert not torch.allclose(doubled.for_labels(labels), reference.for_labels(labels))


def test_global_scale_survives_huge_features():
    network = make_network(input_normalization="global")
    X, y = data()
    network.train_epoch(X * 1e30, y, torch.ones(len(y)), batch_size=8)
    assert torch.isfinite(network.goodness_scores(X * 1e30)).all()
    assert torch.isfinite(network.readout_logits(X * 1e30)).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_weights_count_as_finite_exactly_when_every_value_is(dtype):
    network = make_network(dtype=dtype)
    weight = network.layers[0].weight
    assert network.parameters_are_finite()
    with torch.no_grad():
        # Finite values whose sum overflows are still finite weights.
        weight[:2] = torch.finfo(dtype).max
        assert network.parameters_are_finite()
        for value in (float("inf"), -float("inf"), float("nan")):
            saved = weight[0, 0].item()
            weight[0, 0] = value
            assert not network.parameters_are_finite()
            weight[0, 0] = saved
        assert network.parameters_are_finite()


def test_a_network_saved_on_a_gpu_loads_on_the_cpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the GPU side is checked on a GPU")
    network = make_network()
    X, y = data()
    network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
    state = network.__getstate__()
    state["device"] = "cuda:0"  # what a GPU-trained network's state says
    state["generator_device"] = "cuda"
    restored = FFNetwork.__new__(FFNetwork)
    restored.__setstate__(state)
    assert restored.device.type == "cpu"
    assert torch.equal(restored.goodness_scores(X), network.goodness_scores(X))


def test_hard_negatives_survive_a_diverging_readout():
    generator = torch.Generator().manual_seed(0)
    labels = torch.tensor([0, 1, 2, 3])
    logits = torch.tensor(
        [[float("nan")] * 4, [float("inf")] * 4, [1.0] * 4, [0.0] * 4]
    )
    negatives = hard_wrong_labels(
        labels=labels, n_classes=logits.shape[1], logits=logits, generator=generator
    )
    assert not torch.any(negatives == labels)


def _parameter_groups(seed, weight_decay):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.nn.Parameter(torch.randn(5, 4, generator=generator))
    bias = torch.nn.Parameter(torch.randn(5, generator=generator))
    return [
        {"params": [weight], "weight_decay": weight_decay},
        {"params": [bias], "weight_decay": 0.0},
    ]


def _take_steps(optimizer, groups, n_steps, seed):
    generator = torch.Generator().manual_seed(seed + 1)
    for _ in range(n_steps):
        for group in groups:
            for parameter in group["params"]:
                parameter.grad = torch.randn(parameter.shape, generator=generator)
        optimizer.step()
    return [p.detach().clone() for group in groups for p in group["params"]]


@pytest.mark.parametrize(
    "ours, theirs, settings",
    [
        ("Adam", "Adam", dict(lr=0.01)),
        ("SGD", "SGD", dict(lr=0.01, momentum=0.9)),
        ("SGD", "SGD", dict(lr=0.01)),
    ],
)
def test_optimizers_match_torch_optim_fused_bit_for_bit(ours, theirs, settings):
    from skff._backend import optim

    ours_groups, theirs_groups = _parameter_groups(0, 0.1), _parameter_groups(0, 0.1)
    mine = getattr(optim, ours)(ours_groups, **settings)
    reference = getattr(torch.optim, theirs)(theirs_groups, fused=True, **settings)
    for ours_after, theirs_after in zip(
        _take_steps(mine, ours_groups, 4, seed=0),
        _take_steps(reference, theirs_groups, 4, seed=0),
    ):
        torch.testing.assert_close(ours_after, theirs_after, rtol=0, atol=0)
    # A state saved by torch.optim (as in files from before these optimizers)
    # loads and goes on exactly as torch.optim goes on.
    mine.load_state_dict(deepcopy(reference.state_dict()))
    assert [g["lr"] for g in mine.param_groups] == [settings["lr"]] * 2
    for parameter, theirs_parameter in zip(
        (p for g in ours_groups for p in g["params"]),
        (p for g in theirs_groups for p in g["params"]),
    ):
        parameter.data.copy_(theirs_parameter.data)
    for ours_after, theirs_after in zip(
        _take_steps(mine, ours_groups, 3, seed=5),
        _take_steps(reference, theirs_groups, 3, seed=5),
    ):
        torch.testing.assert_close(ours_after, theirs_after, rtol=0, atol=0)


@pytest.mark.parametrize(
    "optimizer, settings",
    [
        ("adam", {}),
        ("adam_keras", {}),
        ("sgd", dict(momentum=0.9)),
        ("adam", dict(readout_learning_rate=0.1, weight_decay=0.01)),
    ],
)
def test_stepping_the_optimizers_together_is_stepping_each_alone(optimizer, settings):
    from skff._backend.optim import step_together

    X, y = data()
    networks = [make_network(optimizer=optimizer, **settings) for _ in range(2)]
    for step in range(3):
        for network in networks:
            network.generator.manual_seed(step)
            for index, module in enumerate(network._modules()):
                for parameter in module.parameters():
                    parameter.grad = torch.randn(
                        parameter.shape,
                        generator=torch.Generator().manual_seed(step + index),
                    )
        step_together(networks[0].optimizers)
        for optimizer in networks[1].optimizers:
            step_together([optimizer])
    together, alone = networks
    for module, reference in zip(together._modules(), alone._modules()):
        for ours, theirs in zip(module.parameters(), reference.parameters()):
            torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_keras_adam_adds_epsilon_before_bias_correction():
    from skff._backend.optim import KerasAdam

    gradients = [torch.tensor([1e-6, -3e-6, 1e-2]) * scale for scale in (1, 2, 0.5)]
    parameter = torch.nn.Parameter(torch.zeros(3))
    optimizer = KerasAdam([parameter], lr=0.03)
    # Keras 3's Adam, written out.
    expected, m, v = torch.zeros(3), torch.zeros(3), torch.zeros(3)
    for t, gradient in enumerate(gradients, start=1):
        parameter.grad = gradient.clone()
        optimizer.step()
        m += (gradient - m) * 0.1
        v += (gradient.square() - v) * 0.001
        alpha = 0.03 * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t)
        expected -= m * alpha / (v.sqrt() + 1e-7)
        torch.testing.assert_close(parameter.detach(), expected)


def test_an_epoch_of_replayed_steps_trains_every_batch_once_in_order(monkeypatch):
    """The bookkeeping around CUDA-graph replays, checked on the CPU: the first
    steps run eagerly, one capture takes over from the next full batch and
    advances its own batch counter, the last partial batch runs eagerly. With a
    stand-in replay that steps eagerly, the epoch equals a plain one bit for bit.
    """
    from contextlib import nullcontext

    from skff._backend import graphs
    from skff._backend import network as network_module

    captures = []

    def eager_stand_in(step, order, first_start, batch_size, generator, optimizers):
        captures.append(first_start)
        start = [first_start]

        def replay():
            step(order[start[0] : start[0] + batch_size])
            start[0] += batch_size

        return replay

    X, y = data(n_rows=230)
    weight = torch.ones(len(y))
    plain = make_network()
    expected = plain.train_epoch(X, y, weight, 32)
    monkeypatch.setattr(network_module, "replay_pays_off", lambda *_: True)
    monkeypatch.setattr(network_module, "side_stream", lambda _: nullcontext())
    monkeypatch.setattr(network_module, "capture_step", eager_stand_in)
    replayed = make_network()
    rows = []
    losses = replayed.train_epoch(
        X, y, weight, 32, on_batch=rows.append, cuda_graphs=True
    )
    assert captures == [graphs.WARMUP_STEPS * 32]
    assert rows == [32] * 7 + [6]
    assert losses == expected
    for a, b in zip(plain.layers, replayed.layers):
        for weight_a, weight_b in zip(a.parameters(), b.parameters()):
            assert torch.equal(weight_a, weight_b)
    # Without cuda_graphs nothing is captured.
    make_network().train_epoch(X, y, weight, 32)
    assert len(captures) == 1


def test_replay_is_planned_only_where_it_can_work():
    from skff._backend.graphs import WARMUP_STEPS, replay_pays_off

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    adam = make_network().optimizers
    keras = make_network(optimizer="adam_keras").optimizers
    assert replay_pays_off(cuda, adam, WARMUP_STEPS + 2)
    assert not replay_pays_off(cuda, adam, WARMUP_STEPS + 1)
    assert not replay_pays_off(cpu, adam, 100)
    assert not replay_pays_off(cuda, keras, 100)


@pytest.mark.parametrize("loss", ["threshold", "symba"])
def test_a_layer_loss_is_log_2_where_it_cannot_tell_positive_from_negative(loss):
    layer = make_network(loss=loss).layers[0]
    at_threshold = torch.full((5,), layer.layer_loss.threshold)
    value = layer.loss(at_threshold, at_threshold, torch.ones(5))
    torch.testing.assert_close(value, torch.tensor(math.log(2)))


def test_symba_loss_sees_only_the_gap_between_positive_and_negative_goodness():
    layer = make_network(loss="symba", symba_alpha=3.0).layers[0]
    positive = torch.tensor([1.0, 2.0, 5.0], requires_grad=True)
    negative = torch.tensor([0.5, 3.0, 5.0], requires_grad=True)
    weights = torch.ones(3)
    loss = layer.loss(positive, negative, weights)
    expected = torch.nn.functional.softplus(3.0 * (negative - positive)).mean()
    torch.testing.assert_close(loss, expected)
    shifted = layer.loss(positive + 7.0, negative + 7.0, weights)
    torch.testing.assert_close(shifted, loss)
    loss.backward()
    # Positive goodness is pushed up and negative down, equally hard.
    assert torch.all(positive.grad < 0)
    torch.testing.assert_close(negative.grad, -positive.grad)


@pytest.mark.parametrize(
    ("loss", "threshold_matters"), [("symba", False), ("threshold", True)]
)
def test_only_the_threshold_loss_depends_on_the_threshold(loss, threshold_matters):
    X, y = data()
    weights = []
    for threshold in (1.0, 3.0):
        network = make_network(loss=loss, threshold=threshold)
        network.train_epoch(X, y, torch.ones(len(y)), batch_size=8)
        weights.append(network.layers[1].weight.detach())
    assert torch.equal(*weights) is not threshold_matters
