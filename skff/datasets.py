"""Data sets for Forward-Forward experiments, read from local files.

MNIST is read from its four standard IDX files (``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
``t10k-labels-idx1-ubyte.gz``). Nothing is downloaded: put the files in
``<data_home>/mnist/`` (or pass the folder that holds them).
"""

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

DATA_HOME_VARIABLE = "SKFF_DATA"
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60_000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10_000),
}


def load_mnist(data_home=None, *, subset="train", return_X_y=False):
    """Load MNIST from its IDX files: 28x28 digits, pixels scaled to [0, 1].

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the four IDX ``.gz`` files, or holding a ``mnist``
        folder with them. By default, the folder named by the ``SKFF_DATA``
        environment variable, else scikit-learn's data home
        (``~/scikit_learn_data``).
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or both (training
        first).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n_samples, 784) float32 in [0, 1], ``target`` (n_samples,)
        int64 digits, ``images`` (n_samples, 28, 28) uint8, ``DESCR``.
        ``(data, target)`` if ``return_X_y``.

    Raises
    ------
    FileNotFoundError
        If the files are in none of the folders looked in; the message lists them.
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    folder = _find_mnist(data_home)
    parts = ["train", "test"] if subset == "all" else [subset]
    images, targets = [], []
    for part in parts:
        image_file, label_file, n_expected = MNIST_FILES[part]
        images.append(_read_idx(folder / image_file, (n_expected, 28, 28)))
        targets.append(_read_idx(folder / label_file, (n_expected,)))
    images = np.concatenate(images)
    target = np.concatenate(targets).astype(np.int64)
    data = images.reshape(len(images), -1).astype(np.float32) / 255.0
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        DESCR=f"MNIST {subset} set read from {folder}: {len(data)} handwritten digits, "
        "28x28 pixels scaled to [0, 1] (LeCun, Cortes and Burges).",
    )


def _find_mnist(data_home):
    if data_home is not None:
        roots = [Path(data_home)]
    elif os.environ.get(DATA_HOME_VARIABLE):
        roots = [Path(os.environ[DATA_HOME_VARIABLE])]
    else:
        roots = [Path(get_data_home())]
    candidates = [folder for root in roots for folder in (root / "mnist", root)]
    needed = [name for files in MNIST_FILES.values() for name in files[:2]]
    for folder in candidates:
        if all((folder / name).is_file() for name in needed):
            return folder
    looked = ", ".join(str(folder) for folder in candidates)
    raise FileNotFoundError(
        f"MNIST's IDX files ({', '.join(needed)}) are in none of: {looked}. Put them "
        f"in one of these folders, pass data_home=, or set {DATA_HOME_VARIABLE} to "
        "the folder that holds them (or their 'mnist' folder). skff downloads nothing."
    )


def _read_idx(path, shape):
    """Read one gzip-compressed IDX file of unsigned bytes, checking its header."""
    with gzip.open(path, "rb") as file:
        raw = file.read()
    n_dims = len(shape)
    magic = int.from_bytes(raw[:4], "big")
    header = np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4)
    if magic != 0x0800 + n_dims or tuple(header) != shape:
        raise ValueError(
            f"{path} is not the MNIST IDX file expected: header {magic:#x} "
            f"{tuple(int(n) for n in header)}, expected {0x0800 + n_dims:#x} {shape}."
        )
    offset = 4 + 4 * n_dims
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)
