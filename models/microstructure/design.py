"""Electrode design with the cell model in the loop: thickness, porosity and
particle radius of the positive electrode for the most usable energy per
electrode area at a C-rate, under a plating and a power constraint.

The cell is the SPMe of ``btwin.models.battery`` (LG M50 defaults, Chen 2020)
with the positive electrode redesigned: active-material fraction
1 - porosity (Chen 2020's positive has no separate binder phase), electrolyte
transport efficiency porosity**b with the Bruggeman exponent b the
microstructure pipeline measured (1.5 by default, Chen 2020). Assumption: the
cyclable lithium follows the loadings through Chen 2020's reference
stoichiometries, so a heavier positive brings more lithium and pushes the
fixed negative (85.2 um graphite) towards saturation, where plating threatens.

For one design:
  * usable energy [W.h/m2]: a constant-current discharge from full (soc 1)
    at ``c_rate`` times the design's own capacity (its soc 0-1 window) to the
    2.5 V cut-off (crossing interpolated) or to the step the model refuses
    (electrolyte or particle depletion), over the electrode area;
  * plating margin [V]: the lowest plating overpotential of the negative
    (phi_s - phi_e at the separator) in a constant-current charge at
    ``charge_rate`` from soc 0 to 0.8; lithium plating is favoured below 0;
  * pulse power [W/m2]: voltage x current after a 10 s discharge pulse at 3C
    from soc 0.5 (0 if the cut-off is reached first), over the electrode area.

``optimise`` maximises the energy at a C-rate with COBYLA (scipy) under
plating margin >= 0 and pulse power >= a minimum, within ``BOUNDS``;
``pareto_front`` evaluates a grid and keeps the designs no other beats in
both the energy at a low rate and at a high rate (rate capability).
Limits: a single-particle model with an x-averaged reaction; beyond about 2C
in thick electrodes the reaction front that a full P2D model would show is
missing, so the high-rate energy of thick designs is optimistic.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from ..battery import BatteryParameters, SPMeBattery
from ..errors import StepRejected

# Manufacturable ranges of a cast NMC positive electrode. Assumption, the
# ranges reviewed by Kraytsberg & Ein-Eli, Adv. Energy Mater. 6 (2016) 1600655
# (thickness 40-120 um, porosity 0.2-0.5, secondary particles 1-8 um radius).
BOUNDS = {
    "thickness": (40e-6, 120e-6),  # m
    "porosity": (0.2, 0.5),  # 1
    "radius": (1e-6, 8e-6),  # m
}
TEMPERATURE = 298.15  # K
PULSE_S = 10.0  # s, as the HPPC test (FreedomCAR manual, INL DOE/ID-11069, 2003)
PULSE_C_RATE = 3.0
_STEPS_PER_DISCHARGE = 80


@dataclass(frozen=True)
class Design:
    thickness: float  # m
    porosity: float  # 1
    radius: float  # m


@dataclass(frozen=True)
class Performance:
    design: Design
    energy: float  # W.h/m2 at the C-rate asked
    plating_margin: float  # V, lowest plating overpotential while charging
    pulse_power: float  # W/m2
    capacity: float  # A.h, the design's soc 0-1 window


def cell_parameters(design: Design, bruggeman: float = 1.5, **overrides) -> BatteryParameters:
    return BatteryParameters(
        positive_electrode_thickness=design.thickness, positive_electrode_porosity=design.porosity,
        positive_active_material_fraction=1.0 - design.porosity, positive_particle_radius=design.radius,
        positive_electrode_bruggeman=bruggeman, sei_enabled=False, **overrides)


def evaluate(design: Design, c_rate: float, charge_rate: float = 0.5, bruggeman: float = 1.5) -> Performance:
    """Energy, plating margin and pulse power of one design; a design whose
    electrodes cannot reach the voltage window is worth nothing."""
    try:
        params = cell_parameters(design, bruggeman)
        capacity = _capacity(params)
    except ValueError:
        return Performance(design, 0.0, -1.0, 0.0, 0.0)
    area = params.electrode_area
    return Performance(design, _discharge_energy(params, c_rate * capacity) / area,
                       _plating_margin(params, charge_rate * capacity),
                       _pulse_power(params, PULSE_C_RATE * capacity) / area, capacity)


def _capacity(params: BatteryParameters) -> float:
    model = SPMeBattery(params)
    window = model.window
    return (window.x_100 - window.x_0) * params.capacity("negative")


def _discharge_energy(params: BatteryParameters, current: float) -> float:
    model = SPMeBattery(dataclasses.replace(params, initial_soc=1.0))
    dt = _capacity(params) * 3600.0 / current / _STEPS_PER_DISCHARGE
    energy, voltage = 0.0, model.outputs.voltage
    cutoff = params.lower_voltage_cutoff
    for _ in range(2 * _STEPS_PER_DISCHARGE):
        try:
            out = model.step(dt, current, TEMPERATURE)
        except StepRejected:
            break
        if out.voltage <= cutoff:
            share = (voltage - cutoff) / max(voltage - out.voltage, 1e-12)
            return energy + share * dt * current * 0.5 * (voltage + cutoff) / 3600.0
        energy += dt * current * 0.5 * (voltage + out.voltage) / 3600.0
        voltage = out.voltage
    return energy


def _plating_margin(params: BatteryParameters, current: float) -> float:
    model = SPMeBattery(dataclasses.replace(params, initial_soc=0.0))
    dt = 0.8 * _capacity(params) * 3600.0 / current / 40
    margin = model.evaluate(-current, TEMPERATURE).plating_overpotential
    for _ in range(40):
        try:
            out = model.step(dt, -current, TEMPERATURE)
        except StepRejected:
            return -1.0  # the charge cannot even be taken
        margin = min(margin, out.plating_overpotential)
        if out.voltage >= params.upper_voltage_cutoff + 0.2:
            break
    return float(margin)


def _pulse_power(params: BatteryParameters, current: float) -> float:
    model = SPMeBattery(dataclasses.replace(params, initial_soc=0.5))
    try:
        out = model.step(PULSE_S, current, TEMPERATURE)
    except StepRejected:
        return 0.0
    return out.voltage * current if out.voltage > params.lower_voltage_cutoff else 0.0


def optimise(c_rate: float, *, charge_rate: float = 0.5, min_power: float = 0.0, bruggeman: float = 1.5,
             start: Design | None = None, max_evaluations: int = 60) -> Performance:
    """The design of most energy at ``c_rate`` with plating margin >= 0 at
    ``charge_rate`` and pulse power >= ``min_power`` [W/m2] (COBYLA on the
    bounds scaled to [0, 1])."""
    from scipy.optimize import minimize

    cache: dict[tuple, Performance] = {}

    def perf(x) -> Performance:
        key = tuple(np.round(np.clip(x, 0.0, 1.0), 6))
        if key not in cache:
            cache[key] = evaluate(_design(key), c_rate, charge_rate, bruggeman)
        return cache[key]

    reference = evaluate(_design([0.5, 0.5, 0.5]), c_rate, charge_rate, bruggeman).energy or 1.0
    x0 = _scaled(start) if start else np.full(3, 0.5)
    constraints = [{"type": "ineq", "fun": lambda x: 100.0 * perf(x).plating_margin},
                   {"type": "ineq", "fun": lambda x: (perf(x).pulse_power - min_power) / max(min_power, 1.0)}]
    minimize(lambda x: -perf(x).energy / reference, x0, method="COBYLA",
                      constraints=constraints, bounds=[(0.0, 1.0)] * 3,
                      options={"maxiter": max_evaluations, "rhobeg": 0.25})
    feasible = [p for p in cache.values() if p.plating_margin >= 0.0 and p.pulse_power >= min_power]
    if not feasible:
        raise ValueError("no design within the bounds meets the plating and power constraints")
    return max(feasible, key=lambda p: p.energy)


def pareto_front(low_rate: float, high_rate: float, *, points: int = 4, charge_rate: float = 0.5,
                 min_power: float = 0.0, bruggeman: float = 1.5) -> tuple[list, list]:
    """(every feasible design as (low-rate Performance, high-rate Performance),
    the non-dominated ones): a ``points``^3 grid over ``BOUNDS``."""
    grid = np.linspace(0.0, 1.0, points)
    pairs = []
    for x in itertools.product(grid, grid, grid):
        low = evaluate(_design(x), low_rate, charge_rate, bruggeman)
        if low.plating_margin < 0.0 or low.pulse_power < min_power or low.energy == 0.0:
            continue
        pairs.append((low, evaluate(_design(x), high_rate, charge_rate, bruggeman)))
    front = [(a, b) for a, b in pairs
             if not any(c.energy >= a.energy and d.energy >= b.energy and (c.energy > a.energy or d.energy > b.energy)
                        for c, d in pairs)]
    return pairs, sorted(front, key=lambda pair: pair[0].energy)


def _design(x) -> Design:
    values = [lo + float(v) * (hi - lo) for v, (lo, hi) in zip(x, BOUNDS.values())]
    return Design(*values)


def _scaled(design: Design) -> np.ndarray:
    return np.array([(getattr(design, name) - lo) / (hi - lo) for name, (lo, hi) in BOUNDS.items()])
