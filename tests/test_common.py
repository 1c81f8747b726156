"""scikit-learn's own estimator checks, with only the exceptions it grants SGD."""

from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skff import ForwardForwardClassifier

# The same exceptions scikit-learn grants its own minibatch SGD estimators
# (SGDClassifier, Perceptron): see sklearn/utils/_test_common/instance_generator.py.
MINIBATCH_ORDER = (
    "sample_weight is not equivalent to removing/repeating samples: minibatch "
    "training sees a different sequence of batches."
)
SGD_EXCEPTIONS = {
    "check_sample_weight_equivalence_on_dense_data": MINIBATCH_ORDER,
    "check_sample_weight_equivalence_on_sparse_data": MINIBATCH_ORDER,
}


def expected_failed_checks(estimator):
    return SGD_EXCEPTIONS


@parametrize_with_checks(
    # The combined prediction fits goodness_scale_ on the training rows, a
    # step the other predictions do not have.
    [ForwardForwardClassifier(), ForwardForwardClassifier(prediction="combined")],
    expected_failed_checks=expected_failed_checks,
    # An excused check that starts passing is news: it fails the run.
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_parameters_are_validated():
    check_param_validation("ForwardForwardClassifier", ForwardForwardClassifier())
