"""The proving ground: battery pack, cell thermal model and powertrain on one
WLTC class 3b, through the master. NEPCE vs plain Jacobi at 1 s against a
0.02 s reference; master overhead; libcosim fixed step and ECCO side by side.

Needs build/fmus/{BatteryCell,CellThermal,Powertrain}.fmu (``btwin build``).

    .venv/bin/python benchmarks/master_ev_wltc.py [--stop-time 1800]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.master_common import print_table, run_libcosim, run_ours  # noqa: E402
from btwin.master import (Component, Connection, Endpoint, PowerBond, PowerSignal, System,  # noqa: E402
                          SystemStructure)

FMUS = ROOT / "build" / "fmus"
NAMES = ("BatteryCell", "CellThermal", "Powertrain")


def ev_wltc(fmus: Path, stop_time: float) -> SystemStructure:
    """Variable names from DESIGN.md's FMU catalogue."""
    e = Endpoint
    return SystemStructure(
        name="ev_wltc",
        components=[Component("battery", fmus / "BatteryCell.fmu"), Component("thermal", fmus / "CellThermal.fmu"),
                    Component("powertrain", fmus / "Powertrain.fmu")],
        connections=[Connection(e("battery", "voltage"), e("powertrain", "battery_voltage")),
                     Connection(e("powertrain", "battery_current"), e("battery", "current")),
                     Connection(e("battery", "heat_generation"), e("thermal", "heat_generation")),
                     Connection(e("thermal", "core_temperature"), e("battery", "temperature"))],
        power_bonds=[PowerBond("battery_to_powertrain", "battery", "powertrain",
                               effort=e("powertrain", "battery_voltage"), flow=e("battery", "current"))],
        power_signals=[PowerSignal("cell_heat", e("thermal", "heat_generation"))],
        stop_time=stop_time, step_size=1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-time", type=float, default=1800.0)
    parser.add_argument("--fmus", type=Path, default=FMUS)
    args = parser.parse_args()
    missing = [n for n in NAMES if not (args.fmus / f"{n}.fmu").exists()]
    if missing:
        print(f"ev_wltc benchmark skipped: {', '.join(missing)} not built in {args.fmus} (run `btwin build`)")
        return 0
    system = System(ev_wltc(args.fmus, args.stop_time))
    stop, watch = args.stop_time, "battery.soc"
    reference = run_ours(system, "Jacobi h=0.02", stop, 0.02, watch)
    plain = run_ours(system, "ours Jacobi h=1", stop, 1.0, watch)
    nepce = run_ours(system, "ours Jacobi+NEPCE h=1", stop, 1.0, watch, correction="nepce")
    fixed = run_libcosim(system, "libcosim fixed h=1 (wall)", stop, watch, h=1.0, record=False)
    ecco = run_libcosim(system, "libcosim ECCO", stop, watch, ecco=dict(
        step_size=1.0, min_step_size=0.01, max_step_size=5.0, abs_tolerance=1e-3, rel_tolerance=1e-3))
    equal = run_ours(system, "ours NEPCE, ECCO's step count", stop, stop / ecco.steps, watch, correction="nepce")
    print_table(reference, [plain, nepce, fixed, ecco, equal])
    ratio = abs(plain.residual_J) / max(abs(nepce.residual_J), 1e-300)
    print(f"bond residual: plain {plain.residual_J:.4g} J, NEPCE {nepce.residual_J:.4g} J ({ratio:.1f}x smaller); "
          f"NEPCE residual / delivered = {abs(nepce.residual_J) / abs(nepce.delivered_J):.2e}")
    fmu_time = plain.wall_s - plain.master_s
    print(f"master overhead at h=1: {plain.master_s:.3f} s of {plain.wall_s:.3f} s wall "
          f"= {100 * plain.master_s / max(fmu_time, 1e-12):.1f} % of the time inside the FMUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
