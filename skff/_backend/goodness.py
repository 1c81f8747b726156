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


class EntmaxEnergy(Goodness):
    """Selective goodness: the squared activities weighted by the 1.5-entmax
    of the activities, ``sum_j p_j a_j**2`` with ``p = entmax15(a)``.

    1.5-entmax (Peters, Niculae and Martins 2019) is a softmax that gives
    exactly zero weight to units far enough below the most active ones, so
    the goodness is the energy of a row's peak, with a support that adapts
    to the row instead of a fixed ``k``: the entmax-weighted energy of
    arXiv 2604.13081, which reports alpha = 1.5 best. The weights sum to one,
    so it is on the scale of ``"mean_squares"`` (larger, as it favours the
    largest activities) and the same ``symba_alpha`` suits it.
    """

    def __call__(self, activity, sum_squares):
        return (entmax15(activity) * activity.square()).sum(dim=-1)

    def gradient(self, activity, sum_squares, d_goodness):
        # d p_j / d a_i = s_j (delta_ij - s_i / sum(s)), s = sqrt(p) (the
        # 1.5-entmax Jacobian), so with e = a**2:
        # dg/da_i = 2 p_i a_i + s_i (e_i - sum(s e) / sum(s)).
        weights = entmax15(activity)
        roots = weights.sqrt()
        energy = activity.square()
        mean_energy = (roots * energy).sum(-1, keepdim=True) / roots.sum(
            -1, keepdim=True
        )
        gradient = 2 * weights * activity + roots * (energy - mean_energy)
        return gradient.mul_((d_goodness.unsqueeze(-1)) * (activity > 0))


def entmax15(scores):
    """1.5-entmax of each row of ``scores``: ``max(scores / 2 - tau, 0)**2``
    with the threshold ``tau`` that makes each row sum to one, found exactly
    from the sorted scores."""
    half = (scores - scores.amax(dim=-1, keepdim=True)) / 2
    descending = half.sort(dim=-1, descending=True).values
    rank = torch.arange(1, scores.shape[-1] + 1, dtype=scores.dtype)
    rank = rank.to(scores.device)
    mean = descending.cumsum(-1) / rank
    mean_square = descending.square().cumsum(-1) / rank
    delta = (1 - rank * (mean_square - mean.square())) / rank
    tau = mean - delta.clamp_min(0).sqrt()
    support = (tau <= descending).sum(dim=-1, keepdim=True)
    threshold = tau.gather(-1, support - 1)
    return (half - threshold).clamp_min(0).square()


# Keeps the kurtosis of an all-zero row finite (it is then -3).
KURTOSIS_EPS = 1e-12


class ExcessKurtosis(Goodness):
    """Shape-sensitive goodness: the excess kurtosis of a row's activities
    over the layer's units, ``m4 / m2**2 - 3`` with ``m2`` and ``m4`` the
    central moments ("burstiness", arXiv 2604.13081).

    It is high when a few units fire strongly and the rest are quiet, and it
    does not change when a row is scaled, so a layer cannot raise it by firing
    louder. Its values are not on the scale of a mean square: ``symba_alpha``
    (or ``threshold``) needs its own value.
    """

    def _moments(self, activity):
        centred = activity - activity.mean(dim=-1, keepdim=True)
        squares = centred.square()
        return centred, squares.mean(dim=-1), squares.square().mean(dim=-1)

    def __call__(self, activity, sum_squares):
        _, m2, m4 = self._moments(activity)
        return m4 / (m2.square() + KURTOSIS_EPS) - 3.0

    def gradient(self, activity, sum_squares, d_goodness):
        # d m2/da_j = 2 c_j / n and d m4/da_j = 4 (c_j**3 - mean(c**3)) / n,
        # with c the centred activities.
        centred, m2, m4 = self._moments(activity)
        denominator = (m2.square() + KURTOSIS_EPS).unsqueeze(-1)
        cubes = centred.pow(3)
        d_m4 = (cubes - cubes.mean(dim=-1, keepdim=True)) * (4 / self.n_units)
        d_m2 = centred * (2 / self.n_units)
        ratio = (2 * m4 * m2).unsqueeze(-1) / denominator.square()
        gradient = d_m4 / denominator - ratio * d_m2
        return gradient.mul_(d_goodness.unsqueeze(-1) * (activity > 0))


GOODNESS = {
    "sum_squares": SumSquares,
    "mean_squares": MeanSquares,
    "top_k_mean_squares": TopKMeanSquares,
    "entmax_energy": EntmaxEnergy,
    "excess_kurtosis": ExcessKurtosis,
}
