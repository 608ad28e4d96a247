"""Build time of each FMU and the cost of one doStep, in fmpy and in the plain
C host (tests/fmus/c_host.c, run with an empty environment).

    .venv/bin/python benchmarks/fmu_step_cost.py [NAME ...] [--steps N] [--step H]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from fmpy import extract, read_model_description
from fmpy.fmi2 import FMU2Slave

from btwin.fmus.build import build
from btwin.fmus.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]


def initialized_slave(fmu: Path):
    """(slave, its variables' value references by name, unzip folder) of an
    FMU instantiated and initialized with its start values, ready to step."""
    description = read_model_description(str(fmu))
    unzipped = extract(str(fmu))
    slave = FMU2Slave(guid=description.guid, unzipDirectory=unzipped,
                      modelIdentifier=description.coSimulation.modelIdentifier, instanceName="bench")
    slave.instantiate()
    slave.setupExperiment(startTime=0.0)
    slave.enterInitializationMode()
    slave.exitInitializationMode()
    return slave, {v.name: v.valueReference for v in description.modelVariables}, unzipped


def fmpy_step_cost(fmu: Path, steps: int, h: float, repeats: int = 5) -> float:
    """Median over repeats of the mean wall time of one doStep [s]."""
    slave, _, unzipped = initialized_slave(fmu)
    t, costs = 0.0, []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            slave.doStep(currentCommunicationPoint=t, communicationStepSize=h)
            t += h
        costs.append((time.perf_counter() - started) / steps)
    slave.terminate()
    slave.freeInstance()
    shutil.rmtree(unzipped, ignore_errors=True)
    return statistics.median(costs)


def c_host_step_cost(fmu: Path, steps: int, h: float, workdir: Path) -> float:
    host = workdir / "c_host"
    if not host.exists():
        subprocess.run(["gcc", "-O2", "-o", str(host), str(ROOT / "tests/fmus/c_host.c"), "-ldl"], check=True)
    folder = workdir / fmu.stem
    with zipfile.ZipFile(fmu) as archive:
        archive.extractall(folder)
    description = read_model_description(str(fmu))
    first_output = next(v.valueReference for v in description.modelVariables if v.causality == "output")
    first_input = next((v for v in description.modelVariables if v.causality == "input" and v.type == "Real"), None)
    inputs = f"{first_input.valueReference}={first_input.start}" if first_input else ""
    spec = f"{folder}|{description.coSimulation.modelIdentifier}|{inputs}|{first_output}"
    result = subprocess.run([str(host), str(steps), str(h), spec], capture_output=True, text=True, env={})
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(f"C host failed for {fmu.name}: {result.stderr}")
    return float(result.stdout.split()[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=list(CATALOGUE))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--step", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        build(args.names, scratch / "all")
        print(f"btwin build of {len(args.names)} FMU(s), launcher compile included: "
              f"{time.perf_counter() - started:.2f} s")
        print(f"{'FMU':<14}{'build [s]':>10}{'fmpy doStep [us]':>18}{'C host doStep [us]':>20}")
        for name in args.names:
            built = build([name], scratch / "fmus")[0]
            fmu = built.path
            in_fmpy = fmpy_step_cost(fmu, args.steps, args.step)
            in_c = c_host_step_cost(fmu, args.steps, args.step, scratch)
            print(f"{name:<14}{built.seconds:>10.2f}{in_fmpy * 1e6:>18.1f}{in_c * 1e6:>20.1f}")
    print(f"({args.steps} steps of {args.step:g} s with start inputs; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
