"""Integer and Boolean connections, Integer and String parameters, and every
numeric output type in the results (FMUs that are not ours: compiled from C)."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.master import Connection, Endpoint, Master, System, SystemInvalid, read_ssp, write_ssp

from .conftest import stair_tally


def test_integer_and_boolean_outputs_feed_inputs_and_reach_the_results(fmus, tmp_path):
    result = Master(System(stair_tally(fmus))).run(out_dir=tmp_path)
    t = result.column("time")
    counter = np.floor(t + 1e-9)
    assert result.column("stair.counter") == pytest.approx(counter, abs=0)
    assert result.column("stair.odd") == pytest.approx(counter % 2, abs=0)
    # settled at each communication point: the tally sees the counter of the same instant
    assert result.column("tally.n_seen") == pytest.approx(3 * counter, abs=0)  # Integer parameter scale = 3
    assert result.column("tally.flag_seen") == pytest.approx(counter % 2, abs=0)
    assert result.column("tally.y") == pytest.approx(2 * counter, abs=0)  # Integer -> Real
    header = (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
    assert {"stair.counter", "stair.odd", "tally.n_seen", "tally.flag_seen", "tally.n"} <= set(header)


def test_a_system_with_discrete_connections_survives_the_ssp_round_trip(fmus, tmp_path):
    path = write_ssp(stair_tally(fmus), tmp_path / "stair.ssp")
    back = read_ssp(path, extract_to=tmp_path / "x")
    assert back.component("tally").parameters == {"scale": 3}
    result = Master(System(back)).run(stop_time=2.0, step=1.0)
    assert list(result.column("tally.n_seen")) == [0.0, 3.0, 6.0]


def test_a_real_cannot_feed_an_integer_nor_take_a_transformation_into_one(fmus):
    structure = stair_tally(fmus)
    structure.connections += [Connection(Endpoint("tally", "y"), Endpoint("stair", "counter"))]
    structure.connections[0] = Connection(Endpoint("stair", "counter"), Endpoint("tally", "n"), 2.0, 0.0)
    with pytest.raises(SystemInvalid) as caught:
        System(structure)
    text = str(caught.value)
    assert "a LinearTransformation needs a Real end, not a Integer" in text
    assert "end stair.counter is a output" in text  # and it is no input either


def test_a_string_parameter_reaches_the_fmu(tmp_path):
    """The Powertrain's drive_cycle (a String) chosen through the system."""
    from btwin.master import Component, SystemStructure
    from btwin.scenarios.common import fmu_path
    powertrain = fmu_path("Powertrain")
    speeds = {}
    for cycle in ("udds", "hwfet"):
        structure = SystemStructure("p", [Component("car", powertrain, {"drive_cycle": cycle})])
        ssp = write_ssp(structure, tmp_path / f"{cycle}.ssp")
        with System.from_ssp(ssp) as system:
            speeds[cycle] = Master(system).run(stop_time=60.0, step=10.0).column("car.vehicle_speed")
    # UDDS starts with a 20 s standstill; HWFET is moving by its tenth second (EPA cycle tables)
    assert speeds["udds"][1] == 0.0 and speeds["hwfet"][1] > 5.0
