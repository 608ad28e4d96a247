"""SSP 1.0 reading and writing."""
from __future__ import annotations

import zipfile

import pytest
from fmpy.ssp.ssd import read_ssd, validate_tree
from lxml import etree

from btwin.master.ssp import PARAMETER_SET, SspError, read_ssp, write_ssp
from btwin.master.structure import Connection, Endpoint, PowerSignal

from .conftest import two_masses


def _with_extras(fmus):
    system = two_masses(fmus)
    system.components[0].parameters.update(m=2.5)
    system.components[1].parameters.update(k=40.0, d=0.0)
    system.power_signals.append(PowerSignal("force_as_power", Endpoint("mass", "F")))
    system.step_mean_outputs.append(Endpoint("spring", "F"))
    system.connections[0] = Connection(Endpoint("mass", "position"), Endpoint("spring", "x1"), 2.0, 0.5)
    return system


def test_ssp_archive_round_trip_is_valid_ssp_1_0(fmus, tmp_path):
    system = _with_extras(fmus)
    path = write_ssp(system, tmp_path / "sys.ssp")
    ssd = read_ssd(str(path), validate=True)  # raises on a schema violation
    assert {c.name for c in ssd.system.elements} == {"mass", "spring"}
    with zipfile.ZipFile(path) as zf:
        assert {"SystemStructure.ssd", "resources/Mass.fmu", "resources/SpringMass.fmu"} <= set(zf.namelist())

    back = read_ssp(path, extract_to=tmp_path / "unpacked")
    assert back.name == system.name
    assert [c.name for c in back.components] == ["mass", "spring"]
    assert all(c.source.is_absolute() and c.source.exists() for c in back.components)
    assert back.components[0].parameters == {"m": 2.5}
    assert back.components[1].parameters == {"k": 40.0, "d": 0.0}
    assert back.connections == system.connections
    assert back.power_bonds == system.power_bonds
    assert back.power_signals == system.power_signals
    assert back.step_mean_outputs == [Endpoint("spring", "F")]
    assert (back.start_time, back.stop_time, back.step_size) == (0.0, 5.0, 0.01)


def test_ssd_file_refers_to_fmus_relatively_and_validates(fmus, tmp_path):
    system = _with_extras(fmus)
    path = write_ssp(system, tmp_path / "sub" / "sys.ssd")
    root = etree.parse(str(path)).getroot()
    validate_tree(root, "SystemStructureDescription.xsd")
    sources = [c.get("source") for c in root.iter("{*}Component")]
    assert all(s.startswith("../") for s in sources)
    kinds = {(c.getparent().getparent().get("name"), c.get("name")): c.get("kind") for c in root.iter("{*}Connector")}
    assert kinds[("mass", "F")] == "input" and kinds[("spring", "F")] == "output"
    units = {c.get("name"): c.find("{*}Real").get("unit") for c in root.iter("{*}Connector")}
    assert units["F"] == "N"
    back = read_ssp(path)
    assert [c.source for c in back.components] == [fmus["Mass"].resolve(), fmus["SpringMass"].resolve()]
    assert back.connections == system.connections


def test_every_component_binds_its_values_in_the_one_named_parameter_set(fmus, tmp_path):
    # a tool that applies one set by name (Ecos) must find every component's values under that name
    root = etree.parse(str(write_ssp(_with_extras(fmus), tmp_path / "sys.ssd"))).getroot()
    sets = {c.get("name"): [s.get("name") for s in c.iter("{*}ParameterSet")] for c in root.iter("{*}Component")}
    assert sets == {"mass": [PARAMETER_SET], "spring": [PARAMETER_SET]}


def test_reversed_connection_is_turned_by_connector_kinds(fmus, tmp_path):
    path = write_ssp(two_masses(fmus), tmp_path / "sys.ssd")
    text = path.read_text().replace(
        'startElement="spring" startConnector="F" endElement="mass" endConnector="F"',
        'startElement="mass" startConnector="F" endElement="spring" endConnector="F"')
    path.write_text(text)
    back = read_ssp(path)
    assert Connection(Endpoint("spring", "F"), Endpoint("mass", "F")) in back.connections


def test_parameter_values_from_an_ssv_file(fmus, tmp_path):
    path = write_ssp(two_masses(fmus), tmp_path / "sys.ssd")
    (tmp_path / "p.ssv").write_text(
        '<ssv:ParameterSet xmlns:ssv="http://ssp-standard.org/SSP1/SystemStructureParameterValues" '
        'version="1.0" name="p"><ssv:Parameters>'
        '<ssv:Parameter name="k"><ssv:Real value="7.5"/></ssv:Parameter>'
        '<ssv:Parameter name="n"><ssv:Integer value="3"/></ssv:Parameter>'
        '</ssv:Parameters></ssv:ParameterSet>')
    # bound at system level with a prefix, as SSP allows
    text = path.read_text().replace(
        '<ssd:Elements>', '<ssd:ParameterBindings><ssd:ParameterBinding source="p.ssv" '
        'prefix="spring."/></ssd:ParameterBindings><ssd:Elements>', 1)
    path.write_text(text)
    back = read_ssp(path)
    assert back.component("spring").parameters == {"k": 7.5, "n": 3}


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt"])
def test_archive_with_escaping_member_is_refused(tmp_path, member):
    archive = tmp_path / "bad.ssp"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("SystemStructure.ssd", "<x/>")
        zf.writestr(member, "boo")
    with pytest.raises(SspError, match="refusing archive member"):
        read_ssp(archive, extract_to=tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    ssd = tmp_path / "x.ssd"
    ssd.write_text(f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY s SYSTEM "file://{secret}">]>'
                   '<ssd:SystemStructureDescription xmlns:ssd="http://ssp-standard.org/SSP1/SystemStructureDescription" '
                   'version="1.0" name="&s;"><ssd:System name="s"/></ssd:SystemStructureDescription>')
    try:
        structure = read_ssp(ssd)
    except SspError as error:  # refusing the document is fine too
        assert "TOPSECRET" not in str(error)
    else:
        assert "TOPSECRET" not in (structure.name or "")


@pytest.mark.parametrize("suffix", [".ssp", ".ssd"])
def test_an_fmu_file_name_with_percent_signs_is_found_again(fmus, tmp_path, suffix):
    import shutil
    from btwin.master import Master, System
    from .conftest import rc_pair
    structure = rc_pair(fmus)
    odd = tmp_path / "load 100%25 v2%.fmu"  # "%25" would otherwise decode to "%"
    shutil.copy(fmus["RCLoad"], odd)
    structure.component("load").source = odd
    path = write_ssp(structure, tmp_path / f"rc{suffix}")
    with System.from_ssp(path) as system:
        source = system.structure.component("load").source
        assert source.name == odd.name
        assert Master(system).run(stop_time=0.1, step=0.05).macro_steps == 2
