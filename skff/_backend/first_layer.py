"""The first layer's activity under any label, from one projection of the data."""

import torch
from torch.nn import functional as F

from .layer import (
    GLOBAL,
    LayerPass,
    set_gradient,
    set_label_gradient,
    sum_of_squares,
    weight_gradient,
)
from .sparse import append_column, divide_rows, is_sparse, row_abs_max, row_sq_norm


class PreparedRows:
    """Rows as the first layer reads them, prepared once for a whole fit (see
    :func:`prepare_rows`); indexing gives a batch's, as indexing the data would.

    ``features``: the rows scaled, with the label slots of the overlay (and the
    constant input, if any); ``strength``: the label code's strength in each
    row; ``sq_norm``: each row's squared length, the label left out, from
    which ``labelled_scale`` and ``neutral_scale``, the factors that normalise
    each row's input under a one-hot label and under the neutral label, are
    computed when they are ``None``. Rows that carry both scales need no
    ``sq_norm``.
    """

    __slots__ = ("features", "sq_norm", "strength", "labelled_scale", "neutral_scale")

    def __init__(
        self, features, sq_norm, strength, labelled_scale=None, neutral_scale=None
    ):
        self.features, self.sq_norm, self.strength = features, sq_norm, strength
        self.labelled_scale, self.neutral_scale = labelled_scale, neutral_scale

    def __len__(self):
        return len(self.strength)

    def __getitem__(self, rows):
        return PreparedRows(
            *(None if part is None else part[rows] for part in self._parts())
        )

    def _parts(self):
        return [getattr(self, name) for name in self.__slots__]


def labelled_scale(layer, sq_norm, strength):
    """The factor that normalises each row's input under a one-hot label."""
    return layer.input_scale(sq_norm + strength.square())


def neutral_scale(layer, sq_norm, strength):
    """The factor that normalises each row's input under the neutral label,
    ``1 / n_classes`` in every label slot."""
    n_classes = layer.label_weight.shape[0]
    return layer.input_scale(sq_norm + strength.square() / n_classes)


def prepare_rows(layer, overlay, X):
    """The :class:`PreparedRows` of the data ``X`` for the first ``layer``.

    Every value depends on its own row only, so preparing all rows at once
    gives every batch exactly what preparing the batch would. Dense rows of a
    wider float type than the layer's are rounded to the layer's as they are
    read, block by block, which gives the values rounding them first would.
    """
    dtype = layer.weight.dtype
    if layer.normalization == GLOBAL:
        if not is_sparse(X):
            X = X.to(dtype)
        features = overlay.features(X)
        # The label is as loud as a typical feature of the training data;
        # the layer's input scale is one constant, blind to the row's norm.
        sq_norm = layer.global_scale.new_zeros(()).expand(len(X))
        reference_rms = layer.global_scale.reciprocal().expand(len(X))
    else:
        # The layer normalises each row's length away, and the label strength
        # scales with the row, so dividing a row by its largest absolute value
        # changes nothing but keeps the squares of huge features from
        # overflowing.
        # Rounding preserves order, so the largest rounded value is the
        # rounded largest value.
        largest = row_abs_max(X).to(dtype)
        n_data_inputs = overlay.n_data_inputs
        if layer.constant_input:
            constant = layer.global_scale.reciprocal()  # the data's RMS
            largest = torch.maximum(largest, constant)
            n_data_inputs += 1
        divisor = largest.clamp_min(torch.finfo(dtype).tiny)
        if layer.constant_input:
            X, features = _divide_and_append(X, divisor, overlay, constant / largest)
        else:
            X = divide_rows(X, divisor)
            features = overlay.features(X)
        sq_norm = row_sq_norm(features)
        reference_rms = (sq_norm / n_data_inputs).sqrt()
    return PreparedRows(features, sq_norm, overlay.strength(X, reference_rms))


def _divide_and_append(X, divisor, overlay, column):
    """``X``'s rows divided by ``divisor``, and the overlay's features of them
    with ``column`` appended, as the pair ``(divided, features)``.

    Dense rows are divided into a buffer one column wider, whose last column
    takes ``column``: where the overlay's features are the divided rows or
    their last columns (both built-in overlays), the features with the
    column appended are then a view of that buffer, and the data are copied
    once instead of twice.
    """
    if is_sparse(X):
        X = divide_rows(X, divisor)
        features = overlay.features(X)
    else:
        n_rows, n_columns = X.shape
        wider = divisor.new_empty((n_rows, n_columns + 1))
        X = divide_rows(X, divisor, out=wider[:, :n_columns])
        features = overlay.features(X)
        start = n_columns - features.shape[-1]
        if _same_view(features, wider[:, start:n_columns]):
            wider[:, n_columns:] = column
            return X, wider[:, start:]
    return X, append_column(features, column)


def _same_view(a, b):
    """Whether tensors ``a`` and ``b`` see the same elements in the same order."""
    return (
        a.data_ptr() == b.data_ptr() and a.shape == b.shape and a.stride() == b.stride()
    )


def prepare_training_rows(layer, overlay, X):
    """:func:`prepare_rows` with the input scales under a one-hot label and
    under the neutral label, which training reads for every batch, in place
    of the squared lengths they are computed from."""
    rows = prepare_rows(layer, overlay, X)
    return PreparedRows(
        rows.features,
        None,
        rows.strength,
        labelled_scale(layer, rows.sq_norm, rows.strength),
        neutral_scale(layer, rows.sq_norm, rows.strength),
    )


class LabelledFirstLayer:
    """The first layer's activity for one batch, under any label.

    The data part of the first layer's input is the same for every label, so it is
    projected once; a label only adds one weight column (scaled by the overlay's
    strength) and ``strength**2 * ||code||**2`` to the input's squared norm.
    ``X`` is the batch's data, or its :class:`PreparedRows`.
    """

    def __init__(self, layer, overlay, X):
        self.layer = layer
        if not isinstance(X, PreparedRows):
            X = prepare_rows(layer, overlay, X)
        self.rows = X
        self.features, self.strength = X.features, X.strength
        self._label_factor = None
        self.reproject()

    @property
    def labelled_scale(self):
        """The factor that normalises each row's input under a one-hot label."""
        rows = self.rows
        if rows.labelled_scale is None:
            rows.labelled_scale = labelled_scale(
                self.layer, rows.sq_norm, rows.strength
            )
        return rows.labelled_scale

    @property
    def neutral_scale(self):
        """The factor that normalises each row's input under the neutral label."""
        rows = self.rows
        if rows.neutral_scale is None:
            rows.neutral_scale = neutral_scale(self.layer, rows.sq_norm, rows.strength)
        return rows.neutral_scale

    @property
    def label_factor(self):
        """Each row's factor on a label's weight column under a one-hot label,
        ``(n_rows, 1)``: the code's strength, normalised with the row."""
        if self._label_factor is None:
            self._label_factor = (self.labelled_scale * self.strength).unsqueeze(-1)
        return self._label_factor

    def reproject(self):
        """Project the features again, after the layer's weights have changed."""
        self.projected = self.features @ self.layer.weight.T

    def _labelled_row_part(self):
        """``scale * projected + bias`` under a one-hot label: the part of every
        labelled pre-activation that the row's label does not change."""
        scale = self.labelled_scale.unsqueeze(-1)
        return torch.addcmul(self.layer.bias, self.projected, scale)

    def for_labels(self, labels_per_copy):
        """Activities for ``labels_per_copy`` of shape ``(n_copies, n_rows)``.

        Returns ``(n_copies * n_rows, n_units)``, copy after copy.
        """
        return self.for_labels_and_measure(labels_per_copy).activity

    def for_labels_and_measure(self, labels_per_copy):
        """The :class:`~.layer.LayerPass` of :meth:`for_labels`; its inputs are
        the labels."""
        # relu(scale * (projected + strength * label column) + bias), as in
        # for_all_labels: the row's part is computed once for all its copies,
        # which saves a pass over the copies' activities.
        layer = self.layer
        label_columns = F.embedding(labels_per_copy, layer.label_weight)
        pre_activation = torch.addcmul(
            self._labelled_row_part(), label_columns, self.label_factor
        )
        activity = pre_activation.relu_().view(-1, layer.n_units)
        return LayerPass(
            activity, sum_of_squares(activity), self.labelled_scale, labels_per_copy
        )

    def set_gradients(self, layer_pass, d_pre):
        """The first layer's gradients, from the loss's derivative ``d_pre`` with
        respect to the pre-activations of a :meth:`for_labels_and_measure` pass
        (overwritten).

        Every copy of a row shares the row's features, so the copies' gradients
        are summed before the one product with the features; a label's weights
        collect the gradient of the rows shown with it.
        """
        layer, labels = self.layer, layer_pass.inputs
        by_copy = d_pre.view(*labels.shape, -1)
        if len(by_copy) == 2:
            # One negative a row (the defaults): an addition, the same sum,
            # takes half the time of a reduction over the copies.
            over_copies = torch.add(*by_copy)
        else:
            over_copies = by_copy.sum(dim=0)
        set_gradient(layer.bias, over_copies.sum(dim=0))
        d_features = over_copies.mul_(layer_pass.scale.unsqueeze(-1))
        set_gradient(layer.weight, weight_gradient(d_features, self.features))
        by_row = by_copy.mul_(self.label_factor).view(-1, layer.n_units)
        set_label_gradient(layer.label_weight, labels.view(-1), by_row)

    @torch.no_grad()
    def for_all_labels(self, out=None):
        """Activities of every row under every label, row after row.

        Returns ``(n_rows * n_classes, n_units)``, written into ``out`` if given.
        Inference only: the activity is built in place.
        """
        n_rows, n_units = self.projected.shape
        n_classes = self.layer.label_weight.shape[0]
        if out is None:
            out = self.projected.new_empty((n_rows * n_classes, n_units))
        activity = out.view(n_rows, n_classes, n_units)
        # relu(scale * (projected + strength * label column) + bias), written in
        # one pass over the (n_rows, n_classes, n_units) block: the row's part,
        # scale * projected + bias, is computed once for all its labels.
        torch.addcmul(
            self._labelled_row_part().unsqueeze(1),
            self.label_factor.unsqueeze(1),
            self.layer.label_weight,
            out=activity,
        )
        activity.relu_()
        return out

    def neutral(self):
        """Activities under the neutral label, ``1 / n_classes`` in every label slot."""
        return self.neutral_and_measure().activity

    def neutral_and_measure(self):
        """The :class:`~.layer.LayerPass` of :meth:`neutral`."""
        label_weight = self.layer.label_weight
        projected = torch.addr(self.projected, self.strength, label_weight.mean(0))
        return self.layer.activate_and_measure(projected, scale=self.neutral_scale)
