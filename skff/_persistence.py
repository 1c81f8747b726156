"""A model file that is safe to open: JSON for settings, torch tensors for weights.

Loading a pickle runs whatever code the file names, so a pickled model is only as
trustworthy as whoever sent it. :func:`save` writes a zip archive holding
``skff.json`` (parameters and fitted attributes, in a JSON that only ever decodes
to numbers, strings, lists, NumPy arrays of plain values and NumPy random states)
and ``network.pt`` (weights and optimizer state, read back by
``torch.load(weights_only=True)``, which refuses anything but tensors and plain
containers). :func:`load` therefore builds a model without running code from
the file.
"""

import io
import json
import os
import zipfile

import numpy as np
import torch

from . import __version__
from ._backend import FFNetwork
from ._classifier import ForwardForwardClassifier

FORMAT = "skff"
# Raise when the layout of either member changes; load refuses newer formats.
FORMAT_VERSION = 1
# Parameters added after format version 1 was fixed, with the value that
# reproduces how a file without them was trained.
PARAMS_OF_OLDER_FILES = {
    "loss": "threshold",
    "input_normalization": "row",
    "class_weight": None,
    "label_forwarding": "input",
}
# Fitted attributes added after format version 1 was fixed, with the value a
# model fitted before them has.
FITTED_OF_OLDER_FILES = {"goodness_scale_": None}
METADATA = "skff.json"
NETWORK = "network.pt"

ESTIMATORS = {"ForwardForwardClassifier": ForwardForwardClassifier}
FITTED_ATTRIBUTES = (
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "n_layers_",
    "n_iter_",
    "t_",
    "loss_curve_",
    "layer_loss_curves_",
    "readout_loss_curve_",
    "goodness_scale_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "_no_improvement_count",
    "_random_state",
)


def save(estimator, file):
    """Write ``estimator`` to ``file`` in skff's safe format.

    Parameters
    ----------
    estimator : ForwardForwardClassifier
        A fitted or unfitted model.
    file : str, path-like or binary file object
        Where to write the archive.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_iris
    >>> from skff import ForwardForwardClassifier, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ForwardForwardClassifier((16,), max_iter=5, random_state=0).fit(X, y)
    >>> buffer = io.BytesIO()
    >>> save(clf, buffer)
    >>> (load(buffer).predict(X) == clf.predict(X)).all()
    np.True_
    """
    name = type(estimator).__name__
    if ESTIMATORS.get(name) is not type(estimator):
        raise TypeError(f"skff.save writes skff estimators, not {name}.")
    is_fitted = hasattr(estimator, "network_")
    fitted = {
        attribute: _encode(getattr(estimator, attribute))
        for attribute in FITTED_ATTRIBUTES
        if is_fitted and hasattr(estimator, attribute)
    }
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skff_version": __version__,
        "estimator": name,
        "params": {
            key: _encode(value)
            for key, value in estimator.get_params(deep=False).items()
        },
        "fitted": fitted,
    }
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(METADATA, json.dumps(metadata, indent=1))
        if is_fitted:
            weights = io.BytesIO()
            torch.save(estimator.network_.portable_state(), weights)
            archive.writestr(NETWORK, weights.getvalue())


def load(file):
    """Read a model written by :func:`save`, running no code from the file.

    Parameters
    ----------
    file : str, path-like or binary file object
        An archive written by :func:`save`.

    Returns
    -------
    estimator : ForwardForwardClassifier
        The model, fitted if it was saved fitted. Its weights are on the CPU, or
        on the GPU it was trained on when that GPU is available.

    Raises
    ------
    ValueError
        If the file is not an skff model file, is damaged, holds anything but
        plain data, or was written in a newer format than this skff reads.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            metadata = json.loads(archive.read(METADATA))
            _check_format(metadata)
            network_state = None
            if metadata["fitted"]:
                network_state = torch.load(
                    io.BytesIO(archive.read(NETWORK)),
                    map_location="cpu",
                    weights_only=True,
                )
        return _rebuild(metadata, network_state)
    except _UnsupportedFormat:
        raise
    except Exception as error:  # every way a damaged or crafted file can fail
        raise ValueError(
            f"{_describe(file)} is not a valid skff model file: "
            f"{type(error).__name__}: {error}"
        ) from error


class _UnsupportedFormat(ValueError):
    pass


def _check_format(metadata):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError("it has no skff header")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _UnsupportedFormat(
            f"This model file has format version {version!r}, written by skff "
            f"{metadata.get('skff_version')!r}; this skff ({__version__}) reads "
            f"format versions up to {FORMAT_VERSION}. Upgrade skff to load it."
        )


def _rebuild(metadata, network_state):
    estimator_class = ESTIMATORS[metadata["estimator"]]
    params = {key: _decode(value) for key, value in metadata["params"].items()}
    params = {**PARAMS_OF_OLDER_FILES, **params}
    estimator = estimator_class(**params)
    if network_state is not None:
        for attribute, value in FITTED_OF_OLDER_FILES.items():
            setattr(estimator, attribute, value)
        for attribute, value in metadata["fitted"].items():
            if attribute not in FITTED_ATTRIBUTES:
                raise ValueError(f"unexpected attribute {attribute!r}")
            setattr(estimator, attribute, _decode(value))
        network = FFNetwork.__new__(FFNetwork)
        network.__setstate__(network_state)
        estimator.network_ = network
    return estimator


def _describe(file):
    return repr(os.fspath(file)) if isinstance(file, str | os.PathLike) else "The file"


# JSON that decodes only to plain values. Tags mark the few non-JSON types.
def _encode(value):
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, int | float):
        return value
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(item) for item in value]}
    if isinstance(value, dict):  # e.g. class_weight: its keys are labels
        return {"dict": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"cannot save an array of dtype {value.dtype} safely")
        return {
            "ndarray": [_encode(item) for item in value.tolist()],
            "dtype": value.dtype.str if value.dtype.kind != "O" else "object",
        }
    if isinstance(value, np.random.RandomState):
        name, keys, position, has_gauss, cached = value.get_state()
        return {"RandomState": [name, keys.tolist(), position, has_gauss, cached]}
    raise TypeError(
        f"cannot save a value of type {type(value).__name__} safely; use an int or "
        "None for random_state, and plain numbers or strings for labels."
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"tuple"}:
        return tuple(_decode(item) for item in value["tuple"])
    if set(value) == {"dict"}:
        return {_decode(key): _decode(item) for key, item in value["dict"]}
    if set(value) == {"ndarray", "dtype"}:
        items = _decode(value["ndarray"])
        if value["dtype"] == "object":
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "biufU":
            raise ValueError(f"unexpected dtype {dtype}")
        return np.array(items, dtype=dtype)
    if set(value) == {"RandomState"}:
        name, keys, position, has_gauss, cached = value["RandomState"]
        random_state = np.random.RandomState()
        random_state.set_state(
            (name, np.array(keys, dtype=np.uint32), position, has_gauss, cached)
        )
        return random_state
    raise ValueError(f"unexpected value {value!r}")
