"""
The published recipes, side by side
===================================

:mod:`skff.recipes` builds estimators set up as the references describe them:
:func:`~skff.recipes.hinton_2022` (Hinton's recipe), :func:`~skff.recipes.keras_example`
(the Keras example) and :func:`~skff.recipes.fast_mnist` (one wide layer, the
fastest to 98% on MNIST). Any parameter can be overridden, so a recipe can be
tried small: here each trains for a few epochs on 2,000 MNIST images, so that
the docs build stays short. The full runs are on the Benchmarks page.

MNIST comes from :func:`skff.datasets.load_mnist` (the folder ``SKFF_DATA``
names); without it the example uses scikit-learn's digits.
"""

import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist
from skff.recipes import fast_mnist, hinton_2022, keras_example

try:
    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    X_train, y_train = X[:2000], y[:2000]
    X_test, y_test = X_test[:2000], y_test[:2000]
except FileNotFoundError as missing:
    print(f"MNIST not found ({missing}); using scikit-learn's digits instead.")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, random_state=0
    )

# %%
# Each recipe, made smaller where it would take long
# --------------------------------------------------
# ``hinton_2022`` is three layers of 1000 units for 60 epochs: here 5 epochs
# (its threshold is the width, so it stays). ``keras_example`` trains 250
# full-batch epochs of 50 greedy steps per layer: here 2, which is far from
# enough (it learns slowly at first, as the example does). ``fast_mnist`` and
# the defaults run as they are.
models = {
    "defaults": ForwardForwardClassifier(random_state=0),
    "hinton_2022 (5 epochs)": hinton_2022(max_iter=5, random_state=0),
    "keras_example (2 epochs)": keras_example(max_iter=2, random_state=0),
    "fast_mnist": fast_mnist(random_state=0),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    started = time.perf_counter()
    with warnings.catch_warnings():  # the shortened recipes stop early
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - started
    accuracy[name] = model.score(X_test, y_test)
    print(f"{name:<26} test accuracy {accuracy[name]:.4f}, fit {seconds[name]:.1f} s")

# %%
# Test accuracy and fit time
# --------------------------
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
names = list(models)
left.barh(names, [accuracy[name] for name in names])
left.set_xlim(0, 1)
left.set_xlabel("test accuracy")
right.barh(names, [seconds[name] for name in names])
right.set_xlabel("fit seconds")
right.set_yticks(range(len(names)), [""] * len(names))
figure.tight_layout()
