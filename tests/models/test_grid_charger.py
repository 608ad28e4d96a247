"""Charger: CC, CV and termination on a battery stand-in (OCV + R) against the
closed-form CC-CV solution, stability of the CV loop at macro steps of
0.1-10 s, efficiency curve, set-point handling and bad input."""
import dataclasses
import math

import numpy as np
import pytest

from btwin.models.grid.charger import ChargePhase, Charger, ChargerParameters

CAPACITY_AS = 150.0 * 3600.0  # 96s30p LG M50 stand-in, 150 Ah
OCV_LOW, OCV_SLOPE = 96 * 3.4, 96 * 0.8  # linear OCV(soc) = 326.4 V + 76.8 V * soc


class OcvR:
    """Battery stand-in: linear OCV, series resistance, optional RC polarisation."""

    def __init__(self, soc, r_ohm, r1_ohm=0.0, tau_s=1.0):
        self.soc, self.r, self.r1, self.tau, self.u1 = soc, r_ohm, r1_ohm, tau_s, 0.0

    @property
    def ocv(self):
        return OCV_LOW + OCV_SLOPE * self.soc

    def voltage(self, current_a):
        return self.ocv - self.r * current_a - self.u1

    def step(self, dt_s, current_a):  # current > 0 discharges; exact for constant current
        self.soc -= current_a * dt_s / CAPACITY_AS
        decay = math.exp(-dt_s / self.tau)
        self.u1 = self.u1 * decay + self.r1 * current_a * (1.0 - decay)
        return self.voltage(current_a)


def charge(params, battery, dt_s, t_end_s=6 * 3600.0):
    """Explicit co-simulation: the charger sees the voltage of the previous step."""
    charger = Charger(params)
    voltage, log = battery.voltage(0.0), []
    for k in range(int(t_end_s / dt_s)):
        out = charger.step(dt_s, voltage)
        log.append((k * dt_s, voltage, out.battery_current_a, out.phase, out.grid_power_w))
        voltage = battery.step(dt_s, out.battery_current_a)
        if out.phase == ChargePhase.DONE:
            break
    t, v, i, phase, grid = (np.array(column) for column in zip(*log))
    return t, v, i, phase, grid


# No power limit in the way, so that CC is a pure current limit.
CCCV = ChargerParameters(max_power_w=60e3)
R_PACK = 0.08


def closed_form(params, soc0, r_ohm):
    """CC until OCV + R I_max = V_cv, then I(t) = I_0 exp(-(t - t_cv) / tau),
    tau = R Q / (dOCV/dsoc), until I = I_term. A pack that starts above the
    CC-CV corner starts in CV with I_0 = (V_cv - OCV_0) / R."""
    i_max, v_cv = params.max_current_a, params.cv_voltage_v
    soc_cv = (v_cv - r_ohm * i_max - OCV_LOW) / OCV_SLOPE
    t_cv = max((soc_cv - soc0) * CAPACITY_AS / i_max, 0.0)
    i_cv = min(i_max, (v_cv - OCV_LOW - OCV_SLOPE * soc0) / r_ohm)
    tau = r_ohm * CAPACITY_AS / OCV_SLOPE
    t_done = t_cv + tau * math.log(i_cv / params.termination_current_a)
    return t_cv, tau, t_done


def test_cc_then_cv_then_termination_follow_the_closed_form():
    t_cv, tau, t_done = closed_form(CCCV, 0.3, R_PACK)
    t, v, i, phase, _ = charge(CCCV, OcvR(0.3, R_PACK), dt_s=1.0)
    cc = phase == ChargePhase.CC
    assert np.all(i[cc] == -CCCV.max_current_a)
    assert t[cc][-1] == pytest.approx(t_cv, abs=2.0)  # CC ends within one step of t_cv
    cv = phase == ChargePhase.CV
    expected = -CCCV.max_current_a * np.exp(-(t[cv] - t_cv) / tau)
    np.testing.assert_allclose(i[cv], expected, rtol=0.02, atol=0.01 * CCCV.max_current_a)
    assert phase[-1] == ChargePhase.DONE and t[-1] == pytest.approx(t_done, rel=0.005)
    assert list(dict.fromkeys(phase.tolist())) == [ChargePhase.CC, ChargePhase.CV,
                                                   ChargePhase.DONE]


@pytest.mark.parametrize("dt_s", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("r_ratio", [0.4, 0.7, 1.0])
def test_cv_loop_tapers_without_ringing_when_the_pack_resistance_is_below_the_design_value(
        dt_s, r_ratio):
    r_pack = r_ratio * CCCV.cv_loop_resistance_ohm
    _, _, t_done = closed_form(CCCV, 0.8, r_pack)
    t, v, i, phase, _ = charge(CCCV, OcvR(0.8, r_pack), dt_s, t_end_s=1.5 * t_done)
    assert phase[-1] == ChargePhase.DONE
    # the explicit coupling lets the pack drift above V_cv within a step; 0.25 % at 10 s
    assert v.max() < CCCV.cv_voltage_v * (1.0 + 2.5e-4 * max(dt_s, 1.0))
    # from rest the integrator ramps up (soft start), then tapers: one peak, no ringing
    cv = -i[phase == ChargePhase.CV]
    assert np.all(np.diff(cv[np.argmax(cv):]) <= 1e-9)
    assert t[-1] == pytest.approx(t_done, rel=0.02, abs=2 * dt_s)


@pytest.mark.parametrize("dt_s", [0.1, 1.0, 10.0])
def test_cv_loop_settles_when_the_pack_resistance_exceeds_the_design_value(dt_s):
    """Between R_loop and 2 R_loop the loop overshoots at first, then converges."""
    r_pack = 1.6 * CCCV.cv_loop_resistance_ohm
    _, _, t_done = closed_form(CCCV, 0.3, r_pack)
    t, v, i, phase, _ = charge(CCCV, OcvR(0.3, r_pack), dt_s)
    assert phase[-1] == ChargePhase.DONE
    assert t[-1] == pytest.approx(t_done, rel=0.02, abs=2 * dt_s)
    settled = v[phase == ChargePhase.CV][int(120 / dt_s):]
    assert np.all(np.abs(settled / CCCV.cv_voltage_v - 1.0) < 2.5e-4 * max(dt_s, 1.0))


def test_cv_loop_lags_but_stays_stable_when_the_pack_resistance_is_far_below():
    """R_loop ten times the pack's: no ringing, CV ends early by the integral lag."""
    r_pack = 0.1 * CCCV.cv_loop_resistance_ohm
    _, _, t_done = closed_form(CCCV, 0.5, r_pack)
    t, v, i, phase, _ = charge(CCCV, OcvR(0.5, r_pack), 10.0)
    assert phase[-1] == ChargePhase.DONE and np.all(np.diff(-i[phase == ChargePhase.CV]) <= 1e-9)
    assert v.max() < CCCV.cv_voltage_v * 1.004 and t[-1] == pytest.approx(t_done, rel=0.05)


@pytest.mark.parametrize("dt_s", [0.1, 10.0])
def test_cv_loop_is_stable_with_polarisation(dt_s):
    battery = OcvR(0.85, r_ohm=0.03, r1_ohm=0.06, tau_s=30.0)
    t, v, i, phase, _ = charge(CCCV, battery, dt_s)
    assert phase[-1] == ChargePhase.DONE
    assert v.max() < CCCV.cv_voltage_v * (1.0 + 2.5e-4 * max(dt_s, 1.0))
    late = -i[phase == ChargePhase.CV][int(60 / dt_s):]
    assert np.all(np.diff(late) <= 1e-6 * CCCV.max_current_a)


def test_cv_loop_misbehaves_beyond_its_stability_bound():
    """The documented bound is real: above 2 R_loop the first CV correction
    overshoots so far that the current collapses and the charge stops early."""
    r_pack = 2.5 * CCCV.cv_loop_resistance_ohm
    _, _, t_done = closed_form(CCCV, 0.9, r_pack)
    t, v, i, phase, _ = charge(CCCV, OcvR(0.9, r_pack), 1.0)
    assert v.max() > CCCV.cv_voltage_v * 1.01 and t[-1] < 0.5 * t_done


def test_grid_power_is_battery_power_over_the_efficiency_curve():
    """PVWatts curve (Dobos 2014): eta(zeta) = eta_nom / 0.9637 (-0.0162 zeta
    - 0.0059 / zeta + 0.9858), zeta = P_grid / (P_rated / eta_nom)."""
    params = ChargerParameters()
    for voltage in (200.0, 300.0, 390.0):
        for setpoint in (-5.0, -30.0, -80.0, -125.0):
            out = Charger(params).step(1.0, voltage, setpoint)
            battery_power = -out.battery_current_a * voltage
            assert out.battery_power_w == pytest.approx(battery_power, rel=1e-12)
            zeta = out.grid_power_w / (params.max_power_w / params.nominal_efficiency)
            eta = params.nominal_efficiency / 0.9637 * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)
            assert out.grid_power_w == pytest.approx(battery_power / eta, rel=1e-9)
            assert out.efficiency == pytest.approx(eta, rel=1e-9)
    rated = Charger(dataclasses.replace(params, cv_voltage_v=480.0)).step(1.0, 420.0)
    assert rated.battery_power_w == pytest.approx(params.max_power_w)
    assert rated.efficiency == pytest.approx(params.nominal_efficiency, rel=1e-9)


def test_power_limit_caps_the_current_at_high_voltage():
    params = ChargerParameters(cv_voltage_v=480.0)  # 125 A x 450 V > 50 kW
    out = Charger(params).step(1.0, 450.0)
    assert out.phase == ChargePhase.CC
    assert out.battery_current_a == pytest.approx(-params.max_power_w / 450.0, rel=1e-12)


def test_setpoint_within_limits_is_honoured():
    charger = Charger()
    for setpoint in (-10.0, -60.0, -120.0, 0.0):
        out = charger.step(1.0, 350.0, setpoint)
        assert out.battery_current_a == setpoint and not out.setpoint_clipped
        assert out.message == ""


@pytest.mark.parametrize("setpoint, voltage, expected, reason", [
    (-300.0, 350.0, -125.0, "current limit"),
    (-140.0, 450.0, -50e3 / 450.0, "power limit"),
    (20.0, 350.0, 0.0, "unidirectional"),
])
def test_setpoint_outside_limits_is_clipped_and_reported(setpoint, voltage, expected, reason):
    params = ChargerParameters(cv_voltage_v=480.0)
    out = Charger(params).step(1.0, voltage, setpoint)
    assert out.battery_current_a == pytest.approx(expected, rel=1e-12)
    assert out.setpoint_clipped and reason in out.message and f"{setpoint:.6g} A" in out.message


def test_setpoint_above_what_cv_allows_is_reported():
    battery = OcvR(0.95, R_PACK)  # 3.8 V below V_cv: the soft start asks for ~19 A
    charger = Charger(CCCV)
    out = charger.step(1.0, battery.voltage(0.0), -100.0)
    assert out.phase == ChargePhase.CV and out.setpoint_clipped and "CV" in out.message
    assert -out.battery_current_a < 100.0


def test_voltage_outside_the_output_range_idles():
    out = Charger().step(1.0, 100.0)
    assert out.phase == ChargePhase.IDLE and out.battery_current_a == 0.0
    assert out.grid_power_w == 0.0 and "output range" in out.message


def test_done_stays_done_and_draws_nothing():
    _, _, _, phase, grid = charge(CCCV, OcvR(0.97, R_PACK), dt_s=10.0)
    assert phase[-1] == ChargePhase.DONE and grid[-1] == 0.0


@pytest.mark.parametrize("args, word", [
    ((1.0, math.nan), "battery_voltage_v"), ((1.0, -5.0), "battery_voltage_v"),
    ((1.0, 350.0, math.inf), "current_setpoint_a"), ((0.0, 350.0), "dt_s"),
    ((1.0, "high"), "battery_voltage_v"),
])
def test_bad_input_raises_value_error(args, word):
    with pytest.raises(ValueError, match=word):
        Charger().step(*args)


@pytest.mark.parametrize("change, word", [
    ({"max_current_a": -1.0}, "max_current_a"), ({"nominal_efficiency": 1.2}, "nominal_efficiency"),
    ({"cv_voltage_v": 600.0}, "cv_voltage_v"), ({"termination_current_a": 200.0}, "termination"),
    ({"cv_loop_resistance_ohm": math.nan}, "cv_loop_resistance_ohm"),
])
def test_bad_parameters_raise_value_error(change, word):
    with pytest.raises(ValueError, match=word):
        dataclasses.replace(ChargerParameters(), **change)


def test_state_round_trip_reproduces_the_continuation():
    battery = OcvR(0.95, R_PACK)
    charger = Charger(CCCV)
    voltage = battery.voltage(0.0)
    for _ in range(30):
        voltage = battery.step(1.0, charger.step(1.0, voltage).battery_current_a)
    saved, soc = charger.get_state(), battery.soc
    first = [charger.step(1.0, voltage - k).battery_current_a for k in range(5)]
    charger.set_state(saved)
    assert [charger.step(1.0, voltage - k).battery_current_a for k in range(5)] == first
    assert saved["phase"] == float(ChargePhase.CV) and soc > 0.95
