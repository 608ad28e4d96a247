"""The FMUs btwin builds: name -> the slave class that declares it."""
from __future__ import annotations

import importlib

CATALOGUE = {
    "BatteryCell": "btwin.fmus.battery_cell:BatteryCell",
    "CellThermal": "btwin.fmus.cell_thermal:CellThermal",
    "Diagnoser": "btwin.fmus.diagnoser:Diagnoser",
    "Charger": "btwin.fmus.charger:Charger",
    "Cycler": "btwin.fmus.cycler:Cycler",
    "FactoryLoads": "btwin.fmus.factory_loads:FactoryLoads",
    "FastChargeController": "btwin.fmus.fast_charge_controller:FastChargeController",
    "GridFeeder": "btwin.fmus.grid_feeder:GridFeeder",
    "Powertrain": "btwin.fmus.powertrain:Powertrain",
    "Sensors": "btwin.fmus.sensors:Sensors",
    "StateEstimator": "btwin.fmus.state_estimator:StateEstimator",
}


def slave_class(name: str):
    try:
        target = CATALOGUE[name]
    except KeyError:
        import difflib
        close = difflib.get_close_matches(name, CATALOGUE, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise KeyError(f"no FMU named {name!r}.{hint} Known: {', '.join(CATALOGUE)}") from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)
