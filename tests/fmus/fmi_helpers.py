"""Small helpers for driving an FMU through fmpy's low-level API in tests."""
from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from fmpy import extract, read_model_description
from fmpy.fmi2 import FMU2Slave


class Instance:
    """One instance of an FMU, with variables addressed by name."""

    def __init__(self, fmu: Path, name: str = "instance", unzipped: str | None = None):
        self.description = read_model_description(str(fmu))
        self.vr = {v.name: v.valueReference for v in self.description.modelVariables}
        self.unzipped = unzipped or extract(str(fmu))
        self.slave = FMU2Slave(guid=self.description.guid, unzipDirectory=self.unzipped,
                               modelIdentifier=self.description.coSimulation.modelIdentifier,
                               instanceName=name)
        self.slave.instantiate()
        self.slave.setupExperiment(startTime=0.0)
        self.time = 0.0

    def set(self, **values: float) -> None:
        self.slave.setReal([self.vr[k] for k in values], list(values.values()))

    def get(self, *names: str) -> list[float]:
        return self.slave.getReal([self.vr[k] for k in names])

    def initialize(self, **values: float) -> "Instance":
        if values:
            self.set(**values)
        self.slave.enterInitializationMode()
        self.slave.exitInitializationMode()
        return self

    def step(self, h: float, n: int = 1) -> None:
        for _ in range(n):
            self.slave.doStep(currentCommunicationPoint=self.time, communicationStepSize=h)
            self.time += h

    def close(self) -> None:
        self.slave.terminate()
        self.slave.freeInstance()


def unpack(fmu: Path, folder: Path) -> Path:
    """Extract an FMU archive into ``folder``, as a C host would find it."""
    with zipfile.ZipFile(fmu) as archive:
        archive.extractall(folder)
    return folder


def references(fmu: Path) -> dict[str, int]:
    """Value reference of every variable, by name."""
    return {v.name: v.valueReference for v in read_model_description(str(fmu)).modelVariables}


def run_c_host(c_host: Path, steps: int, h: float, *specs: str, env: dict | None = None):
    """Run the plain C host (tests/fmus/c_host.c) on FMU specs, with an empty
    environment unless ``env`` is given."""
    return subprocess.run([str(c_host), str(steps), str(h), *specs], capture_output=True, text=True,
                          env={} if env is None else env, timeout=120)
