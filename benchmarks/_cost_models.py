"""What the cost benchmarks (``epoch_cost.py``, ``partial_fit_cost.py``) share:
the batches of the three models they time, by name, and the ratios that put
skff's costs beside MLPClassifier's."""

from skff._backend.schedule import auto_batch_size

# MLPClassifier's batch_size="auto": min(200, n_samples).
MLP_BATCH_ROWS = 200
# skff with its own batch size, and in MLPClassifier's.
SKFF_MODELS = ("skff", "skff_batch_200")
BATCH_ROWS = {
    "mlp": lambda n_rows: MLP_BATCH_ROWS,
    "skff": auto_batch_size,
    "skff_batch_200": lambda n_rows: MLP_BATCH_ROWS,
}


def steps(name, n_rows):
    """The steps model ``name`` takes over ``n_rows`` rows (no batch is larger
    than the rows)."""
    return -(-n_rows // min(BATCH_ROWS[name](n_rows), n_rows))


def add_ratios_to_mlp(result, unit):
    """Give each skff model of ``result`` its ``{unit}_ratio_to_mlp``: its
    ``{unit}_seconds`` over MLPClassifier's."""
    for name in SKFF_MODELS:
        result[name][f"{unit}_ratio_to_mlp"] = (
            result[name][f"{unit}_seconds"] / result["mlp"][f"{unit}_seconds"]
        )
