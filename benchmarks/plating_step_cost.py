"""What the plating reaction costs a normal step: SPMeBattery.step of this
tree against the same model of another git revision (default ``main``), in one
process, interleaved repeats, same pulse train as ``battery_step_speed.py``
(5 A / -4 A alternating, 25 degC, SOC 0.8: no plating, the reaction stays off),
plus a cold fast-charge step while lithium plates (the reaction's own cost).

    .venv/bin/python benchmarks/plating_step_cost.py [--against main] [--steps 2000] [--repeats 9]

The other revision's ``models/`` is unpacked with ``git archive`` into a
temporary folder and imported under another name (its modules import only
each other).
"""
from __future__ import annotations

import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from btwin.models.battery import BatteryParameters, SPMeBattery  # noqa: E402


def revision_models(revision: str, folder: Path):
    """``models`` of ``revision`` as the package ``models_<hash>``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "models"],
                             check=True, capture_output=True).stdout
    tarfile.open(fileobj=io.BytesIO(archive)).extractall(folder, filter="data")
    name = "models_" + subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", revision],
                                      check=True, capture_output=True, text=True).stdout.strip()
    (folder / "models").rename(folder / name)
    sys.path.insert(0, str(folder))
    return importlib.import_module(f"{name}.battery")


def pulse_cost(battery_module, steps: int) -> float:
    cell = battery_module.SPMeBattery(battery_module.BatteryParameters(initial_soc=0.8))
    for k in range(20):
        cell.step(1.0, 5.0 if k % 2 == 0 else -4.0, 298.15)
    started = time.perf_counter()
    for k in range(steps):
        cell.step(1.0, 5.0 if k % 2 == 0 else -4.0, 298.15)
    return (time.perf_counter() - started) / steps


def plating_cost(steps: int) -> tuple[float, float]:
    """Seconds per 1 s step of a 1.5C charge at -5 degC once lithium plates, and the
    plated lithium [A.h] at the end."""
    cell = SPMeBattery(BatteryParameters(initial_soc=0.1, sei_enabled=False, initial_temperature=268.15))
    while cell.outputs.plated_lithium == 0.0:
        cell.step(1.0, -7.5, 268.15)
    started = time.perf_counter()
    for _ in range(steps):
        out = cell.step(1.0, -7.5, 268.15)
    return (time.perf_counter() - started) / steps, out.plated_lithium


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="main")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    import btwin.models.battery as this
    with tempfile.TemporaryDirectory(prefix="btwin-rev-") as folder:
        other = revision_models(args.against, Path(folder))
        ours, theirs = [], []
        for _ in range(args.repeats):
            theirs.append(pulse_cost(other, args.steps))
            ours.append(pulse_cost(this, args.steps))
    mine, base = statistics.median(ours), statistics.median(theirs)
    print(f"normal step (5 A / -4 A pulses, 25 degC), median of {args.repeats} x {args.steps} steps:")
    print(f"  {args.against}: {base * 1e6:.1f} us   this tree: {mine * 1e6:.1f} us   "
          f"change {100 * (mine / base - 1):+.1f} %  (target < 3 %)")
    cost, plated = plating_cost(min(args.steps, 300))
    print(f"step while plating (1.5C, -5 degC, {plated * 1000:.1f} mA.h plated): {cost * 1e6:.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
