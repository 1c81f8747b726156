"""
Training from a file larger than memory
=======================================

:meth:`~skff.ForwardForwardClassifier.partial_fit` trains one pass over the rows
it is given, so a model can learn from data that never sits in memory whole:
here, a NumPy memmap the size of MNIST's training set (60,000 x 784 float32,
188 MB), read 5,000 rows at a time. Each chunk is copied to torch on its own;
the file itself is only paged in, never loaded.

With the same epochs, rows and learning rate, chunked training reaches the
accuracy of ``fit`` on the whole array, within noise (``tests/test_scaling.py``
checks this on a small file).
"""

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

from skff import ForwardForwardClassifier
from skff.datasets import load_mnist

# MNIST when its files are found, otherwise synthetic data of the same shape.
try:
    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
except FileNotFoundError:
    X_all, y_all = make_classification(
        n_samples=70_000,
        n_features=784,
        n_informative=50,
        n_classes=10,
        random_state=0,
    )
    X_all = X_all.astype(np.float32)
    X, y, X_test, y_test = (
        X_all[:60_000],
        y_all[:60_000],
        X_all[60_000:],
        y_all[60_000:],
    )

# %%
# Write the training set to disk once, then forget it.
folder = Path(tempfile.mkdtemp())
path = folder / "train.f32"
X.astype(np.float32).tofile(path)
np.save(folder / "labels.npy", y)
shape = X.shape
del X

# %%
# Stream it: one ``partial_fit`` per chunk, every epoch in a new chunk order.
on_disk = np.memmap(path, dtype=np.float32, mode="r", shape=shape)
labels = np.load(folder / "labels.npy")
classes = np.unique(labels)
model = ForwardForwardClassifier(learning_rate_init=0.001, random_state=0)
chunk, n_epochs = 5_000, 2
rng = np.random.default_rng(0)
started = time.perf_counter()
for epoch in range(n_epochs):
    for start in rng.permutation(np.arange(0, shape[0], chunk)):
        rows = slice(start, start + chunk)
        model.partial_fit(on_disk[rows], labels[rows], classes=classes)
    print(
        f"epoch {epoch + 1}: {time.perf_counter() - started:.0f} s, "
        f"test accuracy {model.score(X_test, y_test):.4f}"
    )

# %%
# The file is scratch: remove it.
del on_disk
shutil.rmtree(folder)
