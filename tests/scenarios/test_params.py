"""Scenario parameters: ``--param KEY=VALUE``, ``--list-params``, exit 2 on a
bad key or value, and ``summary.json`` from every scenario."""
from __future__ import annotations

import json

import pytest

from btwin.scenarios import fmpy_thermal_pulse
from btwin.scenarios.cli import main
from btwin.scenarios.params import Param, ParameterError, parse_assignments, resolve
from btwin.scenarios.run import SCENARIOS

DECLARED = {
    "ambient_temperature": Param(298.15, "ambient", unit="K", minimum=200.0, maximum=400.0),
    "cycle": Param("wltc", "drive cycle", choices=("wltc", "udds")),
    "runs": Param(3, "how many runs", minimum=1),
    "plot": Param(True, "draw plots"),
    "hours": Param(6.0, "simulated time", unit="h", minimum=0.0, exclusive_minimum=True),
}


def test_values_take_their_defaults_type():
    given = parse_assignments(DECLARED, ["ambient_temperature=283.15", "cycle=udds", "runs=5", "plot=no"])
    assert given == {"ambient_temperature": 283.15, "cycle": "udds", "runs": 5, "plot": False}
    assert isinstance(given["runs"], int) and isinstance(given["ambient_temperature"], float)
    values = resolve(DECLARED, given)
    assert values["hours"] == 6.0 and values["runs"] == 5


@pytest.mark.parametrize("assignment, words", [
    ("ambient_temprature=300", ["unknown parameter 'ambient_temprature'", "did you mean 'ambient_temperature'",
                                "known parameters: ambient_temperature, cycle, runs, plot, hours"]),
    ("ambient_temperature=warm", ["'warm' is not a float"]),
    ("ambient_temperature=nan", ["not finite"]),
    ("ambient_temperature=500", ["must be <= 400"]),
    ("runs=2.5", ["'2.5' is not a int"]),
    ("runs=0", ["must be >= 1"]),
    ("hours=0", ["must be > 0"]),
    ("cycle=ftp75", ["not one of wltc, udds"]),
    ("plot=maybe", ["'maybe' is not a bool"]),
    ("runs", ["is not KEY=VALUE"]),
])
def test_a_bad_assignment_names_what_is_wrong(assignment, words):
    with pytest.raises(ParameterError) as caught:
        parse_assignments(DECLARED, [assignment])
    for word in words:
        assert word in str(caught.value)


def test_python_callers_are_checked_too():
    with pytest.raises(ParameterError, match="unknown parameter 'hour'"):
        resolve(DECLARED, {"hour": 1.0})
    with pytest.raises(ParameterError, match="is not a bool"):
        resolve(DECLARED, {"plot": 1})
    assert resolve(DECLARED, {"runs": 4.0})["runs"] == 4


def test_every_scenario_declares_documented_parameters():
    import importlib
    for module_name in SCENARIOS.values():
        module = importlib.import_module(f"btwin.scenarios.{module_name}")
        assert isinstance(module.PARAMS, dict), module_name
        for name, param in module.PARAMS.items():
            assert param.help, (module_name, name)
            param.convert(name, param.default)  # every default passes its own checks


def test_command_line_refuses_bad_parameters_with_exit_2(capsys):
    assert main(["scenario", "fmpy_thermal_pulse", "--param", "pulse_pwr=10"]) == 2
    error = capsys.readouterr().err
    assert "unknown parameter 'pulse_pwr'" in error and "pulse_power" in error and "stop_time" in error
    assert main(["scenario", "fmpy_thermal_pulse", "--param", "stop_time=-1"]) == 2
    assert "must be > 0" in capsys.readouterr().err


def test_list_params_shows_units_and_defaults(capsys):
    assert main(["scenario", "fmpy_thermal_pulse", "--list-params"]) == 0
    out = capsys.readouterr().out
    assert "pulse_power" in out and "[W]" in out and "default 60.0" in out


def test_a_parameter_reaches_the_run_and_the_summary_is_written(tmp_path, fmu_dir, monkeypatch):
    monkeypatch.setattr(fmpy_thermal_pulse, "fmu_path", lambda name: fmu_dir / f"{name}.fmu")
    assert main(["scenario", "fmpy_thermal_pulse", "--out", str(tmp_path), "--param", "pulse_power=0",
                 "--param", "stop_time=600", "--param", "ambient_temperature=283.15"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    # no heat: the module stays at the ambient it was given, whatever the default pulse would do
    assert summary["peak core temperature [degC]"] == pytest.approx(10.0, abs=1e-6)


def test_summary_json_is_strict_json_with_unknown_numbers_as_null(tmp_path):
    """A figure not known yet (NaN), at any depth, is written as null, and
    numpy scalars as plain numbers: any JSON reader takes the file."""
    import numpy as np

    from btwin.scenarios.common import write_summary

    path = write_summary(tmp_path, {"a": float("nan"), "b": {"c": [1.0, float("inf"), np.float64(2.5)]},
                                    "d": np.float64("nan"), "e": "text", "f": np.int64(3)})
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": {"c": [1.0, None, 2.5]}, "d": None, "e": "text", "f": 3}
