"""Progress of a verbose fit: a line per epoch, and a bar over each long epoch
when tqdm is installed."""

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


def print_convergence(estimator, early_stopping):
    """The line a verbose fit prints when it stops early."""
    if estimator.verbose:
        criterion = "Validation score" if early_stopping else "Training loss"
        print(
            f"{criterion} did not improve more than tol={estimator.tol} for "
            f"{estimator.n_iter_no_change} consecutive epochs. Stopping."
        )


def print_epoch(estimator, seconds):
    """The line a verbose fit prints after each epoch."""
    layers = ", ".join(f"{curve[-1]:.4f}" for curve in estimator.layer_loss_curves_)
    loss = estimator.loss_curve_[-1]
    line = f"Epoch {estimator.n_iter_}: loss {loss:.4f} (layers {layers})"
    if estimator.readout_loss_curve_ is not None:
        line += f", readout {estimator.readout_loss_curve_[-1]:.4f}"
    if estimator.validation_scores_:
        line += f", validation score {estimator.validation_scores_[-1]:.4f}"
    print(f"{line}, {seconds:.2f} s")
