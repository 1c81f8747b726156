"""One Forward-Forward layer: normalise its input, Linear, ReLU, and its local loss."""

import math

import torch
from torch import nn
from torch.nn import functional as F

# Added to the input's length before dividing by it, so an all-zero row maps to zero
# instead of NaN (the Keras example uses the same guard).
NORM_EPS = 1e-4


def unit_rms_scale(sq_norm, width):
    """Per-row factor that gives a vector of squared norm ``sq_norm`` unit RMS."""
    return math.sqrt(width) / (sq_norm.sqrt() + NORM_EPS)


class FFLayer(nn.Module):
    """A fully connected ReLU layer trained by its own goodness loss.

    The input is divided by its root mean square (Hinton 2022), so the length of
    the previous layer's activity, which is what that layer was trained to make
    large or small, carries no information to this layer: only its direction does.

    Parameters
    ----------
    n_inputs, n_units : int
        Width of the input and of the layer.
    goodness : {"mean_squares", "sum_squares"}
        Goodness of an activity vector: the mean or the sum of its squares.
    threshold : float
        Goodness above which a sample counts as positive data.
    generator : torch.Generator
        Source of the initial weights.
    n_labels : int, default=0
        Width of a label code overlaid on the input (first layer only). Its weights
        are kept apart in ``label_weight``, one row per label, so that a label's
        contribution is a row lookup (see :class:`~.network.LabelledFirstLayer`).
        ``n_inputs`` counts these inputs too.
    """

    def __init__(
        self,
        n_inputs,
        n_units,
        *,
        goodness,
        threshold,
        generator,
        device,
        dtype,
        n_labels=0,
    ):
        super().__init__()
        self.n_inputs = n_inputs
        self.n_units = n_units
        self.goodness_kind = goodness
        self.threshold = threshold
        # Unit-variance pre-activations for an RMS-normalised input: the goodness then
        # starts near its threshold instead of having to grow from almost nothing.
        std = 1.0 / math.sqrt(n_inputs)
        weight = torch.randn(n_inputs, n_units, generator=generator, dtype=dtype) * std
        self.weight = nn.Parameter(weight[n_labels:].T.contiguous().to(device))
        self.bias = nn.Parameter(torch.zeros(n_units, dtype=dtype, device=device))
        self.label_weight = None
        if n_labels:
            self.label_weight = nn.Parameter(weight[:n_labels].contiguous().to(device))

    def input_scale(self, sq_norm):
        """Per-row factor that gives an input of squared norm ``sq_norm`` unit RMS."""
        return unit_rms_scale(sq_norm, self.n_inputs)

    def activate(self, projected, sq_norm):
        """ReLU of ``projected`` (the input times the weights), after normalising.

        Scaling the ``n_units`` outputs instead of the ``n_inputs`` inputs gives the
        same result, and lets the first layer share one projection between labels.
        """
        return F.relu(projected * self.input_scale(sq_norm).unsqueeze(-1) + self.bias)

    def activate_(self, projected, sq_norm):
        """:meth:`activate` in place, for inference: ``projected`` is the output."""
        projected.mul_(self.input_scale(sq_norm).unsqueeze(-1))
        return projected.add_(self.bias).relu_()

    def forward_into(self, inputs, sq_norm, out):
        """Inference forward pass written into the preallocated ``out``."""
        torch.matmul(inputs, self.weight.T, out=out)
        return self.activate_(out, sq_norm)

    def forward(self, inputs, sq_norm=None):
        if sq_norm is None:
            sq_norm = inputs.square().sum(dim=-1)
        return self.activate(inputs @ self.weight.T, sq_norm)

    def goodness(self, sum_squares):
        """Goodness from the activity's sum of squares (computed once by the caller)."""
        if self.goodness_kind == "mean_squares":
            return sum_squares / self.n_units
        return sum_squares

    def loss(self, positive_goodness, negative_goodness, sample_weight):
        """Logistic loss on goodness minus threshold, positives up and negatives down.

        ``softplus(-x) = -log(sigmoid(x))``: the negative log-likelihood of
        ``p(positive) = sigmoid(goodness - threshold)`` for both kinds of data.
        """
        per_sample = F.softplus(self.threshold - positive_goodness) + F.softplus(
            negative_goodness - self.threshold
        )
        return (per_sample * sample_weight).mean() / 2
