"""Partially reversible lithium plating on the negative particles.

Law (O'Kane et al., J. Electrochem. Soc. 167 (2020) 090540 and Phys. Chem.
Chem. Phys. 24 (2022) 7909; PyBaMM's "partially reversible" option), per unit
particle surface, > 0 when lithium is stripped:

    j_Li = F k [c_Li exp(alpha_s f eta) - c_e exp(-alpha_p f eta)],  f = F / (R T),
    eta  = phi_s - phi_e - (SEI film drop) = U_n + eta_intercalation   [V vs Li/Li+],
    dc_Li/dt   = -a j_Li / F - gamma c_Li,     dc_dead/dt = gamma c_Li,
    gamma      = gamma_0 L_SEI,0 / L_SEI       (gamma_0 when the SEI is off),

c_Li and c_dead per unit electrode volume [mol/m3], a the specific surface
area, alpha_s = 1 - alpha_p. The stripping exchange current is proportional to
the plated lithium, so stripping stops by itself when none is left; plated
lithium is in equilibrium with the electrode at c_Li = c_e exp(-f eta).

Split (:func:`split`): plating and intercalation share the applied reaction
current j_n at one interfacial potential, j_int + j_Li(eta(j_int)) = j_n; the
left side rises with j_int, so the root is bracketed by j_n and j_n - j_Li(eta(j_n))
and found by safeguarded Newton.

Step (:func:`advance`): with eta held over the step, c_Li obeys a linear ODE
and is stepped exactly (stable for any dt; it never goes negative); the
lithium that left the plated and dead pools over the step is what the
intercalation did not take, so intercalated + plated = applied exactly.

Limits and assumptions. x-averaged: one plated pool for the whole electrode
at the electrode-averaged potential (PyBaMM's SPM/SPMe form); in a real cell
plating starts at the separator, where the potential is lowest (the
BatteryCell's ``plating_overpotential`` output), so this plates later and
less there. Nucleation (assumption): with no plated lithium the reaction only
starts below ``plating_onset_potential`` (0 V vs Li/Li+); the rate law alone
would plate a little at any potential (its equilibrium c_e exp(-f eta)).
The reaction stops again once the plated lithium is within a factor
``NEGLIGIBLE`` of its equilibrium at a potential above the onset and below
``REMAINDER`` x c_e: that remainder (a few mol/m3, about a mA.h after a rest)
goes back into the particles at once. No
Arrhenius factor on k (OKane2022 gives none); no electrolyte volume change.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

from .chen2020 import FARADAY

NEGLIGIBLE = 2.0  # plated lithium within this factor of its equilibrium counts as stripped ...
REMAINDER = 0.02  # ... if it is below this share of the electrolyte concentration (20 mol/m3, 5 mA.h
# per LG M50 cell: its return shifts the OCV by under 0.3 mV)
_TOLERANCE = 1e-10  # of the reaction current scale, A/m2
_ITERATIONS = 60


class PlatingRates(NamedTuple):
    """Constants of the law at one temperature."""

    rate: float  # F k [A m / mol]: j0 = rate * concentration
    alpha_plating: float  # 1
    f: float  # F / (R T) [1/V]


class PlatingStep(NamedTuple):
    plated: float  # mol/m3, reversible plated lithium after the step
    dead: float  # mol/m3, dead lithium after the step
    stripping_rate: float  # mol/m3/s returned to the particles over the step (< 0 plating)


def stripping_current(eta: float, plated: float, c_e: float, r: PlatingRates) -> tuple[float, float]:
    """j_Li [A/m2, > 0 stripping] at potential ``eta`` and its derivative d j_Li / d eta."""
    strip = r.rate * plated * math.exp((1.0 - r.alpha_plating) * r.f * eta)
    plate = r.rate * c_e * math.exp(-r.alpha_plating * r.f * eta)
    return strip - plate, r.f * ((1.0 - r.alpha_plating) * strip + r.alpha_plating * plate)


def split(total: float, potential: Callable[[float], tuple[float, float]], plated: float, c_e: float,
          r: PlatingRates) -> tuple[float, float]:
    """(intercalation current, eta) with j_int + j_Li(eta(j_int)) = ``total`` [A/m2];
    ``potential(j_int)`` gives eta and d eta / d j_int (> 0)."""
    eta, _ = potential(total)
    residual = stripping_current(eta, plated, c_e, r)[0]
    if residual == 0.0:
        return total, eta
    low, high = sorted((total, total - residual))
    j, scale = total, abs(total) + abs(residual)
    for _ in range(_ITERATIONS):
        eta, slope = potential(j)
        current, derivative = stripping_current(eta, plated, c_e, r)
        g = j + current - total
        if abs(g) <= _TOLERANCE * scale:
            break
        if g > 0.0:
            high = j
        else:
            low = j
        newton = j - g / (1.0 + derivative * slope)
        j = newton if low < newton < high else 0.5 * (low + high)
    return j, eta


def advance(plated: float, dead: float, eta: float, c_e: float, area: float, decay: float,
            dt: float, r: PlatingRates) -> PlatingStep:
    """Plated and dead lithium after ``dt`` with ``eta`` held: dc/dt = s - lambda c exactly;
    ``area`` the specific surface area [1/m], ``decay`` gamma [1/s]."""
    k = r.rate / FARADAY  # m/s
    exchange = area * k * math.exp((1.0 - r.alpha_plating) * r.f * eta)  # 1/s, stripping
    source = area * k * c_e * math.exp(-r.alpha_plating * r.f * eta)  # mol/m3/s, plating
    total_rate = exchange + decay
    settled = source / total_rate
    fraction = -math.expm1(-total_rate * dt)
    new_plated = settled + (plated - settled) * (1.0 - fraction)
    mean_plated = settled + (plated - settled) * fraction / (total_rate * dt)
    new_dead = dead + decay * mean_plated * dt
    returned = -((new_plated - plated) + (new_dead - dead)) / dt
    return PlatingStep(new_plated, new_dead, returned)


def equilibrium(eta: float, c_e: float, f: float) -> float:
    """Plated lithium [mol/m3] in equilibrium with the electrode at ``eta`` [V]."""
    return c_e * math.exp(-f * eta)
