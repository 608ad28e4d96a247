"""SPMe battery model against PyBaMM SPMe (Chen2020): isothermal constant-
current discharges from initial_soc = 1 to 2.5 V over the rate x temperature
matrix of issue 3, plus the cost of one model step.

    .venv/bin/python benchmarks/battery_accuracy.py [--dt 1.0]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.models.battery import SPMeBattery  # noqa: E402
from tests.models.pybamm_reference import compare, model_discharge, pybamm_discharge  # noqa: E402

C_RATES = (0.2, 0.5, 1.0, 2.0)
CELSIUS = (0.0, 25.0, 45.0)
LIMITS = {0.2: 0.015, 0.5: 0.015, 1.0: 0.015, 2.0: 0.025}  # V RMS, issue 3


def accuracy_table(dt: float) -> bool:
    print(f"model step dt = {dt} s; reference PyBaMM SPMe, Chen2020, fine mesh, rtol 1e-9")
    print(f"{'C-rate':>6} {'T [C]':>6} {'RMS [mV]':>9} {'max [mV]':>9} {'t_cut ref [s]':>14} "
          f"{'t_cut model [s]':>16} {'t_cut err':>10} {'ok':>3}")
    all_ok = True
    for c_rate in C_RATES:
        for celsius in CELSIUS:
            temperature = 273.15 + celsius
            r = compare(pybamm_discharge(c_rate, temperature),
                        model_discharge(c_rate, temperature, dt))
            ok = r["rms"] <= LIMITS[c_rate] and abs(r["cutoff_error"]) <= 0.03
            all_ok &= ok
            print(f"{c_rate:6.1f} {celsius:6.0f} {r['rms'] * 1e3:9.2f} {r['max'] * 1e3:9.2f} "
                  f"{r['cutoff_ref']:14.1f} {r['cutoff_model']:16.1f} "
                  f"{r['cutoff_error'] * 100:9.3f}% {'yes' if ok else 'NO':>3}", flush=True)
    return all_ok


def step_cost(repeats: int = 500, runs: int = 40) -> tuple[float, float]:
    """Wall time [us] of step(dt=1 s): (best, median) over ``runs`` runs of
    ``repeats`` steps; the best run is the least disturbed by other processes."""
    cell = SPMeBattery()
    saved = cell.get_state()
    costs = []
    for _ in range(runs):
        cell.set_state(saved)
        start = time.perf_counter()
        for k in range(repeats):
            cell.step(1.0, 5.0 if k % 2 else -5.0, 298.15)
        costs.append((time.perf_counter() - start) / repeats * 1e6)
    costs.sort()
    return costs[0], costs[len(costs) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dt", type=float, default=1.0, help="model step [s]")
    args = parser.parse_args()
    best, median = step_cost()
    print(f"step(dt=1 s) cost: best {best:.1f} us, median {median:.1f} us "
          f"(40 runs x 500 steps, current alternating +-5 A)")
    return 0 if accuracy_table(args.dt) else 1


if __name__ == "__main__":
    sys.exit(main())
