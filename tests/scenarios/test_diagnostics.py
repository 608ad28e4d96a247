"""The diagnostics campaign on tiny cases: its summary and plots, and the
targets that single runs can check (plating flag, runaway warning, no alarm
without a fault)."""
from __future__ import annotations

import json
import math

import pytest

from btwin.models.diagnosis import FaultCode
from btwin.scenarios import diagnostics
from btwin.scenarios.diagnostics_runs import Fault, Profile, run
from btwin.scenarios.fast_charge import FORCED_AIR_RESISTANCE

pytestmark = pytest.mark.integration
T_25 = 298.15


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    out = tmp_path_factory.mktemp("diagnostics")
    return diagnostics.run(out, runs=1, fault_free_hours=0.2, run_duration=1200.0, seed=3,
                           twin="open_loop"), out


def test_campaign_writes_one_entry_per_class_plots_and_summary(campaign):
    summary, out = campaign
    assert json.loads((out / "summary.json").read_text()) == summary
    assert set(summary["faults"]) == set(diagnostics.CLASSES)
    for entry in summary["faults"].values():
        assert {"detection_rate", "median_detection_delay_s", "isolation_accuracy"} <= set(entry)
    assert "warning_lead_time_s" in summary["faults"]["thermal_runaway"]
    assert (out / "residuals.png").stat().st_size > 10_000
    assert (out / "relaxation.png").stat().st_size > 10_000
    assert (out / "confusion.png").stat().st_size > 10_000
    assert summary["false_alarms_per_hour"] == 0.0


def test_a_voltage_offset_of_10_mv_is_found_within_30_s_on_the_state_estimators_residual():
    outcome = run(Profile("drive", 900.0, 0.8, T_25), Fault("voltage_offset", 650.5, -0.010), seed=11)
    assert 0.0 <= outcome.detection_time - 650.5 <= 30.0
    assert outcome.diagnosed is FaultCode.VOLTAGE_SENSOR


def test_cold_fast_charge_is_flagged_on_its_relaxation_and_a_half_c_charge_at_25_degc_is_not():
    rest = diagnostics.RELAXATION_REST
    cold = run(Profile("charge", 1500.0 + rest, 0.2, 268.15, 1.75, 1500.0, FORCED_AIR_RESISTANCE),
               Fault("plating"), seed=12, twin_kind="open_loop")
    assert not math.isnan(cold.plating_onset) and cold.plated_lithium > 0.03  # A.h: the plant plated
    assert cold.plating_flagged and cold.plating_by_relaxation
    assert cold.relaxation_excess > cold.relaxation_threshold
    mild = run(Profile("charge", 1200.0 + rest, 0.3, T_25, 0.5, 1200.0), Fault("none"), seed=13,
               twin_kind="open_loop")
    assert math.isnan(mild.plating_onset)  # the plant does not plate: the truth
    assert mild.relaxation_excess < mild.relaxation_threshold  # its rest was watched and passed
    assert not mild.plating_flagged and mild.false_alarms == 0


def test_external_heating_runaway_is_warned_a_minute_before_the_core_reaches_120_degc():
    outcome = run(Profile("drive", 2400.0, 0.8, T_25), Fault("thermal_runaway", 620.0, 20.0, "heating"),
                  seed=14)
    assert outcome.runaway_core_time - outcome.runaway_alarm_time >= 60.0
