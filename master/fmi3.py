"""An FMI 3.0 co-simulation FMU behind the FMI 2.0-shaped calls the master
makes (fmpy's FMU3Slave with the methods of its FMU2Slave), so that one
``Slave`` runs both versions in the same system.

What differs and how it is bridged:
  * FMI 3.0 has no ``fmi2SetupExperiment``: its start and stop times are
    kept and passed to ``fmi3EnterInitializationMode``;
  * Reals are ``Float64``, Integers are ``Int32`` (the FMI 2.0 Integer), a
    Boolean is a C ``bool`` (copied to and from the master's int buffers);
    the array calls take the number of values too;
  * ``fmi3DoStep`` returns its event/termination/early-return flags through
    pointers, made once here;
  * log messages carry no instance name: each instance gets its own callback
    writing to its own log (messages come unformatted, no proxy is needed).
Limits: no clocks, events, intermediate updates or arrays (none of the
variables the master wires is an array); early return is not allowed.
"""
from __future__ import annotations

import ctypes

from fmpy.fmi3 import FMU3Slave, fmi3Boolean, fmi3Float64

_LABELS = ("OK", "WARNING", "DISCARD", "ERROR", "FATAL")


class Fmi3Slave(FMU3Slave):
    """fmpy's FMU3Slave answering the FMI 2.0 calls of ``master.slave.Slave``."""

    def __init__(self, log: list[str], **kwargs):
        super().__init__(**kwargs)
        self._log = log
        self._start, self._stop = 0.0, None
        self._flags = [fmi3Boolean() for _ in range(3)]
        self._last_time = fmi3Float64()

    def instantiate(self, callbacks=None, **_):
        def log(environment, status, category, message):
            self._log.append(message.decode("utf-8", "replace") if message else "")
            del self._log[:-20]
        super().instantiate(loggingOn=False, logMessage=log)

    def setupExperiment(self, startTime=0.0, stopTime=None, **_):
        self._start, self._stop = startTime, stopTime

    def enterInitializationMode(self, **_):
        super().enterInitializationMode(startTime=self._start, stopTime=self._stop)

    def setReal(self, vr, values):
        self.setFloat64(vr, values)

    def setInteger(self, vr, values):
        self.setInt32(vr, values)

    def getFMUstate(self):
        return self.getFMUState()

    def setFMUstate(self, state):
        self.setFMUState(state)

    def freeFMUstate(self, state):
        self.freeFMUState(state)

    def fmi2GetReal(self, component, vrs, n, values):
        return self.fmi3GetFloat64(component, vrs, n, values, n)

    def fmi2SetReal(self, component, vrs, n, values):
        return self.fmi3SetFloat64(component, vrs, n, values, n)

    def fmi2GetInteger(self, component, vrs, n, values):
        return self.fmi3GetInt32(component, vrs, n, values, n)

    def fmi2SetInteger(self, component, vrs, n, values):
        return self.fmi3SetInt32(component, vrs, n, values, n)

    def fmi2GetBoolean(self, component, vrs, n, values):
        """Into ``values`` of the FMI 2.0 Boolean (an int); FMI 3.0's is a C bool."""
        flags = (fmi3Boolean * n)()
        status = self.fmi3GetBoolean(component, vrs, n, flags, n)
        for i in range(n):
            values[i] = int(flags[i])
        return status

    def fmi2SetBoolean(self, component, vrs, n, values):
        flags = (fmi3Boolean * n)(*(bool(values[i]) for i in range(n)))
        return self.fmi3SetBoolean(component, vrs, n, flags, n)

    def fmi2DoStep(self, component, t, h, no_prior_state):
        event, terminate, early = (ctypes.byref(flag) for flag in self._flags)
        return self.fmi3DoStep(component, t, h, no_prior_state, event, terminate, early,
                               ctypes.byref(self._last_time))
