"""skff: Hinton's Forward-Forward algorithm as a scikit-learn estimator."""

from ._classifier import ForwardForwardClassifier

__version__ = "0.1.0"

__all__ = ["ForwardForwardClassifier", "__version__"]
