"""Cost of one doStep of the Charger, FactoryLoads and GridFeeder FMUs in fmpy
(FMU2Slave loop: set the inputs, doStep, read the outputs, as a master does),
beside the cost of the bare model step.

    .venv/bin/python benchmarks/grid_fmu_step.py [--steps N] [--repeats R]

Prints, per FMU, the median over repeats of: doStep alone, the whole
set/doStep/get cycle, and the model's own step; all in microseconds.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from fmu_step_cost import initialized_slave

from btwin.fmus.build import build
from btwin.models.grid import Charger, FactoryLoads, GridFeeder

LOADS = ("load_power_factory", "load_power_charger", "load_power_residential")

# name: (step [s], input names, input values for step k, outputs read, the bare model's step)
CASES = {
    "Charger": (1.0, ("battery_voltage",), lambda k: [360.0 + 1e-3 * k],
                ("battery_current", "grid_power"), lambda m, h, u: m.step(h, u[0])),
    "FactoryLoads": (60.0, (), lambda k: [], ("machine_power",), lambda m, h, u: m.step(h)),
    "GridFeeder": (60.0, LOADS, lambda k: [150e3 + 10e3 * np.sin(k / 50.0), 50e3 * (k % 40 < 20), 20e3],
                   ("bus_voltage", "feeder_power", "losses", "transformer_loading"),
                   lambda m, h, u: m.step(h, u)),
}
MODELS = {"Charger": Charger, "FactoryLoads": FactoryLoads, "GridFeeder": GridFeeder}


def fmu_costs(fmu: Path, name: str, steps: int, repeats: int) -> tuple[float, float]:
    """(doStep alone, set/doStep/get cycle) [s per step], medians over repeats."""
    h, inputs, values, outputs, _ = CASES[name]
    slave, vr, unzipped = initialized_slave(fmu)
    in_vr, out_vr = [vr[n] for n in inputs], [vr[n] for n in outputs]
    t, bare, cycle = 0.0, [], []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            slave.doStep(currentCommunicationPoint=t, communicationStepSize=h)
            t += h
        bare.append((time.perf_counter() - started) / steps)
        started = time.perf_counter()
        for k in range(steps):
            if in_vr:
                slave.setReal(in_vr, values(k))
            slave.doStep(currentCommunicationPoint=t, communicationStepSize=h)
            slave.getReal(out_vr)
            t += h
        cycle.append((time.perf_counter() - started) / steps)
    slave.terminate()
    slave.freeInstance()
    shutil.rmtree(unzipped, ignore_errors=True)
    return statistics.median(bare), statistics.median(cycle)


def model_cost(name: str, steps: int, repeats: int) -> float:
    h, _, values, _, step = CASES[name]
    model, costs = MODELS[name](), []
    for _ in range(repeats):
        started = time.perf_counter()
        for k in range(steps):
            step(model, h, values(k))
        costs.append((time.perf_counter() - started) / steps)
    return statistics.median(costs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        build(list(CASES), Path(scratch))
        print(f"{'FMU':<13} {'step h':>7} {'doStep':>10} {'set+doStep+get':>15} {'model.step':>11}   [us]")
        for name in CASES:
            bare, cycle = fmu_costs(Path(scratch) / f"{name}.fmu", name, args.steps, args.repeats)
            model = model_cost(name, args.steps, args.repeats)
            print(f"{name:<13} {CASES[name][0]:>6g}s {bare * 1e6:>10.1f} {cycle * 1e6:>15.1f} {model * 1e6:>11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
