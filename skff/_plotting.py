"""Displays, in scikit-learn's style, of what a Forward-Forward network learned.

Each display keeps its data as attributes, draws with :meth:`plot`, and is built
from a fitted estimator with :meth:`from_estimator`. Matplotlib is imported only
when something is drawn, so skff does not depend on it.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            f"{caller} requires matplotlib. Install it with `pip install matplotlib` "
            "or `pip install skff[plot]`."
        ) from error
    return plt


def _axes_for_layers(plt, ax, n_layers, caller):
    """One axes per layer: ``ax`` as given (one per layer), or a new row of them."""
    if ax is None:
        figure, ax = plt.subplots(
            1,
            n_layers,
            figsize=(3.2 * n_layers + 1, 3.6),
            squeeze=False,
            layout="constrained",
        )
        return figure, list(ax[0])
    axes = list(np.ravel(ax))
    if len(axes) != n_layers:
        raise ValueError(
            f"{caller} draws one panel per layer: ax must hold {n_layers} axes, "
            f"got {len(axes)}."
        )
    return axes[0].figure, axes


def _layer_names(n_layers):
    return [f"layer {index + 1}" for index in range(n_layers)]


class LossCurveDisplay:
    """Training loss of every layer, and of the softmax readout, per epoch.

    Forward-Forward has no single loss: each layer minimises its own. This display
    draws each layer's curve, the readout's cross-entropy when one is trained,
    and the validation score on a second axis when early stopping recorded one.

    Parameters
    ----------
    layer_loss_curves : list of list of float
        ``layer_loss_curves[i][e]``: layer ``i``'s mean loss in epoch ``e``.

    readout_loss_curve : list of float, default=None
        The readout's cross-entropy per epoch.

    validation_scores : list of float, default=None
        Held-out accuracy per epoch.

    estimator_name : str, default=None
        Used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the loss curves.

    validation_ax_ : matplotlib Axes or None
        Second axes holding the validation scores, if any.

    figure_ : matplotlib Figure
        Figure holding the axes.

    lines_ : list of matplotlib Line2D
        The layers' lines, then the readout's, then the validation scores'.

    See Also
    --------
    GoodnessDisplay : Per-label goodness of a few samples.
    LayerActivityDisplay : Every layer's activity for a few samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skff import ForwardForwardClassifier
    >>> from skff.plot import LossCurveDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ForwardForwardClassifier((64, 64), max_iter=3, random_state=0)
    >>> clf = clf.fit(X / 16, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> len(display.lines_)
    3
    """

    def __init__(
        self,
        *,
        layer_loss_curves,
        readout_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
    ):
        self.layer_loss_curves = layer_loss_curves
        self.readout_loss_curve = readout_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw the loss curves of a fitted :class:`~skff.ForwardForwardClassifier`.

        Parameters
        ----------
        estimator : ForwardForwardClassifier
            A fitted estimator.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if ``None``.

        Returns
        -------
        display : LossCurveDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        return cls(
            layer_loss_curves=estimator.layer_loss_curves_,
            readout_loss_curve=estimator.readout_loss_curve_,
            validation_scores=estimator.validation_scores_,
            estimator_name=type(estimator).__name__,
        ).plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if ``None``.

        Returns
        -------
        display : LossCurveDisplay
            ``self``, with ``ax_``, ``readout_ax_`` and ``validation_ax_`` (the
            readout's and the validation score's axes, or ``None``),
            ``figure_`` and ``lines_``.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            _, ax = plt.subplots()
        lines = []
        for name, curve in zip(
            _layer_names(len(self.layer_loss_curves)), self.layer_loss_curves
        ):
            epochs = np.arange(1, len(curve) + 1)
            lines += ax.plot(epochs, curve, marker=".", label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("layer loss")
        # Epochs are whole numbers; the readout's cross-entropy and the
        # validation score are on scales of their own, so each gets an axis.
        ax.xaxis.set_major_locator(_integer_locator())
        self.readout_ax_ = None
        if self.readout_loss_curve:
            self.readout_ax_ = ax.twinx()
            epochs = np.arange(1, len(self.readout_loss_curve) + 1)
            lines += self.readout_ax_.plot(
                epochs, self.readout_loss_curve, "k--", label="softmax readout"
            )
            self.readout_ax_.set_ylabel("readout cross-entropy")
        self.validation_ax_ = None
        if self.validation_scores:
            self.validation_ax_ = ax.twinx()
            if self.readout_ax_ is not None:
                self.validation_ax_.spines["right"].set_position(("axes", 1.15))
            epochs = np.arange(1, len(self.validation_scores) + 1)
            lines += self.validation_ax_.plot(
                epochs, self.validation_scores, "g:", label="validation score"
            )
            self.validation_ax_.set_ylabel("validation score")
        ax.legend(handles=lines, loc="best")
        if self.estimator_name:
            ax.set_title(f"{self.estimator_name}: loss per layer")
        self.ax_, self.figure_, self.lines_ = ax, ax.figure, lines
        return self


class GoodnessDisplay:
    """Goodness of a few samples under every candidate label, layer by layer.

    A trained layer answers "is this the right label?" with its goodness: high
    under the right label, low under the others. Each panel is one layer: a row
    per sample, a column per label. The true label, when given, is outlined.

    Parameters
    ----------
    goodness : ndarray of shape (n_samples, n_classes, n_layers)
        As returned by :meth:`ForwardForwardClassifier.layer_goodness`.

    classes : array-like of shape (n_classes,)
        Label of each column.

    y_true : array-like of shape (n_samples,), default=None
        True labels of the samples, outlined in every panel.

    threshold : float, default=None
        The layers' goodness threshold; the colour scale is centred on it
        (on each layer's mean goodness when ``None``, as for a model trained
        with ``loss="symba"``, which has no threshold).

    Attributes
    ----------
    axes_ : list of matplotlib Axes
        One per layer.

    images_ : list of matplotlib AxesImage
        One per layer.

    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    LayerActivityDisplay : Every layer's activity for a few samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skff import ForwardForwardClassifier
    >>> from skff.plot import GoodnessDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ForwardForwardClassifier((64, 64), max_iter=3, random_state=0)
    >>> clf = clf.fit(X / 16, y)
    >>> display = GoodnessDisplay.from_estimator(clf, X[:4] / 16, y[:4])
    >>> len(display.axes_)
    2
    """

    def __init__(self, *, goodness, classes, y_true=None, threshold=None):
        self.goodness = goodness
        self.classes = classes
        self.y_true = y_true
        self.threshold = threshold

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, ax=None):
        """Draw the goodness of the rows of ``X`` under every label.

        Parameters
        ----------
        estimator : ForwardForwardClassifier
            A fitted estimator.

        X : array-like of shape (n_samples, n_features)
            A few samples (one row of each panel per sample).

        y : array-like of shape (n_samples,), default=None
            Their true labels, outlined.

        ax : array-like of matplotlib Axes, default=None
            One axes per layer; a new figure if ``None``.

        Returns
        -------
        display : GoodnessDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        return cls(
            goodness=estimator.layer_goodness(X),
            classes=estimator.classes_,
            y_true=y,
            threshold=estimator.threshold if estimator.loss == "threshold" else None,
        ).plot(ax=ax)

    def plot(self, *, ax=None, cmap="RdBu_r"):
        """Draw one heat map per layer.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One axes per layer; a new figure if ``None``.

        cmap : str or matplotlib Colormap, default="RdBu_r"
            Colours of the goodness: red above the threshold (or the mean),
            blue below.

        Returns
        -------
        display : GoodnessDisplay
            ``self``, with ``axes_``, ``images_`` and ``figure_``.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        goodness = np.asarray(self.goodness)
        n_samples, n_classes, n_layers = goodness.shape
        classes = np.asarray(self.classes)
        figure, axes = _axes_for_layers(plt, ax, n_layers, type(self).__name__)
        images = []
        for layer, (name, axis) in enumerate(zip(_layer_names(n_layers), axes)):
            values = goodness[:, :, layer]
            centre = self.threshold if self.threshold is not None else values.mean()
            spread = np.abs(values - centre).max() or 1.0
            images.append(
                axis.imshow(
                    values,
                    cmap=cmap,
                    vmin=centre - spread,
                    vmax=centre + spread,
                    aspect="auto",
                )
            )
            axis.set_xticks(range(n_classes), [str(c) for c in classes])
            axis.set_yticks(range(n_samples), [f"#{i}" for i in range(n_samples)])
            axis.set_xlabel("label overlaid")
            axis.set_title(name)
            if self.y_true is not None:
                for row, label in enumerate(np.asarray(self.y_true)):
                    column = np.flatnonzero(classes == label)
                    if column.size:
                        axis.add_patch(
                            plt.Rectangle(
                                (column[0] - 0.5, row - 0.5),
                                1,
                                1,
                                fill=False,
                                edgecolor="black",
                                linewidth=2,
                            )
                        )
        axes[0].set_ylabel("sample")
        figure.colorbar(images[-1], ax=axes, label="goodness")
        self.axes_, self.images_, self.figure_ = axes, images, figure
        return self


class LayerActivityDisplay:
    """Every layer's activity for a few samples under the neutral label.

    Each panel is one layer: a row per sample, a column per unit. It shows how
    sparse each layer's code is and how much samples of one class share it.

    Parameters
    ----------
    activities : list of ndarray of shape (n_samples, n_units)
        As returned by :meth:`ForwardForwardClassifier.layer_activities`.

    y : array-like of shape (n_samples,), default=None
        Labels of the samples, written beside the rows.

    Attributes
    ----------
    axes_ : list of matplotlib Axes
        One per layer.

    images_ : list of matplotlib AxesImage
        One per layer.

    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    GoodnessDisplay : Per-label goodness of a few samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skff import ForwardForwardClassifier
    >>> from skff.plot import LayerActivityDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ForwardForwardClassifier((64, 64), max_iter=3, random_state=0)
    >>> clf = clf.fit(X / 16, y)
    >>> display = LayerActivityDisplay.from_estimator(clf, X[:8] / 16, y[:8])
    >>> [image.get_array().shape for image in display.images_]
    [(8, 64), (8, 64)]
    """

    def __init__(self, *, activities, y=None):
        self.activities = activities
        self.y = y

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, ax=None):
        """Draw the activity of every layer for the rows of ``X``.

        Parameters
        ----------
        estimator : ForwardForwardClassifier
            A fitted estimator.

        X : array-like of shape (n_samples, n_features)
            A few samples (one row of each panel per sample).

        y : array-like of shape (n_samples,), default=None
            Their labels, written beside the rows.

        ax : array-like of matplotlib Axes, default=None
            One axes per layer; a new figure if ``None``.

        Returns
        -------
        display : LayerActivityDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        return cls(activities=estimator.layer_activities(X), y=y).plot(ax=ax)

    def plot(self, *, ax=None, cmap="magma"):
        """Draw one image per layer.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One axes per layer; a new figure if ``None``.

        cmap : str or matplotlib Colormap, default="magma"
            Colours of the activities.

        Returns
        -------
        display : LayerActivityDisplay
            ``self``, with ``axes_``, ``images_`` and ``figure_``.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        n_layers = len(self.activities)
        figure, axes = _axes_for_layers(plt, ax, n_layers, type(self).__name__)
        images = []
        for name, axis, activity in zip(_layer_names(n_layers), axes, self.activities):
            images.append(
                axis.imshow(activity, cmap=cmap, aspect="auto", interpolation="nearest")
            )
            axis.set_xlabel("unit")
            axis.set_title(name)
            if self.y is not None:
                labels = [str(label) for label in np.asarray(self.y)]
                axis.set_yticks(range(len(labels)), labels)
            figure.colorbar(images[-1], ax=axis, label="activity")
        axes[0].set_ylabel("sample" if self.y is None else "sample (label)")
        self.axes_, self.images_, self.figure_ = axes, images, figure
        return self


class LayerAccuracyDisplay:
    """How well each layer predicts, alone and with the layers below it.

    Four lines over the layers: prediction by each layer's goodness alone and
    by the goodness summed up to it, and by the softmax readout restricted to
    a layer's features alone and to those up to it (for models with a
    readout). What a layer adds is the step of a cumulative line at it.

    Parameters
    ----------
    accuracy : Bunch
        As returned by :meth:`ForwardForwardClassifier.layer_accuracy`.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the lines.

    lines_ : dict of str to matplotlib Line2D
        The line of each series drawn, by its key in ``accuracy``.

    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    GoodnessDisplay : Every layer's goodness under every label.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skff import ForwardForwardClassifier
    >>> from skff.plot import LayerAccuracyDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ForwardForwardClassifier(max_iter=3, random_state=0)
    >>> clf = clf.fit(X[:1000] / 16, y[:1000])
    >>> display = LayerAccuracyDisplay.from_estimator(clf, X[1000:] / 16, y[1000:])
    >>> sorted(display.lines_)
    ['goodness_alone', 'goodness_cumulative', 'readout_alone', 'readout_cumulative']
    """

    LABELS = {
        "goodness_alone": ("goodness, the layer alone", "tab:orange", "--"),
        "goodness_cumulative": ("goodness, layers up to it", "tab:orange", "-"),
        "readout_alone": ("readout, the layer alone", "tab:blue", "--"),
        "readout_cumulative": ("readout, layers up to it", "tab:blue", "-"),
    }

    def __init__(self, *, accuracy):
        self.accuracy = accuracy

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None):
        """Measure each layer's accuracy on ``(X, y)`` and draw it.

        Parameters
        ----------
        estimator : ForwardForwardClassifier
            A fitted estimator.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples, e.g. held-out data.

        y : array-like of shape (n_samples,)
            Their labels.

        ax : matplotlib Axes, default=None
            Where to draw; a new figure if ``None``.

        Returns
        -------
        display : LayerAccuracyDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        return cls(accuracy=estimator.layer_accuracy(X, y)).plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw one line per series.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure if ``None``.

        Returns
        -------
        display : LayerAccuracyDisplay
            ``self``, with ``ax_``, ``lines_`` and ``figure_``.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
        lines = {}
        for key, (label, colour, style) in self.LABELS.items():
            values = self.accuracy.get(key)
            if values is None:
                continue
            layers = np.arange(1, len(values) + 1)
            (lines[key],) = ax.plot(
                layers, values, style, marker="o", color=colour, label=label
            )
        ax.set_xticks(layers)
        ax.set_xlabel("layer")
        ax.set_ylabel("accuracy")
        ax.legend()
        self.ax_, self.lines_, self.figure_ = ax, lines, ax.figure
        return self


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
