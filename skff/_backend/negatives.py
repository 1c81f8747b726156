"""Negative-label samplers: which wrong label each training row is shown with."""

import torch


def random_wrong_labels(labels, n_classes, generator):
    """A label drawn uniformly among the ``n_classes - 1`` wrong ones, per row.

    Adding an offset in ``[1, n_classes)`` modulo ``n_classes`` can never give back
    the true label, and every wrong label is equally likely.
    """
    offset = torch.randint(
        1, n_classes, labels.shape, generator=generator, device=labels.device
    )
    return (labels + offset) % n_classes


def hard_wrong_labels(labels, logits, generator):
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


NEGATIVE_SAMPLERS = {"random", "hard"}
