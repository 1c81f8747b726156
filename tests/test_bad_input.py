"""Whatever a pipeline hands over: fit and predict correctly, or say what is wrong.

Property-based: hypothesis draws shapes, dtypes, non-finite values, label kinds
and containers. Every draw must either fit and predict sensibly, or raise a
ValueError/TypeError raised by scikit-learn's or skff's own validation, never an
error from inside torch.
"""

import traceback
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

from skff import ForwardForwardClassifier

TINY = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
DTYPES = [
    bool,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.float16,
    np.float32,
    np.float64,
    "object-numbers",
    "object-strings",
    complex,
]
CONTAINERS = ["array", "list", "dataframe", "mixed-dataframe", "sparse"]


def fit_and_predict(X, y):
    """Fit a tiny model; if that works, check its predictions make sense."""
    clf = ForwardForwardClassifier(**TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DataConversionWarning)
        clf.fit(X, y)
    labels = clf.predict(X)
    proba = clf.predict_proba(X)
    n_rows = len(labels)
    assert set(labels) <= set(clf.classes_)
    assert proba.shape == (n_rows, len(clf.classes_))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    return clf


def assert_fits_or_explains(X, y):
    try:
        fit_and_predict(X, y)
    except (ValueError, TypeError) as error:
        message = str(error)
        assert len(message) > 15, message
        # Raised by a Python raise statement in skff or scikit-learn: not by
        # torch's Python code, nor by its C++ code, whose errors show the line
        # that called torch as the last frame.
        assert type(error).__module__ == "builtins", type(error)
        last = traceback.extract_tb(error.__traceback__)[-1]
        origin = f"{last.filename}:{last.lineno}: {last.line}"
        assert "/torch/" not in last.filename, f"raised inside torch: {origin}"
        assert "torch." not in (last.line or ""), f"raised by torch: {origin}"


@st.composite
def feature_matrices(draw):
    n_rows = draw(st.sampled_from([0, 1, 2, 7, 40]))
    n_features = draw(st.sampled_from([1, 3, 12, 10_000]))
    dtype = draw(st.sampled_from(DTYPES))
    magnitude = draw(st.sampled_from([1e-30, 1.0, 1e3, 1e30]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.normal(size=(n_rows, n_features)) * magnitude
    if draw(st.booleans()) and values.size:
        bad = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        values.flat[draw(st.integers(0, values.size - 1))] = bad
    if dtype == "object-numbers":
        X = values.astype(object)
    elif dtype == "object-strings":
        X = values.astype(str).astype(object)
    elif dtype is complex:
        X = values + 1j
    else:
        with np.errstate(all="ignore"):
            X = values.astype(dtype)
    return X, draw(st.sampled_from(CONTAINERS))


def as_container(X, container):
    if container == "list":
        return X.tolist()
    if container == "sparse":
        from scipy import sparse

        if X.dtype.kind not in "biuf":
            return X
        # scipy.sparse holds no float16: the nearest sparse matrix is float32.
        return sparse.csr_matrix(X.astype(np.float32) if X.dtype == np.float16 else X)
    if container in ("dataframe", "mixed-dataframe"):
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(X)
        if container == "mixed-dataframe" and frame.shape[1] > 1:
            frame[0] = frame[0].astype(str) if X.dtype == object else frame[0] > 0
        return frame
    return X


LABEL_KINDS = ["ints", "negative-ints", "strings", "floats", "bools"]


def label_values(codes, kind):
    """Class codes (ints from 0) as labels of the given kind."""
    if kind == "strings":
        return np.array([f"label {k}" for k in codes], dtype=object)
    if kind == "floats":  # whole numbers: scikit-learn reads others as regression
        return codes * 2.0 - 3.0
    if kind == "negative-ints":
        return -3 * codes - 1
    if kind == "bools":
        return codes % 2 == 1
    return codes


def as_label_container(y, container):
    if container == "list":
        return y.tolist()
    if container == "series":
        pd = pytest.importorskip("pandas")
        return pd.Series(y, name="target")
    return y


@st.composite
def class_codes(draw, n_rows, rng):
    """Unbalanced, unordered class codes of at least 2 classes when n_rows >= 2."""
    n_classes = draw(st.integers(2, 5))
    codes = rng.integers(0, n_classes, size=n_rows)
    codes[: min(2, n_rows)] = [0, 1][: min(2, n_rows)]
    return rng.permutation(codes)


@st.composite
def label_vectors(draw, n_rows):
    kind = draw(st.sampled_from([*LABEL_KINDS, "floats-with-nan", "one-class"]))
    n_rows = n_rows + draw(st.sampled_from([0, 0, 0, 1]))  # sometimes mismatched
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    codes = draw(class_codes(n_rows, rng))
    if kind == "floats-with-nan":
        y = codes.astype(float)
        if n_rows:
            y[rng.integers(n_rows)] = np.nan
    elif kind == "one-class":
        y = np.zeros(n_rows, dtype=int)
    else:
        y = label_values(codes, kind)
    return as_label_container(y, draw(st.sampled_from(["array", "list", "series"])))


@st.composite
def valid_inputs(draw):
    """Features and labels that any classifier must take: finite numbers of any
    numeric dtype and scale, in any container, with labels of any kind."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n_rows = draw(st.integers(2, 60))
    n_features = draw(st.integers(1, 30))
    scale = draw(st.sampled_from([1e-6, 1.0, 1e4]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.uint8]))
    values = rng.normal(size=(n_rows, n_features)) * scale
    if np.dtype(dtype).kind in "iu":
        values = np.abs(values) if np.dtype(dtype).kind == "u" else values
        values = np.clip(values, 0 if np.dtype(dtype).kind == "u" else -100, 100)
    X = values.astype(dtype)
    # Sparse matrices are refused with a clear error until skff takes them.
    container = draw(st.sampled_from(["array", "list", "dataframe"]))
    codes = draw(class_codes(n_rows, rng))
    y = label_values(codes, draw(st.sampled_from(LABEL_KINDS)))
    y = as_label_container(y, draw(st.sampled_from(["array", "list", "series"])))
    return as_container(X, container), y


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(inputs=valid_inputs())
def test_any_valid_input_fits_and_predicts(inputs):
    X, y = inputs
    clf = fit_and_predict(X, y)
    expected = np.unique(np.asarray(y, dtype=object if isinstance(y, list) else None))
    assert len(clf.classes_) == len(expected)


@settings(
    max_examples=120,
    derandomize=True,  # the same draws on every run: CI never flakes
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_any_input_fits_or_raises_a_clear_error(data):
    X, container = data.draw(feature_matrices())
    y = data.draw(label_vectors(len(X)))
    assert_fits_or_explains(as_container(X, container), y)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.ones((0, 3)), np.array([], dtype=int), "0 sample"),
        (np.ones((4, 0)), np.arange(4) % 2, "0 feature"),
        (np.ones((4, 3, 2)), np.arange(4) % 2, "Found array with dim 3"),
        (np.ones((4, 3)), np.arange(5) % 2, "inconsistent numbers of samples"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), [0, 1], "could not convert"),
        (np.ones((4, 3)) + 1j, np.arange(4) % 2, "Complex data not supported"),
        (np.ones((4, 3)), [0, 1, np.nan, 1], "Input y contains NaN"),
        (np.full((4, 3), 1e300), np.arange(4) % 2, "too large for dtype"),
        (np.array([[0.0, np.nan], [1.0, 2.0]]), [0, 1], "Input X contains NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), [0, 1], "Input X contains infinity"),
        (np.array([[0.0, -np.inf], [1, 2]]), [0, 1], "Input X contains infinity"),
        (np.arange(10.0), np.arange(10) % 2, "Expected 2D array, got 1D array"),
        (np.ones((5, 3)), ["a"] * 5, "at least 2 classes.*only one class"),
        (np.ones((4, 3)), [0.1, 0.5, 0.7, 1.3], "Unknown label type"),
    ],
    ids=[
        "no-rows",
        "no-features",
        "3d",
        "lengths",
        "strings",
        "complex",
        "nan-y",
        "huge",
        "nan-X",
        "inf-X",
        "minus-inf-X",
        "1d",
        "one-class",
        "continuous-y",
    ],
)
def test_each_bad_input_names_its_problem(X, y, message):
    with pytest.raises(ValueError, match=message):
        ForwardForwardClassifier(**TINY).fit(X, y)


def test_wrong_feature_count_at_predict():
    X = np.random.default_rng(0).normal(size=(20, 8))
    clf = ForwardForwardClassifier(**TINY).fit(X, np.arange(20) % 2)
    with pytest.raises(
        ValueError,
        match="X has 7 features, but ForwardForwardClassifier is expecting 8",
    ):
        clf.predict(X[:, :7])


@pytest.mark.parametrize(
    "dtype", [bool, np.int8, np.uint8, np.int64, np.float16, np.float32, np.float64]
)
def test_every_numeric_dtype_trains(dtype):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(60, 5)) * 3).astype(dtype)
    y = np.arange(60) % 3
    clf = fit_and_predict(X, y)
    assert clf.n_features_in_ == 5


def test_huge_features_train_like_ordinary_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    settings = dict(max_iter=30, random_state=0)
    ordinary = ForwardForwardClassifier(**settings).fit(X, y)
    # The first layer sees each row only up to scale: 1e30 changes nothing.
    huge = ForwardForwardClassifier(**settings).fit(X * 1e30, y)
    assert np.mean(huge.predict(X * 1e30) == ordinary.predict(X)) > 0.95
    assert huge.score(X * 1e30, y) > 0.9


def test_one_row_and_one_feature():
    with pytest.raises(ValueError, match="one class"):
        ForwardForwardClassifier(**TINY).fit([[1.0]], [0])
    clf = fit_and_predict([[0.0], [1.0]], ["no", "yes"])
    assert clf.n_features_in_ == 1


def test_early_stopping_says_when_its_hold_out_cannot_hold_every_class():
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = np.arange(100) % 20  # 10 validation rows for 20 classes
    clf = ForwardForwardClassifier(**TINY, early_stopping=True)
    with pytest.raises(ValueError, match="100 training rows.*20 classes"):
        clf.fit(X, y)
    # A larger hold-out has a row of every class, and the fit goes through.
    clf.set_params(validation_fraction=0.25).fit(X, y)
    assert len(clf.validation_scores_) == TINY["max_iter"]


def test_early_stopping_says_when_a_class_has_one_row():
    X = np.random.default_rng(0).normal(size=(41, 3))
    y = np.r_[np.arange(40) % 2, 2]
    clf = ForwardForwardClassifier(**TINY, early_stopping=True)
    with pytest.raises(ValueError, match="a class has only 1"):
        clf.fit(X, y)
