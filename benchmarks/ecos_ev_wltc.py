"""The exported ev_wltc car in Ecos (ecospy) against btwin's own Jacobi run.

(a) with the parameter set btwin names (every component configured): SOC,
    distance, electrical energy and core temperature at t = 1799 s, Ecos
    against btwin's Jacobi at the same 1 s step (targets: SOC within 2e-4,
    distance within 0.1 %), and the wall time of each;
(b) with no parameter set (one default cell asked to drive the car): 600
    steps, the range of each output and the refusals the FMUs logged.

    .venv/bin/python benchmarks/ecos_ev_wltc.py [--fmus build/fmus]

Needs Debian's libtbb12 (``make test`` installs it).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from btwin.master import Master, System  # noqa: E402
from btwin.master.ssp import PARAMETER_SET  # noqa: E402
from btwin.scenarios import ev_wltc  # noqa: E402
from tests.fmus.ecos_host import run_in_ecos  # noqa: E402

STEPS = 1799
WATCH = ("battery.soc", "powertrain.distance", "powertrain.electrical_energy", "thermal.core_temperature")
OVERDRIVEN = ("battery.current", "battery.voltage", "battery.soc", "battery.heat_generation",
              "thermal.core_temperature", "powertrain.battery_current", "powertrain.distance")


def compare(ssp: Path) -> None:
    started = time.perf_counter()
    ecos = run_in_ecos(ssp, STEPS, ssp.parent, parameter_set=PARAMETER_SET, watch=WATCH)
    ecos_wall = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = Master(System.from_ssp(ssp, extract_to=Path(out) / "unpacked"), algorithm="jacobi",
                        progress=False).run(stop_time=float(STEPS), step=1.0, out_dir=out)
        btwin_wall = time.perf_counter() - started
    print(f"(a) parameter set {PARAMETER_SET!r}, h = 1 s, t = {ecos.time:g} s")
    print(f"  {'':30s} {'Ecos':>14s} {'btwin Jacobi':>14s} {'difference':>12s}")
    for name in WATCH:
        ours = float(result.column(name)[-1])
        theirs = ecos.values[name]
        relative = f"{(theirs - ours) / ours:+.2e} rel" if name != "battery.soc" else f"{theirs - ours:+.2e}"
        print(f"  {name:30s} {theirs:14.6g} {ours:14.6g} {relative:>12s}")
    soc_ok = abs(ecos.values["battery.soc"] - result.column("battery.soc")[-1]) <= 2e-4
    distance = result.column("powertrain.distance")[-1]
    distance_ok = abs(ecos.values["powertrain.distance"] - distance) <= 1e-3 * distance
    print(f"  targets: SOC within 2e-4 {'met' if soc_ok else 'MISSED'}, distance within 0.1 % "
          f"{'met' if distance_ok else 'MISSED'}")
    print(f"  wall time (loading included, machine shared): Ecos {ecos_wall:.2f} s, btwin {btwin_wall:.2f} s\n")


def overdriven(ssp: Path) -> None:
    """In a child process, so that Ecos's log (the FMUs' messages, on standard output) can be counted."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from tests.fmus.ecos_host import run_in_ecos\n"
            f"r = run_in_ecos({str(ssp)!r}, 600, {str(ssp.parent)!r}, watch={OVERDRIVEN!r}, every_step=True, "
            "log_level='debug')\n"
            "import json; print('TRACE' + json.dumps(r.trace))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    trace_line = next(line for line in done.stdout.splitlines() if line.startswith("TRACE"))
    import json
    trace = {k: np.array(v) for k, v in json.loads(trace_line[5:]).items()}
    print("(b) no parameter set: one default LG M50 cell drives the car, 600 steps of 1 s")
    for name, values in trace.items():
        print(f"  {name:30s} finite {bool(np.all(np.isfinite(values)))!s:5s}  "
              f"min {values.min():12.5g}  max {values.max():12.5g}")
    log = done.stdout
    for label, pattern in (("set refused (fmi2Error)", r"fmi2Error fmi2Set\w+ failed: input (\w+)"),
                           ("step discarded (fmi2Discard)", r"fmi2Discard step at t=\S+ s rejected"),
                           ("step failed (fmi2Error)", r"fmi2Error step at t=\S+ s failed")):
        found = re.findall(pattern, log)
        names = sorted(set(f for f in found if isinstance(f, str) and not f.startswith("fmi2")))
        print(f"  {label:30s} {len(found):5d}  {', '.join(names)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fmus", type=Path, default=ROOT / "build" / "fmus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ssp = ev_wltc.export(Path(folder) / "car.ssp", args.fmus)
        compare(ssp)
        overdriven(ssp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
