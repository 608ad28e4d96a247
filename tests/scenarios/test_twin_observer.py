"""twin_observer end to end through the master, short; its parameters."""
import json
import subprocess
import sys

import pytest

from btwin.scenarios import twin_observer
from btwin.scenarios.params import ParameterError

pytestmark = pytest.mark.integration
KEYS = {"soc_rmse", "soc_max_error_after_convergence", "convergence_time_s", "core_temperature_rmse_K",
        "core_temperature_max_error_K", "capacity_error", "resistance_error", "nees_within_95_fraction"}


def test_a_short_run_writes_the_three_entries_and_the_plot(fmu_dir, tmp_path):
    summary = twin_observer.run(tmp_path, fmu_dir=fmu_dir, hours=0.15, initial_soc_error=0.05, seed=3)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert set(written) >= {"estimator", "coulomb_counting", "frozen_parameters"}
    for entry in ("estimator", "coulomb_counting", "frozen_parameters"):
        assert KEYS <= set(written[entry])
    twin, counted = summary["estimator"], summary["coulomb_counting"]
    # 5 % off at start: the twin comes within 2 % and stays; Coulomb counting keeps its error
    assert twin["convergence_time_s"] is not None and twin["soc_rmse"] < 0.02
    assert counted["convergence_time_s"] is None
    assert twin["core_temperature_max_error_K"] < 1.0
    assert twin["covariance_repairs"] == 0 and twin["outliers_rejected"] >= 0
    assert (tmp_path / "twin_observer.png").stat().st_size > 10_000
    assert (tmp_path / "results.csv").is_file()


def test_a_belief_outside_0_1_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="initial_soc - initial_soc_error"):
        twin_observer.run(tmp_path, initial_soc=0.1, initial_soc_error=0.5)


@pytest.mark.parametrize("assignment, says", [("cycle=ftp75", "wltc"),
                                              ("initial_soc_error=0.95", "initial_soc - initial_soc_error")])
def test_command_line_refuses_a_bad_value_with_exit_2(tmp_path, assignment, says):
    result = subprocess.run([sys.executable, "-m", "btwin.scenarios.cli", "scenario", "twin_observer",
                             "--param", assignment, "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
