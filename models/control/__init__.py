"""Charge control: a reduced electrochemical-thermal cell model in CasADi and
a nonlinear model predictive controller on it, nominal or robust (tube).

    from btwin.models.control import FastChargeMPC, ControllerSettings
"""
from .controller import ControllerOutputs, FastChargeController
from .mpc import ControllerSettings, FastChargeMPC, Move
from .reduced_cell import ReducedCell, ReducedCellConfig
from .uncertainty import UncertaintySet

__all__ = ["ControllerOutputs", "ControllerSettings", "FastChargeController", "FastChargeMPC", "Move",
           "ReducedCell", "ReducedCellConfig", "UncertaintySet"]
