"""Stopping a run cleanly when the user asks: SIGINT (Ctrl-C) and SIGTERM.

While a run is active, each of these signals only *records* that a stop was
asked; the master finishes the macro step it is in, writes whole results and
an ``energy.json`` that says the run was interrupted, frees every FMU and
removes its temporary folders, then raises :class:`RunInterrupted`
(``btwin run`` exits 128 + the signal number: 130 for SIGINT, 143 for SIGTERM).

Why not Python's default ``KeyboardInterrupt``: our FMUs run Python inside
the same interpreter, so the exception would be raised inside an FMU's own
code, in the middle of a C call of fmpy; the FMU then reports a fatal error
or leaves the process in a state that crashes. A flag read between steps
cannot interrupt anything half done.

Limits: a single macro step is never cut short (an FMU that hangs in
``fmi2DoStep`` is not stopped by SIGINT; SIGKILL still is). Handlers can only
be installed from the main thread; a run in another thread is not stoppable
by signals (its process's handlers stay as they are).
"""
from __future__ import annotations

import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(Exception):
    """The run stopped at ``time_s`` because of ``signal_number``; ``result``
    is the :class:`~btwin.master.master.RunResult` up to there."""

    def __init__(self, signal_number: int, time_s: float, result=None):
        self.signal_number, self.time_s, self.result = signal_number, time_s, result
        self.partial_results = getattr(result, "results_path", None)
        name = signal.Signals(signal_number).name
        where = f"; whole results up to there are in {self.partial_results}" if self.partial_results else ""
        super().__init__(f"stopped by {name} after the macro step ending at t = {time_s:.9g} s{where}")


class StopRequests:
    """A context in which SIGINT and SIGTERM set :attr:`signal_number`
    instead of acting; the previous handlers come back on exit."""

    def __init__(self):
        self.signal_number: int | None = None
        self._previous: dict[int, object] = {}

    def _record(self, number: int, frame) -> None:
        if self.signal_number is None:
            self.signal_number = number

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                self._previous[number] = signal.signal(number, self._record)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()
