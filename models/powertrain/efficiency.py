"""Motor + inverter efficiency as a function of the fraction of rated power.

The curve is piecewise linear in ``|P_mech| / P_rated`` (the form FASTSim uses
for its electric machines). Motoring: ``P_elec = P_mech / eta``; generating
(regen): ``P_elec = P_mech * eta_regen`` with both powers negative.
"""
from __future__ import annotations

import bisect
import math

from scipy.optimize import brentq


class PowerFractionEfficiency:
    """Efficiency curves of a motor rated ``rated_power_w`` [W]."""

    def __init__(self, fractions, motoring, regen, rated_power_w: float):
        self._fractions = tuple(float(f) for f in fractions)
        self._motoring = tuple(float(e) for e in motoring)
        self._regen = tuple(float(e) for e in regen)
        self.rated_power_w = float(rated_power_w)

    def _eta(self, values: tuple[float, ...], mech_power_w: float) -> float:
        if len(values) == 1:
            return values[0]
        x = min(abs(mech_power_w) / self.rated_power_w, self._fractions[-1])
        k = min(max(bisect.bisect_right(self._fractions, x) - 1, 0), len(self._fractions) - 2)
        x0, x1 = self._fractions[k], self._fractions[k + 1]
        return values[k] + (values[k + 1] - values[k]) * (x - x0) / (x1 - x0)

    def motoring_efficiency(self, mech_power_w: float) -> float:
        return self._eta(self._motoring, mech_power_w)

    def regen_efficiency(self, mech_power_w: float) -> float:
        return self._eta(self._regen, mech_power_w)

    def electrical_power(self, mech_power_w: float) -> float:
        """Electrical power [W] (DC side) for a shaft power [W]; both > 0 when motoring."""
        if mech_power_w > 0.0:
            return mech_power_w / self.motoring_efficiency(mech_power_w)
        return mech_power_w * self.regen_efficiency(mech_power_w)

    def max_motoring_power(self, electrical_limit_w: float) -> float:
        """Largest shaft power [W] (<= rated) whose electrical input fits ``electrical_limit_w``."""
        return self._invert(electrical_limit_w, lambda p: self.electrical_power(p))

    def max_regen_power(self, electrical_limit_w: float) -> float:
        """Largest shaft braking power [W] (>= 0, <= rated) whose electrical output fits the limit."""
        return self._invert(electrical_limit_w, lambda p: -self.electrical_power(-p))

    def _invert(self, limit_w: float, electrical) -> float:
        if limit_w <= 0.0:
            return 0.0
        if math.isinf(limit_w) or electrical(self.rated_power_w) <= limit_w:
            return self.rated_power_w
        return brentq(lambda p: electrical(p) - limit_w, 0.0, self.rated_power_w, xtol=1e-9, rtol=1e-12)
