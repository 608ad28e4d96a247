"""The diagnostics campaign's figures against the targets of issue 13, and the
cost of one Diagnoser step.

    .venv/bin/python benchmarks/diagnostics_campaign.py [--runs 20] [--hours 10.5] [--seed 0]
        [--ambient 298.15] [--twin estimator|open_loop] [--detector cusum|glr] [--out results/diagnostics]

Runs ``btwin scenario diagnostics`` with these parameters (the defaults are
the full campaign), prints the table per fault class, every run whose fault
was not named rightly (from ``runs.csv``), and checks each target.
Exit 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.models.diagnosis import Diagnoser, DiagnoserSettings  # noqa: E402
from btwin.scenarios import diagnostics  # noqa: E402


def targets(s: dict) -> list[tuple[str, bool]]:
    f = s["faults"]

    def found(name, delay):
        e = f[name]
        return e["detection_rate"] >= 0.95 and e["median_detection_delay_s"] <= delay

    lead = f["thermal_runaway"]["warning_lead_time_s"]["min"]
    return [
        (f"false alarms {s['false_alarms_per_hour']}/h <= 0.1/h over "
         f"{s['fault_free_hours_monitored']} h (>= 10 h)",
         s["false_alarms_per_hour"] <= 0.1 and s["fault_free_hours_monitored"] >= 10.0),
        ("voltage offset >= 10 mV: detected >= 95 %, median delay <= 30 s", found("voltage_offset", 30.0)),
        ("temperature offset >= 1 K: detected >= 95 %, median delay <= 30 s",
         found("temperature_offset", 30.0)),
        ("internal short <= 10 Ohm: detected >= 95 %, median delay <= 300 s", found("internal_short", 300.0)),
        (f"runaway: alarm >= 60 s before the core reaches 120 degC in every run (min {lead} s)",
         not math.isnan(lead) and lead >= 60.0),
        (f"plating: every cold fast charge flagged ({_flagged(f['plating'])} of {f['plating']['runs']})",
         _flagged(f["plating"]) == f["plating"]["runs"]),
        (f"plating: no flag on {s['half_c_charges']} 0.5C charges",
         s["plating_flags_on_half_c_charges"] == 0),
        (f"isolation accuracy {s['isolation_accuracy']} >= 0.9", s["isolation_accuracy"] >= 0.9),
    ]


def confused_runs(runs_csv: Path) -> list[str]:
    """One line per run whose fault was named wrongly or not at all."""
    names = list(diagnostics.CLASSES)
    lines = []
    with open(runs_csv, newline="") as f:
        for row in csv.DictReader(f):
            true, named = int(float(row["class"])), int(float(row["diagnosed_class"]))
            if true != named:
                duty = "charge" if float(row["charging"]) else "drive"
                lines.append(f"  {names[true]} (size {float(row['size']):.4g}, {duty}, at "
                             f"{float(row['fault_time_s']):.0f} s) named {names[named] if named >= 0 else 'none'}")
    return lines


def _flagged(plating: dict) -> int:
    return plating["flagged_not_on_the_relaxation"] + plating["flagged_on_the_relaxation"]


def step_cost(detector: str, samples: int = 20000) -> float:
    """Mean seconds per Diagnoser step, fault-free and past its warm-up."""
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0, detector=detector))
    noise = np.random.default_rng(0).normal(0.0, 2e-3, samples)
    for v in noise[:100]:
        diagnoser.step(1.0, 2.0, 3.7 + v, 300.0, 3.7, 300.0)
    start = time.perf_counter()
    for v in noise:
        diagnoser.step(1.0, 2.0, 3.7 + v, 300.0, 3.7, 300.0)
    return (time.perf_counter() - start) / samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hours", type=float, default=10.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ambient", type=float, default=298.15)
    parser.add_argument("--twin", choices=("estimator", "open_loop"), default="estimator")
    parser.add_argument("--detector", choices=("cusum", "glr"), default="cusum")
    parser.add_argument("--out", type=Path, default=Path("results/diagnostics"))
    args = parser.parse_args()
    start = time.perf_counter()
    s = diagnostics.run(args.out, runs=args.runs, fault_free_hours=args.hours, seed=args.seed,
                        ambient_temperature=args.ambient, twin=args.twin, detector=args.detector)
    wall = time.perf_counter() - start
    print(f"campaign: {args.runs} runs per class, {args.hours} fault-free hours, seed {args.seed}, "
          f"ambient {args.ambient} K, twin {args.twin}, detector {args.detector}; wall time {wall:.0f} s")
    print("| class | detection rate | median delay [s] | isolation accuracy |")
    print("|---|---|---|---|")
    for name, e in s["faults"].items():
        print(f"| {name} | {e['detection_rate']:.2f} | {e['median_detection_delay_s']} | "
              f"{e['isolation_accuracy']:.2f} |")
    lead = s["faults"]["thermal_runaway"]["warning_lead_time_s"]
    print(f"false alarms per hour {s['false_alarms_per_hour']} over {s['fault_free_hours_monitored']} h; "
          f"isolation accuracy {s['isolation_accuracy']}; runaway lead time min {lead['min']} s, "
          f"median {lead['median']} s")
    pl = s["faults"]["plating"]
    print(f"plating: flagged on the relaxation {pl['flagged_on_the_relaxation']} (median "
          f"{pl['median_delay_after_charge_end_s']} s after the charge's end), not backed by it "
          f"{pl['flagged_not_on_the_relaxation']}; plated {pl['plated_lithium_Ah']} A.h; relaxation excess {pl['relaxation_excess']} (late share "
          f"{pl['relaxation_share']}); 0.5C rests at 25 degC: {s['half_c_rests_watched']} watched, largest excess "
          f"{s['half_c_relaxation_excess_max']} (smallest threshold {s['half_c_relaxation_threshold_min']}), "
          f"{s['plating_flags_on_half_c_charges']} flagged")
    print("runs named wrongly:", *(confused_runs(args.out / "runs.csv") or ["  none"]), sep="\n")
    print(f"Diagnoser step: {step_cost(args.detector) * 1e6:.0f} us (fault-free, past warm-up)")
    ok = True
    for text, met in targets(s):
        ok &= met
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
