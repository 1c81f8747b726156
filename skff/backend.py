"""The backend's public face: what extending skff, and measuring it, builds on.

Each concept of Forward-Forward training lives in one module with a registry,
a dict from the option's name to a small class with a stated contract:

========================  =====================  ===============================
registry                  estimator parameter    contract
========================  =====================  ===============================
:data:`GOODNESS`          ``goodness``           :class:`Goodness`
:data:`LAYER_LOSSES`      ``loss``               :class:`LayerLoss`
:data:`NEGATIVE_SAMPLERS` ``negatives``          :class:`NegativeSampler`
:data:`OVERLAYS`          ``label_overlay``      :class:`LabelOverlay`
========================  =====================  ===============================

Adding an entry to a registry makes its name a valid value of the parameter
(the estimator's constraints read the registries' keys). Register it in a
module that every process imports: workers of ``n_jobs`` start afresh.

:func:`auto_batch_size` and :func:`learning_rate_factor` say how a fit plans
its batches and its learning rate, :func:`matmul_precision` sets the precision
of the products as ``mixed_precision`` does, ``CPU_SCORING_BLOCK`` is the
number of rows scored together on the CPU (a call with fewer may use a
shorter block that gives the same bits), and :class:`FFNetwork` is the
network a fitted estimator holds as ``network_``.
"""

from ._backend.goodness import GOODNESS, Goodness, MeanSquares, SumSquares
from ._backend.losses import LAYER_LOSSES, LayerLoss, SymbaLoss, ThresholdLoss
from ._backend.negatives import NEGATIVE_SAMPLERS, NegativeSampler
from ._backend.network import FFNetwork
from ._backend.overlay import OVERLAYS, LabelOverlay
from ._backend.readouts import READOUTS, Readout
from ._backend.schedule import auto_batch_size, learning_rate_factor
from ._backend.scoring import CPU_SCORING_BLOCK
from ._precision import matmul_precision

__all__ = [
    "CPU_SCORING_BLOCK",
    "FFNetwork",
    "GOODNESS",
    "Goodness",
    "LAYER_LOSSES",
    "LabelOverlay",
    "LayerLoss",
    "MeanSquares",
    "NEGATIVE_SAMPLERS",
    "NegativeSampler",
    "OVERLAYS",
    "READOUTS",
    "Readout",
    "SumSquares",
    "SymbaLoss",
    "ThresholdLoss",
    "auto_batch_size",
    "learning_rate_factor",
    "matmul_precision",
]
