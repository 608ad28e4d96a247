"""The own twin's error on a fleet's vehicle-days, found with the plant's
truth: each vehicle-day of a fleet table replayed in plain Python the way
the fleet co-simulates it (Gauss-Seidel: the Cycler draws its current at the
held voltage, the cell carries it over the same 5 s step; the Sensors with
the fleet's noise and seed; the own twin with the fleet's settings), then

  * the twin's voltage error *given the plant's truth* (its SOC, core
    temperature, capacity and the resistance factor a lab measures) by phase,
    and broken down by process against the SPMe's own overpotentials
    (``TwinModel.losses``): what the model misses;
  * the own twin's capacity and resistance-factor error at the end of the
    day against its stated std (NEES): what the estimator makes of it;
  * the day's capacity evidence (the own twin's start divided out of its
    end, ``own_record.day_evidence``) against the truth: what the cloud gets.

    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet                # day 0, every vehicle
    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet --vehicles 0,6 --days 0,1
    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet --held         # current held forward
    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet --no-noise
    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet --days 3 --start-soc 0.35
    .venv/bin/python benchmarks/fleet_twin_error.py --table DIR/fleet.parquet --charges charged_every_evening

``--charges charged_every_evening`` (or ``run_low_before_a_charge``)
replays every day after the first on which the cars of that habit charged;
``--twin NAME=VALUE``, repeated, sets the own twin's settings
(``EstimatorSettings``) instead of the fleet's: ``--twin soc_drift=0.005
--twin voltage_bias_std=0.003`` is the fleet's twin before these were set
from the plant (``vehicle_day.SOC_DRIFT``).

``--start-soc`` replays each day as if the pack had rested overnight at that
SOC (the own twin knowing it to 0.01) and the charge put back the rest: what
a deeper day would tell the twin. Each line gives the day's evidence std,
the start divided out of the end (``own_record.day_evidence``).

The replay reproduces the fleet's own-twin capacity within a few mA.h (its
master adds a NEPCE correction of a few mA to the cell's current).
"""
from __future__ import annotations

import argparse
from dataclasses import fields, replace

import numpy as np
import pyarrow.parquet as pq

from btwin.models.battery import SPMeBattery
from btwin.models.cycler import Cycler, CyclerParameters
from btwin.models.estimation.estimator import EstimatorSettings, StateEstimator
from btwin.models.estimation.twin_model import TwinModel
from btwin.models.population import day_evidence
from btwin.models.sensors import ChannelSpec, Sensors
from btwin.models.thermal import CellThermal, ThermalParameters
from btwin.scenarios.fleet import vehicle_day as vd
from btwin.scenarios.fleet.summary import HABITS, charge_below, columns

# the fleet's: the Sensors FMU's defaults, the current a cell's share of the pack sensor's reading
SENSOR_NOISE = {"current": vd.CURRENT_NOISE_A, "voltage": 0.005, "surface_temperature": 0.1}
TERMS = ("ocv", "ohmic", "negative_kinetic", "positive_kinetic", "negative_diffusion", "positive_diffusion",
         "electrolyte_concentration")
PHASES = {"rest": lambda i: np.abs(i) < 0.05, "drive": lambda i: i >= 0.05,
          "charge > 2 A": lambda i: i < -2.0, "charge <= 2 A": lambda i: (i <= -0.05) & (i >= -2.0)}


def day_spec(rows: list[dict], vehicle: int, day: int) -> dict:
    """The spec the fleet ran the vehicle-day with: the row's own fields and the carry of the day before."""
    row = next(r for r in rows if r["vehicle"] == vehicle and r["day"] == day)
    spec = {k: v for k, v in row.items() if not k.startswith("carry_")}
    if day > 0:
        before = next(r for r in rows if r["vehicle"] == vehicle and r["day"] == day - 1)
        spec.update({k: v for k, v in before.items() if k.startswith("carry_")})
    return spec


def replay(spec: dict, settings: dict, noise: bool = True) -> dict:
    """One vehicle-day: the twin at the plant's truth and the own twin."""
    plant_parameters = vd.plant_parameters(spec)
    ambient = spec["vehicle_ambient_temperature"]
    plan = vd.day_plan(spec)
    plant = SPMeBattery(replace(plant_parameters, initial_soc=spec.get("carry_plant_soc", vd.FIRST_DAY_SOC)))
    thermal = CellThermal(ThermalParameters(surface_to_ambient_resistance=ThermalParameters().surface_to_ambient_resistance
                                            * spec["vehicle_thermal_resistance_factor"]), ambient)
    cycler = Cycler(CyclerParameters(drive_cycle=vd.CYCLE_NAMES[spec["vehicle_cycle"]], vehicle=vd.VEHICLE,
                                     vehicle_series=vd.VEHICLE_SERIES, vehicle_parallel=vd.VEHICLE_PARALLEL,
                                     discharge_capacity=plan.drawn, charge_current=plan.charge_current,
                                     rest_time=plan.rest_time, max_drives=1))
    sensors = Sensors({name: ChannelSpec(noise=value if noise else 0.0) for name, value in SENSOR_NOISE.items()},
                      seed=vd._seed(spec))
    own = StateEstimator(EstimatorSettings(**settings))
    truth_twin, capacity = TwinModel(), vd.true_capacity(plant_parameters)
    theta = vd.true_resistance_factor(plant_parameters)
    current, voltage, log = 0.0, plant.outputs.voltage, []
    for _ in range(int(plan.stop / vd.STEP_S)):
        current = cycler.step(vd.STEP_S, voltage)
        out = plant.step(vd.STEP_S, current, thermal.core_temperature)
        thermal.step(vd.STEP_S, out.heat_generation, ambient)
        sensors.advance(vd.STEP_S)
        voltage = out.voltage
        own.step(vd.STEP_S, *sensors.measure({"current": current, "voltage": voltage,
                                               "surface_temperature": thermal.surface_temperature}), ambient)
        truth_twin.advance_diffusion(current, vd.STEP_S)
        x = np.array([out.soc, thermal.core_temperature, thermal.surface_temperature, capacity, theta])
        losses = truth_twin.losses(x, current)
        spme = plant.overpotentials()._asdict()
        spme["ohmic"] = spme.pop("electrolyte_ohmic") + spme.pop("solid_ohmic") + spme.pop("sei_film")
        spme["ocv"] = out.ocv
        log.append((current, truth_twin.voltage(x, current) - voltage,
                    *(losses[t] - spme[t] if t == "ocv" else spme[t] - losses[t] for t in TERMS)))
    end = own.estimate()
    start_mean, start_std = vd.own_start(spec)["capacity"]
    evidence, evidence_variance = day_evidence(end.capacity, end.capacity_std**2, start_mean, start_std**2)
    return {"log": np.array(log), "capacity_error": end.capacity - capacity, "capacity_std": end.capacity_std,
            "theta_error": end.resistance_factor - theta, "theta_std": end.resistance_factor_std,
            "evidence_error": float(evidence) - capacity, "evidence_std": float(np.sqrt(evidence_variance))}


def own_settings(spec: dict, held: bool) -> dict:
    """The own twin's start as the fleet gives it (``vehicle_day._twin_start``)."""
    start = vd._twin_start(spec, "own", vd.own_start(spec), spec["vehicle_ambient_temperature"])
    start.pop("ambient_temperature")
    return {**start, "step_mean_current": not held}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="a fleet.parquet")
    parser.add_argument("--vehicles", default=None, help="comma-separated; default all")
    parser.add_argument("--days", default="0", help="comma-separated")
    parser.add_argument("--held", action="store_true", help="the twin holds the current read over the next step")
    parser.add_argument("--no-noise", action="store_true",
                        help="sensors without noise (and the twin compensates no current noise)")
    parser.add_argument("--start-soc", type=float, default=None,
                        help="replay the days (after day 0) from this rested SOC instead of the table's")
    parser.add_argument("--charges", choices=tuple(HABITS), default=None,
                        help="replay every charge after day 0 of the cars of this habit (not --vehicles, --days)")
    parser.add_argument("--twin", action="append", default=[], metavar="NAME=VALUE",
                        help="one of the own twin's settings instead of the fleet's; may be repeated")
    args = parser.parse_args()
    rows = [r for r in pq.read_table(args.table).to_pylist() if not r["error"]]
    vehicles = sorted({r["vehicle"] for r in rows}) if args.vehicles is None else \
        [int(v) for v in args.vehicles.split(",")]
    days = [int(d) for d in args.days.split(",")]
    if args.start_soc is not None and ((args.charges is None and 0 in days) or not 0.0 < args.start_soc <= 1.0):
        parser.error("--start-soc needs days after day 0 and a SOC in (0, 1]")
    overrides = _overrides(parser, args.twin)
    if args.charges is None:
        chosen = [(vehicle, day) for day in days for vehicle in vehicles]
    else:
        owners = HABITS[args.charges](charge_below(columns(rows, ("vehicle_charge_below",))))
        chosen = sorted((r["vehicle"], r["day"]) for r, theirs in zip(rows, owners)
                        if theirs and r["day"] > 0 and r["charged_today"])
    results, logs = [], []
    for vehicle, day in chosen:
        spec = day_spec(rows, vehicle, day)
        if args.start_soc is not None:
            spec.update(carry_plant_soc=args.start_soc, carry_own_soc=args.start_soc, carry_own_soc_std=0.01,
                        vehicle_charge_below=1.0)  # and charged back to full that evening
        settings = {**own_settings(spec, args.held), **({"compensate_current_noise": False} if args.no_noise else {}),
                    **overrides}
        result = replay(spec, settings, noise=not args.no_noise)
        results.append(result)
        logs.append(result["log"])
        print(f"  vehicle {vehicle:3d} day {day}: {spec['vehicle_cycle']:5s} "
              f"{'fast' if spec['vehicle_fast_charging'] else 'slow'} "
              f"{spec['vehicle_ambient_temperature'] - 273.15:4.1f} degC {spec['distance_km']:5.1f} km: "
              f"capacity error {result['capacity_error']:+.4f} (std {result['capacity_std']:.4f}, "
              f"the day's evidence {result['evidence_error']:+.4f}, std {result['evidence_std']:.3f}) A.h, "
              f"resistance factor {result['theta_error']:+.4f} (std {result['theta_std']:.4f})", flush=True)
    report(results, np.vstack(logs))


def _overrides(parser: argparse.ArgumentParser, pairs: list[str]) -> dict:
    """``--twin NAME=VALUE`` pairs as EstimatorSettings fields (a float, or true/false)."""
    known = {field.name: field.type for field in fields(EstimatorSettings)}
    overrides = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in known or not value:
            parser.error(f"--twin {pair!r}: expected NAME=VALUE with NAME one of the estimator's settings")
        try:
            overrides[name] = value.lower() == "true" if known[name] in ("bool", bool) else float(value)
        except ValueError:
            parser.error(f"--twin {pair!r}: {value!r} is not a number")
    return overrides


def report(results: list[dict], log: np.ndarray) -> None:
    print("\nthe twin given the plant's truth, voltage error [mV] (twin - plant; by process: what the twin's "
          "voltage gets wrong through it)")
    print(f"  {'phase':14s}{'steps':>7s}{'mean':>7s}{'RMS':>7s}" + "".join(f"{t[:10]:>11s}" for t in TERMS))
    for phase, select in PHASES.items():
        chosen = select(log[:, 0])
        if chosen.any():
            part = log[chosen]
            print(f"  {phase:14s}{chosen.sum():7d}{1e3 * part[:, 1].mean():7.2f}"
                  f"{1e3 * np.sqrt(np.mean(part[:, 1] ** 2)):7.2f}"
                  + "".join(f"{1e3 * part[:, 2 + k].mean():11.2f}" for k in range(len(TERMS))))
    for name, unit in (("capacity", "A.h"), ("theta", "1")):
        error = np.array([r[f"{name}_error"] for r in results])
        std = np.array([r[f"{name}_std"] for r in results])
        print(f"own twin {name}: mean error {error.mean():+.4f}, RMS {np.sqrt(np.mean(error ** 2)):.4f} {unit}, "
              f"mean stated std {std.mean():.4f}, NEES {np.mean((error / std) ** 2):.2f} ({len(error)} vehicle-days)")
    error = np.array([r["evidence_error"] for r in results])
    std = np.array([r["evidence_std"] for r in results])
    print(f"the day's capacity evidence: mean error {error.mean():+.4f}, RMS {np.sqrt(np.mean(error ** 2)):.4f}, "
          f"scatter {error.std():.4f} A.h; stated std RMS {np.sqrt(np.mean(std ** 2)):.3f} ({len(error)} vehicle-days)")


if __name__ == "__main__":
    main()
