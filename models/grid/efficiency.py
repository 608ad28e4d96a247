"""Load-dependent efficiency of a power-electronic converter.

Curve: the PVWatts inverter model, Dobos, A. P. (2014), "PVWatts Version 5
Manual", NREL/TP-6A20-62641, sec. 10 (also pvlib ``inverter.pvwatts``):

    eta(zeta) = eta_nom / eta_ref * (-0.0162 zeta - 0.0059 / zeta + 0.9858),
    zeta = P_in / P_in,rated,  eta_ref = 0.9637,

so eta = eta_nom at rated input. Multiplied out it is the classic three-term
loss model of a converter (Schmidt & Sauer 1996): a no-load loss, a loss
proportional to the throughput (switching, diode drops) and one proportional
to its square (conduction):

    P_out / P_rated_in = k (0.9858 zeta - 0.0162 zeta^2 - 0.0059),  k = eta_nom / eta_ref

A DC fast charger's AC/DC + isolated DC/DC stages have the same loss
structure, so we use the curve with the charger's rated efficiency. Given the
output (battery) power we invert the quadratic for the input (grid) power.
"""
import math

from .. import checks

# Dobos (2014), PVWatts v5 manual, inverter efficiency curve coefficients.
_LINEAR = 0.9858
_QUADRATIC = 0.0162
_NO_LOAD = 0.0059
_ETA_REF = 0.9637


class ConverterEfficiency:
    """Input power for a given output power of a converter rated ``rated_output_w``.

    ``nominal_efficiency`` is the efficiency at the rated point.
    """

    def __init__(self, rated_output_w, nominal_efficiency):
        self.rated_output_w = checks.positive("rated_output_w", rated_output_w)
        self.nominal_efficiency = checks.fraction("nominal_efficiency", nominal_efficiency,
                                                   open_low=True)
        self._rated_input_w = self.rated_output_w / self.nominal_efficiency
        self._k = self.nominal_efficiency / _ETA_REF

    def input_power_w(self, output_w):
        """Grid-side power drawn to deliver ``output_w`` >= 0 (0 when the converter is off)."""
        if output_w <= 0.0:
            return 0.0
        # k (-q z^2 + l z - n) = p  ->  q z^2 - l z + (n + p/k) = 0, smaller root
        c = _NO_LOAD + output_w / self._rated_input_w / self._k
        disc = _LINEAR * _LINEAR - 4.0 * _QUADRATIC * c
        if disc < 0.0:
            raise ValueError(f"output power {output_w!r} W is beyond the converter's "
                             f"efficiency curve (rated {self.rated_output_w!r} W)")
        zeta = 2.0 * c / (_LINEAR + math.sqrt(disc))  # stable form of the smaller root
        return zeta * self._rated_input_w

    def efficiency(self, output_w):
        """Output over input power; 0 when the converter is off."""
        input_w = self.input_power_w(output_w)
        return output_w / input_w if input_w > 0.0 else 0.0
