"""The baseline every BMS has: Coulomb counting from the measured current.

    soc(t) = soc(0) - (1 / 3600 Q) * integral of I_measured dt

with the belief soc(0) and the nominal capacity Q [A.h]. It never corrects
itself: an initial error stays, a current offset and a wrong capacity make it
drift.
"""
from __future__ import annotations

import numpy as np


def coulomb_counting(time: np.ndarray, measured_current: np.ndarray, initial_soc: float,
                     capacity: float) -> np.ndarray:
    """SOC at each ``time`` [s]; the current sample at time k is held until k + 1."""
    time, current = np.asarray(time, dtype=float), np.asarray(measured_current, dtype=float)
    charge = np.concatenate([[0.0], np.cumsum(current[:-1] * np.diff(time))])  # A.s
    return initial_soc - charge / (3600.0 * capacity)
