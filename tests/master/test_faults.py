"""Bad systems, algebraic loops, failing FMUs and the command line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from btwin.master import (AlgebraicLoop, Connection, Endpoint, FmuError, Master, PowerBond, System,
                          SystemInvalid, validate, write_ssp)
from btwin.scenarios.cli import main

from .conftest import loop_pair, rc_pair, two_masses


def test_every_problem_is_reported_at_once(fmus):
    structure = two_masses(fmus)
    structure.connections = [
        Connection(Endpoint("mass", "positon"), Endpoint("spring", "x1")),        # unknown variable
        Connection(Endpoint("mass", "velocity"), Endpoint("sprng", "v1")),        # unknown component
        Connection(Endpoint("spring", "x1"), Endpoint("mass", "F")),              # input as a start
        Connection(Endpoint("mass", "position"), Endpoint("spring", "v1")),       # m -> m/s, no transformation
        Connection(Endpoint("mass", "velocity"), Endpoint("spring", "v1")),       # v1 fed twice
    ]
    structure.power_bonds = [PowerBond("b", "spring", "mass", Endpoint("mass", "Force"), Endpoint("spring", "v1"))]
    structure.component("spring").parameters["kk"] = 3.0
    with pytest.raises(SystemInvalid) as caught:
        System(structure)
    text = "\n".join(caught.value.problems)
    assert "no variable 'positon' (did you mean 'position'?)" in text
    assert "unknown component 'sprng' (did you mean 'spring'?)" in text
    assert "start spring.x1 is a input, not an output" in text.replace("an input", "a input")
    assert "unit clash [m] -> [m/s]" in text
    assert "input spring.v1 is fed twice" in text
    assert "power bond 'b': its effort mass.Force is not the end of a connection" in text
    assert "parameter spring.kk" in text and "did you mean 'k'?" in text
    assert len(caught.value.problems) >= 7


def test_a_step_mean_declaration_must_name_an_output(fmus):
    structure = two_masses(fmus)
    structure.step_mean_outputs = [Endpoint("mass", "F"), Endpoint("mass", "velocty")]
    problems = validate(structure).problems
    assert "step-mean output mass.F: causality 'input', not an output" in "\n".join(problems)
    assert any("'velocty' (did you mean 'velocity'?)" in p for p in problems)


def test_unconnected_inputs_are_listed(fmus):
    structure = rc_pair(fmus)
    structure.connections = structure.connections[:1]
    structure.power_bonds = []
    report = validate(structure)
    assert report.problems == []
    assert report.unconnected_inputs == ["source.current"]
    result = Master(System(structure)).run(stop_time=0.1, step=0.05)
    assert any("source.current" in note for note in result.notes)


def test_a_linear_transformation_accepts_different_units(fmus):
    structure = two_masses(fmus)
    structure.connections[1] = Connection(Endpoint("mass", "position"), Endpoint("spring", "v1"), 2.0, 0.0)
    assert validate(structure).problems == []


def test_algebraic_loop_is_named_when_refused(fmus):
    system = System(loop_pair(fmus))
    with pytest.raises(AlgebraicLoop) as caught:
        Master(system, algebraic_loops="refuse")
    message = str(caught.value)
    assert "first.y" in message and "second.u" in message and "second.y" in message and "first.u" in message


def test_algebraic_loop_is_solved_by_fixed_point(fmus):
    result = Master(System(loop_pair(fmus))).run()
    # y1 = 0.5 y2 + 1, y2 = 0.5 y1  =>  y1 = 4/3, y2 = 2/3
    assert result.column("first.y")[-1] == pytest.approx(4 / 3, rel=1e-8)
    assert result.column("second.y")[-1] == pytest.approx(2 / 3, rel=1e-8)


def test_failing_fmu_stops_the_run_and_keeps_the_results(fmus, tmp_path):
    structure = rc_pair(fmus)
    structure.component("load").parameters["fail_time"] = 1.234
    with pytest.raises(FmuError) as caught:
        Master(System(structure)).run(stop_time=3.0, step=0.01, out_dir=tmp_path)
    error = caught.value
    assert error.instance == "load" and error.function == "fmi2DoStep" and error.status == 3
    assert error.time == pytest.approx(1.24)
    assert "model blew up" in str(error) and "'load'" in str(error) and "1.24" in str(error)
    rows = np.genfromtxt(tmp_path / "results.csv", delimiter=",", names=True)
    assert rows["time"][-1] == pytest.approx(1.23)
    assert len(rows) == 124
    report = json.loads((tmp_path / "energy.json").read_text())
    assert report["macro_steps"] == 123


def test_btwin_run_writes_results_and_the_energy_report(fmus, tmp_path, capsys):
    ssp = write_ssp(rc_pair(fmus), tmp_path / "rc.ssp")
    code = main(["run", str(ssp), "--stop-time", "1", "--step", "0.05", "--correction", "nepce",
                 "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == 0
    header = (tmp_path / "out" / "results.csv").read_text().splitlines()[0]
    assert header == "time,source.voltage,load.current,source.current,load.voltage"  # outputs, then inputs
    report = json.loads((tmp_path / "out" / "energy.json").read_text())
    assert set(report) == {"macro_steps", "wall_time_s", "fmu_time_s", "bonds", "status", "stopped_at_s"}
    assert report["status"] == "completed" and report["stopped_at_s"] == 1.0
    assert report["macro_steps"] == 20 and set(report["fmu_time_s"]) == {"source", "load"}
    assert report["bonds"][0].keys() == {"name", "kind", "energy_source_J", "energy_sink_J", "residual_J",
                                         "max_abs_running_residual_J", "max_running_residual_time_s"}
    assert report["bonds"][0]["kind"] == "power_bond"
    assert "residual" in capsys.readouterr().out


def test_btwin_run_reports_a_bad_system_with_exit_code_2(fmus, tmp_path, capsys):
    structure = rc_pair(fmus)
    structure.connections.append(Connection(Endpoint("source", "voltag"), Endpoint("load", "voltage")))
    ssd = tmp_path / "bad.ssd"
    write_ssp(structure, ssd)
    code = main(["run", str(ssd), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "did you mean 'voltage'" in err and "fed twice" in err


def test_voltage_current_pair_is_recognised_as_a_bond(fmus):
    structure = rc_pair(fmus)
    declared = structure.power_bonds
    structure.power_bonds = []
    system = System(structure, recognise_bonds=True)
    assert [(b.source, b.sink, b.effort, b.flow) for b in system.structure.power_bonds] == \
        [(b.source, b.sink, b.effort, b.flow) for b in declared]
    assert System(two_masses(fmus), recognise_bonds=True).structure.power_bonds == two_masses(fmus).power_bonds
