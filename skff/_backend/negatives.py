"""Negative-label samplers: the label each row is shown with as negative data.

Every sampler takes the keywords ``labels``, ``n_classes``, ``logits`` (the
softmax readout's current logits, or ``None`` when no readout is trained) and
``generator``, and returns one label per row. A new strategy is one more
function in :data:`NEGATIVE_SAMPLERS`.
"""

import torch


def random_wrong_labels(*, labels, n_classes, logits, generator):
    """A label drawn uniformly among the ``n_classes - 1`` wrong ones, per row.

    Adding an offset in ``[1, n_classes)`` modulo ``n_classes`` can never give back
    the true label, and every wrong label is equally likely.
    """
    offset = torch.randint(
        1, n_classes, labels.shape, generator=generator, device=labels.device
    )
    return (labels + offset) % n_classes


def hard_wrong_labels(*, labels, n_classes, logits, generator):
    """A wrong label drawn in proportion to the model's own belief in it.

    Hinton (2022): negatives the model confuses with the truth teach it most. The
    true label's probability is set to zero; a small floor keeps every wrong label
    possible, so a confident model still sees all of them now and then. A
    diverging readout (NaN logits) falls back to uniform wrong labels until the
    epoch ends and the divergence is reported.
    """
    probabilities = torch.softmax(logits.float(), dim=1).nan_to_num_(0.0) + 1e-6
    probabilities.scatter_(1, labels.unsqueeze(1), 0.0)
    return torch.multinomial(probabilities, 1, generator=generator).squeeze(1)


def shuffled_labels(*, labels, n_classes, logits, generator):
    """The batch's own labels in a random order, as the Keras example draws them.

    About one row in ``n_classes`` gets its own label back, so some "negative"
    data is in fact positive. It is here to reproduce that example; the other
    samplers never return the true label.
    """
    order = torch.randperm(labels.shape[0], generator=generator, device=labels.device)
    return labels[order]


NEGATIVE_SAMPLERS = {
    "random": random_wrong_labels,
    "hard": hard_wrong_labels,
    "shuffle": shuffled_labels,
}
