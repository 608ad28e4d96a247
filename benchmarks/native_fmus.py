"""Issue 17's figures for the native FMUs (compiled C from the CasADi forms):

* speed: one 1 s BatteryCell step (setReal current + doStep + getReal of the
  7 contract outputs) of the native FMU in fmpy against the Python FMU in
  fmpy (target >= 20x) and against PyBaMM's SPMe ``Simulation.step``
  (target >= 100x); through fmpy's wrappers (which build ctypes arrays on
  every call, some 10 us each) and through fmpy's FMI functions with arrays
  made once; the native doStep alone in the plain C host too;
* size of each archive (target <= 1 MB);
* agreement with the Python FMUs: a 96s40p pack and its thermal model on one
  whole WLTC class 3b and on a 1C charge at 1 s steps (targets 0.1 mV, 0.01 K).

Both FMU kinds are built fresh into a temporary folder. Timings on a shared
machine vary with its load; medians of several repeats are reported.

    .venv/bin/python benchmarks/native_fmus.py [--steps 1000] [--repeats 7] [--pybamm-repeats 3]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.battery_step_speed import CONTRACT, describe, fmu_step_cost, pybamm_step_cost  # noqa: E402
from btwin.fmus.build import build  # noqa: E402
from btwin.fmus.native.build import build_native  # noqa: E402
from tests.fmus.fmi_helpers import references, run_c_host, unpack  # noqa: E402
from tests.fmus.native_agreement import DUTIES, largest_differences, run_pack  # noqa: E402


def c_host_step_cost(fmu: Path, folder: Path, steps: int) -> float:
    """Mean doStep time [s] of the native BatteryCell in the plain C host (at
    rest: a current would empty the cell before the last step; the cost of a
    step does not depend on the current)."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    host = folder / "c_host"
    subprocess.run([compiler, "-O2", "-o", str(host), str(ROOT / "tests" / "fmus" / "c_host.c"), "-ldl"],
                   check=True)
    unpacked = unpack(fmu, folder / "c_host_fmu")
    r = references(fmu)
    result = run_c_host(host, steps, 1.0, f"{unpacked}|BatteryCell|{r['current']}=0.0|{r['voltage']}")
    if result.stdout.split()[1] != "0":
        raise RuntimeError(f"the C host run failed: {result.stdout} {result.stderr}")
    return float(result.stdout.split()[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pybamm-repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="btwin-bench-native-") as scratch:
        folder = Path(scratch)
        python_dir, native_dir = folder / "python", folder / "native"
        build(["BatteryCell", "CellThermal"], python_dir)
        build_native(None, native_dir)
        native_fmu = native_dir / "fmi2" / "BatteryCell.fmu"
        python = fmu_step_cost(python_dir / "BatteryCell.fmu", args.steps, args.repeats, CONTRACT)
        native = fmu_step_cost(native_fmu, args.steps, args.repeats, CONTRACT)
        python_lean = fmu_step_cost(python_dir / "BatteryCell.fmu", args.steps, args.repeats, CONTRACT, lean=True)
        native_lean = fmu_step_cost(native_fmu, args.steps, args.repeats, CONTRACT, lean=True)
        in_c = c_host_step_cost(native_fmu, folder, 20 * args.steps)
        sizes = {path.relative_to(native_dir): path.stat().st_size for path in sorted(native_dir.rglob("*.fmu"))}
        agreement = {duty: largest_differences(
            run_pack(python_dir / "BatteryCell.fmu", python_dir / "CellThermal.fmu", duty),
            run_pack(native_fmu, native_dir / "fmi2" / "CellThermal.fmu", duty)) for duty in DUTIES}
    pybamm, solver = pybamm_step_cost(args.steps, args.pybamm_repeats, save=False)

    native_median = statistics.median(native)
    print(f"one 1 s BatteryCell step, {args.steps} steps per repeat (setReal + doStep + getReal of 7 outputs)")
    print(f"  Python FMU in fmpy:            {describe(python)}")
    print(f"  native FMU in fmpy:            {describe(native)}")
    print(f"  Python FMU, fmpy FMI calls, arrays made once: {describe(python_lean)}")
    print(f"  native FMU, fmpy FMI calls, arrays made once: {describe(native_lean)}")
    print(f"  native doStep in the C host:   {in_c * 1e6:8.2f} us ({20 * args.steps} steps)")
    print(f"  PyBaMM SPMe step (save=False): {describe(pybamm)}   [{solver}]")
    speedup = statistics.median(python) / native_median
    versus_pybamm = statistics.median(pybamm) / native_median
    lean = statistics.median(python_lean) / statistics.median(native_lean)
    print(f"native vs Python FMU in fmpy: {speedup:.0f}x with fmpy's wrappers, {lean:.0f}x through fmpy's "
          f"FMI calls with arrays made once (target >= 20x: {'met' if max(speedup, lean) >= 20 else 'MISSED'})")
    print(f"native vs PyBaMM SPMe step:   {versus_pybamm:.0f}x (target >= 100x: "
          f"{'met' if versus_pybamm >= 100 else 'MISSED'}); C host doStep alone: "
          f"{statistics.median(pybamm) / in_c:.0f}x")
    for path, size in sizes.items():
        print(f"archive {path}: {size / 1024:.0f} KiB (target <= 1 MB: {'met' if size <= 1e6 else 'MISSED'})")
    for duty, differences in agreement.items():
        seconds = DUTIES[duty][1]
        met = differences["voltage"] <= 1e-4 and max(differences["core_temperature"],
                                                     differences["surface_temperature"]) <= 0.01
        print(f"agreement, {duty} ({seconds} s at 1 s, 96s40p): voltage {differences['voltage']:.2e} V, "
              f"core {differences['core_temperature']:.2e} K, surface {differences['surface_temperature']:.2e} K "
              f"(targets 1e-4 V, 0.01 K: {'met' if met else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
