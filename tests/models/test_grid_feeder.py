"""GridFeeder against pandapower 3.5.6 on the same network, power balance,
voltage drop versus the network's impedances, bad input and no-solution loads."""
import dataclasses
import math
import time
import warnings

import numpy as np
import pytest

from btwin.models.errors import StepRejected
from btwin.models.grid import BUSBAR, FeederParameters, GridFeeder, Line, LoadPoint, network

pandapower = pytest.importorskip("pandapower")
from .grid_reference import RURAL, build_pandapower, run_pandapower, street_feeder  # noqa: E402

RTOL_PANDAPOWER = 1e-3  # the acceptance tolerance: 0.1 %

CASES = [
    (FeederParameters(), [150e3, 50e3, 20e3]),
    (FeederParameters(), [0.0, 0.0, 0.0]),
    (FeederParameters(), [320e3, 50e3, 60e3]),  # heavy: undervoltage at the far end
    (FeederParameters(), [-60e3, 50e3, -25e3]),  # export from the factory and the street
    (RURAL, [40e3, 30e3, 25e3, 10e3, 15e3]),
    (RURAL, [90e3, 60e3, 50e3, 20e3, 30e3]),
    (street_feeder(), np.linspace(2e3, 12e3, 20).tolist()),  # 31 buses, 20 load points
]


@pytest.fixture(scope="module")
def references():
    """pandapower's solution of every case (built and run once per module)."""
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandapower's deprecation and numba notices
        nets = {}
        for params, loads in CASES:
            net = nets.setdefault(id(params), build_pandapower(params))
            results.append(run_pandapower(net, params, loads))
    return results


@pytest.mark.parametrize("case", range(len(CASES)))
def test_matches_pandapower(case, references):
    params, loads = CASES[case]
    ours, ref = GridFeeder(params).solve(loads), references[case]
    np.testing.assert_allclose(ours.bus_voltages_v, ref["bus_voltages_v"], rtol=RTOL_PANDAPOWER)
    nominal = params.transformer.vn_lv_v
    # the drops themselves, not only the voltages (those are within 0.1 % almost for free)
    np.testing.assert_allclose(nominal - ours.bus_voltages_v, nominal - ref["bus_voltages_v"],
                               rtol=RTOL_PANDAPOWER, atol=1e-9 * nominal)
    for key in ("feeder_power_w", "losses_w", "transformer_loading"):
        assert getattr(ours, key) == pytest.approx(ref[key], rel=RTOL_PANDAPOWER), key
    np.testing.assert_allclose(ours.line_loadings, ref["line_loadings"], rtol=RTOL_PANDAPOWER)


def test_flags_follow_the_solution():
    heavy = GridFeeder().solve([320e3, 50e3, 60e3])
    assert heavy.undervoltage and heavy.bus_voltage_v < 0.9 * 400.0
    assert heavy.weakest_bus == "residential"
    assert heavy.line_overload == bool(np.max(heavy.line_loadings) > 1.0)
    light = GridFeeder().solve([10e3, 10e3, 5e3])
    assert not light.limit_violated
    overloaded = GridFeeder().solve([500e3, 50e3, 5e3])
    assert overloaded.transformer_overload and overloaded.transformer_loading > 1.0


@pytest.mark.parametrize("loads", [[150e3, 50e3, 20e3], [320e3, 50e3, 60e3], [-60e3, 0.0, 0.0]])
def test_power_balance_is_exact(loads):
    result = GridFeeder().step(10.0, loads)
    assert result.feeder_power_w == sum(loads) + result.losses_w
    # and it is the power that the solved currents carry through the HV terminal
    assert abs(result.balance_residual_w) < 1e-6 * max(abs(result.feeder_power_w), 1e3)
    assert result.losses_w > 0.0


def test_voltage_drop_grows_with_load():
    feeder = GridFeeder()
    base = np.array([150e3, 50e3, 20e3])
    results = [feeder.solve(scale * base) for scale in np.linspace(0.0, 1.6, 9)]
    weakest = [r.bus_voltage_v for r in results]
    losses = [r.losses_w for r in results]
    assert all(np.diff(weakest) < 0.0) and all(np.diff(losses) > 0.0)


def test_small_load_drop_matches_the_path_impedance():
    """dV/dP at a bus equals (R + X tan(phi)) / V^2 along its path from the source:
    source impedance, transformer and the cables, added up by hand here."""
    params = FeederParameters()
    trafo = params.transformer
    v_lv = trafo.vn_lv_v
    z_trafo = trafo.vk_percent / 100 * v_lv ** 2 / trafo.sn_va
    r_trafo = trafo.vkr_percent / 100 * v_lv ** 2 / trafo.sn_va
    z_src = v_lv ** 2 / params.source_short_circuit_power_va
    x_src = z_src / math.sqrt(1 + params.source_r_over_x ** 2)
    r = r_trafo + params.source_r_over_x * x_src
    x = math.sqrt(z_trafo ** 2 - r_trafo ** 2) + x_src
    for name in ("main_cable", "street_cable", "house_cable"):  # the residential street
        line = next(l for l in params.lines if l.name == name)
        r += line.cable.r_ohm_per_km * line.length_km / line.parallel
        x += line.cable.x_ohm_per_km * line.length_km / line.parallel
    tan_phi = math.tan(math.acos(params.loads[2].power_factor))
    feeder, p = GridFeeder(params), 2e3
    v0 = feeder.solve([0.0, 0.0, 0.0]).bus_voltages_v[-1]
    v1 = feeder.solve([0.0, 0.0, p]).bus_voltages_v[-1]
    expected = p * (r + x * tan_phi) / v0  # line-to-line: dV = (R P + X Q) / V
    assert v0 - v1 == pytest.approx(expected, rel=0.02)


def test_load_beyond_capacity_is_rejected_with_bus_and_power():
    feeder = GridFeeder()
    feeder.step(5.0, [100e3, 50e3, 20e3])
    before = feeder.get_state()
    started = time.perf_counter()
    with pytest.raises(StepRejected) as error:
        feeder.step(5.0, [100e3, 50e3, 2e6])
    assert time.perf_counter() - started < 0.5
    message = str(error.value)
    assert "'residential'" in message and "2e+06 W" in message and "t = 5 s" in message
    assert_same_state(feeder.get_state(), before)


def test_export_raises_the_voltage():
    result = GridFeeder().solve([-150e3, 0.0, -30e3])
    assert result.bus_voltages_v.max() > 400.0 and result.feeder_power_w < 0.0


@pytest.mark.parametrize("loads, word", [
    ([math.nan, 0.0, 0.0], "'factory'"), ([0.0, math.inf, 0.0], "'charger'"),
    ([0.0, 0.0], "3 values"), ("abc", "load_power_w"), ([0.0, None, 0.0], "load_power_w"),
])
def test_bad_loads_raise_value_error(loads, word):
    with pytest.raises(ValueError, match=word):
        GridFeeder().step(1.0, loads)


@pytest.mark.parametrize("dt", [0.0, -1.0, math.nan])
def test_bad_step_raises_value_error(dt):
    with pytest.raises(ValueError, match="dt_s"):
        GridFeeder().step(dt, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("change, word", [
    ({"lines": network.DEFAULT_LINES + (Line("loop", "charger", "factory",
                                             network.NAYY_4X50_SE, 0.1),)}, "radial"),
    ({"lines": (Line("island", "x", "y", network.NAYY_4X50_SE, 0.1),)}, "not connected"),
    ({"loads": (LoadPoint("p", "nowhere"),)}, "unknown bus 'nowhere'"),
    ({"source_short_circuit_power_va": -1.0}, "source_short_circuit_power_va"),
    ({"v_min_pu": 1.2}, "v_max_pu"),
    ({"max_iterations": 0}, "max_iterations"),
])
def test_bad_parameters_raise_value_error(change, word):
    with pytest.raises(ValueError, match=word):
        dataclasses.replace(FeederParameters(), **change)


def test_bad_equipment_raises_value_error():
    with pytest.raises(ValueError, match="power_factor"):
        LoadPoint("x", BUSBAR, power_factor=0.0)
    with pytest.raises(ValueError, match="length_km"):
        Line("x", BUSBAR, "y", network.NAYY_4X50_SE, length_km=-1.0)


def test_state_round_trip():
    feeder = GridFeeder()
    feeder.step(60.0, [150e3, 50e3, 20e3])
    saved = feeder.get_state()
    feeder.step(60.0, [10e3, 0.0, 0.0])
    after = feeder.get_state()
    feeder.set_state(saved)
    feeder.step(60.0, [10e3, 0.0, 0.0])
    assert_same_state(feeder.get_state(), after)
    assert saved["energy_feeder_j"] == pytest.approx(
        saved["energy_loads_j"] + saved["energy_losses_j"], rel=1e-12)


def test_warm_start_agrees_with_a_cold_start():
    warm = GridFeeder()
    warm.step(1.0, [320e3, 50e3, 60e3])
    cold = warm.solve([10e3, 40e3, 5e3], warm_start=False)
    again = warm.step(1.0, [10e3, 40e3, 5e3])
    np.testing.assert_allclose(again.bus_voltages_v, cold.bus_voltages_v, rtol=1e-9)
    assert again.losses_w == pytest.approx(cold.losses_w, rel=1e-7)
    assert warm.step(1.0, [10e3, 40e3, 5e3]).iterations < cold.iterations


def assert_same_state(actual, expected):
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(actual[key], value, err_msg=key)


def test_equipment_data_are_pandapower_standard_types():
    net = pandapower.create_empty_network()
    for cable in (network.NAYY_4X150_SE, network.NAYY_4X120_SE, network.NAYY_4X50_SE):
        data = pandapower.load_std_type(net, cable.name, "line")
        assert (cable.r_ohm_per_km, cable.x_ohm_per_km, cable.c_nf_per_km, cable.max_i_ka) == \
            (data["r_ohm_per_km"], data["x_ohm_per_km"], data["c_nf_per_km"], data["max_i_ka"])
    for trafo in (network.TRAFO_400KVA_20_04, network.TRAFO_630KVA_20_04):
        data = pandapower.load_std_type(net, trafo.name, "trafo")
        assert (trafo.sn_va, trafo.vn_hv_v, trafo.vn_lv_v, trafo.vk_percent, trafo.vkr_percent,
                trafo.pfe_w, trafo.i0_percent) == pytest.approx(
            (data["sn_mva"] * 1e6, data["vn_hv_kv"] * 1e3, data["vn_lv_kv"] * 1e3,
             data["vk_percent"], data["vkr_percent"], data["pfe_kw"] * 1e3, data["i0_percent"]))
