"""Vehicle parameters for the longitudinal powertrain model, checked up front.

All quantities SI. Defaults describe the default compact EV, a 2022 Renault
Zoe ZE50 R135 as NREL's FASTSim 3.1.0 carries it (resource
``2022_Renault_Zoe_ZE50_R135.yaml``) unless the comment says otherwise.
The Bolt-like preset lives in :mod:`.presets`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

# Standard acceleration of gravity, 3rd CGPM (1901).
STANDARD_GRAVITY = 9.80665  # m/s2

ZOE_EFFICIENCY_FRACTIONS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
ZOE_MOTOR_EFFICIENCY = (0.84, 0.86, 0.88, 0.9, 0.91, 0.92, 0.94, 0.95, 0.95, 0.94, 0.93)


@dataclass(frozen=True)
class VehicleParameters:
    """Constants of a battery-electric vehicle driven along a speed trace."""

    name: str = "compact EV (Renault Zoe ZE50 R135 numbers)"
    mass_kg: float = 1600.0  # FASTSim Zoe `mass_kilograms` (test mass)
    # Rotating parts referred to the wheel axle, J_eq / r^2 adds to the mass in
    # acceleration: FASTSim Zoe, 4 wheels x 0.815 kg m2 (`wheel_inertia`).
    rotating_inertia_kg_m2: float = 4 * 0.815
    drag_coefficient: float = 0.33  # FASTSim Zoe `drag_coef`
    frontal_area_m2: float = 2.5121646  # FASTSim Zoe `frontal_area`
    rolling_resistance_coefficient: float = 0.009  # FASTSim Zoe `wheel_rr_coef`
    wheel_radius_m: float = 0.31045  # FASTSim Zoe `wheel_radius`
    air_density_kg_m3: float = 1.225  # ISO 2533 standard atmosphere, sea level, 15 degC
    road_grade: float = 0.0  # rise over run [1]; the standard cycles are flat
    gravity_m_s2: float = STANDARD_GRAVITY
    # Renault press material "New ZOE: a motor that combines power and versatility"
    # (easyelectriclife.groupe.renault.com, 2019): R135, 100 kW and 245 N m.
    motor_max_power_w: float = 100e3  # also FASTSim Zoe `pwr_out_max`
    motor_max_torque_nm: float = 245.0
    # Single reduction of the ZOE drive unit, ~9.3:1 as commonly published;
    # not checked against a primary source (only sets the torque-limited region).
    final_drive_ratio: float = 9.32
    final_drive_efficiency: float = 0.92  # FASTSim Zoe `transmission.eff_interp`
    wheel_efficiency: float = 1.0  # hub/bearing losses lumped into the final drive (as FASTSim)
    # Motor + inverter efficiency vs shaft power fraction: FASTSim Zoe `em.eff_interp_achieved`.
    efficiency_power_fractions: tuple[float, ...] = ZOE_EFFICIENCY_FRACTIONS
    motor_efficiency: tuple[float, ...] = ZOE_MOTOR_EFFICIENCY
    # Generating efficiency: None mirrors the motoring curve on |power fraction|;
    # one value means a constant; else one value per fraction.
    regen_efficiency: tuple[float, ...] | None = None
    # Regen share of the braking power at the wheels, blended with speed as in
    # FASTSim 2 (simdrive.py): max_regen / (1 + a exp(-b (v_mph + 1))), with its
    # defaults max_regen = 0.98, a = 500, b = 0.99 /mph (= 2.2146 s/m).
    regen_max_fraction: float = 0.98
    regen_blend_a: float = 500.0
    regen_blend_b_s_per_m: float = 0.99 / 0.44704
    regen_max_power_w: float = 100e3  # shaft power the motor may absorb: its rating
    battery_max_discharge_power_w: float = math.inf  # FASTSim Zoe: 1 MW, i.e. not limiting
    battery_max_charge_power_w: float = math.inf
    battery_max_discharge_current_a: float = math.inf  # not limited unless a pack is modelled
    battery_max_charge_current_a: float = math.inf
    aux_power_w: float = 250.0  # FASTSim Zoe `pwr_aux_base`

    def __post_init__(self) -> None:
        for field in fields(self):
            if field.name not in _NON_SCALAR:
                _check_scalar(field.name, getattr(self, field.name))
        _check_curves(self)

    @property
    def equivalent_mass_kg(self) -> float:
        """Mass plus rotating-mass allowance J_eq / r^2 [kg]."""
        return self.mass_kg + self.rotating_inertia_kg_m2 / self.wheel_radius_m**2

    @property
    def driveline_efficiency(self) -> float:
        """Wheel-to-motor-shaft efficiency (final drive x wheel) [1]."""
        return self.final_drive_efficiency * self.wheel_efficiency

    @property
    def regen_efficiency_values(self) -> tuple[float, ...]:
        return self.motor_efficiency if self.regen_efficiency is None else self.regen_efficiency


_NON_SCALAR = {"name", "efficiency_power_fractions", "motor_efficiency", "regen_efficiency"}
_POSITIVE = {"mass_kg", "drag_coefficient", "frontal_area_m2", "wheel_radius_m", "air_density_kg_m3",
             "gravity_m_s2", "motor_max_power_w", "motor_max_torque_nm", "final_drive_ratio",
             "regen_max_power_w", "battery_max_discharge_power_w", "battery_max_charge_power_w",
             "battery_max_discharge_current_a", "battery_max_charge_current_a"}
_UNIT_INTERVAL = {"final_drive_efficiency", "wheel_efficiency"}
_MAY_BE_INFINITE = {"battery_max_discharge_power_w", "battery_max_charge_power_w",
                    "battery_max_discharge_current_a", "battery_max_charge_current_a"}


def _check_scalar(name: str, value) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if math.isinf(value) and not (name in _MAY_BE_INFINITE and value > 0):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if name in _POSITIVE and value <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if name in _UNIT_INTERVAL and not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must lie in (0, 1], got {value!r}")
    if name == "regen_max_fraction" and not 0.0 <= value <= 1.0:
        raise ValueError(f"regen_max_fraction must lie in [0, 1], got {value!r}")
    if name in ("rotating_inertia_kg_m2", "aux_power_w", "rolling_resistance_coefficient",
                "regen_blend_a", "regen_blend_b_s_per_m") and value < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    if name == "road_grade" and abs(value) > 1.0:
        raise ValueError(f"road_grade (rise over run) must lie in [-1, 1], got {value!r}")


def _check_curves(p: VehicleParameters) -> None:
    fractions = np.asarray(p.efficiency_power_fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) < 2 or fractions[0] != 0.0 or fractions[-1] != 1.0 \
            or np.any(np.diff(fractions) <= 0.0):
        raise ValueError("efficiency_power_fractions must increase strictly from 0 to 1, "
                         f"got {p.efficiency_power_fractions!r}")
    for name, values in (("motor_efficiency", p.motor_efficiency), ("regen_efficiency", p.regen_efficiency)):
        if values is None:
            continue
        values = np.asarray(values, dtype=float)
        allowed = (len(fractions),) if name == "motor_efficiency" else (1, len(fractions))
        if values.ndim != 1 or len(values) not in allowed:
            raise ValueError(f"{name} needs {' or '.join(map(str, allowed))} values, got {len(values)}")
        if not np.all(np.isfinite(values)) or np.any(values <= 0.0) or np.any(values > 1.0):
            raise ValueError(f"{name} values must lie in (0, 1], got {tuple(values)!r}")
    _check_monotonic_losses(p, fractions)


def _check_monotonic_losses(p: VehicleParameters, fractions: np.ndarray) -> None:
    """Electrical power must grow with shaft power, or the power limits cannot be inverted."""
    x = np.linspace(0.0, 1.0, 2001)
    eta = np.interp(x, fractions, p.motor_efficiency)
    if np.any(np.diff(x / eta) <= 0.0):
        raise ValueError("motor_efficiency rises too steeply: electrical power must grow with shaft power")
    regen = p.regen_efficiency_values
    eta_r = np.full_like(x, regen[0]) if len(regen) == 1 else np.interp(x, fractions, regen)
    if np.any(np.diff(x * eta_r) <= 0.0):
        raise ValueError("regen_efficiency falls too steeply: recovered power must grow with braking power")
