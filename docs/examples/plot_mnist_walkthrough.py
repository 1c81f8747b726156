"""
Forward-Forward on MNIST, step by step
======================================

The walk-through of the Keras example "Using the Forward-Forward Algorithm for
Image Classification", done with skff: look at a few training images, train a
784-500-500 network, watch each layer's loss fall, and score the test set.

:func:`skff.datasets.load_mnist` reads MNIST's four IDX files from the folder
the ``SKFF_DATA`` environment variable names (the docs build points it at
``../shared/data``). Where they are absent, the example says so and uses
scikit-learn's 8x8 digits instead, so it always runs.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist
from skff.plot import LossCurveDisplay

try:
    X_train, y_train = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    side, source = 28, "MNIST"
except FileNotFoundError as missing:
    print(f"MNIST not found ({missing}); using scikit-learn's digits instead.")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, random_state=0
    )
    side, source = 8, "digits"
print(f"{source}: {len(X_train)} training and {len(X_test)} test images")

# %%
# Four random training images
# ---------------------------
rng = np.random.default_rng(0)
figure, axes = plt.subplots(1, 4, figsize=(8, 2.4))
for axis, index in zip(axes, rng.choice(len(X_train), 4, replace=False)):
    axis.imshow(X_train[index].reshape(side, side), cmap="gray")
    axis.set_title(f"label {y_train[index]}")
    axis.axis("off")

# %%
# Train 784-500-500
# -----------------
# The Keras example trains its two layers greedily, 50 Adam steps per layer on
# the whole training set per epoch, for 250 epochs: about 14 hours on a 2-core
# CPU (``skff.recipes.keras_example()`` reproduces it, loss for loss). skff's
# defaults train both layers together on minibatches (300 rows for 60,000
# images: ``batch_size="auto"``), with hard negatives and a softmax readout; a
# few epochs get most of the way. ``verbose=1`` prints each epoch's loss per
# layer.
model = ForwardForwardClassifier(
    hidden_layer_sizes=(500, 500),
    max_iter=3,
    verbose=1,
    random_state=0,
)
model.fit(X_train, y_train)

# %%
# Each layer has its own loss
# ---------------------------
# No gradient crosses a layer: each minimises its own logistic loss on the
# goodness of positive against negative data. The readout learns from the
# layers' activities, also without sending a gradient back.
display = LossCurveDisplay.from_estimator(model)

# %%
# Test accuracy
# -------------
print(f"test accuracy: {model.score(X_test, y_test):.4f}")
