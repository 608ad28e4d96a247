"""Calendar aging in closed form against the SPMe stepping the same rest."""
from __future__ import annotations

import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.aging import rest


def test_a_rest_in_one_closed_form_step_matches_the_spme_stepping_it():
    p = BatteryParameters(initial_soc=0.8)
    cell = SPMeBattery(p)
    for _ in range(240):  # 10 days at rest, 1 h steps
        cell.step(3600.0, 0.0, 298.15)
    thickness, lithium = rest(p, p.sei_initial_thickness, 240 * 3600.0, 298.15)
    assert cell.internals()["sei_thickness"] == pytest.approx(thickness, rel=1e-12)
    assert cell.outputs.capacity_loss == pytest.approx(lithium, rel=1e-9)
    assert thickness > p.sei_initial_thickness


def test_growth_slows_as_the_film_thickens():
    p = BatteryParameters()
    first, lost_first = rest(p, p.sei_initial_thickness, 86400.0 * 100, 298.15)
    _, lost_second = rest(p, first, 86400.0 * 100, 298.15)
    assert 0.0 < lost_second < lost_first  # sqrt(t): the second hundred days lose less


def test_no_growth_without_sei_and_bad_durations_refused():
    p = BatteryParameters(sei_enabled=False)
    assert rest(p, 5e-9, 1e6, 298.15) == (5e-9, 0.0)
    with pytest.raises(ValueError, match="duration"):
        rest(BatteryParameters(), 5e-9, -1.0, 298.15)
