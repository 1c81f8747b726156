"""Negative-label samplers: the label each row is shown with as negative data.

A sampler is a class registered in :data:`NEGATIVE_SAMPLERS`. Called with the
keywords ``labels``, ``n_classes``, ``logits`` (the softmax readout's current
logits, or ``None`` when no readout is trained) and ``generator``, it returns
one label per row, or several: ``(n_negatives, n_rows)``, every row then
meeting each of its negatives, their losses averaged. One that reads
``logits`` says so with ``needs_logits``: the estimator then trains the
readout whatever it predicts with.
"""

import torch


class NegativeSampler:
    """Base class of the negative-label samplers."""

    needs_logits = False

    def __call__(self, *, labels, n_classes, logits, generator):
        raise NotImplementedError


class RandomWrongLabels(NegativeSampler):
    """A label drawn uniformly among the ``n_classes - 1`` wrong ones, per row.

    Adding an offset in ``[1, n_classes)`` modulo ``n_classes`` can never give back
    the true label, and every wrong label is equally likely.
    """

    def __call__(self, *, labels, n_classes, logits, generator):
        offset = torch.randint(
            1, n_classes, labels.shape, generator=generator, device=labels.device
        )
        return (labels + offset) % n_classes


class HardWrongLabels(NegativeSampler):
    """A wrong label drawn in proportion to the model's own belief in it.

    Hinton (2022): negatives the model confuses with the truth teach it most. The
    true label's probability is set to zero; a small floor keeps every wrong label
    possible, so a confident model still sees all of them now and then. A
    diverging readout (NaN logits) falls back to uniform wrong labels until the
    epoch ends and the divergence is reported.
    """

    needs_logits = True

    def __call__(self, *, labels, n_classes, logits, generator):
        probabilities = torch.softmax(logits.float(), dim=1).nan_to_num_(0.0) + 1e-6
        probabilities.scatter_(1, labels.unsqueeze(1), 0.0)
        # One draw from each row, as torch.multinomial draws a single sample
        # (the largest probability over an exponential variable: the same
        # generator calls, the same labels), without its checks of the
        # probabilities, half a dozen operations a step.
        race = torch.empty_like(probabilities).exponential_(generator=generator)
        return probabilities.div_(race).argmax(dim=1)


class ShuffledLabels(NegativeSampler):
    """The batch's own labels in a random order, as the Keras example draws them.

    About one row in ``n_classes`` gets its own label back, so some "negative"
    data is in fact positive. It is here to reproduce that example; the other
    samplers never return the true label.
    """

    def __call__(self, *, labels, n_classes, logits, generator):
        order = torch.randperm(
            labels.shape[0], generator=generator, device=labels.device
        )
        return labels[order]


class AllWrongLabels(NegativeSampler):
    """Every wrong label, for every row: ``n_classes - 1`` negatives per row,
    each weighing ``1 / (n_classes - 1)`` of the row's loss.

    Each row's first-layer projection is shared by all its labels, so a
    negative costs the layers above the first and their gradients. Beyond
    :data:`MAX_NEGATIVES` wrong labels, that many are drawn per row,
    uniformly, instead.
    """

    def __call__(self, *, labels, n_classes, logits, generator):
        if n_classes - 1 > MAX_NEGATIVES:
            offset = torch.randint(
                1,
                n_classes,
                (MAX_NEGATIVES, *labels.shape),
                generator=generator,
                device=labels.device,
            )
        else:
            offset = torch.arange(1, n_classes, device=labels.device).unsqueeze(1)
        return (labels + offset) % n_classes


# Most negatives per row that negatives="all" shows, for many classes.
MAX_NEGATIVES = 16

random_wrong_labels = RandomWrongLabels()
hard_wrong_labels = HardWrongLabels()
shuffled_labels = ShuffledLabels()
all_wrong_labels = AllWrongLabels()

NEGATIVE_SAMPLERS = {
    "random": RandomWrongLabels,
    "hard": HardWrongLabels,
    "shuffle": ShuffledLabels,
    "all": AllWrongLabels,
}
