"""Grid side of the battery twin: a DC fast charger, factory loads and an LV feeder.

Each model follows the contract of :mod:`btwin.models` (parameters as a
checked dataclass, ``step(dt_s, ...)``, ``get_state`` / ``set_state``):

* :class:`Charger` -- ``step(dt_s, battery_voltage_v, current_setpoint_a=None)``
  -> :class:`ChargerOutput` (battery_current_a < 0 charges, grid_power_w, phase);
* :class:`FactoryLoads` -- ``step(dt_s)`` -> mean machine power over the step [kW];
* :class:`GridFeeder` -- ``step(dt_s, load_power_w)`` -> :class:`FeederResult`
  (bus_voltage_v, feeder_power_w, losses_w, transformer_loading, limit flags).
"""
from .charger import ChargePhase, Charger, ChargerOutput, ChargerParameters
from .factory import FactoryLoads, FactoryParameters
from .feeder import FeederResult, GridFeeder
from .network import (BUSBAR, CableType, FeederParameters, Line, LoadPoint,
                      TransformerType)

__all__ = ["BUSBAR", "CableType", "ChargePhase", "Charger", "ChargerOutput",
           "ChargerParameters", "FactoryLoads", "FactoryParameters", "FeederParameters",
           "FeederResult", "GridFeeder", "Line", "LoadPoint", "TransformerType"]
