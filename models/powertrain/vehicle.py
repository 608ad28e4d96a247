"""Backward-facing longitudinal EV model following a drive cycle.

Each call to :meth:`Powertrain.step` covers ``[t, t + dt]`` with the battery
voltage held. The interval is cut at the cycle's samples and at whole seconds
(so no piece is longer than 1 s, whatever the step); on each piece the
vehicle tries to reach the trace speed at the piece's end. If the motor (power
or torque) or the battery (power or current at this voltage) cannot deliver the
wheel power that needs, the vehicle reaches the speed it can afford instead and
falls behind the trace; it never takes more power than the limits allow.
Braking power goes to regen by a speed-dependent share, up to the motor's and
the battery's limits; the rest goes to the friction brakes.

Power is constant on each piece, so the energies are exact sums and every
output is the mean over the step: ``battery_current * battery_voltage * dt`` is
the energy the battery delivered during the step.

Energy bookkeeping (cumulative, J):
``battery = traction + losses + aux - regen`` where ``traction`` is wheel
energy while propelling, ``regen`` wheel braking energy taken by the motor and
``losses`` those of driveline, motor and inverter in both directions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq

from ..checks import finite as _finite
from .drive_cycles import DriveCycle, load_cycle
from .efficiency import PowerFractionEfficiency
from .parameters import VehicleParameters
from .road_load import RoadLoad

# 1 mph in m/s (exact, NIST SP 811); the regen blend is FASTSim's "+1 mph" offset.
MPH = 0.44704
# Cycle samples closer than this to a step's end are merged with it [s].
_TIME_TOLERANCE = 1e-9

ENERGY_KEYS = ("battery", "wheel", "traction", "regen", "losses", "aux", "friction_brake")
_BATTERY, _WHEEL, _TRACTION, _REGEN, _LOSSES, _AUX, _FRICTION = range(len(ENERGY_KEYS))
STATE_KEYS = ("time", "speed", "distance") + tuple(f"energy_{k}" for k in ENERGY_KEYS)


@dataclass(frozen=True, slots=True)
class PowertrainOutputs:
    """Result of one step: means over the step unless marked 'end of step'."""

    time: float  # end of step [s]
    battery_current: float  # [A], > 0 discharges the battery
    electrical_power: float  # battery terminal power [W], > 0 discharges
    electrical_energy: float  # battery energy delivered since t = 0 [J] (end of step)
    traction_power: float  # power at the wheels [W], > 0 propels, < 0 brakes (all brakes)
    vehicle_speed: float  # end of step [m/s]
    distance: float  # end of step [m]
    trace_speed: float  # cycle speed at the end of the step [m/s]
    trace_miss: float  # trace_speed - vehicle_speed [m/s], > 0 behind the trace
    distance_miss: float  # cycle distance - distance [m] (end of step)
    motor_power: float  # motor/inverter DC power [W], < 0 in regen
    aux_power: float  # auxiliary load [W]
    regen_power: float  # wheel braking power taken by regen [W], >= 0
    friction_brake_power: float  # wheel braking power dissipated by the brakes [W], >= 0
    loss_power: float  # driveline + motor + inverter losses [W], >= 0


class _StepLimits:
    """Shaft-power bounds set by the battery at one voltage, computed on first use."""

    def __init__(self, p: VehicleParameters, efficiency: PowerFractionEfficiency, voltage: float):
        self._p, self._efficiency, self._voltage = p, efficiency, voltage
        self._motoring: float | None = None
        self._regen: float | None = None

    @property
    def motoring_shaft_max(self) -> float:
        if self._motoring is None:
            p = self._p
            electrical = min(p.battery_max_discharge_power_w, p.battery_max_discharge_current_a * self._voltage)
            self._motoring = self._efficiency.max_motoring_power(electrical - p.aux_power_w)
        return self._motoring

    @property
    def regen_shaft_max(self) -> float:
        if self._regen is None:
            p = self._p
            electrical = min(p.battery_max_charge_power_w, p.battery_max_charge_current_a * self._voltage)
            self._regen = self._efficiency.max_regen_power(electrical + p.aux_power_w)
        return self._regen


class Powertrain:
    """An EV driving ``drive_cycle`` (a name from ``known_cycles()``, a CSV path or a DriveCycle).

    ``step(dt, battery_voltage)`` advances by dt [s] and returns
    :class:`PowertrainOutputs`. The vehicle starts at the trace speed at t = 0.
    """

    def __init__(self, parameters: VehicleParameters | None = None,
                 drive_cycle: str | DriveCycle = "wltc_class3b"):
        self.parameters = parameters if parameters is not None else VehicleParameters()
        if not isinstance(self.parameters, VehicleParameters):
            raise ValueError(f"parameters must be VehicleParameters, got {type(parameters).__name__}")
        self.cycle = drive_cycle if isinstance(drive_cycle, DriveCycle) else load_cycle(drive_cycle)
        p = self.parameters
        self._road = RoadLoad(p)
        self._efficiency = PowerFractionEfficiency(
            p.efficiency_power_fractions, p.motor_efficiency, p.regen_efficiency_values, p.motor_max_power_w)
        self._eta_driveline = p.driveline_efficiency
        # motor shaft speed per vehicle speed [rad/m]: torque cap x this x v = shaft power cap
        self._shaft_rad_per_m = p.final_drive_ratio / p.wheel_radius_m
        self._time = 0.0
        self._speed = self.cycle.speed_at(0.0)
        self._distance = 0.0
        self._energy = dict.fromkeys(ENERGY_KEYS, 0.0)

    # -- public API ---------------------------------------------------------------
    @property
    def time(self) -> float:
        return self._time

    @property
    def vehicle_speed(self) -> float:
        return self._speed

    @property
    def distance(self) -> float:
        return self._distance

    def step(self, dt: float, battery_voltage: float) -> PowertrainOutputs:
        """Advance by ``dt`` [s] with ``battery_voltage`` [V] held; returns the step's means."""
        dt = _finite("dt", dt)
        voltage = _finite("battery_voltage", battery_voltage)
        if dt <= 0.0:
            raise ValueError(f"dt must be > 0 s, got {dt!r}")
        if voltage <= 0.0:
            raise ValueError(f"battery_voltage must be > 0 V, got {voltage!r}")
        limits = _StepLimits(self.parameters, self._efficiency, voltage)
        t_start, t_end = self._time, self._time + dt
        speed, distance = self._speed, self._distance
        sums = [0.0] * len(ENERGY_KEYS)
        a = t_start
        for b in self._piece_ends(t_start, t_end):
            speed_b, powers = self._piece(a, b, speed, limits)
            h = b - a
            for index, power in enumerate(powers):
                sums[index] += power * h
            distance += 0.5 * (speed + speed_b) * h
            speed, a = speed_b, b
        self._time, self._speed, self._distance = t_end, speed, distance
        for key, energy in zip(ENERGY_KEYS, sums):
            self._energy[key] += energy
        return self._outputs(dt, voltage, sums)

    def get_state(self) -> dict[str, float]:
        """Everything that evolves, as a flat dict of floats."""
        state = {"time": self._time, "speed": self._speed, "distance": self._distance}
        state.update({f"energy_{k}": v for k, v in self._energy.items()})
        return state

    def set_state(self, state: dict[str, float]) -> None:
        """Restore a state from :meth:`get_state` exactly."""
        missing = [k for k in STATE_KEYS if k not in state]
        if missing:
            raise ValueError(f"state lacks {', '.join(missing)}")
        values = {k: _finite(f"state[{k!r}]", state[k]) for k in STATE_KEYS}
        if values["speed"] < 0.0:
            raise ValueError(f"state['speed'] must be >= 0 m/s, got {values['speed']!r}")
        self._time, self._speed, self._distance = values["time"], values["speed"], values["distance"]
        self._energy = {k: values[f"energy_{k}"] for k in ENERGY_KEYS}

    # -- one piece of a step ----------------------------------------------------------
    def _piece_ends(self, t_start: float, t_end: float) -> list[float]:
        """Ends of the pieces of [t_start, t_end]: cycle samples and whole seconds inside, then t_end.

        Whole seconds bound a piece to 1 s on coarse user cycles, on a grid
        fixed in time so that the result does not depend on the step size.
        """
        inner = set(self.cycle.grid_points_between(t_start, t_end))
        inner.update(float(k) for k in range(math.floor(t_start) + 1, math.ceil(t_end)))
        ends = sorted(t for t in inner if t - t_start > _TIME_TOLERANCE and t_end - t > _TIME_TOLERANCE)
        ends.append(t_end)
        return ends

    def _piece(self, a: float, b: float, v_a: float, limits: _StepLimits) -> tuple[float, tuple[float, ...]]:
        """(end speed, mean powers [W] in ENERGY_KEYS order) of one piece [a, b]."""
        h = b - a
        v_target = self.cycle.speed_at(b)
        wheel = self._road.wheel_power(v_a, v_target, h)
        aux = self.parameters.aux_power_w
        if wheel > 0.0:
            v_b, wheel = self._propel(v_a, v_target, h, wheel, limits)
            motor = self._efficiency.electrical_power(wheel / self._eta_driveline)
            return v_b, (motor + aux, wheel, wheel, 0.0, motor - wheel, aux, 0.0)
        shaft = self._regen_shaft_power(-wheel, 0.5 * (v_a + v_target), limits)
        regen = shaft / self._eta_driveline
        motor = self._efficiency.electrical_power(-shaft)
        return v_target, (motor + aux, wheel, 0.0, regen, regen + motor, aux, -wheel - regen)

    def _wheel_power_limit(self, v_bar: float, limits: _StepLimits) -> float:
        p = self.parameters
        torque_limited = p.motor_max_torque_nm * self._shaft_rad_per_m * v_bar
        shaft = min(p.motor_max_power_w, torque_limited, limits.motoring_shaft_max)
        return self._eta_driveline * shaft

    def _propel(self, v_a: float, v_target: float, h: float, wheel: float,
                limits: _StepLimits) -> tuple[float, float]:
        """(end speed, wheel power): the trace if affordable, else the best the limits allow."""
        if wheel <= self._wheel_power_limit(0.5 * (v_a + v_target), limits):
            return v_target, wheel

        def shortfall(v_b: float) -> float:
            return self._road.wheel_power(v_a, v_b, h) - self._wheel_power_limit(0.5 * (v_a + v_b), limits)

        if shortfall(0.0) >= 0.0:
            # The road load alone stops the vehicle within the piece: it halts, unpowered.
            return 0.0, 0.0
        v_b = brentq(shortfall, 0.0, v_target, xtol=1e-12, rtol=1e-12)
        # clip the root-finder's residual so that the limit holds exactly
        limit = self._wheel_power_limit(0.5 * (v_a + v_b), limits)
        return v_b, min(max(self._road.wheel_power(v_a, v_b, h), 0.0), limit)

    def _regen_shaft_power(self, braking_w: float, v_bar: float, limits: _StepLimits) -> float:
        """Shaft power [W] the motor absorbs out of ``braking_w`` at the wheels."""
        p = self.parameters
        share = p.regen_max_fraction / (1.0 + p.regen_blend_a * math.exp(-p.regen_blend_b_s_per_m * (v_bar + MPH)))
        torque_limited = p.motor_max_torque_nm * self._shaft_rad_per_m * v_bar
        cap = min(p.regen_max_power_w, torque_limited, limits.regen_shaft_max)
        return min(share * braking_w * self._eta_driveline, cap)

    def _outputs(self, dt: float, voltage: float, sums: list[float]) -> PowertrainOutputs:
        trace_speed = self.cycle.speed_at(self._time)
        battery = sums[_BATTERY] / dt
        aux = sums[_AUX] / dt
        return PowertrainOutputs(
            time=self._time,
            battery_current=battery / voltage,
            electrical_power=battery,
            electrical_energy=self._energy["battery"],
            traction_power=sums[_WHEEL] / dt,
            vehicle_speed=self._speed,
            distance=self._distance,
            trace_speed=trace_speed,
            trace_miss=trace_speed - self._speed,
            distance_miss=self.cycle.distance_at(self._time) - self._distance,
            motor_power=battery - aux,
            aux_power=aux,
            regen_power=sums[_REGEN] / dt,
            friction_brake_power=sums[_FRICTION] / dt,
            loss_power=sums[_LOSSES] / dt,
        )

