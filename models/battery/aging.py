"""Calendar aging between drives: the SPMe's SEI law on a resting cell.

The SEI grows limited by solvent diffusion through the film (PyBaMM's
"solvent-diffusion limited" model, the one ``SPMeBattery`` steps):

    L dL/dt = V_SEI D_sol c_sol / z_Li * Arrhenius(T)   =>   L^2(t) = L0^2 + 2 k t,

independent of the current, so a rest of any length is one closed-form step.
Each mole of SEI consumes ``sei_lithium_per_mole`` of cyclable lithium from
the negative particles' surface, which :func:`rest` returns in A.h per cell
(``lost_lithium_inventory`` of ``BatteryParameters``). Limits: the film's
growth is the only aging; no cracking, plating or loss of active material.
"""
from __future__ import annotations

import math

from .chen2020 import FARADAY
from .diffusion import arrhenius
from .parameters import BatteryParameters


def sei_growth_rate(p: BatteryParameters, temperature: float) -> float:
    """k in L^2(t) = L0^2 + 2 k t [m2/s]; 0 with SEI growth off."""
    if not p.sei_enabled:
        return 0.0
    return (p.sei_partial_molar_volume * p.sei_solvent_diffusivity * p.sei_solvent_concentration
            / p.sei_lithium_per_mole * arrhenius(p.sei_activation_energy, temperature, p.reference_temperature))


def lithium_per_thickness(p: BatteryParameters) -> float:
    """Cyclable lithium one metre of SEI on every negative particle consumes, per cell [A.h/m]."""
    surface = p.specific_surface_area("negative") * p.negative_electrode_thickness * p.electrode_area
    return p.sei_lithium_per_mole / p.sei_partial_molar_volume * surface * FARADAY / 3600.0


def rest(p: BatteryParameters, thickness: float, duration: float, temperature: float) -> tuple[float, float]:
    """The SEI film after resting ``duration`` s at ``temperature`` K from
    ``thickness`` m: (new thickness [m], lithium it consumed per cell [A.h])."""
    if duration < 0.0 or not math.isfinite(duration):
        raise ValueError(f"rest duration must be finite and >= 0, got {duration!r}")
    grown = math.sqrt(thickness * thickness + 2.0 * sei_growth_rate(p, temperature) * duration)
    return grown, (grown - thickness) * lithium_per_thickness(p)
