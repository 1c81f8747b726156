"""skff.save / skff.load: a model file that runs no code when opened."""

import io
import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from skff import ForwardForwardClassifier, load, save
from skff._persistence import FORMAT_VERSION

SMALL = dict(hidden_layer_sizes=(32, 16), max_iter=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, np.array(["cat", "dog", "emu"])[y]


def round_trip(estimator, file_format="skff"):
    """``estimator`` written and read back: skff's model file, pickle or joblib."""
    if file_format == "pickle":
        return pickle.loads(pickle.dumps(estimator))
    buffer = io.BytesIO()
    if file_format == "joblib":
        joblib.dump(estimator, buffer)
        buffer.seek(0)
        return joblib.load(buffer)
    save(estimator, buffer)
    buffer.seek(0)
    return load(buffer)


FORMATS = ["skff", "pickle", "joblib"]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"prediction": "goodness", "negatives": "random"},
        {"prediction": "combined"},
    ],
)
def test_round_trip_predicts_identically(data, settings, file_format):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL, **settings).fit(X, y)
    loaded = round_trip(clf, file_format)
    assert loaded.get_params() == clf.get_params()
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert np.array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.classes_.dtype == clf.classes_.dtype
    for attribute in ("n_iter_", "t_", "loss_curve_", "layer_loss_curves_"):
        assert getattr(loaded, attribute) == getattr(clf, attribute)


@pytest.mark.parametrize("file_format", FORMATS)
def test_round_trip_continues_training_identically(data, file_format):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    loaded = round_trip(clf, file_format)
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_skops_persists_a_model_trusting_only_skffs_types(data):
    sio = pytest.importorskip("skops.io")
    X, y = data
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    dumped = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=dumped)
    assert all(name.startswith("skff.") for name in untrusted), untrusted
    loaded = sio.loads(dumped, trusted=untrusted)
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_a_class_weight_dict_keyed_by_labels_survives(data):
    X, y = data
    class_weight = {"cat": 2.0, "dog": 1.0, "emu": 0.5}
    clf = ForwardForwardClassifier(**SMALL, class_weight=class_weight).fit(X, y)
    loaded = round_trip(clf)
    assert loaded.class_weight == class_weight
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_feature_names_and_random_state_objects_survive(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"feature {i}" for i in range(X.shape[1])])
    random_state = np.random.RandomState(7)
    clf = ForwardForwardClassifier((8,), max_iter=2, random_state=random_state)
    loaded = round_trip(clf.fit(frame, y))
    assert loaded.feature_names_in_.tolist() == list(frame.columns)
    assert isinstance(loaded.random_state, np.random.RandomState)
    assert np.array_equal(
        loaded.random_state.get_state()[1], clf.random_state.get_state()[1]
    )


def test_unfitted_model_round_trips_unfitted(data):
    X, _ = data
    loaded = round_trip(ForwardForwardClassifier(threshold=3.0))
    assert loaded.threshold == 3.0
    with pytest.raises(NotFittedError):
        loaded.predict(X)


def test_saved_to_a_path(data, tmp_path):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    save(clf, tmp_path / "model.skff")
    assert np.array_equal(load(tmp_path / "model.skff").predict(X), clf.predict(X))


class RunsCode:
    """Unpickling this runs a shell command: what a malicious model file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_file_that_tries_to_run_code_is_refused(data, tmp_path):
    X, y = data
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    buffer = io.BytesIO()
    save(clf, buffer)
    marker = tmp_path / "pwned"
    crafted = tmp_path / "crafted.skff"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original:
        metadata = original.read("skff.json")
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("skff.json", metadata)
        payload = io.BytesIO()
        torch.save({"state": RunsCode(marker)}, payload)
        archive.writestr("network.pt", payload.getvalue())
    with pytest.raises(ValueError, match="not a valid skff model file"):
        load(crafted)
    assert not marker.exists()


def test_a_pickle_is_not_a_model_file(data, tmp_path):
    X, y = data
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(RunsCode(marker)))
    with pytest.raises(ValueError, match="model.pkl.*not a valid skff model file"):
        load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda meta: meta["params"].update(threshold={"__import__": "os"}),
        lambda meta: meta["fitted"].update(classes_={"ndarray": [1], "dtype": "M8"}),
        lambda meta: meta["fitted"].update(network_="x"),
        lambda meta: meta.update(estimator="Pipeline"),
        lambda meta: meta.pop("format"),
    ],
    ids=["unknown-tag", "odd-dtype", "unknown-attribute", "unknown-class", "no-header"],
)
def test_tampered_metadata_is_refused(data, tamper):
    X, y = data
    tampered = with_edited_metadata(ForwardForwardClassifier(**SMALL).fit(X, y), tamper)
    with pytest.raises(ValueError, match="not a valid skff model file"):
        load(tampered)


def with_edited_metadata(estimator, edit, edit_network=None):
    """``estimator``'s model file, with ``edit`` applied to its JSON metadata
    and ``edit_network``, if given, to its network's state."""
    buffer = io.BytesIO()
    save(estimator, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original:
        members = {name: original.read(name) for name in original.namelist()}
    metadata = json.loads(members["skff.json"])
    edit(metadata)
    members["skff.json"] = json.dumps(metadata)
    if edit_network is not None:
        network = torch.load(io.BytesIO(members["network.pt"]), weights_only=True)
        edit_network(network)
        saved_network = io.BytesIO()
        torch.save(network, saved_network)
        members["network.pt"] = saved_network.getvalue()
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    edited.seek(0)
    return edited


def test_a_file_from_before_symba_loads_with_the_threshold_loss_it_was_trained_with(
    data,
):
    def strip_new_params(metadata):
        del metadata["params"]["loss"]
        del metadata["params"]["symba_alpha"]

    X, y = data
    clf = ForwardForwardClassifier(loss="threshold", **SMALL).fit(X, y)
    loaded = load(with_edited_metadata(clf, strip_new_params))
    assert loaded.loss == "threshold"
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_a_file_from_before_input_normalization_loads_normalising_rows(data):
    X, y = data
    clf = ForwardForwardClassifier(input_normalization="row", **SMALL).fit(X, y)
    old_file = with_edited_metadata(
        clf,
        lambda metadata: metadata["params"].pop("input_normalization"),
        lambda network: network["config"].pop("input_normalization"),
    )
    loaded = load(old_file)
    assert loaded.input_normalization == "row"
    assert loaded.network_.config["input_normalization"] == "row"
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_a_file_from_before_combined_prediction_has_no_goodness_scale(data):
    def strip_goodness_scale(metadata):
        del metadata["fitted"]["goodness_scale_"]

    X, y = data
    clf = ForwardForwardClassifier(**SMALL).fit(X, y)
    loaded = load(with_edited_metadata(clf, strip_goodness_scale))
    assert loaded.goodness_scale_ is None
    assert np.array_equal(loaded.predict(X), clf.predict(X))


def test_a_truncated_file_is_refused(data):
    X, y = data
    buffer = io.BytesIO()
    save(ForwardForwardClassifier(**SMALL).fit(X, y), buffer)
    with pytest.raises(ValueError, match="not a valid skff model file"):
        load(io.BytesIO(buffer.getvalue()[:-200]))


def test_a_newer_format_asks_for_an_upgrade(data):
    newer = with_edited_metadata(
        ForwardForwardClassifier(),
        lambda metadata: metadata.update(format_version=FORMAT_VERSION + 1),
    )
    with pytest.raises(ValueError, match="format version 2.*Upgrade skff"):
        load(newer)


def test_only_skff_estimators_are_saved():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(TypeError, match="not LogisticRegression"):
        save(LogisticRegression(), io.BytesIO())
