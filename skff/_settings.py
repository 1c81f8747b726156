"""The estimator's parameters as the backend's settings: the one place that
maps the names of one onto the other, and checks what the parameter
constraints cannot (the contents of ``hidden_layer_sizes`` and
``prediction_layers``)."""

from numbers import Integral

import numpy as np

from ._backend.config import Architecture, Hyperparameters
from ._backend.negatives import NEGATIVE_SAMPLERS
from ._backend.readouts import READOUTS


def architecture_of(estimator):
    """The network settings fixed at ``estimator``'s first fit."""
    hidden_layer_sizes = np.atleast_1d(estimator.hidden_layer_sizes).tolist()
    if not hidden_layer_sizes or not all(
        isinstance(size, Integral) and size >= 1 for size in hidden_layer_sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must hold positive integers, got "
            f"{estimator.hidden_layer_sizes!r}."
        )
    return Architecture(
        hidden_layer_sizes=tuple(hidden_layer_sizes),
        overlay=estimator.label_overlay,
        label_scale=estimator.label_scale,
        label_forwarding=estimator.label_forwarding,
        goodness=estimator.goodness,
        normalization=estimator.normalization,
        input_normalization=estimator.input_normalization,
        negatives=estimator.negatives,
        softmax_readout=NEGATIVE_SAMPLERS[estimator.negatives].needs_logits
        or READOUTS[estimator.prediction].needs_softmax_head,
        prediction_layers=_prediction_layers(estimator, len(hidden_layer_sizes)),
        optimizer=estimator.optimizer,
    )


def _prediction_layers(estimator, n_layers):
    """``prediction_layers`` as a sorted tuple of layer indices."""
    if isinstance(estimator.prediction_layers, str):
        first = 1 if estimator.prediction_layers == "skip_first" and n_layers > 1 else 0
        return tuple(range(first, n_layers))
    indices = np.asarray(estimator.prediction_layers)
    if (
        indices.ndim != 1
        or not indices.size
        or not np.issubdtype(indices.dtype, np.integer)
        or indices.min() < -n_layers
        or indices.max() >= n_layers
    ):
        raise ValueError(
            "prediction_layers must be 'all', 'skip_first' or a non-empty list "
            f"of layer indices below n_layers={n_layers}, got "
            f"{estimator.prediction_layers!r}."
        )
    return tuple(sorted({int(index) % n_layers for index in indices}))


def hyperparameters_of(estimator):
    """The network settings that may change between two calls to fit."""
    if estimator.collaboration and estimator.training_mode != "joint":
        raise ValueError(
            "collaboration needs training_mode='joint': a layer's loss reads the "
            "other layers' goodness on the same forward pass, got "
            f"training_mode={estimator.training_mode!r}."
        )
    return Hyperparameters(
        loss=estimator.loss,
        symba_alpha=estimator.symba_alpha,
        threshold=estimator.threshold,
        learning_rate=estimator.learning_rate_init,
        readout_learning_rate=estimator.readout_learning_rate_init,
        momentum=estimator.momentum,
        weight_decay=estimator.weight_decay,
        readout_weight_decay=estimator.readout_weight_decay,
        peer_normalization=estimator.peer_normalization,
        collaboration=estimator.collaboration,
        training_mode=estimator.training_mode,
        inner_steps=estimator.inner_steps,
        averaging_epochs=estimator.averaging_epochs,
    )
