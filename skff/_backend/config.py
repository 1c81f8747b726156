"""A network's settings, each name written once.

The estimator maps its parameters onto these two frozen dataclasses, the
network is built from them, and a saved network stores them (flattened, beside
``n_features``, ``n_classes`` and ``seed``).
"""

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Architecture:
    """What a network is, fixed at its first fit: a later fit that continues
    training must ask for the same."""

    hidden_layer_sizes: tuple
    overlay: str
    label_scale: float
    label_forwarding: str
    goodness: str
    normalization: str
    input_normalization: str
    negatives: str
    softmax_readout: bool
    prediction_layers: tuple
    optimizer: str


@dataclass(frozen=True)
class Hyperparameters:
    """How a network trains: may change between two calls to fit."""

    loss: str
    symba_alpha: float
    threshold: float
    learning_rate: float
    readout_learning_rate: float | None
    momentum: float
    weight_decay: float
    readout_weight_decay: float | None
    peer_normalization: float
    collaboration: float
    training_mode: str
    inner_steps: int
    averaging_epochs: float


# What networks saved before a setting existed were trained with.
SETTINGS_OF_OLDER_NETWORKS = dict(
    label_forwarding="input",
    normalization="rms",
    input_normalization="row",
    prediction_layers=None,
    weight_decay=0.0,
    peer_normalization=0.0,
    collaboration=0.0,
    training_mode="joint",
    inner_steps=1,
    readout_learning_rate=None,
    readout_weight_decay=None,
    loss="threshold",
    symba_alpha=8.0,
    averaging_epochs=0.0,
)


def split_settings(settings):
    """``(Architecture, Hyperparameters)`` from one flat dict of every setting;
    ``prediction_layers=None`` means every layer."""
    settings = dict(settings)
    if settings.get("prediction_layers") is None:
        settings["prediction_layers"] = range(len(settings["hidden_layer_sizes"]))
    settings["prediction_layers"] = tuple(sorted(set(settings["prediction_layers"])))
    settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    names = {kind: {field.name for field in fields(kind)} for kind in _KINDS}
    unknown = set(settings) - set().union(*names.values())
    if unknown:
        raise TypeError(f"unknown network settings: {sorted(unknown)}")
    return tuple(
        kind(**{name: settings[name] for name in names[kind]}) for kind in _KINDS
    )


def flat(*settings):
    """One dict of the fields of dataclasses ``settings``."""
    return {name: value for each in settings for name, value in asdict(each).items()}


_KINDS = (Architecture, Hyperparameters)
