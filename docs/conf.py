"""Sphinx configuration: numpydoc API reference and a sphinx-gallery of examples.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (what CI runs).
"""

import os
import sys
from pathlib import Path

import skff

sys.path.insert(0, str(Path(__file__).parent))
from _benchmark_tables import write_tables  # noqa: E402

project = "skff"
author = "skff developers"
copyright = "2026, skff developers"
version = release = skff.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.txt"]
autosummary_generate = True
autodoc_default_options = {"members": True}
# The class template lists the methods itself; numpydoc's own table would repeat it.
numpydoc_show_class_members = False

html_theme = "pydata_sphinx_theme"
html_title = f"skff {version}"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "doc_module": ("skff",),
    "backreferences_dir": "generated/backreferences",
    # Each example's time, so a slow one is noticed.
    "min_reported_time": 0,
}

# Examples draw off screen. They load MNIST with skff.datasets.load_mnist(), which
# reads the folder SKFF_DATA names: here the shared data beside the repository.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault(
    "SKFF_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")
)


def setup(app):
    # The Benchmarks page includes tables written from benchmarks/results/ at
    # every build, so that its figures are the stored ones.
    app.connect(
        "builder-inited",
        lambda app: write_tables(Path(app.srcdir) / "generated" / "benchmarks"),
    )
