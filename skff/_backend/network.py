"""The stack of Forward-Forward layers, its training step and its label scores."""

from contextlib import nullcontext
from itertools import repeat

import numpy as np
import torch

from . import scoring
from .averaging import WeightAverage, decay_per_step
from .config import SETTINGS_OF_OLDER_NETWORKS, flat, split_settings
from .first_layer import LabelledFirstLayer, PreparedRows, prepare_training_rows
from .graphs import WARMUP_STEPS, capture_step, replay_pays_off, side_stream
from .layer import (
    GLOBAL,
    NEUTRAL,
    FFLayer,
    collaborative_shares,
    set_gradient,
    unit_rms_scale,
)
from .negatives import NEGATIVE_SAMPLERS
from .optim import make_optimizer, step_together
from .overlay import make_overlay
from .readouts import SoftmaxHead
from .sparse import is_sparse

# The most memory (bytes) that training spends on a copy of the data prepared
# for the first layer once per fit, which saves a dozen small operations a step.
PREPARED_ROWS_MAX_BYTES = 2**29


class FFNetwork:
    """Forward-Forward layers, each with its own optimizer, plus an optional readout.

    No gradient crosses layers: each layer's loss reaches only its own weights.
    Training writes every gradient out by hand (see :meth:`_train_step`), so no
    gradient with respect to any layer's input is ever computed.

    Parameters
    ----------
    n_features, n_classes : int
        Width of the data and number of labels.
    hidden_layer_sizes : sequence of int
        Width of each layer.
    overlay : {"append", "replace"}
        How the label enters the first layer (see :mod:`.overlay`).
    label_scale : float
        Strength of the label code.
    label_forwarding : {"input", "every_layer"}
        Where the label enters: the first layer's input only, or also every
        later layer through a projection of its own (FFCL, see
        :class:`FFLayer`).
    goodness, threshold, loss, symba_alpha
        Passed to every :class:`FFLayer` (``symba_alpha`` as its ``alpha``).
    normalization : {"rms", "l2"}
        How every layer normalises its input (see :class:`FFLayer`).
    input_normalization : {"global", "row", "homogeneous"}
        How the first layer scales the data: ``"row"`` as every other layer
        (``normalization``); ``"global"``, by one constant fitted on the first
        training data, so that the length of a row reaches the layer; or
        ``"homogeneous"``, as every other layer after appending to each row a
        constant input (the first training data's root mean square), which
        keeps the row's length in the normalised row.
    negatives : {"random", "hard", "shuffle", "all"}
        How labels are drawn for the negative data (see :mod:`.negatives`).
    softmax_readout : bool
        Train a linear softmax head on the layers' neutral-label activities. Needed
        by hard negatives and by softmax prediction.
    prediction_layers : sequence of int
        Indices of the layers whose goodness is summed for prediction and whose
        activity feeds the readout.
    optimizer : {"adam", "adam_keras", "sgd"}
        See :mod:`.optim`.
    learning_rate : float
    readout_learning_rate : float or None
        Learning rate of the readout; ``None`` for ``learning_rate``.
    momentum : float
        Momentum of SGD; unused by Adam.
    weight_decay : float
        L2 penalty on the weights (not the biases) of every layer and the readout.
    peer_normalization : float
        Weight of the peer-normalisation term in every layer's loss.
    collaboration : float
        Weight of the other layers' goodness in each layer's loss (see
        :func:`~.layer.collaborative_shares`); ``0``: each layer alone. Joint
        training only.
    training_mode : {"joint", "greedy"}
        ``"joint"``: every layer steps once per optimizer step, on the same
        forward pass. ``"greedy"``: the first layer takes all its steps on a
        batch, then the next layer learns on its updated output, and so on.
    inner_steps : int
        Optimizer steps each layer takes on every batch.
    seed : int
        Seeds this network's own ``torch.Generator``; the global seed is untouched.
    sparse_input : bool, default=False
        Lay the first layer's weights out for sparse data (see
        :class:`~.sparse.SparseRows`); any data still works with either layout.
    device, dtype
        Where and in which precision the weights live.
    """

    def __init__(
        self,
        *,
        n_features,
        n_classes,
        seed,
        device,
        dtype=torch.float32,
        sparse_input=False,
        **settings,
    ):
        self.architecture, self.hyperparameters = split_settings(settings)
        shape = self.architecture
        self._identity = dict(
            n_features=n_features,
            n_classes=n_classes,
            seed=seed,
            sparse_input=sparse_input,
        )
        self.device = torch.device(device)
        self.dtype = dtype
        self.n_classes = n_classes
        self.sample_negatives = NEGATIVE_SAMPLERS[shape.negatives]()
        self.overlay = make_overlay(
            shape.overlay, n_features, n_classes, shape.label_scale
        )
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        init_generator = torch.Generator().manual_seed(seed)

        homogeneous = shape.input_normalization == "homogeneous"
        widths = [self.overlay.n_inputs + homogeneous, *shape.hidden_layer_sizes]
        # A tuple, not an nn.ModuleList: the network is no module, and a
        # ModuleList builds a new ModuleList for every slice, a cost every
        # training step paid several times.
        self.layers = tuple(
            FFLayer(
                n_in,
                n_out,
                goodness=shape.goodness,
                threshold=self.hyperparameters.threshold,
                normalization=(
                    GLOBAL
                    if index == 0 and shape.input_normalization == "global"
                    else shape.normalization
                ),
                generator=init_generator,
                loss=self.hyperparameters.loss,
                alpha=self.hyperparameters.symba_alpha,
                device=self.device,
                dtype=dtype,
                n_labels=n_classes if index == 0 else 0,
                forwarded_labels=(
                    n_classes
                    if index and shape.label_forwarding == "every_layer"
                    else 0
                ),
                constant_input=homogeneous and index == 0,
                input_major=sparse_input and index == 0,
            )
            for index, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:]))
        )
        self.readout = None
        if shape.softmax_readout:
            n_read = sum(shape.hidden_layer_sizes[i] for i in self.prediction_layers)
            self.readout = SoftmaxHead(
                n_read, n_classes, device=self.device, dtype=dtype
            )
        self.optimizers = [
            make_optimizer(
                shape.optimizer, module, rate, self.hyperparameters.momentum, decay
            )
            for module, rate, decay in zip(
                self._modules(), self._learning_rates(), self._weight_decays()
            )
        ]
        self._parameters = [
            parameter for module in self._modules() for parameter in module.parameters()
        ]
        # With averaging, the layers hold the moving average of their weights
        # between epochs, and this the weights training goes on from.
        self.weight_average = None
        # Whether a short scoring block gives a full block's bits, by scorer
        # and height (see scoring.short_block): this machine's, never saved.
        self.short_block_checks = {}

    @property
    def prediction_layers(self):
        """Indices of the layers summed for goodness and read by the readout."""
        return self.architecture.prediction_layers

    @property
    def config(self):
        """Every setting, flat: ``n_features``, ``n_classes``, ``seed``,
        ``sparse_input`` and the fields of :attr:`architecture` and
        :attr:`hyperparameters`."""
        return {**self._identity, **flat(self.architecture, self.hyperparameters)}

    # ------------------------------------------------------------------ training
    def set_hyperparameters(self, hyperparameters):
        """Change what may change between two calls to fit (a
        :class:`~.config.Hyperparameters`): no shape, no state."""
        self.hyperparameters = settings = hyperparameters
        for layer in self.layers:
            layer.set_loss(
                settings.loss, threshold=settings.threshold, alpha=settings.symba_alpha
            )
        self.scale_learning_rate(1.0)
        for optimizer, decay in zip(self.optimizers, self._weight_decays()):
            for group in optimizer.param_groups:
                if "momentum" in group:
                    group["momentum"] = settings.momentum
                if group["decayed"]:
                    group["weight_decay"] = decay

    def scale_learning_rate(self, factor):
        """Set every optimizer's rate to ``factor`` times the configured one."""
        for optimizer, rate in zip(self.optimizers, self._learning_rates()):
            for group in optimizer.param_groups:
                group["lr"] = rate * factor

    @property
    def logit_scale(self):
        """The factor on summed goodness that gives logits: the layer loss's."""
        return self.layers[0].layer_loss.logit_scale

    def _learning_rates(self):
        """The configured rate of each optimizer: the layers', then the readout's."""
        rate = self.hyperparameters.learning_rate
        readout_rate = self.hyperparameters.readout_learning_rate or rate
        return [rate] * len(self.layers) + [readout_rate] * (self.readout is not None)

    def _weight_decays(self):
        """The weight decay of each optimizer: the layers', then the readout's."""
        decay = self.hyperparameters.weight_decay
        readout_decay = self.hyperparameters.readout_weight_decay
        readout_decay = decay if readout_decay is None else readout_decay
        return [decay] * len(self.layers) + [readout_decay] * (self.readout is not None)

    def _fit_global_scale(self, X):
        """Fit the first layer's constant of the data (see
        :meth:`~.layer.FFLayer.fit_global_scale`) on ``X``, the first training
        data it sees, if it has none yet."""
        first = self.layers[0]
        if first.needs_global_scale:
            first.fit_global_scale(self.overlay.features(X))

    def training_rows(self, X):
        """``X`` as :meth:`train_epoch` reads it fastest: the first layer's
        input prepared once for every epoch of a fit (a
        :class:`~.first_layer.PreparedRows`), where that copy of the data takes
        at most ``PREPARED_ROWS_MAX_BYTES``; else ``X`` itself, each batch then
        prepared as it comes.
        """
        self._fit_global_scale(X)
        first = self.layers[0]
        if not is_sparse(X):
            copy_bytes = len(X) * (first.n_inputs + 2) * self.dtype.itemsize
            if copy_bytes > PREPARED_ROWS_MAX_BYTES:
                return X
        return prepare_training_rows(first, self.overlay, X)

    def train_epoch(
        self,
        X,
        y,
        sample_weight,
        batch_size,
        stop_requested=None,
        on_batch=None,
        cuda_graphs=False,
    ):
        """One pass over ``(X, y)`` in shuffled minibatches. ``X`` is the data
        or its :meth:`training_rows`.

        ``on_batch(n_rows)``, if given, is called after each batch (for progress
        bars; it receives no tensor, so it forces no host synchronisation).
        ``cuda_graphs``: on a CUDA device, capture the step after a few eager
        ones and replay it for the remaining full batches (see
        :mod:`~skff._backend.graphs`).

        Returns the mean loss of each layer (and of the readout, last, if any) as
        a list of floats: the only host synchronisation of the epoch. Returns
        ``None`` if ``stop_requested()`` turned true after some batch, leaving
        the epoch unfinished.
        """
        if not isinstance(X, PreparedRows):  # prepared rows were fitted on
            self._fit_global_scale(X)
        n_samples = len(X)
        order = torch.randperm(n_samples, generator=self.generator, device=self.device)
        n_losses = len(self.optimizers)
        loss_sums = torch.zeros(n_losses, dtype=torch.float64, device=self.device)

        def step(batch):
            losses = self._train_step(X[batch], y[batch], sample_weight[batch])
            loss_sums.add_(losses, alpha=batch.shape[0])  # summed in float64

        n_full = n_samples // batch_size
        replaying = cuda_graphs and replay_pays_off(
            self.device, self.optimizers, n_full
        )
        replay = None
        averaging_decay = self._start_averaging(n_samples, batch_size)
        average = self.weight_average
        with average.training() if average is not None else nullcontext():
            for index, start in enumerate(range(0, n_samples, batch_size)):
                if replaying and index == WARMUP_STEPS:
                    replay = capture_step(
                        step, order, start, batch_size, self.generator, self.optimizers
                    )
                if replay is not None and index < n_full:
                    replay()
                else:
                    warming_up = replaying and index < WARMUP_STEPS
                    with side_stream(self.device) if warming_up else nullcontext():
                        step(order[start : start + batch_size])
                if average is not None:
                    average.update(averaging_decay)
                if on_batch is not None:
                    on_batch(min(batch_size, n_samples - start))
                if stop_requested is not None and stop_requested():
                    return None
        return (loss_sums / n_samples).tolist()

    def _start_averaging(self, n_samples, batch_size):
        """Set up the weight average for an epoch of ``n_samples`` rows: start
        one if there is none, or, without averaging, let the one kept so far
        go (the layers take back the weights they train on). Returns the
        average's decay per step, whose horizon is ``averaging_epochs`` such
        epochs, or ``None`` without averaging."""
        averaging_epochs = self.hyperparameters.averaging_epochs
        if not averaging_epochs:
            if self.weight_average is not None:
                self.weight_average.release()
                self.weight_average = None
            return None
        if self.weight_average is None:
            self.weight_average = WeightAverage.start(self._parameters)
        return decay_per_step(averaging_epochs, -(-n_samples // batch_size))

    @torch.no_grad()
    def _train_step(self, X, y, sample_weight):
        """One batch: a readout step, then ``inner_steps`` steps of every layer.

        Every gradient is written out (no autograd): a layer's loss reaches only
        its own weights, so each needs one product for its weights' gradient and
        none for its input's, and the step is a few dozen tensor operations.

        Returns each layer's loss (averaged over its inner steps, each taken
        before its update) and the readout's, in one 1-d tensor.
        """
        first = LabelledFirstLayer(self.layers[0], self.overlay, X)
        logits = None
        readout_loss = []
        if self.readout is not None:
            logits, loss = self._readout_gradients(first, y, sample_weight)
            readout_loss = [loss]
        negative_labels = self.sample_negatives(
            labels=y, n_classes=self.n_classes, logits=logits, generator=self.generator
        )
        labels = torch.cat([y.unsqueeze(0), negative_labels.view(-1, y.shape[0])])
        if self.hyperparameters.training_mode == "greedy":
            if readout_loss:
                self.optimizers[-1].step()
            layer_losses = self._greedy_steps(first, labels, sample_weight)
        else:
            layer_losses = self._joint_steps(first, labels, sample_weight)
        return torch.stack(layer_losses + readout_loss)

    def _readout_gradients(self, first, y, sample_weight):
        """The readout's cross-entropy on the layers' neutral activities, and its
        gradients; returns the logits (before the update) and the loss."""
        features = self._neutral_features(first)
        logits = self.readout.forward(features)  # no module hooks to run
        log_probabilities = torch.log_softmax(logits, dim=1)
        true = y.unsqueeze(1)
        loss = -(log_probabilities.gather(1, true).squeeze(1) * sample_weight).mean()
        # d loss / d logits = (softmax - one-hot) * weight / n
        d_logits = log_probabilities.exp_()
        d_logits.scatter_(1, true, d_logits.gather(1, true) - 1)
        d_logits.mul_((sample_weight / y.shape[0]).unsqueeze(1))
        set_gradient(self.readout.weight, d_logits.T @ features)
        set_gradient(self.readout.bias, d_logits.sum(dim=0))
        return logits, loss

    def _joint_steps(self, first, labels, sample_weight):
        """Every layer steps on the same forward pass, ``inner_steps`` times.

        The readout's optimizer joins the layers' first step. Nothing the layers
        compute depends on the readout's weights (the negatives were drawn from
        its logits before any update), so this is the same step as the
        readout's on its own.
        """
        layer_optimizers = self.optimizers[: len(self.layers)]
        n_steps = self.hyperparameters.inner_steps
        total = None
        for step in range(n_steps):
            if step:
                first.reproject()
            passes = self._passes(
                first.for_labels_and_measure(labels), labels=labels.view(-1)
            )
            scored = repeat(None)
            if self.hyperparameters.collaboration and len(self.layers) > 1:
                # Every layer's goodness is needed before any layer's loss.
                passes = list(passes)
                scored = self._collaborative_goodness(passes, len(sample_weight))
            losses = [
                self._layer_gradients(index, first, layer_pass, sample_weight, goodness)
                for index, ((_, layer_pass), goodness) in enumerate(zip(passes, scored))
            ]
            step_together(self.optimizers if step == 0 else layer_optimizers)
            total = losses if total is None else [a + b for a, b in zip(total, losses)]
        return total if n_steps == 1 else [loss / n_steps for loss in total]

    def _greedy_steps(self, first, labels, sample_weight):
        """Layer after layer: all of a layer's steps, then its output moves up."""
        losses = []
        below = None
        for index, optimizer in enumerate(self.optimizers[: len(self.layers)]):
            total = 0.0
            for step in range(self.hyperparameters.inner_steps):
                if index == 0 and step:
                    first.reproject()
                layer_pass = self._layer_pass(index, first, labels, below)
                loss = self._layer_gradients(index, first, layer_pass, sample_weight)
                optimizer.step()
                total = total + loss
            losses.append(total / self.hyperparameters.inner_steps)
            if index == 0:
                first.reproject()
            below = self._layer_pass(index, first, labels, below)
        return losses

    def _layer_pass(self, index, first, labels, below):
        """Layer ``index``'s pass, given the pass of the layer below."""
        if index == 0:
            return first.for_labels_and_measure(labels)
        return self.layers[index].forward_and_measure(
            below.activity, below.sum_squares, labels.view(-1)
        )

    def _collaborative_goodness(self, passes, n_rows):
        """The goodness each layer's loss reads on ``passes`` under
        collaboration: its own plus its share of the others', one
        ``(n_copies, n_rows)`` tensor per layer, each goodness computed once."""
        goodness = [
            layer.goodness(layer_pass.activity, layer_pass.sum_squares).view(-1, n_rows)
            for layer, layer_pass in passes
        ]
        settings = self.hyperparameters
        shares = collaborative_shares(
            goodness, settings.threshold, settings.collaboration
        )
        return [own + share for own, share in zip(goodness, shares)]

    def _layer_gradients(self, index, first, layer_pass, sample_weight, goodness=None):
        """Set layer ``index``'s gradients from its own loss on ``layer_pass``
        (positive rows first, then negative), reading ``goodness`` if given
        (else the layer's own); returns the loss."""
        layer = self.layers[index]
        loss, d_pre = layer.loss_and_gradient(
            layer_pass, sample_weight, self.hyperparameters.peer_normalization, goodness
        )
        (first if index == 0 else layer).set_gradients(layer_pass, d_pre)
        return loss

    def _passes(self, first_pass, n_layers=None, labels=None):
        """Yield ``(layer, layer_pass)`` up the stack, from the first layer's pass.

        ``labels``, each row's label (or ``NEUTRAL``), reaches the layers that
        forward labels. The activity's sum of squares gives both the layer's
        goodness and the next layer's normalisation, so it is computed once.
        """
        layer_pass = first_pass
        for index, layer in enumerate(self.layers[:n_layers]):
            if index:
                layer_pass = layer.forward_and_measure(
                    layer_pass.activity, layer_pass.sum_squares, labels
                )
            yield layer, layer_pass

    # ---------------------------------------------------------------- prediction
    @torch.no_grad()
    def _neutral_features(self, first):
        """The readout's input: every layer's neutral-label activity, at unit RMS."""
        n_layers = self.prediction_layers[-1] + 1
        passes = self._passes(first.neutral_and_measure(), n_layers, NEUTRAL)
        widths = [self.layers[index].n_units for index in self.prediction_layers]
        if len(widths) == 1:
            # The one layer read is the last one passed: nothing else reads its
            # activity, which is normalised in place instead of copied.
            *_, (layer, layer_pass) = passes
            scale = unit_rms_scale(layer_pass.sum_squares, layer.n_units)
            return layer_pass.activity.mul_(scale.unsqueeze(1))
        features = first.projected.new_empty((first.projected.shape[0], sum(widths)))
        columns = iter(features.split(widths, dim=1))
        for index, (layer, layer_pass) in enumerate(passes):
            if index in self.prediction_layers:
                scale = unit_rms_scale(layer_pass.sum_squares, layer.n_units)
                torch.mul(layer_pass.activity, scale.unsqueeze(1), out=next(columns))
        return features

    @torch.inference_mode()
    def goodness_scores(self, X):
        """Goodness summed over the prediction layers, for every row and label:
        ``(n_rows, K)``."""
        layers = list(self.prediction_layers)
        return scoring.goodness_in_blocks(
            self,
            X,
            self.prediction_layers[-1] + 1,
            lambda goodness: goodness[..., layers].sum(-1),
            "goodness_scores",
        )

    @torch.inference_mode()
    def layer_goodness(self, X):
        """Every layer's goodness for every row and label: ``(n_rows, K, n_layers)``."""
        return scoring.goodness_in_blocks(
            self, X, len(self.layers), lambda goodness: goodness, "layer_goodness"
        )

    @torch.inference_mode()
    def neutral_activities(self, X):
        """Every layer's activity under the neutral label: a list of
        ``(n_rows, n_units)``, one per layer."""
        blocks = []
        for rows in scoring.blocks(self, X, scoring.block_rows(self, 1)):
            first = LabelledFirstLayer(self.layers[0], self.overlay, rows)
            passes = self._passes(first.neutral_and_measure(), labels=NEUTRAL)
            blocks.append([layer_pass.activity for _, layer_pass in passes])
        return [torch.cat(per_layer)[: X.shape[0]] for per_layer in zip(*blocks)]

    @torch.inference_mode()
    def readout_logits(self, X):
        """Readout logits from one neutral-label pass: ``(n_rows, n_classes)``."""

        def logits(rows):
            first = LabelledFirstLayer(self.layers[0], self.overlay, rows)
            return self.readout(self._neutral_features(first))

        return scoring.score_in_blocks(
            self, X, scoring.block_rows(self, 1), logits, "readout_logits"
        )

    @torch.inference_mode()
    def readout_logits_by_layer(self, X):
        """Each prediction layer's part of the readout logits, ``(n_rows,
        n_classes, n_prediction_layers)``: the logits are their sum plus the
        readout's bias, since the readout is linear in the layers' features."""
        widths = [self.layers[index].n_units for index in self.prediction_layers]
        weights = self.readout.weight.split(widths, dim=1)

        def parts(rows):
            first = LabelledFirstLayer(self.layers[0], self.overlay, rows)
            features = self._neutral_features(first).split(widths, dim=1)
            return torch.stack([f @ w.T for f, w in zip(features, weights)], dim=-1)

        return scoring.score_in_blocks(
            self, X, scoring.block_rows(self, 1), parts, "readout_logits_by_layer"
        )

    def multiply_adds_per_row(self):
        """The multiply-adds of one row's products, through every layer under
        one label and through the readout: one measure of a step's size."""
        return sum(module.weight.numel() for module in self._modules())

    def activities_per_row(self):
        """The activities of one row under one label, summed over the layers:
        the other measure of a step's size."""
        return sum(layer.n_units for layer in self.layers)

    # ------------------------------------------------------------- persistence
    def _modules(self):
        return [*self.layers] + ([self.readout] if self.readout is not None else [])

    def snapshot(self, reuse=None):
        """A copy of all training state: weights, optimizer state, generator.

        :meth:`restore` brings the network back to it exactly, e.g. to the best
        epoch, or to the last finished epoch after an interruption. ``reuse``,
        an earlier snapshot no longer needed, lends its tensors: the state is
        copied into them in one call, where a fresh snapshot clones every
        tensor (training takes one snapshot an epoch).
        """
        state = self._state()
        tensors = []
        _map_state(state, tensors.append)
        buffers = []
        if reuse is not None:
            _map_state(reuse, buffers.append)
        if len(buffers) == len(tensors) and all(
            buffer.shape == tensor.shape and buffer.dtype == tensor.dtype
            for buffer, tensor in zip(buffers, tensors)
        ):
            torch._foreach_copy_(buffers, tensors)
        else:
            buffers = [tensor.detach().clone() for tensor in tensors]
        copies = iter(buffers)
        return _map_state(state, lambda _: next(copies))

    def restore(self, snapshot):
        for module, weights in zip(self._modules(), snapshot["modules"]):
            module.load_state_dict(weights)
        for optimizer, optimizer_state in zip(self.optimizers, snapshot["optimizers"]):
            # load_state_dict keeps references: copy, so the snapshot stays intact.
            optimizer.load_state_dict(_map_tensors(optimizer_state, torch.clone))
        if snapshot["generator_device"] == self.device.type:
            self.generator.set_state(snapshot["generator"])
        # States saved before weight averaging existed have none.
        average = snapshot.get("weight_average")
        self.weight_average = None
        if average is not None:
            self.weight_average = WeightAverage(
                self._parameters,
                [
                    tensor.to(self.device, copy=True)
                    for tensor in average["training_weights"]
                ],
                float(average["mass"]),
            )

    def _state(self):
        average = self.weight_average
        return {
            "modules": [module.state_dict() for module in self._modules()],
            "optimizers": [optimizer.state_dict() for optimizer in self.optimizers],
            "generator": self.generator.get_state(),
            "generator_device": self.device.type,
            # The modules hold the average; these are the weights training
            # goes on from.
            "weight_average": (
                None
                if average is None
                else {"training_weights": average.stored, "mass": average.mass}
            ),
        }

    def parameters_are_finite(self):
        """Whether every weight (and every training weight kept beside an
        average) is finite: one host synchronisation in all."""
        weights = list(self._parameters)
        if self.weight_average is not None:
            weights += self.weight_average.stored
        # A sum is NaN or infinite when one of its values is, and summing is
        # several times faster on the CPU than any other reduction (this runs
        # every epoch). A sum can also overflow, so only a sum that is not
        # finite is looked into: a tensor's largest absolute value is NaN or
        # infinite exactly when one of its values is, and cannot overflow.
        total = torch.stack([weight.sum() for weight in weights]).sum()
        if bool(total.isfinite()):
            return True
        largest = torch._foreach_norm(weights, ord=float("inf"))
        return bool(torch.stack(largest).isfinite().all())

    def to(self, device):
        """Move weights, optimizer state and generator to ``device``."""
        state = self.portable_state()
        state["device"] = str(device)
        self.__setstate__(state)
        return self

    def portable_state(self):
        """All of the network as plain CPU tensors, numbers and strings.

        A model trained on a GPU loads on a machine without one, and
        ``torch.load(weights_only=True)``, which runs no code, reads it back
        (skff's model files store it so).
        """
        return {
            "config": self.config,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            **_map_tensors(self._state(), lambda tensor: tensor.detach().cpu()),
        }

    def __getstate__(self):
        # Pickles (and skops) get NumPy arrays in place of the tensors: skops
        # then persists a fitted model with no type to trust but skff's own.
        return _map_tensors(self.portable_state(), lambda tensor: tensor.numpy())

    def __setstate__(self, state):
        """Rebuild from :meth:`portable_state` or from :meth:`__getstate__`
        (tensors or arrays: pickles from before held tensors)."""
        state = _map_tensors(state, torch.tensor, leaf=np.ndarray)
        device = state["device"]
        if torch.device(device).type == "cuda" and not torch.cuda.is_available():
            device = "cpu"
        dtype = getattr(torch, state["dtype"])
        config = {**SETTINGS_OF_OLDER_NETWORKS, **state["config"]}
        self.__init__(**config, device=device, dtype=dtype)
        self.restore(state)


def _map_state(state, function):
    """A :meth:`FFNetwork._state` with ``function`` applied to each tensor, in
    a fixed order. Faster than :func:`_map_tensors`, which also walks the
    optimizers' settings: a snapshot is taken every epoch."""

    def optimizer(state_dict):
        return {
            "state": {
                index: {
                    key: function(value) if isinstance(value, torch.Tensor) else value
                    for key, value in values.items()
                }
                for index, values in state_dict["state"].items()
            },
            "param_groups": state_dict["param_groups"],
        }

    average = state["weight_average"]
    return {
        "modules": [
            {name: function(tensor) for name, tensor in weights.items()}
            for weights in state["modules"]
        ],
        "optimizers": [optimizer(state_dict) for state_dict in state["optimizers"]],
        "generator": function(state["generator"]),
        "generator_device": state["generator_device"],
        "weight_average": None
        if average is None
        else {
            "training_weights": [
                function(tensor) for tensor in average["training_weights"]
            ],
            "mass": average["mass"],
        },
    }


def _map_tensors(tree, function, leaf=torch.Tensor):
    """Apply ``function`` to every ``leaf`` (a tensor, unless said) in nested
    dicts, lists and tuples."""
    if isinstance(tree, leaf):
        return function(tree)
    if isinstance(tree, dict):
        return {key: _map_tensors(value, function, leaf) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return type(tree)(_map_tensors(value, function, leaf) for value in tree)
    return tree
