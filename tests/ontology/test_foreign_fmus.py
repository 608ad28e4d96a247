"""FMUs that are not ours in ``btwin wire``: a unit only a sidecar gives
reaches the SSP and the energy ledger; an FMU without semantics is named
with what to do; a system with nothing wired is not written."""
from __future__ import annotations

import pytest
from lxml import etree

from btwin.master import Master, System, read_ssp
from btwin.master.ssp import NS
from btwin.ontology import WiringError, wire, wire_to_ssp
from btwin.scenarios.cli import main
from btwin.scenarios.common import fmu_path

from ..master.cfmu import CModel, build_fmu
from .test_wiring import PREFIXES

# A press line that draws a constant 50 kW; its modelDescription.xml declares no unit (FMI does not require one).
PRESS = CModel("Press", outputs={"p_el": ("50.0", None)})
PRESS_SIDECAR = PREFIXES + """
<> a btwin:FMU ; btwin:represents <#line> .
<#line> a btwin:Machine ; btwin:consumesPower <#p_el> .
<#p_el> btwin:variableName "p_el" ; qudt:hasUnit unit:KiloW .
"""


@pytest.fixture
def press(tmp_path):
    fmu = build_fmu(PRESS, tmp_path)
    (tmp_path / "Press.ttl").write_text(PRESS_SIDECAR)
    return fmu


def test_a_sidecar_unit_reaches_the_ssp_and_the_ledger(press, tmp_path):
    ssp = tmp_path / "plant.ssp"
    wiring = wire_to_ssp([press, fmu_path("GridFeeder")], ssp)
    assert [(str(c.start), str(c.end), c.factor) for c in wiring.structure.connections] == \
        [("Press.p_el", "GridFeeder.load_power_factory", 1000.0)]
    with System.from_ssp(ssp) as system:
        ssd = etree.parse(str(system.structure.unpacked_to / "SystemStructure.ssd"))
        connector = ssd.find(".//ssd:Component[@name='Press']/ssd:Connectors/ssd:Connector[@name='p_el']/ssc:Real", NS)
        assert connector.get("unit") == "kW"
        base = ssd.find(".//ssd:Units/ssc:Unit[@name='kW']/ssc:BaseUnit", NS)
        assert (base.get("kg"), base.get("m"), base.get("s"), float(base.get("factor"))) == ("1", "2", "-3", 1000.0)
        result = Master(system, correction="nepce").run(stop_time=60.0, step=1.0)
    signal = {b["name"]: b for b in result.bonds}["Press.p_el"]
    # 50 kW for 60 s on both sides: no residual, nothing for NEPCE to "repay"
    assert signal["energy_source_J"] == pytest.approx(50e3 * 60.0, rel=1e-12)
    assert signal["energy_sink_J"] == pytest.approx(50e3 * 60.0, rel=1e-12)
    assert abs(signal["residual_J"]) < 1e-6
    assert result.column("GridFeeder.load_power_factory")[1:] == pytest.approx(50e3, rel=1e-12)


def test_a_connector_unit_survives_reading_the_ssp_back(press, tmp_path):
    ssp = tmp_path / "plant.ssp"
    wire_to_ssp([press, fmu_path("GridFeeder")], ssp)
    back = read_ssp(ssp, extract_to=tmp_path / "x")
    unit = back.connector_units[next(e for e in back.connector_units if e.variable == "p_el")]
    assert (unit.name, unit.factor, unit.exponents[:3]) == ("kW", 1000.0, (1, 2, -3))


def test_an_fmu_without_semantics_is_named_with_how_to_add_them(tmp_path, capsys):
    bare = build_fmu(CModel("Heater", inputs={"u": (0.0, None)}, outputs={"q": ("u", None)}), tmp_path)
    code = main(["wire", str(bare), str(fmu_path("CellThermal")), "--out", str(tmp_path / "x.ssp")])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "x.ssp").exists()
    assert f"Heater ({bare}) has no semantics" in err and f"sidecar {tmp_path / 'Heater.ttl'}" in err
    assert "Heater.u" not in err  # one message for the FMU, not one per variable


def test_nothing_wired_is_an_error_not_an_empty_system(press, tmp_path, capsys):
    """Two sources of power, no input between them: every check passes, yet no system."""
    with pytest.raises(WiringError, match="nothing to wire"):
        wire([press, fmu_path("FactoryLoads")])
    assert main(["wire", str(press), str(fmu_path("FactoryLoads")), "--out", str(tmp_path / "x.ssp")]) == 2
    assert "nothing to wire" in capsys.readouterr().err and not (tmp_path / "x.ssp").exists()
