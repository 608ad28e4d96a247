"""``btwin validate``: is an FMU fit to hand to another tool?

Runs fmpy's validation of ``modelDescription.xml``, checks that every Real
variable declares a unit, then loads the FMU, instantiates it, initializes it
with its start values and takes one step, reading every output. FMI 2.0 and
3.0 Co-Simulation FMUs alike.

Units: FMI 2.0 does not require them, so for an FMU that is not ours (its
``author`` is not ``btwin``) a Real without a unit is a warning, and an
error only with ``strict``; ours must declare every unit (DESIGN.md).
"""
from __future__ import annotations

import contextlib
import io
import math
import shutil
import tempfile
from pathlib import Path

from fmpy import extract, read_model_description
from fmpy.validation import validate_fmu

OUR_AUTHOR = "btwin"  # the author every FMU of ours declares (fmus/slave.py)


def validate(path: str | Path, step: float | None = None, strict: bool = False,
             warnings: list[str] | None = None) -> list[str]:
    """Every problem found with the FMU at ``path``; empty when it is fit.
    What is only a warning (a missing unit in an FMU not ours, without
    ``strict``) is appended to ``warnings`` when given."""
    path = Path(path)
    if not path.is_file():
        return [f"{path}: no such file"]
    try:
        problems = [f"modelDescription.xml: {p}" for p in validate_fmu(str(path))]
    except Exception as error:  # not a zip, no modelDescription.xml, ...
        return [f"{path}: not a readable FMU archive ({error})"]
    if problems:
        return problems
    description = read_model_description(str(path))
    no_unit = [f"variable {v.name}: {v.type} without a unit" for v in description.modelVariables
               if v.type in ("Real", "Float64", "Float32") and not v.unit
               and not (v.declaredType and v.declaredType.unit)]
    if strict or description.author == OUR_AUTHOR:
        problems += no_unit
    elif warnings is not None:
        warnings += no_unit
    if description.coSimulation is None:
        return problems + ["not a Co-Simulation FMU"]
    return problems + _run_one_step(path, description, step)


def _run_one_step(path: Path, description, step: float | None) -> list[str]:
    experiment = description.defaultExperiment
    step = float(step or (experiment.stepSize if experiment and experiment.stepSize else 1.0))
    unzipped = extract(str(path), unzipdir=tempfile.mkdtemp(prefix="btwin-validate-"))
    # fmpy's default logger prints each message; it is read back from stdout
    # (fmpy's logger proxy is process-global, so no second logger is installed)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            return _step_once(description, unzipped, step)
    except _StageFailed as failure:
        log = [line for line in printed.getvalue().splitlines() if line.strip()]
        detail = f" (FMU log: {'; '.join(log[-3:])})" if log else ""
        return [f"{failure}{detail}"]
    finally:
        shutil.rmtree(unzipped, ignore_errors=True)


class _StageFailed(Exception):
    pass


def _step_once(description, unzipped: str, step: float) -> list[str]:
    outputs = [v for v in description.modelVariables
               if v.causality == "output" and v.type in ("Real", "Float64")]
    fmi3 = description.fmiVersion.startswith("3")
    stage, fmu = "loading", None
    try:
        fmu = _slave(description, unzipped, fmi3)
        stage = "fmi3InstantiateCoSimulation" if fmi3 else "fmi2Instantiate"
        fmu.instantiate(loggingOn=False)
        stage = "initialization"
        if fmi3:
            fmu.enterInitializationMode(startTime=0.0)
        else:
            fmu.setupExperiment(startTime=0.0)
            fmu.enterInitializationMode()
        fmu.exitInitializationMode()
        stage = f"doStep({step:g} s)"
        fmu.doStep(currentCommunicationPoint=0.0, communicationStepSize=step)
        stage = "reading the outputs"
        references = [v.valueReference for v in outputs]
        values = (fmu.getFloat64(references) if fmi3 else fmu.getReal(references)) if outputs else []
        fmu.terminate()
    except Exception as error:  # any failure of the FMU is the report, not a crash
        raise _StageFailed(f"{stage} failed: {error}") from None
    finally:
        if fmu is not None:
            try:
                fmu.freeInstance()
            except Exception:
                pass
    return [f"output {v.name} = {x!r} after one step" for v, x in zip(outputs, values) if not math.isfinite(x)]


def _slave(description, unzipped: str, fmi3: bool):
    from fmpy.fmi2 import FMU2Slave
    from fmpy.fmi3 import FMU3Slave

    kind = FMU3Slave if fmi3 else FMU2Slave
    return kind(guid=description.guid, unzipDirectory=unzipped,
                modelIdentifier=description.coSimulation.modelIdentifier, instanceName="validate")
