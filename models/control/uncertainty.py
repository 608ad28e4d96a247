"""The set of cells the robust (tube) controller must keep safe.

A box over the parameters that move the charge limits most: the negative
particle's solid diffusivity and reaction rate (they set the surface
concentration and the kinetic overpotential, hence the plating
overpotential), a series ohmic resistance (voltage and heat) and the
surface-to-ambient thermal resistance (core temperature). The bounds are
ASSUMPTIONS: the spread commonly reported when one LG M50 parameter set is
identified from several cells or methods (Chen et al. 2020 report
diffusivities that vary by a factor of about 2 with stoichiometry; O'Kane et
al., PCCP 24 (2022) 7909 use +-30-50 % on kinetic and transport parameters of
the same cell), and +-25 % on a natural/forced convection coefficient.
Sample plants are drawn uniformly from the box, seeded.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .reduced_cell import NOMINAL_THETA, THETA_NAMES


@dataclass(frozen=True)
class UncertaintySet:
    negative_diffusivity_factor: tuple[float, float] = (0.7, 1.4)  # 1, ASSUMPTION (see module docstring)
    negative_rate_factor: tuple[float, float] = (0.7, 1.4)  # 1, ASSUMPTION
    contact_resistance: tuple[float, float] = (0.0, 0.004)  # Ohm per cell, ASSUMPTION (~15 % of the M50's DCIR)
    heat_transfer_resistance_factor: tuple[float, float] = (0.8, 1.25)  # 1, ASSUMPTION

    def __post_init__(self) -> None:
        for name, nominal in zip(THETA_NAMES, NOMINAL_THETA):
            low, high = getattr(self, name)
            if not low <= nominal <= high:
                raise ValueError(f"{name} bounds ({low}, {high}) must contain the nominal value {nominal}")
            if name != "contact_resistance" and low <= 0.0:
                raise ValueError(f"{name} is a factor and must stay positive, got lower bound {low}")

    def bounds(self) -> list[tuple[float, float]]:
        return [getattr(self, name) for name in THETA_NAMES]

    def vertices(self) -> list[tuple[float, ...]]:
        """Every corner of the box (2**4)."""
        return list(itertools.product(*self.bounds()))

    def sample(self, count: int, seed: int) -> np.ndarray:
        """``count`` parameter vectors drawn uniformly from the box (rows), seeded."""
        low, high = np.array(self.bounds()).T
        return low + (high - low) * np.random.default_rng(seed).random((count, len(THETA_NAMES)))
