"""Where the twin's filter linearises the voltage, against references that do
not linearise: the exact Bayesian posterior of one reading (on a grid), and the
plant's true capacity after a drive."""
import math

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.soc import cell_capacity, lost_lithium_for_fade
from btwin.models.cycler import Cycler
from btwin.models.estimation.estimator import EstimatorSettings, StateEstimator
from btwin.models.estimation.filter import KalmanFilter
from btwin.models.estimation.twin_model import TwinModel
from btwin.models.sensors import ChannelSpec, Sensors
from btwin.models.thermal import CellThermal, ThermalParameters

T_25C = 298.15

READING_VARIANCE = 0.005**2 + 0.001**2  # V^2: the twin's 5 mV sensor and 1 mV model error at rest


def _posterior_on_a_grid(ocv, prior_mean, prior_std, reading):
    """Mean and standard deviation of SOC given a Gaussian prior and one OCV
    reading with Gaussian noise, by quadrature (no linearisation)."""
    soc = np.linspace(0.0, 1.0, 20001)
    log_density = -0.5 * ((soc - prior_mean) / prior_std) ** 2 \
        - 0.5 * (reading - np.array([ocv(s) for s in soc])) ** 2 / READING_VARIANCE
    weight = np.exp(log_density - log_density.max())
    mean = float(np.sum(weight * soc) / np.sum(weight))
    return mean, math.sqrt(float(np.sum(weight * (soc - mean) ** 2) / np.sum(weight)))


@pytest.mark.parametrize("relinearised", [True, False])
def test_a_first_reading_far_from_a_wide_belief_is_taken_at_the_posterior(relinearised):
    """A twin's SOC belief 0.7 +- 0.25 and a rest reading of a cell at 0.9: the
    OCV's slope is 1.03 V at 0.7 and 0.26 V at 0.9. The innovation (150 mV) is
    small against the prior's spread, but the update moves the estimate ~10
    posterior standard deviations, so the filter (``far_moves``, the
    estimator's ``wide_prior``) relinearises: its estimate
    is the exact posterior's mean within a quarter of its standard deviation
    (1.6 %), its spread no smaller and less than 1.6 times larger (the
    posterior is skewed: 1.49 measured). Taken at the prior (the plain EKF,
    without ``far_moves``), the estimate lands 4.5 % low (2.7 standard deviations) with
    a third of the true spread."""
    twin = TwinModel()
    capacity = twin.nominal_capacity

    def ocv(soc):
        return twin.ocv(soc, capacity)

    def measure(x):
        slope = (ocv(x[0] + 1e-6) - ocv(x[0] - 1e-6)) / 2e-6
        return ocv(x[0]), np.array([slope])

    reading = ocv(0.9)
    mean, std = _posterior_on_a_grid(ocv, 0.7, 0.25, reading)
    kf = KalmanFilter(np.array([0.7]), np.array([[0.25**2]]))
    kf.update_iterated(measure, reading, READING_VARIANCE, "voltage", far_moves=relinearised)
    estimate, spread = float(kf.x[0]), math.sqrt(kf.P[0, 0])
    if relinearised:
        assert abs(estimate - mean) < 0.25 * std and std <= spread < 1.6 * std
    else:  # the failure the relinearisation removes
        assert estimate < mean - 2.5 * std and spread < std / 3.0


@pytest.mark.parametrize("wide_prior", [True, False])
def test_a_twin_started_at_the_nominal_capacity_learns_a_faded_one_with_an_honest_spread(wide_prior):
    """The twin knows the SOC but believes the nominal capacity (+11 % on a
    plant with 10 % fade). Linearised at its estimate, the OCV window's
    capacity term (-40 mV/A.h near SOC 0.75 at the nominal capacity, +27 at
    the plant's) told the filter it knew capacity to 0.7 % while it was 5.9 %
    off after an hour (8.6 standard deviations at worst after the first half
    hour). With the capacity's divided differences over its spread
    (``wide_prior``), its
    error stays within 3 standard deviations from the first half hour on
    (1.0 at worst) and ends within 2 % (-0.2 %)."""
    estimates, capacity = _drive_a_faded_cell(3600, EstimatorSettings(initial_soc=0.9, step_mean_current=True,
                                                                      wide_prior=wide_prior))
    late = estimates[1800:]
    error = np.array([e.capacity / capacity - 1.0 for e in late])
    spread = np.array([e.capacity_std / capacity for e in late])
    if wide_prior:
        assert np.max(np.abs(error) / spread) < 3.0
        assert abs(error[-1]) < 0.02
    else:  # the overconfidence the divided differences remove
        assert np.max(np.abs(error) / spread) > 5.0 and error[-1] > 0.04


def _drive_a_faded_cell(seconds, settings):
    """twin_observer in plain Python: a cell with 10 % fade and 30 % resistance
    growth on the Cycler's WLTC drives, read by noisy sensors with a current
    offset after each step (the current the mean over it), and the twin."""
    lost = lost_lithium_for_fade(BatteryParameters(), 0.1)
    plant = SPMeBattery(BatteryParameters(initial_soc=0.9, lost_lithium_inventory=lost, resistance_growth=0.3))
    thermal, cycler = CellThermal(ThermalParameters(), T_25C), Cycler()
    sensors = Sensors({"current": ChannelSpec(noise=0.05, offset=0.01), "voltage": ChannelSpec(noise=0.005),
                       "surface_temperature": ChannelSpec(noise=0.1)}, seed=0)
    twin = StateEstimator(settings)
    twin.seed_temperature(T_25C)
    voltage, estimates = plant.outputs.voltage, []
    for _ in range(seconds):
        current = cycler.step(1.0, voltage)
        out = plant.step(1.0, current, thermal.core_temperature)
        thermal.step(1.0, out.heat_generation, T_25C)
        voltage = out.voltage
        sensors.advance(1.0)
        readings = sensors.measure({"current": current, "voltage": voltage,
                                    "surface_temperature": thermal.surface_temperature})
        estimates.append(twin.step(1.0, *readings, T_25C))
    return estimates, cell_capacity(BatteryParameters(lost_lithium_inventory=lost))


def test_capacity_as_loading_keeps_the_window_of_the_lost_lithium():
    """With the window fixed at 0.1 A.h of lost lithium, the OCV at a SOC is
    the same whatever the capacity (more active material moves capacity, not
    the window), it is the OCV of the cell that lost that lithium, and the
    voltage's gradient in capacity is 0."""
    from btwin.models.estimation.twin_model import CAPACITY, TwinModel

    free, fixed = TwinModel(), TwinModel()
    fixed.fix_window(0.1)
    aged = free.capacity_of(0.1)
    assert fixed.ocv(0.5, aged) == fixed.ocv(0.5, aged + 0.2)
    assert fixed.ocv(0.5, aged) == pytest.approx(free.ocv(0.5, aged), abs=2e-4)
    assert free.ocv(0.5, aged) != pytest.approx(free.ocv(0.5, aged + 0.2), abs=1e-3)
    h = np.zeros(5)
    fixed.voltage(np.array([0.5, 298.15, 298.15, aged, 1.0]), 1.0, h)
    assert h[CAPACITY] == 0.0
