"""The co-simulation master: any set of FMI 2.0 co-simulation FMUs, stepped
by Jacobi or Gauss-Seidel, with input extrapolation, optional iterative
coupling with rollback, an energy ledger with NEPCE correction, and
energy-based adaptive steps.

    system = System.from_ssp("car.ssp")
    result = Master(system, algorithm="jacobi", correction="nepce").run(
        stop_time=1800.0, step=1.0, out_dir="results/car")

Each macro step ``[t, t+h]``:

1. *settle* (at ``t``): inputs are set from the connected outputs (with
   their LinearTransformation) and outputs that depend directly on inputs
   are read again, until nothing changes — this solves algebraic loops by
   fixed-point iteration and propagates feedthrough chains (without a cycle,
   in one pass in dependency order; an input an FMU already holds is not
   written again, see :class:`~.stepping.Stepper`);
2. the held inputs ``u`` are formed: the settled value (``hold``) or the
   value at the step's midpoint (``linear`` extrapolation from the last two
   communication points; for Gauss-Seidel, outputs already advanced are
   interpolated), plus the NEPCE correction (see :mod:`.energy`);
3. the FMUs step, all on the values at ``t`` (Jacobi) or one after the
   other in connection-graph order, each reading the others' newest
   outputs (Gauss-Seidel);
4. with ``iterations > 1`` the step is redone from saved FMU states, with
   inputs at the midpoint of the last iterate, until they agree to
   ``coupling_tolerance`` (implicit, trapezoidal coupling);
5. with ``adaptive`` the step's energy residual is judged; a step far over
   tolerance, or one an FMU discards (fmi2Discard), is rolled back and
   retried smaller; the step never passes ``stop_time``.
"""
from __future__ import annotations

import difflib
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .energy import DEFAULT_GAIN
from .fmu_info import FmuInfo
from .graph import AlgebraicLoop, algebraic_loops
from .results import OutputFolder, ResultsError, ResultsWriter, write_energy_json
from .run_control import RunInterrupted, StopRequests
from .slave import FmuError, InstancePool, Slave
from .ssp import read_ssp
from .stepcontrol import PIStepController
from .stepping import Stepper
from .structure import Endpoint, SystemStructure
from .unpack import remove
from .validation import validate

ALGORITHMS = ("jacobi", "gauss-seidel")
EXTRAPOLATIONS = ("hold", "linear")
CORRECTIONS = ("none", "nepce")


class System:
    """A validated system: raises :class:`SystemInvalid` listing every problem.
    With ``recognise_bonds``, voltage/current connection pairs between two
    components that no declared bond covers become power bonds."""

    def __init__(self, structure: SystemStructure, recognise_bonds: bool = False):
        report = validate(structure)
        report.raise_if_invalid()
        if recognise_bonds:
            from .bonds import recognise_power_bonds
            structure.power_bonds.extend(recognise_power_bonds(structure))
        self.structure = structure
        self.unconnected_inputs = report.unconnected_inputs
        from .fmu_info import fmu_info
        self.infos: dict[str, FmuInfo] = {c.name: fmu_info(c.source) for c in structure.components}
        self.loops = algebraic_loops(structure, self.infos)

    @classmethod
    def from_ssp(cls, path: str | Path, extract_to: str | Path | None = None,
                 recognise_bonds: bool = False) -> System:
        """The system of an ``.ssp`` or ``.ssd``; an archive unpacked to a
        temporary folder is removed by :meth:`close` (or at exit), at once
        when the system is refused."""
        structure = read_ssp(path, extract_to)
        try:
            return cls(structure, recognise_bonds)
        except BaseException:
            remove(structure.unpacked_to)
            raise

    def to_si(self, endpoint: Endpoint) -> float:
        """The factor taking the variable's value to SI: its FMU's unit, or
        the unit the system gives its connector when the FMU declares none."""
        info = self.infos[endpoint.component]
        given = self.structure.connector_units.get(endpoint)
        if not info.variables[endpoint.variable].unit and given is not None:
            return given.factor
        return info.to_si(endpoint.variable)[0]

    def close(self) -> None:
        """Remove the folder an archive was unpacked into (if any)."""
        remove(self.structure.unpacked_to)

    def __enter__(self) -> System:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class RunResult:
    columns: list[str]
    values: np.ndarray  # one row per communication point, columns as named
    macro_steps: int
    rejected_steps: int
    wall_time_s: float
    fmu_time_s: dict[str, float]
    bonds: list[dict]
    stop_time: float
    results_path: Path | None = None
    energy_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    status: str = "completed"  # or "interrupted" (see RunInterrupted)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    @property
    def master_time_s(self) -> float:
        return self.wall_time_s - sum(self.fmu_time_s.values())


class Master:
    """Runs a :class:`System`. Options:

    ``algorithm``: ``"jacobi"`` or ``"gauss-seidel"``;
    ``extrapolation``: ``"hold"`` or ``"linear"``;
    ``correction``: ``"none"`` or ``"nepce"`` (gain ``nepce_gain``);
    ``iterations``: fixed-point iterations per step (1 = non-iterative);
    ``adaptive``: energy-based PI step control within ``[min_step, max_step]``
    to the tolerances ``rtol``/``atol`` (J) on each step's residual;
    ``algebraic_loops``: ``"iterate"`` (solve at communication points) or
    ``"refuse"`` (raise :class:`AlgebraicLoop` naming the loop);
    ``progress``: a tqdm bar (``None``: only when stderr is a terminal);
    ``record``: the outputs (``"component.variable"``) to read and record
    besides those connected to an input (``None``: every output; fewer
    outputs, fewer FMI calls and property reads a step).

    SIGINT and SIGTERM during :meth:`run` stop it after the current step
    (see :mod:`.run_control`).
    """

    def __init__(self, system: System, algorithm: str = "jacobi", extrapolation: str = "hold",
                 correction: str = "none", nepce_gain: float = DEFAULT_GAIN, iterations: int = 1,
                 coupling_tolerance: float = 1e-8, adaptive: bool = False, rtol: float = 1e-3,
                 atol: float = 1e-6, min_step: float | None = None, max_step: float | None = None,
                 algebraic_loops: str = "iterate", settle_passes: int = 50, settle_tolerance: float = 1e-10,
                 progress: bool | None = None, record: Iterable[str] | None = None,
                 pool: InstancePool | None = None):
        for value, allowed, what in ((algorithm, ALGORITHMS, "algorithm"),
                                     (extrapolation, EXTRAPOLATIONS, "extrapolation"),
                                     (correction, CORRECTIONS, "correction"),
                                     (algebraic_loops, ("iterate", "refuse"), "algebraic_loops")):
            if value not in allowed:
                raise ValueError(f"{what} must be one of {allowed}, got {value!r}")
        if iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations!r}")
        if system.loops and algebraic_loops == "refuse":
            raise AlgebraicLoop(system.loops, " (use algebraic_loops='iterate' to solve them by fixed point)")
        self.system = system
        self.algorithm, self.extrapolation, self.correction = algorithm, extrapolation, correction
        self.nepce_gain, self.iterations, self.coupling_tolerance = nepce_gain, iterations, coupling_tolerance
        self.adaptive, self.rtol, self.atol = adaptive, rtol, atol
        self.min_step, self.max_step = min_step, max_step
        self.settle_passes, self.settle_tolerance = settle_passes, settle_tolerance
        self.progress = progress
        self.record = None if record is None else _known_outputs(system, record)
        self.pool = pool  # instances to reuse between runs (``slave.InstancePool``); None: a new one each run

    # ------------------------------------------------------------------ run
    def run(self, stop_time: float | None = None, step: float | None = None,
            out_dir: str | Path | None = None, start_time: float | None = None,
            keep_values: bool = True) -> RunResult:
        """Simulate to ``stop_time`` with macro step ``step`` (defaults from the
        system's DefaultExperiment and annotation). With ``out_dir``, writes
        ``results.csv`` as the run goes and ``energy.json`` at the end (also
        when an FMU fails or results cannot be written: the error is raised
        after both are on disk; see :mod:`.results`). A stop asked by SIGINT
        or SIGTERM raises :class:`RunInterrupted` after the same. Without
        ``keep_values`` (and with ``out_dir``) the rows live only in the file
        and ``RunResult.values`` is empty: memory stays flat."""
        s = self.system.structure
        start = s.start_time if start_time is None else start_time
        stop = s.stop_time if stop_time is None else stop_time
        h = s.step_size if step is None else step
        if stop is None or h is None:
            raise ValueError("stop_time and step must be given (the system has no default experiment for them)")
        if not (np.isfinite(stop) and np.isfinite(h) and h > 0 and stop > start):
            raise ValueError(f"need start < stop and step > 0, got start={start!r}, stop={stop!r}, step={h!r}")
        out = Path(out_dir) if out_dir is not None else None
        run = _Run(self, start, stop, h, out, keep_values)
        return run.execute()


def _known_outputs(system: System, names: Iterable[str]) -> frozenset[str]:
    """``names`` if each is an output of a component, else ValueError naming those that are not."""
    names = frozenset(names)
    outputs = {f"{c}.{v.name}" for c, info in system.infos.items() for v in info.variables.values()
               if v.causality == "output"}
    unknown = sorted(names - outputs)
    if unknown:
        guesses = [f"{name} (did you mean {', '.join(close)}?)" if close else name
                   for name in unknown for close in [difflib.get_close_matches(name, outputs, 2)]]
        raise ValueError(f"record: not an output of the system's components: {'; '.join(guesses)}")
    return names


class _Run:
    """One run: load the slaves, step them in time (step control, results,
    stop requests) through a :class:`~.stepping.Stepper`, and end it whatever
    happens (FMUs freed, results closed, ``energy.json`` written); split from
    :class:`Master` so the master stays reusable."""

    def __init__(self, master: Master, start: float, stop: float, h: float, out: Path | None,
                 keep_values: bool = True):
        self.m, self.start, self.stop, self.h, self.out = master, start, stop, h, out
        self.keep_values = keep_values
        self.structure = master.system.structure
        self.slaves: dict[str, Slave] = {}
        self.stepper: Stepper | None = None  # once the slaves are loaded
        self.macro_steps = self.rejected = 0
        self.notes = []
        if master.system.unconnected_inputs:
            self.notes.append("unconnected inputs keep their start values: "
                              + ", ".join(master.system.unconnected_inputs))

    # ------------------------------------------------------------ set-up
    def _load(self) -> None:
        for component in self.structure.components:
            slave = Slave(component.name, component.source, self.m.pool)
            self.slaves[component.name] = slave
            slave.setup(self.start, self.stop)
            for name, value in component.parameters.items():
                slave.set_value(name, value)
        self.stepper = Stepper(self.m, self.slaves)

    def _step_bounds(self) -> tuple[float, float]:
        h_max = self.m.max_step or self.h * 100.0
        h_min = self.m.min_step or min(self.h, h_max) * 1e-4
        return h_min, max(h_max, h_min)

    def _loop(self, writer: ResultsWriter, bar, stops: StopRequests) -> None:
        s = self.stepper
        t, h, stop = self.start, self.h, self.stop
        controller = None
        if self.m.adaptive:
            controller = PIStepController(*self._step_bounds())
            h = controller.bound(h)
        s.h_prev = 0.0
        eps = 1e-12 * max(1.0, abs(stop))
        while t < stop - eps and stops.signal_number is None:  # a stop asked: before the next step
            h_try = min(h, stop - t)
            if stop - (t + h_try) < 1e-6 * h_try:  # do not leave a sliver before stop
                h_try = stop - t
            s.t = t
            saved = s.save() if s.need_states else None
            u_before = s.u.copy() if saved is not None else None
            try:
                s.attempt(t, h_try, saved)
            except FmuError as error:
                if not (error.discarded and saved is not None and controller is not None
                        and h_try > controller.h_min * (1 + 1e-9)):
                    raise
                s.rollback(saved, u_before)
                self.rejected += 1
                h = controller.bound(h_try * 0.5)
                continue
            error = 0.0
            if controller is not None:
                error = s.ledger.step_error(s.y_start, s.y, s.u_held, h_try, self.m.atol, self.m.rtol)
                if controller.rejects(error, h_try):
                    s.rollback(saved, u_before)
                    self.rejected += 1
                    h = controller.after_rejection(h_try, error)
                    continue
            s.book(saved, t, h_try)
            if controller is None:  # fixed step: count, so that time does not drift
                t = min(self.start + (self.macro_steps + 1) * self.h, stop)
            else:
                t = stop if abs(stop - (t + h_try)) <= eps else t + h_try
            self.t = s.t = t
            s.settle()
            self.macro_steps += 1
            s.h_prev = h_try
            writer.write(t, s.y, s.u_held)
            if bar is not None:
                bar.update(h_try)
            if controller is not None:
                h = controller.next_step(h_try, error)
        self.t = t

    def execute(self) -> RunResult:
        """Load, initialise and step; whatever happens, free every FMU, close
        the results and write ``energy.json``, then return or raise."""
        started = time.perf_counter()
        folder = OutputFolder(self.out) if self.out is not None else None
        try:
            with StopRequests() as stops:
                writer, failure = self._simulate(folder, stops)
            wall = time.perf_counter() - started
            status = self._status(failure, stops.signal_number)
            bonds = self.stepper.ledger.report() if self.stepper is not None else []
            fmu_time = {n: s.time_in_fmu_s for n, s in self.slaves.items()}
            if folder is not None:
                write_energy_json(folder.energy, self.macro_steps, wall, fmu_time, bonds, status)
        finally:
            if folder is not None:
                folder.release()
        results_path = folder.results if folder is not None and writer is not None else None
        if failure is not None:
            failure.partial_results = results_path
            raise failure
        result = RunResult(writer.columns, writer.array(), self.macro_steps, self.rejected, wall, fmu_time, bonds,
                           self.t, results_path, folder.energy if folder else None, self.notes, status["status"])
        if stops.signal_number is not None:
            raise RunInterrupted(stops.signal_number, self.t, result)
        return result

    def _simulate(self, folder: OutputFolder | None, stops: StopRequests):
        """The run proper; returns the results writer (None when set-up failed
        before it) and the error that stopped the run, if any."""
        writer = bar = failure = None
        self.t = self.start
        try:
            self._load()
            s = self.stepper
            writer = ResultsWriter(folder.results if folder else None, s.w.out_names + s.w.in_names,
                                   keep=self.keep_values)
            s.initialize()
            writer.write(self.t, s.y, s.u)
            show = self.m.progress if self.m.progress is not None else sys.stderr.isatty()
            if show:
                from tqdm import tqdm
                bar = tqdm(total=self.stop - self.start, unit="s", desc="co-simulation", leave=False)
            self._loop(writer, bar, stops)
        except (FmuError, AlgebraicLoop, ResultsError) as error:
            failure = error
        finally:
            if bar is not None:
                bar.close()
            if writer is not None:
                try:
                    writer.close()
                except ResultsError as error:
                    failure = failure or error
            for slave in self.slaves.values():
                slave.close()
        return writer, failure

    def _status(self, failure: Exception | None, signal_number: int | None) -> dict:
        """How the run ended, for ``energy.json``."""
        if failure is not None:
            return {"status": "failed", "stopped_at_s": self.t, "error": str(failure)}
        if signal_number is not None:
            return {"status": "interrupted", "stopped_at_s": self.t, "signal": signal.Signals(signal_number).name}
        return {"status": "completed", "stopped_at_s": self.t}
