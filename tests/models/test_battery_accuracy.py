"""The SPMe against PyBaMM's SPMe with Chen2020 (run here, nothing cached):
isothermal constant-current discharge from initial_soc = 1 to 2.5 V.
Tolerances from issue 3: voltage RMS <= 15 mV up to 1C and <= 25 mV at 2C,
time to cut-off within 3 %. The full rate x temperature matrix is in
benchmarks/battery_accuracy.py."""
import pytest

from .pybamm_reference import compare, model_discharge, pybamm_discharge

pytest.importorskip("pybamm")


@pytest.mark.parametrize("c_rate, celsius, rms_limit", [(1.0, 25.0, 0.015), (2.0, 0.0, 0.025)])
def test_discharge_voltage_matches_pybamm(c_rate, celsius, rms_limit):
    temperature = 273.15 + celsius
    result = compare(pybamm_discharge(c_rate, temperature), model_discharge(c_rate, temperature))
    assert result["rms"] <= rms_limit, result
    assert abs(result["cutoff_error"]) <= 0.03, result
