"""Sparse input: SciPy sparse matrices train and predict without being densified,
and give the model dense input gives."""

import numpy as np
import pytest
import torch
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline

from skff import ForwardForwardClassifier
from skff._backend.optim import Adam
from skff._backend.sparse import (
    SparseRows,
    reduction_block,
    row_abs_max,
    row_sq_norm,
)

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS[:600] / 16  # a third of the pixels are zero
Y_DIGITS = Y_DIGITS[:600]


def random_csr(n_rows=9, n_cols=12, density=0.3, seed=0):
    matrix = sparse.random(
        n_rows, n_cols, density=density, format="csr", dtype=np.float64, rng=seed
    )
    matrix.data -= 0.5  # negative values too
    keep = np.ones(n_rows)
    keep[4] = 0  # an empty row
    matrix = (sparse.diags(keep) @ matrix).tocsr()
    matrix.eliminate_zeros()
    return matrix


@pytest.fixture
def matrix():
    return random_csr()


def rows_of(matrix):
    return SparseRows.from_scipy(matrix, "cpu")


def dense(matrix):
    return torch.as_tensor(matrix.toarray())


# ------------------------------------------------- the rows the first layer sees
@pytest.mark.parametrize(
    "rows",
    [torch.tensor([3, 0, 4, 4, 8]), slice(2, 7), slice(None, None, 3), slice(5, 5)],
    ids=["gather", "slice", "step", "empty"],
)
def test_selecting_rows_matches_dense_indexing(matrix, rows):
    selected = rows_of(matrix)[rows]
    expected = dense(matrix)[rows]
    assert selected.shape == tuple(expected.shape)
    np.testing.assert_array_equal(
        selected @ torch.eye(12, dtype=torch.float64), expected
    )


def test_row_reductions_match_dense(matrix):
    X, D = rows_of(matrix), dense(matrix)
    np.testing.assert_array_equal(X.row_abs_max(), D.abs().amax(dim=1, keepdim=True))
    np.testing.assert_allclose(X.row_sq_norm(), D.square().sum(dim=1))
    assert float(X.sum_of_all_squares()) == pytest.approx(float(D.square().sum()))
    assert X.numel() == D.numel()


def test_dense_row_reductions_in_blocks_give_every_row_its_own_bits():
    # Blocks of rows keep the data's full-size temporaries out of a fit's peak
    # memory; each row's result must not depend on the block it falls in.
    n_rows = 2 * reduction_block(37) + 3
    X = torch.randn(n_rows, 37, generator=torch.Generator().manual_seed(0))
    assert torch.equal(row_sq_norm(X), X.square().sum(dim=1))
    assert torch.equal(row_abs_max(X), X.abs().amax(dim=1, keepdim=True))
    assert row_sq_norm(X).shape == (n_rows,)


def test_row_scaling_and_an_appended_column_match_dense(matrix):
    X, D = rows_of(matrix), dense(matrix)
    divisor = torch.arange(1.0, 10.0, dtype=torch.float64).unsqueeze(1)
    column = torch.linspace(-1, 1, 9, dtype=torch.float64).unsqueeze(1)
    scaled = X.divide_rows(divisor).append_column(column)
    eye = torch.eye(13, dtype=torch.float64)
    np.testing.assert_allclose(scaled @ eye, torch.cat([D / divisor, column], dim=1))
    padded = X.with_empty_rows(3)
    np.testing.assert_array_equal(
        padded @ torch.eye(12, dtype=torch.float64),
        torch.cat([D, torch.zeros(3, 12, dtype=torch.float64)]),
    )


@pytest.mark.parametrize("input_major", [True, False])
def test_products_match_dense(matrix, input_major):
    X, D = rows_of(matrix), dense(matrix)
    weight = torch.randn(12, 5, dtype=torch.float64)  # (inputs, units)
    if not input_major:
        weight = weight.T.contiguous().T
    np.testing.assert_allclose(X @ weight, D @ weight)
    d_pre = torch.randn(9, 5, dtype=torch.float64)
    np.testing.assert_allclose(d_pre.T @ X, d_pre.T @ D)


def test_an_optimizer_steps_a_transposed_weight_as_a_contiguous_one():
    """The fused kernels are given the transpose of a weight stored input by
    input; a gradient in another layout is first laid out as its weight."""
    start = torch.randn(6, 4)
    contiguous = torch.nn.Parameter(start.clone())
    transposed = torch.nn.Parameter(start.T.contiguous().T)
    optimizers = [Adam([contiguous], lr=0.1), Adam([transposed], lr=0.1)]
    from skff._backend.layer import set_gradient

    for step in range(3):
        gradient = torch.randn(6, 4, generator=torch.Generator().manual_seed(step))
        set_gradient(contiguous, gradient)
        set_gradient(transposed, gradient)
        assert transposed.grad.stride() == transposed.stride()
        for optimizer in optimizers:
            optimizer.step()
    np.testing.assert_array_equal(contiguous.detach(), transposed.detach())


# ------------------------------------------------------------------ the estimator
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"input_normalization": "global"},
        {"input_normalization": "row"},
        {"prediction": "combined"},
        {"optimizer": "sgd", "negatives": "random", "prediction": "goodness"},
    ],
    ids=["defaults", "global", "row", "combined", "sgd-goodness"],
)
def test_sparse_input_gives_the_model_dense_input_gives(settings):
    args = dict(max_iter=3, random_state=0, **settings)
    on_dense = ForwardForwardClassifier(**args).fit(X_DIGITS, Y_DIGITS)
    on_sparse = ForwardForwardClassifier(**args).fit(
        sparse.csr_matrix(X_DIGITS), Y_DIGITS
    )
    scores = on_dense.decision_function(X_DIGITS)
    sparse_scores = on_sparse.decision_function(sparse.csr_matrix(X_DIGITS))
    np.testing.assert_allclose(sparse_scores, scores, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(
        on_sparse.predict(sparse.csr_matrix(X_DIGITS)), on_dense.predict(X_DIGITS)
    )
    # Either model predicts either kind of input, up to the rounding of float32
    # sums taken in another order (scores of about 20, summed over 1000 units).
    np.testing.assert_allclose(
        on_sparse.decision_function(X_DIGITS), sparse_scores, rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("to_format", ["tocsc", "tocoo", "tolil"])
def test_other_sparse_formats_are_accepted(to_format):
    X = getattr(sparse.csr_matrix(X_DIGITS[:100]), to_format)()
    model = ForwardForwardClassifier(max_iter=2, random_state=0).fit(X, Y_DIGITS[:100])
    assert model.predict_proba(X).shape == (100, 10)


def test_partial_fit_and_warm_start_take_sparse_batches():
    X = sparse.csr_matrix(X_DIGITS)
    model = ForwardForwardClassifier(random_state=0)
    for rows in np.array_split(np.arange(600), 3):
        model.partial_fit(X[rows], Y_DIGITS[rows], classes=np.arange(10))
    assert model.n_iter_ == 3
    # A model first fitted on dense data goes on with sparse, and the other way.
    model = ForwardForwardClassifier(max_iter=2, warm_start=True, random_state=0)
    model.fit(X_DIGITS, Y_DIGITS).fit(X, Y_DIGITS)
    assert model.n_iter_ == 4
    assert model.score(X, Y_DIGITS) > 0.5


def test_sparse_input_cannot_take_the_replace_overlay():
    with pytest.raises(ValueError, match="label_overlay='replace'.*sparse X"):
        ForwardForwardClassifier(label_overlay="replace").fit(
            sparse.csr_matrix(X_DIGITS), Y_DIGITS
        )


def test_a_model_fitted_on_sparse_input_survives_pickling():
    import pickle

    X = sparse.csr_matrix(X_DIGITS)
    model = ForwardForwardClassifier(max_iter=2, random_state=0).fit(X, Y_DIGITS)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        loaded.decision_function(X), model.decision_function(X)
    )
    loaded.set_params(warm_start=True, max_iter=1).fit(X, Y_DIGITS)
    assert loaded.n_iter_ == 3


def test_a_text_pipeline_learns():
    topics = {
        0: "the striker scored a goal in the final match of the football league",
        1: "the central bank raised interest rates as inflation and markets fell",
        2: "the new vaccine trial showed the drug reduced symptoms in patients",
    }
    rng = np.random.default_rng(0)
    documents, labels = [], []
    for _ in range(150):
        label = int(rng.integers(3))
        words = topics[label].split()
        documents.append(" ".join(rng.choice(words, size=6)))
        labels.append(label)
    pipeline = make_pipeline(
        TfidfVectorizer(), ForwardForwardClassifier(max_iter=10, random_state=0)
    )
    pipeline.fit(documents[:100], labels[:100])
    assert pipeline.score(documents[100:], labels[100:]) > 0.9
