"""The relaxation check of ``models/diagnosis/relaxation.py`` on the plant
(LG M50 SPMe with plating, SEI off, isothermal, the campaign's CC-CV charger):
the excess of a rest's voltage fall over the twin's fault-free prediction of
it, after 0.5C charges at 25 degC, after cold fast charges that plate, and
after charges that do not plate but are not like the fault-free ones (1C at
25 degC; 0.3C and 0.5C at 0 degC; 0.5C at 10 degC; 1.5C at -5 degC and 2C at
-10 degC with the plating reaction off); their largest noise-free excess is
what ``plating_fault_free_excess`` must stay above. Then the false alarms and
detections with sensor noise. The model-free late share S is printed beside.

    .venv/bin/python benchmarks/plating_relaxation.py [--rests 30] [--seeds 40] [--seed 0]

Each trace is simulated once; the noise (2 mV, the campaign's, and 5 mV) is
added to it ``--seeds`` times.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.models.battery import BatteryParameters, SPMeBattery  # noqa: E402
from btwin.models.diagnosis import DiagnoserSettings  # noqa: E402
from btwin.models.diagnosis.relaxation import LATE, WINDOW, RelaxationWatch  # noqa: E402
from btwin.scenarios.diagnostics_runs import CAPACITY_AH, _cc_cv  # noqa: E402


def trace(temperature, c_rate, soc, charge_time, plating=True):
    """Current and voltage per second: a CC-CV charge for ``charge_time`` s, then a rest;
    and the lithium plated at the end of the charge [A.h]."""
    cell = SPMeBattery(BatteryParameters(initial_soc=soc, sei_enabled=False, initial_temperature=temperature,
                                         plating_enabled=plating))
    current, voltage, rows = 0.0, cell.outputs.voltage, []
    for k in range(int(charge_time + LATE + WINDOW + 5)):
        current = _cc_cv(c_rate * CAPACITY_AH, current, voltage) if k < charge_time else 0.0
        voltage = cell.step(1.0, current, temperature).voltage
        rows.append((current, voltage))
        if k + 1 == int(charge_time):
            plated = cell.outputs.plated_lithium
    return np.array(rows), plated


def verdict(rows, temperature, noise, rng, settings):
    watch = RelaxationWatch(settings.plating_fault_free_excess, settings.plating_false_alarm_probability,
                            settings.rest_current)
    voltages = rows[:, 1] + (rng.normal(0.0, noise, len(rows)) if noise else 0.0)
    for current, voltage in zip(rows[:, 0], voltages):
        result = watch.step(1.0, current, voltage, temperature)
        if result is not None:
            return result
    raise RuntimeError("no verdict: the rest was too short")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rests", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    settings = DiagnoserSettings()
    groups = {
        "fault-free 0.5C 25 degC": [(298.15, 0.5, rng.uniform(0.1, 0.6), rng.uniform(600, 3600), True)
                                    for _ in range(args.rests)],
        "plating 1.5-2C -10..0 degC": [(rng.uniform(263.15, 273.15), rng.uniform(1.5, 2.0),
                                        rng.uniform(0.1, 0.3), rng.uniform(900, 1500), True)
                                       for _ in range(args.rests)],
        "no plating, other duties": [(298.15, 1.0, 0.2, 1800, True), (273.15, 0.5, 0.2, 2400, True),
                                     (273.15, 0.3, 0.3, 2400, True), (283.15, 0.5, 0.2, 2400, True),
                                     (268.15, 1.5, 0.1, 900, False), (263.15, 2.0, 0.2, 1200, False),
                                     (298.15, 1.0, 0.5, 1200, True)],
    }
    print(f"threshold: plating_fault_free_excess {settings.plating_fault_free_excess} + z sigma_e, false-alarm "
          f"probability {settings.plating_false_alarm_probability} per rest")
    for name, duties in groups.items():
        traces = [(trace(*duty), duty[0]) for duty in duties]
        clean = [verdict(rows, temperature, 0.0, rng, settings) for (rows, _), temperature in traces]
        plated = [p * 1e3 for (_, p), _ in traces]
        print(f"{name}: {len(duties)} rests, plated {min(plated):.1f}-{max(plated):.1f} mA.h; noise-free excess "
              f"{min(v.excess for v in clean):.3f} to {max(v.excess for v in clean):.3f} "
              f"(late share {min(v.share for v in clean):.3f}-{max(v.share for v in clean):.3f})")
        for noise in (0.002, 0.005):
            flagged = sum(verdict(rows, temperature, noise, rng, settings).plated
                          for (rows, _), temperature in traces for _ in range(args.seeds))
            total = len(traces) * args.seeds
            print(f"  {noise * 1e3:.0f} mV noise: plating named in {flagged} of {total} rests ({flagged / total:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
