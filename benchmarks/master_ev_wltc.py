"""The proving ground of the master: the ev_wltc car (96s40p LG M50 pack,
its thermal model, a Bolt EV powertrain) on one WLTC class 3b, 1800 s.

(a) at a 1 s step, NEPCE against plain Jacobi: summed bond residual, and the
    battery's delivered energy and final SOC against a fine reference;
(a') with --accuracy-only: our runs alone against the fine reference, the
    figures the README quotes (final and largest running residual, error
    in delivered energy);
(b) master overhead per macro step against the time spent inside the FMUs;
(c) wall time against libcosim (fixed step, same FMUs, same step) in the same
    process, and error against libcosim's ECCO at an equal number of steps.

    .venv/bin/python benchmarks/master_ev_wltc.py [--reference-step 0.02] [--stop-time 1800]
                                                  [--overhead-only | --accuracy-only]

The FMUs come from build/fmus (built there first when missing).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.master_common import Outcome, print_table, run_libcosim, run_ours  # noqa: E402
from btwin.master import Master, System  # noqa: E402
from btwin.scenarios import ev_wltc  # noqa: E402

WATCH = "battery.soc"
STEP = 1.0
ECCO = dict(step_size=STEP, min_step_size=0.1, max_step_size=5.0, abs_tolerance=1e-2, rel_tolerance=1e-2)
JACOBI_NEPCE = dict(correction="nepce")
GS_NEPCE = dict(algorithm="gauss-seidel", correction="nepce")


def accuracy(system: System, stop: float, reference_step: float) -> tuple[Outcome, dict[str, Outcome]]:
    reference = run_ours(system, f"reference: Jacobi h={reference_step:g}", stop, reference_step, WATCH)
    rows = {
        "jacobi": run_ours(system, f"ours Jacobi h={STEP:g}", stop, STEP, WATCH),
        "jacobi_nepce": run_ours(system, f"ours Jacobi+NEPCE h={STEP:g}", stop, STEP, WATCH, **JACOBI_NEPCE),
        "gs": run_ours(system, f"ours Gauss-Seidel h={STEP:g}", stop, STEP, WATCH, algorithm="gauss-seidel"),
        "gs_nepce": run_ours(system, f"ours Gauss-Seidel+NEPCE h={STEP:g}", stop, STEP, WATCH, **GS_NEPCE),
        "libcosim": run_libcosim(system, f"libcosim fixed h={STEP:g}", stop, WATCH, h=STEP),
    }
    rows["ecco"] = ecco = run_libcosim(system, "libcosim ECCO", stop, WATCH, ecco=ECCO)
    equal = stop / ecco.steps
    rows["ecco_equal_gs"] = run_ours(system, f"ours GS+NEPCE h={equal:.4g} (ECCO's count)", stop, equal, WATCH,
                                     **GS_NEPCE)
    rows["ecco_equal_jacobi"] = run_ours(system, f"ours Jacobi+NEPCE h={equal:.4g} (ECCO's count)", stop, equal,
                                         WATCH, **JACOBI_NEPCE)
    return reference, rows


def accuracy_ours(system: System, stop: float, reference_step: float) -> None:
    """The README's accuracy figures: Gauss-Seidel+NEPCE (the scenario's
    algorithm) and plain Jacobi at 1 s against a fine-step reference."""
    reference = run_ours(system, f"reference: Jacobi h={reference_step:g}", stop, reference_step, WATCH)
    plain = run_ours(system, f"ours Jacobi h={STEP:g}", stop, STEP, WATCH)
    nepce = run_ours(system, f"ours Gauss-Seidel+NEPCE h={STEP:g}", stop, STEP, WATCH, **GS_NEPCE)
    print_table(reference, [plain, nepce])
    error, plain_error = (abs(r.delivered_J - reference.delivered_J) for r in (nepce, plain))
    print(f"\n{nepce.label}: final residual {nepce.residual_J:.3g} J of {nepce.delivered_J / 1e6:.3g} MJ delivered; "
          f"largest running residual {nepce.max_residual_J:.3g} J (at t = {nepce.max_residual_time_s:g} s); "
          f"delivered energy {error:.3g} J from the reference, {plain_error / error:.0f}x closer than plain "
          f"Jacobi ({plain_error:.3g} J)")


def overhead(system: System, stop: float, options: dict, csv: bool, repeats: int = 3) -> tuple[float, float, float]:
    """Master and FMU time per macro step [us] over the steps after the first
    sixth (the difference of a full and a short run removes loading,
    instantiation and initialisation), and the CPU time of the results
    formatter process per step (0 without results.csv); the median of
    ``repeats`` (under load the best of a few can be a negative outlier)."""
    short = stop / 6.0
    samples = []
    for _ in range(repeats):
        times = []
        for t_end in (stop, short):
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            with tempfile.TemporaryDirectory() as out:
                r = Master(system, progress=False, **options).run(stop_time=t_end, step=STEP,
                                                                  out_dir=out if csv else None)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            formatter = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            times.append((r.master_time_s, sum(r.fmu_time_s.values()), formatter, r.macro_steps))
        (m1, f1, c1, n1), (m0, f0, c0, n0) = times
        samples.append(((m1 - m0) / (n1 - n0) * 1e6, (f1 - f0) / (n1 - n0) * 1e6, (c1 - c0) / (n1 - n0) * 1e6))
    return tuple(float(np.median([s[i] for s in samples])) for i in range(3))


def wall_side_by_side(system: System, stop: float, repeats: int = 3) -> dict[str, float]:
    """Best wall time of whole runs (loading included), ours and libcosim's
    fixed step alternating in this one process."""
    best = {"ours Jacobi": float("inf"), "ours Gauss-Seidel+NEPCE": float("inf"), "libcosim fixed": float("inf")}
    for _ in range(repeats):
        for label, options in (("ours Jacobi", {}), ("ours Gauss-Seidel+NEPCE", GS_NEPCE)):
            started = time.perf_counter()
            Master(system, progress=False, **options).run(stop_time=stop, step=STEP)
            best[label] = min(best[label], time.perf_counter() - started)
        best["libcosim fixed"] = min(best["libcosim fixed"],
                                     run_libcosim(system, "wall", stop, WATCH, h=STEP, record=False).wall_s)
    return best


def closer(reference: Outcome, better: Outcome, worse: Outcome) -> tuple[float, float]:
    """How many times closer ``better`` is than ``worse`` in delivered energy and final SOC."""
    de = abs(worse.delivered_J - reference.delivered_J) / max(abs(better.delivered_J - reference.delivered_J), 1e-300)
    ds = abs(worse.final - reference.final) / max(abs(better.final - reference.final), 1e-300)
    return de, ds


def report_accuracy(reference: Outcome, rows: dict[str, Outcome]) -> None:
    print_table(reference, list(rows.values()))
    plain = rows["jacobi"]
    print()
    for key in ("jacobi_nepce", "gs_nepce"):
        nepce = rows[key]
        cut = abs(plain.residual_J) / max(abs(nepce.residual_J), 1e-300)
        relative = abs(nepce.residual_J) / abs(nepce.delivered_J)
        de, ds = closer(reference, nepce, plain)
        print(f"{nepce.label}: residual {nepce.residual_J:.3g} J vs plain Jacobi {plain.residual_J:.3g} J "
              f"({cut:.0f}x smaller, goal >= 10x: {_verdict(cut >= 10)}); "
              f"{100 * relative:.2e} % of delivered (goal <= 0.1 %: {_verdict(relative <= 1e-3)})")
        print(f"    closer to the reference than plain Jacobi: delivered energy {de:.1f}x, final SOC {ds:.1f}x "
              f"(goal >= 2x: {_verdict(de >= 2 and ds >= 2)})")
    ecco = rows["ecco"]
    for key in ("ecco_equal_gs", "ecco_equal_jacobi"):
        de, ds = closer(reference, rows[key], ecco)
        print(f"{rows[key].label} vs libcosim ECCO ({ecco.steps} steps): {de:.1f}x closer in delivered energy, "
              f"{ds:.1f}x in final SOC")


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-time", type=float, default=ev_wltc.CYCLE_S)
    parser.add_argument("--reference-step", type=float, default=0.02)
    parser.add_argument("--fmus", type=Path, default=ROOT / "build" / "fmus")
    parser.add_argument("--overhead-only", action="store_true", help="only (b), the master overhead table")
    parser.add_argument("--accuracy-only", action="store_true", help="only (a'), the README's accuracy figures")
    parser.add_argument("--repeats", type=int, default=5, help="overhead: median of this many runs")
    args = parser.parse_args()
    system = System(ev_wltc.structure(args.fmus))
    stop = args.stop_time
    print(f"ev_wltc: {ev_wltc.N_SERIES}s{ev_wltc.N_PARALLEL}p LG M50 ({ev_wltc.pack_energy_kwh():.1f} kWh), "
          f"{ev_wltc.VEHICLE}, {ev_wltc.CYCLE}, {stop:g} s\n")

    if args.accuracy_only:
        accuracy_ours(system, stop, args.reference_step)
        return 0
    if not args.overhead_only:
        started = time.perf_counter()
        reference, rows = accuracy(system, stop, args.reference_step)
        report_accuracy(reference, rows)
        print(f"(accuracy runs took {time.perf_counter() - started:.0f} s)\n")

    print(f"master overhead per macro step (h = 1 s, steady state, median of {args.repeats}):")
    for label, options in (("Jacobi", {}), ("Jacobi+NEPCE", JACOBI_NEPCE), ("Gauss-Seidel+NEPCE", GS_NEPCE)):
        for csv in (False, True):
            master_us, fmu_us, formatter_us = overhead(system, stop, options, csv, args.repeats)
            share = 100 * master_us / fmu_us
            aside = f"; formatter process {formatter_us:5.1f} us CPU" if csv else ""
            print(f"  {label:20s} {'results.csv' if csv else 'in memory  '}: master {master_us:6.1f} us, "
                  f"FMUs {fmu_us:6.1f} us = {share:5.1f} % (goal <= 10 %: {_verdict(share <= 10)}){aside}")

    if args.overhead_only:
        return 0
    print("\nwall time of a whole run at h = 1 s (loading included, best of 3, same process):")
    for label, wall in wall_side_by_side(system, stop).items():
        print(f"  {label:24s} {wall:7.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
