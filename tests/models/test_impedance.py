"""The frequency-domain impedance against the time-domain SPMe it linearises,
its limits, and PyBaMM's EIS."""
from dataclasses import replace

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.impedance import CellImpedance, check_frequencies, impedance

ROOM = 298.15
# the time-domain SPMe has no double layer and no film capacitance
NO_CAPACITANCE = dict(negative_double_layer_capacity=0.0, positive_double_layer_capacity=0.0,
                      sei_relative_permittivity=0.0)


def _sine_response(cell: SPMeBattery, frequency: float, amplitude: float, periods: int,
                   steps_per_period: int = 400) -> complex:
    """Z at ``frequency`` from a small sine current through the time-domain model:
    the current of each step is the sine at its midpoint, the voltage is read at
    the step's end with the sine's value there, and the last two periods are
    fitted with an offset, a drift and the fundamental."""
    dt = 1.0 / (frequency * steps_per_period)
    omega = 2.0 * np.pi * frequency
    times, voltages = [], []
    for k in range(periods * steps_per_period):
        cell.step(dt, amplitude * np.cos(omega * (k + 0.5) * dt), ROOM)
        t = (k + 1) * dt
        times.append(t)
        voltages.append(cell.evaluate(amplitude * np.cos(omega * t), ROOM).voltage)
    keep = slice(-2 * steps_per_period, None)
    t, v = np.array(times)[keep], np.array(voltages)[keep]
    basis = np.column_stack([np.ones_like(t), t - t[0], np.cos(omega * t), np.sin(omega * t)])
    _, _, a, b = np.linalg.lstsq(basis, v, rcond=None)[0]
    return complex(-a / amplitude, b / amplitude)  # V = V0 - Re(Z I e^{jwt})


@pytest.mark.parametrize("frequency, periods", [(2e-3, 6), (0.05, 4), (1.0, 3)])
def test_sine_through_the_time_domain_model_gives_the_spectrum(frequency, periods):
    parameters = replace(BatteryParameters(initial_soc=0.5), **NO_CAPACITANCE)
    cell = SPMeBattery(parameters)
    expected = CellImpedance.at_soc(0.5, ROOM, parameters,
                                    reaction_distribution=False).impedance([frequency])[0]
    measured = _sine_response(cell, frequency, amplitude=0.1, periods=periods)
    assert abs(measured - expected) / abs(expected) < 0.01


def test_dc_limit_is_the_resistance_a_long_small_step_shows():
    """After an hour at 0.1 A every diffusion mode has settled (slowest: the
    positive particle, about 340 s); ocv - voltage is then I R_dc."""
    current = 0.1
    cell = SPMeBattery(BatteryParameters(initial_soc=0.5))
    out = cell.step(3600.0, current, ROOM)
    model = CellImpedance.of_cell(cell, ROOM, reaction_distribution=False)
    assert (out.ocv - out.voltage) / current == pytest.approx(model.dc_resistance(), rel=0.01)
    # and the spectrum's real part tends to it
    assert model.impedance([1e-8])[0].real == pytest.approx(model.dc_resistance(), rel=1e-3)


def test_high_frequency_limit_is_the_series_resistance_and_capacitive_below():
    model = CellImpedance.at_soc(0.5, ROOM)
    z = model.impedance(np.logspace(-3, 3, 30))
    assert np.all(z.imag < 0.0)
    assert model.impedance([1e8])[0].real == pytest.approx(model.elements().r0, rel=1e-3)


def test_charge_transfer_arc_follows_arrhenius_and_the_double_layer():
    """Cold: the charge-transfer arc grows with exp(Ea/R (1/T - 1/Tref)) x T,
    and its apex sits at 1 / (2 pi R_ct C_dl) of the negative electrode."""
    warm, cold = CellImpedance.at_soc(0.5, ROOM), CellImpedance.at_soc(0.5, 273.15)
    ratio = cold.elements().r_ct_negative / warm.elements().r_ct_negative
    p = BatteryParameters()
    expected = (np.exp(p.negative_reaction_activation_energy / 8.314462618
                       * (1 / 273.15 - 1 / ROOM)) * 273.15 / ROOM)
    assert ratio == pytest.approx(expected, rel=1e-6)
    e = cold.elements()
    apex = 1.0 / (2.0 * np.pi * e.r_ct_negative * e.c_dl_negative)
    f = np.logspace(np.log10(apex) - 1, np.log10(apex) + 1, 401)
    z = cold.impedance(f)
    assert f[np.argmin(z.imag)] == pytest.approx(apex, rel=0.15)


def test_pack_scales_by_series_over_parallel():
    cell = impedance([0.1, 10.0], soc=0.4)
    pack = impedance([0.1, 10.0], soc=0.4, parameters=BatteryParameters(n_series=96, n_parallel=4))
    np.testing.assert_allclose(pack, cell * 24.0, rtol=1e-12)


@pytest.mark.parametrize("bad", [[0.0], [-1.0], [np.nan], [np.inf], [], ["ten"]])
def test_bad_frequencies_are_named(bad):
    with pytest.raises(ValueError, match="frequenc"):
        check_frequencies(bad)


@pytest.mark.parametrize("soc", [0.0, 1.0, -0.1, float("nan")])
def test_soc_outside_the_open_interval_is_refused(soc):
    with pytest.raises(ValueError, match="soc"):
        CellImpedance.at_soc(soc, ROOM)


def test_temperature_outside_the_model_range_is_refused():
    with pytest.raises(ValueError, match="temperature 400.0 K"):
        CellImpedance.at_soc(0.5, 400.0)


@pytest.mark.slow
def test_spectrum_matches_pybamm_eis():
    """PyBaMM EISSimulation, SPMe with surface form differential, Chen2020, at
    an operating point inside the target's range: 3 % in |Z|, 2 degrees."""
    from .eis_reference import pybamm_impedance

    soc, temperature = 0.35, 308.15
    f = np.logspace(-3, 3, 19)
    reference = pybamm_impedance(f, soc, temperature)
    ours = CellImpedance.at_soc(soc, temperature, BatteryParameters(sei_enabled=False)).impedance(f)
    assert np.max(np.abs(np.abs(ours) / np.abs(reference) - 1.0)) < 0.03
    assert np.max(np.abs(np.degrees(np.angle(ours) - np.angle(reference)))) < 2.0
