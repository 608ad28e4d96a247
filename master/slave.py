"""One FMI 2.0 co-simulation FMU instance, loaded through fmpy's FMU2Slave
(an FMI 3.0 one through ``fmi3.Fmi3Slave``, which answers the same calls),
with what the master needs: typed parameter setting, fast Real get/set on
pre-allocated ctypes arrays, state save/restore, and FMU errors turned into
:class:`FmuError` carrying the FMU's own log message."""
from __future__ import annotations

import ctypes
import time
from pathlib import Path

import numpy as np
from fmpy.fmi1 import FMICallException
from fmpy.fmi2 import (FMU2Slave, fmi2Boolean, fmi2CallbackAllocateMemoryTYPE, fmi2CallbackFreeMemoryTYPE,
                       fmi2CallbackFunctions, fmi2CallbackLoggerTYPE, fmi2Integer, fmi2Real, fmi2ValueReference)

from .fmi3 import Fmi3Slave
from .fmu_info import FmuInfo, fmu_info
from .unpack import remove, unpack

STATUS = ("OK", "Warning", "Discard", "Error", "Fatal", "Pending")
WARNING, DISCARD = 1, 2


class FmuError(RuntimeError):
    """An FMU call failed: names the instance, the call, the time, the status
    and the last messages the FMU logged."""

    def __init__(self, instance: str, function: str, time_s: float, status: int, log: list[str]):
        self.instance, self.function, self.time, self.status, self.log = instance, function, time_s, status, log
        label = STATUS[status] if 0 <= status < len(STATUS) else str(status)
        message = f"FMU {instance!r}: {function} returned fmi2{label} at t = {time_s:.9g} s"
        if log:
            message += ": " + " | ".join(log[-3:])
        super().__init__(message)

    @property
    def discarded(self) -> bool:
        return self.status == DISCARD


# Log messages of running instances, by instance name (the last 20 each).
_LOG_SINKS: dict[str, list[str]] = {}
_SHARED_CALLBACKS: fmi2CallbackFunctions | None = None
_LABELS = ("OK", "WARNING", "DISCARD", "ERROR", "FATAL", "PENDING")


def _callbacks() -> fmi2CallbackFunctions:
    """The FMI callbacks of every instance the master creates.

    fmpy's C proxy, which formats printf-style messages before they reach
    Python, holds a single process-wide logger: one registered per instance
    would leave it pointing at a freed function once that instance is gone,
    and the next message would crash the process. So one logger is
    registered, kept for the life of the process, and it routes each message
    to its instance's log by name (printing it, as fmpy does, otherwise)."""
    global _SHARED_CALLBACKS
    if _SHARED_CALLBACKS is not None:
        return _SHARED_CALLBACKS
    libc = ctypes.CDLL(None)
    libc.calloc.restype, libc.calloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t, ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]

    def logger(env, instance, status, category, message):
        text = message.decode("utf-8", "replace") if message else ""
        sink = _LOG_SINKS.get(instance.decode("utf-8", "replace") if instance else "")
        if sink is None:
            print(f"[{_LABELS[status] if 0 <= status < len(_LABELS) else status}] {text}")
            return
        sink.append(text)
        del sink[:-20]

    callbacks = fmi2CallbackFunctions()
    callbacks.logger = fmi2CallbackLoggerTYPE(logger)
    callbacks.allocateMemory = fmi2CallbackAllocateMemoryTYPE(libc.calloc)
    callbacks.freeMemory = fmi2CallbackFreeMemoryTYPE(libc.free)
    try:
        from fmpy.logging import addLoggerProxy
        addLoggerProxy(ctypes.byref(callbacks))
    except Exception:  # the raw format string is still better than nothing
        pass
    _SHARED_CALLBACKS = callbacks
    return callbacks


class InstancePool:
    """FMU instances kept between runs in one process, for a caller that runs
    the same FMUs again and again (a fleet worker's vehicle-days). A run's
    instance is terminated and reset (``fmi2Reset``: back to the state after
    ``fmi2Instantiate``, FMI 2.0 sec. 4.2.4) instead of freed, and the next
    run with the same unpacked folder and instance name takes it instead of
    loading and instantiating anew. Reuse is what keeps a long-running
    process flat: pythonfmu 0.7.0 keeps about 1.6 kB at every instantiation
    (its class lookup) and fmpy some more per loaded instance, but nothing
    at a reset. Only FMI 2 instances of a folder the caller unpacked are
    pooled; an instance whose reset fails is freed. A pool trusts each
    FMU's reset: one that does not restore its instantiated state, as the
    standard asks, must not be run with a pool."""

    def __init__(self):
        self._free: dict[tuple, list] = {}

    def take(self, key: tuple):
        kept = self._free.get(key)
        return kept.pop() if kept else None

    def keep(self, key: tuple, fmu) -> None:
        self._free.setdefault(key, []).append(fmu)

    def close(self) -> None:
        """Free every kept instance."""
        for kept in self._free.values():
            for fmu in kept:
                try:
                    fmu.freeInstance()
                except Exception:
                    pass
        self._free.clear()


class Slave:
    """A running FMU instance of ``source``, an ``.fmu`` archive or a folder
    an FMU was unpacked into (which a caller running many instances of the
    same FMU unpacks once: fmpy's ``unzipDirectory``). ``time_in_fmu_s``
    accumulates the wall time spent inside ``fmi2DoStep`` and the get/set calls."""

    def __init__(self, name: str, source: str | Path, pool: InstancePool | None = None):
        self.name = name
        self.info: FmuInfo = fmu_info(source)
        self.log: list[str] = []
        self.time = 0.0
        self.time_in_fmu_s = 0.0
        self._fmu = None
        self._pool, self._pool_key = None, None  # where close() keeps the instance (set once it is running)
        # an FMU already unpacked (a folder) is used where it is and kept; an archive is unpacked for this
        # instance and removed with it
        self._unpacked = None if self.info.path.is_dir() else unpack(self.info.path, "btwin-fmu-")
        self._dir = self._unpacked or self.info.path
        _LOG_SINKS[self.name] = self.log
        self._callbacks = _callbacks()
        identity = dict(guid=self.info.guid, unzipDirectory=str(self._dir),
                        modelIdentifier=self.info.model_identifier, instanceName=name)
        pooled = pool is not None and self._unpacked is None and not self.info.fmi_version.startswith("3")
        key = (str(self._dir), self.info.guid, name)
        self._fmu = pool.take(key) if pooled else None
        if self._fmu is None:
            self._instantiate(identity)
        if pooled:  # only an instance that runs is kept: one that failed to instantiate is freed
            self._pool, self._pool_key = pool, key
        self._do_step = direct(self._fmu, "fmi2DoStep")
        self._states: list = []

    def _instantiate(self, identity: dict) -> None:
        try:
            self._fmu = (Fmi3Slave(log=self.log, **identity) if self.info.fmi_version.startswith("3")
                         else FMU2Slave(**identity))
        except Exception as error:  # no binary for this platform, a library that does not load
            self.close()
            raise FmuError(self.name, "loading the binary", self.time, 3, [str(error)]) from None
        try:
            self._call("fmi2Instantiate", self._fmu.instantiate, callbacks=self._callbacks)
        except FmuError:
            self.close()
            raise

    def _call(self, function: str, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except FMICallException as error:
            raise FmuError(self.name, function, self.time, error.status, list(self.log)) from None
        except Exception as error:  # instantiation returning NULL and the like
            raise FmuError(self.name, function, self.time, 3, list(self.log) + [str(error)]) from None

    # ------------------------------------------------------------ set-up
    def vr(self, variable: str) -> int:
        return self.info.variables[variable].value_reference

    def set_value(self, variable: str, value) -> None:
        """Set a parameter or start value of any type, converted to the variable's type."""
        v = self.info.variables[variable]
        if v.type == "Real":
            self._call("fmi2SetReal", self._fmu.setReal, [v.value_reference], [float(value)])
        elif v.type in ("Integer", "Enumeration"):
            self._call("fmi2SetInteger", self._fmu.setInteger, [v.value_reference], [int(value)])
        elif v.type == "Boolean":
            self._call("fmi2SetBoolean", self._fmu.setBoolean, [v.value_reference], [bool(value)])
        else:
            self._call("fmi2SetString", self._fmu.setString, [v.value_reference], [str(value)])

    def setup(self, start_time: float, stop_time: float | None) -> None:
        self.time = start_time
        self._call("fmi2SetupExperiment", self._fmu.setupExperiment, startTime=start_time, stopTime=stop_time)

    def enter_initialization(self) -> None:
        self._call("fmi2EnterInitializationMode", self._fmu.enterInitializationMode)

    def exit_initialization(self) -> None:
        self._call("fmi2ExitInitializationMode", self._fmu.exitInitializationMode)

    # ------------------------------------------------------------ fast Real access
    def real_port(self, variables: list[str], values: np.ndarray) -> RealPort:
        """A port that reads ``variables`` into, or writes them from, the view ``values``."""
        return RealPort(self, [self.vr(v) for v in variables], values)

    def port(self, variables: list[str], values: np.ndarray) -> RealPort | Ports:
        """Like :meth:`real_port` for variables of any numeric type (Real,
        Integer, Enumeration, Boolean), each run of one type through its own
        FMI call; Reals alone give a plain :class:`RealPort`."""
        kinds = [_KIND[self.info.variables[v].type] for v in variables]
        if all(kind == "Real" for kind in kinds):
            return self.real_port(variables, values)
        ports, start = [], 0
        while start < len(variables):
            stop = start
            while stop < len(variables) and kinds[stop] == kinds[start]:
                stop += 1
            vrs, view = [self.vr(v) for v in variables[start:stop]], values[start:stop]
            ports.append(RealPort(self, vrs, view) if kinds[start] == "Real"
                         else DiscretePort(self, kinds[start], vrs, view))
            start = stop
        return Ports(ports, values)

    # ------------------------------------------------------------ stepping
    def do_step(self, t: float, h: float) -> None:
        _timed_call(self, "fmi2DoStep", self._do_step, self._fmu.component, t, h, 1, at=t + h)
        self.time = t + h

    def save_state(self):
        if not self.info.can_get_and_set_state:
            raise FmuError(self.name, "fmi2GetFMUstate", self.time, 3,
                           ["the FMU does not declare canGetAndSetFMUstate; rollback is impossible"])
        started = time.perf_counter()
        state = self._call("fmi2GetFMUstate", self._fmu.getFMUstate)
        self.time_in_fmu_s += time.perf_counter() - started
        return (state, self.time)

    def restore_state(self, saved) -> None:
        started = time.perf_counter()
        self._call("fmi2SetFMUstate", self._fmu.setFMUstate, saved[0])
        self.time_in_fmu_s += time.perf_counter() - started
        self.time = saved[1]

    def free_state(self, saved) -> None:
        self._call("fmi2FreeFMUstate", self._fmu.freeFMUstate, saved[0])

    def close(self) -> None:
        """Terminate and free the instance, and remove the folder it unpacked (not one it was given)."""
        if self._fmu is not None:
            try:
                self._fmu.terminate()
            except Exception:
                pass
            if not self._kept():
                try:
                    self._fmu.freeInstance()
                except Exception:
                    pass
            self._fmu = None
        if _LOG_SINKS.get(self.name) is self.log:
            del _LOG_SINKS[self.name]
        remove(self._unpacked)

    def _kept(self) -> bool:
        """Reset the instance into the pool, if there is one; False if not kept."""
        if self._pool is None:
            return False
        try:
            self._fmu.reset()
        except Exception:  # an instance that cannot be reset is freed
            return False
        self._pool.keep(self._pool_key, self._fmu)
        return True


class RealPort:
    """A fixed list of Real value references of one slave, read straight into
    or written straight from a numpy view (the master's output or input
    vector), so a get or set copies nothing in Python."""

    def __init__(self, slave: Slave, vrs: list[int], values: np.ndarray):
        if values.shape != (len(vrs),) or values.dtype != np.float64 or not values.flags.c_contiguous:
            raise ValueError(f"a port of {len(vrs)} Reals needs a contiguous float64 view of that length, "
                             f"got shape {values.shape}, dtype {values.dtype}")
        self.slave = slave
        self.n = len(vrs)
        self.values = values
        self._vrs = (fmi2ValueReference * max(self.n, 1))(*vrs)
        self._pointer = values.ctypes.data_as(ctypes.POINTER(fmi2Real))
        fmu = slave._fmu
        self._component, self._get, self._set = fmu.component, direct(fmu, "fmi2GetReal"), direct(fmu, "fmi2SetReal")

    def read(self) -> None:
        """Fetch the current values into ``self.values``."""
        if self.n:
            _timed_call(self.slave, "fmi2GetReal", self._get, self._component, self._vrs, self.n, self._pointer)

    def write(self) -> None:
        """Set the FMU's inputs to ``self.values``."""
        if self.n:
            _timed_call(self.slave, "fmi2SetReal", self._set, self._component, self._vrs, self.n, self._pointer)


def direct(fmu, function: str):
    """The FMI function to call in the hot loop. For an FMI 2.0 FMU, the C
    function itself (the ctypes function fmpy set the argument types of),
    without fmpy's Python wrapper around every call (its call logger, which
    the master never sets, and its status check, which :func:`_timed_call`
    makes); for FMI 3.0, the adapter's method of that name."""
    return getattr(fmu.dll, function) if isinstance(fmu, FMU2Slave) else getattr(fmu, function)


def _timed_call(slave: Slave, function: str, call, *args, at: float | None = None) -> None:
    """``call(*args)``, its time added to the slave's; a status above
    fmi2Warning (returned, or raised by fmpy) becomes :class:`FmuError`."""
    started = time.perf_counter()
    try:
        status = call(*args)
    except FMICallException as error:
        status = error.status
    finally:
        slave.time_in_fmu_s += time.perf_counter() - started
    if status > WARNING:
        raise FmuError(slave.name, function, slave.time if at is None else at, status, list(slave.log))


# the FMI call family of each variable type
_KIND = {"Real": "Real", "Integer": "Integer", "Enumeration": "Integer", "Boolean": "Boolean"}


class DiscretePort:
    """Integer (and Enumeration) or Boolean variables of one slave through a
    float64 view of the master's vectors: values are copied through a ctypes
    buffer of the FMI type. Exact for integers up to 2**53 (fmi2Integer is
    32-bit); a Boolean is written as ``value != 0``, read as 0 or 1."""

    def __init__(self, slave: Slave, kind: str, vrs: list[int], values: np.ndarray):
        fmu = slave._fmu
        self.slave, self.kind, self.n, self.values = slave, kind, len(vrs), values
        ctype = fmi2Boolean if kind == "Boolean" else fmi2Integer
        self._vrs = (fmi2ValueReference * self.n)(*vrs)
        self._buffer = (ctype * self.n)()
        self._numbers = np.frombuffer(self._buffer, dtype=np.int32)
        self._component = fmu.component
        self._get = direct(fmu, "fmi2GetBoolean" if kind == "Boolean" else "fmi2GetInteger")
        self._set = direct(fmu, "fmi2SetBoolean" if kind == "Boolean" else "fmi2SetInteger")

    def read(self) -> None:
        self._call("Get", self._get)
        np.copyto(self.values, self._numbers)

    def write(self) -> None:
        if self.kind == "Boolean":
            np.not_equal(self.values, 0.0, out=self._numbers, casting="unsafe")
        else:
            np.rint(self.values, out=self.values)
            np.copyto(self._numbers, self.values, casting="unsafe")
        self._call("Set", self._set)

    def _call(self, direction: str, function) -> None:
        _timed_call(self.slave, f"fmi2{direction}{self.kind}", function, self._component, self._vrs, self.n,
                    self._buffer)


class Ports:
    """Several ports over consecutive parts of one view, read and written together."""

    def __init__(self, ports: list, values: np.ndarray):
        self.ports, self.values = ports, values

    def read(self) -> None:
        for port in self.ports:
            port.read()

    def write(self) -> None:
        for port in self.ports:
            port.write()
