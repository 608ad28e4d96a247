"""Two-state core/surface thermal model of a cylindrical cell (Lin et al. 2014).

    C_c dT_c/dt = Q + (T_s - T_c) / R_c
    C_s dT_s/dt = (T_amb - T_s) / R_u - (T_s - T_c) / R_c

X. Lin et al., "A lumped-parameter electro-thermal model for cylindrical
batteries", J. Power Sources 257 (2014) 1-11. The model is linear with inputs
held over a step, so it is integrated exactly with a matrix exponential and any
step size is as accurate as any other.

Several cells can share the heat: ``Q`` is the heat of the whole group, each of
the ``n_cells`` identical cells receives ``Q / n_cells`` and the group rejects
``n_cells`` times what one cell rejects.

Abuse reactions (``models/abuse.py``, off unless given) add their heat to the
core. The step is then cut into halves until the reactions raise the core by
at most ``MAX_REACTION_RISE`` per sub-step; the heat of each sub-step is what
its conversions released, so energy stays conserved while the cell runs away.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.linalg import expm

from . import checks
from .abuse import AbuseReactions

# Default constants for a 21700 cell (LG M50), derived from published data:
#  - geometry: the 21700 format, radius 10.5 mm, height 70 mm;
#  - layer stack (thicknesses, densities, heat capacities, conductivities):
#    Chen et al., J. Electrochem. Soc. 167 (2020) 080534, as tabulated in
#    PyBaMM's `Chen2020` parameter set; cell volume 2.42e-5 m3, cooling surface
#    5.31e-3 m2 and total heat transfer coefficient 10 W/m2/K from the same set.
# Volume-weighted rho*c_p of the stack is 1.767e6 J/m3/K (the average PyBaMM's
# lumped model uses); times the cell volume gives the jelly-roll capacity.
JELLY_ROLL_HEAT_CAPACITY = 42.8  # J/K: 1.767e6 J/m3/K * 2.42e-5 m3
# The can as the surface node: steel (7850 kg/m3, 490 J/kg/K, textbook values),
# with an assumed 0.25 mm wall: 2*pi*10.5 mm*70 mm*0.25 mm = 1.15e-6 m3.
CAN_HEAT_CAPACITY = 4.4  # J/K
# Radial conduction: series conductivity of the layer stack,
# k_r = sum(L) / sum(L/k) = 1.25 W/m/K; for uniform heat generation the centre
# sits Q / (4 pi k_r H) above the surface: R_c = 1 / (4 pi * 1.25 * 0.070).
CORE_TO_SURFACE_RESISTANCE = 0.91  # K/W
# Convection to ambient: R_u = 1 / (h A) = 1 / (10 W/m2/K * 5.31e-3 m2).
SURFACE_TO_AMBIENT_RESISTANCE = 18.8  # K/W
MAX_REACTION_RISE = 0.5  # K of core temperature per sub-step from abuse reactions (numerics)


@dataclass(frozen=True)
class ThermalParameters:
    core_heat_capacity: float = JELLY_ROLL_HEAT_CAPACITY  # C_c [J/K] per cell
    surface_heat_capacity: float = CAN_HEAT_CAPACITY  # C_s [J/K] per cell
    core_to_surface_resistance: float = CORE_TO_SURFACE_RESISTANCE  # R_c [K/W]
    surface_to_ambient_resistance: float = SURFACE_TO_AMBIENT_RESISTANCE  # R_u [K/W]
    n_cells: float = 1.0  # cells sharing the heat [1]

    def __post_init__(self) -> None:
        for field in fields(self):
            checks.positive(field.name, getattr(self, field.name))


class CellThermal:
    """Core and surface temperature of a group of identical cells."""

    def __init__(self, parameters: ThermalParameters, initial_temperature: float,
                 reactions: AbuseReactions | None = None):
        _check_temperature("initial_temperature", initial_temperature)
        self.parameters = parameters
        self.reactions = reactions
        p = parameters
        # x' = A x + B u with x = (T_c, T_s) and u = (Q per cell, T_amb)
        self._a = np.array([
            [-1.0 / (p.core_heat_capacity * p.core_to_surface_resistance),
             1.0 / (p.core_heat_capacity * p.core_to_surface_resistance)],
            [1.0 / (p.surface_heat_capacity * p.core_to_surface_resistance),
             -1.0 / (p.surface_heat_capacity * p.core_to_surface_resistance)
             - 1.0 / (p.surface_heat_capacity * p.surface_to_ambient_resistance)],
        ])
        self._b = np.array([
            [1.0 / p.core_heat_capacity, 0.0],
            [0.0, 1.0 / (p.surface_heat_capacity * p.surface_to_ambient_resistance)],
        ])
        self._propagators: dict[float, np.ndarray] = {}
        self._augmented = np.empty(5)
        self.core_temperature = float(initial_temperature)
        self.surface_temperature = float(initial_temperature)
        self.heat_rejected = 0.0  # W, mean over the last step, whole group

    def step(self, dt: float, heat_generation: float, ambient_temperature: float) -> None:
        """Advance by ``dt`` seconds with both inputs held."""
        if not math.isfinite(dt) or dt <= 0.0:
            raise ValueError(f"step size must be positive and finite, got {dt!r}")
        checks.finite("heat_generation", heat_generation)
        _check_temperature("ambient_temperature", ambient_temperature)
        p = self.parameters
        if self.reactions is None:
            excess = self._linear_step(dt, heat_generation / p.n_cells, ambient_temperature)
        else:
            excess = self._reacting_step(dt, heat_generation / p.n_cells, ambient_temperature)
        self.heat_rejected = p.n_cells * excess / (p.surface_to_ambient_resistance * dt)

    def _linear_step(self, dt: float, heat_per_cell: float, ambient_temperature: float) -> float:
        """Exact step with the heat held; returns the integral of T_s - T_amb [K s]."""
        x = self._augmented
        x[0], x[1] = self.core_temperature, self.surface_temperature
        x[2], x[3] = heat_per_cell, ambient_temperature
        x[4] = 0.0
        x = self._propagator(dt) @ x
        self.core_temperature, self.surface_temperature = float(x[0]), float(x[1])
        return float(x[4])

    def _reacting_step(self, dt: float, heat_per_cell: float, ambient_temperature: float) -> float:
        """Sub-steps dt / 2**n short enough for the reactions' heat; see the module docstring."""
        limit = MAX_REACTION_RISE * self.parameters.core_heat_capacity
        elapsed = excess = 0.0
        while elapsed < dt:
            h = dt - elapsed
            rate = self.reactions.heat_rate(self.core_temperature)
            while rate * h > limit and h > dt * 2.0**-40:
                h *= 0.5
            released = self.reactions.advance(h, self.core_temperature)
            excess += self._linear_step(h, heat_per_cell + released / h, ambient_temperature)
            elapsed += h
        return excess

    def steady_state(self, heat_generation: float, ambient_temperature: float) -> tuple[float, float]:
        """Core and surface temperature that constant inputs settle to."""
        p = self.parameters
        q = heat_generation / p.n_cells
        surface = ambient_temperature + q * p.surface_to_ambient_resistance
        return surface + q * p.core_to_surface_resistance, surface

    def time_constants(self) -> tuple[float, float]:
        """The two time constants [s] of the free response, slow first."""
        return tuple(sorted((-1.0 / np.linalg.eigvals(self._a).real).tolist(), reverse=True))

    def get_state(self) -> dict:
        return {
            "core_temperature": self.core_temperature,
            "surface_temperature": self.surface_temperature,
            "heat_rejected": self.heat_rejected,
            "reactions": None if self.reactions is None else self.reactions.get_state(),
        }

    def set_state(self, state: dict) -> None:
        self.core_temperature = float(state["core_temperature"])
        self.surface_temperature = float(state["surface_temperature"])
        self.heat_rejected = float(state["heat_rejected"])
        if self.reactions is not None and state.get("reactions") is not None:
            self.reactions.set_state(state["reactions"])

    def _propagator(self, dt: float) -> np.ndarray:
        """exp(M dt) of the system augmented with its held inputs and with the
        integral of T_s - T_amb, cached per step size."""
        propagator = self._propagators.get(dt)
        if propagator is None:
            m = np.zeros((5, 5))
            m[:2, :2] = self._a
            m[:2, 2:4] = self._b
            m[4, 1], m[4, 3] = 1.0, -1.0
            propagator = expm(m * dt)
            if len(self._propagators) > 64:
                self._propagators.clear()
            self._propagators[dt] = propagator
        return propagator


def _check_temperature(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite absolute temperature above 0 K, got {value!r} K")
