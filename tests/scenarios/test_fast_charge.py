"""The fast_charge scenario on a tiny case (60 % -> 66 % at 25 degC, two
mismatched plants): every strategy reported, the orderings the issue asks
for, the files written, bad parameters refused."""
from __future__ import annotations

import json

import numpy as np
import pytest

from btwin.scenarios import fast_charge
from btwin.scenarios.cli import main

pytestmark = pytest.mark.integration

TINY = {"initial_soc": 0.6, "target_soc": 0.66, "mismatch_plants": 2, "seed": 1, "bisection_steps": 3}
KEYS = ("time_to_target_s", "time_to_target_mean_s", "min_plating_overpotential_V", "max_core_temperature_K",
        "violation_fraction", "worst_violation_V", "capacity_loss_Ah", "solve_time_median_s", "solve_time_p95_s")


@pytest.fixture(scope="module")
def tiny(fmu_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("fast_charge")
    return fast_charge.run(out, fmu_dir=fmu_dir, **TINY), out


def test_every_strategy_is_summarised_and_written(tiny):
    summary, out = tiny
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(summary))
    assert set(summary["strategies"]) == set(fast_charge.STRATEGIES)
    for name, figures in summary["strategies"].items():
        assert set(KEYS) <= set(figures), name
        assert (out / f"{name}.csv").stat().st_size > 0
    assert (out / "strategies.png").stat().st_size > 0 and (out / "mismatched_plating.png").stat().st_size > 0
    assert summary["strategies"]["mpc_nominal"]["solve_time_median_s"] > 0.0
    assert summary["strategies"]["cccv_1c"]["solve_time_median_s"] is None


def test_the_safe_cccv_is_the_fastest_that_does_not_plate(tiny):
    """Bisection: the rate found keeps the nominal plant's plating
    overpotential >= 0, and 1C from 60 % plates (so the bracket was real)."""
    figures = tiny[0]["strategies"]
    assert figures["cccv_safe"]["min_plating_overpotential_V"] >= 0.0
    assert figures["cccv_1c"]["min_plating_overpotential_V"] < 0.0
    assert figures["cccv_safe"]["c_rate"] < 1.0


def test_mpc_beats_the_safe_cccv_and_the_tube_keeps_every_plant_safe(tiny):
    figures = tiny[0]["strategies"]
    nominal, tube, safe = figures["mpc_nominal"], figures["mpc_tube"], figures["cccv_safe"]
    assert nominal["time_to_target_s"] < safe["time_to_target_s"]
    assert nominal["min_plating_overpotential_V"] >= -1e-3
    assert tube["violation_fraction"] == 0.0
    assert tube["worst_violation_V"] >= -2e-3
    assert nominal["time_to_target_s"] <= tube["time_to_target_s"]


def test_a_weaker_plant_plates_more_at_the_same_current(fmu_dir):
    """The mismatched plants' parameters reach the BatteryCell FMU: the corner
    with 0.7x diffusivity and 0.7x reaction rate sits lower than nominal."""
    rig = fast_charge._rig(fast_charge.resolve(fast_charge.PARAMS, {"initial_soc": 0.6, "target_soc": 0.62}),
                           fmu_dir)
    strategy = fast_charge.Strategy("cccv", crate=1.0)
    nominal = rig.charge(strategy, fast_charge.Plant())
    weak = rig.charge(strategy, fast_charge.Plant(battery={"negative_particle_diffusivity": 0.7 * 3.3e-14,
                                                           "negative_reaction_rate_factor": 0.7}))
    assert weak["plating"][-1] < nominal["plating"][-1] - 2e-3


def test_with_the_estimator_the_controller_acts_on_estimates(fmu_dir, tmp_path):
    summary = fast_charge.run(tmp_path, fmu_dir=fmu_dir, **{**TINY, "mismatch_plants": 0, "bisection_steps": 1,
                                                             "estimator": True})
    trace = np.genfromtxt(tmp_path / "mpc_nominal.csv", delimiter=",", names=True)
    assert not np.array_equal(trace["soc_used"], trace["soc"])
    assert np.abs(trace["soc_used"] - trace["soc"]).max() < 0.02
    assert summary["strategies"]["mpc_nominal"]["time_to_target_s"] is not None


@pytest.mark.parametrize("argument, says", [("target_soc=0.5", "target_soc"), ("mismatch_plants=-1", "mismatch_plants"),
                                            ("cooling=2", "known")])
def test_bad_parameters_exit_2_naming_them(argument, says, capsys):
    assert main(["scenario", "fast_charge", "--param", "initial_soc=0.6", "--param", argument]) == 2
    assert says in capsys.readouterr().err
