"""Electrode design with the SPMe in the loop: the optimum obeys its
constraints and moves the way transport physics says it must."""
import pytest

from btwin.models.microstructure.design import BOUNDS, Design, evaluate, optimise


def test_thick_dense_electrodes_lose_their_energy_at_high_rate():
    dense = Design(BOUNDS["thickness"][1], BOUNDS["porosity"][0], 5e-6)
    low, high = evaluate(dense, 0.3), evaluate(dense, 2.0)
    assert high.energy < 0.5 * low.energy  # electrolyte-limited
    open_ = Design(120e-6, 0.45, 3e-6)
    assert evaluate(open_, 2.0).energy > 0.8 * evaluate(open_, 0.3).energy


def test_an_unreachable_design_is_worth_nothing():
    # too little positive material for the voltage window
    assert evaluate(Design(40e-6, 0.5, 3e-6), 0.5).energy == 0.0


@pytest.fixture(scope="module")
def optima():
    return {rate: optimise(rate, charge_rate=0.5, min_power=300.0, max_evaluations=30) for rate in (0.5, 2.0)}


def test_the_optimum_keeps_its_constraints_and_beats_the_lg_m50(optima):
    for rate, best in optima.items():
        assert best.plating_margin >= 0.0 and best.pulse_power >= 300.0
        assert best.energy > evaluate(Design(75.6e-6, 0.335, 5.22e-6), rate, 0.5).energy


def test_a_high_rate_asks_for_more_pore(optima):
    low, high = optima[0.5], optima[2.0]
    assert high.design.porosity > low.design.porosity
    # and the high-rate design does deliver more at its rate than the energy design
    assert evaluate(high.design, 2.0, 0.5).energy > evaluate(low.design, 2.0, 0.5).energy
