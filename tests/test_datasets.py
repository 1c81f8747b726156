"""load_mnist reads the four IDX files from wherever the user keeps them."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from skff.datasets import load_mnist

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_mnist = pytest.mark.skipif(
    not (SHARED_DATA / "mnist").is_dir(),
    reason=f"MNIST's IDX files are not in {SHARED_DATA / 'mnist'}",
)


@needs_mnist
def test_reads_the_real_mnist():
    train = load_mnist(SHARED_DATA)
    assert train.data.shape == (60_000, 784)
    assert train.data.dtype == np.float32
    assert train.images.shape == (60_000, 28, 28)
    assert abs(train.data.mean() - 0.1307) < 1e-4
    assert abs(train.data.std() - 0.3081) < 1e-4
    expected = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(train.target).tolist() == expected
    X_test, y_test = load_mnist(SHARED_DATA / "mnist", subset="test", return_X_y=True)
    expected = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(y_test).tolist() == expected


@needs_mnist
def test_finds_the_files_through_the_environment(monkeypatch):
    monkeypatch.setenv("SKFF_DATA", str(SHARED_DATA))
    X, y = load_mnist(subset="test", return_X_y=True)
    assert X.shape == (10_000, 784)


def test_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("SKFF_DATA", str(tmp_path))
    with pytest.raises(
        FileNotFoundError, match=f"none of: {tmp_path}/mnist, {tmp_path}"
    ):
        load_mnist()


def test_a_damaged_file_is_named(tmp_path):
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        with gzip.open(tmp_path / name, "wb") as file:
            file.write(b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") * 3)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz is not the MNIST"):
        load_mnist(tmp_path)
