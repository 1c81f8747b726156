"""One Forward-Forward layer: normalise its input, Linear, ReLU, and its local loss."""

import math
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from .goodness import GOODNESS
from .losses import LAYER_LOSSES
from .sparse import sum_of_all_squares

# Added to the input's length before dividing by it, so an all-zero row maps to zero
# instead of NaN (the Keras example uses the same guard).
NORM_EPS = 1e-4


# Both factors are ``c / (sqrt(sq_norm) + eps)`` written as torch computes a
# number divided by a tensor (the reciprocal, times the number), in place: the
# same values, without the Python-level operator of a reflected division.
def unit_rms_scale(sq_norm, width):
    """Per-row factor that gives a vector of squared norm ``sq_norm`` unit RMS."""
    return sq_norm.sqrt().add_(NORM_EPS).reciprocal_().mul_(math.sqrt(width))


def unit_length_scale(sq_norm, width):
    """Per-row factor that gives a vector of squared norm ``sq_norm`` unit length."""
    return sq_norm.sqrt().add_(NORM_EPS).reciprocal_()


NORMALIZATIONS = {"rms": unit_rms_scale, "l2": unit_length_scale}
# A first layer may instead scale every row by one fitted constant (see
# FFLayer.fit_global_scale), so that the length of a row reaches it.
GLOBAL = "global"


# The label argument of a layer that forwards labels (see FFLayer) for rows
# shown under the neutral label: 1 / n_classes in every label slot.
NEUTRAL = "neutral"

# Decay of the running mean activity of each unit, for peer normalisation.
PEER_MEAN_DECAY = 0.9


def sum_of_squares(activity):
    """Each row's sum of squares (over the last dimension)."""
    return torch.linalg.vector_norm(activity, dim=-1).square_()


def set_label_gradient(label_weight, labels, rows):
    """Give ``label_weight`` (a row per label) its gradient: the sum of the
    ``rows`` of the derivative shown with each label."""
    gradient = torch.zeros_like(label_weight).index_add_(0, labels, rows)
    set_gradient(label_weight, gradient)


def weight_gradient(d_outputs, inputs):
    """``d_outputs.T @ inputs``: a weight's gradient, from the derivative with
    respect to a layer's outputs and the inputs that made them, a row each.

    On the CPU, when the inputs are few (a handful of features into many
    units), the same product is computed transposed: BLAS computes
    ``inputs.T @ d_outputs`` two to five times faster when its last factor
    is the wide one (5 inputs into 1000 units, 128 rows: 45 us against 181
    on the AMD EPYC, copy into the weight's layout included). Sparse inputs
    (:class:`~.sparse.SparseRows`) have their own product.
    """
    n_rows, n_inputs = inputs.shape
    skinny = 4 * n_inputs <= min(n_rows, d_outputs.shape[1])
    if skinny and isinstance(inputs, torch.Tensor) and inputs.device.type == "cpu":
        return (inputs.T @ d_outputs).T
    return d_outputs.T @ inputs


def set_gradient(parameter, gradient):
    """Give ``parameter`` its gradient, in its own dtype (under bfloat16
    autocast, products come out in bfloat16) and its own memory layout (the
    fused optimizers read a gradient as if it had the parameter's strides)."""
    gradient = gradient.to(parameter.dtype)
    if gradient.stride() != parameter.stride():
        gradient = torch.empty_like(parameter).copy_(gradient)
    parameter.grad = gradient


def collaborative_shares(goodness, threshold, weight):
    """Each layer's share of a collaborative goodness (Lorberbom et al. 2023):
    ``weight`` times the sum of every other layer's goodness above
    ``threshold``. ``goodness`` holds one tensor per layer, all of one shape.

    A layer's loss then reads its own goodness plus this share, which it
    treats as a constant: the layers learn to be good together, while no
    gradient crosses from one to another. With every layer at the threshold
    the share is zero, so a threshold loss keeps its meaning.
    """
    excess = [layer_goodness - threshold for layer_goodness in goodness]
    total = torch.stack(excess).sum(dim=0)
    return [(total - own).mul_(weight) for own in excess]


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
    goodness : str
        Goodness of an activity vector, a key of :data:`.goodness.GOODNESS`.
    loss : str
        The layer's loss on the goodness of a positive and a negative row, a key
        of :data:`.losses.LAYER_LOSSES`.
    threshold : float
        Goodness above which a sample counts as positive data (``"threshold"``).
    alpha : float
        Sharpness of the ``"symba"`` loss.
    normalization : {"rms", "l2", "global"}
        Divide the input by its root mean square or by its length, or (the first
        layer only) multiply every row by one constant fitted on the training
        data, :meth:`fit_global_scale`, so that a row's length is not lost.
    forwarded_labels : int, default=0
        (Layers after the first.) Give the layer a label projection of its
        own, ``label_weight`` with one row per label, added to the
        pre-activation of a row shown with that label (its mean for the
        neutral label): the separate label-feature forwarding (FFCL) of
        arXiv 2604.13081, which shows the class hypothesis to every layer
        instead of only to the first.
    input_major : bool, default=False
        Store the weights input by input (the transpose of the usual layout,
        same values and shape): for sparse data, whose rows each read only a
        few inputs.
    constant_input : bool, default=False
        (First layer only.) The last data input is a constant, the training
        data's root mean square (fitted by :meth:`fit_global_scale`), appended
        to every row before it is normalised: the normalised row then still
        holds the row's length, as homogeneous coordinates do.
    generator : torch.Generator
        Source of the initial weights.
    n_labels : int, default=0
        Width of a label code overlaid on the input (first layer only). Its weights
        are kept apart in ``label_weight``, one row per label, so that a label's
        contribution is a row lookup (see :class:`~.first_layer.LabelledFirstLayer`).
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
        forwarded_labels=0,
        constant_input=False,
        input_major=False,
    ):
        super().__init__()
        self.n_inputs = n_inputs
        self.n_units = n_units
        self.goodness_function = GOODNESS[goodness](n_units)
        self.set_loss(loss, threshold=threshold, alpha=alpha)
        self.normalization = normalization
        self.constant_input = constant_input
        if normalization == GLOBAL or constant_input:
            # Not fitted yet: fit_global_scale sets it from the training data.
            self.register_buffer(
                "global_scale", torch.zeros((), dtype=dtype, device=device)
            )
        if normalization != GLOBAL:
            self._scale = NORMALIZATIONS[normalization]
        # Glorot uniform, as Keras's Dense and scikit-learn's MLP start. On an
        # RMS-normalised input the pre-activations then have about unit variance;
        # on a unit-length input they start tiny, as in the Keras example.
        limit = math.sqrt(6.0 / (n_inputs + n_units))
        weight = torch.rand(n_inputs, n_units, generator=generator, dtype=dtype)
        weight = weight.mul_(2 * limit).sub_(limit)
        data_weight = weight[n_labels:]
        if input_major:
            # Each input's weights side by side in memory, the weight still
            # (n_units, n_inputs): a sparse row's product is then a sum of
            # contiguous rows, one per non-zero (see .sparse.SparseRows).
            self.weight = nn.Parameter(data_weight.contiguous().to(device).T)
        else:
            self.weight = nn.Parameter(data_weight.T.contiguous().to(device))
        self.bias = nn.Parameter(torch.zeros(n_units, dtype=dtype, device=device))
        self.label_weight = None
        if n_labels:
            self.label_weight = nn.Parameter(weight[:n_labels].contiguous().to(device))
        self.forwards_labels = bool(forwarded_labels)
        if forwarded_labels:
            limit = math.sqrt(6.0 / (forwarded_labels + n_units))
            label = torch.rand(
                forwarded_labels, n_units, generator=generator, dtype=dtype
            )
            label = label.mul_(2 * limit).sub_(limit)
            self.label_weight = nn.Parameter(label.to(device))
        # Running mean activity of each unit on positive data (peer normalisation).
        self.register_buffer(
            "mean_activity", torch.zeros(n_units, dtype=dtype, device=device)
        )

    def set_loss(self, loss, *, threshold, alpha):
        """Train by the layer loss registered as ``loss`` (:mod:`.losses`)."""
        self.layer_loss = LAYER_LOSSES[loss](threshold=threshold, alpha=alpha)

    def input_scale(self, sq_norm):
        """Per-row factor that normalises an input of squared norm ``sq_norm``."""
        if self.normalization == GLOBAL:
            return self.global_scale.expand(sq_norm.shape)
        return self._scale(sq_norm, self.n_inputs)

    @property
    def needs_global_scale(self):
        """Whether this layer uses a constant of the data that is not fitted yet."""
        return "global_scale" in self._buffers and not bool(self.global_scale)

    @torch.no_grad()
    def fit_global_scale(self, features):
        """Fit one over the root mean square of every value of ``features``: the
        factor of ``normalization="global"``, so that the data reach the weights
        at unit RMS on average, each row keeping its own length; and, inverted,
        the value of a constant input, as large as a typical feature.

        Summed in float64, a block of rows at a time, so that huge features do
        not overflow their squares and no float64 copy of the data is made;
        all-zero data keep a scale of one.
        """
        total = sum_of_all_squares(features, self.weight.dtype)
        rms = (total / max(features.numel(), 1)).sqrt()
        scale = torch.where(rms > 0, rms.reciprocal(), torch.ones_like(rms))
        self.global_scale.copy_(scale)

    def activate_and_measure(
        self, projected, sq_norm=None, inputs=None, labels=None, scale=None
    ):
        """ReLU of ``projected`` (the input times the weights), after normalising
        by the input's squared norm ``sq_norm`` (or by its :meth:`input_scale`
        ``scale``, if the caller has it).

        Scaling the ``n_units`` outputs instead of the ``n_inputs`` inputs gives the
        same result, and lets the first layer share one projection between labels.
        ``labels``, the label of each row (or :data:`NEUTRAL`), reaches a layer
        that forwards labels; any other ignores it. Returns a
        :class:`LayerPass` holding ``inputs`` and ``labels``.
        """
        if scale is None:
            scale = self.input_scale(sq_norm)
        pre_activation = torch.addcmul(self.bias, projected, scale.unsqueeze(-1))
        if self.forwards_labels and labels is not None:
            pre_activation += self._label_term(labels)
        activity = pre_activation.relu_()
        return LayerPass(activity, sum_of_squares(activity), scale, inputs, labels)

    def _label_term(self, labels):
        if isinstance(labels, str):  # NEUTRAL
            return self.label_weight.mean(dim=0)
        return F.embedding(labels, self.label_weight)

    def activate_(self, projected, sq_norm, every_label=False):
        """The activity, in place, for inference: ``projected`` is the output.
        ``every_label``: its rows are each input row under every label in
        turn, as prediction by goodness scores them."""
        scale = self.input_scale(sq_norm).unsqueeze(-1)
        torch.addcmul(self.bias, projected, scale, out=projected)
        if self.forwards_labels and every_label:
            n_labels, n_units = self.label_weight.shape
            projected.view(-1, n_labels, n_units).add_(self.label_weight)
        return projected.relu_()

    def forward_into(self, inputs, sq_norm, out, every_label=False):
        """Inference forward pass written into the preallocated ``out``."""
        torch.matmul(inputs, self.weight.T, out=out)
        return self.activate_(out, sq_norm, every_label)

    def forward(self, inputs, sq_norm=None):
        return self.forward_and_measure(inputs, sq_norm).activity

    def forward_and_measure(self, inputs, sq_norm=None, labels=None):
        """The :class:`LayerPass` of ``inputs`` through this layer.

        ``sq_norm``, the input's squared norm, is passed when the caller knows
        it (it is the layer below's sum of squares); ``labels`` as in
        :meth:`activate_and_measure`.
        """
        if sq_norm is None:
            sq_norm = sum_of_squares(inputs)
        projected = inputs @ self.weight.T
        return self.activate_and_measure(projected, sq_norm, inputs, labels)

    def goodness(self, activity, sum_squares):
        """Goodness of each row (see :mod:`.goodness`); ``sum_squares`` is the
        activity's, computed once by the caller."""
        return self.goodness_function(activity, sum_squares)

    def loss(self, positive_goodness, negative_goodness, sample_weight):
        """The layer's loss: row ``i`` of each goodness is the same sample, shown
        with its true label and with a wrong one. ``negative_goodness`` may hold
        several negatives per sample, ``(n_negatives, n_rows)``: each pairs with
        the positive, and their losses are averaged."""
        if negative_goodness.dim() == 2:
            positive_goodness = positive_goodness.expand_as(negative_goodness)
        per_sample = self.layer_loss(positive_goodness, negative_goodness)
        if per_sample.dim() == 2:
            per_sample = per_sample.mean(dim=0)
        return (per_sample * sample_weight).mean()

    def loss_and_gradient(
        self, layer_pass, sample_weight, peer_normalization=0.0, goodness=None
    ):
        """The layer's loss on a pass of positive rows, then one or more blocks
        of as many negative ones, and its derivative with respect to the
        pre-activations. Each negative pairs with its row's positive, and the
        losses of a row's negatives are averaged.

        ``goodness``, if given, ``(n_copies, n_rows)``, is the goodness the loss
        reads, computed by the caller from this pass: with collaboration, the
        layer's own plus the other layers' share as a constant (see
        :func:`collaborative_shares`). The derivative is still taken through
        the layer's own goodness only.

        The derivative with respect to the activity is also the one with respect
        to the pre-activation where the ReLU is on, and the goodness's is zero
        where it is off. The peer term (:meth:`peer_gradient`) passes the ReLU
        as if it were the identity: Hinton's code adds it to the gradient of
        each unit's input, so that a unit that is off for every sample is still
        pulled back towards its peers instead of staying dead.
        """
        n_rows = sample_weight.shape[0]
        activity, sum_squares = layer_pass.activity, layer_pass.sum_squares
        if goodness is None:
            goodness = self.goodness(activity, sum_squares).view(-1, n_rows)
        negatives = goodness[1:]
        per_sample, d_positive, d_negative = self.layer_loss.gradients(
            goodness[0].expand_as(negatives), negatives
        )
        n_negatives = negatives.shape[0]
        if n_negatives > 1:
            # Averaged over a row's negatives (a mean of one is the value).
            per_sample = per_sample.mean(dim=0)
            d_positive = d_positive.mean(dim=0, keepdim=True)
            d_negative = d_negative / n_negatives
        loss = (per_sample.view(n_rows) * sample_weight).mean()
        row_weight = sample_weight / n_rows
        d_goodness = torch.cat([d_positive, d_negative]).mul_(row_weight)
        d_pre = self.goodness_function.gradient(
            activity, sum_squares, d_goodness.view(-1)
        )
        if peer_normalization:
            peer, unit_pull = self.peer_gradient(activity[:n_rows], sample_weight)
            loss = loss + peer_normalization * peer
            d_pre[:n_rows].addr_(row_weight, unit_pull, alpha=peer_normalization)
        return loss, d_pre

    def set_gradients(self, layer_pass, d_pre):
        """The weights' and bias's gradients, from the loss's derivative
        ``d_pre`` with respect to the pre-activations (overwritten)."""
        set_gradient(self.bias, d_pre.sum(dim=0))
        if self.forwards_labels and layer_pass.labels is not None:
            set_label_gradient(self.label_weight, layer_pass.labels, d_pre)
        d_projected = d_pre.mul_(layer_pass.scale.unsqueeze(-1))
        set_gradient(self.weight, weight_gradient(d_projected, layer_pass.inputs))

    def peer_gradient(self, positive_activity, sample_weight):
        """Peer normalisation (Hinton 2022): keep every unit in use.

        Each unit's running mean activity on positive data is pulled towards the
        mean over the layer, so no unit stays off and none dominates. The current
        batch enters the running mean with its gradient; the past is a constant.

        Returns the loss and ``unit_pull``: the loss's derivative with respect to
        the activity of unit ``j`` in row ``i`` is ``unit_pull[j] * w[i] / n``.
        """
        n_rows = sample_weight.shape[0]
        # A product (bfloat16 under autocast) brought back to the state's dtype.
        weighted_sum = (sample_weight @ positive_activity).to(self.mean_activity.dtype)
        batch_mean = weighted_sum / n_rows
        running = torch.lerp(batch_mean, self.mean_activity, PEER_MEAN_DECAY)
        self.mean_activity.copy_(running)
        centred = running - running.mean()
        unit_pull = centred * (2 * (1 - PEER_MEAN_DECAY) / self.n_units)
        return centred.square().mean(), unit_pull


class LayerPass(NamedTuple):
    """One layer's forward pass, with what its weights' gradients need.

    ``activity`` has one row per input row, ``sum_squares`` each row's sum of
    squares, ``scale`` the factor that normalised each row's input, ``inputs``
    the layer's input (for the first layer, the labels of each copy), and
    ``labels`` the label of each row a layer that forwards labels was given.
    """

    activity: torch.Tensor
    sum_squares: torch.Tensor
    scale: torch.Tensor
    inputs: torch.Tensor | None
    labels: object = None
