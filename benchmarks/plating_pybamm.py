"""Lithium plating of the SPMe against PyBaMM's SPMe with partially reversible
plating (OKane2022 plating parameters on Chen2020, surface form "algebraic"):
cold constant-current charges, then an hour's rest.

    .venv/bin/python benchmarks/plating_pybamm.py

Per case: lithium plated at the end of the charge, the times after it to strip
half and 90 % of it, dead lithium an hour later, and the RMS difference of the
relaxation's shape (voltage less its mean over the rest, from 60 s on).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.models.plating_reference import model_charge_rest, pybamm_charge_rest, summary  # noqa: E402

CASES = ((1.5, 268.15, 0.1, 900.0), (2.0, 263.15, 0.2, 600.0), (1.5, 273.15, 0.3, 900.0))  # C, K, SOC, s
REST = 3600.0


def main() -> int:
    print("| charge | plated at end [mA.h] PyBaMM / ours | half stripped [s] | 90 % stripped [s] "
          "| dead after 1 h [uA.h] | relaxation shape RMS [mV] | wall PyBaMM / ours [s] |")
    print("|---|---|---|---|---|---|---|")
    for c_rate, temperature, soc, charge in CASES:
        started = time.perf_counter()
        reference = pybamm_charge_rest(c_rate, temperature, soc, charge, REST)
        middle = time.perf_counter()
        ours = model_charge_rest(c_rate, temperature, soc, charge, REST)
        wall = (middle - started, time.perf_counter() - middle)
        a, b = summary(reference, charge), summary(ours, charge)
        grid = np.linspace(charge + 60.0, charge + REST, 400)
        difference = (np.interp(grid, ours["time"], ours["voltage"])
                      - np.interp(grid, reference["time"], reference["voltage"]))
        shape = np.sqrt(np.mean((difference - difference.mean()) ** 2))
        print(f"| {c_rate}C {charge:.0f} s at {temperature - 273.15:.0f} degC from SOC {soc} "
              f"| {a['plated_at_charge_end_Ah'] * 1e3:.1f} / {b['plated_at_charge_end_Ah'] * 1e3:.1f} "
              f"| {a['half_stripped_s']:.0f} / {b['half_stripped_s']:.0f} "
              f"| {a['ninety_percent_stripped_s']:.0f} / {b['ninety_percent_stripped_s']:.0f} "
              f"| {a['dead_at_end_Ah'] * 1e6:.0f} / {b['dead_at_end_Ah'] * 1e6:.0f} | {shape * 1e3:.2f} "
              f"| {wall[0]:.1f} / {wall[1]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
