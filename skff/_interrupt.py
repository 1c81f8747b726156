"""Ctrl-C during training: finish the current batch, then stop cleanly."""

import signal
import threading


class StopOnInterrupt:
    """Context manager that turns the first Ctrl-C into a request to stop.

    Called, it says whether a stop was requested. Training checks it after every
    batch, so the weights are never left half-updated; a second Ctrl-C raises
    ``KeyboardInterrupt`` at once, as usual. Outside the main thread, where Python
    delivers no signals, it does nothing.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            # A handler installed from C cannot be reinstalled from Python: leave it.
            if previous is not None:
                self._previous = previous
                signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False

    def __call__(self):
        return self.requested
