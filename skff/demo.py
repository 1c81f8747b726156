"""Forward-Forward against backprop on scikit-learn's digits: ``python -m skff.demo``.

Trains :class:`~skff.ForwardForwardClassifier` and
:class:`~sklearn.neural_network.MLPClassifier`, each with its default settings
(one layer of 1000 units against one of 100), on the same split, then prints
each one's test accuracy and fit time.
"""

import platform
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier


def compare(random_state=0):
    """Fit both models on digits; return ``{name: (accuracy, fit_seconds)}``."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state
    )
    models = {
        "ForwardForwardClassifier": ForwardForwardClassifier(random_state=random_state),
        "MLPClassifier": MLPClassifier(random_state=random_state),
    }
    results = {}
    for name, model in models.items():
        pipeline = make_pipeline(StandardScaler(), model)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(X_train, y_train)
        seconds = time.perf_counter() - started
        results[name] = (pipeline.score(X_test, y_test), seconds)
    return results


def main():
    machine = platform.processor() or platform.machine()
    print(f"digits (1797 images, 8x8), 75/25 split, on {machine}")
    print(f"{'model':<26} {'test accuracy':>13} {'fit time':>9}")
    for name, (accuracy, seconds) in compare().items():
        print(f"{name:<26} {accuracy:>13.4f} {seconds:>8.2f}s")


if __name__ == "__main__":
    main()
