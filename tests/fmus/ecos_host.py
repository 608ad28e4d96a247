"""Running an SSP archive in Ecos (``ecospy``), a C++ FMI/SSP engine, the way
a user of that tool would: load the archive, ``init`` with a named parameter
set (or none), step at a fixed size and read variables as ``component::name``."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EcosRun:
    time: float
    values: dict[str, float]  # last value of each watched variable
    trace: dict[str, list[float]] = field(default_factory=dict)  # after every step, when asked


@contextmanager
def _temporary_folder_in(folder: Path):
    """Ecos unpacks an archive into the system's temporary folder and leaves
    it there: point it (TMPDIR) at ``folder``, which the caller owns."""
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = before


def run_in_ecos(ssp: Path, steps: int, scratch: Path, step: float = 1.0, parameter_set: str | None = None,
                watch: tuple[str, ...] = (), every_step: bool = False, log_level: str = "warn") -> EcosRun:
    """Step ``ssp`` ``steps`` times in Ecos; ``watch`` names ``component.variable`` Reals.
    Ecos unpacks the archive into ``scratch``.

    Ecos logs the FMUs' messages at level ``debug`` (to standard output)."""
    from ecospy import EcosLib, EcosSimulation

    EcosLib.set_log_level(log_level)
    names = {name: name.replace(".", "::", 1) for name in watch}
    with _temporary_folder_in(scratch):
        sim = EcosSimulation(step_size=step, ssp_path=str(ssp))
    try:
        if not sim.init(parameter_set=parameter_set):
            raise RuntimeError(f"Ecos could not initialize {ssp}: {EcosLib.get_last_error()}")
        trace = {name: [] for name in watch} if every_step else {}
        for _ in range(steps if every_step else 1):
            sim.step(1 if every_step else steps)
            for name in trace:
                trace[name].append(sim.get_real(names[name]))
        run = EcosRun(sim.get_time(), {name: sim.get_real(ecos) for name, ecos in names.items()}, trace)
        sim.terminate()
        return run
    finally:
        sim.free()
