"""Vehicle presets by name: the default compact EV and a 2020 Chevrolet Bolt EV.

The Bolt preset reproduces the vehicle NREL's FASTSim 3.1.0 ships as resource
``2020 Chevrolet Bolt EV thrml.yaml`` (read from the installed package), so that
energy per km can be compared with FASTSim on the same cycles. Two FASTSim
behaviours are copied on purpose and documented here:

* all negative tractive power goes to the motor up to its limits (no speed
  blend with friction brakes), hence ``regen_max_fraction = 1`` and ``a = 0``;
* in regen FASTSim evaluates the efficiency curve at a power fraction clamped
  to 0 (``pwr_uncorrected.max(0.)`` in ``electric_machine.rs``), i.e. a constant
  0.8736, hence ``regen_efficiency = (0.8736...,)``.
"""
from __future__ import annotations

import dataclasses

from .parameters import VehicleParameters

# FASTSim 3.1.0, `2020 Chevrolet Bolt EV thrml.yaml`, em.eff_interp_achieved
BOLT_EFFICIENCY_FRACTIONS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
BOLT_MOTOR_EFFICIENCY = (
    0.8736113907685258, 0.894336709838892, 0.9150620289092581, 0.9357873479796243,
    0.9461500075148074, 0.9565126670499905, 0.9772379861203567, 0.9876006456555396,
    0.9876006456555396, 0.9772379861203567, 0.9668753265851735,
)
# FASTSim 3.1.0 `get_density_air(None, None)`: 99346.3 Pa / (287 J/kg/K * 295.15 K), 22 degC at 180 m.
FASTSIM_AIR_DENSITY = 99_346.3 / (287.0 * 295.15)  # kg/m3


def compact_ev() -> VehicleParameters:
    """The default compact EV (Renault Zoe ZE50 R135 numbers; see :class:`VehicleParameters`)."""
    return VehicleParameters()


def bolt_ev() -> VehicleParameters:
    """2020 Chevrolet Bolt EV as in FASTSim 3.1.0 (values from its resource file unless noted)."""
    return VehicleParameters(
        name="2020 Chevrolet Bolt EV (FASTSim 3.1.0 numbers)",
        mass_kg=1626.129,  # `mass_kilograms`
        rotating_inertia_kg_m2=4 * 0.815,  # 4 x `wheel_inertia_kilogram_square_meters`
        drag_coefficient=0.309,  # `drag_coef`
        frontal_area_m2=2.396898,  # `frontal_area_square_meters`
        rolling_resistance_coefficient=0.007767205248456686,  # `wheel_rr_coef`
        wheel_radius_m=0.3234,  # `wheel_radius_meters`
        air_density_kg_m3=FASTSIM_AIR_DENSITY,
        # Chevrolet Bolt EV press release (NAIAS, Jan 2016): 266 lb-ft = 360 N m, 7.05:1 final drive.
        motor_max_power_w=149_139.974,  # `em.pwr_out_max_watts`
        motor_max_torque_nm=360.0,
        final_drive_ratio=7.05,
        final_drive_efficiency=0.98,  # `transmission.eff_interp`
        wheel_efficiency=1.0,
        efficiency_power_fractions=BOLT_EFFICIENCY_FRACTIONS,
        motor_efficiency=BOLT_MOTOR_EFFICIENCY,
        regen_efficiency=(BOLT_MOTOR_EFFICIENCY[0],),  # FASTSim's clamped lookup, see module doc
        regen_max_fraction=1.0,  # FASTSim 3 BEV: no friction/regen blend
        regen_blend_a=0.0,
        regen_max_power_w=149_139.974,  # the motor rating, as FASTSim's `pwr_mech_regen_max`
        battery_max_discharge_power_w=165e3,  # `res.pwr_out_max_watts`
        battery_max_charge_power_w=165e3,  # FASTSim uses the same bound for charging
        aux_power_w=250.0,  # `pwr_aux_base_watts`
    )


PRESETS = {"compact_ev": compact_ev, "bolt_ev": bolt_ev}


def vehicle_preset(name: str, **overrides) -> VehicleParameters:
    """Parameters of a preset by name, with any field replaced by ``overrides``."""
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise ValueError(f"unknown vehicle preset {name!r}; known presets: {', '.join(sorted(PRESETS))}")
    return dataclasses.replace(PRESETS[key](), **overrides) if overrides else PRESETS[key]()
