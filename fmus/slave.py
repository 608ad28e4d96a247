"""The base class of every btwin FMU.

A subclass is a short declaration around one model:

* ``variables``: a tuple of :class:`~btwin.fmus.declarations.Var`;
* ``create_model()``: build the model from the parameter attributes;
* ``advance(time, step)``: one call into the model with the input
  attributes, then write the output attributes.

This class owns everything else, as a template around those hooks:

* inputs and parameters are checked as they are set (finite, within their
  declared bounds) and refused with a message naming the variable;
* the model is built when initialization ends, or earlier if an output is read
  during initialization;
* ``do_step`` turns a :class:`~btwin.models.errors.StepRejected` into
  ``fmi2Discard`` and any other exception into ``fmi2Error``, with the message
  in the log. No exception ever reaches pythonfmu's native layer, which would
  otherwise report ``fmi2Fatal`` and drop the instance;
* the FMU state saved by ``fmi2GetFMUstate`` is the whole state: every
  variable and the model's own ``get_state()`` (numpy arrays included).

pythonfmu's C layer can only return ``fmi2OK`` or ``fmi2Discard``; the btwin
launcher (``launcher.c``) upgrades a call to ``fmi2Error`` when the slave
logged an error during it, so a log with status error *is* the error return.
"""
from __future__ import annotations

import copy
import math
from typing import Any, ClassVar

from pythonfmu import Fmi2Slave
from pythonfmu.enums import Fmi2Causality, Fmi2Initial, Fmi2Status, Fmi2Variability
from pythonfmu.variables import Boolean, Integer, Real, String

from btwin.models.errors import StepRejected

from . import state_codec
from .declarations import Var

_PYTHONFMU_TYPES = {float: Real, int: Integer, bool: Boolean, str: String}


class BtwinSlave(Fmi2Slave):
    """Template for a btwin FMU; see the module docstring for the rules."""

    variables: ClassVar[tuple[Var, ...]] = ()
    author = "btwin"
    license = "BSD-3-Clause"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.model: Any = None
        self._initialized = False
        self._inputs_changed = False
        self._feedthrough = any(var.depends_on for var in self.variables)
        self._declared = {var.name: var for var in self.variables}
        self._by_reference: dict[int, Var] = {}
        for var in self.variables:
            setattr(self, var.name, _initial_value(var))
            self._register(var)

    # ----------------------------------------------------------------- hooks
    def create_model(self) -> Any:
        """Build the model from the parameter attributes."""
        raise NotImplementedError

    def advance(self, current_time: float, step_size: float) -> None:
        """Advance the model by one step and write the output attributes."""
        raise NotImplementedError

    def read_outputs(self) -> None:
        """Write the output attributes from the model's present state.

        Called once the model exists, before the first step, so that outputs
        read during initialization are the model's initial values. An FMU
        whose outputs depend directly on inputs (``depends_on``) computes them
        here from the present inputs too: it is called again whenever such an
        output is read after an input was set."""

    # -------------------------------------------------------------- template
    def exit_initialization_mode(self):
        self._initialized = self._guard("exitInitializationMode", self._ensure_model)

    def do_step(self, current_time: float, step_size: float) -> bool:
        try:
            if step_size <= 0.0 or not math.isfinite(step_size):
                raise ValueError(f"communication step size must be positive, got {step_size!r}")
            self._ensure_model()
            self.advance(current_time, step_size)
            self._inputs_changed = False
            return True
        except StepRejected as error:
            self.log(f"step at t={current_time:g} s rejected: {error}", Fmi2Status.discard)
            return False
        except Exception as error:  # an FMU never lets an exception reach its host
            self.log(f"step at t={current_time:g} s failed: {_describe(error)}", Fmi2Status.error)
            return False

    def set_real(self, vrs, values):
        self._guard("fmi2SetReal", self._set_checked, vrs, values)

    def set_integer(self, vrs, values):
        self._guard("fmi2SetInteger", self._set_checked, vrs, values)

    def set_boolean(self, vrs, values):
        self._guard("fmi2SetBoolean", self._set_checked, vrs, values)

    def set_string(self, vrs, values):
        self._guard("fmi2SetString", self._set_checked, vrs, values)

    def get_real(self, vrs):
        return self._get_guarded("fmi2GetReal", super().get_real, vrs, math.nan)

    def get_integer(self, vrs):
        return self._get_guarded("fmi2GetInteger", super().get_integer, vrs, 0)

    def get_boolean(self, vrs):
        return self._get_guarded("fmi2GetBoolean", super().get_boolean, vrs, False)

    def get_string(self, vrs):
        return self._get_guarded("fmi2GetString", super().get_string, vrs, "")

    # ----------------------------------------------------------------- state
    def _get_fmu_state(self):
        return {
            "values": {name: copy.deepcopy(getattr(self, name)) for name in self._declared},
            "model": None if self.model is None else copy.deepcopy(self.model.get_state()),
            "initialized": self._initialized,
        }

    def _set_fmu_state(self, state):
        def restore():
            for name, value in state["values"].items():
                setattr(self, name, copy.deepcopy(value))
            self._initialized = state["initialized"]
            if state["model"] is None:
                self.model = None
            else:
                if self.model is None:
                    self.model = self.create_model()
                self.model.set_state(copy.deepcopy(state["model"]))
        self._guard("fmi2SetFMUstate", restore)

    @staticmethod
    def _fmu_state_to_bytes(state) -> bytes:
        return state_codec.to_bytes(state)

    @staticmethod
    def _fmu_state_from_bytes(data: bytes):
        return state_codec.from_bytes(data)

    # --------------------------------------------------------------- logging
    def log(self, msg: str, status: Fmi2Status = Fmi2Status.ok, category: str | None = None, debug=None):
        # pythonfmu's C layer hands the text to the host as a printf format
        super().log(msg.replace("%", "%%"), status, category)

    # ---------------------------------------------------------------- helpers
    def _register(self, var: Var) -> None:
        kind = _PYTHONFMU_TYPES[var.type]
        causality = Fmi2Causality[var.causality]
        initial = {"parameter": Fmi2Initial.exact, "output": Fmi2Initial.calculated}.get(var.causality)
        scalar = kind(var.name, causality=causality, description=var.description,
                      variability=Fmi2Variability[var.variability], initial=initial)
        self.register_variable(scalar, nested=False)
        self._by_reference[scalar.value_reference] = var

    def _set_checked(self, vrs, values) -> None:
        for vr, value in zip(vrs, values):
            var = self._by_reference.get(vr)
            if var is None:
                raise ValueError(f"no variable has value reference {vr}")
            if var.causality == "output":
                raise ValueError(f"{var.name} is an output and cannot be set")
            if var.causality == "parameter" and self._initialized:
                raise ValueError(f"parameter {var.name} is fixed after initialization")
            _check_value(var, value)
            setattr(self, var.name, var.type(value))
            if var.causality == "input":
                self._inputs_changed = True
            if var.causality == "parameter" and not self._initialized:
                self.model = None  # rebuilt from the new parameters when next needed

    def _ensure_model(self) -> None:
        if self.model is None:
            self.model = self.create_model()
            self.read_outputs()

    def _get_guarded(self, what, getter, vrs, fallback):
        try:
            reads_output = any(self._by_reference[vr].causality == "output"
                               for vr in vrs if vr in self._by_reference)
            if reads_output:
                if self.model is None:
                    self._ensure_model()
                elif self._feedthrough and self._inputs_changed:
                    self.read_outputs()
                self._inputs_changed = False
            return getter(vrs)
        except Exception as error:
            self.log(f"{what} failed: {_describe(error)}", Fmi2Status.error)
            return [fallback] * len(vrs)

    def _guard(self, what, action, *args) -> bool:
        """Run ``action``; on any exception log it as an error. True if it ran."""
        try:
            action(*args)
            return True
        except Exception as error:
            self.log(f"{what} failed: {_describe(error)}", Fmi2Status.error)
            return False


def _initial_value(var: Var):
    if var.start is not None:
        return var.type(var.start)
    return {float: math.nan, int: 0, bool: False, str: ""}[var.type]


def _check_value(var: Var, value) -> None:
    if var.type is float:
        if not math.isfinite(value):
            raise ValueError(f"{var.causality} {var.name} = {value!r} is not a finite number")
        if var.min is not None and value < var.min:
            raise ValueError(f"{var.causality} {var.name} = {value!r} {var.unit} is below its minimum {var.min!r}")
        if var.max is not None and value > var.max:
            raise ValueError(f"{var.causality} {var.name} = {value!r} {var.unit} is above its maximum {var.max!r}")
    elif var.type is int:
        if var.min is not None and value < var.min:
            raise ValueError(f"{var.causality} {var.name} = {value!r} is below its minimum {var.min!r}")
        if var.max is not None and value > var.max:
            raise ValueError(f"{var.causality} {var.name} = {value!r} is above its maximum {var.max!r}")


def _describe(error: Exception) -> str:
    text = str(error)
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    return text if text else type(error).__name__
