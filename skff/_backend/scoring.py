"""Scoring many rows under every label, in blocks that bound the memory.

Functions of a :class:`~.network.FFNetwork`, whose public scoring methods
(``goodness_scores``, ``layer_goodness``, ``neutral_activities``,
``readout_logits``) run them.
"""

import torch

from .._precision import cpu_autocast_enabled
from .first_layer import LabelledFirstLayer
from .sparse import is_sparse, pad_rows, split_rows

# Peak extra memory of one block of all-label scoring, in bytes.
SCORING_MEMORY_BUDGET = 256 * 2**20
# Rows scored together on the CPU. CPU BLAS sums in an order that depends on the
# number of rows, so a row's score would change in its last bit with the batch it
# arrives in; padding every block to the same height makes predictions
# bit-identical whatever the batch (scikit-learn's subset-invariance check).
# Blocks of 512 rows scored 10,000 MNIST images no faster on 2 CPU cores
# (beyond run-to-run noise), and blocks of 64 or fewer slower.
CPU_SCORING_BLOCK = 256
# Heights for fewer rows than a block, used where the products give every row
# the bits a full block gives it, which depends on the BLAS build and the CPU:
# each network checks it once per height, scorer, thread count and precision
# setting (see short_block). A single MNIST row scored in a full block costs as
# much as 256 rows.
SHORT_BLOCKS = (16, 64)
# Seed of the random rows that check a short block.
SHORT_BLOCK_PROBE_SEED = 0


def block_rows(network, n_copies):
    """Rows per scoring block: their ``n_copies`` overlaid copies fit in
    :data:`SCORING_MEMORY_BUDGET`; on the CPU, a fixed height (see
    :data:`CPU_SCORING_BLOCK`)."""
    widest = max(layer.n_units for layer in network.layers)
    bytes_per_row = n_copies * widest * network.dtype.itemsize
    block = max(1, SCORING_MEMORY_BUDGET // (2 * bytes_per_row))
    if network.device.type == "cpu":
        block = min(block, CPU_SCORING_BLOCK)
    return block


def score_in_blocks(network, X, block, score_block, scorer):
    """Apply ``score_block`` to blocks of ``block`` rows and stack the results.

    On the CPU the last block is padded, so every block has the same height;
    fewer rows than a block may be scored in a shorter one, where that gives
    the same bits (:func:`short_block`). ``scorer`` names what ``score_block``
    computes, for that check.
    """
    height = short_block(network, X, block, score_block, scorer)
    scores = [score_block(rows) for rows in blocks(network, X, height)]
    return torch.cat(scores)[: X.shape[0]]


def short_block(network, X, block, score_block, scorer):
    """The block height to score ``X`` in: the least of :data:`SHORT_BLOCKS`
    that holds it, if ``X`` is dense and on the CPU and that height scores a
    row bit for bit as ``block`` does; else ``block``.

    Whether it does depends on the products' code path, which BLAS picks by
    the shapes alone (another order of summation changes nearly every value):
    random rows scored both ways settle it once per network, height,
    ``scorer`` and thread and precision settings.
    """
    n_rows = X.shape[0]
    if network.device.type != "cpu" or is_sparse(X):
        return block
    height = next((h for h in SHORT_BLOCKS if n_rows <= h < block), None)
    if height is None:
        return block
    # What else may change the products' code path between two calls.
    settings = (
        torch.get_num_threads(),
        torch.get_float32_matmul_precision(),
        cpu_autocast_enabled(),
    )
    key = (scorer, height, settings)
    if key not in network.short_block_checks:
        generator = torch.Generator().manual_seed(SHORT_BLOCK_PROBE_SEED)
        probe = torch.randn(
            height, X.shape[1], generator=generator, dtype=network.dtype
        )
        in_full_block = score_block(pad_rows(probe, block - height))[:height]
        network.short_block_checks[key] = torch.equal(score_block(probe), in_full_block)
    return height if network.short_block_checks[key] else block


def blocks(network, X, block):
    """``X`` in blocks of ``block`` rows; on the CPU the last one is padded with
    zero rows, so every block has the same height."""
    parts = list(split_rows(X, block))
    short = block - parts[-1].shape[0] if parts else 0
    if network.device.type == "cpu" and short:
        parts[-1] = pad_rows(parts[-1], short)
    return parts


def goodness_in_blocks(network, X, n_layers, reduce, scorer):
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

    return score_in_blocks(network, X, block, score_block, scorer)


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
