"""The written SSP validates and reads back; queries and the command line."""
from __future__ import annotations

import zipfile

import pytest
from fmpy.ssp.ssd import read_ssd
from lxml import etree

from btwin.master.ssp import read_ssp
from btwin.ontology import query, wire_to_ssp
from btwin.ontology.namespaces import prefixed
from btwin.scenarios.cli import main
from fmu_factory import DEPOT, catalogue_fmu


@pytest.fixture
def depot(tmp_path):
    return [catalogue_fmu(tmp_path, name) for name in DEPOT]


def test_written_ssp_validates_against_the_schema_and_reads_back(depot, tmp_path):
    wiring = wire_to_ssp(depot, tmp_path / "depot.ssp")
    ssd = read_ssd(str(tmp_path / "depot.ssp"), validate=True)
    assert len(ssd.system.connections) == 6
    with zipfile.ZipFile(tmp_path / "depot.ssp") as archive:
        root = etree.fromstring(archive.read("SystemStructure.ssd"))
    [transform] = root.iterfind(".//{*}Connection[@endConnector='load_power_factory']/{*}LinearTransformation")
    assert float(transform.get("factor")) == 1000.0
    structure = read_ssp(tmp_path / "depot.ssp", extract_to=tmp_path / "extracted")
    assert structure.power_bonds == wiring.structure.power_bonds
    assert {str(c.end) for c in structure.connections} == {str(c.end) for c in wiring.structure.connections}


def test_query_reaches_machines_as_loads(depot):
    columns, rows = query(depot, "SELECT ?v WHERE { ?f a btwin:Load ; btwin:powerDemand ?v . ?v a btwin:Output }")
    assert columns == ["v"]
    assert sorted(prefixed(r[0]) for r in rows) == ["Charger.grid_power", "FactoryLoads.machine_power"]


def test_cli_wire_and_query(depot, tmp_path, capsys):
    out = tmp_path / "cli.ssp"
    assert main(["wire", *map(str, depot), "--out", str(out), "--step", "1"]) == 0
    assert out.is_file() and "x 1000" in capsys.readouterr().out
    assert main(["query", *map(str, depot), "--sparql", "ASK { ?m a btwin:Machine }"]) == 0
    assert capsys.readouterr().out.split() == ["ask", "True"]


def test_cli_wire_reports_problems_with_exit_code(tmp_path, capsys):
    battery = catalogue_fmu(tmp_path, "BatteryCell")
    assert main(["wire", str(battery), "--out", str(tmp_path / "x.ssp")]) == 2
    assert "BatteryCell.current" in capsys.readouterr().err
    assert not (tmp_path / "x.ssp").exists()
