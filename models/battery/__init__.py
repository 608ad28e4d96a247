"""Electrochemical cell model (SPMe) with SEI ageing, plating overpotential,
heat generation and pack scaling; defaults for the LG M50 cell (Chen 2020).

    from btwin.models.battery import BatteryParameters, SPMeBattery
    cell = SPMeBattery(BatteryParameters(initial_soc=0.8, n_series=96))
    out = cell.step(1.0, current=5.0, temperature=298.15)   # BatteryOutputs
"""
from .parameters import BatteryParameters
from .soc import StoichiometryWindow, stoichiometry_window
from .spme import BatteryOutputs, Overpotentials, SPMeBattery

__all__ = ["BatteryOutputs", "BatteryParameters", "Overpotentials", "SPMeBattery", "StoichiometryWindow",
           "stoichiometry_window"]
