"""The README's first command: the digits demo against MLPClassifier."""

import pytest

from skff import demo


@pytest.mark.slow
def test_demo_prints_accuracy_and_fit_time_of_both_models(capsys):
    demo.main()
    output = capsys.readouterr().out
    for name in ("ForwardForwardClassifier", "MLPClassifier"):
        line = next(line for line in output.splitlines() if line.startswith(name))
        accuracy, seconds = line.split()[1:]
        assert 0.9 <= float(accuracy) <= 1.0
        assert float(seconds.rstrip("s")) > 0
