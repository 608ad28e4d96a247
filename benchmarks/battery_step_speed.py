"""Cost of one 1 s step of the BatteryCell FMU in fmpy against PyBaMM's SPMe
(Chen2020) ``Simulation.step(dt=1, inputs=...)``, side by side in one run.

The FMU is built fresh into a temporary folder. One FMU step is what a host
pays per macro step: setReal(current) + doStep(1 s) + getReal(outputs).
Both codes follow the same current: 5 A and -4 A in alternate seconds (a
discharge/charge pulse train; the state of charge drifts by 0.14 A.h per
1000 s) at 25 degC, from a state of charge of 0.8 (PyBaMM's scale in both).

    .venv/bin/python benchmarks/battery_step_speed.py [--steps 1000] [--repeats 7]
"""
from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.fmus.build import build  # noqa: E402
from btwin.models.battery import BatteryParameters, SPMeBattery  # noqa: E402
from tests.fmus.fmi_helpers import Instance  # noqa: E402

INITIAL_SOC = 0.8
CONTRACT = ("voltage", "soc", "heat_generation", "ocv", "plating_overpotential", "capacity_loss", "power")


def pulse(k: int) -> float:
    return 5.0 if k % 2 == 0 else -4.0


def fmu_step_cost(fmu: Path, steps: int, repeats: int, outputs: tuple[str, ...] | None,
                  lean: bool = False) -> list[float]:
    """Seconds per step of each repeat, every repeat from the same saved state.
    ``lean``: through fmpy's FMI functions with ctypes arrays made once (what a
    host written for speed does) instead of fmpy's wrappers, which build the
    arrays on every call."""
    instance = Instance(fmu).initialize(current=pulse(0), initial_soc=INITIAL_SOC)
    slave = instance.slave
    names = outputs or tuple(v.name for v in instance.description.modelVariables if v.causality == "output")
    current_vr = [instance.vr["current"]]
    output_vrs = [instance.vr[name] for name in names]
    one_step = _lean_step(slave, current_vr, output_vrs) if lean else _wrapped_step(slave, current_vr, output_vrs)
    instance.step(1.0, 10)  # warm: coefficient caches filled
    start_state = slave.getFMUstate()
    costs = []
    for _ in range(repeats):
        slave.setFMUstate(start_state)
        t = instance.time
        started = time.perf_counter()
        for k in range(steps):
            one_step(t, pulse(k))
            t += 1.0
        costs.append((time.perf_counter() - started) / steps)
    slave.freeFMUstate(start_state)
    instance.close()
    return costs


def _wrapped_step(slave, current_vr, output_vrs):
    def one_step(t, current):
        slave.setReal(current_vr, [current])
        slave.doStep(currentCommunicationPoint=t, communicationStepSize=1.0)
        slave.getReal(output_vrs)
    return one_step


def _lean_step(slave, current_vr, output_vrs):
    component = slave.component
    references = (ctypes.c_uint * 1)(*current_vr)
    value = (ctypes.c_double * 1)()
    outputs = (ctypes.c_uint * len(output_vrs))(*output_vrs)
    values = (ctypes.c_double * len(output_vrs))()

    def one_step(t, current):
        value[0] = current
        slave.fmi2SetReal(component, references, 1, value)
        slave.fmi2DoStep(component, t, 1.0, 1)
        slave.fmi2GetReal(component, outputs, len(output_vrs), values)
    return one_step


def model_step_cost(steps: int, repeats: int) -> list[float]:
    """The model alone, for the share of the FMU layers."""
    model = SPMeBattery(BatteryParameters(initial_soc=INITIAL_SOC))
    for k in range(10):
        model.step(1.0, pulse(k), 298.15)
    saved = model.get_state()
    costs = []
    for _ in range(repeats):
        model.set_state(saved)
        started = time.perf_counter()
        for k in range(steps):
            model.step(1.0, pulse(k), 298.15)
        costs.append((time.perf_counter() - started) / steps)
    return costs


def pybamm_step_cost(steps: int, repeats: int, save: bool) -> tuple[list[float], str]:
    """PyBaMM SPMe, Chen2020, current as an input parameter; consecutive blocks
    of ``steps`` steps on one simulation (its solution grows as a user's does)."""
    import pybamm

    pybamm.set_logging_level("ERROR")  # its set-up warns that the input has no value yet
    parameters = pybamm.ParameterValues("Chen2020")
    parameters.update({"Current function [A]": "[input]", "Ambient temperature [K]": 298.15,
                       "Initial temperature [K]": 298.15})
    parameters.set_initial_state(INITIAL_SOC)
    simulation = pybamm.Simulation(pybamm.lithium_ion.SPMe(), parameter_values=parameters)
    for k in range(10):  # discretisation and solver set-up happen here
        simulation.step(dt=1, inputs={"Current function [A]": pulse(k)}, save=save)
    costs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for k in range(steps):
            simulation.step(dt=1, inputs={"Current function [A]": pulse(k)}, save=save)
        costs.append((time.perf_counter() - started) / steps)
    return costs, f"pybamm {pybamm.__version__}, {type(simulation.solver).__name__}"


def describe(costs: list[float]) -> str:
    us = sorted(c * 1e6 for c in costs)
    return f"median {statistics.median(us):8.1f} us  (best {us[0]:.1f}, worst {us[-1]:.1f}, {len(us)} repeats)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="steps per repeat (>= 1000 for the issue)")
    parser.add_argument("--repeats", type=int, default=7, help="repeats of the FMU and model runs")
    parser.add_argument("--pybamm-repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="btwin-bench-") as folder:
        fmu = build(["BatteryCell"], Path(folder))[0].path
        fmu_contract = fmu_step_cost(fmu, args.steps, args.repeats, CONTRACT)
        fmu_all = fmu_step_cost(fmu, args.steps, args.repeats, None)
    model = model_step_cost(args.steps, args.repeats)
    pybamm, solver = pybamm_step_cost(args.steps, args.pybamm_repeats, save=True)
    pybamm_unsaved, _ = pybamm_step_cost(args.steps, args.pybamm_repeats, save=False)

    print(f"one 1 s step, {args.steps} steps per repeat, current 5 A / -4 A alternating, 25 degC")
    print(f"  BatteryCell FMU in fmpy, 7 outputs read:    {describe(fmu_contract)}")
    print(f"  BatteryCell FMU in fmpy, all outputs read:  {describe(fmu_all)}")
    print(f"  SPMeBattery.step alone (no FMI):            {describe(model)}")
    print(f"  PyBaMM SPMe Simulation.step (save=True):    {describe(pybamm)}   [{solver}]")
    print(f"  PyBaMM SPMe Simulation.step (save=False):   {describe(pybamm_unsaved)}")
    ratio = statistics.median(pybamm) / statistics.median(fmu_contract)
    ratio_all = statistics.median(pybamm) / statistics.median(fmu_all)
    ratio_unsaved = statistics.median(pybamm_unsaved) / statistics.median(fmu_contract)
    print(f"ratio PyBaMM / FMU: {ratio:.1f}x (7 outputs), {ratio_all:.1f}x (all outputs), "
          f"{ratio_unsaved:.1f}x against PyBaMM save=False; goal >= 5x: {'met' if ratio >= 5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
