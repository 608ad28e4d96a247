"""The cycler's end: after ``max_drives`` drives and their charges it rests for good."""
from __future__ import annotations

import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.cycler import Cycler, CyclerParameters, CyclerPhase


def test_after_its_last_charge_the_cycler_rests_for_good():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.9))
    cycler = Cycler(CyclerParameters(discharge_capacity=0.5, rest_time=300.0, max_drives=1,
                                     vehicle_parallel=40))
    voltage, currents = cell.outputs.voltage, []
    for _ in range(20000):
        current = cycler.step(2.0, voltage)
        voltage = cell.step(2.0, current, 298.15).voltage
        currents.append(current)
    assert cycler.drives == 1 and cycler.phase == CyclerPhase.REST_AFTER_CHARGE
    assert any(c < 0 for c in currents) and all(c == 0.0 for c in currents[-5000:])
    assert cell.outputs.soc > 0.9  # charged back to full (CV at 4.2 V) and left there


def test_a_negative_number_of_drives_is_refused():
    with pytest.raises(ValueError, match="max_drives"):
        CyclerParameters(max_drives=-1)
