"""The training rows the speed benchmarks time: MNIST's, or random ones of its shape."""

import numpy as np

N_ROWS, N_FEATURES, N_CLASSES = 60_000, 784, 10


def training_rows(data_home):
    """``(X, y, description)``: MNIST's 60,000 training images when found, else
    random data of the same shape (the work of an epoch is the same)."""
    from skff.datasets import load_mnist

    try:
        X, y = load_mnist(data_home, return_X_y=True)
        return X, y, "MNIST train"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        X = rng.random((N_ROWS, N_FEATURES), dtype=np.float32)
        y = np.arange(N_ROWS) % N_CLASSES
        return X, y, "random, MNIST-sized"
