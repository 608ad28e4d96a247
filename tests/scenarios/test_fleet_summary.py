"""The fleet's summary.json figures from hand-made rows: the late window
split by charging habit."""
from __future__ import annotations

import pytest

from btwin.scenarios.fleet.summary import quantity_summary


def _row(vehicle: int, day: int, below: float | None, error: float) -> dict:
    row = {"vehicle": vehicle, "day": day, "error": "", "true_capacity": 5.0, "individual_capacity": 5.0 + error,
           "shrunk_capacity": 5.0 + error / 2.0, "shrunk_capacity_std": 0.01, "shrinkage_capacity": 0.5}
    if below is not None:
        row["vehicle_charge_below"] = below
    return row


def test_the_late_window_is_split_by_charging_habit():
    """Over 8 days the late window is days 6-7. A car charged every evening
    errs by 0.02, one run below 30 % by 0.04, and one from a table written
    before habits were drawn (no habit: every evening) by 0.02."""
    rows = [_row(v, d, below, err) for d in range(8)
            for v, below, err in ((0, 1.0, 0.02), (1, 0.3, 0.04), (2, None, 0.02))]
    figures = quantity_summary(rows, "capacity", 8)
    habit = figures["data_rich_by_habit"]
    assert habit["charged_every_evening"]["vehicle_days"] == 4
    assert habit["charged_every_evening"]["capacity_rmse_individual"] == pytest.approx(0.02)
    assert habit["charged_every_evening"]["capacity_rmse_shrunk"] == pytest.approx(0.01)
    assert habit["run_low_before_a_charge"]["vehicle_days"] == 2
    assert habit["run_low_before_a_charge"]["capacity_rmse_individual"] == pytest.approx(0.04)
    assert figures["data_rich"]["vehicle_days"] == 6
