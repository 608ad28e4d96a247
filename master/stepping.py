"""One macro step of the master: its vectors (outputs ``y``, inputs ``u``,
the held inputs ``u_held``), the ports that move them in and out of the
FMUs, and settling, extrapolation, NEPCE correction, stepping and rollback.
:class:`~.master.Master` documents the algorithm; the time loop, step
control and results are in :mod:`.master`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .energy import Ledger
from .graph import AlgebraicLoop, gauss_seidel_order
from .slave import RealPort, Slave
from .wiring import Feed, Wiring, couplings


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


class Stepper:
    """The state the steps share, set up once from the loaded slaves."""

    def __init__(self, master, slaves: dict[str, Slave]):
        self.m, self.slaves = master, slaves
        self.structure = master.system.structure
        self.t = self.h_prev = 0.0  # the loop's time and last step, for messages and extrapolation
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

    def settle(self, every_component: bool = False) -> None:
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

    def initialize(self) -> None:
        for slave in self.slaves.values():
            slave.enter_initialization()
        for m in self.members.values():
            m.read.read()
        self.settle(every_component=True)
        for slave in self.slaves.values():
            slave.exit_initialization()
        for m in self.members.values():
            m.read.read()
        self.settle(every_component=True)
        self.y_prev[:] = self.y

    def held_inputs(self, group: _Group, h: float, advanced: np.ndarray | None) -> None:
        """Form ``u_held`` for the inputs of ``group`` (extrapolated; corrected later)."""
        y = self.y
        if self.linear and self.h_prev > 0:
            guess = y + (y - self.y_prev) * (0.5 * h / self.h_prev)
            if advanced is not None:  # Gauss-Seidel: already at t+h, take the midpoint
                guess = np.where(advanced, 0.5 * (self.y_settled + y), guess)
        else:
            guess = y
        group.feed(guess, group.held)

    def advance(self, t: float, h: float, mid_guess: np.ndarray | None) -> None:
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
                self.held_inputs(group, h, advanced)
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

    def save(self):
        return [(s, s.save_state()) for s in self.slaves.values()], self.y.copy()

    def restore(self, saved) -> None:
        states, y = saved
        for slave, state in states:
            slave.restore_state(state)
        self.y[:] = y

    def free(self, saved) -> None:
        for slave, state in saved[0]:
            slave.free_state(state)

    def attempt(self, t: float, h: float, saved) -> None:
        """One macro step, iterated to a fixed point when asked."""
        self.advance(t, h, None)
        for _ in range(self.m.iterations - 1):
            previous = self.u_held.copy()
            midpoint = 0.5 * (self.y_start + self.y)
            self.restore(saved)
            self.advance(t, h, midpoint)
            if np.all(np.abs(self.u_held - previous) <= self.m.coupling_tolerance * (1 + np.abs(previous))):
                break

    # ------------------------------------------------------------ the loop

    def rollback(self, saved, u_before: np.ndarray) -> None:
        """Undo a rejected step: FMU states, outputs and settled inputs as before it."""
        self.restore(saved)
        self.free(saved)
        self.u[:] = u_before

    def book(self, saved, t: float, h: float) -> None:
        """Accept the step ``[t, t+h]``: into the ledger, and kept for extrapolation."""
        if saved is not None:
            self.free(saved)
        self.ledger.book(self.y_start, self.y, self.u_held, h, t + h)
        if self.linear:
            self.y_prev[:] = self.y_settled
