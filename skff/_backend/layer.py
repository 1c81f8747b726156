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


def unit_length_scale(sq_norm, width):
    """Per-row factor that gives a vector of squared norm ``sq_norm`` unit length."""
    return 1.0 / (sq_norm.sqrt() + NORM_EPS)


NORMALIZATIONS = {"rms": unit_rms_scale, "l2": unit_length_scale}
# A first layer may instead scale every row by one fitted constant (see
# FFLayer.fit_global_scale), so that the length of a row reaches it.
GLOBAL = "global"
# Rows summed together when fitting the global scale.
GLOBAL_BLOCK = 4096


def threshold_loss(positive_goodness, negative_goodness, *, threshold, alpha):
    """Logistic loss on goodness minus threshold, positives up and negatives down.

    ``softplus(-x) = -log(sigmoid(x))``: the negative log-likelihood of
    ``p(positive) = sigmoid(goodness - threshold)`` for both kinds of data
    (Hinton 2022), averaged over the two.
    """
    positive = F.softplus(threshold - positive_goodness)
    return (positive + F.softplus(negative_goodness - threshold)) / 2


def symba_loss(positive_goodness, negative_goodness, *, threshold, alpha):
    """Logistic loss on the gap between a row's positive and negative goodness.

    SymBa (Lee and Song 2023): ``-log(sigmoid(alpha * (positive - negative)))``.
    Each row's positive and negative copy form a pair, and only their
    difference counts, so positive and negative data pull with equal force
    and no threshold has to be chosen.
    """
    return F.softplus(alpha * (negative_goodness - positive_goodness))


# Per-sample losses on the goodness of each row under its true and a wrong label;
# every one takes both settings, so that a new loss is one more entry here.
GOODNESS_LOSSES = {"threshold": threshold_loss, "symba": symba_loss}

# Decay of the running mean activity of each unit, for peer normalisation.
PEER_MEAN_DECAY = 0.9


class NormalizedReLU(torch.autograd.Function):
    """``relu(projected * scale + bias)`` and its rows' sums of squares.

    Written out because it is the hot path of training: three passes over the
    activity forward and three backward, where autograd's op-by-op version
    makes about a dozen. ``scale`` (the input normaliser) gets no gradient: no
    gradient reaches a layer's input.

    A gradient on the sum of squares reaches only the units that are on (it is
    ``2 * activity`` times the incoming gradient). A gradient on the activity
    itself, which only peer normalisation sends, passes the ReLU as if it were
    the identity: Hinton's code adds the peer term to the gradient of each
    unit's input, so that a unit that is off for every sample is still pulled
    back towards its peers instead of staying dead.
    """

    @staticmethod
    def forward(ctx, projected, scale, bias):
        ctx.set_materialize_grads(False)
        activity = torch.addcmul(bias, projected, scale.unsqueeze(-1)).relu_()
        sum_squares = torch.linalg.vector_norm(activity, dim=-1).square_()
        ctx.save_for_backward(activity, scale)
        return activity, sum_squares

    @staticmethod
    def backward(ctx, grad_activity, grad_sum_squares):
        activity, scale = ctx.saved_tensors
        if grad_sum_squares is not None:
            grad = activity * (2 * grad_sum_squares).unsqueeze(-1)
            if grad_activity is not None:
                grad += grad_activity
        elif grad_activity is not None:
            grad = grad_activity.clone()
        else:
            return None, None, None
        grad_bias = None
        if ctx.needs_input_grad[2]:
            grad_bias = grad.reshape(-1, grad.shape[-1]).sum(dim=0)
        grad_projected = None
        if ctx.needs_input_grad[0]:
            grad_projected = grad.mul_(scale.unsqueeze(-1))
        return grad_projected, None, grad_bias


class FFLayer(nn.Module):
    """A fully connected ReLU layer trained by its own goodness loss.

    The input is divided by its root mean square (Hinton 2022) or by its length
    (the Keras example), so the length of the previous layer's activity, which
    is what that layer was trained to make large or small, carries no
    information to this layer: only its direction does.

    Parameters
    ----------
    n_inputs, n_units : int
        Width of the input and of the layer.
    goodness : {"mean_squares", "sum_squares"}
        Goodness of an activity vector: the mean or the sum of its squares.
    loss : {"threshold", "symba"}
        The layer's loss on the goodness of a positive and a negative row (see
        :data:`GOODNESS_LOSSES`).
    threshold : float
        Goodness above which a sample counts as positive data (``"threshold"``).
    alpha : float
        Sharpness of the ``"symba"`` loss.
    normalization : {"rms", "l2", "global"}
        Divide the input by its root mean square or by its length, or (the first
        layer only) multiply every row by one constant fitted on the training
        data, :meth:`fit_global_scale`, so that a row's length is not lost.
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
        normalization,
        generator,
        loss="threshold",
        alpha=8.0,
        device,
        dtype,
        n_labels=0,
    ):
        super().__init__()
        self.n_inputs = n_inputs
        self.n_units = n_units
        self.goodness_kind = goodness
        self.loss_kind = loss
        self.threshold = threshold
        self.alpha = alpha
        self.normalization = normalization
        if normalization == GLOBAL:
            # Not fitted yet: fit_global_scale sets it from the training data.
            self.register_buffer(
                "global_scale", torch.zeros((), dtype=dtype, device=device)
            )
        else:
            self._scale = NORMALIZATIONS[normalization]
        # Glorot uniform, as Keras's Dense and scikit-learn's MLP start. On an
        # RMS-normalised input the pre-activations then have about unit variance;
        # on a unit-length input they start tiny, as in the Keras example.
        limit = math.sqrt(6.0 / (n_inputs + n_units))
        weight = torch.rand(n_inputs, n_units, generator=generator, dtype=dtype)
        weight = weight.mul_(2 * limit).sub_(limit)
        self.weight = nn.Parameter(weight[n_labels:].T.contiguous().to(device))
        self.bias = nn.Parameter(torch.zeros(n_units, dtype=dtype, device=device))
        self.label_weight = None
        if n_labels:
            self.label_weight = nn.Parameter(weight[:n_labels].contiguous().to(device))
        # Running mean activity of each unit on positive data (peer normalisation).
        self.register_buffer(
            "mean_activity", torch.zeros(n_units, dtype=dtype, device=device)
        )

    def input_scale(self, sq_norm):
        """Per-row factor that normalises an input of squared norm ``sq_norm``."""
        if self.normalization == GLOBAL:
            return self.global_scale.expand(sq_norm.shape)
        return self._scale(sq_norm, self.n_inputs)

    @property
    def needs_global_scale(self):
        """Whether this layer scales by a constant that is not fitted yet."""
        return self.normalization == GLOBAL and not bool(self.global_scale)

    @torch.no_grad()
    def fit_global_scale(self, features):
        """Fit the constant of ``normalization="global"``: one over the root mean
        square of every value of ``features``, so that the data reach the
        weights at unit RMS on average, each row keeping its own length.

        Summed in float64, a block of rows at a time, so that huge features do
        not overflow their squares and no float64 copy of the data is made;
        all-zero data keep a scale of one.
        """
        total = sum(
            block.double().square().sum() for block in features.split(GLOBAL_BLOCK)
        )
        rms = (total / max(features.numel(), 1)).sqrt()
        scale = torch.where(rms > 0, rms.reciprocal(), torch.ones_like(rms))
        self.global_scale.copy_(scale)

    def activate(self, projected, sq_norm):
        """ReLU of ``projected`` (the input times the weights), after normalising.

        Scaling the ``n_units`` outputs instead of the ``n_inputs`` inputs gives the
        same result, and lets the first layer share one projection between labels.
        """
        return self.activate_and_measure(projected, sq_norm)[0]

    def activate_and_measure(self, projected, sq_norm):
        """:meth:`activate`, and the activity's sum of squares per row."""
        scale = self.input_scale(sq_norm.detach())
        return NormalizedReLU.apply(projected, scale, self.bias)

    def activate_(self, projected, sq_norm):
        """:meth:`activate` in place, for inference: ``projected`` is the output."""
        scale = self.input_scale(sq_norm).unsqueeze(-1)
        return torch.addcmul(self.bias, projected, scale, out=projected).relu_()

    def forward_into(self, inputs, sq_norm, out):
        """Inference forward pass written into the preallocated ``out``."""
        torch.matmul(inputs, self.weight.T, out=out)
        return self.activate_(out, sq_norm)

    def forward(self, inputs, sq_norm=None):
        return self.forward_and_measure(inputs, sq_norm)[0]

    def forward_and_measure(self, inputs, sq_norm=None):
        """The activity and its sum of squares per row.

        ``sq_norm``, the input's squared norm, is passed when the caller knows
        it (it is the layer below's sum of squares).
        """
        if sq_norm is None:
            sq_norm = inputs.square().sum(dim=-1)
        return self.activate_and_measure(inputs @ self.weight.T, sq_norm)

    def goodness(self, sum_squares):
        """Goodness from the activity's sum of squares (computed once by the caller)."""
        if self.goodness_kind == "mean_squares":
            return sum_squares / self.n_units
        return sum_squares

    def loss(self, positive_goodness, negative_goodness, sample_weight):
        """The layer's loss: row ``i`` of each goodness is the same sample, shown
        with its true label and with a wrong one."""
        per_sample = GOODNESS_LOSSES[self.loss_kind](
            positive_goodness,
            negative_goodness,
            threshold=self.threshold,
            alpha=self.alpha,
        )
        return (per_sample * sample_weight).mean()

    def peer_loss(self, positive_activity, sample_weight):
        """Peer normalisation (Hinton 2022): keep every unit in use.

        Each unit's running mean activity on positive data is pulled towards the
        mean over the layer, so no unit stays off and none dominates. The current
        batch enters the running mean with its gradient; the past is a constant.
        """
        batch_mean = (positive_activity * sample_weight.unsqueeze(1)).mean(dim=0)
        running = (
            PEER_MEAN_DECAY * self.mean_activity + (1 - PEER_MEAN_DECAY) * batch_mean
        )
        self.mean_activity.copy_(running.detach())
        return (running - running.mean()).square().mean()
