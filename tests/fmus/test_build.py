"""What `btwin build` puts in an archive, and `btwin validate`'s verdicts."""
import zipfile

import pytest
from lxml import etree

from btwin.fmus.catalogue import CATALOGUE, slave_class
from btwin.fmus.declarations import Var, output
from btwin.scenarios.cli import main

pytestmark = pytest.mark.integration


def members(fmu):
    with zipfile.ZipFile(fmu) as archive:
        return set(archive.namelist())


def test_archive_holds_the_launcher_pythonfmus_binary_and_the_recorded_python(fmu_dir):
    names = members(fmu_dir / "CellThermal.fmu")
    assert {"binaries/linux64/CellThermal.so", "binaries/linux64/pythonfmu-export.so",
            "resources/btwin_launcher.cfg", "modelDescription.xml"} <= names
    assert not any(name.startswith("binaries/win64") for name in names)
    with zipfile.ZipFile(fmu_dir / "CellThermal.fmu") as archive:
        config = archive.read("resources/btwin_launcher.cfg").decode()
    assert "libpython=" in config and "home=" in config and "site=" in config


def test_every_fmu_has_its_own_slave_module(fmu_dir):
    modules = []
    for fmu in fmu_dir.glob("*.fmu"):
        with zipfile.ZipFile(fmu) as archive:
            modules.append(archive.read("resources/slavemodule.txt").decode().strip())
    assert len(modules) == len(set(modules)) >= 2
    assert all(m.startswith("btwin_") for m in modules)


def test_model_structure_lists_outputs_with_their_direct_dependencies(fmu_dir):
    with zipfile.ZipFile(fmu_dir / "Heater.fmu") as archive:
        root = etree.fromstring(archive.read("modelDescription.xml"))
    names = [sv.get("name") for sv in root.iter("ScalarVariable")]
    outputs = {names[int(u.get("index")) - 1]: u.get("dependencies")
               for u in root.find("ModelStructure/Outputs")}
    assert outputs == {"power": str(names.index("voltage") + 1), "energy": ""}
    initial = [names[int(u.get("index")) - 1] for u in root.find("ModelStructure/InitialUnknowns")]
    assert sorted(initial) == ["energy", "power"]


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="needs a unit"):
        Var("p", "output", "power")
    with pytest.raises(KeyError, match="did you mean"):
        output("p", "kw", "power")


def test_catalogue_names_are_checked_with_a_suggestion():
    assert set(CATALOGUE) >= {"CellThermal"}
    with pytest.raises(KeyError, match="CellThermal"):
        slave_class("CellThermol")


def test_cli_build_and_validate(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path), "CellThermal"]) == 0
    assert (tmp_path / "CellThermal.fmu").is_file()
    assert main(["validate", str(tmp_path / "CellThermal.fmu")]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["build", "--out", str(tmp_path), "NoSuchFmu"]) == 2


def test_validate_reports_a_real_without_unit_and_a_broken_archive(fmu_dir, tmp_path, capsys):
    broken = tmp_path / "NoUnit.fmu"
    with zipfile.ZipFile(fmu_dir / "Heater.fmu") as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "modelDescription.xml":
                data = data.replace(b' unit="J"', b"")
            dst.writestr(item, data)
    garbage = tmp_path / "garbage.fmu"
    garbage.write_bytes(b"not a zip")
    assert main(["validate", str(broken), str(garbage)]) == 1
    out = capsys.readouterr().out
    assert "energy: Real without a unit" in out
    assert "garbage.fmu" in out


def test_validate_takes_the_step_of_the_default_experiment(fmu_dir, capsys):
    # the DefaultExperiment's stepSize arrives from fmpy as text
    assert main(["validate", str(fmu_dir / "Powertrain.fmu")]) == 0


def test_step_mean_outputs_are_declared_for_any_importer_and_read_by_the_master(fmu_dir):
    from btwin.master.fmu_info import fmu_info

    assert fmu_info(fmu_dir / "Powertrain.fmu").step_means >= {"battery_current", "electrical_power"}
    assert fmu_info(fmu_dir / "Charger.fmu").step_means >= {"battery_current", "grid_power"}
    assert fmu_info(fmu_dir / "FactoryLoads.fmu").step_means == {"machine_power"}
    assert fmu_info(fmu_dir / "BatteryCell.fmu").step_means == frozenset()  # values at the step's end


def test_validate_warns_of_missing_units_only_in_fmus_not_ours(tmp_path, capsys):
    """FMI does not require units: a foreign FMU (here one compiled from C whose
    Reals, the time-like counter included, declare none) passes with warnings;
    --strict makes them errors. Ours keep requiring them (test above)."""
    from tests.master.cfmu import CModel, build_fmu
    foreign = build_fmu(CModel("Clock", parameters={"rate": (1.0, None)}, states={"time_s": (0.0, None)},
                               outputs={"elapsed": ("time_s", None)}, derivatives={"time_s": "rate"}), tmp_path)
    assert main(["validate", str(foreign)]) == 0
    out = capsys.readouterr().out
    assert "ok, 3 warning(s)" in out and "warning: variable elapsed: Real without a unit" in out
    assert main(["validate", "--strict", str(foreign)]) == 1
    assert "3 problem(s)" in capsys.readouterr().out
