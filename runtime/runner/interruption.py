"""Signals that stop a run: SIGTERM and SIGHUP do what Ctrl-C (SIGINT) does.

`timeout`, CI cancellation, `systemctl stop` and `docker stop` send SIGTERM; a
closed terminal sends SIGHUP.  Python's default for both ends the process at
once, leaving the steps running and the run recorded as running.  While a run
executes, they raise `Interrupted` in the main thread instead, as SIGINT
raises KeyboardInterrupt, so the runner stops its steps and records the run as
INTERRUPTED whichever signal it got.  (SIGKILL can't be caught: see
process_groups.py for the watchdog and store.py for how the next command
finds the run of a dead runner.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal other than SIGINT."""

    def __init__(self, signal_number: int):
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number


def signal_of(error: BaseException) -> str | None:
    """The signal's name when `error` is an interruption (SIGINT for Ctrl-C), else None."""
    if isinstance(error, Interrupted):
        return signal.Signals(error.signal_number).name
    if isinstance(error, KeyboardInterrupt):
        return "SIGINT"
    return None


def exit_code(error: BaseException) -> int:
    """The shell's convention: 128 + the signal's number."""
    return 128 + (error.signal_number if isinstance(error, Interrupted) else signal.SIGINT)


def _raise_interrupted(signal_number: int, frame) -> None:
    raise Interrupted(signal_number)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise Interrupted (only the main thread can catch signals).

    Signals whose handler is not the default (ignored, or handled by the program embedding the runner) are
    left as they are.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal someone chose to ignore (`nohup` ignores SIGHUP) stays ignored.
    previous = {
        number: signal.signal(number, _raise_interrupted)
        for number in STOP_SIGNALS
        if signal.getsignal(number) is signal.SIG_DFL
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
