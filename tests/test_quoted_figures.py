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

from skff import ForwardForwardClassifier

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_LAYERS = ForwardForwardClassifier().hidden_layer_sizes
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


def _errors(config, readout=None):
    """The final errors of every seed of ``config`` and their mean: as it
    predicts, or by ``readout`` (its ``final_test_error_by_prediction``)."""

    def error(run):
        if readout is None:
            return run["final_test_error"]
        return run["final_test_error_by_prediction"][readout]

    errors = [100 * error(run) for run in _mnist(config)]
    return [*errors, sum(errors) / len(errors)]


def _mnist_defaults():
    seconds = [run["fit_seconds"] for run in _mnist("default")]
    before = _errors("default-before-narrow-gradient")
    return _errors("default") + seconds + _errors("mlp") + before


def _time_to_accuracy():
    """Every seed's run: ``vs_mlp.json`` and ``vs_mlp_seedN.json``."""
    files = [
        "vs_mlp.json",
        *(p.name for p in sorted(RESULTS.glob("vs_mlp_seed*.json"))),
    ]
    reached = [
        run["seconds_to_reach"]["0.980"]
        for name in files
        for run in _load(name)["runs"].values()
    ]
    return [98.0] + [seconds for seconds in reached if seconds is not None]


def _comparison(summary):
    """What a row on a comparison with MLPClassifier (a ``vs_mlp_suite.py``
    summary) may quote: the sets within a point and in all, the mean gap and
    the gaps of the sets behind."""
    behind = [abs(gap) for gap in summary["behind_by_more_than_tolerance"].values()]
    counts = [summary["n_within_tolerance"], summary["n_sets"]]
    return [*counts, summary["mean_gap_points"], *behind]


def _suite():
    """The suite's summary, and its first repeat's (one 5-fold CV)."""
    summary = _load("vs_mlp_suite.json")["summary"]
    first = summary["behind_by_more_than_tolerance_in_first_repeat"]
    first_counts = [summary["n_sets"] - len(first), *map(abs, first.values())]
    return [*_comparison(summary), *first_counts]


def _epoch_budget():
    """The gaps and time ratios of ``epoch_budget.py``'s equal budgets."""
    budgets = [
        budget
        for entry in _load("epoch_budget.json")["sets"].values()
        for budget in entry["budgets"].values()
    ]
    return [abs(b["gap_points"]) for b in budgets] + [
        b["fit_time_ratio"] for b in budgets
    ]


def _real_sets():
    """The real sets' comparison, and the time ratio of its run before small
    fits ran on one thread."""
    summary = _load("vs_mlp_real.json")["summary"]
    before = _load("vs_mlp_real_before_one_thread.json")["summary"]
    return [
        *_comparison(summary),
        summary["geometric_mean_fit_time_ratio"],
        before["geometric_mean_fit_time_ratio"],
    ]


def _held_out_real_sets():
    """The held-out sets' comparison; its mean gap is quoted as "behind"."""
    summary = _load("vs_mlp_real_held_out.json")["summary"]
    return [
        *_comparison(summary),
        -summary["mean_gap_points"],
        summary["geometric_mean_fit_time_ratio"],
    ]


def _suite_time():
    """The suite's time ratio, and that of its run of one 5-fold CV."""
    return [
        _load(name)["summary"]["geometric_mean_fit_time_ratio"]
        for name in ("vs_mlp_suite.json", "vs_mlp_suite_one_cv.json")
    ]


def _throughput():
    (auto,) = [
        run
        for run in _load("throughput.json")["runs"]
        if run.get("batch_size_setting") == "auto"
        and run["hidden_layer_sizes"] == list(DEFAULT_LAYERS)
    ]
    return [
        100 * auto["ratio_to_peak"],
        100 * auto["executed_ratio_to_peak"],
        auto["seconds_per_epoch"],
    ]


def _epoch_cost():
    sets = _load("epoch_cost.json")["sets"].values()
    ratios = [
        entry[name]["epoch_ratio_to_mlp"]
        for entry in sets
        for name in ("skff", "skff_batch_200")
    ]
    return ratios + [min(entry["n_samples"] for entry in sets)]


def _partial_fit_cost():
    sizes = _load("partial_fit_cost.json")["sizes"].values()
    values = [entry["chunk_rows"] for entry in sizes]
    for entry in sizes:
        for name in ("skff", "skff_batch_200", "mlp"):
            values.append(1e3 * entry[name]["call_seconds"])
            values.append(entry[name].get("call_ratio_to_mlp"))
    return [value for value in values if value is not None]


def _predict_latency():
    widths = _load("predict_latency.json")["widths"].values()
    values = []
    for width in widths:
        for entry in width["calls"].values():
            values += [
                1e3 * entry[model] for model in ("skff", "skff_full_blocks", "mlp")
            ]
            values.append(entry["ratio_to_mlp"])
    return values


def _busy_machine():
    values = []
    for load in _load("busy_machine.json")["loads"]:
        values.append(load["busy_processes"])
        for seconds in load["median_fit_seconds"].values():
            values += seconds.values()
    return values


def _first_fit():
    settings = _load("first_fit.json")["summary"].values()
    return [value for medians in settings for value in medians.values()]


# The first words of each row, and the values it may quote.
SOURCES = {
    "MNIST test error, defaults": _mnist_defaults,
    "MNIST test error, best recipe": lambda: (
        _errors("hinton-combined")
        + _errors("hinton-combined-at-68236b6")
        + _errors("hinton-averaged", "combined")
        + _errors("hinton-4x1000", "combined")
        + _errors("hinton-4x1000-batch-50", "combined")
    ),
    "MNIST: time to 98%": _time_to_accuracy,
    "28 tabular sets": lambda: _suite() + _epoch_budget(),
    "the same sets: fit time": _suite_time,
    "22 real tabular sets": _real_sets,
    "16 more real sets": _held_out_real_sets,
    "MNIST epoch of the defaults": _throughput,
    "An epoch at equal architecture": _epoch_cost,
    "One `partial_fit` call": _partial_fit_cost,
    "One `predict_proba` call": _predict_latency,
    "A fit on a busy machine": _busy_machine,
    "The demo (`python -m skff.demo`": _first_fit,
}


def is_stored(figure, stored):
    """Whether the number ``figure`` (a string) is one of ``stored``, rounded
    to as many decimals as it is quoted with."""
    decimals = len(figure.split(".")[1]) if "." in figure else 0
    return any(round(value, decimals) == float(figure) for value in stored)


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
        assert is_stored(figure, stored), f"{figure} in {start!r} has no result"


def _variant_values(config):
    """What a row of the README's research-variant table may quote: the
    final and best errors of each seed of ``config`` and their means, and
    its fit times and their mean."""
    runs = _mnist(config)
    values = []
    for key, scale in (("final_test_error", 100), ("best_test_error", 100)):
        per_seed = [scale * run[key] for run in runs]
        values += [*per_seed, sum(per_seed) / len(per_seed)]
    seconds = [run["fit_seconds"] for run in runs]
    return values + [*seconds, sum(seconds) / len(seconds), len(runs)]


def variant_rows():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Research variants", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_the_variant_table_lists_every_variant():
    configs = [re.match(r"\| `([\w-]+)`", row).group(1) for row in variant_rows()]
    variants = {"default-top-k", "default-entmax", "default-kurtosis", "default-ffcl"}
    assert {"default-500x500", *variants} <= set(configs)


@pytest.mark.parametrize("row", variant_rows(), ids=lambda row: row.split("`")[1])
def test_each_variant_figure_is_a_run_of_its_configuration(row):
    config = row.split("`")[1]
    stored = _variant_values(config)
    figures = QUOTED.findall(row)
    assert figures
    for figure in figures:
        assert is_stored(figure, stored), f"{figure} in {config!r} is none of its runs"


# ---------------------------------------------------------------- the docs' prose
# Figures in the docs' prose and in docstrings must be stored results too. A
# figure's section (of a page, between headings; a Python file is one section)
# names its sources: a result file (``vs_mlp_suite.json``) or the benchmark
# that writes it (``benchmarks/vs_mlp_suite.py``). Its figures are checked
# against the numbers of those files only (and the means over seeds of each
# MNIST configuration); a paragraph with figures and no source fails.
PROSE = [
    *sorted((ROOT / "docs").glob("*.rst")),
    *sorted((ROOT / "skff").rglob("*.py")),
    *sorted((ROOT / "docs" / "examples").glob("*.py")),
]
QUOTED_IN_PROSE = re.compile(
    r"(?<![\w.,])(\d+(?:\.\d+)?)(?=%| s\b| ms\b| times\b| points\b| of \d| GFLOP)"
)
SOURCE = re.compile(r"(?:benchmarks/|results/|\b)([a-z_]+)\.(?:json|py)\b")
# Figures that are not our measurements, each with why.
NOT_MEASURED = {
    "1.36%": "Hinton's published MNIST error",
    "97.56%": "the Keras example's published accuracy",
    "1.25%": "a goal set by an issue, not a result",
    "98%": "the accuracy a time-to-accuracy benchmark measures the time to",
    "7.41 s": "an example of verbose output, not a result",
    "5 times": "tick labels of a log axis",
}
HEADING = re.compile(r"^([=\-~^])\1{2,}$")


def _numbers(tree):
    """Every number stored in ``tree`` (a parsed JSON file), except long
    lists (learning curves), which would let almost any figure match."""
    if isinstance(tree, bool) or tree is None:
        return
    if isinstance(tree, int | float):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from _numbers(value)
    elif isinstance(tree, list) and len(tree) <= 4:
        for value in tree:
            yield from _numbers(value)


def _seed_means(result):
    """The mean over seeds of each MNIST configuration's final errors."""
    by_config = {}
    runs = result.get("runs", {})
    for name, run in runs.items() if isinstance(runs, dict) else ():
        if isinstance(run, dict) and "final_test_error" in run:
            errors = {"": run["final_test_error"]}
            errors |= run.get("final_test_error_by_prediction", {})
            config = re.sub(r"-seed\d+$", "", name)
            for readout, error in errors.items():
                by_config.setdefault((config, readout), []).append(error)
    return [sum(errors) / len(errors) for errors in by_config.values()]


def _stored_values(stem):
    values = []
    for path in RESULTS.glob(f"{stem}*.json"):
        result = json.loads(path.read_text())
        # A gap quoted as "2.4 points behind" is the size of a stored -2.4.
        for value in [*_numbers(result), *_seed_means(result)]:
            values += [abs(value), 100 * abs(value)]
    return values


def _sections(path):
    """The text of ``path`` as sections (of an .rst file, between headings;
    a Python file is one section), each a list of paragraphs."""
    sections, paragraphs, paragraph = [], [], []
    for line in path.read_text().splitlines():
        if path.suffix == ".rst" and HEADING.match(line.strip()):
            paragraph = paragraph[:-1]  # the heading's title
            sections.append([*paragraphs, paragraph])
            paragraphs, paragraph = [], []
        elif line.strip():
            paragraph.append(line)
        else:
            paragraphs.append(paragraph)
            paragraph = []
    sections.append([*paragraphs, paragraph])
    return [[" ".join(lines) for lines in section if lines] for section in sections]


def prose_figures():
    """``(where, figure, the stems of the result files it may come from)``."""
    for path in PROSE:
        for section in _sections(path):
            section_sources = set(SOURCE.findall(" ".join(section)))
            for paragraph in section:
                for match in QUOTED_IN_PROSE.finditer(paragraph):
                    figure = match.group(0) + re.match(
                        r"%| s\b| ms\b| times\b| points\b| of \d+| GFLOP",
                        paragraph[match.end() :],
                    ).group(0)
                    context = paragraph[max(match.start() - 60, 0) : match.end() + 20]
                    where = f"{path.relative_to(ROOT)}: ...{context}..."
                    yield where, figure, section_sources


def test_prose_figures_are_found():
    # The check below would pass vacuously if the figures were not found.
    figures = [figure for _, figure, _ in prose_figures()]
    assert len(figures) > 20
    assert "1.36%" in figures


@pytest.mark.parametrize(
    "where, figure, sources", list(prose_figures()), ids=lambda value: None
)
def test_each_figure_in_the_docs_is_a_stored_result(where, figure, sources):
    if figure in NOT_MEASURED:
        return
    number = QUOTED_IN_PROSE.match(figure).group(1)
    assert sources, f"{figure!r} names no result file in its section: {where}"
    stored = [value for stem in sources for value in _stored_values(stem)]
    assert is_stored(number, stored), (
        f"{figure!r} is not in {sorted(sources)}'s results: {where}"
    )
