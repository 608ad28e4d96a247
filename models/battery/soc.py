"""State-of-charge window: the stoichiometries at which the OCV equals the
upper and lower cut-off voltage, for the cyclable lithium the reference
concentrations fix. This is how PyBaMM's ``initial_soc`` is defined
(``pybamm.lithium_ion.ElectrodeSOHSolver``): soc 1 is (x_100, y_100), soc 0 is
(x_0, y_0) and both electrodes move linearly in between.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from scipy.optimize import brentq

from .parameters import BatteryParameters


@dataclass(frozen=True)
class StoichiometryWindow:
    x_0: float  # negative stoichiometry at soc 0
    x_100: float  # negative stoichiometry at soc 1
    y_0: float  # positive stoichiometry at soc 0
    y_100: float  # positive stoichiometry at soc 1

    def negative(self, soc: float) -> float:
        return self.x_0 + soc * (self.x_100 - self.x_0)

    def positive(self, soc: float) -> float:
        return self.y_0 - soc * (self.y_0 - self.y_100)

    def soc(self, negative_stoichiometry: float) -> float:
        return (negative_stoichiometry - self.x_0) / (self.x_100 - self.x_0)


def stoichiometry_window(p: BatteryParameters) -> StoichiometryWindow:
    q_n, q_p = p.capacity("negative"), p.capacity("positive")
    q_li = (q_n * p.negative_reference_concentration / p.negative_max_concentration
            + q_p * p.positive_reference_concentration / p.positive_max_concentration
            - p.lost_lithium_inventory)

    def positive_of(x: float) -> float:
        return (q_li - x * q_n) / q_p

    def ocv(x: float) -> float:
        return p.positive_ocp(positive_of(x)) - p.negative_ocp(x)

    tiny = 1e-9
    x_low = max(tiny, (q_li - q_p * (1.0 - tiny)) / q_n)
    x_high = min(1.0 - tiny, (q_li - q_p * tiny) / q_n)
    window = []
    for voltage in (p.upper_voltage_cutoff, p.lower_voltage_cutoff):
        if not (ocv(x_high) - voltage) * (ocv(x_low) - voltage) < 0.0:
            raise ValueError(
                f"no stoichiometry pair has an OCV of {voltage} V for this cyclable lithium "
                f"({q_li:.4f} A.h); check the reference concentrations and voltage cut-offs")
        window.append(brentq(lambda x: ocv(x) - voltage, x_low, x_high, xtol=1e-15, rtol=1e-15))
    x_100, x_0 = window
    return StoichiometryWindow(x_0=x_0, x_100=x_100, y_0=positive_of(x_0), y_100=positive_of(x_100))


def lost_lithium_for_fade(p: BatteryParameters, capacity_fade: float) -> float:
    """Cyclable lithium [A.h per cell] whose loss shrinks the capacity between
    the cut-offs by ``capacity_fade`` (a fraction of the fresh cell's)."""
    if not 0.0 <= capacity_fade < 1.0:
        raise ValueError(f"capacity_fade must lie in [0, 1), got {capacity_fade!r}")
    fresh = cell_capacity(replace(p, lost_lithium_inventory=0.0))
    if capacity_fade == 0.0:
        return 0.0

    def shortfall(lost: float) -> float:
        return cell_capacity(replace(p, lost_lithium_inventory=lost)) - (1.0 - capacity_fade) * fresh

    high = fresh
    while True:
        try:
            if shortfall(high) < 0.0:
                break
        except ValueError:
            pass
        high *= 0.9
        if high < 1e-6:
            raise ValueError(f"no lithium loss gives a capacity fade of {capacity_fade!r} for this cell")
    return brentq(shortfall, 0.0, high, xtol=1e-12)


def cell_capacity(p: BatteryParameters) -> float:
    """Capacity [A.h] of one cell between the cut-off voltages."""
    w = stoichiometry_window(p)
    return p.capacity("negative") * (w.x_100 - w.x_0)
