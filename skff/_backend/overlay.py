"""Label overlays: where and how strongly a candidate label enters the first layer.

An overlay splits the first layer's input into two disjoint blocks: data features
``f`` and a label code of width ``n_classes`` (one-hot at strength ``s``). Because
the blocks are disjoint, the first layer's pre-activation for label ``k`` is
``W_features @ f + s * W_labels[:, k]`` and the input's squared norm is
``||f||^2 + s^2 * ||code||^2``. The backend uses this to score every candidate
label with one matmul plus ``n_classes`` column additions, instead of building
``n_classes`` overlaid copies of the data.

A new embedding is a new subclass: it only has to say which part of the data
enters beside the label code, and how strong the label is for each row.
"""

from .sparse import row_abs_max


class LabelOverlay:
    """Base class of the label overlays.

    Parameters
    ----------
    n_features : int
        Number of columns of the user's data.
    n_classes : int
        Number of candidate labels.
    label_scale : float
        Strength of the one-hot label code relative to this overlay's reference.
    """

    def __init__(self, n_features, n_classes, label_scale):
        self.n_features = n_features
        self.n_classes = n_classes
        self.label_scale = label_scale

    @property
    def n_inputs(self):
        """Width of the first layer's input."""
        raise NotImplementedError

    def features(self, X):
        """The part of ``X`` that enters the first layer beside the label code."""
        raise NotImplementedError

    @property
    def n_data_inputs(self):
        """Width of :meth:`features`: the data's part of the first layer's input."""
        return self.n_inputs - self.n_classes

    def strength(self, X, reference_rms):
        """Value written into the label slot of each row, shape ``(n_rows,)``.

        ``reference_rms`` is the root mean square of features the label is
        measured against: of the row's own :meth:`features` when the first
        layer normalises each row, of all the training data when it scales
        every row by one constant.
        """
        raise NotImplementedError


class AppendOverlay(LabelOverlay):
    """One-hot label appended after the features.

    Works for any feature layout, because no feature is overwritten. The label's
    value is ``label_scale`` times the root mean square of the features (the
    row's own, or the training data's), so the label is as loud as a typical
    feature, whatever the number and the scale of the features.
    """

    @property
    def n_inputs(self):
        return self.n_features + self.n_classes

    def features(self, X):
        return X

    def strength(self, X, reference_rms):
        return self.label_scale * reference_rms


class ReplaceOverlay(LabelOverlay):
    """One-hot label written over the first ``n_classes`` features.

    This is the MNIST trick of Hinton (2022) and of the Keras example: the top-left
    pixels of a digit are always blank, so they can carry the label. The label
    value is the row's largest absolute feature (times ``label_scale``), so the
    label is as bright as the brightest pixel, as in the Keras example.
    """

    def __init__(self, n_features, n_classes, label_scale):
        if n_features < n_classes:
            raise ValueError(
                f"label_overlay='replace' writes the label over the first "
                f"{n_classes} features, but X has only {n_features} features. "
                "Use label_overlay='append'."
            )
        super().__init__(n_features, n_classes, label_scale)

    @property
    def n_inputs(self):
        return self.n_features

    def features(self, X):
        return X[:, self.n_classes :]

    def strength(self, X, reference_rms):
        return self.label_scale * row_abs_max(X).squeeze(1)


OVERLAYS = {"append": AppendOverlay, "replace": ReplaceOverlay}


def make_overlay(name, n_features, n_classes, label_scale):
    """Build the overlay registered under ``name``."""
    return OVERLAYS[name](n_features, n_classes, label_scale)
