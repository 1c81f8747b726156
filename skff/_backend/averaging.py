"""Weight averaging: predictions from a moving average of the training weights.

Training at a high learning rate keeps the weights moving around a good
region; their recent average lies nearer its middle than any single step does
(Polyak and Juditsky 1992; the exponential form is the one most trainings use
now). The network trains on its own weights and predicts with the average.
"""

from contextlib import contextmanager

import torch


def decay_per_step(averaging_epochs, steps_per_epoch):
    """The decay of an average whose horizon, ``1 / (1 - decay)`` steps, spans
    ``averaging_epochs`` epochs; 0 (no averaging) where that is under a step."""
    horizon = averaging_epochs * steps_per_epoch
    return 1.0 - 1.0 / horizon if horizon > 1.0 else 0.0


class WeightAverage:
    """An exponential moving average of some parameters, held in them between
    epochs.

    Between epochs the parameters hold the average, which is what
    predictions, snapshots and anyone reading the weights see; ``stored``
    then holds the weights training goes on from. :meth:`training` swaps the
    two for an epoch (their storage, nothing is copied), during which
    :meth:`update` averages in each step's weights.

    After steps with decays ``d_1 ... d_t``, step ``s``'s weights count
    ``(1 - d_s) * d_{s+1} * ... * d_t``, divided by the total ``mass``,
    ``1 - d_1 * ... * d_t``: a young average is not pulled towards where it
    started (as Adam corrects its moments' bias). The decay may change from
    step to step.

    Parameters
    ----------
    parameters : list of Parameter
        The averaged parameters.
    stored : list of Tensor
        The other set of weights, one tensor per parameter.
    mass : float
        Total weight of the steps averaged so far (0 before the first).
    """

    def __init__(self, parameters, stored, mass=0.0):
        self.parameters = parameters
        self.stored = stored
        self.mass = mass

    @classmethod
    def start(cls, parameters):
        """Start averaging ``parameters`` from their next step on."""
        return cls(parameters, [p.detach().clone() for p in parameters])

    @contextmanager
    def training(self):
        """Within the block the parameters hold the training weights."""
        self._swap()
        try:
            yield
        finally:
            self._swap()

    @torch.no_grad()
    def update(self, decay):
        """Average in the parameters' current values with ``decay`` (during
        :meth:`training`): one kernel."""
        self.mass = decay * self.mass + (1.0 - decay)
        torch._foreach_lerp_(self.stored, self.parameters, (1.0 - decay) / self.mass)

    def release(self):
        """Put the training weights back into the parameters for good."""
        self._swap()

    def _swap(self):
        for index, parameter in enumerate(self.parameters):
            parameter.data, self.stored[index] = self.stored[index], parameter.data
