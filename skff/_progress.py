"""Progress of a verbose fit: a bar over each long epoch when tqdm is installed."""

from contextlib import contextmanager

# Seconds an epoch runs before its bar appears: short epochs print only their line.
PROGRESS_BAR_DELAY = 2.0


@contextmanager
def epoch_progress(verbose, n_samples, epoch):
    """Yield a callback ``advance(n_rows)`` for the batches of one epoch, or ``None``.

    The bar is drawn by tqdm, on stderr, and only when ``verbose`` is positive,
    tqdm is installed and stderr is a terminal; it disappears when the epoch
    ends, leaving the epoch's summary line.
    """
    if not verbose:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield None
        return
    bar = tqdm(
        total=n_samples,
        desc=f"Epoch {epoch}",
        unit="sample",
        unit_scale=True,
        leave=False,
        delay=PROGRESS_BAR_DELAY,
        disable=None,  # no bar when stderr is not a terminal: logs stay clean
    )
    try:
        yield bar.update
    finally:
        bar.close()
