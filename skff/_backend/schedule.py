"""The plan of a fit over epochs and batches: the learning-rate schedule and
the automatic batch size."""

# batch_size="auto" gives every epoch at least this many steps, in batches of
# no fewer rows than MIN_AUTO_BATCH.
MIN_STEPS_PER_EPOCH = 5
MIN_AUTO_BATCH = 32


def learning_rate_factor(schedule, epoch, max_iter):
    """The factor on the learning rate in ``epoch`` (from 0) of a fit of
    ``max_iter`` epochs.

    ``"linear_decay"`` (Hinton's code): constant for the first half of
    ``max_iter``, then linearly down, reaching ``2 / max_iter`` of the rate in
    the last epoch. ``"constant"``: always one.
    """
    if schedule == "constant":
        return 1.0
    return min(1.0, 2.0 * (max_iter - epoch) / max_iter)


def auto_batch_size(n_samples):
    """Rows per batch for ``batch_size="auto"``.

    Small data take at least MIN_STEPS_PER_EPOCH steps per epoch (in batches
    of no fewer than MIN_AUTO_BATCH rows), so that 30 epochs on a few hundred
    rows are 150 updates, not 30. Then 128 rows, and on large data
    about 200 steps per epoch in bigger batches, which cost less per row (the
    products get closer to the matmul rate). The caller caps every batch size
    at the number of rows.
    """
    small = min(128, max(MIN_AUTO_BATCH, -(-n_samples // MIN_STEPS_PER_EPOCH)))
    return max(small, min(512, n_samples // 200))
