"""Plots for the benchmarks, when matplotlib is installed."""


def agg_pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend, or ``None`` (and say so)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written")
        return None
    return plt
