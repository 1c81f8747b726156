"""
Forward-Forward against backpropagation on scikit-learn's datasets
==================================================================

The same network, two learning rules: :class:`~skff.ForwardForwardClassifier`
on two layers of 500 units (every layer learning locally, the other settings
its defaults) against :class:`~sklearn.neural_network.MLPClassifier` with two
layers of 500 units (trained by backpropagation). Both follow a
:class:`StandardScaler` and are scored by 3-fold cross-validation on five small
datasets, one of them a synthetic 20-class problem.
"""

import warnings

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

datasets = {
    "digits": load_digits(return_X_y=True),
    "breast cancer": load_breast_cancer(return_X_y=True),
    "wine": load_wine(return_X_y=True),
    "iris": load_iris(return_X_y=True),
    "20 classes": make_classification(
        n_samples=2000,
        n_features=40,
        n_informative=20,
        n_classes=20,
        n_clusters_per_class=1,
        random_state=0,
    ),
}
models = {
    "Forward-Forward": ForwardForwardClassifier(
        hidden_layer_sizes=(500, 500), random_state=0
    ),
    "MLPClassifier": MLPClassifier(hidden_layer_sizes=(500, 500), random_state=0),
}

# %%
# Cross-validate every model on every dataset.
rows = []
for data_name, (X, y) in datasets.items():
    for model_name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_validate(
                make_pipeline(StandardScaler(), model),
                X,
                y,
                cv=StratifiedKFold(3, shuffle=True, random_state=0),
            )
        rows.append(
            {
                "dataset": data_name,
                "model": model_name,
                "accuracy": scores["test_score"].mean(),
                "accuracy std": scores["test_score"].std(),
                "fit seconds": scores["fit_time"].mean(),
            }
        )
results = pd.DataFrame(rows)
results.round(3)

# %%
# Accuracy and fit time side by side. Forward-Forward's defaults take 30 passes
# over the data, each of at least 5 minibatches (of 32 rows on iris's 100
# training rows), and its first layer sees the length of every row, which on
# iris's 4 features is a quarter of what a row says. The suite in
# ``benchmarks/vs_mlp_suite.py`` compares both defaults on 28 data sets.
accuracy = results.pivot(index="dataset", columns="model", values="accuracy")
spread = results.pivot(index="dataset", columns="model", values="accuracy std")
seconds = results.pivot(index="dataset", columns="model", values="fit seconds")
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
accuracy.plot.bar(yerr=spread, ax=left, rot=0, ylim=(0.3, 1.05), legend=False)
left.set_ylabel("3-fold CV accuracy")
seconds.plot.bar(ax=right, rot=0, logy=True, legend=False)
right.set_ylabel("mean fit seconds (log scale)")
# Plain numbers at 1, 2 and 5 times the powers of ten on the log axis.
right.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
right.yaxis.set_major_formatter(ScalarFormatter())
right.yaxis.set_minor_formatter(NullFormatter())
handles, labels = left.get_legend_handles_labels()
figure.legend(handles, labels, loc="upper center", ncol=len(labels))
figure.tight_layout(rect=(0, 0, 1, 0.92))
