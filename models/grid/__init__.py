"""Grid side of the battery twin: a DC fast charger, factory loads and an LV feeder.

Each model follows the contract of :mod:`btwin.models` (parameters as a
checked dataclass, ``step(dt_s, ...)``, ``get_state`` / ``set_state``).
"""
from .feeder import FeederResult, GridFeeder
from .network import (BUSBAR, CableType, FeederParameters, Line, LoadPoint,
                      TransformerType)

__all__ = ["BUSBAR", "CableType", "FeederParameters", "FeederResult", "GridFeeder", "Line",
           "LoadPoint", "TransformerType"]
