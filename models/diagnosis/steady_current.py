"""What tells apart the faults a steady current confounds: a step in the
measured current, and the heat the cell dissipates.

At a steady current I (> 0 discharging; a constant-current charge) three
faults give the same voltage residual step dV = R dI = -dR I:
* a current-sensor offset dI steps the *measured* current at the onset while
  the true current (set by the charger or the load) and so the measured
  voltage stay; the twin, fed the measured current, predicts R dI less
  voltage (V = OCV - R I). Symptom: the measured current steps at the onset
  and R_twin dI explains the voltage step;
* a resistance growth dR dissipates dR I^2 = -dV I more heat from the onset
  on, which the surface temperature shows with the cell's thermal time
  constant. Symptom: a heat step of -dV I;
* a voltage-sensor offset changes neither the current nor the heat.

Heat step (lumped thermal model of the cell, core and surface as one node:
Lin et al., J. Power Sources 257 (2014) 1, with the constants of
``models/thermal.py``): C dT/dt = Q - (T - T_amb) / R, tau = R C. Over the
window [t0 - PRE_WINDOW, t0 + HEAT_WINDOW] around the onset t0, the measured
T - T_amb is regressed on
    1 and exp(-(t - t_a) / tau): the free response from the window's start t_a;
    R ((t - t_a) - tau (1 - exp(-(t - t_a) / tau))): the response to a heat
        drifting linearly (the ohmic and entropic heat change with SOC);
    R (1 - exp(-(t - t0) / tau)) for t > t0: the response to a heat step dQ;
the last coefficient is dQ, with its least-squares standard deviation
(white temperature noise assumed). Limits: the current must be steady over
the window (else the heat follows it: the drive's rules apply instead); the
core-to-surface lag (R_c C_s, seconds) is neglected; the thermal constants
are the nominal cell's; a heat drift that curves within the window shows as
a dQ of a few tens of mW (voltage offsets in the diagnostics campaign, seed 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..thermal import (CAN_HEAT_CAPACITY, JELLY_ROLL_HEAT_CAPACITY,
                       SURFACE_TO_AMBIENT_RESISTANCE)

PRE_WINDOW = 300.0  # s before the onset over which the current must be steady and the heat is learnt
HEAT_WINDOW = 300.0  # s after the onset the heat step is measured over: the longest the isolation waits
STEP_WINDOW = 20.0  # s after the onset over which the current and voltage steps are averaged
GUARD = 3.0  # s before the onset left out of the "before" means (the onset estimate may be early)
STEADY_CURRENT = 0.1  # A, standard deviation of a steady current on either side of the onset (assumption:
# five times a BMS current sensor's 20 mA noise)
CURRENT_RESOLUTION = 1e-3  # A, the smallest standard deviation of a mean current (assumption: an ADC step)
HEAT_CAPACITY = JELLY_ROLL_HEAT_CAPACITY + CAN_HEAT_CAPACITY  # J/K, LG M50 cell (models/thermal.py)
THERMAL_RESISTANCE = SURFACE_TO_AMBIENT_RESISTANCE  # K/W, cell surface to ambient (models/thermal.py)


@dataclass(frozen=True)
class SteadyCurrentEvidence:
    """The symptoms of the module docstring; ``steady`` False: the current moved, none apply."""

    steady: bool = False
    complete: bool = False  # the heat window after the onset is full: the evidence no longer grows
    current_step: float = 0.0  # A, measured current after the onset minus before
    current_step_z: float = 0.0  # that step over its standard deviation
    voltage_step: float = 0.0  # V, mean voltage residual over STEP_WINDOW after the onset
    current: float = 0.0  # A, mean measured current after the onset
    heat_step: float = 0.0  # W, dQ at the onset
    heat_step_std: float = math.inf  # W

    @property
    def resistance_heat(self) -> float:
        """W, the heat step a resistance growth would give: -dV I."""
        return -self.voltage_step * self.current

    def explained_by_current_step(self, resistance: float) -> float:
        """Share of the voltage step the measured current's step explains through the twin's
        resistance: R dI / dV (1 for a current-sensor offset)."""
        return resistance * self.current_step / self.voltage_step if self.voltage_step else 0.0


def steady_current_evidence(time, current, voltage_residual, surface_temperature, ambient_temperature,
                            onset: float, heat_capacity: float = HEAT_CAPACITY,
                            thermal_resistance: float = THERMAL_RESISTANCE) -> SteadyCurrentEvidence:
    """The evidence around ``onset`` from arrays of equal length (oldest first)."""
    t = np.asarray(time, dtype=float)
    i = np.asarray(current, dtype=float)
    before = (t >= onset - PRE_WINDOW) & (t < onset - GUARD)
    after = (t >= onset) & (t <= onset + HEAT_WINDOW)
    on_step = (t >= onset) & (t < onset + STEP_WINDOW)
    if before.sum() < 30 or on_step.sum() < 5:
        return SteadyCurrentEvidence()
    i_before, i_after = i[before], i[after]
    if max(i_before.std(), i_after.std()) > STEADY_CURRENT:
        return SteadyCurrentEvidence()
    step = float(i[on_step].mean() - i_before.mean())
    step_std = math.hypot(i_before.std() / math.sqrt(i_before.size), i[on_step].std() / math.sqrt(on_step.sum()))
    window = (t >= onset - PRE_WINDOW) & (t <= onset + HEAT_WINDOW)
    rise = np.asarray(surface_temperature, dtype=float)[window] - np.asarray(ambient_temperature)[window]
    heat, heat_std = heat_step(t[window], rise, onset, heat_capacity * thermal_resistance, thermal_resistance)
    return SteadyCurrentEvidence(True, bool(t[-1] >= onset + HEAT_WINDOW), step,
                                 step / max(step_std, CURRENT_RESOLUTION),
                                 float(np.mean(np.asarray(voltage_residual)[on_step])), float(i_after.mean()),
                                 heat, heat_std)


def heat_step(time, rise, onset: float, tau: float, resistance: float) -> tuple[float, float]:
    """dQ [W] at ``onset`` and its standard deviation from the temperature ``rise`` above ambient
    [K] (module docstring); (0, inf) with too few samples after the onset to fit it."""
    t = np.asarray(time, dtype=float)
    start = t - t[0]
    decay = np.exp(-start / tau)
    ramp = resistance * (start - tau * (1.0 - decay)) / tau  # per W per tau: columns of like size
    stepped = np.where(t > onset, resistance * (1.0 - np.exp(-(t - onset) / tau)), 0.0)
    design = np.column_stack([np.ones_like(t), decay, ramp, stepped])
    if np.count_nonzero(stepped) < 10:
        return 0.0, math.inf
    coefficients, *_ = np.linalg.lstsq(design, rise, rcond=None)
    dof = max(t.size - design.shape[1], 1)
    sigma2 = float(np.sum((rise - design @ coefficients) ** 2)) / dof
    variance = sigma2 * float(np.linalg.pinv(design.T @ design)[-1, -1])
    return float(coefficients[-1]), math.sqrt(max(variance, 0.0))
