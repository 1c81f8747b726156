"""Sparse data for the first layer, never densified.

Only the first layer sees the data, and all it needs of a row is a product
with its weights, the row's largest value and squared length, and a scaling.
:class:`SparseRows` keeps a CSR matrix on the training device and does just
that: row gathers for the minibatches, the row-wise reductions, and the two
products (forward and weight gradient) through torch's sparse CSR kernels.

The functions below take a dense tensor or a :class:`SparseRows` alike, so
the first layer's code is the same for both; on dense tensors they are the
plain tensor operations.
"""

import warnings

import numpy as np
import torch
from torch.nn import functional as F


class SparseRows:
    """Rows of a compressed sparse row (CSR) matrix, as torch tensors.

    Parameters
    ----------
    crow : tensor of shape (n_rows + 1,)
        Where each row's entries start in ``col`` and ``values``.
    col, values : tensors of shape (n_entries,)
        Column and value of every stored entry, row after row.
    n_cols : int
        Width of the matrix.
    row_of_entries : tensor of shape (n_entries,), default=None
        The row of every entry, where the caller already has it.
    """

    def __init__(self, crow, col, values, n_cols, row_of_entries=None):
        self.crow, self.col, self.values = crow, col, values
        self.n_cols = n_cols
        self._rows = row_of_entries
        self._csr = None

    @classmethod
    def from_scipy(cls, matrix, device):
        """From a SciPy CSR matrix (its dtype kept), on ``device``."""
        matrix = matrix.tocsr()
        matrix.sum_duplicates()
        return cls(
            torch.as_tensor(matrix.indptr.astype(np.int64), device=device),
            torch.as_tensor(matrix.indices.astype(np.int64), device=device),
            torch.as_tensor(np.require(matrix.data, requirements="W"), device=device),
            matrix.shape[1],
        )

    @property
    def shape(self):
        return (len(self.crow) - 1, self.n_cols)

    def __len__(self):
        return len(self.crow) - 1

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def device(self):
        return self.values.device

    def _row_of_entries(self):
        """The row of each stored entry: computed once per matrix, as the
        first layer reads it several times for each batch."""
        if self._rows is None:
            counts = self.crow.diff()
            rows = torch.arange(len(self), device=self.device)
            self._rows = torch.repeat_interleave(
                rows, counts, output_size=len(self.values)
            )
        return self._rows

    def _with_values(self, values):
        return SparseRows(self.crow, self.col, values, self.n_cols, self._rows)

    def __getitem__(self, rows):
        """The rows ``rows`` (a slice or a tensor of indices), in that order."""
        if isinstance(rows, slice):
            start, stop, step = rows.indices(len(self))
            if step != 1:
                return self[torch.arange(start, stop, step, device=self.device)]
            begin, end = self.crow[start], self.crow[stop]
            return SparseRows(
                self.crow[start : stop + 1] - begin,
                self.col[begin:end],
                self.values[begin:end],
                self.n_cols,
            )
        counts = self.crow.diff()[rows]
        crow = torch.cat([counts.new_zeros(1), counts.cumsum(0)])
        n_entries = int(crow[-1])
        new_row = torch.repeat_interleave(
            torch.arange(len(rows), device=self.device), counts, output_size=n_entries
        )
        # Entry j of the result is entry (j - its row's start) of its source row.
        source = self.crow[rows][new_row] + (
            torch.arange(n_entries, device=self.device) - crow[new_row]
        )
        return SparseRows(
            crow, self.col[source], self.values[source], self.n_cols, new_row
        )

    def with_empty_rows(self, n_rows):
        """This matrix followed by ``n_rows`` rows of zeros."""
        crow = torch.cat([self.crow, self.crow[-1:].expand(n_rows)])
        return SparseRows(crow, self.col, self.values, self.n_cols)

    def split(self, block):
        """Consecutive blocks of ``block`` rows."""
        return [self[start : start + block] for start in range(0, len(self), block)]

    def row_abs_max(self):
        """Each row's largest absolute value (zero for an empty row), ``(n, 1)``."""
        largest = self.values.new_zeros(len(self))
        largest.scatter_reduce_(0, self._row_of_entries(), self.values.abs(), "amax")
        return largest.unsqueeze(1)

    def row_sq_norm(self):
        """Each row's squared length, ``(n,)``."""
        squares = self.values.new_zeros(len(self))
        return squares.index_add_(0, self._row_of_entries(), self.values.square())

    def divide_rows(self, divisor):
        """Each row divided by its entry of ``divisor`` ``(n, 1)``."""
        return self._with_values(self.values / divisor[self._row_of_entries(), 0])

    def append_column(self, column):
        """This matrix with one more column, ``column`` ``(n, 1)``, stored in
        every row."""
        n_rows = len(self)
        shift = torch.arange(n_rows + 1, device=self.device)
        crow = self.crow + shift
        kept = torch.arange(len(self.values), device=self.device)
        kept = kept + self._row_of_entries()
        last = crow[1:] - 1
        col = self.col.new_empty(len(self.values) + n_rows)
        col[kept], col[last] = self.col, self.n_cols
        values = self.values.new_empty(len(col))
        values[kept], values[last] = self.values, column.view(-1).to(self.dtype)
        return SparseRows(crow, col, values, self.n_cols + 1)

    def sum_of_all_squares(self):
        """The sum of the squares of every value, in float64."""
        return self.values.double().square().sum()

    def numel(self):
        """Entries of the matrix, zeros included."""
        return len(self) * self.n_cols

    def _as_torch_csr(self):
        if self._csr is None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Sparse CSR tensor support")
                self._csr = torch.sparse_csr_tensor(
                    self.crow,
                    self.col,
                    self.values,
                    self.shape,
                    check_invariants=False,
                )
        return self._csr

    def __matmul__(self, dense):
        """This matrix times ``dense`` ``(n_cols, k)``: a dense ``(n, k)``.

        With ``dense`` stored row by row (a first layer built for sparse
        input), each row of the result is a weighted sum of the rows of
        ``dense`` its non-zeros pick: an embedding bag.
        """
        if dense.stride(1) == 1:
            return F.embedding_bag(
                self.col,
                dense,
                self.crow[:-1],
                mode="sum",
                per_sample_weights=self.values.to(dense.dtype),
            )
        return self._as_torch_csr() @ dense

    def __rmatmul__(self, dense):
        """``dense`` ``(k, n)`` times this matrix: a dense ``(k, n_cols)``, laid
        out column by column (the layout of a first layer built for sparse
        input): each non-zero adds its row of ``dense.T``, times its value, to
        the row of its column."""
        contributions = dense.T[self._row_of_entries()] * self.values.unsqueeze(1)
        product = contributions.new_zeros((self.n_cols, dense.shape[0]))
        return product.index_add_(0, self.col, contributions).T


def is_sparse(X):
    return isinstance(X, SparseRows)


# Bytes of float64 values in one block of rows of the dense data that the
# reductions and conversions below handle at a time: their temporaries would
# otherwise be a full copy of the data each (in float64, for the sum of all
# squares).
REDUCTION_BLOCK_BYTES = 2**22


def reduction_block(n_columns):
    """Rows per block of the dense reductions, for rows of ``n_columns``."""
    return max(1, REDUCTION_BLOCK_BYTES // (8 * max(n_columns, 1)))


def _row_blocks(*tensors):
    """Each of ``tensors`` (of as many rows as the first) in the blocks of
    rows of :func:`reduction_block`."""
    block = reduction_block(tensors[0].shape[-1])
    return [tensor.split(block) for tensor in tensors]


def row_abs_max(X):
    """Each row's largest absolute value, ``(n, 1)``."""
    if is_sparse(X):
        return X.row_abs_max()
    return _by_row_blocks(X, lambda rows: rows.abs().amax(dim=1, keepdim=True))


def row_sq_norm(X):
    """Each row's squared length, ``(n,)``."""
    if is_sparse(X):
        return X.row_sq_norm()
    return _by_row_blocks(X, lambda rows: rows.square().sum(dim=1))


def _by_row_blocks(X, reduce_rows):
    """``reduce_rows(X)``, computed a block of rows at a time: each row's
    result depends on that row alone."""
    (blocks,) = _row_blocks(X)
    if len(blocks) == 1:
        return reduce_rows(X)
    return torch.cat([reduce_rows(rows) for rows in blocks])


def divide_rows(X, divisor, out=None):
    """Each row of ``X`` divided by its entry of ``divisor`` ``(n, 1)``, in
    ``divisor``'s dtype, into ``out`` if given. Dense rows of a wider type are
    rounded to that dtype a block at a time, so that no full copy of them in
    it is made besides the result."""
    if is_sparse(X):
        return X.divide_rows(divisor)
    dtype = divisor.dtype
    if out is None:
        out = X.new_empty(X.shape, dtype=dtype)
    if X.dtype == dtype:
        return torch.div(X, divisor, out=out)
    for rows, row_divisor, rows_out in zip(*_row_blocks(X, divisor, out)):
        torch.div(rows.to(dtype), row_divisor, out=rows_out)
    return out


def append_column(X, column):
    """``X`` with the column ``column`` ``(n, 1)`` appended."""
    if is_sparse(X):
        return X.append_column(column)
    return torch.cat([X, column], dim=1)


def sum_of_all_squares(X, dtype):
    """The sum of the squares of every value of ``X`` rounded to ``dtype``, in
    float64; a dense ``X`` a block of rows at a time, so that no float64 copy
    of it is made."""
    if is_sparse(X):
        return X.sum_of_all_squares()
    (blocks,) = _row_blocks(X)
    return sum(
        rows.to(dtype).to(torch.float64, copy=True).square_().sum() for rows in blocks
    )


def pad_rows(X, n_rows):
    """``X`` followed by ``n_rows`` rows of zeros."""
    if is_sparse(X):
        return X.with_empty_rows(n_rows)
    return torch.cat([X, X.new_zeros((n_rows, X.shape[1]))])


def split_rows(X, block):
    """``X`` in consecutive blocks of ``block`` rows."""
    if is_sparse(X):
        return X.split(block)
    return torch.split(X, block)
