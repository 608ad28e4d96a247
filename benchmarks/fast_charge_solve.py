"""Solve time of the fast-charge MPC per control step, and the wall time of
one full charge of each strategy through the FMUs.

1. Solve time: the controller (``btwin.models.control``) closed around the
   plain plant models (SPMe + thermal, one LG M50 cell, forced-air cooling)
   from 10 % to 80 %, nominal and tube, at each ambient temperature; every
   decision's wall time (observer excluded, the SQP solve and fallbacks included).
2. Scenario wall time: ``fast_charge``'s rig (BatteryCell + CellThermal +
   Charger + FastChargeController FMUs in fmpy) charging the nominal plant
   from 10 % to 80 % once per strategy.

Targets (issue 12): median <= 50 ms and p95 <= 200 ms per control step; one
strategy's full charge in under two minutes. The machine's load changes the
figures: say what else ran when quoting them.

    .venv/bin/python benchmarks/fast_charge_solve.py [--temperatures 298.15 273.15] [--skip-scenario]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.models.battery import BatteryParameters, SPMeBattery  # noqa: E402
from btwin.models.control import ControllerSettings, FastChargeMPC, ReducedCellConfig  # noqa: E402
from btwin.models.thermal import CellThermal, ThermalParameters  # noqa: E402
from btwin.scenarios.fast_charge import FORCED_AIR_RESISTANCE, PARAMS, _rig  # noqa: E402
from btwin.scenarios.fast_charge_rig import Plant, Strategy  # noqa: E402
from btwin.scenarios.params import resolve  # noqa: E402

COOLING = ThermalParameters(surface_to_ambient_resistance=FORCED_AIR_RESISTANCE)


def solve_times(mode: str, temperature: float, start: float = 0.1, target: float = 0.8) -> tuple[list, float]:
    """Wall time of every decision of one closed-loop charge; and its duration [s]."""
    settings = ControllerSettings(mode=mode, target_soc=target)
    mpc = FastChargeMPC(settings, ReducedCellConfig(thermal=COOLING))
    cell = SPMeBattery(BatteryParameters(initial_soc=start, initial_temperature=temperature))
    thermal = CellThermal(COOLING, temperature)
    out, current, elapsed, t, times = cell.evaluate(0.0, temperature), 0.0, 0.0, 0.0, []
    while out.soc < target and t < 4 * 3600.0:
        mpc.observe(elapsed, current, out.voltage, out.soc, thermal.core_temperature, temperature)
        started = time.perf_counter()
        move = mpc.decide(out.soc)
        times.append(time.perf_counter() - started)
        current, elapsed = move.current, settings.control_period
        for _ in range(int(settings.control_period)):
            out = cell.step(1.0, current, thermal.core_temperature)
            thermal.step(1.0, out.heat_generation, temperature)
            t += 1.0
    return times, t


def scenario_wall_times(temperature: float, fmu_dir: Path) -> dict[str, float]:
    rig = _rig(resolve(PARAMS, {"ambient_temperature": temperature}), fmu_dir)
    nominal = Plant(thermal={"surface_to_ambient_resistance": FORCED_AIR_RESISTANCE})
    strategies = (Strategy("cccv_1c", crate=1.0), Strategy("mpc_nominal", mode="nominal"),
                  Strategy("mpc_tube", mode="tube"))
    walls = {}
    for strategy in strategies:
        started = time.perf_counter()
        rig.charge(strategy, nominal)
        walls[strategy.name] = time.perf_counter() - started
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[298.15, 273.15])
    parser.add_argument("--fmu-dir", type=Path, default=Path("build/fmus"))
    parser.add_argument("--skip-scenario", action="store_true")
    args = parser.parse_args()
    for temperature in args.temperatures:
        for mode in ("nominal", "tube"):
            FastChargeMPC(ControllerSettings(mode=mode))  # build (cached) outside the timing
            times, duration = solve_times(mode, temperature)
            ms = 1e3 * np.array(times)
            print(f"{temperature - 273.15:5.1f} degC {mode:8s}: {len(ms):4d} decisions, median "
                  f"{np.median(ms):6.1f} ms, p95 {np.percentile(ms, 95):6.1f} ms, max {ms.max():6.1f} ms "
                  f"(charge {duration:.0f} s)")
        if not args.skip_scenario:
            for name, wall in scenario_wall_times(temperature, args.fmu_dir).items():
                print(f"{temperature - 273.15:5.1f} degC {name}: full 10->80 % charge through the FMUs "
                      f"in {wall:.1f} s wall")


if __name__ == "__main__":
    main()
