"""Impedance of the LG M50 cell model: spectra at several SOCs and
temperatures, a calendar-aging path with equivalent-circuit fits tracked
against the model's true aging state, and what limits the capacity at each
discharge rate.

* Spectra: the small-signal impedance (``btwin.models.battery.impedance``) at
  SOC 0.2, 0.5, 0.8 and 0, 25, 45 degC, each fitted with
  R0-(R_SEI||C)-(R_ct||CPE)-Warburg; the fit's R0 and R_ct against the model's.
* Aging: one cell stored at rest at ``checkup_soc`` and ``temperature`` for
  ``years``; at ``aging_states`` check-ups (evenly spaced in the square root
  of time, as the film grows) its spectrum is taken where it stands and fitted.
  The SEI film grows and consumes lithium (lithium inventory loss shifts the
  negative electrode's stoichiometry); the model has no plated-lithium layer,
  so plating leaves no signature here.
* Rate limits: constant-current discharges from full at 0.2C up to
  ``max_c_rate``, the overpotential split by process and the process that
  limits the capacity (``btwin.models.battery.rate_limits``).

Writes ``spectra.csv``, ``aging_spectra.csv``, ``rate_limits.csv``,
``spectra.png``, ``aging.png``, ``rate_limits.png`` and ``summary.json``.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.circuit_fit import fit_spectrum
from btwin.models.battery.impedance import CellImpedance
from btwin.models.battery.rate_limits import PROCESSES, discharge

from .common import output_dir, write_summary
from .eis_plots import plot_rate_limits, plot_spectra
from .params import Param, resolve

SOCS = (0.2, 0.5, 0.8)
TEMPERATURES = (273.15, 298.15, 318.15)  # K: 0, 25, 45 degC
C_RATES = (0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)
FMIN = 1e-3  # Hz
YEAR = 365.25 * 86400.0  # s
PROCESS_LABELS = {
    "electrolyte_ohmic": "electrolyte ohmic", "solid_ohmic": "solid ohmic + contact",
    "sei_film": "SEI film", "negative_kinetic": "negative kinetics",
    "positive_kinetic": "positive kinetics", "negative_diffusion": "negative solid diffusion",
    "positive_diffusion": "positive solid diffusion",
    "electrolyte_concentration": "electrolyte concentration",
}
assert tuple(PROCESS_LABELS) == PROCESSES

PARAMS = {
    "temperature": Param(298.15, "temperature of the aging path, its check-ups and the discharges",
                         unit="K", minimum=253.15, maximum=333.15),
    "checkup_soc": Param(0.5, "state of charge the cell is stored at (PyBaMM's scale)",
                         minimum=0.05, maximum=0.95),
    "years": Param(5.0, "length of the calendar-aging path", unit="year", minimum=0.0,
                   exclusive_minimum=True, maximum=50.0),
    "aging_states": Param(6, "check-ups along the aging path, the fresh cell included", minimum=2,
                          maximum=50),
    "points": Param(60, "frequencies per spectrum, log-spaced from 1 mHz to fmax", minimum=10,
                    maximum=1000),
    "fmax": Param(1e6, "highest frequency; the SEI film's arc sits near 18 kHz", unit="Hz",
                  minimum=10.0, maximum=1e8),
    "max_c_rate": Param(5.0, "fastest discharge of the rate-limit table", unit="C",
                        minimum=0.2, maximum=10.0),
}


def run(out_dir: str | Path | None = None, **params) -> dict:
    """Run the three parts into ``out_dir`` (default ``results/eis_aging``)."""
    p = resolve(PARAMS, params)
    out = output_dir(out_dir, "eis_aging")
    frequencies = np.logspace(np.log10(FMIN), np.log10(p["fmax"]), p["points"])
    summary = {
        "spectra": _spectra(frequencies, out),
        "aging": _aging(frequencies, p, out),
        "rate_limits": _rate_limits(p, out),
    }
    write_summary(out, summary)
    return summary


# --- spectra at several SOCs and temperatures -------------------------------------------
def _spectra(frequencies: np.ndarray, out: Path) -> dict:
    result, plotted, rows = {}, {}, []
    for temperature in TEMPERATURES:
        for soc in SOCS:
            model = CellImpedance.at_soc(soc, temperature)
            z = model.impedance(frequencies)
            label = f"soc {soc:g}, {temperature - 273.15:.0f} degC"
            plotted[label] = (frequencies, z)
            rows += [(soc, temperature, f, v.real, v.imag) for f, v in zip(frequencies, z)]
            result[label] = _fit_against_model(frequencies, z, model)
    _write_rows(out / "spectra.csv", ("soc", "temperature_K", "frequency_Hz", "z_real_Ohm", "z_imag_Ohm"),
                rows)
    plot_spectra(out / "spectra.png", plotted, "LG M50 SPMe impedance at SOC 0.2/0.5/0.8, 0/25/45 degC")
    errors = [abs(v[key]) for v in result.values() for key in ("r0_error_percent", "r_ct_error_percent")]
    result["largest R0 or R_ct fit error [%]"] = round(max(errors), 2)
    return result


def _fit_against_model(frequencies, z, model: CellImpedance) -> dict:
    fitted, truth = fit_spectrum(frequencies, z), model.elements()
    return {
        "model_r0_mOhm": round(truth.r0 * 1e3, 4),
        "fit_r0_mOhm": _milli(fitted["r0"]),
        "r0_error_percent": round(100.0 * (fitted["r0"].value / truth.r0 - 1.0), 2),
        "model_r_ct_mOhm": round(truth.r_ct * 1e3, 4),
        "fit_r_ct_mOhm": _milli(fitted["r_ct"]),
        "r_ct_error_percent": round(100.0 * (fitted["r_ct"].value / truth.r_ct - 1.0), 2),
    }


# --- the aging path ------------------------------------------------------------------------
def _aging(frequencies: np.ndarray, p: dict, out: Path) -> dict:
    temperature = p["temperature"]
    cell = SPMeBattery(BatteryParameters(initial_soc=p["checkup_soc"], initial_temperature=temperature))
    ages = p["years"] * np.linspace(0.0, 1.0, p["aging_states"]) ** 2
    states, plotted, rows, fitted_sei = {}, {}, [], []
    for age in ages:
        if age > cell.time / YEAR:
            cell.step(age * YEAR - cell.time, 0.0, temperature)
        model = CellImpedance.of_cell(cell, temperature)
        z = model.impedance(frequencies)
        state = cell.internals()
        label = f"{age:.2f} years"
        plotted[label] = (frequencies, z)
        rows += [(age, state["sei_thickness"], f, v.real, v.imag) for f, v in zip(frequencies, z)]
        fitted, truth = fit_spectrum(frequencies, z), model.elements()
        fitted_sei.append(fitted["r_sei"].value)
        states[label] = {
            "sei_thickness_nm": round(state["sei_thickness"] * 1e9, 3),
            "capacity_loss_Ah": round(cell.outputs.capacity_loss, 5),
            "soc": round(cell.outputs.soc, 4),
            "model_r_sei_mOhm": round(truth.r_sei * 1e3, 4),
            "fit_r_sei_mOhm": _milli(fitted["r_sei"]),
            "model_r_ct_mOhm": round(truth.r_ct * 1e3, 4),
            "fit_r_ct_mOhm": _milli(fitted["r_ct"]),
            "model_r0_mOhm": round(truth.r0 * 1e3, 4),
            "fit_r0_mOhm": _milli(fitted["r0"]),
        }
    _write_rows(out / "aging_spectra.csv",
                ("years", "sei_thickness_m", "frequency_Hz", "z_real_Ohm", "z_imag_Ohm"), rows)
    plot_spectra(out / "aging.png", plotted,
                 f"Calendar aging at soc {p['checkup_soc']:g}, {temperature:g} K: SEI growth")
    states["fitted R_SEI grows monotonically"] = "yes" if np.all(np.diff(fitted_sei) > 0) else "no"
    return states


# --- the rate limits -----------------------------------------------------------------------------
def _rate_limits(p: dict, out: Path) -> dict:
    runs = [discharge(c, p["temperature"]) for c in C_RATES if c <= p["max_c_rate"] + 1e-12]
    table, rows = {}, []
    for run in runs:
        lost = run.capacity_lost_to()
        table[f"{run.c_rate:g}C"] = {
            "capacity_Ah": round(run.delivered, 4),
            "ended_by": run.ended_by,
            "limited_by": PROCESS_LABELS[run.limited_by()],
            "loss_at_end_mV": {PROCESS_LABELS[k]: round(float(v[-1]) * 1e3, 1)
                               for k, v in run.overpotentials.items()},
        }
        rows.append((run.c_rate, run.delivered, run.ended_by, run.limited_by(),
                     *(lost[name] for name in PROCESSES)))
    _write_rows(out / "rate_limits.csv", ("c_rate", "capacity_Ah", "ended_by", "limited_by",
                                          *(f"lost_to_{name}_Ah" for name in PROCESSES)), rows)
    shown = [run for run in runs if run.ended_by == "voltage cut-off"][-4:] or runs[:1]
    plot_rate_limits(out / "rate_limits.png", shown, PROCESS_LABELS)
    return table


def _milli(element) -> str:
    return f"{element.value * 1e3:.4f} [{element.low * 1e3:.4f}, {element.high * 1e3:.4f}]"


def _write_rows(path: Path, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
