"""The README's first command: the digits demo against MLPClassifier."""

import time

import pytest

from skff import demo


@pytest.mark.slow
def test_demo_prints_accuracy_and_fit_time_of_both_models(capsys):
    started = time.perf_counter()
    demo.main()
    elapsed = time.perf_counter() - started
    output = capsys.readouterr().out
    seconds = {}
    for name in ("ForwardForwardClassifier", "MLPClassifier"):
        line = next(line for line in output.splitlines() if line.startswith(name))
        accuracy, fit_time = line.split()[1:]
        # The same fit as test_classifier's digits test, which asks for 0.95.
        assert 0.95 <= float(accuracy) <= 1.0
        seconds[name] = float(fit_time.rstrip("s"))
    # Each fit time is a share of the demo's own run time, not a cumulative or
    # stale clock.
    assert 0 < sum(seconds.values()) < elapsed
