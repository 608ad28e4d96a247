"""Master figures on the RC source/RC load pair (C FMUs compiled here with
gcc): plain Jacobi vs NEPCE at a coarse step against a fine reference, master
overhead, and libcosim (fixed step and ECCO) side by side.

    .venv/bin/python benchmarks/master_rc_pair.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.master_common import print_table, run_libcosim, run_ours  # noqa: E402
from btwin.master import System  # noqa: E402
from tests.master.cfmu import build_fmu  # noqa: E402
from tests.master.conftest import RC_LOAD, RC_SOURCE, rc_pair  # noqa: E402

STOP, COARSE, FINE = 10.0, 0.1, 0.001
WATCH = "source.voltage"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fmus = {m.name: build_fmu(m, Path(tmp)) for m in (RC_SOURCE, RC_LOAD)}
        structure = rc_pair(fmus)
        structure.component("source").parameters["E"] = 10.0
        system = System(structure)
        reference = run_ours(system, f"Jacobi iterated, h={FINE}", STOP, FINE, WATCH, iterations=6,
                             coupling_tolerance=1e-12)
        plain = run_ours(system, f"ours Jacobi h={COARSE}", STOP, COARSE, WATCH)
        nepce = run_ours(system, f"ours Jacobi+NEPCE h={COARSE}", STOP, COARSE, WATCH, correction="nepce")
        fixed = run_libcosim(system, f"libcosim fixed h={COARSE}", STOP, WATCH, h=COARSE)
        fixed_fine = run_libcosim(system, f"libcosim fixed h={FINE} (wall)", STOP, WATCH, h=FINE, record=False)
        ecco = run_libcosim(system, "libcosim ECCO", STOP, WATCH, ecco=dict(
            step_size=COARSE, min_step_size=1e-3, max_step_size=1.0, abs_tolerance=1e-3, rel_tolerance=1e-3))
        equal = STOP / ecco.steps
        ours_equal = run_ours(system, "ours NEPCE, ECCO's step count", STOP, equal, WATCH, correction="nepce")
        ours_adaptive = run_ours(system, "ours adaptive+NEPCE", STOP, COARSE, WATCH, correction="nepce",
                                 adaptive=True, rtol=1e-3, atol=1e-3)
        overhead = run_ours(system, f"ours Jacobi h={FINE} (overhead)", STOP, FINE, WATCH)
        print_table(reference, [plain, nepce, fixed, ecco, ours_equal, ours_adaptive, overhead, fixed_fine])
        per_step = overhead.master_s / overhead.steps * 1e6
        print(f"master overhead: {per_step:.1f} us per macro step with 2 FMUs "
              f"({overhead.master_s:.3f} s master of {overhead.wall_s:.3f} s wall)")


if __name__ == "__main__":
    main()
