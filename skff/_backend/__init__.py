"""Forward-Forward in PyTorch, with no scikit-learn imports: the facade validates."""

from .network import FFNetwork

__all__ = ["FFNetwork"]
