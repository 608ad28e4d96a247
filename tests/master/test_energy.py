"""NEPCE correction and the energy-based adaptive step."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.master import Master, System
from btwin.master.energy import Coupling, Ledger

from .conftest import rc_pair, two_masses
from .references import rc_pair_energy, rc_pair_reference, two_masses_energy, two_masses_reference


@pytest.mark.parametrize("make", [two_masses, rc_pair], ids=["two_masses", "rc_pair"])
def test_nepce_cuts_the_bond_residual_tenfold(fmus, make):
    system = System(make(fmus))
    plain = Master(system).run(stop_time=3.0, step=0.02).bonds[0]["residual_J"]
    corrected = Master(system, correction="nepce").run(stop_time=3.0, step=0.02).bonds[0]["residual_J"]
    assert abs(corrected) < abs(plain) / 10


def test_nepce_brings_the_energy_books_closer_to_the_monolithic_ones(fmus):
    system = System(rc_pair(fmus))
    exact = rc_pair_energy(3.0)
    plain = Master(system).run(stop_time=3.0, step=0.02)
    corrected = Master(system, correction="nepce").run(stop_time=3.0, step=0.02)
    for side in ("energy_source_J", "energy_sink_J"):
        assert abs(corrected.bonds[0][side] - exact) < abs(plain.bonds[0][side] - exact) / 5
    vc, _, _ = rc_pair_reference([3.0])
    assert abs(corrected.column("source.voltage")[-1] - vc[-1]) < abs(plain.column("source.voltage")[-1] - vc[-1]) / 2


def test_nepce_keeps_the_mechanical_energy_honest(fmus):
    system = System(two_masses(fmus))
    exact = two_masses_energy(two_masses_reference([4.0]))[-1]

    def final_energy(result):
        states = np.c_[[result.column(f"{c}.{v}")[-1:] for c, v in
                        (("mass", "position"), ("mass", "velocity"), ("spring", "position"), ("spring", "velocity"))]].T
        return two_masses_energy(states)[-1]

    plain = final_energy(Master(system).run(stop_time=4.0, step=0.02))
    corrected = final_energy(Master(system, correction="nepce").run(stop_time=4.0, step=0.02))
    assert abs(corrected - exact) < abs(plain - exact) / 5


def test_nepce_stays_stable_on_a_stiff_coupling(fmus):
    """A load resistance 10x smaller makes the coupling stiff (h / (R2 C1) = 0.4);
    the correction must neither blow up nor leave the books open."""
    structure = rc_pair(fmus)
    structure.component("load").parameters["R2"] = 0.05
    system = System(structure)
    plain = Master(system).run(stop_time=3.0, step=0.02)
    corrected = Master(system, correction="nepce").run(stop_time=3.0, step=0.02)
    vc, _, _ = rc_pair_reference(corrected.column("time"), r2=0.05)
    assert np.all(np.isfinite(corrected.values))
    assert np.max(np.abs(corrected.column("source.voltage") - vc)) < 0.5  # volts, of a 10 V source
    assert abs(corrected.bonds[0]["residual_J"]) < abs(plain.bonds[0]["residual_J"]) / 10


def _bond(**flags) -> Coupling:
    # y = [source effort, sink flow], u = [source flow, sink effort]
    return Coupling("b", "power_bond", src_out=0, src_in=0, snk_in=1, snk_out=1, scale_src=1.0, scale_snk=1.0,
                    correct_sink=False, **flags)


def test_a_step_mean_output_is_booked_at_the_step_end():
    """A sink that reports the mean current it drew at the held voltage took
    exactly h * u * y(t+h); the trapezoid would mix in the previous step's mean."""
    y0, y1, u, h = np.array([10.0, 2.0]), np.array([10.0, 6.0]), np.array([6.0, 10.0]), 0.5
    sampled = Ledger([_bond()]).step_energies(_bond(), y0, y1, u, h)
    mean = Ledger([_bond(snk_mean=True)]).step_energies(_bond(snk_mean=True), y0, y1, u, h)
    assert sampled == (30.0, 20.0)
    assert mean == (30.0, 30.0)


def test_a_step_mean_sink_has_its_source_corrected(fmus):
    """The mass (sink) has no feedthrough, the spring (source) has: NEPCE corrects
    the mass's force. Declared a step mean, the mass's velocity answers the force
    within the step, so the spring's velocity input is corrected instead."""
    from btwin.master.master import _Run

    def corrected_side(structure):
        run = _Run(Master(System(structure), correction="nepce"), 0.0, 0.1, 0.01, None)
        run._load()
        coupling = run.stepper.ledger.couplings[0]
        for slave in run.slaves.values():
            slave.close()
        return coupling.correct_sink, coupling.snk_mean

    structure = two_masses(fmus)
    assert corrected_side(structure) == (True, False)
    bond = structure.power_bonds[0]
    structure.step_mean_outputs.append(next(c.start for c in structure.connections if c.end == bond.flow))
    assert corrected_side(structure) == (False, True)


def test_nepce_gain_outside_the_stable_range_is_refused(fmus):
    with pytest.raises(ValueError, match="gain"):
        Master(System(rc_pair(fmus)), correction="nepce", nepce_gain=2.5).run(stop_time=0.1, step=0.01)


@pytest.mark.parametrize("stop_time", [2.0, 2.345])
def test_adaptive_step_ends_exactly_at_stop_time(fmus, stop_time):
    result = Master(System(rc_pair(fmus)), adaptive=True, rtol=1e-2, atol=1e-4).run(stop_time=stop_time, step=0.01)
    t = result.column("time")
    assert t[-1] == stop_time
    assert np.all(t <= stop_time) and np.all(np.diff(t) > 0)
    assert len(set(np.round(np.diff(t), 12))) > 3  # the step really adapts


def test_adaptive_step_follows_the_tolerance(fmus):
    system = System(rc_pair(fmus))
    loose = Master(system, adaptive=True, rtol=1e-2, atol=1e-4).run(stop_time=2.0, step=0.01)
    tight = Master(system, adaptive=True, rtol=1e-3, atol=1e-5).run(stop_time=2.0, step=0.01)
    assert tight.macro_steps > 2 * loose.macro_steps
    assert abs(tight.bonds[0]["residual_J"]) < abs(loose.bonds[0]["residual_J"])


def test_discarded_step_is_rolled_back_and_retried_smaller(fmus):
    structure = rc_pair(fmus)
    structure.component("load").parameters["max_step"] = 0.03  # the FMU refuses longer steps
    result = Master(System(structure), adaptive=True, rtol=1e-1, atol=1e-2, max_step=0.2).run(
        stop_time=1.0, step=0.1)
    steps = np.diff(result.column("time"))
    assert result.rejected_steps >= 1
    assert steps.max() <= 0.03 * (1 + 1e-9)
    assert result.column("time")[-1] == 1.0
    vc, _, _ = rc_pair_reference(result.column("time"))
    assert np.max(np.abs(result.column("source.voltage") - vc)) < 0.2
