"""Conservation laws and the SEI growth law of the SPMe."""
import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.chen2020 import FARADAY

T_25 = 298.15


def test_lithium_is_conserved_without_sei():
    cell = SPMeBattery(BatteryParameters(sei_enabled=False, initial_soc=0.5))
    before = cell.internals()["lithium_inventory"]
    for dt, current, count in [(0.01, 12.0, 300), (1.0, -7.0, 200), (10.0, 5.0, 60),
                               (3.7, -9.0, 40), (10.0, 0.0, 30), (0.5, 15.0, 50)]:
        for _ in range(count):
            cell.step(dt, current, T_25)
    after = cell.internals()["lithium_inventory"]
    assert abs(after - before) / before <= 1e-9


def test_energy_balance_over_a_full_discharge():
    """Electrical work + heat = decrease of the energy stored in the particles
    (integral of the OCPs between the initial and final mean stoichiometries)."""
    cell = SPMeBattery(BatteryParameters(sei_enabled=False, initial_soc=1.0))
    start = cell.internals()
    dt, current, work, heat = 1.0, 5.0, 0.0, 0.0
    while True:
        out = cell.step(dt, current, T_25)
        work += current * out.voltage * dt
        heat += out.heat_generation * dt
        if out.voltage <= 2.5:
            break
    end = cell.internals()
    released = -cell.stored_energy_change(
        start["negative_mean_stoichiometry"], start["positive_mean_stoichiometry"],
        end["negative_mean_stoichiometry"], end["positive_mean_stoichiometry"])
    assert heat > 0.01 * released  # the balance is not trivially met by zero heat
    assert abs(work + heat - released) <= 1e-3 * released


def test_reversible_heat_is_minus_current_times_temperature_times_entropic_coefficient():
    current, temperature = 5.0, 310.0
    heats = []
    for dn, dp in [(0.0, 0.0), (-1e-4, 2e-4)]:
        cell = SPMeBattery(BatteryParameters(negative_entropic_coefficient=dn,
                                             positive_entropic_coefficient=dp))
        heats.append(cell.step(1.0, current, temperature).heat_generation)
    expected = -current * temperature * (2e-4 - -1e-4)
    assert heats[1] - heats[0] == pytest.approx(expected, rel=1e-9)


def test_sei_capacity_loss_follows_the_solvent_diffusion_law():
    """L dL/dt = V D c / z, so L^2 = L0^2 + 2 V D c t / z and the lost lithium
    is z (L - L0) / V per unit particle area."""
    p = BatteryParameters()
    cell = SPMeBattery(p)
    area = p.specific_surface_area("negative") * p.negative_electrode_thickness * p.electrode_area
    rate = p.sei_partial_molar_volume * p.sei_solvent_diffusivity * p.sei_solvent_concentration \
        / p.sei_lithium_per_mole
    inventory = cell.internals()["lithium_inventory"]
    hour = 3600.0
    for k in range(1, 201):
        out = cell.step(hour, 0.0, T_25)
        thickness = np.sqrt(p.sei_initial_thickness**2 + 2 * rate * k * hour)
        expected = (thickness - p.sei_initial_thickness) * p.sei_lithium_per_mole \
            / p.sei_partial_molar_volume * area * FARADAY / 3600.0
        assert out.capacity_loss == pytest.approx(expected, rel=1e-9)
    lost = inventory - cell.internals()["lithium_inventory"]  # mol, taken from the particle
    assert lost * FARADAY / 3600.0 == pytest.approx(out.capacity_loss, rel=1e-9)


def test_sei_loss_grows_as_square_root_of_time_once_the_film_dominates():
    cell = SPMeBattery(BatteryParameters(sei_initial_thickness=1e-12))
    losses = []
    for days in (25, 75):  # totals of 25 and 100 days
        for _ in range(days):
            out = cell.step(86400.0, 0.0, T_25)
        losses.append(out.capacity_loss)
    assert losses[1] / losses[0] == pytest.approx(2.0, rel=1e-3)
