"""A DC fast charger between the grid and a battery pack: CC, then CV, then done.

Sign convention (DESIGN.md): battery current > 0 discharges, so the charger's
``battery_current_a`` is <= 0. Internally the charging current ``c`` = -I >= 0.

Control law, one update per macro step from the battery voltage V measured
at its start (the charger sees the pack only through the co-simulation):

    c_k = clip(c_{k-1} + (V_cv - V_k) / R_loop,  0,  c_limit(V_k))

with c_limit = min(I_max, P_max / V_k, |set-point|). Below V_cv the increment
is positive and the current sits at its limit (CC); once the pack reaches
V_cv the voltage term takes over (CV) and the current tapers; when it falls
below the termination current the charge is done and the power stage stops.

Why it is stable: it is a discrete integral controller on the voltage error.
For a pack V = OCV + R c (c charging) held over the step,
c_k = (1 - R/R_loop) c_{k-1} + (V_cv - OCV)/R_loop, whatever the macro step:

* R = R_loop: dead-beat, the CV current is reached in one step;
* R < R_loop: monotone, no overshoot or ringing, but the integrator lags:
  while the current tapers the pack sits above V_cv by about
  (R_loop / R) x the OCV rise of one step (tests: < 0.25 % at 10 s steps for
  R >= 0.4 R_loop; 0.4 % and a 5 % earlier end for R = 0.1 R_loop);
* R_loop < R < 2 R_loop: converges, but overshoots after a jump;
* R > 2 R_loop: unstable (the tests show it).

R is the pack's effective resistance over one macro step (ohmic plus the
polarisation that builds up within it), so choose R_loop at or above the pack
resistance at the largest step used. The charger's real inner loop is much
faster than any macro step; this law reproduces its settled result per step
without letting the explicit coupling oscillate. From rest (c = 0) the first
steps ramp the current up: a soft start.
"""
from dataclasses import dataclass
from enum import IntEnum

from .. import checks
from .efficiency import ConverterEfficiency


class ChargePhase(IntEnum):
    IDLE = 0  # battery voltage outside the output range: no current
    CC = 1  # current (or power, or set-point) limited
    CV = 2  # voltage limited, current tapering
    DONE = 3  # terminated below the termination current; stays off


@dataclass(frozen=True)
class ChargerParameters:
    # ABB Terra 54 DC fast charger data sheet: 50 kW, CCS output 150-500 V, 125 A,
    # 94 % efficiency at nominal output power.
    max_current_a: float = 125.0
    max_power_w: float = 50e3
    min_voltage_v: float = 150.0
    max_voltage_v: float = 500.0
    nominal_efficiency: float = 0.94
    # Pack: 96 LG M50 cells in series, 4.2 V upper cut-off each (Chen et al. 2020,
    # J. Electrochem. Soc. 167 080534, and the LG INR21700 M50 data sheet).
    cv_voltage_v: float = 96 * 4.2
    # C/20 of a 96s30p LG M50 pack (30 x 5 Ah = 150 Ah): the usual CV end criterion.
    termination_current_a: float = 7.5
    # Control design value, not a property of the pack: an upper estimate of the
    # pack's resistance over one macro step (96s30p of ~30 mOhm cells ~ 0.1 Ohm, doubled
    # for polarisation and ageing).
    # Stable for any pack resistance below twice this value (module docstring).
    cv_loop_resistance_ohm: float = 0.2

    def __post_init__(self):
        for name in ("max_current_a", "max_power_w", "min_voltage_v", "max_voltage_v",
                     "cv_voltage_v", "termination_current_a", "cv_loop_resistance_ohm"):
            checks.positive(name, getattr(self, name))
        checks.fraction("nominal_efficiency", self.nominal_efficiency, open_low=True)
        if not self.min_voltage_v < self.cv_voltage_v <= self.max_voltage_v:
            raise ValueError(f"cv_voltage_v must lie in (min_voltage_v, max_voltage_v] = "
                             f"({self.min_voltage_v!r}, {self.max_voltage_v!r}], "
                             f"got {self.cv_voltage_v!r}")
        if self.termination_current_a >= self.max_current_a:
            raise ValueError(f"termination_current_a must be below max_current_a "
                             f"({self.max_current_a!r} A), got {self.termination_current_a!r}")


@dataclass(frozen=True)
class ChargerOutput:
    battery_current_a: float  # < 0 charges the battery
    grid_power_w: float  # drawn from the grid = battery_power_w / efficiency
    battery_power_w: float  # delivered into the battery (>= 0)
    efficiency: float  # battery over grid power; 0 when off
    phase: ChargePhase
    setpoint_clipped: bool  # a set-point was given and could not be honoured
    message: str  # why the set-point was clipped or the charger idles; "" otherwise


class Charger:
    """CC-CV charger; ``step(dt_s, battery_voltage_v, current_setpoint_a=None)``."""

    def __init__(self, params=None):
        self.params = ChargerParameters() if params is None else params
        if not isinstance(self.params, ChargerParameters):
            raise ValueError(f"params must be ChargerParameters, got {type(params).__name__}")
        self._converter = ConverterEfficiency(self.params.max_power_w,
                                              self.params.nominal_efficiency)
        self._time_s = 0.0
        self._charge_current_a = 0.0  # the integrator: last charging current, >= 0
        self._phase = ChargePhase.IDLE
        self._energy_grid_j = 0.0
        self._energy_battery_j = 0.0

    @property
    def phase(self):
        return self._phase

    def step(self, dt_s, battery_voltage_v, current_setpoint_a=None):
        """Hold the charging current that the control law sets from the battery
        voltage at the start of the step for ``dt_s`` seconds.

        ``current_setpoint_a`` (optional, same sign as the output, <= 0 charges)
        replaces the CC current when it is within the charger's limits; outside
        them it is clipped and ``setpoint_clipped``/``message`` say why.
        """
        dt_s = checks.step_size(dt_s)
        voltage = checks.non_negative("battery_voltage_v", battery_voltage_v)
        setpoint = (None if current_setpoint_a is None
                    else checks.finite("current_setpoint_a", current_setpoint_a))
        current, phase, clipped, message = self._control(voltage, setpoint)
        battery_power = voltage * current
        grid_power = self._converter.input_power_w(battery_power)
        self._charge_current_a = current
        self._phase = phase
        self._time_s += dt_s
        self._energy_grid_j += grid_power * dt_s
        self._energy_battery_j += battery_power * dt_s
        return ChargerOutput(
            battery_current_a=-current, grid_power_w=grid_power, battery_power_w=battery_power,
            efficiency=battery_power / grid_power if grid_power > 0.0 else 0.0,
            phase=phase, setpoint_clipped=clipped, message=message)

    def _control(self, voltage, setpoint):
        """(charging current >= 0, phase, set-point clipped, message) for this step."""
        p = self.params
        if self._phase == ChargePhase.DONE:
            return 0.0, ChargePhase.DONE, setpoint is not None and setpoint < 0.0, \
                "charge terminated" if setpoint is not None and setpoint < 0.0 else ""
        if not p.min_voltage_v <= voltage <= p.max_voltage_v:
            return 0.0, ChargePhase.IDLE, setpoint is not None and setpoint < 0.0, (
                f"battery voltage {voltage:.6g} V is outside the charger's output range "
                f"[{p.min_voltage_v:g}, {p.max_voltage_v:g}] V: not charging")
        limit, clipped, message = self._current_limit(voltage, setpoint)
        regulated = self._charge_current_a + (p.cv_voltage_v - voltage) / p.cv_loop_resistance_ohm
        if regulated >= limit:
            return limit, ChargePhase.CC, clipped, message
        if regulated < p.termination_current_a:
            return 0.0, ChargePhase.DONE, False, "charge terminated"
        if setpoint is not None and -setpoint > regulated:
            clipped, message = True, (f"current set-point {setpoint:.6g} A clipped to "
                                      f"{-regulated:.6g} A by the CV voltage limit "
                                      f"{p.cv_voltage_v:g} V")
        return regulated, ChargePhase.CV, clipped, message

    def _current_limit(self, voltage, setpoint):
        """The CC current: the hardware limits, or the set-point within them."""
        p = self.params
        hardware = min(p.max_current_a, p.max_power_w / voltage)
        reason = "current limit" if p.max_current_a * voltage <= p.max_power_w else "power limit"
        if setpoint is None:
            return hardware, False, ""
        if setpoint > 0.0:
            return 0.0, True, (f"current set-point {setpoint:.6g} A would discharge the battery; "
                               "the charger is unidirectional: clipped to 0 A")
        if -setpoint > hardware:
            return hardware, True, (f"current set-point {setpoint:.6g} A clipped to "
                                    f"{-hardware:.6g} A by the {reason}")
        return -setpoint, False, ""

    def get_state(self):
        return {"time_s": self._time_s, "charge_current_a": self._charge_current_a,
                "phase": float(self._phase), "energy_grid_j": self._energy_grid_j,
                "energy_battery_j": self._energy_battery_j}

    def set_state(self, state):
        self._time_s = checks.finite("time_s", state["time_s"])
        self._charge_current_a = checks.non_negative("charge_current_a",
                                                      state["charge_current_a"])
        phase = checks.finite("phase", state["phase"])
        if phase not in set(ChargePhase):
            raise ValueError(f"phase must be one of {[int(p) for p in ChargePhase]}, got {phase!r}")
        self._phase = ChargePhase(int(phase))
        self._energy_grid_j = checks.finite("energy_grid_j", state["energy_grid_j"])
        self._energy_battery_j = checks.finite("energy_battery_j", state["energy_battery_j"])
