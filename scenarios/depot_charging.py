"""An EV pack fast-charges at a depot whose feeder it shares with a factory.

The system comes from the ontology alone: ``wire_to_ssp`` over Charger,
BatteryCell, CellThermal, FactoryLoads and GridFeeder bonds battery and
charger, closes the thermal loop and feeds the charger's ``grid_power`` and
the factory's ``machine_power`` (kW, x 1000) into the feeder. The scenario
then makes it a depot: a 96s25p pack of LG M50 cells at 20 % SOC, its thermal
model over all 2,400 cells, a charger whose CV voltage is 96 x 4.2 V and a
machine shop in its day shift, bound as SSP parameters into ``depot.ssp``;
and it declares the outputs that are means over a step (the charger's and the
factory's) so that the energy ledger books them exactly. Inputs nothing feeds
keep their start values: the residential load point (0 W), the ambient
temperature (25 degC) and the charger's current set-point (unused).

The master runs it with Jacobi steps and NEPCE correction. Writes
``depot.ssp``, ``results.csv``, ``energy.json``, ``battery.png`` and
``grid.png``; returns a summary dict.

The plots and the summary find the switch from CC to CV from the pack
voltage reaching ``cv_voltage`` (the charger's Integer ``phase`` is in
``results.csv`` too).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from btwin.master import Master, RunResult, System, write_ssp
from btwin.master.structure import SystemStructure
from btwin.ontology import wire, wire_to_ssp

from .common import FMU_DIR, fmu_path, output_dir, write_summary
from .params import Param, resolve

FMUS = ("Charger", "BatteryCell", "CellThermal", "FactoryLoads", "GridFeeder")
STOP_S = 3600.0
STEP_S = 1.0

N_SERIES = 96
N_PARALLEL = 25
CELL_CAPACITY_AH = 5.0  # LG M50 nominal capacity (LG INR21700 M50 data sheet; Chen et al. 2020)
CELL_MAX_VOLTAGE_V = 4.2  # LG M50 upper cut-off (Chen et al. 2020, J. Electrochem. Soc. 167 080534)
PACK_CAPACITY_AH = N_PARALLEL * CELL_CAPACITY_AH  # 125 Ah: the charger's 125 A is a 1C charge

# component -> parameter -> value, bound in the SSP (in the units of each modelDescription.xml)
PARAMETERS = {
    "BatteryCell": {"n_series": N_SERIES, "n_parallel": N_PARALLEL, "initial_soc": 0.2},
    "CellThermal": {"n_cells": float(N_SERIES * N_PARALLEL)},
    "Charger": {"cv_voltage": N_SERIES * CELL_MAX_VOLTAGE_V,
                "termination_current": PACK_CAPACITY_AH / 20.0},  # C/20, the usual CV end criterion
    # The FactoryLoads defaults (a 20-machine shop, 250 kW peak, 30 kW base) in its day shift at noon.
    "FactoryLoads": {"machine_count": 20, "peak_power": 250.0, "base_power": 30.0, "start_time": 12.0},
}


def structure(fmu_dir: Path | None = None, parameters: dict | None = None,
              wired_to: Path | None = None) -> tuple[SystemStructure, list[str]]:
    """The depot as the ontology wires it (also written to ``wired_to``, an
    ``.ssd`` or ``.ssp``, when given), with :data:`PARAMETERS` (updated by
    ``parameters``: component -> name -> value) bound; and the inputs
    nothing feeds. (Which outputs are means over a step the FMUs declare
    themselves, in their vendor annotation.)"""
    fmus = [fmu_path(name, Path(fmu_dir or FMU_DIR)) for name in FMUS]
    wiring = wire_to_ssp(fmus, wired_to, name="depot") if wired_to else wire(fmus, "depot")
    system = wiring.structure
    for component, values in _merged(PARAMETERS, parameters or {}).items():
        system.component(component).parameters.update(values)
    return system, [str(unfed.endpoint) for unfed in wiring.unfed]


def export(path: str | Path, fmu_dir: Path | None = None) -> Path:
    """Write the self-contained depot SSP (FMUs inside) and return its path."""
    return write_ssp(structure(fmu_dir)[0], path)


PARAMS = {
    "stop_time": Param(STOP_S, "charging time", unit="s", minimum=0.0, exclusive_minimum=True),
    "step": Param(STEP_S, "macro step", unit="s", minimum=0.0, exclusive_minimum=True),
}


def run(out_dir: str | Path | None = None, *, fmu_dir: Path | None = None,
        parameters: dict | None = None, **params) -> dict:
    """Charge for ``stop_time`` s (default an hour) at macro step ``step`` s
    (default 1 s; see :data:`PARAMS`); write ``depot_wired.ssd`` (the ontology's wiring as is),
    ``depot.ssp`` (what runs), ``results.csv``, ``energy.json``,
    ``summary.json`` and the plots into ``out_dir`` (default
    ``results/depot_charging``) and return the summary. ``parameters``
    (component -> name -> value) override :data:`PARAMETERS`."""
    p = resolve(PARAMS, params)
    out_dir = output_dir(out_dir, "depot_charging")
    depot, unfed = structure(fmu_dir, parameters, wired_to=out_dir / "depot_wired.ssd")
    ssp = write_ssp(depot, out_dir / "depot.ssp")
    with tempfile.TemporaryDirectory(prefix="btwin-depot-") as extracted:
        system = System.from_ssp(ssp, extract_to=extracted)
        master = Master(system, algorithm="jacobi", correction="nepce")
        result = master.run(stop_time=p["stop_time"], step=p["step"], out_dir=out_dir)
    cv_voltage = system.structure.component("Charger").parameters["cv_voltage"]
    _plot_battery(result, cv_voltage, out_dir / "battery.png")
    _plot_grid(result, out_dir / "grid.png")
    summary = summarise(result, cv_voltage, unfed, out_dir)
    write_summary(out_dir, summary)
    return summary


def summarise(result: RunResult, cv_voltage: float, unfed: list[str], out_dir: Path) -> dict:
    bonds = {b["name"]: b for b in result.bonds}
    into_battery = -float(bonds["BatteryCell_Charger"]["energy_source_J"])
    from_grid = float(bonds["Charger.grid_power"]["energy_source_J"])
    soc = result.column("BatteryCell.soc")
    cv_start = _cv_start(result, cv_voltage)

    def last(name, scale=1.0, digits=3):
        return round(float(result.column(name)[-1]) * scale, digits)

    def extreme(pick, name, scale=1.0, offset=0.0, digits=2):
        return round(float(pick(result.column(name))) * scale + offset, digits)

    return {
        "simulated [s]": result.stop_time,
        "macro steps": result.macro_steps,
        "wall time [s]": round(result.wall_time_s, 2),
        "SOC start -> end": f"{soc[0]:.3f} -> {soc[-1]:.3f}",
        "CV from [min]": None if cv_start is None else round(cv_start / 60.0, 1),
        "energy into battery [kWh]": round(into_battery / 3.6e6, 3),
        "grid energy of the charger [kWh]": round(from_grid / 3.6e6, 3),
        "charger efficiency": round(into_battery / from_grid, 4) if from_grid > 0 else None,
        "feeder energy [kWh]": last("GridFeeder.feeder_energy", 1 / 3.6e6, 2),
        "feeder losses [kWh]": last("GridFeeder.loss_energy", 1 / 3.6e6),
        "min feeder voltage [V]": extreme(np.min, "GridFeeder.bus_voltage"),
        "max transformer loading [%]": extreme(np.max, "GridFeeder.transformer_loading", 100.0, digits=1),
        "peak cell temperature [degC]": extreme(np.max, "CellThermal.core_temperature", offset=-273.15),
        "min plating overpotential [mV]": extreme(np.min, "BatteryCell.plating_overpotential", 1e3),
        "bond residuals": {name: {"residual [J]": float(f"{b['residual_J']:.3g}"),
                                  "relative": float(f"{relative_residual(b):.2g}")}
                           for name, b in bonds.items()},
        "unfed inputs (start values)": unfed,
        "results": str(out_dir / "results.csv"),
    }


def relative_residual(bond: dict) -> float:
    """|residual| over the energy through the coupling (the larger side)."""
    through = max(abs(bond["energy_source_J"]), abs(bond["energy_sink_J"]))
    return abs(bond["residual_J"]) / through if through > 0 else 0.0


def _merged(base: dict, overrides: dict) -> dict:
    merged = {component: dict(values) for component, values in base.items()}
    for component, values in overrides.items():
        merged.setdefault(component, {}).update(values)
    return merged


def _cv_start(result: RunResult, cv_voltage: float) -> float | None:
    reached = np.flatnonzero(result.column("BatteryCell.voltage") >= cv_voltage * (1 - 1e-3))
    return float(result.column("time")[reached[0]]) if reached.size else None


# ------------------------------------------------------------------ plots

def _figure(rows: int):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(8, 2.1 * rows))
    return plt, fig, axes


def _save(plt, fig, axes, path: Path) -> None:
    axes[-1].set_xlabel("time [min]")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_battery(result: RunResult, cv_voltage: float, path: Path) -> None:
    c = result.column
    minutes = c("time") / 60.0
    plt, fig, (power, soc, temperature, plating) = _figure(4)
    power.plot(minutes, c("Charger.grid_power") / 1e3, label="from the grid")
    power.plot(minutes, c("Charger.battery_power") / 1e3, label="into the battery")
    power.set_ylabel("charger power [kW]")
    power.legend(loc="best")
    cv_start = _cv_start(result, cv_voltage)
    title = f"Depot: {N_SERIES}s{N_PARALLEL}p LG M50 pack on a 50 kW charger"
    if cv_start is not None:
        for ax in (power, soc, temperature, plating):
            ax.axvline(cv_start / 60.0, color="grey", linestyle=":")
        title += f" (CC until {cv_start / 60:.0f} min, then CV)"
    power.set_title(title)
    soc.plot(minutes, c("BatteryCell.soc"), color="tab:green")
    soc.set_ylabel("SOC [1]")
    temperature.plot(minutes, c("CellThermal.core_temperature") - 273.15, label="core")
    temperature.plot(minutes, c("CellThermal.surface_temperature") - 273.15, label="surface")
    temperature.set_ylabel("cell temperature [°C]")
    temperature.legend(loc="best")
    plating.plot(minutes, 1e3 * c("BatteryCell.plating_overpotential"), color="tab:red")
    plating.axhline(0.0, color="black", linewidth=0.8)
    plating.set_ylabel("plating overpot. [mV]")
    _save(plt, fig, (power, soc, temperature, plating), path)


def _plot_grid(result: RunResult, path: Path) -> None:
    c = result.column
    minutes = c("time") / 60.0
    plt, fig, (load, voltage, loading) = _figure(3)
    load.plot(minutes, c("FactoryLoads.machine_power"), label="factory")
    load.plot(minutes, c("Charger.grid_power") / 1e3, label="charger")
    load.plot(minutes, c("GridFeeder.feeder_power") / 1e3, label="feeder (loads + losses)")
    load.set_ylabel("power [kW]")
    load.legend(loc="best")
    load.set_title("Feeder shared by the factory and the depot charger")
    voltage.plot(minutes, c("GridFeeder.voltage_charger"), label="charger bus")
    voltage.plot(minutes, c("GridFeeder.bus_voltage"), label="weakest bus")
    voltage.set_ylabel("voltage L-L [V]")
    voltage.legend(loc="best")
    loading.plot(minutes, 100.0 * c("GridFeeder.transformer_loading"), color="tab:purple")
    loading.set_ylabel("transformer loading [%]")
    _save(plt, fig, (load, voltage, loading), path)
