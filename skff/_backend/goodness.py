"""Goodness functions: how much a layer's activity says "this is real data".

A goodness is a class registered in :data:`GOODNESS`, built with the layer's
width. It maps each row of a layer's activity to one number (``__call__``) and
gives the derivative of a loss on that number with respect to the activity
(``gradient``). Both receive the rows' sums of squares too, which every layer
computes anyway (the next layer normalises by them), so that energy-based
goodness costs nothing more.

``gradient`` must be zero for units that are off (ReLU outputs of zero): the
layer's ReLU passes nothing there. For sums of squares that holds by itself,
as the derivative is proportional to the activity.
"""

import torch


class Goodness:
    """Base class of the goodness functions.

    Parameters
    ----------
    n_units : int
        Width of the layer.
    """

    def __init__(self, n_units):
        self.n_units = n_units

    def __call__(self, activity, sum_squares):
        """Goodness of every row of ``activity``, shape ``(n_rows,)``."""
        raise NotImplementedError

    def gradient(self, activity, sum_squares, d_goodness):
        """Derivative with respect to ``activity``, given ``d_goodness``, the
        derivative with respect to each row's goodness: a new tensor, which
        the caller may overwrite."""
        raise NotImplementedError


class SumSquares(Goodness):
    """The sum of the squared activities (Hinton 2022, the Keras example)."""

    factor = 1.0

    def __call__(self, activity, sum_squares):
        return sum_squares * self.factor

    def gradient(self, activity, sum_squares, d_goodness):
        return activity * (2 * self.factor * d_goodness).unsqueeze(-1)


class MeanSquares(SumSquares):
    """The mean of the squared activities: the same scale at any width."""

    def __init__(self, n_units):
        super().__init__(n_units)
        self.factor = 1.0 / n_units


class TopKMeanSquares(Goodness):
    """Selective goodness: the mean square of the ``k`` most active units, with
    ``k`` a tenth of the layer (at least one).

    Only the strongest units of a row count, so a layer is rewarded for a few
    units that respond strongly to the right label rather than for many that
    respond a little: a top-k form of the selective goodness studied in
    arXiv 2604.13081 (the tenth is skff's choice, not tuned). On the same
    scale as ``"mean_squares"``, so the same ``symba_alpha`` suits it.
    """

    def __init__(self, n_units):
        super().__init__(n_units)
        self.k = max(1, n_units // 10)

    def __call__(self, activity, sum_squares):
        return activity.topk(self.k, dim=-1).values.square().mean(dim=-1)

    def gradient(self, activity, sum_squares, d_goodness):
        top = activity.topk(self.k, dim=-1)
        pull = top.values * (2 * d_goodness / self.k).unsqueeze(-1)
        return torch.zeros_like(activity).scatter_(-1, top.indices, pull)


GOODNESS = {
    "sum_squares": SumSquares,
    "mean_squares": MeanSquares,
    "top_k_mean_squares": TopKMeanSquares,
}
