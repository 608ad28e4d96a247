"""Minimal FMUs for the ontology tests: a zip holding a modelDescription.xml
(FMI 2.0 CS, schema-valid) and optionally resources/btwin.ttl, with the
variable names and units of the catalogue in DESIGN.md."""
from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from btwin.ontology.annotation import sidecar_path

SEMANTICS = Path(__file__).resolve().parents[2] / "ontology" / "fmus"

# FMI unit string -> (exponents kg, m, s, A, K, factor, offset)
UNIT_DEFINITIONS = {
    "V": dict(kg=1, m=2, s=-3, A=-1), "A": dict(A=1), "W": dict(kg=1, m=2, s=-3),
    "kW": dict(kg=1, m=2, s=-3, factor=1e3), "MW": dict(kg=1, m=2, s=-3, factor=1e6),
    "K": dict(K=1), "degC": dict(K=1, offset=273.15), "1": dict(), "A.h": dict(A=1, s=1, factor=3600.0),
    "m/s": dict(m=1, s=-1), "m": dict(m=1), "J": dict(kg=1, m=2, s=-2), "s": dict(s=1),
}

# name -> [(variable, causality, unit)]; parameters with a start value of 1
CATALOGUE = {
    "BatteryCell": [("current", "input", "A"), ("temperature", "input", "K"), ("voltage", "output", "V"),
                    ("soc", "output", "1"), ("heat_generation", "output", "W"), ("ocv", "output", "V"),
                    ("plating_overpotential", "output", "V"), ("capacity_loss", "output", "A.h"),
                    ("plated_lithium", "output", "A.h"), ("initial_soc", "parameter", "1"), ("n_series", "parameter", "1"),
                    ("n_parallel", "parameter", "1")]
                   + [(f"{process}_overpotential", "output", "V") for process in (
                       "electrolyte_ohmic", "solid_ohmic", "sei_film", "negative_kinetic",
                       "positive_kinetic", "negative_diffusion", "positive_diffusion",
                       "electrolyte_concentration")],
    "CellThermal": [("heat_generation", "input", "W"), ("ambient_temperature", "input", "K"),
                    ("core_temperature", "output", "K"), ("surface_temperature", "output", "K"),
                    ("heat_rejected", "output", "W"), ("n_cells", "parameter", "1")],
    "Powertrain": [("battery_voltage", "input", "V"), ("battery_current", "output", "A"),
                   ("vehicle_speed", "output", "m/s"), ("distance", "output", "m"),
                   ("traction_power", "output", "W")],
    "Charger": [("battery_voltage", "input", "V"), ("current_setpoint", "input", "A"),
                ("battery_current", "output", "A"), ("grid_power", "output", "W"),
                ("power_limit", "parameter", "W")],
    "FactoryLoads": [("machine_power", "output", "kW"), ("machine_count", "parameter", "1")],
    "GridFeeder": [("load_power_factory", "input", "W"), ("load_power_charger", "input", "W"),
                   ("load_power_residential", "input", "W"), ("bus_voltage", "output", "V"),
                   ("feeder_power", "output", "W"), ("losses", "output", "W")],
}


def model_description(model_name: str, variables) -> str:
    units = sorted({u for _, _, u in variables if u})
    unit_xml = "".join(_unit_xml(u) for u in units)
    rows, outputs = [], []
    for index, (name, causality, unit) in enumerate(variables, start=1):
        unit_attr = f" unit={quoteattr(unit)}" if unit else ""
        if causality == "output":
            rows.append(f'<ScalarVariable name={quoteattr(name)} valueReference="{index}" causality="output" '
                        f'variability="continuous"><Real{unit_attr}/></ScalarVariable>')
            outputs.append(f'<Unknown index="{index}"/>')
        elif causality == "input":
            rows.append(f'<ScalarVariable name={quoteattr(name)} valueReference="{index}" causality="input" '
                        f'variability="continuous"><Real{unit_attr} start="0.0"/></ScalarVariable>')
        else:
            rows.append(f'<ScalarVariable name={quoteattr(name)} valueReference="{index}" causality="parameter" '
                        f'variability="fixed" initial="exact"><Real{unit_attr} start="1.0"/></ScalarVariable>')
    structure = f"<Outputs>{''.join(outputs)}</Outputs>" if outputs else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<fmiModelDescription fmiVersion="2.0" modelName="{model_name}" guid="{{{uuid.uuid4()}}}" '
            f'generationTool="btwin tests" variableNamingConvention="flat">'
            f'<CoSimulation modelIdentifier="{model_name}" canHandleVariableCommunicationStepSize="true"/>'
            f'<UnitDefinitions>{unit_xml}</UnitDefinitions>'
            f'<ModelVariables>{"".join(rows)}</ModelVariables>'
            f'<ModelStructure>{structure}</ModelStructure></fmiModelDescription>')


def _unit_xml(unit: str) -> str:
    spec = dict(UNIT_DEFINITIONS.get(unit, {}))
    attrs = " ".join(f'{k}="{v}"' for k, v in spec.items())
    return f'<Unit name={quoteattr(unit)}><BaseUnit {attrs}/></Unit>'


def make_fmu(folder: Path, model_name: str, variables, *, semantics: str | None = None,
             sidecar: str | None = None, file_stem: str | None = None) -> Path:
    """Write ``folder/<stem>.fmu``; ``semantics`` goes inside as resources/btwin.ttl,
    ``sidecar`` beside it as ``<stem>.ttl``."""
    path = Path(folder) / f"{file_stem or model_name}.fmu"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("modelDescription.xml", model_description(model_name, variables))
        if semantics is not None:
            archive.writestr("resources/btwin.ttl", semantics)
    if sidecar is not None:
        sidecar_path(path).write_text(sidecar)
    return path


def catalogue_fmu(folder: Path, model_name: str, **kwargs) -> Path:
    """One of our FMUs, carrying ontology/fmus/<model_name>.ttl as the build does."""
    semantics = (SEMANTICS / f"{model_name}.ttl").read_text()
    return make_fmu(folder, model_name, CATALOGUE[model_name], semantics=semantics, **kwargs)


DEPOT = ("Charger", "BatteryCell", "CellThermal", "FactoryLoads", "GridFeeder")
