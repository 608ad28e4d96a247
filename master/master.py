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
   fixed-point iteration and propagates feedthrough chains;
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

import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .energy import DEFAULT_GAIN, Ledger
from .fmu_info import FmuInfo
from .graph import AlgebraicLoop, algebraic_loops, gauss_seidel_order
from .results import OutputFolder, ResultsError, ResultsWriter, write_energy_json
from .run_control import RunInterrupted, StopRequests
from .slave import FmuError, RealPort, Slave
from .ssp import read_ssp
from .stepcontrol import PIStepController
from .structure import Endpoint, SystemStructure
from .unpack import remove
from .validation import validate
from .wiring import Feed, Wiring, couplings

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


class _Member(NamedTuple):
    """One slave as the stepping loop sees it: its ports onto the master's
    vectors and where its outputs and inputs lie in them."""

    name: str
    slave: Slave
    outputs: slice  # in y
    inputs: slice  # in u and u_held
    read: RealPort  # outputs into y (or slave.Ports, with Integer/Boolean outputs)
    at_start: np.ndarray  # the view y_start[outputs]
    write_held: RealPort  # inputs from u_held (before a step)
    write_settled: RealPort  # inputs from u (settling at a communication point)
    feedthrough: bool  # it has inputs, and some output depends directly on one


class _Group(NamedTuple):
    """Slaves that step together on the same inputs (all of them for Jacobi,
    one for Gauss-Seidel); their inputs are one contiguous slice."""

    members: list[_Member]
    inputs: slice
    feed: Feed
    held: np.ndarray  # the view u_held[inputs]
    corrections: list  # NEPCE-corrected inputs among them (Ledger.corrected_inputs)


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
    ``progress``: a tqdm bar (``None``: only when stderr is a terminal).

    SIGINT and SIGTERM during :meth:`run` stop it after the current step
    (see :mod:`.run_control`).
    """

    def __init__(self, system: System, algorithm: str = "jacobi", extrapolation: str = "hold",
                 correction: str = "none", nepce_gain: float = DEFAULT_GAIN, iterations: int = 1,
                 coupling_tolerance: float = 1e-8, adaptive: bool = False, rtol: float = 1e-3,
                 atol: float = 1e-6, min_step: float | None = None, max_step: float | None = None,
                 algebraic_loops: str = "iterate", settle_passes: int = 50, settle_tolerance: float = 1e-10,
                 progress: bool | None = None):
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


class _Run:
    """The state of one run; split from :class:`Master` so the master stays reusable."""

    def __init__(self, master: Master, start: float, stop: float, h: float, out: Path | None,
                 keep_values: bool = True):
        self.m, self.start, self.stop, self.h, self.out = master, start, stop, h, out
        self.keep_values = keep_values
        self.structure = master.system.structure
        self.slaves: dict[str, Slave] = {}
        self.macro_steps = self.rejected = 0
        self.notes = []
        if master.system.unconnected_inputs:
            self.notes.append("unconnected inputs keep their start values: "
                              + ", ".join(master.system.unconnected_inputs))

    # ------------------------------------------------------------ set-up
    def _load(self) -> None:
        for component in self.structure.components:
            slave = Slave(component.name, component.source)
            self.slaves[component.name] = slave
            slave.setup(self.start, self.stop)
            for name, value in component.parameters.items():
                slave.set_value(name, value)
        infos = self.m.system.infos
        w = self.w = Wiring(self.structure, {name: infos[name] for name in self.slaves})
        self.y = np.zeros(len(w.out_names))
        self.y_start = np.zeros_like(self.y)
        self.y_prev = np.zeros_like(self.y)
        self.y_settled = np.zeros_like(self.y)
        self.u = np.zeros(len(w.in_names))
        self.u_held = np.zeros_like(self.u)
        self.u_last = np.zeros_like(self.u)
        self.members = {name: self._member(name, slave) for name, slave in self.slaves.items()}
        self.ft_members = [m for m in self.members.values() if m.feedthrough]
        self.in_members = [m for m in self.members.values() if m.inputs.stop > m.inputs.start]
        self.all_inputs = w.feed(slice(None))
        self.settle_can_move = {True: self._can_move(self.in_members), False: self._can_move(self.ft_members)}
        self.ledger = Ledger(couplings(self.structure, infos, w, self.m.system.to_si), self.m.nepce_gain,
                             self.m.correction == "nepce")
        order = list(self.slaves)
        if self.m.algorithm == "gauss-seidel":
            order = gauss_seidel_order(self.structure, infos)
            groups = [[n] for n in order]
        else:
            groups = [order]
        self.groups = [self._group([self.members[n] for n in names]) for names in groups]
        self.nepce = self.m.correction == "nepce"
        self.linear = self.m.extrapolation == "linear"
        self.need_states = self.m.adaptive or self.m.iterations > 1

    def _member(self, name: str, slave: Slave) -> _Member:
        w, feedthrough = self.w, self.m.system.infos[name].feedthrough
        outputs, inputs = w.out_slices[name], w.in_slices[name]
        return _Member(name, slave, outputs, inputs,
                       read=slave.port(w.out_vars[name], self.y[outputs]), at_start=self.y_start[outputs],
                       write_held=slave.port(w.in_vars[name], self.u_held[inputs]),
                       write_settled=slave.port(w.in_vars[name], self.u[inputs]),
                       feedthrough=bool(feedthrough and any(feedthrough.values()) and inputs.stop > inputs.start))

    def _can_move(self, targets: list[_Member]) -> bool:
        """Can re-reading the feedthrough outputs move an input of ``targets``?"""
        fed_by_feedthrough = np.zeros(len(self.y), dtype=bool)
        for m in self.ft_members:
            fed_by_feedthrough[m.outputs] = True
        return any(fed_by_feedthrough[self.w.source[m.inputs]].any() for m in targets)

    def _group(self, members: list[_Member]) -> _Group:
        inputs = slice(members[0].inputs.start, members[-1].inputs.stop)
        if any(a.inputs.stop != b.inputs.start for a, b in zip(members, members[1:])):
            raise AssertionError(f"inputs of {[m.name for m in members]} are not contiguous")
        return _Group(members, inputs, self.w.feed(inputs), self.u_held[inputs],
                      self.ledger.corrected_inputs(inputs))

    def _settle(self, every_component: bool = False) -> None:
        """Set inputs from outputs and re-read feedthrough outputs until they
        agree. Between steps only components with feedthrough are written:
        the others' outputs do not depend on their inputs, and the next step
        sets those inputs anyway (``every_component`` for initialisation).
        After the first pass only components whose inputs moved are written
        again; when no written input comes from a feedthrough output (no
        chain, no loop), nothing can have moved."""
        u, written = self.u, self.u_last
        targets = self.in_members if every_component else self.ft_members
        self.all_inputs(self.y, u)
        for m in targets:
            m.write_settled.write()
        if not self.ft_members:
            return
        for m in self.ft_members:
            m.read.read()
        if not self.settle_can_move[every_component]:
            return
        written[:] = u
        for _ in range(1, self.m.settle_passes):
            self.all_inputs(self.y, u)
            moved = np.abs(u - written) > self.m.settle_tolerance * (1 + np.abs(u))
            if not moved.any():
                return
            again = [m for m in targets if moved[m.inputs].any()]
            if not again:
                return
            for m in again:
                m.write_settled.write()
                if m.feedthrough:
                    m.read.read()
            written[:] = u
        loops = self.m.system.loops
        if loops:
            raise AlgebraicLoop(loops, f" did not settle in {self.m.settle_passes} fixed-point passes at "
                                       f"t = {self.t:.9g} s")

    def _initialize(self) -> None:
        for slave in self.slaves.values():
            slave.enter_initialization()
        for m in self.members.values():
            m.read.read()
        self._settle(every_component=True)
        for slave in self.slaves.values():
            slave.exit_initialization()
        for m in self.members.values():
            m.read.read()
        self._settle(every_component=True)
        self.y_prev[:] = self.y

    # ------------------------------------------------------------ one step
    def _held_inputs(self, group: _Group, h: float, advanced: np.ndarray | None) -> None:
        """Form ``u_held`` for the inputs of ``group`` (extrapolated; corrected later)."""
        y = self.y
        if self.linear and self.h_prev > 0:
            guess = y + (y - self.y_prev) * (0.5 * h / self.h_prev)
            if advanced is not None:  # Gauss-Seidel: already at t+h, take the midpoint
                guess = np.where(advanced, 0.5 * (self.y_settled + y), guess)
        else:
            guess = y
        group.feed(guess, group.held)

    def _advance(self, t: float, h: float, mid_guess: np.ndarray | None) -> None:
        """Step every group once from ``t``; on return ``y`` holds the outputs at
        ``t+h`` (before any input is set again) and ``y_start`` those at ``t+``."""
        y, y_start = self.y, self.y_start
        y_start[:] = y
        self.y_settled[:] = y
        linear_gs = len(self.groups) > 1 and self.linear
        advanced = np.zeros(len(y), dtype=bool) if linear_gs else None
        for group in self.groups:
            if mid_guess is not None:
                group.feed(mid_guess, group.held)
            else:
                self._held_inputs(group, h, advanced)
            if self.nepce:
                self.ledger.apply_correction(y_start, self.u_held, h, group.corrections)
            for m in group.members:
                m.write_held.write()
                if m.feedthrough:  # outputs at t+ see the held inputs
                    m.read.read()
                    m.at_start[:] = m.read.values
            for m in group.members:
                m.slave.do_step(t, h)
            for m in group.members:
                m.read.read()
                if advanced is not None:
                    advanced[m.outputs] = True

    def _save(self):
        return [(s, s.save_state()) for s in self.slaves.values()], self.y.copy()

    def _restore(self, saved) -> None:
        states, y = saved
        for slave, state in states:
            slave.restore_state(state)
        self.y[:] = y

    def _free(self, saved) -> None:
        for slave, state in saved[0]:
            slave.free_state(state)

    def _attempt(self, t: float, h: float, saved) -> None:
        """One macro step, iterated to a fixed point when asked."""
        self._advance(t, h, None)
        for _ in range(self.m.iterations - 1):
            previous = self.u_held.copy()
            midpoint = 0.5 * (self.y_start + self.y)
            self._restore(saved)
            self._advance(t, h, midpoint)
            if np.all(np.abs(self.u_held - previous) <= self.m.coupling_tolerance * (1 + np.abs(previous))):
                break

    # ------------------------------------------------------------ the loop
    def _step_bounds(self) -> tuple[float, float]:
        h_max = self.m.max_step or self.h * 100.0
        h_min = self.m.min_step or min(self.h, h_max) * 1e-4
        return h_min, max(h_max, h_min)

    def _loop(self, writer: ResultsWriter, bar, stops: StopRequests) -> None:
        t, h, stop = self.start, self.h, self.stop
        controller = None
        if self.m.adaptive:
            controller = PIStepController(*self._step_bounds())
            h = controller.bound(h)
        self.h_prev = 0.0
        eps = 1e-12 * max(1.0, abs(stop))
        while t < stop - eps:
            h_try = min(h, stop - t)
            if stop - (t + h_try) < 1e-6 * h_try:  # do not leave a sliver before stop
                h_try = stop - t
            self.t = t
            saved = self._save() if self.need_states else None
            u_before = self.u.copy() if saved is not None else None
            try:
                self._attempt(t, h_try, saved)
            except FmuError as error:
                if not (error.discarded and saved is not None and controller is not None
                        and h_try > controller.h_min * (1 + 1e-9)):
                    raise
                self._restore(saved)
                self._free(saved)
                self.u[:] = u_before
                self.rejected += 1
                h = controller.bound(h_try * 0.5)
                continue
            error = 0.0
            if controller is not None:
                error = self.ledger.step_error(self.y_start, self.y, self.u_held, h_try, self.m.atol, self.m.rtol)
                if controller.rejects(error, h_try):
                    self._restore(saved)
                    self._free(saved)
                    self.u[:] = u_before
                    self.rejected += 1
                    h = controller.after_rejection(h_try, error)
                    continue
            if saved is not None:
                self._free(saved)
            self.ledger.book(self.y_start, self.y, self.u_held, h_try, t + h_try)
            if self.linear:
                self.y_prev[:] = self.y_settled
            if controller is None:  # fixed step: count, so that time does not drift
                t = min(self.start + (self.macro_steps + 1) * self.h, stop)
            else:
                t = stop if abs(stop - (t + h_try)) <= eps else t + h_try
            self.t = t
            self._settle()
            self.macro_steps += 1
            self.h_prev = h_try
            writer.write(t, self.y, self.u_held)
            if bar is not None:
                bar.update(h_try)
            if controller is not None:
                h = controller.next_step(h_try, error)
            if stops.signal_number is not None:
                break
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
            bonds = self.ledger.report() if hasattr(self, "ledger") else []
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
            writer = ResultsWriter(folder.results if folder else None, self.w.out_names + self.w.in_names,
                                   keep=self.keep_values)
            self._initialize()
            writer.write(self.t, self.y, self.u)
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
