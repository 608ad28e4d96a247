"""The twin's parameters carried over rests against the plant aged by the
same rests: the SPMe's own capacity between the cut-offs and its resistance
to a small current step."""
from dataclasses import replace

import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.aging import rest
from btwin.models.battery.soc import cell_capacity
from btwin.models.estimation.rest_aging import carry_over_rest
from btwin.models.estimation.twin_model import TwinModel

MONTH_S = 30 * 86400.0


def _step_resistance(cell: BatteryParameters) -> float:
    spme = SPMeBattery(replace(cell, initial_soc=0.5))
    return spme.evaluate(0.0, 298.15).voltage - spme.evaluate(1.0, 298.15).voltage  # 1 A step


def test_six_rested_months_move_the_twin_as_they_age_the_plant():
    """Six 30-day rests at 20 degC (a fleet week at its accelerated aging):
    the plant loses 0.05 A.h and gains 5 % in resistance; the twin, carried
    from the fresh cell's values, lands within 1 mA.h of its capacity and
    within 0.003 of its resistance factor (the twin's nominal resistance is
    the plant's to 1 %)."""
    twin = TwinModel()
    fresh = replace(BatteryParameters(), n_series=1, n_parallel=1)
    film, lost = fresh.sei_initial_thickness, 0.0
    capacity, theta, twin_film = cell_capacity(fresh), 1.0, film
    for _ in range(6):
        film, taken = rest(replace(fresh, sei_initial_thickness=film, lost_lithium_inventory=lost), film,
                           MONTH_S, 293.15)
        lost += taken
        capacity, theta, twin_film = carry_over_rest(twin, capacity, theta, twin_film, MONTH_S, 293.15)
    aged = replace(fresh, sei_initial_thickness=film, lost_lithium_inventory=lost)
    assert cell_capacity(fresh) - cell_capacity(aged) > 0.04
    assert capacity == pytest.approx(cell_capacity(aged), abs=1e-3)
    assert theta == pytest.approx(_step_resistance(aged) / _step_resistance(fresh), abs=3e-3)
    assert theta > 1.04


def test_no_rest_changes_nothing():
    assert carry_over_rest(TwinModel(), 5.0, 1.1, 1e-8, 0.0, 298.15) == pytest.approx((5.0, 1.1, 1e-8))
