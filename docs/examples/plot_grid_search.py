"""
Tuning the loss and the layer sizes with GridSearchCV
=====================================================

:class:`~skff.ForwardForwardClassifier` is an ordinary scikit-learn estimator,
so it tunes like one: here in a :class:`~sklearn.pipeline.Pipeline` after a
:class:`~sklearn.preprocessing.StandardScaler`, over each layer's ``loss``
(SymBa's, on the gap between positive and negative goodness, or Hinton's,
against a threshold) and ``hidden_layer_sizes``, by 3-fold cross-validation on
the digits.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skff import ForwardForwardClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        ("ff", ForwardForwardClassifier(max_iter=10, random_state=0)),
    ]
)
grid = {
    "ff__loss": ["symba", "threshold"],
    "ff__hidden_layer_sizes": [(100,), (300, 300), (500, 500)],
}
search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)
print("best:", search.best_params_)
print(f"test accuracy of the refitted best: {search.score(X_test, y_test):.4f}")

# %%
# Every candidate's cross-validated accuracy. In the 10 epochs each candidate
# trains here, the SymBa loss (the default) is ahead of the threshold loss at
# every width: it pushes positive and negative goodness apart from the start,
# where the threshold loss first has to lift every layer's goodness to its
# threshold.
results = pd.DataFrame(search.cv_results_)
results["layers"] = results["param_ff__hidden_layer_sizes"].astype(str)
table = results.pivot(
    index="layers", columns="param_ff__loss", values="mean_test_score"
)
figure, axis = plt.subplots(figsize=(5, 3.5))
image = axis.imshow(table.to_numpy(), cmap="viridis")
axis.set_xticks(range(table.shape[1]), table.columns)
axis.set_yticks(range(table.shape[0]), table.index)
axis.set_xlabel("loss")
axis.set_ylabel("hidden_layer_sizes")
for (row, column), value in np.ndenumerate(table.to_numpy()):
    axis.text(column, row, f"{value:.3f}", ha="center", va="center", color="w")
figure.colorbar(image, label="mean CV accuracy")
figure.tight_layout()
