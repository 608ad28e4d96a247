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

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .energy import DEFAULT_GAIN, Coupling, Ledger
from .fmu_info import FmuInfo
from .graph import AlgebraicLoop, algebraic_loops, gauss_seidel_order
from .slave import FmuError, RealPort, Slave
from .ssp import read_ssp
from .stepcontrol import PIStepController
from .results import ResultsWriter, write_energy_json
from .structure import Endpoint, SystemStructure
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
        return cls(read_ssp(path, extract_to), recognise_bonds)


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

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    @property
    def master_time_s(self) -> float:
        return self.wall_time_s - sum(self.fmu_time_s.values())


class _Wiring:
    """Index arrays that turn the output vector ``y`` into the input vector ``u``,
    and the variables each slave contributes to them (outputs, then inputs, in
    slave order: each slave's share is one contiguous slice)."""

    def __init__(self, structure: SystemStructure, slaves: dict[str, Slave]):
        self.out_names, self.out_slices, self.out_vars = [], {}, {}
        for name, slave in slaves.items():
            info = slave.info
            outputs = [v.name for v in info.variables.values() if v.causality == "output" and v.type == "Real"]
            outputs += [c.start.variable for c in structure.connections
                        if c.start.component == name and c.start.variable not in outputs]
            self.out_slices[name] = slice(len(self.out_names), len(self.out_names) + len(outputs))
            self.out_names += [f"{name}.{v}" for v in outputs]
            self.out_vars[name] = outputs
        position = {n: i for i, n in enumerate(self.out_names)}
        self.in_names, self.in_slices, self.in_vars = [], {}, {}
        sources, factors, offsets = [], [], []
        for name, slave in slaves.items():
            feeds = [c for c in structure.connections if c.end.component == name]
            self.in_slices[name] = slice(len(self.in_names), len(self.in_names) + len(feeds))
            self.in_names += [str(c.end) for c in feeds]
            self.in_vars[name] = [c.end.variable for c in feeds]
            sources += [position[str(c.start)] for c in feeds]
            factors += [c.factor for c in feeds]
            offsets += [c.offset for c in feeds]
        self.source = np.array(sources, dtype=np.intp)
        self.factor = np.array(factors, dtype=float)
        self.offset = np.array(offsets, dtype=float)
        self.in_position = {n: i for i, n in enumerate(self.in_names)}
        self.out_position = position

    def feed(self, inputs: slice) -> _Feed:
        return _Feed(self.source[inputs], self.factor[inputs], self.offset[inputs])


class _Feed:
    """A contiguous block of inputs from the outputs, ``u = factor * y[source] + offset``
    (each connection's LinearTransformation), computed in place without temporaries."""

    def __init__(self, source: np.ndarray, factor: np.ndarray, offset: np.ndarray):
        self.source, self.factor, self.offset = source, factor, offset
        self.scaled = bool(np.any(factor != 1.0))  # x * 1.0 is x exactly: skip the product

    def __call__(self, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        y.take(self.source, out=out, mode="clip")  # indices are valid; "clip" avoids a buffered copy
        if self.scaled:
            np.multiply(out, self.factor, out=out)
        np.add(out, self.offset, out=out)  # kept when 0: it turns -0.0 into 0.0, as it always has
        return out


class _Member(NamedTuple):
    """One slave as the stepping loop sees it: its ports onto the master's
    vectors and where its outputs and inputs lie in them."""

    name: str
    slave: Slave
    outputs: slice  # in y
    inputs: slice  # in u and u_held
    read: RealPort  # outputs into y
    at_start: np.ndarray  # the view y_start[outputs]
    write_held: RealPort  # inputs from u_held (before a step)
    write_settled: RealPort  # inputs from u (settling at a communication point)
    feedthrough: bool  # it has inputs, and some output depends directly on one


class _Group(NamedTuple):
    """Slaves that step together on the same inputs (all of them for Jacobi,
    one for Gauss-Seidel); their inputs are one contiguous slice."""

    members: list[_Member]
    inputs: slice
    feed: _Feed
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
            out_dir: str | Path | None = None, start_time: float | None = None) -> RunResult:
        """Simulate to ``stop_time`` with macro step ``step`` (defaults from the
        system's DefaultExperiment and annotation). With ``out_dir``, writes
        ``results.csv`` as the run goes and ``energy.json`` at the end (also
        when an FMU fails: the error is raised after both are on disk)."""
        s = self.system.structure
        start = s.start_time if start_time is None else start_time
        stop = s.stop_time if stop_time is None else stop_time
        h = s.step_size if step is None else step
        if stop is None or h is None:
            raise ValueError("stop_time and step must be given (the system has no default experiment for them)")
        if not (np.isfinite(stop) and np.isfinite(h) and h > 0 and stop > start):
            raise ValueError(f"need start < stop and step > 0, got start={start!r}, stop={stop!r}, step={h!r}")
        out = Path(out_dir) if out_dir is not None else None
        run = _Run(self, start, stop, h, out)
        return run.execute()


class _Run:
    """The state of one run; split from :class:`Master` so the master stays reusable."""

    def __init__(self, master: Master, start: float, stop: float, h: float, out: Path | None):
        self.m, self.start, self.stop, self.h, self.out = master, start, stop, h, out
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
        w = self.w = _Wiring(self.structure, self.slaves)
        infos = self.m.system.infos
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
        self.ledger = Ledger(self._couplings(), self.m.nepce_gain, self.m.correction == "nepce")
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
                       read=slave.real_port(w.out_vars[name], self.y[outputs]), at_start=self.y_start[outputs],
                       write_held=slave.real_port(w.in_vars[name], self.u_held[inputs]),
                       write_settled=slave.real_port(w.in_vars[name], self.u[inputs]),
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

    def _couplings(self) -> list[Coupling]:
        w, infos, ends = self.w, self.m.system.infos, {c.end: c for c in self.structure.connections}
        means = set(self.structure.step_mean_outputs) | {
            Endpoint(component, output) for component, info in infos.items() for output in info.step_means}

        def si(endpoint):
            return infos[endpoint.component].to_si(endpoint.variable)[0]

        couplings = []
        for bond in self.structure.power_bonds:
            effort, flow = ends[bond.effort], ends[bond.flow]
            # does the sink's flow output answer its effort input within the step
            # (direct feedthrough, or a mean over the step at the held effort)?
            sink_answers = (bond.effort.variable in infos[bond.sink].feedthrough.get(flow.start.variable, ())
                            or flow.start in means)
            source_answers = (bond.flow.variable in infos[bond.source].feedthrough.get(effort.start.variable, ())
                              or effort.start in means)
            couplings.append(Coupling(
                bond.name, "power_bond",
                src_out=w.out_position[str(effort.start)], src_in=w.in_position[str(bond.flow)],
                snk_in=w.in_position[str(bond.effort)], snk_out=w.out_position[str(flow.start)],
                scale_src=si(effort.start) * si(bond.flow), scale_snk=si(bond.effort) * si(flow.start),
                correct_sink=(not sink_answers) and source_answers,
                src_mean=effort.start in means, snk_mean=flow.start in means))
        for signal in self.structure.power_signals:
            c = ends[signal.connection_end]
            couplings.append(Coupling(
                signal.name, "power_signal", src_out=w.out_position[str(c.start)], src_in=-1,
                snk_in=w.in_position[str(c.end)], snk_out=-1, scale_src=si(c.start), scale_snk=si(c.end),
                correct_sink=True, src_mean=c.start in means))
        return couplings

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

    def _loop(self, writer: ResultsWriter, bar) -> None:
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
            self.ledger.book(self.y_start, self.y, self.u_held, h_try)
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
            writer.write(t, self.y)
            if bar is not None:
                bar.update(h_try)
            if controller is not None:
                h = controller.next_step(h_try, error)
        self.t = t

    def execute(self) -> RunResult:
        started = time.perf_counter()
        writer = None
        bar = None
        failure = None
        self.t = self.start
        try:
            self._load()
            writer = ResultsWriter(self.out / "results.csv" if self.out else None, self.w.out_names)
            self._initialize()
            writer.write(self.t, self.y)
            show = self.m.progress if self.m.progress is not None else sys.stderr.isatty()
            if show:
                from tqdm import tqdm
                bar = tqdm(total=self.stop - self.start, unit="s", desc="co-simulation", leave=False)
            self._loop(writer, bar)
        except (FmuError, AlgebraicLoop) as error:
            failure = error
        finally:
            if bar is not None:
                bar.close()
            if writer is not None:
                writer.close()
            wall = time.perf_counter() - started
            fmu_time = {n: s.time_in_fmu_s for n, s in self.slaves.items()}
            for slave in self.slaves.values():
                slave.close()
        bonds = self.ledger.report() if hasattr(self, "ledger") else []
        energy_path = None
        if self.out is not None:
            energy_path = self.out / "energy.json"
            write_energy_json(energy_path, self.macro_steps, wall, fmu_time, bonds)
        if failure is not None:
            failure.partial_results = self.out / "results.csv" if self.out else None
            raise failure
        return RunResult(writer.columns, writer.array(), self.macro_steps, self.rejected, wall, fmu_time, bonds,
                         self.t, self.out / "results.csv" if self.out else None, energy_path, self.notes)
