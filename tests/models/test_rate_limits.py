"""The overpotential split of a discharge against PyBaMM's SPMe, its closure,
and what limits the capacity at low and high rate."""
import numpy as np
import pytest

from btwin.models.battery import BatteryParameters
from btwin.models.battery.rate_limits import PROCESSES, discharge

# our process -> (PyBaMM SPMe variable, sign that makes it a loss on discharge)
PYBAMM_TERMS = {
    "negative_kinetic": ("X-averaged negative electrode reaction overpotential [V]", 1.0),
    "positive_kinetic": ("X-averaged positive electrode reaction overpotential [V]", -1.0),
    "negative_diffusion": ("Battery negative particle concentration overpotential [V]", 1.0),
    "positive_diffusion": ("Battery positive particle concentration overpotential [V]", -1.0),
    "electrolyte_ohmic": ("X-averaged electrolyte ohmic losses [V]", -1.0),
    "solid_ohmic": ("X-averaged solid phase ohmic losses [V]", -1.0),
    "electrolyte_concentration": ("X-averaged concentration overpotential [V]", -1.0),
}


@pytest.fixture(scope="module")
def one_c():
    return discharge(1.0, parameters=BatteryParameters(sei_enabled=False))


def _pybamm_terms(times):
    import pybamm

    parameters = pybamm.ParameterValues("Chen2020")
    parameters.update({"Current function [A]": 5.0})
    simulation = pybamm.Simulation(
        pybamm.lithium_ion.SPMe(), parameter_values=parameters,
        var_pts={"x_n": 20, "x_s": 10, "x_p": 20, "r_n": 60, "r_p": 60},
        solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8))
    solution = simulation.solve([0.0, float(times[-1])], initial_soc=1.0, t_interp=times)
    at = solution["Time [s]"].entries
    return {ours: sign * np.interp(times, at, solution[name].entries)
            for ours, (name, sign) in PYBAMM_TERMS.items()}


def test_each_process_matches_pybamm_spme_at_1c(one_c):
    """Every term within 1.5 mV of PyBaMM's (its parts of the same SPMe, finer
    mesh) over the discharge, up to the last 5 minutes where the OCP slopes steepen."""
    times = np.linspace(30.0, one_c.time[-1] - 300.0, 12)
    reference = _pybamm_terms(times)
    for name, values in reference.items():
        ours = np.interp(times, one_c.time, one_c.overpotentials[name])
        np.testing.assert_allclose(ours, values, rtol=0, atol=1.5e-3, err_msg=name)


def test_processes_sum_to_the_total_overpotential_at_every_time(one_c):
    total = sum(one_c.overpotentials[name] for name in PROCESSES)
    assert np.max(np.abs(total - (one_c.ocv - one_c.voltage))) < 1e-4


def test_low_rate_delivers_the_window_and_high_rate_runs_out_of_electrolyte():
    slow, fast = discharge(0.2), discharge(5.0, samples=100)
    assert slow.delivered == pytest.approx(slow.window_capacity, rel=0.02)
    assert slow.ended_by == "voltage cut-off"
    # Chen2020's electrolyte cannot carry 5C through the SPMe: PyBaMM's SPMe depletes too
    assert fast.ended_by == "electrolyte depleted" and fast.limited_by() == "electrolyte_concentration"
    assert fast.delivered < 0.1 * fast.window_capacity
