"""Charge control: a reduced electrochemical-thermal cell model in CasADi and
a nonlinear model predictive controller on it, nominal or robust (tube).

    from btwin.models.control import FastChargeMPC, ControllerSettings
"""
