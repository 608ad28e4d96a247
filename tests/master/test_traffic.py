"""The master's FMI traffic: a feedthrough chain settled in one pass in
dependency order, inputs an FMU already holds not written again, outputs not
read twice for nothing; and the values the same as the settled fixed point
(FMUs that are not ours: compiled from C)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from btwin.master import Component, Connection, Endpoint, Master, System, SystemStructure
from btwin.master import slave as master_slave

from .conftest import stair_tally


@pytest.fixture
def calls(monkeypatch):
    """Reads and writes of Real ports and steps, counted by (instance, kind)."""
    counted = Counter()
    read, write, step = master_slave.RealPort.read, master_slave.RealPort.write, master_slave.Slave.do_step

    def counting_read(port):
        counted[port.slave.name, "read"] += 1
        read(port)

    def counting_write(port):
        counted[port.slave.name, "write"] += 1
        write(port)

    def counting_step(slave, t, h):
        counted[slave.name, "step"] += 1
        step(slave, t, h)

    monkeypatch.setattr(master_slave.RealPort, "read", counting_read)
    monkeypatch.setattr(master_slave.RealPort, "write", counting_write)
    monkeypatch.setattr(master_slave.Slave, "do_step", counting_step)
    return counted


def gain_chain(fmus) -> SystemStructure:
    """stair.counter -> third -> second -> first, each y = a u + b, declared
    against the flow (a fixed-point pass in declaration order would see
    every gain's input a pass late)."""
    gains = [Component(name, fmus["Gain"], {"a": a, "b": b})
             for name, a, b in (("first", 2.0, 1.0), ("second", -0.5, 0.25), ("third", 3.0, -2.0))]
    e = Endpoint
    return SystemStructure(
        name="chain", components=[*gains, Component("stair", fmus["Stair"])],
        connections=[Connection(e("stair", "counter"), e("third", "u")),
                     Connection(e("third", "y"), e("second", "u")),
                     Connection(e("second", "y"), e("first", "u"))],
        stop_time=5.0, step_size=0.5)


@pytest.mark.parametrize("algorithm", ["jacobi", "gauss-seidel"])
def test_a_feedthrough_chain_is_settled_exactly_reading_each_gain_once_a_step(fmus, calls, algorithm):
    result = Master(System(gain_chain(fmus)), algorithm=algorithm).run()
    x = np.floor(result.column("time") + 1e-9)  # the counter
    third = 3.0 * x - 2.0
    second = -0.5 * third + 0.25
    assert result.column("third.y") == pytest.approx(third, rel=1e-15, abs=1e-15)
    assert result.column("first.y") == pytest.approx(2.0 * second + 1.0, rel=1e-15, abs=1e-15)
    steps = result.macro_steps
    assert steps == 10
    for gain in ("first", "second", "third"):
        # the set-up reads each three times (in initialisation mode, once given its input, after it);
        # then once a step where settling needs it; under Gauss-Seidel once more, at the start of its
        # step, since it holds the newer output of the gain before it (the old fixed-point passes in
        # declaration order read each 2 to 4 times a step, Gauss-Seidel 3 to 5)
        most = 3 + steps * (1 if algorithm == "jacobi" else 2)
        assert calls[gain, "read"] <= most, (gain, calls[gain, "read"], most)
        assert calls[gain, "write"] <= 1 + steps * (1 if algorithm == "jacobi" else 2)


def test_inputs_an_fmu_holds_are_not_written_again(fmus, calls):
    """The counter moves every whole second; the tally, stepped every half
    second, is given it only when it has moved (Integer, Boolean and Real
    ports alike), and still echoes it at every communication point."""
    result = Master(System(stair_tally(fmus))).run()
    counter = np.floor(result.column("time") + 1e-9)
    assert result.column("tally.n_seen") == pytest.approx(3 * counter, abs=0)
    assert result.column("tally.y") == pytest.approx(2 * counter, abs=0)
    changes = int(counter[-1])  # 0 -> 1 -> ... -> 5
    # the Real input x: once at start-up, then once per change of the counter
    assert calls["tally", "write"] <= 2 + changes, calls["tally", "write"]
    assert calls["tally", "step"] == result.macro_steps == 10



def test_only_the_recorded_and_connected_outputs_are_read(fmus):
    """``record`` names the outputs wanted besides the connected ones: the
    results hold those, with the values of a run that records everything."""
    everything = Master(System(stair_tally(fmus))).run()
    some = Master(System(stair_tally(fmus)), record=["tally.n_seen"]).run()
    assert set(some.columns) == {"time", "stair.counter", "stair.odd", "tally.n_seen", "tally.x", "tally.n",
                                 "tally.flag"}
    for name in some.columns:
        assert some.column(name) == pytest.approx(everything.column(name), abs=0)


def test_an_unknown_recorded_output_is_refused_with_the_close_names(fmus):
    with pytest.raises(ValueError, match=r"tally.n_sen \(did you mean tally.n_seen"):
        Master(System(stair_tally(fmus)), record=["tally.n_sen", "stair.counter"])
