"""From two electrode microstructures to the twin: as coated and calendered.

Two synthetic graphite negative electrodes are made with a known truth: a
pack of overlapping spheres (mean radius 5.86 um, the LG M50 graphite of
Chen 2020) with carbon binder in the necks, as coated at ``porosity``; the
same pack calendered by ``strain`` (``btwin.models.microstructure.
calendering``: centres move affinely through the thickness, rigid particles).
Both carry the same active material per electrode area as the LG M50's
negative electrode (0.75 x 85.2 um, Chen 2020), so the cell keeps its
balance and only the structure changes. Each is "imaged" (grey levels with
noise of signal-to-noise ratio ``snr``) and sent through the whole pipeline:
denoise, segment, clean, connectivity, porosity, surface area, particle
radius, tortuosity (steady state and random walk), Bruggeman exponent; the
segmentation and the porosity are scored against the truth.

The measured parameters are bound to the BatteryCell FMU (one cell, in fmpy)
for a rate test (constant-current discharge from full at 0.5C, 1C and 2C of
the 5 A.h nominal capacity to 2.5 V) and to a 96s40p pack for a WLTC class 3b
drive co-simulated with the Powertrain and CellThermal FMUs by the master
(the ``ev_wltc`` car). The LG M50 defaults run beside them as the reference.
The Bruggeman exponent is also fitted over a calendering series of the true
structure (strains 0 to ``strain``).
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np

from btwin.models.microstructure.calendering import bruggeman_exponent, calender
from btwin.models.microstructure.pipeline import analyse
from btwin.models.microstructure.synthetic import PORE, image_of, sphere_pack
from btwin.models.microstructure.tortuosity import steady_state

from .common import FMU_DIR, fmu_path, output_dir, write_summary
from .microstructure_plots import plot_stages
from .params import Param, resolve

PARTICLE_RADIUS_M = 5.86e-6  # m, LG M50 graphite [Chen et al., J. Electrochem. Soc. 167 (2020) 080534]
ACTIVE_LOADING_M = 0.75 * 85.2e-6  # m, active volume per area: eps_s x thickness [Chen 2020]
CELL_NOMINAL_AH = 5.0  # A.h, LG M50 nominal capacity [Chen 2020]
CUTOFF_V = 2.5  # V, lower cut-off [Chen 2020]
C_RATES = (0.5, 1.0, 2.0)
RATE_STEP_S = 10.0
AMBIENT_K = 298.15
ELECTRODE = "negative"
REFERENCE = "LG M50 (Chen 2020)"

PARAMS = {
    "voxels": Param(64, "edge of the cubic image (axis 0 through the thickness)", unit="voxel",
                    minimum=24, maximum=256),
    "porosity": Param(0.5, "as-coated porosity of the synthetic electrode", minimum=0.2, maximum=0.7),
    "binder_fraction": Param(0.02, "carbon-binder volume fraction", minimum=0.0, maximum=0.1),
    "strain": Param(0.2, "calendering strain through the thickness", minimum=0.0, maximum=0.5,
                    exclusive_minimum=True),
    "snr": Param(5.0, "imaging signal-to-noise ratio (smallest grey step / noise std)", minimum=1.0),
    "wltc_duration": Param(1800.0, "simulated WLTC class 3b time (the whole cycle: 1800 s)", unit="s",
                           minimum=0.0, maximum=1800.0, exclusive_minimum=True),
    "walkers": Param(10_000, "random walkers of the random-walk tortuosity", minimum=100),
    "seed": Param(0, "random seed of the structure and the noise"),
}


def run(out_dir: str | Path | None = None, *, fmu_dir: Path | None = None, **params) -> dict:
    p = resolve(PARAMS, params)
    out = output_dir(out_dir, "microstructure_to_twin")
    fmu = fmu_path("BatteryCell", Path(fmu_dir or FMU_DIR))
    electrodes = _electrodes(p)
    summary = {"electrodes": {}, "capacity_Ah": {}, "wltc": {}}
    curves, drives = {}, {}
    for name, (pack, voxel) in electrodes.items():
        image = image_of(pack.labels, p["snr"], seed=p["seed"] + 1)
        result = analyse(image, voxel, walkers=p["walkers"], seed=p["seed"])
        plot_stages(result.stages, out / f"{name}_stages.png",
                    title=f"{name.replace('_', ' ')}: porosity {result.porosity:.3f}, "
                          f"tortuosity {result.tortuosity:.2f}")
        summary["electrodes"][name] = _descriptors(result, pack)
        cell = result.battery_cell_parameters(ELECTRODE)
        summary["capacity_Ah"][name], curves[name] = rate_test(fmu, cell)
        summary["wltc"][name], drives[name] = _wltc(cell, p["wltc_duration"], fmu_dir, out / name)
    summary["capacity_Ah"][REFERENCE], curves[REFERENCE] = rate_test(fmu, {})
    summary["wltc"][REFERENCE], drives[REFERENCE] = _wltc({}, p["wltc_duration"], fmu_dir, out / "reference")
    summary["bruggeman_fit"] = _calendering_series(electrodes["as_coated"][0], p["strain"])
    _plot_comparison(curves, drives, out / "comparison.png")
    write_summary(out, summary)
    return summary


def _electrodes(p) -> dict:
    """{name: (SpherePack truth, voxel size [m])}: the voxel size makes the
    as-coated image hold the LG M50's active loading at its porosity."""
    solid = 1.0 - p["porosity"] - p["binder_fraction"]
    voxel = ACTIVE_LOADING_M / solid / p["voxels"]
    coated = sphere_pack(p["voxels"], PARTICLE_RADIUS_M / voxel, p["porosity"],
                         binder_fraction=p["binder_fraction"], seed=p["seed"])
    return {"as_coated": (coated, voxel), "calendered": (calender(coated, p["strain"]), voxel)}


def _descriptors(result, pack) -> dict:
    measured = result.summary(ELECTRODE)
    keep = ("porosity", "active_material_fraction", "binder_fraction", "tortuosity", "tortuosity_tensor",
            "tortuosity_random_walk", "tortuosity_random_walk_error", "bruggeman_exponent",
            "specific_surface_area", "mean_particle_radius", "thickness", "percolating_pore_fraction",
            "battery_cell_parameters")
    descriptors = {key: measured[key] for key in keep}
    descriptors["truth"] = {
        "porosity": pack.porosity,
        "segmentation_accuracy": float(np.mean(result.stages.phases == pack.labels)),
        "tortuosity": steady_state(pack.labels == PORE).tortuosity,
    }
    return descriptors


def rate_test(fmu: Path, cell_parameters: dict) -> tuple[dict, dict]:
    """Capacity [A.h] delivered at each C-rate, what ended each discharge,
    and the (capacity, voltage) curves."""
    capacities, curves = {}, {}
    for rate in C_RATES:
        charge, voltage, ended_by = _discharge(fmu, cell_parameters, rate * CELL_NOMINAL_AH)
        capacities[f"{rate:g}C"] = round(float(charge[-1]), 4)
        capacities[f"{rate:g}C_ended_by"] = ended_by
        curves[rate] = (charge, voltage)
    return capacities, curves


def _discharge(fmu: Path, cell_parameters: dict, current: float):
    """One cell from full, at ``current`` until the voltage reaches the
    cut-off (the last step interpolated to it) or the FMU refuses the next
    step (fmi2Discard: a particle would empty or the electrolyte deplete)."""
    from fmpy import extract, read_model_description
    from fmpy.fmi2 import FMU2Slave

    description = read_model_description(str(fmu))
    unzipped = extract(str(fmu))
    refs = {v.name: v.valueReference for v in description.modelVariables}
    slave = FMU2Slave(guid=description.guid, unzipDirectory=unzipped,
                      modelIdentifier=description.coSimulation.modelIdentifier, instanceName="rate")
    try:
        slave.instantiate()
        slave.setupExperiment(startTime=0.0)
        slave.enterInitializationMode()
        start = {"initial_soc": 1.0, **cell_parameters}
        slave.setReal([refs[k] for k in start], [float(v) for v in start.values()])
        slave.exitInitializationMode()
        slave.setReal([refs["current"], refs["temperature"]], [current, AMBIENT_K])
        charge, voltage = [0.0], [slave.getReal([refs["voltage"]])[0]]
        t, ended_by = 0.0, "cut-off voltage"
        while voltage[-1] > CUTOFF_V and t < 3.0 * 3600.0 * CELL_NOMINAL_AH / current:
            try:
                slave.doStep(currentCommunicationPoint=t, communicationStepSize=RATE_STEP_S)
            except Exception:  # fmi2Discard: the state stays at t; this current cannot go on
                ended_by = "step refused (particle or electrolyte depleted)"
                break
            t += RATE_STEP_S
            charge.append(current * t / 3600.0)
            voltage.append(slave.getReal([refs["voltage"]])[0])
        slave.terminate()
    finally:
        slave.freeInstance()
        shutil.rmtree(unzipped, ignore_errors=True)
    charge, voltage = np.array(charge), np.array(voltage)
    if voltage[-1] < CUTOFF_V < voltage[-2]:
        weight = (voltage[-2] - CUTOFF_V) / (voltage[-2] - voltage[-1])
        charge[-1] = charge[-2] + weight * (charge[-1] - charge[-2])
        voltage[-1] = CUTOFF_V
    return charge, voltage, ended_by


def _wltc(cell_parameters: dict, duration: float, fmu_dir, out: Path) -> tuple[dict, object]:
    """The ev_wltc car with these cell parameters, for ``duration`` s."""
    from btwin.master import Master, System, write_ssp

    from . import ev_wltc

    structure = ev_wltc.structure(fmu_dir)
    structure.components = [
        dataclasses.replace(c, parameters={**c.parameters, **cell_parameters}) if c.name == "battery" else c
        for c in structure.components]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as unpacked:
        ssp = write_ssp(structure, Path(unpacked) / "car.ssp")
        system = System.from_ssp(ssp, extract_to=Path(unpacked) / "fmus")
        result = Master(system, algorithm=ev_wltc.ALGORITHM, correction=ev_wltc.CORRECTION,
                        progress=False).run(stop_time=duration, step=ev_wltc.STEP_S, out_dir=out)
    voltage = result.column("battery.voltage")
    return {
        "final_soc": round(float(result.column("battery.soc")[-1]), 5),
        "min_pack_voltage_V": round(float(voltage.min()), 3),
        "min_plating_overpotential_V": round(float(result.column("battery.plating_overpotential").min()), 5),
        "peak_core_temperature_C": round(float(result.column("thermal.core_temperature").max()) - 273.15, 3),
    }, (result.column("time"), voltage)


def _calendering_series(pack, strain: float) -> dict:
    """Bruggeman exponent fitted over (porosity, tortuosity) of the true
    structure calendered in four steps up to ``strain``."""
    strains = np.linspace(0.0, strain, 4)
    porosities, tortuosities = [], []
    for s in strains:
        labels = pack.labels if s == 0.0 else calender(pack, float(s)).labels
        result = steady_state(labels == PORE)
        porosities.append(result.porosity)
        tortuosities.append(result.tortuosity)
    b, error = bruggeman_exponent(porosities, tortuosities)
    return {"strains": [round(float(s), 4) for s in strains], "porosities": porosities,
            "tortuosities": tortuosities, "bruggeman_exponent": b, "bruggeman_exponent_error": error}


def _plot_comparison(curves: dict, drives: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (rate, drive) = plt.subplots(1, 2, figsize=(13, 4.5))
    styles = {0.5: ":", 1.0: "--", 2.0: "-"}
    _, reference_voltage = drives[REFERENCE]
    for colour, (name, by_rate) in zip(("tab:blue", "tab:red", "0.5"), curves.items()):
        for c_rate, (charge, voltage) in by_rate.items():
            rate.plot(charge, voltage, styles[c_rate], color=colour,
                      label=f"{name.replace('_', ' ')} {c_rate:g}C")
        if name != REFERENCE:
            time, pack_voltage = drives[name]
            drive.plot(time / 60.0, pack_voltage - reference_voltage, color=colour, linewidth=0.8,
                       label=name.replace("_", " "))
    rate.set_xlabel("discharged [A.h]")
    rate.set_ylabel("cell voltage [V]")
    rate.set_title("rate test, one cell (BatteryCell FMU in fmpy)")
    rate.legend(fontsize=7, ncol=3)
    drive.set_xlabel("time [min]")
    drive.set_ylabel(f"pack voltage - {REFERENCE}'s [V]")
    drive.set_title("WLTC class 3b, 96s40p (master: BatteryCell, CellThermal, Powertrain)")
    drive.legend(fontsize=8)
    for ax in (rate, drive):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
