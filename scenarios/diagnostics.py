"""Diagnostics campaign: how fast, how often and how rightly the Diagnoser finds faults.

Fault-free runs (one monitored hour each after the Diagnoser's warm-up,
alternately driving WLTC cycles and charging at 0.5C then resting for
``RELAXATION_REST`` s, a new noise seed each) give the false-alarm rate and
the rests the plating check must pass. Then each fault
class is injected ``runs`` times at a random time (600-900 s) and size:

| class              | size (sign random for offsets)                | duty |
|--------------------|-----------------------------------------------|------|
| voltage_offset     | 10-30 mV on the voltage sensor                | drive or 0.5-1C charge |
| current_offset     | 0.25-1 A on the current sensor                | drive or charge |
| temperature_offset | 1-3 K on the surface temperature sensor       | drive or charge |
| internal_short     | 5-10 Ohm across the cell                      | drive or charge |
| resistance_growth  | 30-100 % more ohmic and charge-transfer resistance (BatteryCell's resistance_growth) | drive or charge |
| plating            | 1.5-2C CC-CV charge for 20-30 min from 10-30 % SOC at -10..0 degC, the cell forced-air cooled (R_u = 6.28 K/W, as ``fast_charge``), then a rest of RELAXATION_REST s | charge, rest |
| thermal_runaway    | a 0.5-1.5 Ohm short or 15-40 W external heat  | drive |

A fault counts as detected at the first alarm after it appeared (plating:
after the plant first held plated lithium; an alarm on the relaxation comes
after the charge's end by design, and that delay is reported too); it is isolated
rightly if the diagnosis at the end of the run names it (a runaway: if the
runaway alarm was raised). ``warning_lead_time_s`` runs from the runaway alarm
to the plant's core reaching 120 degC. The residuals are measured minus
predicted by the twin (``twin``): the StateEstimator (joint EKF, starting
from a wrong SOC; the Diagnoser waits until its soc_std is below 0.05) or the
nominal model open loop. The Diagnoser (the model inside the Diagnoser
FMU) runs the CUSUM or the windowed GLR (``detector``) and, on the
StateEstimator, takes its resistance factor and current-offset estimates as
symptoms too. The plant, sensors and twin are in ``diagnostics_runs``.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from btwin.models.diagnosis import DiagnoserSettings, FaultCode
from btwin.models.diagnosis.relaxation import LATE, WINDOW

from . import diagnostics_plots
from .common import output_dir, write_csv, write_summary
from .diagnostics_runs import Fault, Outcome, Profile, default_settings, run as simulate
from .fast_charge import FORCED_AIR_RESISTANCE
from .params import Param, resolve

CLASSES = ("voltage_offset", "current_offset", "temperature_offset", "internal_short",
           "resistance_growth", "plating", "thermal_runaway")
DIAGNOSED_AS = {
    FaultCode.VOLTAGE_SENSOR: "voltage_offset", FaultCode.CURRENT_SENSOR: "current_offset",
    FaultCode.TEMPERATURE_SENSOR: "temperature_offset", FaultCode.INTERNAL_SHORT: "internal_short",
    FaultCode.RESISTANCE_GROWTH: "resistance_growth", FaultCode.PLATING: "plating",
    FaultCode.THERMAL_RUNAWAY: "thermal_runaway",
}
_SIZES = {  # low, high, random sign
    "voltage_offset": (0.010, 0.030, True), "current_offset": (0.25, 1.0, True),
    "temperature_offset": (1.0, 3.0, True), "internal_short": (5.0, 10.0, False),
    "resistance_growth": (0.3, 1.0, False),
}

RELAXATION_REST = LATE + WINDOW + 60.0  # s of rest after a charge: the relaxation check's verdict

PARAMS = {
    "runs": Param(20, "runs per fault class", minimum=1),
    "seed": Param(0, "random seed of fault times, sizes, duties and sensor noise"),
    "ambient_temperature": Param(298.15, "ambient temperature of the fault-free runs and of the "
                                 "faults other than plating", unit="K", minimum=263.15, maximum=318.15),
    "fault_free_hours": Param(10.5, "hours of fault-free runs for the false-alarm rate (a false alarm "
                              "costs a warm-up of monitored time)", unit="h",
                              minimum=0.0, exclusive_minimum=True),
    "twin": Param("estimator", "what predicts the measurements: the StateEstimator's EKF (wrong initial "
                  "SOC, converging) or the nominal cell model run open loop on the measured current",
                  choices=("estimator", "open_loop")),
    "run_duration": Param(1800.0, "length of one fault run (a runaway run ends 30 s after the core "
                          "reaches 120 degC, at twice this at most)", unit="s", minimum=1200.0),
    "detector": Param("cusum", "the Diagnoser's change detector: CUSUM tuned to 10 mV / 1 K, or the "
                      "windowed GLR (any size)", choices=("cusum", "glr")),
}


def run(out_dir: Path | None = None, **params) -> dict:
    """Run the campaign (see :data:`PARAMS`); write into ``out_dir`` (default results/diagnostics)."""
    p = resolve(PARAMS, params)
    out = output_dir(out_dir, "diagnostics")
    fault_free = _fault_free_runs(p)
    faults = {name: _fault_runs(name, index, p) for index, name in enumerate(CLASSES)}
    summary = {"detector": p["detector"], "twin": p["twin"], **_summary(fault_free, faults)}
    summary["results"] = {"runs": str(out / "runs.csv"), "residuals": str(out / "residuals.png"),
                          "confusion": str(out / "confusion.png"), "relaxation": str(out / "relaxation.png")}
    write_csv(out / "runs.csv", _table(faults))
    diagnostics_plots.residuals({name: runs[0] for name, runs in faults.items()}, out / "residuals.png")
    diagnostics_plots.confusion(_confusion(faults), CLASSES, out / "confusion.png")
    rests = [faults["plating"][0]] + [o for o in fault_free if o.trace.time and o.profile.kind == "charge"]
    diagnostics_plots.relaxation(rests, out / "relaxation.png")
    write_summary(out, summary)
    return summary


def _fault_free_runs(p: dict) -> list[Outcome]:
    hours = p["fault_free_hours"]
    count = max(1, math.ceil(hours))
    duration = hours * 3600.0 / count + DiagnoserSettings().warmup_time  # monitored after the warm-up
    outcomes = []
    for k in range(count):
        rng = np.random.default_rng([p["seed"], 99, k])
        profile = (Profile("drive", duration, rng.uniform(0.7, 0.95), p["ambient_temperature"]) if k % 2 == 0
                   else Profile("charge", duration, rng.uniform(0.2, 0.5), p["ambient_temperature"], 0.5,
                                max(duration - RELAXATION_REST, 600.0)))
        outcomes.append(simulate(profile, Fault("none"), [p["seed"], 98, k], _settings(p), record=(k == 1),
                                 twin_kind=p["twin"]))
    return outcomes


def _fault_runs(name: str, index: int, p: dict) -> list[Outcome]:
    outcomes = []
    for k in range(p["runs"]):
        rng = np.random.default_rng([p["seed"], index, k])
        profile, fault = _draw(name, k, rng, p)
        outcomes.append(simulate(profile, fault, [p["seed"], index, k, 1], _settings(p), record=(k == 0),
                                 twin_kind=p["twin"]))
    return outcomes


def _settings(p: dict) -> DiagnoserSettings:
    """The Diagnoser's settings for the twin with the chosen detector."""
    return replace(default_settings(p["twin"]), detector=p["detector"])


def _draw(name: str, k: int, rng, p: dict) -> tuple[Profile, Fault]:
    """A random duty and fault of class ``name`` (ranges in the module docstring)."""
    duration, ambient = p["run_duration"], p["ambient_temperature"]
    time = rng.uniform(600.0, 900.0)
    if name == "plating":
        cold = rng.uniform(263.15, 273.15)
        rate = rng.uniform(1.5, 2.0)
        soc = rng.uniform(0.1, 0.3)
        charge_time = rng.uniform(1200.0, 1800.0)
        return (Profile("charge", max(duration, charge_time + RELAXATION_REST), soc, cold, rate, charge_time,
                        FORCED_AIR_RESISTANCE), Fault(name, 0.0, rate))
    if name == "thermal_runaway":
        trigger = ("short", "heating")[k % 2]
        size = rng.uniform(0.5, 1.5) if trigger == "short" else rng.uniform(15.0, 40.0)
        return (Profile("drive", 2.0 * duration, rng.uniform(0.6, 0.95), ambient),
                Fault(name, time, size, trigger))
    low, high, signed = _SIZES[name]
    size = rng.uniform(low, high) * (rng.choice((-1.0, 1.0)) if signed else 1.0)
    if rng.uniform() < 0.5:
        profile = Profile("drive", duration, rng.uniform(0.6, 0.95), ambient)
    else:
        profile = Profile("charge", duration, rng.uniform(0.1, 0.4), ambient, rng.uniform(0.5, 1.0))
    return profile, Fault(name, time, size)


def diagnosed_class(outcome: Outcome) -> str:
    if not math.isnan(outcome.runaway_alarm_time):
        return "thermal_runaway"
    return DIAGNOSED_AS.get(outcome.diagnosed, "none")


def _delay(o: Outcome) -> float:
    start = o.plating_onset if o.fault.kind == "plating" else o.fault.time
    return o.detection_time - start


def _summary(fault_free: list[Outcome], faults: dict[str, list[Outcome]]) -> dict:
    hours = sum(o.monitored_time for o in fault_free) / 3600.0
    alarms = sum(o.false_alarms for o in fault_free)
    charges = [o for o in fault_free if o.profile.kind == "charge"]
    watched = [o for o in charges if not math.isnan(o.relaxation_excess)]
    per_class = {name: _class_summary(outcomes) for name, outcomes in faults.items()}
    every = [o for outcomes in faults.values() for o in outcomes]
    return {
        "false_alarms_per_hour": round(alarms / hours, 4) if hours else math.nan,
        "fault_free_hours_monitored": round(hours, 2),
        "false_alarms": alarms,
        "plating_flags_on_half_c_charges": sum(o.plating_flagged for o in charges),
        "half_c_charges": len(charges),
        "half_c_rests_watched": len(watched),
        "half_c_relaxation_excess_max": round(max(o.relaxation_excess for o in watched), 4) if watched else None,
        "half_c_relaxation_threshold_min": round(min(o.relaxation_threshold for o in watched), 4) if watched else None,
        "isolation_accuracy": round(float(np.mean([diagnosed_class(o) == o.fault.kind for o in every])), 4),
        "faults": per_class,
    }


def _class_summary(outcomes: list[Outcome]) -> dict:
    detected = [o for o in outcomes if not math.isnan(o.detection_time)]
    delays = [_delay(o) for o in detected]
    entry = {
        "runs": len(outcomes),
        "detection_rate": round(len(detected) / len(outcomes), 4),
        "median_detection_delay_s": round(float(np.median(delays)), 1) if delays else math.nan,
        "isolation_accuracy": round(float(np.mean([diagnosed_class(o) == o.fault.kind for o in outcomes])), 4),
        "alarms_before_the_fault": sum(o.early_alarm for o in outcomes),
    }
    if outcomes[0].fault.kind == "plating":
        entry.update(_plating_summary(outcomes))
    if outcomes[0].fault.kind == "thermal_runaway":
        leads = [o.runaway_core_time - o.runaway_alarm_time for o in outcomes]
        entry["warning_lead_time_s"] = {"min": round(float(np.min(leads)), 1),
                                        "median": round(float(np.median(leads)), 1)}
        entry["runs_warned_60_s_ahead"] = int(np.sum(np.array(leads) >= 60.0))
    return entry


def _plating_summary(outcomes: list[Outcome]) -> dict:
    """How the plating runs were flagged: on the relaxation after the charge (its delay
    from the charge's end; the only way the Diagnoser names plating, so an alarm the
    relaxation did not back is counted apart, as a fault of the rig), what the plant
    plated and the relaxation's excess fall over the twin's fault-free prediction (and
    the model-free late share) seen."""
    relaxed = [o for o in outcomes if o.plating_by_relaxation]
    after_charge = [o.plating_alarm_time - o.profile.charge_time for o in relaxed]
    watched = [o for o in outcomes if not math.isnan(o.relaxation_excess)]
    shares = [float(o.relaxation_share) for o in watched]
    margins = [float(o.relaxation_excess / o.relaxation_threshold) for o in watched]
    plated = [o.plated_lithium for o in outcomes]
    return {
        "flagged_not_on_the_relaxation": sum(o.plating_flagged and not o.plating_by_relaxation for o in outcomes),
        "flagged_on_the_relaxation": len(relaxed),
        "median_delay_after_charge_end_s": round(float(np.median(after_charge)), 1) if relaxed else None,
        "plated_lithium_Ah": {"min": round(min(plated), 4), "max": round(max(plated), 4)},
        "relaxation_excess": ({"min": round(min(o.relaxation_excess for o in watched), 3),
                               "max": round(max(o.relaxation_excess for o in watched), 3),
                               "least_over_threshold": round(min(margins), 2)} if watched else {}),
        "relaxation_share": {"min": round(min(shares), 3), "max": round(max(shares), 3)} if shares else {},
    }


def _confusion(faults: dict[str, list[Outcome]]) -> np.ndarray:
    """Rows: true class; columns: diagnosed class, then "none" (nothing named)."""
    columns = list(CLASSES) + ["none"]
    matrix = np.zeros((len(CLASSES), len(columns)), dtype=int)
    for row, name in enumerate(CLASSES):
        for o in faults[name]:
            matrix[row, columns.index(diagnosed_class(o))] += 1
    return matrix


def _table(faults: dict[str, list[Outcome]]) -> dict[str, list[float]]:
    rows = [o for outcomes in faults.values() for o in outcomes]
    return {
        "class": [CLASSES.index(o.fault.kind) for o in rows],
        "fault_time_s": [o.fault.time for o in rows],
        "size": [o.fault.size for o in rows],
        "charging": [float(o.profile.kind == "charge") for o in rows],
        "ambient_temperature_K": [o.profile.ambient_temperature for o in rows],
        "detection_delay_s": [_delay(o) for o in rows],
        "diagnosed_class": [CLASSES.index(diagnosed_class(o)) if diagnosed_class(o) in CLASSES else -1
                            for o in rows],
        "warning_lead_time_s": [o.runaway_core_time - o.runaway_alarm_time for o in rows],
    }
