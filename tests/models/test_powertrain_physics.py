"""Powertrain physics against closed forms: cruise road load, coast-down, energy bookkeeping, limits."""
import dataclasses
import math

import pytest

from btwin.models.powertrain import Powertrain, bolt_ev, compact_ev, parse_cycle_csv
from btwin.models.powertrain.vehicle import MPH


def constant_cycle(speed, duration=60.0):
    return parse_cycle_csv(f"0,{speed}\n{duration},{speed}\n", "constant", "test")


def run(model, dt, voltage=350.0, until=None):
    until = model.cycle.duration if until is None else until
    outputs = []
    while model.time < until - 1e-9:
        outputs.append(model.step(min(dt, until - model.time), voltage))
    return outputs


def step_sizes(outputs):
    times = [0.0] + [o.time for o in outputs]
    return [b - a for a, b in zip(times, times[1:])]


@pytest.mark.parametrize("preset", [compact_ev, bolt_ev])
@pytest.mark.parametrize("speed", [5.0, 25.0, 36.0])
def test_cruise_power_is_the_closed_form_road_load(preset, speed):
    p = preset()
    out = Powertrain(p, constant_cycle(speed)).step(1.0, 350.0)
    road_load = p.mass_kg * p.gravity_m_s2 * p.rolling_resistance_coefficient * speed \
        + 0.5 * p.air_density_kg_m3 * p.drag_coefficient * p.frontal_area_m2 * speed**3
    assert out.traction_power == pytest.approx(road_load, rel=1e-12)
    shaft = road_load / (p.final_drive_efficiency * p.wheel_efficiency)
    fraction = shaft / p.motor_max_power_w
    eta = _interp(fraction, p.efficiency_power_fractions, p.motor_efficiency)
    assert out.electrical_power == pytest.approx(shaft / eta + p.aux_power_w, rel=1e-12)
    assert out.battery_current == pytest.approx(out.electrical_power / 350.0, rel=1e-12)
    assert out.trace_miss == 0.0


def test_grade_adds_the_weight_component():
    p = dataclasses.replace(compact_ev(), road_grade=0.05)
    out = Powertrain(p, constant_cycle(20.0)).step(1.0, 350.0)
    angle = math.atan(0.05)
    weight = p.mass_kg * p.gravity_m_s2
    expected = weight * (p.rolling_resistance_coefficient * math.cos(angle) + math.sin(angle)) * 20.0 \
        + 0.5 * p.air_density_kg_m3 * p.drag_coefficient * p.frontal_area_m2 * 20.0**3
    assert out.traction_power == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dt", [0.05, 0.5])
def test_coast_down_matches_the_analytic_solution(dt):
    """No power for the motor: m_eq dv/dt = -F0 - k v^2, solved in closed form."""
    p = dataclasses.replace(bolt_ev(), battery_max_discharge_power_w=bolt_ev().aux_power_w)
    v0 = 30.0
    model = Powertrain(p, constant_cycle(v0, duration=120.0))
    f0 = p.mass_kg * p.gravity_m_s2 * p.rolling_resistance_coefficient
    k = 0.5 * p.air_density_kg_m3 * p.drag_coefficient * p.frontal_area_m2
    m_eq = p.mass_kg + p.rotating_inertia_kg_m2 / p.wheel_radius_m**2
    theta0 = math.atan(v0 * math.sqrt(k / f0))
    for out in run(model, dt, until=120.0):
        theta = theta0 - out.time * math.sqrt(f0 * k) / m_eq
        speed = math.sqrt(f0 / k) * math.tan(theta)
        distance = m_eq / k * math.log(math.cos(theta) / math.cos(theta0))
        assert out.vehicle_speed == pytest.approx(speed, rel=1e-4)
        assert out.distance == pytest.approx(distance, rel=1e-4)
        assert out.motor_power == 0.0
        assert out.trace_miss == pytest.approx(v0 - out.vehicle_speed, abs=1e-12)
    assert model.vehicle_speed < 0.6 * v0  # it did coast a long way


@pytest.mark.parametrize("preset", [compact_ev, bolt_ev])
def test_energy_bookkeeping_closes(preset):
    model = Powertrain(preset(), "wltc_class3b")
    voltage = 360.0
    outputs = run(model, 0.7, voltage)
    battery = sum(o.battery_current * voltage * dt for o, dt in zip(outputs, step_sizes(outputs)))
    e = model.get_state()
    assert battery == pytest.approx(e["energy_battery"], rel=1e-9)
    books = e["energy_traction"] + e["energy_losses"] + e["energy_aux"] - e["energy_regen"]
    assert battery == pytest.approx(books, rel=1e-3)
    # wheels: traction in, regen and friction brakes out, the rest is the road load
    braking = e["energy_regen"] + e["energy_friction_brake"]
    assert e["energy_wheel"] == pytest.approx(e["energy_traction"] - braking, rel=1e-9)
    assert e["energy_aux"] == pytest.approx(preset().aux_power_w * model.cycle.duration, rel=1e-12)


def test_step_size_does_not_change_the_energy():
    energies = []
    for dt in (0.01, 1.0, 10.0):
        model = Powertrain(bolt_ev(), "hwfet")
        run(model, dt)
        energies.append(model.get_state()["energy_battery"])
        assert model.distance == pytest.approx(model.cycle.distance, rel=1e-12)
    assert max(energies) == pytest.approx(min(energies), rel=1e-3)


def test_battery_current_limit_makes_the_vehicle_fall_behind():
    limit_a = 60.0
    p = dataclasses.replace(bolt_ev(), battery_max_discharge_current_a=limit_a)
    misses = {}
    for voltage in (300.0, 400.0):
        model = Powertrain(p, "wltc_class3b")
        outputs = run(model, 1.0, voltage)
        assert max(o.battery_current for o in outputs) <= limit_a * (1 + 1e-9)
        misses[voltage] = max(o.trace_miss for o in outputs)
        assert min(o.trace_miss for o in outputs) >= -1e-9  # never ahead of the trace
        assert outputs[-1].distance_miss > 0.0
    assert misses[300.0] > misses[400.0] > 1.0  # lower voltage, less power, further behind


def test_motor_torque_limit_caps_the_tractive_force():
    p = dataclasses.replace(compact_ev(), motor_max_torque_nm=50.0)
    model = Powertrain(p, parse_cycle_csv("0,0\n10,20\n", "ramp", "test"))
    out = model.step(1.0, 350.0)
    force_cap = 50.0 * p.final_drive_ratio / p.wheel_radius_m * p.final_drive_efficiency
    v_bar = 0.5 * out.vehicle_speed
    assert out.traction_power == pytest.approx(force_cap * v_bar, rel=1e-6)
    assert out.trace_miss > 0.0


def test_regen_share_follows_the_speed_blend():
    p = compact_ev()
    model = Powertrain(p, parse_cycle_csv("0,20\n20,0\n", "stop", "test"))
    for out in run(model, 1.0):
        braking = out.regen_power + out.friction_brake_power
        assert braking == pytest.approx(-out.traction_power, rel=1e-9)
        v_bar = out.vehicle_speed + 0.5  # mean speed over the 1 s step at -1 m/s2
        share = p.regen_max_fraction / (1 + p.regen_blend_a * math.exp(-p.regen_blend_b_s_per_m * (v_bar + MPH)))
        assert out.regen_power == pytest.approx(share * braking, rel=1e-9)


def test_regen_power_limit_sends_the_rest_to_the_friction_brakes():
    p = dataclasses.replace(bolt_ev(), regen_max_power_w=5e3)
    model = Powertrain(p, parse_cycle_csv("0,30\n10,0\n", "hard stop", "test"))
    for out in run(model, 1.0):
        assert out.regen_power <= 5e3 / p.final_drive_efficiency * (1 + 1e-12)
    assert model.get_state()["energy_friction_brake"] > 0.0


def _interp(x, xs, ys):
    for k in range(len(xs) - 1):
        if xs[k] <= x <= xs[k + 1]:
            return ys[k] + (ys[k + 1] - ys[k]) * (x - xs[k]) / (xs[k + 1] - xs[k])
    raise AssertionError(x)


def test_coarse_user_cycle_is_integrated_on_a_one_second_grid():
    """A trace given every 10 s drives exactly as the same trace sampled every second."""
    corners = [(0, 0.0), (10, 20.0), (30, 20.0), (40, 0.0)]
    fine = [(t, _interp(t, [c[0] for c in corners], [c[1] for c in corners])) for t in range(41)]
    energies = []
    for points in (corners, fine):
        text = "".join(f"{t},{v}\n" for t, v in points)
        model = Powertrain(bolt_ev(), parse_cycle_csv(text, "trace", "test"))
        run(model, 7.0)
        energies.append(model.get_state()["energy_battery"])
    assert energies[0] == pytest.approx(energies[1], rel=1e-12)
