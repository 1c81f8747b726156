"""ForwardForwardClassifier: the scikit-learn facade over :mod:`skff._backend`."""

import copy
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import softmax
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._allocator import keep_freed_memory_for_reuse
from ._backend import FFNetwork
from ._backend.config import flat
from ._backend.goodness import GOODNESS
from ._backend.losses import LAYER_LOSSES
from ._backend.negatives import NEGATIVE_SAMPLERS
from ._backend.overlay import OVERLAYS
from ._backend.readouts import READOUTS
from ._backend.schedule import auto_batch_size, learning_rate_factor
from ._callbacks import CallbackSupportMixin
from ._interrupt import StopOnInterrupt
from ._precision import MIXED_PRECISIONS, matmul_precision
from ._progress import epoch_progress, print_convergence, print_epoch
from ._settings import architecture_of, hyperparameters_of
from ._tensors import resolve_device, to_numpy, to_tensor
from ._threads import step_thread_limit, torch_threads


class ForwardForwardClassifier(ClassifierMixin, CallbackSupportMixin, BaseEstimator):
    """Classifier trained by Hinton's Forward-Forward algorithm.

    Every layer learns on its own: it is shown each training sample twice, once
    with its true label overlaid on the input (positive data) and once with a wrong
    label (negative data), and it learns to make its *goodness* (the mean or sum of
    its squared activities) high for positive and low for negative data. No
    gradient crosses layers, so there is no backward pass through the network.
    A sample is classified by the label under which the network is most excited,
    or by a linear softmax readout of its activity under a neutral label.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(1000,)
        Width of each Forward-Forward layer. The default is one layer of 1000:
        its positive, negative and neutral passes share one projection of the
        data, where a second layer needs a product for each, so it costs less
        per row than 784-500-500 and learns as much, on MNIST (1.70% test error
        against 1.72% at the same rate, mean of three seeds of
        ``benchmarks/mnist_accuracy.py``; 1.62% at its default rate) and on
        small tabular data (the user guide's "One layer of 1000"). The Keras
        example uses (500, 500), Hinton (2022) four layers of 2000.

    loss : {"symba", "threshold"}, default="symba"
        Each layer's loss on the goodness of a sample shown with its true label
        (positive) and with a wrong one (negative).
        ``"symba"``: ``softplus(symba_alpha * (g_neg - g_pos))``, the logistic
        loss on the gap between the two (Lee and Song 2023, "SymBa"); no
        threshold, and positive and negative data pull equally hard.
        ``"threshold"``: ``softplus(threshold - g_pos) + softplus(g_neg -
        threshold)``, averaged, each kind of data against a fixed threshold
        (Hinton 2022, the Keras example). The docs' Benchmarks page compares
        the two with the other defaults.

    symba_alpha : float, default=8.0
        Sharpness of ``loss="symba"``: the gap between positive and negative
        goodness is multiplied by it. Suits ``goodness="mean_squares"``; with
        ``"sum_squares"``, divide it by the layer width. Chosen by trying 4,
        8 and 16 on MNIST and on scikit-learn's small datasets. Ignored by
        ``loss="threshold"``.

    threshold : float, default=4.0
        Goodness above which a sample counts as positive, for
        ``loss="threshold"``. With ``goodness="mean_squares"`` it does not
        depend on the layer width; with ``"sum_squares"`` scale it with the
        width. Layers start near a mean square of 0.5, so a threshold well
        above it gives positive data room to rise. Ignored by
        ``loss="symba"``.

    goodness : {"mean_squares", "sum_squares", "top_k_mean_squares", \
            "entmax_energy", "excess_kurtosis"}, default="mean_squares"
        Goodness of a layer's activity vector: the mean of its squares (Keras
        example), their sum (Hinton 2022), or one of the selective and
        shape-sensitive goodnesses of arXiv 2604.13081: the mean square of its
        tenth most active units, its squares weighted by their 1.5-entmax, or
        its excess kurtosis (scale-invariant; needs its own ``symba_alpha``).
        ``skff.backend.GOODNESS`` holds them; the user guide's "Extending
        skff" adds one.

    normalization : {"rms", "l2"}, default="rms"
        How each layer normalises its input before its weights: divided by its
        root mean square (Hinton 2022) or by its length (the Keras example).
        Either way only the direction of the previous layer's activity passes
        on. With ``"l2"`` the layers start with tiny activities (the weights
        are initialised for unit-RMS inputs), as the Keras example does.

    input_normalization : {"homogeneous", "global", "row"}, default="homogeneous"
        How the first layer scales the data. Later layers normalise their
        input so that they cannot read the goodness of the layer below; the
        data have no goodness to hide, and a row's length is one dimension of
        its information: one in 784 on MNIST, a quarter of it with 4 features.
        ``"homogeneous"``: one constant input, the first training data's root
        mean square, is appended to every row, which is then normalised as
        the later layers normalise theirs (``normalization``). As in
        homogeneous coordinates, the normalised row still says where the row
        was (its direction and its length), every input stays bounded however
        long the row, and a hyperplane of the data is a hyperplane of the
        normalised input, which is what a ReLU unit cuts along.
        ``"global"``: every row is multiplied by one constant, fitted on the
        first training data so that its values have unit root mean square.
        ``"row"``: each row is normalised as the later layers normalise theirs,
        as in Hinton (2022) and the Keras example (the recipes keep it). The
        user guide compares the three.

    peer_normalization : float, default=0.0
        Weight of Hinton's peer normalisation in each layer's loss: every unit's
        running mean activity on positive data is pulled towards the layer's
        mean, so that no unit stays dead or dominates. Its gradient passes the
        ReLU as if it were the identity, as in Hinton's code, so it reaches
        units that are off. Hinton (2022) uses 0.03.

    collaboration : float, default=0.0
        Weight of the other layers' goodness in each layer's loss: collaborative
        Forward-Forward (Lorberbom et al. 2023). Layer ``l`` is scored on its
        goodness plus ``collaboration`` times the sum of every other layer's
        goodness above ``threshold``, on the same batch, which it takes as a
        given: the layers learn to tell positive from negative data together,
        and still no gradient crosses from one layer to another. ``1.0`` weighs
        the other layers' goodness as the layer's own; ``0`` trains each layer
        alone, and so does any value with one layer. Needs
        ``training_mode="joint"``.

    prediction_layers : {"all", "skip_first"} or array-like of int, default="all"
        Layers whose goodness is summed by ``prediction="goodness"`` and whose
        activity feeds the softmax readout, by index from 0. ``"skip_first"``
        leaves out the first layer, as Hinton (2022) does: its activity mostly
        reflects the label it was just given. With one layer it means "all".

    learning_rate : {"constant", "linear_decay"}, default="linear_decay"
        Schedule of the learning rate over the epochs of one call to
        :meth:`fit`. ``"linear_decay"``: constant for the first half of
        ``max_iter``, then linearly down towards zero (Hinton's code); running
        all ``max_iter`` epochs is then the plan, so no ConvergenceWarning is
        raised when they are done. With early stopping, the schedule still
        spans ``max_iter`` epochs. :meth:`partial_fit` always uses the full
        rate.

    learning_rate_init : float, default=0.005
        Learning rate of every layer's optimizer. 0.005 for one layer of 1000;
        784-500-500, the default network before, learnt best at 0.003 (the user
        guide's "One layer of 1000").

    readout_learning_rate_init : float or None, default=None
        Learning rate of the softmax readout; ``None`` for
        ``learning_rate_init``. Hinton's recipe trains its readout with SGD at
        ten times the layers' rate. Follows the same schedule.

    optimizer : {"adam", "adam_keras", "sgd"}, default="adam"
        Optimizer of each layer; each layer has its own instance.
        ``"adam_keras"`` is Adam as Keras computes it (epsilon 1e-7 added
        before bias correction), which takes smaller steps while gradients
        are tiny: use it to reproduce Keras results.

    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``; ignored by Adam.

    weight_decay : float, default=0.0
        L2 penalty on the weights (not the biases) of every layer and of the
        readout, applied by the optimizer (torch's ``weight_decay``).

    readout_weight_decay : float or None, default=None
        L2 penalty on the softmax readout's weights; ``None`` for
        ``weight_decay``. Hinton's code decays its readout three times as
        strongly as its layers.

    training_mode : {"joint", "greedy"}, default="joint"
        ``"joint"``: all layers learn from the same forward pass of each batch,
        each from its own loss. ``"greedy"``: the first layer takes its
        ``inner_steps`` steps on the batch, then passes its updated output to
        the second layer, which takes its steps, and so on (the Keras example).
        Either way no gradient crosses layers.

    inner_steps : int, default=1
        Optimizer steps each layer takes on every batch. The Keras example takes
        50 full-batch steps per layer per epoch.

    averaging_epochs : float, default=0.5
        Predictions use an exponential moving average of the weights over
        about this many epochs of steps (Polyak averaging), while training
        goes on from the weights themselves: at a high learning rate the
        weights keep moving around a good region, and their recent average
        lies nearer its middle. The average is corrected for its start (no
        pull towards the initial weights), and its horizon is at least one
        step. ``0`` predicts with the last weights. For :meth:`partial_fit`,
        an epoch is one call. On MNIST the defaults reach 98% test accuracy
        in 3 or 4 epochs with it and 7 or more without; after the full
        schedule, whose decaying rate settles the weights anyway, both end
        alike (the user guide's "Weight averaging").

    batch_size : int or "auto", default="auto"
        Rows per minibatch. ``"auto"`` gives small data at least 5 steps per
        epoch, in batches of at least 32 rows (32 for 150 rows, 120 for 600),
        then 128 rows, and ``n_samples // 200`` (at most 512) when that is
        larger: 300 for the 60,000 MNIST images. Never more than ``n_samples``
        (the rows of the call, for :meth:`partial_fit`). A value at least
        ``n_samples`` trains full batch, one step per epoch.

    max_iter : int, default=30
        Epochs of :meth:`fit` (passes over the training data). Training stops
        earlier when the loss (or, with ``early_stopping``, the validation score)
        stops improving by ``tol`` for ``n_iter_no_change`` epochs. With the
        default ``learning_rate="linear_decay"`` the rate falls towards zero
        over the second half of ``max_iter``: the schedule plans to train all
        of them, so reaching ``max_iter`` raises no ``ConvergenceWarning``
        (``MLPClassifier``, whose rate does not decay, warns). To see whether
        more epochs would help, compare ``loss_curve_`` or
        ``validation_scores_`` over a longer fit; with
        ``learning_rate="constant"``, reaching ``max_iter`` before ``tol`` is
        met warns as in ``MLPClassifier``.

    label_overlay : {"append", "replace"}, default="append"
        How a candidate label enters the first layer. ``"append"`` adds a one-hot
        block of ``n_classes`` inputs after the features and works for any data.
        ``"replace"`` writes the one-hot code over the first ``n_classes``
        features, at the row's largest absolute value: the MNIST trick of the
        Keras example, for data whose first features are always blank.

    label_scale : float, default=1.0
        Strength of the one-hot label code. With ``"append"`` the code's value is
        ``label_scale`` times the root mean square of the row's features: the
        label is as loud as a typical feature, whatever the number and the scale
        of the features (on MNIST scaled to [0, 1], about a third of Hinton's
        label value of 1). With ``"replace"`` it multiplies the row's largest
        absolute value.

    label_forwarding : {"input", "every_layer"}, default="input"
        Where the label enters: the first layer's input only (Hinton 2022), or
        also every later layer, through a label projection of its own added to
        the layer's pre-activation (the separate label-feature forwarding,
        FFCL, of arXiv 2604.13081): each layer then judges the label itself
        instead of only through what the layers below kept of it.

    negatives : {"hard", "random", "shuffle", "all"}, default="hard"
        How the wrong label of each negative sample is drawn. ``"hard"``: in
        proportion to the softmax readout's current belief in each wrong label,
        the true label excluded (Hinton 2022); this trains the readout too, at
        the cost of one more forward pass per batch. ``"random"``: uniformly
        among the wrong labels. ``"shuffle"``: the batch's labels in a random
        order, as in the Keras example; about one in ``n_classes`` is the true
        label, so it learns more slowly and is there for reproduction.
        ``"all"``: every wrong label, each row meeting all of them with the
        loss averaged over them (beyond 17 classes, 16 drawn per row); the
        first layer's projection is shared, but the layers above pay for every
        negative.

    prediction : {"softmax", "goodness", "combined"}, default="softmax"
        ``"softmax"`` reads the label from one pass under a neutral label, through
        a linear softmax readout trained on the layers' activities (no gradient
        reaches the layers): one pass whatever the number of classes.
        ``"goodness"`` scores every candidate label by the goodness summed over
        layers: one pass per label, in blocks of rows. Hinton (2022) finds the
        two about equally accurate; on MNIST with hard negatives the readout is
        ahead early in training. ``"combined"`` multiplies the class
        probabilities of both (a product of experts): the scores are the
        readout's log-probabilities plus those of the summed goodness times
        ``goodness_scale_``. The two readouts often err on different samples,
        so together they err less than either, for the cost of both: the
        goodness scoring is one pass per label, so with 10 labels it costs
        about ten times the softmax readout's one pass (the Benchmarks page
        has the times).

    class_weight : dict, "balanced" or None, default=None
        Weight of each class in every layer's loss and the readout's, as in
        :class:`~sklearn.linear_model.LogisticRegression`: ``{label:
        weight}``, or ``"balanced"`` for ``n_samples / (n_classes *
        np.bincount(y))``. It multiplies ``sample_weight``. ``"balanced"``
        needs the whole ``y``, so :meth:`partial_fit` takes only a dict (compute
        the weights once with :func:`~sklearn.utils.class_weight.compute_class_weight`).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and stop
        when its accuracy stops improving; the weights of the best epoch are kept.
        Ignored by :meth:`partial_fit`.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before training stops.

    tol : float, default=1e-4
        Smallest improvement of the loss (or validation score) that counts.

    warm_start : bool, default=False
        Continue from the previous fit's weights and optimizer state instead of
        starting afresh.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling, the negative labels and the
        validation split, through generators of this estimator's own: the global
        NumPy and torch seeds are neither used nor changed. Pass an int for
        reproducible fits (bit-identical on CPU).

    dtype : {"float32", "float64"}, default="float32"
        Precision of the weights and of the computation. float32 is about twice
        as fast on CPUs and far faster on GPUs; float64 is there for numerical
        comparisons (e.g. with MLPClassifier's default precision). float64
        data reach a float32 network on the CPU without a float32 copy of
        them: the first layer rounds them a block of rows at a time.

    mixed_precision : {None, "tf32", "bfloat16"}, default=None
        Lower-precision matrix products for speed, with ``dtype="float32"``.
        ``"tf32"`` lets float32 matmuls use TensorFloat-32 (NVIDIA Ampere and
        later GPUs run them several times faster); ``"bfloat16"`` autocasts the
        matmuls to bfloat16 while weights, gradients, losses and normalisations
        stay float32. Both apply to fit and prediction, and restore torch's
        settings afterwards. On CPUs without bfloat16 units they bring no
        speed. ``None`` computes in full ``dtype`` precision.

    device : {"cpu", "cuda", "auto"} or str, default="cpu"
        Where the network trains. ``"auto"`` picks CUDA when it is available. Any
        device string torch accepts (``"cuda:1"``) works too. A fitted model
        pickles with its weights on the CPU and loads on machines without CUDA.

    cuda_graphs : bool, default=True
        On a CUDA device, capture one training step as a CUDA graph after a
        few eager steps of each epoch and replay it for the epoch's other full
        batches, with the same results to the last bit. Small networks on
        small batches are bound by the host's kernel launches, not by the GPU,
        and one launch per step instead of hundreds trains them several times
        faster (the Benchmarks page has the times). Ignored on the CPU, and with
        ``optimizer="adam_keras"``, whose steps depend on the host. If a
        capture fails, a ``RuntimeWarning`` says why and the epoch trains
        step by step.

    n_threads : int or None, default=None
        Most CPU threads torch may use during :meth:`fit`, :meth:`partial_fit`
        and prediction; the caller's setting is restored afterwards. ``None``
        uses torch's current count, which already follows ``OMP_NUM_THREADS``,
        joblib's and Dask's per-worker limits and ``threadpoolctl``; a number
        only lowers it. A fit or ``partial_fit`` call on the CPU whose
        training steps are too small to gain from a second thread (at most
        2**20 multiply-adds in a step's products and 2**16 activities in its
        layers, for one label a row: up to 32 rows of 25 features, or 64 rows
        of 10, into 1000 units) runs on one thread whatever the limit:
        threads that wait for each other at every operation of such a step
        make it several times slower as soon as another process holds a core.
        Set it to 1 for bit-identical results across machines with different
        core counts, or to share a machine between fits.

    verbose : int, default=0
        When positive, print one line per epoch: the loss, each layer's loss,
        the readout's loss, the validation score with early stopping, and the
        epoch's seconds. With `tqdm <https://tqdm.github.io>`_ installed, an
        epoch that runs longer than two seconds also shows a progress bar (on
        stderr) until it ends. Quiet by default.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the columns of :meth:`predict_proba`.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when ``X`` has string column names.

    n_layers_ : int
        Number of Forward-Forward layers.

    n_iter_ : int
        Epochs trained so far.

    t_ : int
        Training samples seen so far (``n_iter_`` times the rows per epoch).

    loss_curve_ : list of float
        Loss of each epoch, averaged over the layers.

    layer_loss_curves_ : list of list of float
        ``layer_loss_curves_[i][e]`` is layer ``i``'s mean loss in epoch ``e``.

    readout_loss_curve_ : list of float or None
        Cross-entropy of the softmax readout per epoch, when one is trained.

    goodness_scale_ : float or None
        The factor on the summed goodness that gives it, on up to 1,000
        training rows (fewer with many classes), the softmax readout's median
        margin between the best and the second-best label, so that with
        ``prediction="combined"`` neither readout outvotes the other by the
        mere scale of its scores. Fitted at the end of every call to fit
        whenever the network has a softmax readout, whatever ``prediction``
        is, so that a fitted model can switch to ``"combined"``; at the end of
        a call to partial_fit only with ``prediction="combined"`` (``None``
        after a call with another ``prediction``: a call may be a few rows of a
        stream, and every call would pay for scoring its rows under every
        label); with ``prediction="combined"``, also before each
        early-stopping validation score. ``None`` without a softmax readout.

    best_loss_ : float or None
        Lowest epoch loss seen; ``None`` with early stopping.

    validation_scores_ : list of float or None
        Accuracy on the held-out data after each epoch, with early stopping.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, with early stopping.

    network_ : skff._backend.FFNetwork
        The trained torch network.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same kind of network trained by
        backpropagation.
    skff.recipes.hinton_2022 : This estimator set up as Hinton (2022) trains
        it on MNIST.
    skff.recipes.keras_example : This estimator set up as the Keras example.
    skff.recipes.fast_mnist : One wide layer, the fastest to 98% on MNIST.

    References
    ----------
    Hinton, G. (2022). The Forward-Forward Algorithm: Some Preliminary
    Investigations. arXiv:2212.13345.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skff import ForwardForwardClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = ForwardForwardClassifier(max_iter=20, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    """

    # The registries' keys are live views: an entry registered from outside
    # the package is a valid option at once (see "Extending skff").
    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "loss": [StrOptions(LAYER_LOSSES.keys())],
        "symba_alpha": [Interval(Real, 0, None, closed="neither")],
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "goodness": [StrOptions(GOODNESS.keys())],
        "normalization": [StrOptions({"rms", "l2"})],
        "input_normalization": [StrOptions({"global", "row", "homogeneous"})],
        "peer_normalization": [Interval(Real, 0, None, closed="left")],
        "collaboration": [Interval(Real, 0, None, closed="left")],
        "prediction_layers": [StrOptions({"all", "skip_first"}), "array-like"],
        "learning_rate": [StrOptions({"constant", "linear_decay"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "readout_learning_rate_init": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer": [StrOptions({"adam", "adam_keras", "sgd"})],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "readout_weight_decay": [Interval(Real, 0, None, closed="left"), None],
        "training_mode": [StrOptions({"joint", "greedy"})],
        "inner_steps": [Interval(Integral, 1, None, closed="left")],
        "averaging_epochs": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "label_overlay": [StrOptions(OVERLAYS.keys())],
        "label_scale": [Interval(Real, 0, None, closed="neither")],
        "label_forwarding": [StrOptions({"input", "every_layer"})],
        "negatives": [StrOptions(NEGATIVE_SAMPLERS.keys())],
        "prediction": [StrOptions(READOUTS.keys())],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "dtype": [StrOptions({"float32", "float64"})],
        "mixed_precision": [StrOptions(set(MIXED_PRECISIONS)), None],
        "device": [str],
        "cuda_graphs": ["boolean"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(1000,),
        *,
        loss="symba",
        symba_alpha=8.0,
        threshold=4.0,
        goodness="mean_squares",
        normalization="rms",
        input_normalization="homogeneous",
        peer_normalization=0.0,
        collaboration=0.0,
        prediction_layers="all",
        learning_rate="linear_decay",
        learning_rate_init=0.005,
        readout_learning_rate_init=None,
        optimizer="adam",
        momentum=0.9,
        weight_decay=0.0,
        readout_weight_decay=None,
        training_mode="joint",
        inner_steps=1,
        averaging_epochs=0.5,
        batch_size="auto",
        max_iter=30,
        label_overlay="append",
        label_scale=1.0,
        label_forwarding="input",
        negatives="hard",
        prediction="softmax",
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        dtype="float32",
        mixed_precision=None,
        device="cpu",
        cuda_graphs=True,
        n_threads=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.loss = loss
        self.symba_alpha = symba_alpha
        self.threshold = threshold
        self.goodness = goodness
        self.normalization = normalization
        self.input_normalization = input_normalization
        self.peer_normalization = peer_normalization
        self.collaboration = collaboration
        self.prediction_layers = prediction_layers
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.readout_learning_rate_init = readout_learning_rate_init
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.readout_weight_decay = readout_weight_decay
        self.training_mode = training_mode
        self.inner_steps = inner_steps
        self.averaging_epochs = averaging_epochs
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.label_overlay = label_overlay
        self.label_scale = label_scale
        self.label_forwarding = label_forwarding
        self.negatives = negatives
        self.prediction = prediction
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.dtype = dtype
        self.mixed_precision = mixed_precision
        self.device = device
        self.cuda_graphs = cuda_graphs
        self.n_threads = n_threads
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)`` for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; any numeric matrix.
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in every layer's loss; ``None`` weighs all
            equally. Only relative weights matter.

        Returns
        -------
        self : ForwardForwardClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over ``(X, y)``, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, all of them among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every label the model will ever see. Required on the first call,
            ignored (but checked) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample.

        Returns
        -------
        self : ForwardForwardClassifier
            The updated estimator.
        """
        first_call = _check_partial_fit_first_call(self, classes) or not hasattr(
            self, "network_"
        )
        if first_call and len(self.classes_) < 2:
            labels = self.classes_
            del self.classes_
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes, but `classes` "
                f"holds only {len(labels)}: {labels.tolist()}."
            )
        return self._fit(X, y, sample_weight, incremental=True, first_call=first_call)

    def _fit(self, X, y, sample_weight, *, incremental, first_call=None):
        with torch_threads(self.n_threads):
            return self._fit_unlimited(
                X, y, sample_weight, incremental=incremental, first_call=first_call
            )

    def _fit_unlimited(self, X, y, sample_weight, *, incremental, first_call):
        if self.mixed_precision is not None and self.dtype != "float32":
            raise ValueError(
                f"mixed_precision={self.mixed_precision!r} speeds up float32 "
                f"networks; it cannot be combined with dtype={self.dtype!r}. Set "
                "mixed_precision=None or dtype='float32'."
            )
        if first_call is None:
            first_call = not (self.warm_start and hasattr(self, "network_"))
        device = resolve_device(self.device)
        X, y = validate_data(
            self, X, y, reset=first_call, accept_sparse="csr", dtype=self._dtypes_kept()
        )
        X = _network_rows(X, np.dtype(self.dtype), device)
        _check_overlay_takes(X, self.label_overlay)
        check_classification_targets(y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.dtype(self.dtype), ensure_non_negative=True
        )
        if not incremental:
            self._set_classes(y, first_call)
        encoded = self._encode(y)
        sample_weight = sample_weight * self._class_weights(y, incremental)[encoded]
        if not incremental:
            _check_weighted_classes(y, sample_weight)

        if device.type == "cpu":
            keep_freed_memory_for_reuse()
        if first_call:
            self._initialise(X.shape[1], device, sparse_input=sp.issparse(X))
        else:
            self._continue_on(device)

        X_val = y_val = None
        if self.early_stopping and not incremental:
            _check_validation_split(encoded, self.validation_fraction)
            X, X_val, encoded, y_val, sample_weight, _ = train_test_split(
                X,
                encoded,
                sample_weight,
                test_size=self.validation_fraction,
                stratify=encoded,
                random_state=self._random_state.randint(np.iinfo(np.int32).max),
            )
        fit_task = self._init_callback_context(
            max_subtasks=1 if incremental else self.max_iter
        )
        task = dict(X=X, y=lambda: self.classes_[encoded], metadata=None)
        fit_task.call_on_fit_task_begin(estimator=self, **task)
        with (
            matmul_precision(self.mixed_precision, device.type),
            torch_threads(self._fit_thread_limit(X.shape[0], device)),
        ):
            self._run_epochs(
                X,
                encoded,
                sample_weight,
                X_val,
                y_val,
                incremental,
                device,
                fit_task,
                task,
            )
            if incremental and self.prediction != "combined":
                # A partial_fit call may be a few rows of a stream: refitting
                # the scale would cost it a scoring under every label, for a
                # readout it does not use. A stale scale would mislead.
                self.goodness_scale_ = None
            else:
                self._fit_goodness_scale(X)
        fit_task.call_on_fit_task_end(
            estimator=self, **task, reconstruction_attributes={}
        )
        return self

    def _dtypes_kept(self):
        """The float types validation keeps data in (see :func:`_network_rows`)."""
        return [np.float32, np.float64] if self.dtype == "float32" else np.float64

    def _batch_rows(self, n_rows):
        """Rows per training batch on ``n_rows`` rows."""
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = auto_batch_size(n_rows)
        return min(batch_size, n_rows)

    def _fit_thread_limit(self, n_rows, device):
        """One thread for a fit on ``n_rows`` rows on the CPU whose steps are
        too small to gain from more (see ``n_threads``), else no limit beyond
        the caller's."""
        if device.type != "cpu":
            return None
        rows, network = self._batch_rows(n_rows), self.network_
        return step_thread_limit(
            rows * network.multiply_adds_per_row(),
            rows * network.activities_per_row(),
        )

    def _set_classes(self, y, first_call):
        labels = unique_labels(y)
        if first_call:
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: {labels[0]!r}."
                )
            self.classes_ = labels
        elif not np.array_equal(labels, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{labels}."
            )

    def _class_weights(self, y, incremental):
        """The weight of each class of ``classes_``, from ``class_weight``."""
        if self.class_weight == "balanced" and incremental:
            raise ValueError(
                "class_weight='balanced' needs the whole y, which partial_fit does "
                "not see. Pass a dict instead, e.g. from sklearn.utils.class_weight."
                "compute_class_weight('balanced', classes=classes, y=y)."
            )
        if not self.class_weight:
            # What compute_class_weight gives, without its pass over y, which
            # _encode has checked against classes_ already.
            return np.ones(len(self.classes_), dtype=np.dtype(self.dtype))
        weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        return weights.astype(np.dtype(self.dtype))

    def _encode(self, y):
        unknown = np.setdiff1d(_labels_of(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}. Pass every label in `classes` on the first "
                "call to partial_fit."
            )
        return np.searchsorted(self.classes_, y)

    def _initialise(self, n_features, device, sparse_input):
        architecture = architecture_of(self)
        hidden_layer_sizes = architecture.hidden_layer_sizes
        self._random_state = check_random_state(self.random_state)
        self.network_ = FFNetwork(
            n_features=n_features,
            n_classes=len(self.classes_),
            **flat(architecture, hyperparameters_of(self)),
            seed=self._random_state.randint(np.iinfo(np.int32).max),
            device=device,
            dtype=getattr(torch, self.dtype),
            sparse_input=sparse_input,
        )
        self.n_layers_ = len(hidden_layer_sizes)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.layer_loss_curves_ = [[] for _ in hidden_layer_sizes]
        self.readout_loss_curve_ = [] if self.network_.readout is not None else None
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.best_validation_score_ = None
        self._no_improvement_count = 0

    def _continue_on(self, device):
        """Check that training can go on from the fitted network, and set it up.

        The settings of ``hyperparameters_of`` may change between
        calls; the shape of the network and its training scheme may not.
        """
        network = self.network_
        fitted = flat(network.architecture)
        changed = [
            f"{name}={value!r} (fitted with {fitted[name]!r})"
            for name, value in flat(architecture_of(self)).items()
            if fitted[name] != value
        ]
        fitted_dtype = str(network.dtype).removeprefix("torch.")
        if fitted_dtype != self.dtype:
            changed.append(f"dtype={self.dtype!r} (fitted with {fitted_dtype!r})")
        if changed:
            raise ValueError(
                "Cannot continue training with different settings: "
                + ", ".join(changed)
                + ". Set warm_start=False to train a new network instead."
            )
        if network.device != device:
            network.to(device)
        network.set_hyperparameters(hyperparameters_of(self))

    def _run_epochs(
        self, X, y, sample_weight, X_val, y_val, incremental, device, fit_task, task
    ):
        """Train up to ``max_iter`` epochs (one for ``partial_fit``), each a
        subtask of ``fit_task`` for the callbacks, which see ``task``."""
        network = self.network_
        mean_weight = sample_weight.mean()
        # Only relative weights matter: a batch's loss is the mean of weight x loss.
        sample_weight = sample_weight / (mean_weight if mean_weight > 0 else 1.0)
        data = [to_tensor(array, device) for array in (X, y, sample_weight)]
        training_rows = network.training_rows(data[0])
        batch_size = self._batch_rows(X.shape[0])
        early_stopping = X_val is not None
        self._start_stopping_criterion(early_stopping)

        finished = None
        best = network.snapshot() if early_stopping else None
        converged = False
        with StopOnInterrupt() as stop_requested:
            for epoch in range(1 if incremental else self.max_iter):
                # Where an interruption or a divergence in this epoch goes back
                # to; taken here, not after each epoch, so that the last epoch
                # (a partial_fit call's only one) takes none it would not use.
                finished = network.snapshot(reuse=finished)
                started = time.perf_counter()
                epoch_task = fit_task.subcontext(task_name="epoch")
                epoch_task.call_on_fit_task_begin(estimator=self, **task)
                # partial_fit knows no horizon: it keeps the full rate.
                factor = learning_rate_factor(
                    "constant" if incremental else self.learning_rate,
                    epoch,
                    self.max_iter,
                )
                network.scale_learning_rate(factor)
                try:
                    with epoch_progress(
                        self.verbose, X.shape[0], self.n_iter_ + 1
                    ) as advance:
                        losses = network.train_epoch(
                            training_rows,
                            *data[1:],
                            batch_size,
                            stop_requested,
                            on_batch=advance,
                            cuda_graphs=self.cuda_graphs,
                        )
                except KeyboardInterrupt:
                    network.restore(finished)
                    raise
                if losses is None:
                    network.restore(finished)
                    warnings.warn(
                        f"Training interrupted in epoch {self.n_iter_ + 1}: the model "
                        f"keeps the weights of the last finished epoch ({self.n_iter_})"
                        ". Call fit (with warm_start=True) or partial_fit to go on.",
                        UserWarning,
                        stacklevel=6,
                    )
                    return
                if not (
                    np.all(np.isfinite(losses)) and network.parameters_are_finite()
                ):
                    self._diverged(finished)
                self._record_epoch(losses, X.shape[0])
                if early_stopping:
                    if self.prediction == "combined":
                        self._fit_goodness_scale(X)
                    score = float(np.mean(self._scores(X_val).argmax(axis=1) == y_val))
                    if score > self.best_validation_score_:
                        best = network.snapshot(reuse=best)
                    improved = self._record_validation_score(score)
                else:
                    improved = self._record_loss(self.loss_curve_[-1])
                self._no_improvement_count = (
                    0 if improved else self._no_improvement_count + 1
                )
                if self.verbose:
                    print_epoch(self, time.perf_counter() - started)
                if epoch_task.call_on_fit_task_end(
                    estimator=self,
                    **task,
                    reconstruction_attributes=lambda: self._fitted_as_of_now(data[0]),
                ):
                    converged = True  # a callback asked to stop: no warning
                    break
                if self._no_improvement_count > self.n_iter_no_change:
                    converged = True
                    print_convergence(self, early_stopping)
                    break
        if early_stopping:
            network.restore(best)
        if not (incremental or converged or self.learning_rate == "linear_decay"):
            warnings.warn(
                f"Forward-Forward training: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=6,  # the caller of fit, past _fit_context
            )

    def _fitted_as_of_now(self, X):
        """The fitted attributes that make a copy of this estimator predict as
        if training stopped now, for callbacks that score or keep it: a copy of
        the network, which training goes on changing, and the combined
        readout's scale on the training rows ``X`` (a tensor) when it predicts."""
        network = copy.deepcopy(self.network_)
        scale = None
        if self.prediction == "combined":
            scale = _combined_scale(network, X)
        return {"network_": network, "goodness_scale_": scale}

    def _start_stopping_criterion(self, early_stopping):
        if early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf
        self._no_improvement_count = 0

    def _record_validation_score(self, score):
        self.validation_scores_.append(score)
        improved = score >= self.best_validation_score_ + self.tol
        self.best_validation_score_ = max(self.best_validation_score_, score)
        return improved

    def _record_loss(self, loss):
        improved = loss <= self.best_loss_ - self.tol
        self.best_loss_ = min(self.best_loss_, loss)
        return improved

    def _diverged(self, finished):
        if self.n_iter_:
            self.network_.restore(finished)
            outcome = (
                f"The model keeps the weights of epoch {self.n_iter_}, the last "
                "finite one."
            )
        else:
            del self.network_
            outcome = "The model was left unfitted."
        raise ValueError(
            f"Forward-Forward training diverged in epoch {self.n_iter_ + 1}: the "
            "loss or the weights became NaN or infinite. Lower learning_rate_init "
            f"(now {self.learning_rate_init}) or scale the features (e.g. with "
            f"StandardScaler). {outcome}"
        )

    def _record_epoch(self, losses, n_samples):
        self.n_iter_ += 1
        self.t_ += n_samples
        layer_losses = losses[: self.n_layers_]
        for curve, loss in zip(self.layer_loss_curves_, layer_losses):
            curve.append(loss)
        self.loss_curve_.append(float(np.mean(layer_losses)))
        if self.readout_loss_curve_ is not None:
            self.readout_loss_curve_.append(losses[-1])

    # --------------------------------------------------------------- prediction
    def _fit_goodness_scale(self, X):
        """Fit ``goodness_scale_``, the one number the combined readout learns
        from the training rows, whenever the network has the softmax head that
        readout also reads: ``prediction`` can then be switched between the
        readouts of a fitted model."""
        network = self.network_
        self.goodness_scale_ = None
        if network.readout is not None:
            self.goodness_scale_ = _combined_scale(
                network, to_tensor(X, network.device)
            )

    def _scores(self, X):
        """Per-class scores as a float64 array ``(n_samples, n_classes)``."""
        network = self.network_
        readout = READOUTS[self.prediction]()
        if readout.needs_softmax_head and network.readout is None:
            raise ValueError(
                f"prediction={self.prediction!r} needs the softmax readout, "
                "which is trained only when prediction is 'softmax' or "
                "'combined' or negatives='hard' at fit time. Refit the model."
            )
        scale = getattr(self, "goodness_scale_", None)
        if self.prediction == "combined" and scale is None:
            raise ValueError(
                "prediction='combined' needs goodness_scale_, which this model "
                "lacks: partial_fit fits it only with prediction='combined', and "
                "models saved before skff fitted it for every model with a softmax "
                "readout lack it. Call fit, or partial_fit on the next rows, with "
                "prediction='combined'."
            )
        X_t = to_tensor(X, network.device)
        scores = to_numpy(readout.scores(network, X_t, scale))
        if not np.isfinite(scores).all():
            raise ValueError(
                "The network produced NaN or infinite scores: its weights are too "
                "large for these inputs. Refit with a lower learning_rate_init."
            )
        return scores

    def _predicting(self, X, compute):
        """``compute(X)`` on validated ``X``, under the thread limit and matmul
        precision of a prediction."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=self._dtypes_kept()
        )
        X = _network_rows(X, np.dtype(self.dtype), self.network_.device)
        with torch_threads(self.n_threads):
            with matmul_precision(self.mixed_precision, self.network_.device.type):
                return compute(X)

    def decision_function(self, X):
        """Per-class scores: summed goodness (times ``symba_alpha`` with
        ``loss="symba"``), readout logits, or with ``prediction="combined"``
        the sum of both readouts' log-probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Score of each class, in ``classes_`` order; for two classes, the score
            of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        scores = self._predicting(X, self._scores)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X):
        """Predict the class of each sample: the label with the highest score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the same type as the training labels.
        """
        scores = self._predicting(X, self._scores)
        return self.classes_[scores.argmax(axis=1)]

    def predict_proba(self, X):
        """Class probabilities: the softmax of :meth:`decision_function`'s scores.

        With goodness prediction and ``loss="threshold"``,
        ``sigmoid(goodness - threshold)`` is each layer's probability that the
        sample is positive data, so the softmax of the summed goodness treats
        the label as the one that makes the sample positive. With
        ``loss="symba"``, the scores are the summed goodness times
        ``symba_alpha``: the loss takes ``sigmoid(symba_alpha * (g_a - g_b))``
        as the probability that label ``a`` rather than ``b`` is the true one.
        With ``prediction="combined"``, the product of the readout's and the
        goodness's probabilities, normalised.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return softmax(self._predicting(X, self._scores))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities; columns follow ``classes_``.
        """
        return _log_softmax(self._predicting(X, self._scores))

    def layer_goodness(self, X):
        """Goodness of every layer for every sample under every candidate label.

        What the network "sees": a well-trained layer's goodness is high under the
        right label and low under the others. Summed over the layers in
        ``prediction_layers``, these are the scores of ``prediction="goodness"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to inspect.

        Returns
        -------
        goodness : ndarray of shape (n_samples, n_classes, `n_layers_`)
            ``goodness[i, k, l]`` is layer ``l``'s goodness for sample ``i`` with
            label ``classes_[k]`` overlaid.
        """
        return self._inspect(X, lambda network, X_t: network.layer_goodness(X_t))

    def layer_activities(self, X):
        """Every layer's activity for each sample under the neutral label.

        The neutral label (``1 / n_classes`` in every label slot) is what the
        softmax readout sees.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples to inspect.

        Returns
        -------
        activities : list of ndarray of shape (n_samples, n_units)
            One array per layer, ``hidden_layer_sizes[l]`` units wide.
        """
        return self._inspect(X, lambda network, X_t: network.neutral_activities(X_t))

    def layer_accuracy(self, X, y):
        """How well each layer predicts ``y``, alone and with the layers below it.

        By goodness: the label whose overlay gives a layer (or the sum over
        the layers up to it) the highest goodness. By the readout: the softmax
        readout's logits restricted to a layer's features (or to those of the
        prediction layers up to it) and its bias; the readout is linear, so
        these parts sum to its logits, and the last cumulative value is the
        accuracy of ``prediction="softmax"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples, e.g. held-out data.
        y : array-like of shape (n_samples,)
            Their labels, among ``classes_``.

        Returns
        -------
        accuracy : :class:`~sklearn.utils.Bunch`
            Arrays of shape (`n_layers_`,): ``goodness_alone``,
            ``goodness_cumulative``, and, for a model with a softmax readout,
            ``readout_alone`` and ``readout_cumulative`` (NaN for a layer
            outside ``prediction_layers``, which the readout does not read;
            ``None`` without a readout).
        """
        check_is_fitted(self)
        y = column_or_1d(y)
        check_consistent_length(X, y)
        target = self._encode(y)

        def scores(network, X_t):  # X validated once, for both readouts
            if network.readout is None:
                return [network.layer_goodness(X_t)]
            return [network.layer_goodness(X_t), network.readout_logits_by_layer(X_t)]

        goodness, *readout_parts = self._inspect(X, scores)

        def accuracy(scores):
            return np.mean(scores.argmax(axis=1) == target[:, None], axis=0)

        result = Bunch(
            goodness_alone=accuracy(goodness),
            goodness_cumulative=accuracy(goodness.cumsum(axis=2)),
            readout_alone=None,
            readout_cumulative=None,
        )
        if readout_parts:
            (parts,) = readout_parts
            bias = to_numpy(self.network_.readout.bias.detach())[None, :, None]
            layers = list(self.network_.prediction_layers)
            result.readout_alone = np.full(self.n_layers_, np.nan)
            result.readout_cumulative = np.full(self.n_layers_, np.nan)
            result.readout_alone[layers] = accuracy(parts + bias)
            result.readout_cumulative[layers] = accuracy(parts.cumsum(axis=2) + bias)
        return result

    def _inspect(self, X, compute):
        """``compute(network, X)``'s tensors, on validated ``X``, as float64 NumPy."""

        def on_network(X):
            network = self.network_
            result = compute(network, to_tensor(X, network.device))
            if isinstance(result, list):
                return [to_numpy(tensor) for tensor in result]
            return to_numpy(result)

        return self._predicting(X, on_network)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "network_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        tags.input_tags.sparse = True
        return tags


def _labels_of(y):
    """The sorted distinct labels of validated targets ``y``: ``np.unique``, or
    scikit-learn's ``unique_labels``, which names the problem, where labels of
    different types cannot be sorted together."""
    try:
        return np.unique(y)
    except TypeError:
        return unique_labels(y)


def _network_rows(X, dtype, device):
    """Validated ``X`` as the network reads it: C-ordered rows of ``dtype``.

    Except that a float32 network on the CPU reads dense, writeable,
    C-ordered float64 data as they are: its first layer rounds them to float32
    a block of rows at a time as it reads them, which gives the values a
    float32 copy would, without that copy (half the data's size). Read-only
    data (a memmap) would have to be copied for torch anyway, and on a GPU
    float32 data take half the device's memory.
    """
    if X.dtype == dtype:
        return X if sp.issparse(X) else np.ascontiguousarray(X)
    _check_fits_dtype(X.data if sp.issparse(X) else X, dtype)
    if sp.issparse(X):
        return X.astype(dtype)
    if device.type == "cpu" and X.flags.writeable and X.flags.c_contiguous:
        return X
    return np.ascontiguousarray(X, dtype=dtype)


def _check_fits_dtype(values, dtype):
    """Raise validation's error where a value of ``values`` rounds to an
    infinity in the narrower ``dtype``."""
    if not values.size:
        return
    with np.errstate(over="ignore"):
        extremes = np.array([values.min(), values.max()]).astype(dtype)
    if not np.isfinite(extremes).all():
        raise ValueError(
            f"Input X contains infinity or a value too large for {dtype!r}."
        )


def _combined_scale(network, X):
    """The goodness scale the combined readout fits on the rows ``X`` (a
    tensor), for a network with a softmax head."""
    return READOUTS["combined"]().fit(network, X)


def _check_overlay_takes(X, label_overlay):
    if sp.issparse(X) and label_overlay == "replace":
        raise ValueError(
            "label_overlay='replace' writes the label over the first features, "
            "which sparse X does not store. Use label_overlay='append' (the "
            "default) or pass X as a dense array."
        )


def _check_weighted_classes(y, sample_weight):
    weighted = unique_labels(y[sample_weight > 0]) if np.any(sample_weight > 0) else []
    if len(weighted) < 2:
        raise ValueError(
            "Forward-Forward needs samples of at least 2 classes with a positive "
            f"sample_weight, but only {len(weighted)} class has one."
        )


def _check_validation_split(encoded, validation_fraction):
    """Say why early stopping's stratified hold-out cannot be drawn, if it cannot."""
    counts = np.bincount(encoded)
    counts = counts[counts > 0]
    n_rows, n_classes = len(encoded), len(counts)
    n_validation = math.ceil(validation_fraction * n_rows)
    if min(n_validation, n_rows - n_validation) < n_classes:
        raise ValueError(
            f"early_stopping=True holds out validation_fraction={validation_fraction} "
            f"of the {n_rows} training rows ({n_validation} rows), stratified by "
            f"class, and trains on the rest; each part needs a row of every one of "
            f"the {n_classes} classes. Set validation_fraction so that both parts "
            f"have at least {n_classes} rows, or early_stopping=False."
        )
    if counts.min() < 2:
        raise ValueError(
            "early_stopping=True holds out a validation set stratified by class, "
            "which needs at least 2 rows of every class, but a class has only "
            "1. Set early_stopping=False, or give every class 2 rows or more."
        )


def _log_softmax(scores):
    """Row-wise log-softmax of a float array, computed stably."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
