"""Tables of the stored benchmark results, written as reStructuredText when the
docs are built, so that the Benchmarks page shows what ``benchmarks/results/``
holds and nothing else.

``write_tables(out_dir)`` writes one ``.rst`` file per result file; the page
includes them.
"""

import json
import math
import re
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _table(header, rows):
    """A reStructuredText list-table."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append("   * - " + str(row[0]))
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def _provenance(command, machine):
    cpu = machine.get("gpu") or machine.get("cpu")
    return (
        f"Made by ``{command.strip()}`` on {cpu} ({machine.get('cpu_count')} cores), "
        f"torch {machine.get('torch')}, scikit-learn {machine.get('sklearn')}.\n\n"
    )


def _gap_cell(entry):
    """A set's gap in points, with its standard error where the
    cross-validation was repeated."""
    gap = f"{entry['gap_points']:+.1f}"
    if "gap_standard_error_points" in entry:
        gap += f" ± {entry['gap_standard_error_points']:.1f}"
    return gap


def suite_table(path=RESULTS / "vs_mlp_suite.json"):
    result = json.loads(path.read_text())
    summary = result["summary"]
    behind = summary["behind_by_more_than_tolerance"]
    behind = ", ".join(f"{k} ({v:+.1f})" for k, v in behind.items()) or "none"
    text = _provenance(result["command"], result["machine"])
    text += (
        f"skff within {summary['tolerance_points']:g} point of MLPClassifier or "
        f"better on **{summary['n_within_tolerance']} of {summary['n_sets']}** sets "
        f"(mean gap {summary['mean_gap_points']:+.1f} points); more than that "
        f"behind on {behind}. "
        f"Fit time **{summary['geometric_mean_fit_time_ratio']:.2f}x** "
        "MLPClassifier's (geometric mean over the sets).\n\n"
    )
    if "protocol" in result:
        text += f"Scored by {result['protocol']}."
        first = summary.get("behind_by_more_than_tolerance_in_first_repeat")
        if first is not None:
            first = ", ".join(f"{k} ({v:+.1f})" for k, v in first.items()) or "none"
            text += f" By the first repeat alone (one 5-fold CV), behind on {first}."
        text += "\n\n"
    has_majority = any("majority_class_accuracy" in e for e in result["sets"].values())
    rows = []
    for name, entry in result["sets"].items():
        if "skff" not in entry:
            rows.append([name, "", "", "", "skipped", *[""] * (3 + has_majority)])
            continue
        shape = f"{entry['n_samples']} x {entry['n_features']}, {entry['n_classes']}"
        rows.append(
            [
                name,
                shape,
                f"{entry['skff']['accuracy']:.3f}",
                f"{entry['mlp']['accuracy']:.3f}",
                _gap_cell(entry),
                *([f"{entry['majority_class_accuracy']:.3f}"] if has_majority else []),
                f"{entry['skff']['fit_seconds']:.2f}",
                f"{entry['mlp']['fit_seconds']:.2f}",
                f"{entry['fit_time_ratio']:.2f}",
            ]
        )
    header = [
        "set",
        "rows x features, classes",
        "skff",
        "MLPClassifier",
        "gap (points, ± standard error over repeats)",
        *(["most frequent class"] if has_majority else []),
        "skff fit (s)",
        "MLP fit (s)",
        "time ratio",
    ]
    return text + _table(header, rows)


def epoch_budget_table(path=RESULTS / "epoch_budget.json"):
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = []
    for name, entry in result["sets"].items():
        for epochs, budget in entry["budgets"].items():
            skff, mlp = budget["skff"], budget["mlp"]
            rows.append(
                [
                    name,
                    epochs,
                    f"{skff['accuracy']:.3f} ({skff['epochs_run']:.0f})",
                    f"{mlp['accuracy']:.3f} ({mlp['epochs_run']:.0f})",
                    f"{budget['gap_points']:+.1f}",
                    f"{skff['fit_seconds']:.2f}",
                    f"{mlp['fit_seconds']:.2f}",
                    f"{budget['fit_time_ratio']:.2f}",
                ]
            )
    header = [
        "set",
        "max_iter",
        "skff (mean epochs run)",
        "MLPClassifier (mean epochs run)",
        "gap (points)",
        "skff fit (s)",
        "MLP fit (s)",
        "time ratio",
    ]
    return text + _table(header, rows)


def throughput_table(path=RESULTS / "throughput.json"):
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = []
    for run in result["runs"]:
        layers = "-".join(str(width) for width in run["hidden_layer_sizes"])
        batch = run["batch_size"]
        if run.get("batch_size_setting") == "auto":
            batch = f'"auto" ({batch})'
        rows.append(
            [
                layers,
                batch,
                f"{run['seconds_per_epoch']:.2f} s",
                f"{run['essential_gflops_per_s']:.0f} GFLOP/s",
                f"**{run['ratio_to_peak']:.0%}** "
                f"({run['peak_matmul_gflops_per_s']:.0f} GFLOP/s)",
                f"{run['executed_ratio_to_peak']:.0%}",
                f"{run['ratio_to_matmul']:.0%} ({run['matmul_gflops_per_s']:.0f})",
                f"{run['predict_10k_seconds']:.2f} s",
            ]
        )
    header = [
        "layers",
        "batch",
        "epoch",
        "essential work",
        "of the peak matmul rate",
        "executed work, of the peak",
        "of the batch's products",
        "predict 10,000",
    ]
    return text + _table(header, rows)


def prediction_cost_table(path=RESULTS / "throughput.json"):
    """What each ``prediction`` costs for 10,000 rows, with 10 and 1,000 classes."""
    result = json.loads(path.read_text())
    seconds = result["scaling"]["predict_10k_seconds"]
    text = (
        "What prediction costs, for 10,000 MNIST images with the defaults' "
        "network (the combined readout runs both passes).\n"
        + _provenance(result["command"], result["machine"])
    )
    passes = {
        "softmax": '``"softmax"``: one pass under the neutral label',
        "goodness": '``"goodness"``: one pass per label',
    }
    rows = [
        [label, *(f"{seconds[f'{name}, K={k}']:.2f} s" for k in (10, 1000))]
        for name, label in passes.items()
    ]
    combined = [
        seconds[f"softmax, K={k}"] + seconds[f"goodness, K={k}"] for k in (10, 1000)
    ]
    rows.append(
        ['``"combined"``: both', *(f"about {total:.2f} s" for total in combined)]
    )
    return text + _table(["``prediction``", "10 classes", "1,000 classes"], rows)


def _span(seconds):
    if not seconds:
        return ""
    low, high = round(min(seconds)), round(max(seconds))
    return f"{low} s" if low == high else f"{low}-{high} s"


def _config(name):
    return re.sub(r"-seed\d+$", "", name)


def mnist_table(path=RESULTS / "mnist_accuracy.json"):
    result = json.loads(path.read_text())
    by_config = defaultdict(list)
    for name, run in result["runs"].items():
        by_config[_config(name)].append((name, run))
    rows = []
    for config, runs in by_config.items():
        finals = [run["final_test_error"] for _, run in runs]
        cpus = sorted({(run.get("machine") or {}).get("cpu", "?") for _, run in runs})
        seconds = [run.get("fit_seconds") for _, run in runs]
        seconds = [s for s in seconds if s is not None]
        rows.append(
            [
                f"``{config}``",
                len(runs),
                runs[0][1]["epochs"],
                ", ".join(f"{100 * e:.2f}%" for e in finals),
                f"{100 * sum(finals) / len(finals):.2f}%",
                ", ".join(f"{100 * run['best_test_error']:.2f}%" for _, run in runs),
                _span(seconds),
                ", ".join(cpus),
            ]
        )
    header = [
        "configuration",
        "runs",
        "epochs",
        "final test error",
        "mean",
        "best epoch",
        "fit",
        "machine",
    ]
    text = (
        "Every stored run of ``python benchmarks/mnist_accuracy.py CONFIG "
        "[--seed N]`` (``benchmarks/results/mnist_accuracy.json``; each run keeps "
        "its own command and machine).\n\n"
    )
    return text + _table(header, rows)


# The research variants: their MNIST configuration, the parameter each sets,
# and the stem of their run of the small-data suite (``--quick``).
VARIANTS = {
    "default-500x500": ("none", "vs_mlp_suite_quick_500x500"),
    "default-top-k": ('``goodness="top_k_mean_squares"``', "vs_mlp_suite_top_k"),
    "default-entmax": ('``goodness="entmax_energy"``', "vs_mlp_suite_entmax"),
    "default-kurtosis": (
        '``goodness="excess_kurtosis", symba_alpha=1``',
        "vs_mlp_suite_kurtosis",
    ),
    "default-ffcl": ('``label_forwarding="every_layer"``', "vs_mlp_suite_ffcl"),
    "default-all-negatives": ('``negatives="all"``', "vs_mlp_suite_all_negatives"),
    "default-collaborative": ("``collaboration=1.0``", "vs_mlp_suite_collaborative"),
}


def variants_table(path=RESULTS / "mnist_accuracy.json"):
    """Each research variant beside the defaults: MNIST over its seeds, and
    the small-data suite's sets of up to 2,000 rows."""
    runs = json.loads(path.read_text())["runs"]
    by_config = defaultdict(list)
    for name, run in runs.items():
        by_config[_config(name)].append(run)
    default_seconds = _mean(
        [run["fit_seconds"] for run in by_config["default-500x500"]]
    )
    rows = []
    for config, (parameter, suite_stem) in VARIANTS.items():
        mnist = by_config.get(config, [])
        if not mnist:
            continue
        finals = [100 * run["final_test_error"] for run in mnist]
        bests = [100 * run["best_test_error"] for run in mnist]
        seconds = _mean([run["fit_seconds"] for run in mnist])
        suite_path = RESULTS / f"{suite_stem}.json"
        suite = "-"
        if suite_path.exists():
            summary = json.loads(suite_path.read_text())["summary"]
            suite = (
                f"{summary['n_within_tolerance']} of {summary['n_sets']}, "
                f"mean gap {summary['mean_gap_points']:+.1f}"
            )
        rows.append(
            [
                f"``{config}``",
                parameter,
                ", ".join(f"{error:.2f}%" for error in finals),
                f"**{_mean(finals):.2f}%**",
                f"{_mean(bests):.2f}%",
                f"{seconds / default_seconds:.2f}x",
                suite,
            ]
        )
    header = [
        "configuration",
        "variant",
        "MNIST final error by seed",
        "mean",
        "mean best epoch",
        "fit time against 784-500-500",
        "suite (<= 2,000 rows): within a point of MLP",
    ]
    text = (
        "The defaults on the network they had before one layer of 1000 "
        "(784-500-500 on MNIST, 30 epochs; label forwarding and collaboration "
        "need a second layer) with one research variant each: ``python "
        "benchmarks/mnist_accuracy.py CONFIG --seed N`` and ``python "
        "benchmarks/vs_mlp_suite.py --quick --param NAME=VALUE --param "
        "hidden_layer_sizes='(500, 500)' --param learning_rate_init=0.003 "
        "--param averaging_epochs=0.0 "
        "--output benchmarks/results/vs_mlp_suite_VARIANT.json`` (the suites "
        "but collaboration's ran when these were the defaults, without the "
        "last three ``--param``; the MNIST runs set the rate too). Some "
        "runs trained beside others, so the time ratios are rough.\n\n"
    )
    return text + _table(header, rows)


def _mean(values):
    return sum(values) / len(values)


def time_to_accuracy_table(paths=None):
    """The time-to-accuracy runs of every seed (``vs_mlp.json`` and
    ``vs_mlp_seedN.json``), one table each."""
    paths = paths or [
        RESULTS / "vs_mlp.json",
        *sorted(RESULTS.glob("vs_mlp_seed*.json")),
    ]
    return "\n".join(_time_to_accuracy(path) for path in paths)


def _time_to_accuracy(path):
    result = json.loads(path.read_text())
    text = f"Seed {result['seed']}. " + _provenance(
        result["command"], result["machine"]
    )

    def reached(run, level):
        seconds = run["seconds_to_reach"].get(level)
        return "-" if seconds is None or math.isnan(seconds) else f"{seconds:.1f} s"

    rows = [
        [
            name,
            f"{100 * max(run['test_accuracy']):.2f}%",
            reached(run, "0.975"),
            reached(run, "0.980"),
            f"{run['fit_seconds']:.1f} s",
            f"{run['predict_10k_seconds']:.2f} s",
        ]
        for name, run in result["runs"].items()
    ]
    header = ["model", "best test accuracy", "first at 97.5%", "first at 98%", "fit"]
    return text + _table([*header, "predict 10,000"], rows)


def _cost_columns(entry, unit):
    """MLPClassifier's cost per ``unit`` ("epoch" or "call"), then skff's in
    its own batches and in batches of 200, each with its ratio to
    MLPClassifier's: in ms, with the steps it takes in brackets."""

    def cost(run):
        return f"{1e3 * run[f'{unit}_seconds']:.2f} ({run[f'steps_per_{unit}']})"

    columns = [cost(entry["mlp"])]
    for name in ("skff", "skff_batch_200"):
        columns += [cost(entry[name]), f"{entry[name][f'{unit}_ratio_to_mlp']:.2f}"]
    return columns


def _cost_header(unit):
    return [
        f"MLPClassifier {unit} (ms)",
        f"skff {unit} (ms)",
        "ratio",
        "skff, batches of 200 (ms)",
        "ratio",
    ]


def epoch_cost_table(path=RESULTS / "epoch_cost.json"):
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = [
        [
            f"{entry['n_samples']:,} x {entry['n_features']}",
            *_cost_columns(entry, "epoch"),
        ]
        for entry in result["sets"].values()
    ]
    return text + _table(["rows x features", *_cost_header("epoch")], rows)


def partial_fit_cost_table(path=RESULTS / "partial_fit_cost.json"):
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = [
        [f"{entry['chunk_rows']:,}", *_cost_columns(entry, "call")]
        for entry in result["sizes"].values()
    ]
    return text + _table(["rows a call", *_cost_header("call")], rows)


def predict_latency_table(path=RESULTS / "predict_latency.json"):
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = [
        [
            f"{name} ({width['n_features']})",
            f"{int(rows):,}",
            *(
                f"{1e3 * entry[model]:.2f}"
                for model in ("mlp", "skff", "skff_full_blocks")
            ),
            f"{entry['ratio_to_mlp']:.2f}",
        ]
        for name, width in result["widths"].items()
        for rows, entry in width["calls"].items()
    ]
    header = [
        "data (features)",
        "rows a call",
        "MLPClassifier (ms)",
        "skff (ms)",
        "skff, full blocks (ms)",
        "ratio",
    ]
    return text + _table(header, rows)


def busy_machine_table(path=RESULTS / "busy_machine.json"):
    """Median fit times while busy processes keep some of the cores busy."""
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    loads = result["loads"]
    rows = [
        [
            name,
            f"{load['busy_processes']} of {result['cores']}",
            *(
                f"{load['median_fit_seconds'][name][model]:.2f}"
                for model in ("skff", "skff_one_thread", "mlp")
            ),
        ]
        for name in loads[0]["median_fit_seconds"]
        for load in loads
    ]
    header = [
        "data",
        "busy cores",
        "skff, torch's threads (s)",
        "skff, ``n_threads=1`` (s)",
        "MLPClassifier (s)",
    ]
    return text + _table(header, rows)


def busy_machine_steps_table(path=RESULTS / "busy_machine.json"):
    """Milliseconds of one training step by batch, on all threads and on one,
    under each load."""
    result = json.loads(path.read_text())
    loads = result["loads"]
    rows = []
    for batch in loads[0]["step_milliseconds"]:
        for load in loads:
            step = load["step_milliseconds"][batch]
            rows.append(
                [
                    batch,
                    f"{step['multiply_adds']:,}",
                    f"{step['activities']:,}",
                    f"{load['busy_processes']} of {result['cores']}",
                    f"{step['all_threads']:.2f}",
                    f"{step['one_thread']:.2f}",
                ]
            )
    header = [
        "rows a step",
        "multiply-adds a step",
        "activities a step",
        "busy cores",
        "all threads (ms)",
        "one thread (ms)",
    ]
    return _table(header, rows)


def first_fit_table(path=RESULTS / "first_fit.json"):
    """The demo's fits in fresh processes, under each allocator setting."""
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])

    def fit_cell(medians, fit):
        seconds, faults = medians[f"{fit}_seconds"], medians[f"{fit}_page_faults"]
        return f"{seconds:.3f} ({faults:,.0f})"

    rows = [
        [
            f"``{setting}``",
            fit_cell(medians, "skff_first"),
            fit_cell(medians, "skff_second"),
            f"{medians['mlp_seconds']:.3f}",
            f"{medians['first_fit_extra_seconds']:+.3f}",
            f"{medians['first_fit_over_mlp']:.2f}",
        ]
        for setting, medians in result["summary"].items()
    ]
    header = [
        "allocator",
        "skff, first fit (s, page faults)",
        "skff, second fit (s, page faults)",
        "MLPClassifier (s)",
        "first minus second (s)",
        "first over MLPClassifier",
    ]
    return text + _table(header, rows)


def fit_memory_table(path=RESULTS / "fit_memory.json"):
    """The memory a one-epoch fit adds to a fresh process holding the data."""
    result = json.loads(path.read_text())
    text = _provenance(result["command"], result["machine"])
    rows = [
        [
            f"``{name}``",
            " x ".join(f"{n:,}" for n in entry["shape"]),
            f"{entry['data_mb']:.0f} ({entry['dtype']})",
            f"{entry['skff']['fit_extra_mb']:.0f}",
            f"{entry['mlp']['fit_extra_mb']:.0f}",
        ]
        for name, entry in result["sets"].items()
    ]
    header = [
        "data",
        "rows x features",
        "data (MB)",
        "skff's fit adds (MB)",
        "MLPClassifier's fit adds (MB)",
    ]
    return text + _table(header, rows)


TABLES = {
    "suite": suite_table,
    "real": lambda: suite_table(RESULTS / "vs_mlp_real.json"),
    "real_held_out": lambda: suite_table(RESULTS / "vs_mlp_real_held_out.json"),
    "epoch_budget": epoch_budget_table,
    "throughput": throughput_table,
    "prediction_cost": prediction_cost_table,
    "mnist": mnist_table,
    "variants": variants_table,
    "time_to_accuracy": time_to_accuracy_table,
    "epoch_cost": epoch_cost_table,
    "partial_fit_cost": partial_fit_cost_table,
    "predict_latency": predict_latency_table,
    "busy_machine": busy_machine_table,
    "busy_machine_steps": busy_machine_steps_table,
    "first_fit": first_fit_table,
    "fit_memory": fit_memory_table,
}


def write_tables(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, make in TABLES.items():
        (out_dir / f"{name}.rst").write_text(make())
