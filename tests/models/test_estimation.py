"""The twin's model and filter against independent references: the full SPMe
plant, the analytic Kalman steady state, chi-square statistics."""
import math

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.soc import cell_capacity, lost_lithium_for_fade
from btwin.models.cycler import Cycler
from btwin.models.estimation import metrics
from btwin.models.estimation.coulomb import coulomb_counting
from btwin.models.estimation.estimator import EstimatorSettings, StateEstimator
from btwin.models.estimation.filter import KalmanFilter
from btwin.models.estimation.twin_model import TwinModel
from btwin.models.sensors import ChannelSpec, Sensors
from btwin.models.thermal import CellThermal, ThermalParameters

T_25C = 298.15


@pytest.fixture(scope="module")
def twin():
    return TwinModel()


def test_twin_voltage_follows_the_full_spme_on_a_random_pulse_train(twin):
    """Against the plant's own SPMe (electrolyte with concentration-dependent
    transport, all particle shells): RMS error under 3 mV (2.6 measured; 3.5
    with the electrolyte at rest in the kinetics), peaks under 25 mV (22 in a
    7.5 A charge pulse, where the twin's electrolyte, at a constant
    diffusivity, falls to a tenth of c0 in the negative electrode)."""
    plant = SPMeBattery(BatteryParameters(initial_soc=0.8))
    twin.reset_diffusion()
    x = np.array([0.8, T_25C, T_25C, twin.nominal_capacity, 1.0])
    f = np.zeros((5, 5))
    rng = np.random.default_rng(1)
    errors, current = [], 0.0
    for k in range(1500):
        if k % 30 == 0:
            current = rng.normal(2.0, 5.0)
        x[0] = plant.outputs.soc
        errors.append(twin.voltage(x, current) - plant.evaluate(current, T_25C).voltage)
        plant.step(1.0, current, T_25C)
        twin.predict(x, current, T_25C, plant.outputs.voltage, 1.0, f)
        twin.advance_diffusion(current, 1.0)
    errors = np.array(errors)
    assert np.sqrt(np.mean(errors**2)) < 0.003
    assert np.max(np.abs(errors)) < 0.025


@pytest.mark.parametrize("current, limit", [(3.0, 0.0015), (-3.6, 0.005)])
def test_twin_voltage_follows_the_spme_through_half_an_hour_of_sustained_current(twin, current, limit):
    """A 3 A discharge and a 3.6 A charge (a 50 kW charge of the fleet's
    96s40p pack) for 30 min: the electrolyte's concentration gradient slows
    the kinetics of the SPMe node by node (j0 ~ sqrt(c_e)); the twin, given
    the plant's SOC, follows its voltage within 1.5 mV on average in the
    discharge (4.1 mV with the electrolyte at rest in the kinetics) and
    within 5 mV in the charge, where the twin's electrolyte transport at the
    initial concentration leaves 4.2 mV."""
    plant = SPMeBattery(BatteryParameters(initial_soc=0.8 if current > 0 else 0.3, sei_enabled=False))
    twin.reset_diffusion()
    x = np.array([0.0, T_25C, T_25C, twin.nominal_capacity, 1.0])
    errors = []
    for _ in range(360):
        plant.step(5.0, current, T_25C)
        twin.advance_diffusion(current, 5.0)
        x[0] = plant.outputs.soc
        errors.append(twin.voltage(x, current) - plant.outputs.voltage)
    assert abs(np.mean(errors)) < limit


def test_twin_losses_follow_the_spme_process_by_process(twin):
    """After 10 min at 2 A, given the plant's SOC: the same particle modes give
    the same OCV and diffusion losses (within 0.05 mV); kinetics, ohmic drop
    (electrolyte, solid and film lumped) and concentration overpotential each
    within 1 mV of the SPMe's (0.1, 0.6 and 0.3 measured)."""
    plant = SPMeBattery(BatteryParameters(initial_soc=0.8, sei_enabled=False))
    twin.reset_diffusion()
    for _ in range(120):
        plant.step(5.0, 2.0, T_25C)
        twin.advance_diffusion(2.0, 5.0)
    losses = twin.losses(np.array([plant.outputs.soc, T_25C, T_25C, twin.nominal_capacity, 1.0]), 2.0)
    spme = plant.overpotentials()._asdict()
    spme["ohmic"] = spme.pop("electrolyte_ohmic") + spme.pop("solid_ohmic") + spme.pop("sei_film")
    spme["ocv"] = plant.outputs.ocv
    for name in ("ocv", "negative_diffusion", "positive_diffusion"):
        assert losses[name] == pytest.approx(spme[name], abs=5e-5), name
    for name in ("ohmic", "negative_kinetic", "positive_kinetic", "electrolyte_concentration"):
        assert losses[name] == pytest.approx(spme[name], abs=1e-3), name


@pytest.mark.parametrize("fade", [0.0, 0.1, 0.25])
def test_twin_ocv_of_an_aged_cell_is_the_plant_ocv_at_its_capacity(twin, fade):
    """Lost lithium moves OCV(SOC) by tens of mV; the twin, told the capacity,
    finds the plant's OCV (of the SPMe at rest) within 1 mV at every SOC."""
    lost = lost_lithium_for_fade(BatteryParameters(), fade)
    capacity = cell_capacity(BatteryParameters(lost_lithium_inventory=lost))
    for soc in (0.1, 0.3, 0.5, 0.7, 0.95):
        plant = SPMeBattery(BatteryParameters(initial_soc=soc, lost_lithium_inventory=lost))
        assert twin.ocv(soc, capacity) == pytest.approx(plant.outputs.ocv, abs=1e-3)


@pytest.mark.parametrize("growth", [0.0, 0.3, 1.0])
def test_resistance_factor_is_the_plant_resistance_growth(twin, growth):
    """The plant's instantaneous response to a small current step (ohmic drop
    plus linearised Butler-Volmer) is the twin's resistance with theta = 1 + g."""
    plant = SPMeBattery(BatteryParameters(initial_soc=0.5, resistance_growth=growth))
    drop = (plant.evaluate(0.0, T_25C).voltage - plant.evaluate(0.05, T_25C).voltage) / 0.05
    x = np.array([0.5, T_25C, T_25C, twin.nominal_capacity, 1.0 + growth])
    assert twin.resistance(x) == pytest.approx(drop, rel=0.01)


def test_contact_resistance_adds_exactly_its_drop():
    fresh = SPMeBattery(BatteryParameters(initial_soc=0.5))
    contact = SPMeBattery(BatteryParameters(initial_soc=0.5, contact_resistance=0.01))
    assert fresh.evaluate(3.0, T_25C).voltage - contact.evaluate(3.0, T_25C).voltage == pytest.approx(0.03, abs=1e-12)


def test_lost_lithium_shrinks_the_charge_a_slow_discharge_delivers():
    """Independent of the window arithmetic: a C/20 discharge of the aged
    SPMe from full to 2.5 V delivers (1 - fade) of the fresh cell's charge."""
    delivered = []
    for fade in (0.0, 0.2):
        lost = lost_lithium_for_fade(BatteryParameters(), fade)
        cell = SPMeBattery(BatteryParameters(initial_soc=1.0, lost_lithium_inventory=lost, sei_enabled=False))
        charge = 0.0
        while cell.step(60.0, 0.25, T_25C).voltage > 2.5:
            charge += 0.25 * 60.0 / 3600.0
        delivered.append(charge)
    assert delivered[1] / delivered[0] == pytest.approx(0.8, abs=0.01)


def test_kalman_filter_reaches_the_analytic_steady_state_of_a_random_walk():
    """x' = x + w (q), y = x + v (r): the prior variance settles where
    P = (q + sqrt(q^2 + 4 q r)) / 2 (scalar Riccati equation)."""
    q, r = 0.01, 0.25
    kf = KalmanFilter(np.array([0.0]), np.array([[4.0]]))
    h, f = np.array([1.0]), np.array([[1.0]])
    rng = np.random.default_rng(0)
    for _ in range(200):
        kf.update(rng.normal(), h, r, "y")
        kf.predict(kf.x.copy(), f, np.array([[q]]))
    assert kf.P[0, 0] == pytest.approx((q + math.sqrt(q * q + 4.0 * q * r)) / 2.0, rel=1e-9)


def test_an_outlier_is_skipped_and_counted_and_a_broken_covariance_repaired():
    kf = KalmanFilter(np.array([1.0, 2.0]), np.diag([0.01, 0.04]))
    assert kf.update(5.0, np.array([1.0, 0.0]), 1e-4, "y") is False
    assert kf.outliers == 1 and kf.x.tolist() == [1.0, 2.0]
    kf.P = np.array([[1.0, 2.0], [2.0, -1.0]])
    kf.predict(kf.x.copy(), np.eye(2), np.zeros((2, 2)))
    assert kf.repairs == 1 and kf.positive_definite() and np.all(np.isfinite(kf.P))
    kf.P[0, 1] = math.nan
    kf.predict(kf.x.copy(), np.eye(2), np.zeros((2, 2)))
    assert kf.repairs == 2 and kf.positive_definite()
    assert any("repaired" in event for event in kf.take_events())


def test_nees_of_honest_gaussian_errors_lies_in_its_95_interval_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    a, b, rho = 0.01, 0.5, 0.6
    cov = [[a * a, rho * a * b], [rho * a * b, b * b]]
    errors = rng.multivariate_normal([0.0, 0.0], cov, size=40000)
    n = len(errors)
    fraction = metrics.nees_within_95(errors[:, 0], np.full(n, a), errors[:, 1], np.full(n, b), np.full(n, rho))
    assert fraction == pytest.approx(0.95, abs=0.005)
    assert metrics.nees_within_95(errors[:, 0], np.full(n, a / 3), errors[:, 1], np.full(n, b / 3),
                                  np.full(n, rho)) < 0.5


def test_coulomb_counting_integrates_a_constant_current_exactly():
    time = np.arange(0.0, 3601.0, 10.0)
    soc = coulomb_counting(time, np.full(time.size, 5.0), 0.9, 5.0)
    assert soc[-1] == pytest.approx(0.9 - 1.0, abs=1e-12)
    assert metrics.convergence_index(np.array([0.5, 0.03, 0.01, 0.0])) == 2
    assert metrics.convergence_index(np.array([0.0, 0.5])) is None


def test_sensors_are_seeded_noisy_offset_drifting_quantized_and_held():
    spec = {"current": ChannelSpec(noise=0.05, offset=0.01, offset_time=100.0),
            "voltage": ChannelSpec(noise=0.0, quantization=0.001, drift_rate=1e-4),
            "surface_temperature": ChannelSpec(noise=0.1, sample_period=10.0)}
    true = {"current": 2.0, "voltage": 3.7004, "surface_temperature": 300.0}

    def record(seed, steps=3000):
        sensors, rows = Sensors(spec, seed), []
        for _ in range(steps):
            rows.append(sensors.measure(true))
            sensors.advance(1.0)
        return np.array(rows)

    a, b, c = record(7), record(7), record(8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.std(a[:100, 0]) == pytest.approx(0.05, rel=0.2)
    assert np.mean(a[:100, 0]) == pytest.approx(2.0, abs=0.02)
    assert np.mean(a[100:, 0]) - 2.0 == pytest.approx(0.01, abs=0.004)  # offset from t = 100 s
    assert a[0, 1] == pytest.approx(3.700) and a[2000, 1] == pytest.approx(3.900, abs=1e-9)  # 0.2 V drift, 1 mV steps
    assert np.all(a[1:10, 2] == a[0, 2]) and a[10, 2] != a[9, 2]  # held between 10 s samples
    assert np.std(a[::10, 2]) == pytest.approx(0.1, rel=0.15)


def _run_twin(seconds, fade=0.1, growth=0.3, error=0.2):
    """An aged plant on the cycler, sensors, the twin and its frozen twin."""
    lost = lost_lithium_for_fade(BatteryParameters(), fade)
    plant = SPMeBattery(BatteryParameters(initial_soc=0.9, lost_lithium_inventory=lost, resistance_growth=growth))
    thermal, cycler = CellThermal(ThermalParameters(), T_25C), Cycler()
    sensors = Sensors({"current": ChannelSpec(noise=0.05, offset=0.01), "voltage": ChannelSpec(noise=0.005),
                       "surface_temperature": ChannelSpec(noise=0.1)}, seed=0)
    twins = [StateEstimator(EstimatorSettings(initial_soc=0.9 - error)),
             StateEstimator(EstimatorSettings(initial_soc=0.9 - error, estimate_parameters=False))]
    current, voltage, rows = 0.0, plant.outputs.voltage, []
    for _ in range(seconds):
        readings = sensors.measure({"current": current, "voltage": voltage,
                                    "surface_temperature": thermal.surface_temperature})
        for estimator in twins:
            estimator.step(1.0, *readings, T_25C)
        current = cycler.step(1.0, voltage)
        out = plant.step(1.0, current, thermal.core_temperature)
        thermal.step(1.0, out.heat_generation, T_25C)
        sensors.advance(1.0)
        voltage = out.voltage
        rows.append((out.soc, thermal.core_temperature, *(e.estimate() for e in twins)))
    return rows, cell_capacity(BatteryParameters(lost_lithium_inventory=lost))


def test_twin_finds_soc_and_core_temperature_of_an_aged_cell_from_a_wrong_belief():
    """A 20 % wrong SOC belief, 10 % capacity fade, 30 % resistance growth, noisy
    sensors with a current offset: after the first drive's first half hour the
    twin's SOC is within 1.5 %, its core temperature within 0.3 K, never NaN;
    the frozen twin, blind to the capacity, stays further off."""
    rows, _ = _run_twin(2700)
    late = rows[1800:]
    soc_error = np.array([r[2].soc - r[0] for r in late])
    frozen_error = np.array([r[3].soc - r[0] for r in late])
    core_error = np.array([r[2].core_temperature - r[1] for r in rows])
    assert np.max(np.abs(soc_error)) < 0.015
    assert np.sqrt(np.mean(core_error**2)) < 0.3
    assert np.sqrt(np.mean(frozen_error**2)) > 2.0 * np.sqrt(np.mean(soc_error**2))
    assert all(np.all(np.isfinite(r[2])) for r in rows)


def _shallow_day(step=5.0):
    """A fleet vehicle-day of one fresh cell at 5 s steps: an HWFET drive from
    SOC 0.9 that draws 0.6 A.h, a rest, a 0.8 A CC-CV charge to full, a rest;
    the true current, voltage and surface temperature."""
    from btwin.models.cycler import CyclerParameters
    plant = SPMeBattery(BatteryParameters(initial_soc=0.9))
    thermal = CellThermal(ThermalParameters(), T_25C)
    cycler = Cycler(CyclerParameters(drive_cycle="hwfet", vehicle="bolt_ev", vehicle_parallel=40,
                                     discharge_capacity=0.6, charge_current=0.8, rest_time=300.0, max_drives=1))
    current, voltage, rows = 0.0, plant.outputs.voltage, []
    for _ in range(int(7200 / step)):
        rows.append((current, voltage, thermal.surface_temperature))
        current = cycler.step(step, voltage)
        out = plant.step(step, current, thermal.core_temperature)
        thermal.step(step, out.heat_generation, T_25C)
        voltage = out.voltage
    return np.array(rows)


@pytest.fixture(scope="module")
def shallow_day():
    return _shallow_day()


def _estimate_after(day, settings, seed, step=5.0):
    """The twin's estimate after the day, read through seeded BMS noise (50 mA,
    5 mV; seed None: no noise)."""
    noise = np.zeros(day.shape) if seed is None else np.random.default_rng(seed).standard_normal(day.shape)
    twin = StateEstimator(settings)
    for current, voltage, surface in day + noise * np.array([0.05, 0.005, 0.0]):
        twin.step(step, current, voltage, surface, T_25C)
    return twin.estimate()


_START = dict(initial_soc=0.9, initial_soc_std=0.01, initial_capacity_std=0.09, initial_resistance_factor_std=0.03)


def test_voltage_noise_does_not_pull_the_capacity_of_a_twin_on_shallow_days(shallow_day):
    """The twin starts from the truth (SOC 0.9 +- 1 %, the fresh cell's capacity
    +- 0.09 A.h); without noise its capacity moves 0.007 A.h in the day, so
    more is pull, not information. Linearised at the estimate, white 5 mV
    voltage noise pulls it down by 0.06 A.h (the EKF bias of the estimator's
    docstring, the fleet's drift of 1.5 %/day); linearised at the fleet's
    reference SOC (600 s) the mean over six noise seeds moves less than
    0.02 A.h (0.008 measured), under a quarter of the stated std."""
    truth = TwinModel().nominal_capacity
    pull = {tau: np.mean([_estimate_after(shallow_day, EstimatorSettings(**_START, linearisation_time=tau), seed)
                          .capacity for seed in range(6)]) - truth for tau in (0.0, 600.0)}
    assert abs(pull[600.0]) < 0.02
    assert pull[0.0] < -0.04  # the bias this guards against, seen by the same test


def test_current_noise_does_not_pull_the_resistance_factor_down(shallow_day):
    """Regressing the voltage on a current read with 50 mA noise pulls the
    resistance factor toward zero (errors in variables); over six noise seeds
    it ends 0.022 below the noise-free replay's. Compensated
    (``compensate_current_noise``), the mean lands within 0.01 of it (0.003
    measured), against a stated std of 0.019."""
    settings = {flag: EstimatorSettings(**_START, linearisation_time=600.0, compensate_current_noise=flag)
                for flag in (False, True)}
    clean = _estimate_after(shallow_day, settings[False], None).resistance_factor  # no noise, none to compensate
    mean = {flag: np.mean([_estimate_after(shallow_day, settings[flag], seed).resistance_factor
                           for seed in range(6)]) for flag in (False, True)}
    assert abs(mean[True] - clean) < 0.01
    assert mean[False] < clean - 0.015
