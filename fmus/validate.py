"""``btwin validate``: is an FMU fit to hand to another tool?

Runs fmpy's validation of ``modelDescription.xml``, checks that every Real
variable declares a unit, then loads the FMU, instantiates it, initializes it
with its start values and takes one step, reading every output.
"""
from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

from fmpy import extract, read_model_description
from fmpy.validation import validate_fmu


def validate(path: str | Path, step: float | None = None) -> list[str]:
    """Every problem found with the FMU at ``path``; empty when it is fit."""
    path = Path(path)
    if not path.is_file():
        return [f"{path}: no such file"]
    problems = [f"modelDescription.xml: {p}" for p in validate_fmu(str(path))]
    if problems:
        return problems
    description = read_model_description(str(path))
    problems += [f"variable {v.name}: Real without a unit" for v in description.modelVariables
                 if v.type == "Real" and not v.unit and not (v.declaredType and v.declaredType.unit)]
    if description.coSimulation is None:
        return problems + ["not a Co-Simulation FMU"]
    return problems + _run_one_step(path, description, step)


def _run_one_step(path: Path, description, step: float | None) -> list[str]:
    log: list[str] = []
    callbacks = _collecting_callbacks(log)

    experiment = description.defaultExperiment
    step = step or (experiment.stepSize if experiment and experiment.stepSize else 1.0)
    outputs = [v for v in description.modelVariables if v.causality == "output" and v.type == "Real"]
    from fmpy.fmi2 import FMU2Slave

    unzipped = extract(str(path), unzipdir=tempfile.mkdtemp(prefix="btwin-validate-"))
    stage = "loading"
    fmu = None
    try:
        fmu = FMU2Slave(guid=description.guid, unzipDirectory=unzipped,
                        modelIdentifier=description.coSimulation.modelIdentifier, instanceName="validate")
        stage = "fmi2Instantiate"
        fmu.instantiate(loggingOn=False, callbacks=callbacks)
        fmu.setupExperiment(startTime=0.0)
        stage = "initialization"
        fmu.enterInitializationMode()
        fmu.exitInitializationMode()
        stage = f"fmi2DoStep({step:g} s)"
        fmu.doStep(currentCommunicationPoint=0.0, communicationStepSize=step)
        stage = "fmi2GetReal"
        values = fmu.getReal([v.valueReference for v in outputs]) if outputs else []
        fmu.terminate()
    except Exception as error:  # any failure of the FMU is the report, not a crash
        detail = "; ".join(log[-3:])
        return [f"{stage} failed: {error}" + (f" (FMU log: {detail})" if detail else "")]
    finally:
        if fmu is not None:
            try:
                fmu.freeInstance()
            except Exception:
                pass
        shutil.rmtree(unzipped, ignore_errors=True)
    return [f"output {v.name} = {x!r} after one step" for v, x in zip(outputs, values) if not math.isfinite(x)]


def _collecting_callbacks(log: list[str]):
    """FMI callbacks whose logger appends each formatted message to ``log``."""
    from ctypes import byref

    from fmpy.fmi2 import (fmi2CallbackAllocateMemoryTYPE, fmi2CallbackFreeMemoryTYPE,
                           fmi2CallbackFunctions, fmi2CallbackLoggerTYPE)
    from fmpy.fmi1 import calloc, free
    from fmpy.logging import addLoggerProxy

    def logger(component, instance, status, category, message):
        log.append(message.decode("utf-8", errors="replace"))

    callbacks = fmi2CallbackFunctions()
    callbacks.logger = fmi2CallbackLoggerTYPE(logger)
    callbacks.allocateMemory = fmi2CallbackAllocateMemoryTYPE(calloc)
    callbacks.freeMemory = fmi2CallbackFreeMemoryTYPE(free)
    addLoggerProxy(byref(callbacks))
    callbacks._keep = logger  # the C side holds no reference to the Python function
    return callbacks
