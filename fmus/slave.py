"""The base class of every btwin FMU.

A subclass is a short declaration around one model:

* ``variables``: a tuple of :class:`~btwin.fmus.declarations.Var`;
* ``create_model()``: build the model from the parameter attributes;
* ``advance(time, step)``: one call into the model with the input
  attributes, then write the output attributes;
* ``input_limits()`` (optional): bounds on inputs that follow from the
  parameters, e.g. a current in C-rate terms of the pack;
* ``outputs_on_read = True`` (optional): ``advance`` writes only the outputs
  that do not depend directly on inputs, and ``read_outputs()`` computes the
  others when one of them is next read (after initialization; in it, at any
  read), so a host that sets new inputs after a step pays for them once, and
  one that reads none of them not at all. A non-finite one is then an error
  of that read.

This class owns everything else, as a template around those hooks:

* inputs and parameters are checked as they are set (finite, within their
  declared bounds and, once the model exists, within ``input_limits()``) and
  refused with a message naming the variable; a refused ``fmi2Set*`` changes
  nothing, not even the values before the bad one;
* the model is built when initialization ends, or earlier if an output is read
  during initialization; the inputs set before are checked against the
  limits then;
* ``fmi2DoStep`` is refused before ``fmi2ExitInitializationMode`` and after
  ``fmi2Terminate``;
* ``do_step`` turns a :class:`~btwin.models.errors.StepRejected` into
  ``fmi2Discard`` and any other exception into ``fmi2Error``, with the message
  in the log. No exception ever reaches pythonfmu's native layer, which would
  otherwise report ``fmi2Fatal`` and drop the instance;
* no output is ever non-finite: a step (or an output recomputed for new
  inputs) that would make one so fails with ``fmi2Error``. After any refused
  step the model and the outputs are those of the last accepted state, and
  ``fmi2GetReal`` returns them until an input is set again;
* the FMU state saved by ``fmi2GetFMUstate`` is the whole state: every
  variable, the lifecycle and the model's own ``get_state()`` (numpy arrays
  included). ``fmi2SetFMUstate`` (and so a deserialized state) is checked
  like ``fmi2Set*``: only declared variables, each of its type and within its
  bounds, outputs and model state finite; it is all or nothing.

pythonfmu's C layer can only return ``fmi2OK`` or ``fmi2Discard``; the btwin
launcher (``launcher.c``) upgrades a call to ``fmi2Error`` when the slave
logged an error during it, so a log with status error *is* the error return.
"""
from __future__ import annotations

import copy
import math
from typing import Any, ClassVar

import numpy as np

from pythonfmu import Fmi2Slave
from pythonfmu.enums import Fmi2Causality, Fmi2Initial, Fmi2Status, Fmi2Variability
from pythonfmu.variables import Boolean, Integer, Real, String

from btwin.models.errors import StepRejected

from . import state_codec
from .declarations import Limit, Var

_PYTHONFMU_TYPES = {float: Real, int: Integer, bool: Boolean, str: String}


class BtwinSlave(Fmi2Slave):
    """Template for a btwin FMU; see the module docstring for the rules."""

    variables: ClassVar[tuple[Var, ...]] = ()
    outputs_on_read: ClassVar[bool] = False  # see the module docstring
    author = "btwin"
    license = "BSD-3-Clause"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.model: Any = None
        self._initialized = False
        self._terminated = False
        self._inputs_changed = False
        self._limits: dict[str, Limit] = {}
        self._feedthrough = any(var.depends_on for var in self.variables)
        self._declared = {var.name: var for var in self.variables}
        self._by_reference: dict[int, Var] = {}
        self._real_names: dict[int, str] = {}  # value reference -> attribute, Reals only
        self._output_references: set[int] = set()
        self._feedthrough_references: set[int] = set()  # outputs that depend directly on an input
        # outputs held as attributes (not computed on read), saved and checked around a step
        self._held_outputs = tuple(var.name for var in self.variables if var.causality == "output"
                                   and not isinstance(getattr(type(self), var.name, None), property))
        self._real_outputs = tuple(name for name in self._held_outputs if self._declared[name].type is float)
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

    def input_limits(self) -> dict[str, Limit]:
        """Bounds on inputs that follow from the parameters, by input name.

        Called when the model is built; the static ``min``/``max`` of a
        :class:`Var` hold as well. Say the rule in the input's description,
        since ``modelDescription.xml`` can only carry numbers."""
        return {}

    # -------------------------------------------------------------- template
    def exit_initialization_mode(self):
        self._initialized = self._guard("exitInitializationMode", self._ensure_model)

    def terminate(self):
        self._terminated = True

    def do_step(self, current_time: float, step_size: float) -> bool:
        try:
            self._check_can_step(step_size)
            self._advance_or_restore(current_time, step_size)
            return True
        except StepRejected as error:
            self.log(f"step at t={current_time:g} s rejected: {error}", Fmi2Status.discard)
        except Exception as error:  # an FMU never lets an exception reach its host
            self.log(f"step at t={current_time:g} s failed: {_describe(error)}", Fmi2Status.error)
        return False

    def _advance_or_restore(self, current_time: float, step_size: float) -> None:
        """One step. On any failure the model and the outputs go back to the
        last accepted state; either way reads return the outputs as they are
        until an input is set again."""
        saved = self._held()
        try:
            self.advance(current_time, step_size)
            self._check_outputs_finite()
        except BaseException:
            self._restore_held(saved)
            self._inputs_changed = False
            raise
        self._inputs_changed = self.outputs_on_read  # then the next read computes them

    def set_real(self, vrs, values):
        self._guard("fmi2SetReal", self._set_checked, vrs, values)

    def set_integer(self, vrs, values):
        self._guard("fmi2SetInteger", self._set_checked, vrs, values)

    def set_boolean(self, vrs, values):
        self._guard("fmi2SetBoolean", self._set_checked, vrs, values)

    def set_string(self, vrs, values):
        self._guard("fmi2SetString", self._set_checked, vrs, values)

    def get_real(self, vrs):
        return self._get_guarded("fmi2GetReal", self._get_reals, vrs, 0.0)

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
            "terminated": self._terminated,
        }

    def _set_fmu_state(self, state):
        self._guard("fmi2SetFMUstate", self._restore_all_or_nothing, state)

    def _restore_all_or_nothing(self, state) -> None:
        state = self._checked_state(state)
        present = self._get_fmu_state()
        try:
            self._apply_state(state)
        except BaseException:
            self._apply_state(present)  # a state taken from this instance always applies
            raise

    def _checked_state(self, state) -> dict:
        """``state`` if it is one this FMU could have saved, else ValueError naming what is wrong."""
        if not isinstance(state, dict) or not {"values", "model", "initialized"} <= set(state) <= _STATE_KEYS:
            found = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"not an FMU state of this FMU (keys {found}, expected {sorted(_STATE_KEYS)})")
        values, model_state = state["values"], state["model"]
        if not isinstance(values, dict) or set(values) != set(self._declared):
            names = set(values) if isinstance(values, dict) else set()
            raise ValueError(f"the state's variables do not match this FMU's: unknown "
                             f"{sorted(names - set(self._declared))}, missing {sorted(set(self._declared) - names)}")
        for name, value in values.items():
            _check_state_value(self._declared[name], value, outputs_known=model_state is not None)
        if model_state is not None:
            _check_finite_tree("model state", model_state)
        for flag in ("initialized", "terminated"):
            if not isinstance(state.get(flag, False), bool):
                raise ValueError(f"state flag {flag!r} must be a boolean, got {state[flag]!r}")
        if state["initialized"] and model_state is None:
            raise ValueError("an initialized state must hold the model's state")
        return state

    def _apply_state(self, state) -> None:
        values = state["values"]
        rebuild = any(var.causality == "parameter" and values[name] != getattr(self, name)
                      for name, var in self._declared.items())
        for name, value in values.items():
            setattr(self, name, copy.deepcopy(value))
        if state["model"] is None:
            self.model, self._limits = None, {}
        else:
            if self.model is None or rebuild:
                self.model = self.create_model()
                self._limits = self.input_limits()
            self.model.set_state(copy.deepcopy(state["model"]))
            self._check_inputs_within_limits()
            self._check_outputs_finite()
        self._initialized = state["initialized"]
        self._terminated = state.get("terminated", False)
        # a state saved between a step and a read holds such outputs not yet computed
        self._inputs_changed = self.outputs_on_read and self.model is not None

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
        if var.type is float:
            self._real_names[scalar.value_reference] = var.name
        if var.causality == "output":
            self._output_references.add(scalar.value_reference)
            if var.depends_on:
                self._feedthrough_references.add(scalar.value_reference)

    def _get_reals(self, vrs) -> list[float]:
        """pythonfmu's ``get_real`` without a getter call per variable (the
        master reads every output at every step)."""
        try:
            return [float(getattr(self, self._real_names[vr])) for vr in vrs]
        except KeyError as unknown:
            raise TypeError(f"Variable with valueReference={unknown.args[0]} is not of type Real!") from None

    def _set_checked(self, vrs, values) -> None:
        checked = []
        for vr, value in zip(vrs, values):  # every value first: a refused call changes nothing
            var = self._by_reference.get(vr)
            if var is None:
                raise ValueError(f"no variable has value reference {vr}")
            if var.causality == "output":
                raise ValueError(f"{var.name} is an output and cannot be set")
            if var.causality == "parameter" and self._initialized:
                raise ValueError(f"parameter {var.name} is fixed after initialization")
            _check_value(var, value)
            _check_limit(var, value, self._limits.get(var.name))
            checked.append((var, value))
        for var, value in checked:
            setattr(self, var.name, var.type(value))
            if var.causality == "input":
                self._inputs_changed = True
            if var.causality == "parameter" and not self._initialized:
                self.model, self._limits = None, {}  # rebuilt from the new parameters when next needed

    def _ensure_model(self) -> None:
        if self.model is None:
            model, self._limits = self.create_model(), self.input_limits()
            try:
                self.model = model
                self._check_inputs_within_limits()
                self.read_outputs()
                self._check_outputs_finite()
            except BaseException:
                self.model = None
                raise

    def _check_can_step(self, step_size: float) -> None:
        if self._terminated:
            raise ValueError("fmi2DoStep after fmi2Terminate; only fmi2FreeInstance is allowed now")
        if not self._initialized:
            raise ValueError("fmi2DoStep before initialization; call fmi2EnterInitializationMode and "
                             "fmi2ExitInitializationMode first")
        if step_size <= 0.0 or not math.isfinite(step_size):
            raise ValueError(f"communication step size must be positive, got {step_size!r}")

    def _check_inputs_within_limits(self) -> None:
        for name, limit in self._limits.items():
            _check_limit(self._declared[name], getattr(self, name), limit)

    def _check_outputs_finite(self) -> None:
        for name in self._real_outputs:
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"output {name} would be {value!r}, outside the model's validity for "
                                 "these inputs")

    def _held(self):
        """What a step changes: the model's state and the held outputs."""
        return self.model.get_state(), {name: getattr(self, name) for name in self._held_outputs}

    def _restore_held(self, saved) -> None:
        model_state, outputs = saved
        self.model.set_state(model_state)
        for name, value in outputs.items():
            setattr(self, name, value)

    def _refresh_outputs(self, vrs) -> None:
        """Outputs for the present inputs, before a read; on failure they stay as they were."""
        if self._output_references.isdisjoint(vrs):
            return
        if self.model is None:
            self._ensure_model()
        elif self._feedthrough and self._inputs_changed:
            if self.outputs_on_read and self._initialized and self._feedthrough_references.isdisjoint(vrs):
                return  # none of these depends on the inputs: computed when one that does is read
            outputs = {name: getattr(self, name) for name in self._held_outputs}
            try:
                self.read_outputs()
                self._check_outputs_finite()
            except BaseException:
                for name, value in outputs.items():
                    setattr(self, name, value)
                raise
        self._inputs_changed = False

    def _get_guarded(self, what, getter, vrs, fallback):
        try:
            self._refresh_outputs(vrs)
        except Exception as error:
            if self.model is None:  # no model, no outputs: fmi2Error, and never a NaN for the host
                self.log(f"{what} failed: {_describe(error)}", Fmi2Status.error)
                return [fallback if _non_finite(v) else v for v in self._read_or(getter, vrs, fallback)]
            self.log(f"{what} failed: {_describe(error)}; the outputs are those of the last "
                     "accepted state", Fmi2Status.error)
        return self._read_or(getter, vrs, fallback)

    def _read_or(self, getter, vrs, fallback):
        try:
            return getter(vrs)
        except Exception as error:
            self.log(f"fmi2Get failed: {_describe(error)}", Fmi2Status.error)
            return [fallback] * len(vrs)

    def _guard(self, what, action, *args) -> bool:
        """Run ``action``; on any exception log it as an error. True if it ran."""
        try:
            action(*args)
            return True
        except Exception as error:
            self.log(f"{what} failed: {_describe(error)}", Fmi2Status.error)
            return False


_STATE_KEYS = {"values", "model", "initialized", "terminated"}
_STATE_TYPES = {float: (float, int, np.floating, np.integer), int: (int, np.integer), bool: (bool, np.bool_),
                str: (str,)}


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


def _check_limit(var: Var, value, limit: Limit | None) -> None:
    if limit is None:
        return
    if value < limit.low:
        raise ValueError(f"{var.causality} {var.name} = {value!r} {var.unit} is below its limit "
                         f"{limit.low!r} {var.unit} ({limit.basis})")
    if value > limit.high:
        raise ValueError(f"{var.causality} {var.name} = {value!r} {var.unit} is above its limit "
                         f"{limit.high!r} {var.unit} ({limit.basis})")


def _check_state_value(var: Var, value, outputs_known: bool) -> None:
    """A value of a saved state: of the variable's type; an input or parameter
    within its bounds; an output finite once the model has computed it."""
    if isinstance(value, (bool, np.bool_)) != (var.type is bool) or not isinstance(value, _STATE_TYPES[var.type]):
        raise ValueError(f"state value of {var.name} must be of type {var.type.__name__}, got {value!r}")
    if var.causality in ("input", "parameter"):
        _check_value(var, value)
    elif var.type is float and outputs_known and not math.isfinite(value):
        raise ValueError(f"state value of output {var.name} = {value!r} is not a finite number")


def _check_finite_tree(what: str, value) -> None:
    """Every number in a tree of dicts, lists and arrays is finite."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite_tree(f"{what}[{key!r}]", item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite_tree(f"{what}[{index}]", item)
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            raise ValueError(f"{what} holds non-finite numbers")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what} = {value!r} is not a finite number")


def _non_finite(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _describe(error: Exception) -> str:
    text = str(error)
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    return text if text else type(error).__name__
