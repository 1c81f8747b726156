"""Scoring many rows under every label, in blocks that bound the memory.

Functions of a :class:`~.network.FFNetwork`, whose public scoring methods
(``goodness_scores``, ``layer_goodness``, ``neutral_activities``,
``readout_logits``) run them.
"""

import torch

from .first_layer import LabelledFirstLayer
from .sparse import pad_rows, split_rows

# Peak extra memory of one block of all-label scoring, in bytes.
SCORING_MEMORY_BUDGET = 256 * 2**20
# Rows scored together on the CPU. CPU BLAS sums in an order that depends on the
# number of rows, so a row's score would change in its last bit with the batch it
# arrives in; padding every block to the same height makes predictions
# bit-identical whatever the batch (scikit-learn's subset-invariance check).
# A single row costs a full block. Blocks of 512 rows scored 10,000 MNIST images
# no faster on 2 CPU cores (beyond run-to-run noise) and doubled that cost.
CPU_SCORING_BLOCK = 256


def block_rows(network, n_copies):
    """Rows per scoring block: their ``n_copies`` overlaid copies fit in
    :data:`SCORING_MEMORY_BUDGET`; on the CPU, a fixed height (see
    :data:`CPU_SCORING_BLOCK`)."""
    widest = max(layer.n_units for layer in network.layers)
    bytes_per_row = n_copies * widest * torch.finfo(network.dtype).bits // 8
    block = max(1, SCORING_MEMORY_BUDGET // (2 * bytes_per_row))
    if network.device.type == "cpu":
        block = min(block, CPU_SCORING_BLOCK)
    return block


def score_in_blocks(network, X, block, score_block):
    """Apply ``score_block`` to blocks of ``block`` rows and stack the results.

    On the CPU the last block is padded, so every block has the same height.
    """
    scores = [score_block(rows) for rows in blocks(network, X, block)]
    return torch.cat(scores)[: X.shape[0]]


def blocks(network, X, block):
    """``X`` in blocks of ``block`` rows; on the CPU the last one is padded with
    zero rows, so every block has the same height."""
    if network.device.type == "cpu":
        X = pad_rows(X, (-X.shape[0]) % block)
    return split_rows(X, block)


def goodness_in_blocks(network, X, n_layers, reduce):
    """``reduce`` applied to the goodness of the first ``n_layers`` layers, block
    after block of rows.

    The ``n_classes`` activities of a block live in one buffer per layer,
    allocated once per call and reused by every block: allocating them anew
    for each block lets the C allocator fragment memory until the process
    holds many times the budget.
    """
    block = block_rows(network, network.n_classes)
    buffers = [
        torch.empty(
            (block * network.n_classes, layer.n_units),
            dtype=network.dtype,
            device=network.device,
        )
        for layer in network.layers[:n_layers]
    ]

    def score_block(rows):
        in_use = [buffer[: rows.shape[0] * network.n_classes] for buffer in buffers]
        return reduce(goodness_block(network, rows, in_use))

    return score_in_blocks(network, X, block, score_block)


def goodness_block(network, X, buffers):
    """Goodness of the first ``len(buffers)`` layers: ``(n_rows, K, n_layers)``."""
    first = LabelledFirstLayer(network.layers[0], network.overlay, X)
    activity = first.for_all_labels(out=buffers[0])
    sum_squares = torch.linalg.vector_norm(activity, dim=1).square_()
    goodness = []
    for index, layer in enumerate(network.layers[: len(buffers)]):
        if index:
            activity = layer.forward_into(
                activity, sum_squares, out=buffers[index], every_label=True
            )
            sum_squares = torch.linalg.vector_norm(activity, dim=1).square_()
        goodness.append(layer.goodness(activity, sum_squares))
    return torch.stack(goodness, dim=-1).reshape(X.shape[0], network.n_classes, -1)
