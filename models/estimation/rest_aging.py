"""The twin's slow parameters carried over a rest: what the SPMe's own SEI
law (``models.battery.aging``) says a resting cell loses.

The film grows limited by solvent diffusion, L^2(t) = L^2 + 2 k(T) t,
whatever the current, and takes cyclable lithium with it,
dLi = (L(t) - L) * lithium_per_thickness. The twin's capacity is the
capacity of a cell that lost its equivalent lithium (``TwinModel``'s
assumption: all fade is lost lithium), so the rest moves it to

    Q' = Q_cell(Li_Q + dLi),        Li_Q such that Q_cell(Li_Q) = Q,

and the film adds its ionic resistance, R_film = L rho_SEI / (a_n delta_n A),
to the ohmic and charge-transfer resistance theta stands for:

    theta' = theta + (R_film(L(t)) - R_film(L)) / R_nominal,

R_nominal the twin's resistance at theta = 1 (SOC 0.5, 25 degC), the
reference of the resistance factor. The twin cannot measure its film: it
carries the thickness this law predicts from the nominal cell's, at the
ambient temperature it reads.

Why: with the fleet's accelerated aging a day is 30 calendar days, and the
plant loses 0.006-0.016 A.h and gains 0.006-0.017 in resistance factor a
day; a twin that carries yesterday's estimate unchanged lags the plant by a
few days of aging (seed 41: capacity +0.02 A.h, resistance factor -0.045),
which a shallow day's data cannot pull back.

Limits: the film is the only aging (as in the plant); the rest is taken at
the ambient temperature, the drive's and charge's warmer hours ignored; the
nominal cell's film and SEI constants stand for the vehicle's. A twin that
takes capacity as loading (``TwinModel.fix_window``) is moved by the same
law: its capacity's difference from the law's is read here as lithium, not
as material, which changes a rest's fade by the loading's own fraction
(0.3 % in the fleet), far below the law's error.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..battery.aging import rest
from .twin_model import CAPACITY, CORE, N_STATES, SOC, SURFACE, THETA, TwinModel

_LOST_GRID = np.linspace(0.0, 1.0, 41)  # A.h per cell: lost lithium the capacity table spans


def carry_over_rest(model: TwinModel, capacity: float, theta: float, film: float, duration: float,
                    temperature: float) -> tuple[float, float, float]:
    """(capacity [A.h per cell], resistance factor, film thickness [m]) after
    resting ``duration`` s at ``temperature`` K from these values."""
    cell = model.cell
    grown, lithium = rest(cell, film, duration, temperature)
    lost, table = _capacity_table(model)
    equivalent = float(np.interp(-capacity, -table, lost))  # the table's capacity falls with lost lithium
    new_capacity = capacity + float(np.interp(equivalent + lithium, lost, table) - np.interp(equivalent, lost, table))
    film_resistance = cell.sei_resistivity / (cell.specific_surface_area("negative")
                                              * cell.negative_electrode_thickness * cell.electrode_area)  # Ohm/m
    return new_capacity, theta + (grown - film) * film_resistance / _nominal_resistance(model), grown


@lru_cache(maxsize=4)
def _capacity_table(model: TwinModel) -> tuple[np.ndarray, np.ndarray]:
    """The twin's capacity against the lithium lost, over ``_LOST_GRID``."""
    return _LOST_GRID, np.array([model.capacity_of(float(lost)) for lost in _LOST_GRID])


def _nominal_resistance(model: TwinModel) -> float:
    x = np.zeros(N_STATES)
    x[SOC], x[CORE], x[SURFACE], x[CAPACITY], x[THETA] = 0.5, 298.15, 298.15, model.nominal_capacity, 1.0
    return model.resistance(x)

