"""The equivalent-circuit fit finds the model's own elements in its spectrum,
tracks the SEI film, and says when it cannot be trusted."""
import numpy as np
import pytest

from btwin.models.battery import BatteryParameters
from btwin.models.battery.circuit_fit import circuit_impedance, fit_spectrum
from btwin.models.battery.impedance import CellImpedance, OperatingPoint

FREQUENCIES = np.logspace(-3, 6, 64)  # the SEI film's arc sits near 18 kHz


def test_fit_recovers_r0_and_charge_transfer_within_5_percent():
    model = CellImpedance.at_soc(0.65, 288.15)
    fitted = fit_spectrum(FREQUENCIES, model.impedance(FREQUENCIES))
    truth = model.elements()
    assert fitted["r0"].value == pytest.approx(truth.r0, rel=0.05)
    assert fitted["r_ct"].value == pytest.approx(truth.r_ct, rel=0.05)
    assert fitted["r_ct"].low < fitted["r_ct"].value < fitted["r_ct"].high
    # the circuit describes the spectrum it was fitted to within 10 % (6 % here)
    z = model.impedance(FREQUENCIES)
    assert np.max(np.abs(circuit_impedance(FREQUENCIES, fitted) - z) / np.abs(z)) < 0.10


def test_fitted_sei_resistance_grows_with_the_film():
    """Thicker films, same cell otherwise: the fitted R_SEI rises with the
    thickness and stays within 15 % of the film's rho L / S_n."""
    parameters = BatteryParameters()
    fresh = CellImpedance.at_soc(0.5, 298.15, parameters).point
    fitted, truth = [], []
    for thickness in (5e-9, 20e-9, 60e-9):
        model = CellImpedance(parameters, OperatingPoint(fresh.negative_stoichiometry,
                                                         fresh.positive_stoichiometry, 298.15, thickness))
        fitted.append(fit_spectrum(FREQUENCIES, model.impedance(FREQUENCIES))["r_sei"].value)
        truth.append(model.elements().r_sei)
    assert np.all(np.diff(fitted) > 0.0)
    np.testing.assert_allclose(fitted, truth, rtol=0.15)


def test_a_spectrum_that_does_not_match_its_frequencies_is_refused():
    with pytest.raises(ValueError, match="one per frequency"):
        fit_spectrum([1.0, 2.0, 3.0], [1 + 1j, 2 + 2j])
