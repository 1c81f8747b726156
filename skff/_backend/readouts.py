"""Readouts: how a trained network scores every class for a row.

A readout is a class registered in :data:`READOUTS` (the estimator's
``prediction``). ``needs_softmax_head`` says whether it reads the linear
softmax head (:class:`SoftmaxHead`), which the network then trains beside its
layers. ``fit`` returns what the readout learns from the training rows once
training ends (``None`` if nothing), and ``scores`` gives ``(n_rows, n_classes)``
float64 logits from the network and that state.
"""

import torch
from torch import nn

# Training rows, evenly spaced, on which the combined readout fits its scale:
# enough for a stable median, few enough to cost little next to an epoch; with
# many classes, fewer (every row is scored under every label), never below
# the minimum.
SCALE_FITTING_ROWS = 1000
SCALE_FITTING_LABEL_ROWS = 20_000
SCALE_FITTING_MIN_ROWS = 50


class SoftmaxHead(nn.Module):
    """A linear layer that starts at zero: ``nn.Linear``'s weights and names,
    without its random initialisation, which would draw from torch's global
    generator (building it on the meta device instead imports sympy, a
    process's first fit paying half a second for it)."""

    def __init__(self, n_inputs, n_outputs, *, device, dtype):
        super().__init__()
        self.in_features, self.out_features = n_inputs, n_outputs
        self.weight = nn.Parameter(
            torch.zeros(n_outputs, n_inputs, device=device, dtype=dtype)
        )
        self.bias = nn.Parameter(torch.zeros(n_outputs, device=device, dtype=dtype))

    def forward(self, inputs):
        # The same product as F.linear, computed transposed: with few classes
        # the output is skinny, and BLAS computes (classes x rows) two to
        # three times faster than (rows x classes) for a batch of 128 rows of
        # 1000 units into 10 classes on the CPU.
        return torch.addmm(self.bias.unsqueeze(1), self.weight, inputs.T).T


class Readout:
    """Base class of the readouts."""

    needs_softmax_head = False

    def fit(self, network, X):
        """What this readout learns from the training rows ``X`` after training."""
        return None

    def scores(self, network, X, state):
        """Logits of every class for every row of ``X``, as float64."""
        raise NotImplementedError


class GoodnessReadout(Readout):
    """The goodness summed over the prediction layers, for every label, times
    the layer loss's logit scale (the loss models the odds of one label against
    another from their goodness)."""

    def scores(self, network, X, state):
        return network.goodness_scores(X).double() * network.logit_scale


class SoftmaxReadout(Readout):
    """The softmax head's logits from one pass under the neutral label."""

    needs_softmax_head = True

    def scores(self, network, X, state):
        return network.readout_logits(X).double()


class CombinedReadout(Readout):
    """Both: the sum of the softmax head's and the goodness's log-probabilities.

    The goodness is first scaled so that its median margin between the best and
    the second-best class on the training rows is the softmax head's: the two
    then weigh alike, whatever the loss and the width.
    """

    needs_softmax_head = True

    def fit(self, network, X):
        n_rows = min(
            SCALE_FITTING_ROWS,
            max(SCALE_FITTING_MIN_ROWS, SCALE_FITTING_LABEL_ROWS // network.n_classes),
        )
        rows = X[:: -(-X.shape[0] // n_rows)]
        logits = network.readout_logits(rows).double()
        margin = _median_margin(network.goodness_scores(rows).double())
        return _median_margin(logits) / margin if margin > 0 else 0.0

    def scores(self, network, X, state):
        logits = network.readout_logits(X).double()
        goodness = network.goodness_scores(X).double()
        return logits.log_softmax(dim=1) + (state * goodness).log_softmax(dim=1)


def _median_margin(scores):
    """The median over rows of the gap between the best and the second-best
    column, as a float."""
    top_two = scores.topk(2, dim=1).values
    return float((top_two[:, 0] - top_two[:, 1]).quantile(0.5))


READOUTS = {
    "goodness": GoodnessReadout,
    "softmax": SoftmaxReadout,
    "combined": CombinedReadout,
}
