"""Lithium plating in the SPMe: against PyBaMM's partially reversible plating
(OKane2022 parameters on Chen2020), charge conservation, the nucleation limit,
the dead-lithium law, the exact step of the plated pool and step-size
independence. Tolerances: PyBaMM is the x-averaged SPMe on its own mesh and
cut-off-free experiment; ours is the SPM-lumped plated pool on our mesh."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.chen2020 import FARADAY, GAS_CONSTANT
from btwin.models.battery.plating import PlatingRates, advance, split, stripping_current

from .plating_reference import model_charge_rest, pybamm_charge_rest, summary

COLD = 268.15  # K, -5 degC
CHARGE = 900.0  # s at 1.5C from SOC 0.1
REST = 3600.0  # s


def test_cold_fast_charge_and_rest_match_pybamm():
    """1.5C for 15 min at -5 degC from SOC 0.1, then an hour's rest: lithium plated at
    the end of the charge within 20 % of PyBaMM's, the times to strip half and 90 % of
    it within 10 %, the relaxation's shape (voltage less its mean over the rest)
    within 3 mV RMS."""
    pytest.importorskip("pybamm")
    reference = pybamm_charge_rest(1.5, COLD, 0.1, CHARGE, REST)
    ours = model_charge_rest(1.5, COLD, 0.1, CHARGE, REST)
    a, b = summary(reference, CHARGE), summary(ours, CHARGE)
    assert b["plated_at_charge_end_Ah"] == pytest.approx(a["plated_at_charge_end_Ah"], rel=0.2), (a, b)
    assert b["half_stripped_s"] == pytest.approx(a["half_stripped_s"], rel=0.1), (a, b)
    assert b["ninety_percent_stripped_s"] == pytest.approx(a["ninety_percent_stripped_s"], rel=0.1), (a, b)
    grid = np.linspace(CHARGE + 60.0, CHARGE + REST, 400)
    difference = (np.interp(grid, ours["time"], ours["voltage"])
                  - np.interp(grid, reference["time"], reference["voltage"]))
    assert np.sqrt(np.mean((difference - difference.mean()) ** 2)) <= 3e-3


def _negative_lithium(cell: SPMeBattery) -> float:
    """Lithium in the negative particles, plated and dead [mol per cell]."""
    neg, internals = cell.negative, cell.internals()
    volumes = neg.diffusion.volumes
    particles = float(volumes @ internals["negative_concentration"]) / volumes.sum() * neg.solid_volume
    return particles + internals["plated_lithium"] + internals["dead_lithium"]


def test_intercalated_and_plated_lithium_add_up_to_the_charge_passed():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.1, sei_enabled=False, initial_temperature=COLD))
    start, passed, most = _negative_lithium(cell), 0.0, 0.0
    for k in range(1500):
        current = -7.5 if k < 900 else 2.0 * (k % 2)  # charge, then rest and pulses while it strips
        most = max(most, cell.step(1.0, current, COLD).plated_lithium)
        passed -= current / FARADAY
        if k in (899, 1000, 1499):  # plating, stripping, stripped (the rest put back at once)
            assert _negative_lithium(cell) - start == pytest.approx(passed, rel=1e-10)
    assert most > 0.02 and cell.outputs.capacity_loss > 0.0 and cell.outputs.plated_lithium == 0.0


def test_no_plating_while_the_electrode_stays_above_lithium_potential():
    """0.5C at 25 degC to 4.2 V: the x-averaged potential never falls below 0 V vs
    Li/Li+, so nothing plates and every output equals the cell without the reaction."""
    on = SPMeBattery(BatteryParameters(initial_soc=0.2))
    off = SPMeBattery(BatteryParameters(initial_soc=0.2, plating_enabled=False))
    while on.outputs.voltage < 4.2:
        a, b = on.step(10.0, -2.5, 298.15), off.step(10.0, -2.5, 298.15)
        assert a == b and on._plating_potential > 0.0
    assert a.plated_lithium == 0.0


def test_dead_lithium_is_the_decay_of_the_plated_pool():
    """capacity_loss (SEI off) = gamma_0 x the time integral of the plated lithium."""
    p = BatteryParameters(initial_soc=0.1, sei_enabled=False, initial_temperature=COLD)
    cell = SPMeBattery(p)
    plated, dead = [0.0], [0.0]
    for k in range(2400):
        out = cell.step(1.0, -7.5 if k < 900 else 0.0, COLD)
        plated.append(out.plated_lithium)
        dead.append(out.capacity_loss)
    integral = np.sum(0.5 * (np.array(plated[1:]) + plated[:-1]))  # A.h s, 1 s steps
    assert dead[-1] == pytest.approx(p.dead_lithium_decay_constant * integral, rel=1e-3)


def test_the_plated_pool_steps_exactly_with_the_potential_held():
    r = PlatingRates(FARADAY * 1e-9, 0.65, FARADAY / (GAS_CONSTANT * COLD))
    area, gamma, c_e = 3.84e5, 1e-6, 1000.0
    for eta in (-0.05, 0.02, 0.12):

        def rhs(_, c):
            j = stripping_current(eta, c[0], c_e, r)[0]
            return [-area * j / FARADAY - gamma * c[0], gamma * c[0]]

        exact = solve_ivp(rhs, (0.0, 30.0), [200.0, 1.0], method="LSODA", rtol=1e-11, atol=1e-12).y[:, -1]
        step = advance(200.0, 1.0, eta, c_e, area, gamma, 30.0, r)
        assert (step.plated, step.dead) == pytest.approx(tuple(exact), rel=1e-7)
        assert step.plated >= 0.0


def test_the_split_shares_the_current_at_one_potential():
    r = PlatingRates(FARADAY * 1e-9, 0.65, FARADAY / (GAS_CONSTANT * COLD))

    def potential(j):  # a Butler-Volmer electrode on an OCP of 10 mV
        return 0.01 + 2.0 / r.f * math.asinh(j / 0.4), 2.0 / r.f / math.sqrt(0.16 + j * j)

    for total, plated in ((-3.0, 0.0), (-3.0, 500.0), (0.0, 500.0), (1.0, 50.0)):
        j, eta = split(total, potential, plated, 1000.0, r)
        assert eta == pytest.approx(potential(j)[0], abs=1e-12)
        assert j + stripping_current(eta, plated, 1000.0, r)[0] == pytest.approx(total, abs=1e-9)


def test_plating_does_not_depend_on_the_step_size():
    def run(dt):
        cell = SPMeBattery(BatteryParameters(initial_soc=0.1, sei_enabled=False, initial_temperature=COLD))
        for _ in range(round(900 / dt)):
            charged = cell.step(dt, -7.5, COLD)
        for _ in range(round(600 / dt)):
            rested = cell.step(dt, 0.0, COLD)
        return np.array([charged.plated_lithium, rested.plated_lithium, charged.voltage, rested.voltage])

    reference = run(0.1)
    for dt, plated_rel, volts in ((1.0, 2e-3, 1e-4), (10.0, 1e-2, 1e-3)):
        result = run(dt)
        assert result[:2] == pytest.approx(reference[:2], rel=plated_rel)
        assert np.abs(result[2:] - reference[2:]).max() <= volts


def test_state_with_plated_lithium_restores_exactly():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.1, initial_temperature=COLD))
    for _ in range(700):
        cell.step(1.0, -7.5, COLD)
    saved = cell.get_state()
    assert saved["plated_lithium"] > 0.0
    later = [cell.step(5.0, 0.0, COLD) for _ in range(20)]
    cell.set_state(saved)
    assert [cell.step(5.0, 0.0, COLD) for _ in range(20)] == later
