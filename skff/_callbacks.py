"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn 1.9 and later).

A fit is a task and each epoch one of its subtasks, so that ``ProgressBar``
shows epochs and ``ScoringMonitor`` records a score per epoch, also inside a
grid search. With an older scikit-learn the estimator has no ``set_callbacks``
and fits exactly as before.
"""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stands in for scikit-learn's mixin where it has none: no callbacks."""

        def _init_callback_context(self, **task):
            return _NoCallbacks()


CALLBACKS_AVAILABLE = hasattr(CallbackSupportMixin, "set_callbacks")


class _NoCallbacks:
    """A callback context with no callbacks: every hook does nothing."""

    def subcontext(self, **task):
        return self

    def call_on_fit_task_begin(self, **arguments):
        return self

    def call_on_fit_task_end(self, **arguments):
        return False
