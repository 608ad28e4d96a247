"""Plant faults through fmpy: the internal short in BatteryCell, the abuse
reactions in CellThermal; both off by default and restored with the FMU state."""
import pytest

from btwin.models.abuse import AbuseReactions
from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import Instance

pytestmark = pytest.mark.integration
HEATER = 12.0  # W into the core, from outside the cell (a nail, a heater, a neighbour)


def thermal(fmu_dir, reactions: bool) -> Instance:
    instance = Instance(fmu_dir / "CellThermal.fmu")
    instance.slave.setBoolean([instance.vr["abuse_reactions"]], [reactions])
    return instance.initialize(heat_generation=HEATER)


def model_after(seconds: int, reactions: bool) -> CellThermal:
    model = CellThermal(ThermalParameters(), 298.15, AbuseReactions() if reactions else None)
    for _ in range(seconds // 10):
        model.step(10.0, HEATER, 298.15)
    return model


def test_cell_thermal_runs_away_under_a_heater_like_the_model_only_when_enabled(fmu_dir):
    cores = {}
    for reactions in (False, True):
        instance = thermal(fmu_dir, reactions)
        instance.step(10.0, 80)  # just past the runaway at ~750 s
        core = instance.get("core_temperature")[0]
        instance.close()
        assert core == pytest.approx(model_after(800, reactions).core_temperature, abs=1e-9)
        cores[reactions] = core
    assert cores[False] < 450.0 < 800.0 < cores[True]  # the reactions' heat runs it away


def test_cell_thermal_state_keeps_the_reactions(fmu_dir):
    instance = thermal(fmu_dir, True)
    instance.step(10.0, 60)  # close to the onset
    saved = instance.slave.serializeFMUstate(instance.slave.getFMUstate())
    instance.step(10.0, 20)
    after = instance.get("core_temperature", "surface_temperature")
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(saved))
    instance.time -= 200.0
    instance.step(10.0, 20)
    assert instance.get("core_temperature", "surface_temperature") == after
    instance.close()


def test_battery_cell_short_appears_at_its_time_and_heats_by_v_squared_over_r(fmu_dir):
    names = ("voltage", "heat_generation", "soc")
    plain = Instance(fmu_dir / "BatteryCell.fmu", "plain").initialize()
    shorted = Instance(fmu_dir / "BatteryCell.fmu", "shorted").initialize(
        internal_short_resistance=4.0, internal_short_time=30.0)
    plain.step(1.0, 30)
    shorted.step(1.0, 30)
    assert shorted.get(*names) == plain.get(*names)
    plain.step(1.0, 600)
    shorted.step(1.0, 600)
    (v0, q0, soc0), (v, q, soc) = plain.get(*names), shorted.get(*names)
    assert q == pytest.approx(q0 + v * v / 4.0, rel=0.03)
    capacity_ah = 5.0  # LG M50 nominal [M50 data sheet]; the SOC drop is V/R over 600 s
    assert soc0 - soc == pytest.approx(v / 4.0 * 600.0 / 3600.0 / capacity_ah, rel=0.1)
    plain.close()
    shorted.close()
