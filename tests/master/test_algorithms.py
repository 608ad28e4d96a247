"""Accuracy of the coupling algorithms against monolithic references: the
error shrinks with the step at the order each algorithm should have."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.master import Master, System

from .conftest import rc_pair, two_masses
from .references import rc_pair_energy, rc_pair_reference, two_masses_reference

STEPS = (0.04, 0.02)

# (options, expected order): hold is first order, midpoint extrapolation and
# trapezoidal fixed-point coupling are second order.
CASES = [
    (dict(algorithm="jacobi"), 1),
    (dict(algorithm="gauss-seidel"), 1),
    (dict(algorithm="jacobi", extrapolation="linear"), 2),
    (dict(algorithm="gauss-seidel", extrapolation="linear"), 2),
    (dict(algorithm="jacobi", iterations=6, coupling_tolerance=1e-10), 2),
]


def _two_masses_error(system, h, options):
    result = Master(system, **options).run(stop_time=4.0, step=h)
    reference = two_masses_reference(result.column("time"))
    return np.max(np.abs(result.column("mass.position") - reference[:, 0]))


def _rc_error(system, h, options):
    result = Master(system, **options).run(stop_time=2.0, step=h)
    vc, _, _ = rc_pair_reference(result.column("time"))
    return np.max(np.abs(result.column("source.voltage") - vc))


@pytest.mark.parametrize("options, order", CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("which", ["two_masses", "rc_pair"])
def test_error_shrinks_at_the_expected_order(fmus, options, order, which):
    system = System(two_masses(fmus) if which == "two_masses" else rc_pair(fmus))
    error = _two_masses_error if which == "two_masses" else _rc_error
    coarse, fine = (error(system, h, options) for h in STEPS)
    observed = np.log2(coarse / fine)
    assert fine < coarse
    assert abs(observed - order) < 0.35, f"observed order {observed:.2f}, expected {order}"


def test_gauss_seidel_steps_the_reacting_component_last(fmus):
    from btwin.master.graph import gauss_seidel_order
    for structure, expected in ((rc_pair(fmus), ["source", "load"]), (two_masses(fmus), ["mass", "spring"])):
        system = System(structure)
        assert gauss_seidel_order(structure, system.infos) == expected


def test_ledger_closes_on_the_exact_bond_energy(fmus):
    """With tight (iterated) coupling both sides of the books agree with the
    monolithic energy through the bond, and the residual vanishes with h."""
    system = System(rc_pair(fmus))
    exact = rc_pair_energy(2.0)
    residuals = []
    for h in STEPS:
        bond = Master(system, iterations=8, coupling_tolerance=1e-12).run(stop_time=2.0, step=h).bonds[0]
        assert bond["energy_source_J"] == pytest.approx(exact, rel=2e-3)
        assert bond["energy_sink_J"] == pytest.approx(exact, rel=2e-3)
        assert bond["residual_J"] == pytest.approx(bond["energy_source_J"] - bond["energy_sink_J"])
        residuals.append(abs(bond["residual_J"]))
    assert residuals[1] < residuals[0] / 3  # second order


def test_plain_jacobi_books_a_first_order_residual(fmus):
    system = System(rc_pair(fmus))
    exact = rc_pair_energy(2.0)
    bonds = [Master(system).run(stop_time=2.0, step=h).bonds[0] for h in STEPS]
    residuals = [abs(b["residual_J"]) for b in bonds]
    assert residuals[0] > 1e-3 * exact  # hold really creates/destroys energy
    assert np.log2(residuals[0] / residuals[1]) == pytest.approx(1.0, abs=0.35)
