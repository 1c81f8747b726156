"""Layer losses: how a layer is scored on the goodness of a row shown with its
true label (positive) and with a wrong one (negative).

A loss is a class registered in :data:`LAYER_LOSSES`. It is built with every
loss setting the estimator has (``threshold`` and ``alpha``) and keeps those it
uses. It gives the per-sample loss (``__call__``, written with differentiable
torch operations, so that tests can check :meth:`LayerLoss.gradients` against
autograd), the loss with its derivatives (``gradients``, which training uses:
skff computes every gradient by hand), and the factor that turns goodness into
the logits of a prediction by goodness (``logit_scale``).
"""

import torch
from torch.nn import functional as F


class LayerLoss:
    """Base class of the layer losses.

    Parameters
    ----------
    threshold : float
        Goodness above which a row counts as positive, for losses that have one.
    alpha : float
        Sharpness, for losses that have one.
    """

    def __init__(self, *, threshold, alpha):
        self.threshold = threshold
        self.alpha = alpha

    def __call__(self, positive_goodness, negative_goodness):
        """Per-sample loss: row ``i`` of both is the same sample."""
        raise NotImplementedError

    def gradients(self, positive_goodness, negative_goodness):
        """The per-sample loss and its derivatives with respect to both goodnesses."""
        raise NotImplementedError

    @property
    def logit_scale(self):
        """The factor on summed goodness that gives a prediction's logits."""
        return 1.0


class ThresholdLoss(LayerLoss):
    """Logistic loss on goodness minus threshold, positives up and negatives down.

    ``softplus(-x) = -log(sigmoid(x))``: the negative log-likelihood of
    ``p(positive) = sigmoid(goodness - threshold)`` for both kinds of data
    (Hinton 2022), averaged over the two.
    """

    def __call__(self, positive_goodness, negative_goodness):
        positive = F.softplus(self.threshold - positive_goodness)
        return (positive + F.softplus(negative_goodness - self.threshold)) / 2

    def gradients(self, positive_goodness, negative_goodness):
        positive_gap = self.threshold - positive_goodness
        negative_gap = negative_goodness - self.threshold
        loss = (F.softplus(positive_gap) + F.softplus(negative_gap)) / 2
        return loss, -torch.sigmoid(positive_gap) / 2, torch.sigmoid(negative_gap) / 2


class SymbaLoss(LayerLoss):
    """Logistic loss on the gap between a row's positive and negative goodness.

    SymBa (Lee and Song 2023): ``-log(sigmoid(alpha * (positive - negative)))``.
    Each row's positive and negative copy form a pair, and only their
    difference counts, so positive and negative data pull with equal force
    and no threshold has to be chosen.
    """

    def __call__(self, positive_goodness, negative_goodness):
        return F.softplus(self.alpha * (negative_goodness - positive_goodness))

    def gradients(self, positive_goodness, negative_goodness):
        gap = self.alpha * (negative_goodness - positive_goodness)
        pull = self.alpha * torch.sigmoid(gap)
        return F.softplus(gap), -pull, pull

    @property
    def logit_scale(self):
        # The loss models p(a label beats another) as the sigmoid of alpha
        # times their goodness gap, so alpha scales the logits.
        return self.alpha


LAYER_LOSSES = {"threshold": ThresholdLoss, "symba": SymbaLoss}
