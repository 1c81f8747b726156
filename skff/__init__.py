"""skff: Hinton's Forward-Forward algorithm as a scikit-learn estimator."""

__version__ = "0.1.0"

from . import datasets, recipes  # noqa: E402
from ._classifier import ForwardForwardClassifier  # noqa: E402
from ._persistence import load, save  # noqa: E402

__all__ = [
    "ForwardForwardClassifier",
    "datasets",
    "load",
    "recipes",
    "save",
    "__version__",
]
