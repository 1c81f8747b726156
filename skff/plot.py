"""Plots of a fitted Forward-Forward network, in scikit-learn's Display style.

Needs matplotlib (``pip install skff[plot]``); nothing else in skff does.
"""

from ._plotting import (
    GoodnessDisplay,
    LayerAccuracyDisplay,
    LayerActivityDisplay,
    LossCurveDisplay,
)

__all__ = [
    "GoodnessDisplay",
    "LayerAccuracyDisplay",
    "LayerActivityDisplay",
    "LossCurveDisplay",
]
