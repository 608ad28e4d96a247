"""Charger: a DC fast charger (CC, then CV, then termination) between the grid and a battery pack.

Coupling. ``battery_voltage`` is held over each communication step; the
charger decides its current at the start of the step from that voltage (the
model's control law, :mod:`btwin.models.grid.charger`) and holds it over the
step. No output depends directly on an input: after ``doStep(t, h)``
``battery_current``, ``battery_power``, ``grid_power`` and ``efficiency`` are
the values held over [t, t + h] (so also their means over the step), 0 before
the first step, and ``battery_voltage * battery_current * h`` is exactly the
energy the charger delivered in the step: both sides of the bond agree.

Set-point. ``current_setpoint`` is read only when ``use_current_setpoint`` is
true (leave it false when nothing is connected to it). It has the sign of
``battery_current`` (< 0 charges): a controller commands e.g. -80 A for an
80 A charge. Within the charger's limits it replaces the CC current; outside
them it is clipped to the limit, and a warning names the limit (current,
power, CV voltage, unidirectional, output voltage range) when clipping starts
and whenever the clipped set-point or the phase changes (not at every step of
a steady clip). ``setpoint_clipped`` is true for every step whose set-point
was clipped.

``phase``: 0 idle (battery voltage outside the output range), 1 constant
current (current, power or set-point limited), 2 constant voltage (tapering),
3 done (current fell below ``termination_current``; stays off).
"""
from pythonfmu.default_experiment import DefaultExperiment
from pythonfmu.enums import Fmi2Status

from btwin.models.grid import ChargePhase, Charger as Model, ChargerParameters

from . import parameter_map
from .bounds import MAX_CHARGING_CURRENT, MAX_DC_VOLTAGE
from .declarations import input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = ChargerParameters()
_HELD = ", held over the last step (0 before the first)"

# FMU parameter -> ChargerParameters field
_PARAMETERS = {
    "current_limit": "max_current_a",
    "power_limit": "max_power_w",
    "min_voltage": "min_voltage_v",
    "max_voltage": "max_voltage_v",
    "nominal_efficiency": "nominal_efficiency",
    "cv_voltage": "cv_voltage_v",
    "termination_current": "termination_current_a",
    "cv_loop_resistance": "cv_loop_resistance_ohm",
}
_PHASES = ", ".join(f"{int(phase)} {phase.name.lower()}" for phase in ChargePhase)


class Charger(BtwinSlave):
    description = ("DC fast charger: constant current, constant voltage, termination; power limit, "
                   "load-dependent efficiency; battery current held over each step from the battery voltage "
                   "at its start, without direct feedthrough; battery_current < 0 charges")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=3600.0, step_size=1.0)
    variables = (
        # start: about the nominal voltage of a 96-series NMC pack (96 x 3.65 V)
        input_("battery_voltage", "V", 350.0, "Battery terminal voltage, held over each step", min=0.0,
               max=MAX_DC_VOLTAGE),
        input_("current_setpoint", "A", 0.0,
               "Commanded battery current, < 0 charges (sign of battery_current); "
               "read only when use_current_setpoint is true", min=-MAX_CHARGING_CURRENT, max=MAX_CHARGING_CURRENT),
        output("battery_current", "A", "Battery current, < 0 charges" + _HELD, max=0.0, step_mean=True),
        output("battery_power", "W", "Power delivered into the battery" + _HELD, min=0.0, step_mean=True),
        output("grid_power", "W", "Power drawn from the grid, battery_power / efficiency" + _HELD, min=0.0,
               step_mean=True),
        output("efficiency", "1", "battery_power / grid_power" + _HELD + "; 0 while off", min=0.0, max=1.0,
               step_mean=True),
        output("phase", None, f"Charging phase of the last step: {_PHASES}", type=int, min=0, max=3),
        output("setpoint_clipped", None, "The set-point of the last step was outside the limits and clipped",
               type=bool),
        output("grid_energy", "J", "Energy drawn from the grid since the start", min=0.0),
        output("battery_energy", "J", "Energy delivered into the battery since the start", min=0.0),
        parameter("use_current_setpoint", None, False,
                  "true: the current_setpoint input commands the CC current within the limits; "
                  "false: it is ignored and the charger charges at its limits", type=bool),
        parameter("current_limit", "A", _DEFAULT.max_current_a, "Largest output current (CC)", min=0.0),
        parameter("power_limit", "W", _DEFAULT.max_power_w, "Largest output power", min=0.0),
        parameter("min_voltage", "V", _DEFAULT.min_voltage_v, "Lowest battery voltage the charger serves",
                  min=0.0),
        parameter("max_voltage", "V", _DEFAULT.max_voltage_v, "Highest battery voltage the charger serves",
                  min=0.0),
        parameter("nominal_efficiency", "1", _DEFAULT.nominal_efficiency,
                  "Efficiency at rated output power (the curve falls at part load)", min=0.0, max=1.0),
        parameter("cv_voltage", "V", _DEFAULT.cv_voltage_v, "Constant-voltage set point of the pack",
                  min=0.0),
        parameter("termination_current", "A", _DEFAULT.termination_current_a,
                  "The charge ends when the CV current falls below this", min=0.0),
        parameter("cv_loop_resistance", "Ohm", _DEFAULT.cv_loop_resistance_ohm,
                  "CV loop gain 1/R: stable for a pack resistance below twice this value", min=0.0),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._clip_warned = None  # (set-point, phase) of the last clipping warning; for the log only

    def create_model(self) -> Model:
        return Model(parameter_map.from_slave(ChargerParameters, _PARAMETERS, self))

    def read_outputs(self) -> None:
        for name in ("battery_current", "battery_power", "grid_power", "efficiency"):
            setattr(self, name, 0.0)
        self.phase = int(self.model.phase)
        self.setpoint_clipped = False
        self._read_energies()

    def advance(self, current_time: float, step_size: float) -> None:
        setpoint = self.current_setpoint if self.use_current_setpoint else None
        old_phase = self.phase
        result = self.model.step(step_size, self.battery_voltage, setpoint)
        self.battery_current = result.battery_current_a
        self.battery_power = result.battery_power_w
        self.grid_power = result.grid_power_w
        self.efficiency = result.efficiency
        self.phase = int(result.phase)
        self.setpoint_clipped = result.setpoint_clipped
        self._read_energies()
        self._warn_if_clipped(current_time, setpoint, result)
        if self.phase != old_phase:
            detail = f" ({result.message})" if result.message else ""
            self.log(f"t={current_time:g} s: phase {ChargePhase(old_phase).name} -> "
                     f"{result.phase.name}{detail}")

    def _warn_if_clipped(self, current_time, setpoint, result) -> None:
        clip = (setpoint, result.phase) if result.setpoint_clipped else None
        if clip is not None and clip != self._clip_warned:
            self.log(f"t={current_time:g} s: {result.message}", Fmi2Status.warning)
        self._clip_warned = clip

    def _read_energies(self) -> None:
        state = self.model.get_state()
        self.grid_energy = state["energy_grid_j"]
        self.battery_energy = state["energy_battery_j"]
