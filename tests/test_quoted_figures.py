"""Every figure the README's "Results at a glance" quotes is a stored result.

Each row of that table names its source here: the result file and the values
in it the row may quote (as stored, as a percentage, or as a mean over the
seeds of one MNIST configuration). A figure that is none of them, rounded as
the README rounds it, fails, so the README cannot drift from the results when
a benchmark is rerun.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# A number with the unit that makes it a measurement: "1.71%", "11.9 s",
# "3.0 times", "3.3 points", "26 of 28".
QUOTED = re.compile(r"(\d+(?:\.\d+)?)(?=%| s\b| times| points| of \d)")


def _load(name):
    return json.loads((RESULTS / name).read_text())


def _mnist(config):
    """The runs of one configuration of mnist_accuracy.json, every seed."""
    runs = _load("mnist_accuracy.json")["runs"]
    return [
        run for name, run in runs.items() if re.sub(r"-seed\d+$", "", name) == config
    ]


def _errors(config):
    errors = [100 * run["final_test_error"] for run in _mnist(config)]
    return [*errors, sum(errors) / len(errors)]


def _mnist_defaults():
    seconds = [run["fit_seconds"] for run in _mnist("default")]
    return _errors("default") + seconds + _errors("mlp")


def _time_to_accuracy():
    runs = _load("vs_mlp.json")["runs"].values()
    return [98.0] + [run["seconds_to_reach"]["0.980"] for run in runs]


def _suite():
    summary = _load("vs_mlp_suite.json")["summary"]
    behind = [abs(gap) for gap in summary["behind_by_more_than_tolerance"].values()]
    counts = [summary["n_within_tolerance"], summary["n_sets"]]
    return [*counts, summary["mean_gap_points"], *behind]


def _suite_time():
    return [_load("vs_mlp_suite.json")["summary"]["geometric_mean_fit_time_ratio"]]


def _throughput():
    (auto,) = [
        run
        for run in _load("throughput.json")["runs"]
        if run.get("batch_size_setting") == "auto"
    ]
    return [100 * auto["ratio_to_peak"], auto["seconds_per_epoch"]]


# The first words of each row, and the values it may quote.
SOURCES = {
    "MNIST test error, defaults": _mnist_defaults,
    "MNIST test error, best recipe": lambda: _errors("hinton-combined"),
    "MNIST: time to 98%": _time_to_accuracy,
    "28 tabular sets": _suite,
    "the same sets: fit time": _suite_time,
    "MNIST epoch of the defaults": _throughput,
}


def glance_rows():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Results at a glance", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")][2:]


def test_every_row_of_the_glance_table_has_a_source():
    rows = glance_rows()
    assert len(rows) == len(SOURCES)
    for row in rows:
        assert any(row[2:].startswith(start) for start in SOURCES), row


@pytest.mark.parametrize("start", SOURCES)
def test_each_quoted_figure_is_a_stored_result(start):
    (row,) = [row for row in glance_rows() if row[2:].startswith(start)]
    stored = SOURCES[start]()
    figures = QUOTED.findall(row)
    assert figures
    for figure in figures:
        decimals = len(figure.split(".")[1]) if "." in figure else 0
        assert any(round(value, decimals) == float(figure) for value in stored), (
            f"{figure} in {start!r} has no result behind it"
        )
