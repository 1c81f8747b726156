"""
What the network sees: goodness per label, activity per layer
=============================================================

A Forward-Forward network classifies by asking each layer the same question
under every candidate label: how good is this sample with this label? This
example trains on the digits and then looks inside, with
:meth:`~skff.ForwardForwardClassifier.layer_goodness` and
:meth:`~skff.ForwardForwardClassifier.layer_activities`, drawn by
:class:`~skff.plot.GoodnessDisplay` and :class:`~skff.plot.LayerActivityDisplay`,
and what each layer adds to the prediction with
:class:`~skff.plot.LayerAccuracyDisplay`.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skff import ForwardForwardClassifier
from skff.plot import GoodnessDisplay, LayerAccuracyDisplay, LayerActivityDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, stratify=y, random_state=0
)
# %%
# Prediction by goodness needs well-separated goodness in every layer. The
# default SymBa loss learns it within the default 30 epochs on these 1,347
# training digits; the threshold loss (``loss="threshold"``) needs several
# times as many.
model = ForwardForwardClassifier(prediction="goodness", random_state=0)
model.fit(X_train, y_train)
print(f"test accuracy by goodness: {model.score(X_test, y_test):.4f}")

# %%
# Goodness of four test digits under each of the ten labels
# ----------------------------------------------------------
# Red is above the layer's mean goodness, blue below (a model trained with
# ``loss="threshold"`` is centred on its threshold instead). The true label
# is outlined: a trained layer lights up under it and stays dark under the
# others, and the prediction is the label with the most goodness summed over
# the layers.
display = GoodnessDisplay.from_estimator(model, X_test[:4], y_test[:4])

# %%
# Each layer's activity under the neutral label
# ---------------------------------------------
# Twenty test digits, sorted by class. The neutral label (a tenth in every
# label slot) is what the softmax readout sees. Activities are sparse, and
# digits of one class share much of their code.
order = np.argsort(y_test[:20], kind="stable")
display = LayerActivityDisplay.from_estimator(
    model, X_test[:20][order], y_test[:20][order]
)

# %%
# What each layer adds
# --------------------
# Accuracy on the test digits of each layer alone and of the layers up to it,
# by goodness and by the softmax readout restricted to those layers' features
# (this model predicts by goodness, but its hard negatives train a readout
# too).
display = LayerAccuracyDisplay.from_estimator(model, X_test, y_test)
