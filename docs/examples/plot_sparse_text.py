"""
Sparse text features: which part of scikit-learn is a paragraph about?
======================================================================

:class:`~skff.ForwardForwardClassifier` takes SciPy sparse matrices as they
are: the first layer multiplies only the non-zeros, so a
:class:`~sklearn.feature_extraction.text.TfidfVectorizer`'s output is never
densified.

The text is one every scikit-learn installation has: the docstrings of ten of
its modules, cut into paragraphs. Each paragraph is labelled with the module
it documents (``linear_model``, ``cluster``, ``metrics``, ...), and the task
is to tell the module from the paragraph's words. Forward-Forward is compared
with :class:`~sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.linear_model.LogisticRegression` on the same sparse features.
"""

import importlib
import inspect
import time

import matplotlib.pyplot as plt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skff import ForwardForwardClassifier

MODULES = [
    "linear_model",
    "ensemble",
    "cluster",
    "decomposition",
    "preprocessing",
    "metrics",
    "feature_selection",
    "neighbors",
    "svm",
    "covariance",
]


def paragraphs_of(module_name, min_words=10):
    """Every paragraph of prose in the docstrings of a module's public names."""
    module = importlib.import_module(f"sklearn.{module_name}")
    for name in module.__all__:
        for paragraph in (inspect.getdoc(getattr(module, name)) or "").split("\n\n"):
            words = paragraph.split()
            if len(words) >= min_words and words[0] != ">>>":
                yield " ".join(words)


texts, labels = [], []
for module_name in MODULES:
    for paragraph in paragraphs_of(module_name):
        texts.append(paragraph)
        labels.append(module_name)

texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.25, stratify=labels, random_state=0
)
vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)
X_train = vectorizer.fit_transform(texts_train)
X_test = vectorizer.transform(texts_test)
print(
    f"{len(texts)} paragraphs; {X_train.shape[1]} words; "
    f"{X_train.nnz / X_train.shape[0]:.0f} non-zeros per row "
    f"({X_train.nnz / X_train.shape[0] / X_train.shape[1]:.1%} of the row)"
)

# %%
# The three models on the same sparse matrix, each with its defaults.
models = {
    "ForwardForwardClassifier": ForwardForwardClassifier(random_state=0),
    "MLPClassifier": MLPClassifier(random_state=0),
    "LogisticRegression": LogisticRegression(max_iter=1000),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    started = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - started
    accuracy[name] = model.score(X_test, y_test)
    print(f"{name}: test accuracy {accuracy[name]:.3f}, fit {seconds[name]:.1f} s")

fig, (ax_accuracy, ax_time) = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
names = list(models)
ax_accuracy.barh(names, [accuracy[name] for name in names], color="tab:blue")
ax_accuracy.set_xlim(0.5, 1.0)
ax_accuracy.set_xlabel("test accuracy")
ax_time.barh(names, [seconds[name] for name in names], color="tab:gray")
ax_time.set_xlabel("fit time (s)")
ax_time.set_yticks([])
fig.suptitle("Module of a scikit-learn docstring paragraph, from TF-IDF features")
plt.show()

# %%
# The accuracies and times depend on the installed scikit-learn, whose
# docstrings are the data, and on the machine.
