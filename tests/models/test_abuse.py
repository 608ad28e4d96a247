"""Abuse reactions in the thermal model: dormant at 25 degC, energy conserved
while running away, and the 1 s steps against a tight-tolerance ODE solution."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from btwin.models import abuse
from btwin.models.abuse import AbuseReactions
from btwin.models.thermal import CellThermal, ThermalParameters

P = ThermalParameters()
OVEN = 423.15  # K, the 150 degC oven test of Hatchard et al. 2001


def reference_rhs(_, y, ambient):
    """Kim et al. 2007 eqs. with the Lin 2014 two-node thermal model, written out again."""
    t_c, t_s, sei, anode, cathode, electrolyte, z = y
    r = abuse.GAS_CONSTANT
    k = [a * math.exp(-e / (r * t_c)) for a, e in ((1.667e15, 1.3508e5), (2.5e13, 1.3508e5),
                                                   (6.667e13, 1.396e5), (5.14e25, 2.74e5))]
    rates = (k[0] * sei, k[1] * anode * math.exp(-z / 0.033), k[2] * cathode * (1.0 - cathode),
             k[3] * electrolyte)
    heat = abuse.JELLY_ROLL_VOLUME * (2.57e5 * 610.4 * rates[0] + 1.714e6 * 610.4 * rates[1]
                                      + 3.14e5 * 1221.2 * rates[2] + 1.55e5 * 406.9 * rates[3])
    inner = (t_s - t_c) / P.core_to_surface_resistance
    outer = (ambient - t_s) / P.surface_to_ambient_resistance
    return [(heat + inner) / P.core_heat_capacity, (outer - inner) / P.surface_heat_capacity,
            -rates[0], -rates[1], rates[2], -rates[3], rates[1]]


def oven_run(ambient, seconds, dt=1.0):
    model = CellThermal(P, 298.15, AbuseReactions())
    core = []
    for _ in range(int(seconds / dt)):
        model.step(dt, 0.0, ambient)
        core.append(model.core_temperature)
    return model, np.array(core)


def crossing_time(times, values, level):
    i = int(np.argmax(values >= level))
    assert values[i] >= level, "never crossed"
    return times[i - 1] + (level - values[i - 1]) / (values[i] - values[i - 1]) * (times[i] - times[i - 1])


def test_reactions_are_dormant_at_25_degc():
    model, core = oven_run(298.15, 24 * 3600.0, dt=60.0)
    assert core.max() - 298.15 < 0.01
    assert model.reactions.heat_rate(298.15) < 1e-5  # W per cell


def test_oven_runaway_follows_a_tight_ode_solution():
    seconds = 2400.0
    y0 = [298.15, 298.15, 0.15, 0.75, 0.04, 1.0, 0.033]
    times = np.arange(1.0, seconds + 0.5, 1.0)
    ref = solve_ivp(reference_rhs, (0.0, seconds), y0, args=(OVEN,), method="Radau",
                    rtol=1e-9, atol=1e-9, t_eval=times, max_step=0.5)
    _, core = oven_run(OVEN, seconds)
    assert ref.y[0].max() > 700.0  # it does run away
    for level in (393.15, 473.15, 573.15):  # 120, 200, 300 degC
        assert crossing_time(times, core, level) == pytest.approx(
            crossing_time(times, ref.y[0], level), abs=3.0)
    assert core.max() == pytest.approx(ref.y[0].max(), rel=0.01)


def test_heat_released_is_stored_or_rejected():
    model = CellThermal(P, 298.15, AbuseReactions())
    before = model.reactions.remaining_heat()
    rejected = 0.0
    for _ in range(300):
        model.step(10.0, 0.0, OVEN)  # cut into sub-steps while it runs away
        rejected += 10.0 * model.heat_rejected  # J: the mean over the step times the step
    stored = P.core_heat_capacity * (model.core_temperature - 298.15) \
        + P.surface_heat_capacity * (model.surface_temperature - 298.15)
    released = before - model.reactions.remaining_heat()
    absorbed_from_oven = -rejected  # heat_rejected < 0 while the oven heats the cell
    assert released > 2e4  # J: most of the reactants are spent
    assert stored == pytest.approx(released + absorbed_from_oven, rel=1e-6)
