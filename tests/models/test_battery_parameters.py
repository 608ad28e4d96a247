"""Parameter validation, microstructure rules and the SOC window."""
import math

import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery, stoichiometry_window


@pytest.mark.parametrize("name, value", [
    ("negative_electrode_porosity", 0.0),
    ("separator_porosity", 1.0),
    ("positive_electrode_porosity", 1.2),
    ("negative_particle_radius", -5e-6),
    ("positive_electrode_thickness", 0.0),
    ("negative_electrode_tortuosity", 0.5),
    ("initial_soc", 1.5),
    ("n_parallel", 0),
    ("negative_particle_diffusivity", math.nan),
])
def test_non_physical_parameter_is_named(name, value):
    with pytest.raises(ValueError, match=name):
        BatteryParameters(**{name: value})


def test_porosity_and_active_material_cannot_exceed_the_volume():
    with pytest.raises(ValueError, match="negative_electrode_porosity"):
        BatteryParameters(negative_electrode_porosity=0.3, negative_active_material_fraction=0.75)


def test_transport_efficiency_is_bruggeman_unless_a_tortuosity_is_given():
    p = BatteryParameters(separator_porosity=0.4, separator_bruggeman=1.5)
    assert p.transport_efficiency("separator") == pytest.approx(0.4**1.5, rel=1e-15)
    p = BatteryParameters(separator_porosity=0.4, separator_tortuosity=2.5)
    assert p.transport_efficiency("separator") == pytest.approx(0.4 / 2.5, rel=1e-15)


def test_specific_surface_area_is_three_eps_over_radius():
    p = BatteryParameters(positive_active_material_fraction=0.6, positive_particle_radius=4e-6,
                          positive_electrode_porosity=0.3)
    assert p.specific_surface_area("positive") == pytest.approx(3 * 0.6 / 4e-6, rel=1e-15)


def test_higher_tortuosity_lowers_the_voltage_under_load():
    loaded = []
    for tortuosity in (None, 3.0):
        cell = SPMeBattery(BatteryParameters(positive_electrode_tortuosity=tortuosity))
        for _ in range(60):
            out = cell.step(10.0, 5.0, 298.15)
        loaded.append(out.voltage)
    assert loaded[1] < loaded[0] - 0.005


def test_soc_window_equals_pybamm_electrode_soh():
    pybamm = pytest.importorskip("pybamm")
    x_0, x_100, y_100, y_0 = pybamm.lithium_ion.get_min_max_stoichiometries(
        pybamm.ParameterValues("Chen2020"))
    window = stoichiometry_window(BatteryParameters())
    for ours, theirs in zip((window.x_0, window.x_100, window.y_0, window.y_100),
                            (x_0, x_100, y_0, y_100)):
        assert ours == pytest.approx(float(theirs), abs=1e-9)


@pytest.mark.parametrize("soc, ocv", [(1.0, 4.2), (0.0, 2.5)])
def test_initial_soc_ends_are_the_voltage_limits(soc, ocv):
    out = SPMeBattery(BatteryParameters(initial_soc=soc)).outputs
    assert out.ocv == pytest.approx(ocv, abs=1e-9)
    assert out.soc == pytest.approx(soc, abs=1e-12)
