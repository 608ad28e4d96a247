"""Shared pieces of the master benchmarks: run a bond-coupled system with our
master (plain Jacobi, NEPCE, a fine reference) and with libcosim (fixed step
and ECCO), and print errors, residuals and wall times side by side."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from btwin.master import Master, System


@dataclass
class Outcome:
    label: str
    steps: int
    wall_s: float
    delivered_J: float  # energy the source booked: sum of h * held flow input * mean effort output
    final: float  # final value of the watched output
    residual_J: float | None = None
    master_s: float | None = None
    max_residual_J: float | None = None  # the running residual at its largest in magnitude
    max_residual_time_s: float | None = None


def _delivered(t, effort_out, flow_in) -> float:
    """What the source delivered as it saw it: its flow input is held over
    each step while its effort output moves (the ledger's source side).
    libcosim's observer samples after a step and before the new inputs are
    set, so the flow input sampled at t[k] is the one held over the step
    that ended there."""
    t, y, u = map(np.asarray, (t, effort_out, flow_in))
    return float(np.sum(np.diff(t) * u[1:] * 0.5 * (y[:-1] + y[1:])))


def run_ours(system: System, label: str, stop: float, h: float, watch: str, **options) -> Outcome:
    started = time.perf_counter()
    result = Master(system, progress=False, **options).run(stop_time=stop, step=h)
    wall = time.perf_counter() - started
    bond = result.bonds[0]
    return Outcome(label, result.macro_steps, wall, bond["energy_source_J"], float(result.column(watch)[-1]),
                   bond["residual_J"], result.master_time_s, bond["max_abs_running_residual_J"],
                   bond["max_running_residual_time_s"])


def run_libcosim(system: System, label: str, stop: float, watch: str, h: float | None = None,
                 ecco: dict | None = None, record: bool = True) -> Outcome:
    """libcosim on the same FMUs and connections (transformations must be identity).
    ``record``: step by step, sampling the bond for the delivered energy (slower);
    otherwise one ``simulate_until`` for the wall time alone."""
    from libcosimpy.CosimAlgorithm import CosimAlgorithm, EccoParams
    from libcosimpy.CosimLogging import CosimLogLevel, log_output_level
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    log_output_level(CosimLogLevel.ERROR)
    s, infos = system.structure, system.infos
    started = time.perf_counter()
    algorithm = None
    if ecco is not None:
        algorithm = CosimAlgorithm.create_ecco_algorithm(EccoParams(**ecco))
        execution = CosimExecution.from_algorithm(algorithm)
    else:
        execution = CosimExecution.from_step_size(int(round(h * 1e9)))
    index = {c.name: execution.add_local_slave(CosimLocalSlave(str(c.source), c.name)) for c in s.components}
    for c in s.components:
        for name, value in c.parameters.items():
            _initial_value(execution, index[c.name], infos[c.name].variables[name], value)
    for c in s.connections:
        if (c.factor, c.offset) != (1.0, 0.0):
            raise ValueError("libcosim comparison needs identity connections")
        execution.connect_real_variables(index[c.start.component], infos[c.start.component].variables[c.start.variable].value_reference,
                                         index[c.end.component], infos[c.end.component].variables[c.end.variable].value_reference)
    bond = s.power_bonds[0]
    ends = {c.end: c for c in s.connections}
    effort, flow = ends[bond.effort].start, ends[bond.flow].start

    def vr(endpoint):
        return infos[endpoint.component].variables[endpoint.variable].value_reference

    if algorithm is not None:  # source: effort out, flow in; sink: flow out, effort in
        algorithm.add_power_bond(index[bond.source], vr(effort), vr(bond.flow),
                                 index[bond.sink], vr(flow), vr(bond.effort))
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    watched = [effort, bond.flow, type(effort)(*watch.split("."))]  # source's effort out, flow in
    if not record:  # wall time of an undisturbed run
        execution.simulate_until(int(round(stop * 1e9)))
        wall = time.perf_counter() - started
        final = observer.last_real_values(index[watched[2].component], [vr(watched[2])])[0]
        return Outcome(label, -1, wall, float("nan"), final)
    t, samples = [], []
    while True:  # one macro step at a time to sample the trajectory
        t.append(execution.status().current_time * 1e-9)
        samples.append([observer.last_real_values(index[e.component], [vr(e)])[0] for e in watched])
        if t[-1] >= stop - 1e-9:
            break
        execution.step(1)
    wall = time.perf_counter() - started
    t, samples = np.array(t), np.array(samples)
    return Outcome(label, len(t) - 1, wall, _delivered(t, samples[:, 0], samples[:, 1]), float(samples[-1, 2]))


def _initial_value(execution, slave: int, variable, value) -> None:
    """A parameter or start value through the setter of the variable's type."""
    vr = variable.value_reference
    if variable.type == "Real":
        execution.real_initial_value(slave, vr, float(value))
    elif variable.type in ("Integer", "Enumeration"):
        execution.integer_initial_value(slave, vr, int(value))
    elif variable.type == "Boolean":
        execution.boolean_initial_value(slave, vr, bool(value))
    else:
        execution.string_initial_value(slave, vr, str(value))


def print_table(reference: Outcome, rows: list[Outcome]) -> None:
    print(f"reference ({reference.label}): delivered {reference.delivered_J:.6g} J, final {reference.final:.6g}")
    print(f"{'run':34s} {'steps':>7s} {'wall s':>8s} {'master s':>9s} {'|dE| J':>10s} {'|dfinal|':>10s} "
          f"{'residual J':>11s} {'max |R| J':>10s}")
    for r in rows:
        master = f"{r.master_s:9.3f}" if r.master_s is not None else f"{'-':>9s}"
        residual = f"{r.residual_J:11.3g}" if r.residual_J is not None else f"{'-':>11s}"
        largest = f"{r.max_residual_J:10.3g}" if r.max_residual_J is not None else f"{'-':>10s}"
        print(f"{r.label:34s} {r.steps:7d} {r.wall_s:8.3f} {master} {abs(r.delivered_J - reference.delivered_J):10.3g} "
              f"{abs(r.final - reference.final):10.3g} {residual} {largest}")
