"""GridFeeder against pandapower: agreement over random load cases and cost per step.

Run: .venv/bin/python benchmarks/grid_feeder.py [--cases N]

For three feeders (the default industrial-park feeder, a rural street behind
400 kVA, a 31-bus street with 20 load points) it draws N random load vectors
(from export to beyond the voltage limit), solves each with GridFeeder and with
pandapower 3.5.6 (Newton-Raphson, tolerance 1e-11 MVA) on the same network and
prints the worst relative differences, and the largest load each solver can
solve (voltage collapse). It then times GridFeeder.step (warm
start, loads held; and loads changing every step), a cold solve and
pandapower's runpp, and the per-step cost of the charger and the factory.
Times are CPU-time minima over repeats (the machine is shared).
"""
import argparse
import pathlib
import sys
import time
import timeit
import warnings

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from btwin.models.errors import StepRejected  # noqa: E402
from btwin.models.grid import FeederParameters, GridFeeder  # noqa: E402
from btwin.models.grid.charger import Charger  # noqa: E402
from btwin.models.grid.factory import FactoryLoads  # noqa: E402
from tests.models.grid_reference import (RURAL, build_pandapower, run_pandapower,  # noqa: E402
                                         street_feeder)

FEEDERS = {
    "industrial park (630 kVA, 3 loads)": (FeederParameters(), np.array([250e3, 50e3, 40e3])),
    "rural street (400 kVA, 5 loads)": (RURAL, np.array([80e3, 60e3, 50e3, 20e3, 30e3])),
    "31-bus street (400 kVA, 20 loads)": (street_feeder(), np.full(20, 12e3)),
}
QUANTITIES = ("bus voltages", "voltage drops", "feeder_power_w", "losses_w",
              "transformer_loading", "line_loadings")


def relative(ours, reference):
    ours, reference = np.atleast_1d(ours), np.atleast_1d(reference)
    return np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), 1e-12))


def compare(params, peak_w, cases, rng):
    feeder, net = GridFeeder(params), build_pandapower(params)
    worst = dict.fromkeys(QUANTITIES, 0.0)
    rejected = 0
    nominal = params.transformer.vn_lv_v
    for _ in range(cases):
        loads = peak_w * rng.uniform(-0.3, 1.2, peak_w.size)
        try:
            ours = feeder.step(1.0, loads)
        except StepRejected:
            rejected += 1
            continue
        ref = run_pandapower(net, params, loads)
        diffs = {
            "bus voltages": relative(ours.bus_voltages_v, ref["bus_voltages_v"]),
            "voltage drops": relative(nominal - ours.bus_voltages_v,
                                      nominal - ref["bus_voltages_v"]),
            "feeder_power_w": relative(ours.feeder_power_w, ref["feeder_power_w"]),
            "losses_w": relative(ours.losses_w, ref["losses_w"]),
            "transformer_loading": relative(ours.transformer_loading, ref["transformer_loading"]),
            "line_loadings": relative(ours.line_loadings, ref["line_loadings"]),
        }
        worst = {key: max(worst[key], diffs[key]) for key in QUANTITIES}
    return worst, rejected


def largest_load_w(solves, low_w, high_w, resolution_w=200.0):
    """Bisect for the largest load that still has a solution."""
    while high_w - low_w > resolution_w:
        middle = 0.5 * (low_w + high_w)
        try:
            solves(middle)
            low_w = middle
        except Exception:  # StepRejected here; pandapower's LoadflowNotConverged there
            high_w = middle
    return low_w


def loadability():
    params = FeederParameters()
    feeder, net = GridFeeder(params), build_pandapower(params)
    ours = largest_load_w(lambda p: feeder.solve([0.0, 0.0, p], warm_start=False), 0.0, 1e6)
    theirs = largest_load_w(lambda p: run_pandapower(net, params, [0.0, 0.0, p]), 0.0, 1e6)
    volts = feeder.solve([0.0, 0.0, ours], warm_start=False).bus_voltage_v
    print(f"\nLargest load at 'residential' with a solution (default feeder, 200 W bisection): "
          f"GridFeeder {ours / 1e3:.1f} kW (weakest bus {volts:.0f} V), "
          f"pandapower {theirs / 1e3:.1f} kW")


def cpu_us(function, number):
    return min(timeit.repeat(function, number=number, repeat=5, timer=time.process_time)) \
        / number * 1e6


def step_costs(params, peak_w, rng):
    feeder = GridFeeder(params)
    held = peak_w * 0.6
    varying = [peak_w * rng.uniform(0.0, 1.0, peak_w.size) for _ in range(1000)]
    cycle = iter(varying * 1000)
    net = build_pandapower(params)
    run_pandapower(net, params, held)  # first call builds pandapower's lookups
    return {
        "step, loads held [us]": cpu_us(lambda: feeder.step(1.0, held), 2000),
        "step, loads vary [us]": cpu_us(lambda: feeder.step(1.0, next(cycle)), 2000),
        "cold solve [us]": cpu_us(lambda: feeder.solve(held, warm_start=False), 500),
        "pandapower runpp [us]": cpu_us(lambda: run_pandapower(net, params, held), 5),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="random load cases per feeder")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # pandapower's notices (numba missing, deprecations)
    rng = np.random.default_rng(2024)

    print(f"GridFeeder vs pandapower 3.5.6: worst relative difference over {args.cases} "
          "random load cases per feeder")
    print(f"{'feeder':38s}" + "".join(f"{q:>21s}" for q in QUANTITIES) + f"{'rejected':>10s}")
    for name, (params, peak) in FEEDERS.items():
        worst, rejected = compare(params, peak, args.cases, rng)
        print(f"{name:38s}" + "".join(f"{worst[q]:21.2e}" for q in QUANTITIES)
              + f"{rejected:10d}")

    loadability()

    print("\nCost per call (CPU time, min of 5 repeats)")
    header = None
    for name, (params, peak) in FEEDERS.items():
        costs = step_costs(params, peak, rng)
        if header is None:
            header = list(costs)
            print(f"{'feeder':38s}" + "".join(f"{h:>24s}" for h in header) + f"{'speed-up':>10s}")
        speedup = costs["pandapower runpp [us]"] / costs["step, loads vary [us]"]
        print(f"{name:38s}" + "".join(f"{costs[h]:24.1f}" for h in header) + f"{speedup:9.0f}x")

    charger, factory = Charger(), FactoryLoads()
    print(f"\nCharger.step: {cpu_us(lambda: charger.step(1.0, 380.0), 5000):.1f} us; "
          f"FactoryLoads.step(60 s): {cpu_us(lambda: factory.step(60.0), 2000):.1f} us")


if __name__ == "__main__":
    main()
