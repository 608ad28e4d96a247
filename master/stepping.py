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
    index: int  # in the stepper's ``sent`` and ``fresh`` bookkeeping
    feed: Feed  # its inputs from y


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
        w = self.w = Wiring(self.structure, {name: infos[name] for name in self.slaves}, self.m.record)
        self.y = np.zeros(len(w.out_names))
        self.y_start = np.zeros_like(self.y)
        self.y_prev = np.zeros_like(self.y)
        self.y_settled = np.zeros_like(self.y)
        self.u = np.zeros(len(w.in_names))
        self.u_held = np.zeros_like(self.u)
        self.u_last = np.zeros_like(self.u)
        self.sent: list[bytes | None] = [None] * len(self.slaves)  # per member: the inputs it holds, if known
        self.fresh = np.zeros(len(self.slaves), dtype=bool)  # per member: y holds its present outputs
        self.members = {name: self._member(i, name, slave) for i, (name, slave) in enumerate(self.slaves.items())}
        self.ft_members = [m for m in self.members.values() if m.feedthrough]
        self.in_members = [m for m in self.members.values() if m.inputs.stop > m.inputs.start]
        self.all_inputs = w.feed(slice(None))
        self.settle_can_move = {True: self._can_move(self.in_members), False: self._can_move(self.ft_members)}
        # in dependency order, if there is one (None: a cycle among them, settled by fixed point)
        self.settle_order = {True: self._dependency_order(self.in_members),
                             False: self._dependency_order(self.ft_members)}
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
        self.read_after_step = [self._read_after_step(m) for m in self.members.values()]
        # the outputs at t+ (with the held inputs) matter to the ledger and to iterations only
        self.read_at_start = [m.feedthrough and (self.need_states or self._booked(m)) for m in self.members.values()]

    def _member(self, index: int, name: str, slave: Slave) -> _Member:
        w, feedthrough = self.w, self.m.system.infos[name].feedthrough
        outputs, inputs = w.out_slices[name], w.in_slices[name]
        return _Member(name, slave, outputs, inputs,
                       read=slave.port(w.out_vars[name], self.y[outputs]), at_start=self.y_start[outputs],
                       write_held=slave.port(w.in_vars[name], self.u_held[inputs]),
                       write_settled=slave.port(w.in_vars[name], self.u[inputs]),
                       feedthrough=bool(feedthrough and any(feedthrough.values()) and inputs.stop > inputs.start),
                       index=index, feed=w.feed(inputs))

    def _dependency_order(self, targets: list[_Member]) -> list[_Member] | None:
        """``targets`` ordered so that each comes after every feedthrough member
        whose outputs feed it (Kahn's algorithm, declaration order among equals);
        None if they depend on each other in a cycle."""
        by_output = np.full(len(self.y), -1)
        for m in self.ft_members:
            by_output[m.outputs] = m.index
        after = {m.index: {int(i) for i in by_output[self.w.source[m.inputs]] if i >= 0 and i != m.index}
                 for m in targets}
        order, placed = [], set()
        while len(order) < len(targets):
            ready = [m for m in targets if m.index not in placed and after[m.index] & set(after) <= placed]
            if not ready:
                return None
            order.append(ready[0])
            placed.add(ready[0].index)
        return order

    def _read_after_step(self, m: _Member) -> bool:
        """Must m's outputs be read right after its step? Not if settling reads
        them anyway (a feedthrough component, settled in one pass) before
        anything uses them: no coupling of the ledger, no later Gauss-Seidel
        group, no iteration or step control reads them at t+h before the
        inputs change."""
        if not m.feedthrough or self.settle_order[False] is None or self.need_states:
            return True
        feeds = len(self.groups) > 1 and any(m.outputs.start <= i < m.outputs.stop for i in self.w.source)
        return self._booked(m) or feeds

    def _booked(self, m: _Member) -> bool:
        """Is an output of m one side of a coupling in the ledger?"""
        return any(m.outputs.start <= i < m.outputs.stop
                   for c in self.ledger.couplings for i in (c.src_out, c.snk_out) if i >= 0)

    # ------------------------------------------------------------ FMI traffic
    # An FMU keeps the inputs it was given and its outputs are a function of its
    # state and inputs, so the master skips a write of the values an FMU already
    # holds and a read of outputs it has read since the FMU last stepped or was
    # given inputs. fmi2SetFMUstate restores other inputs: ``forget`` then.
    def send(self, m: _Member, port: RealPort) -> bool:
        """Write ``port`` (m's inputs) unless m holds exactly these values; True if written."""
        if port.values.tobytes() == self.sent[m.index]:  # bit for bit: -0.0 is not 0.0
            return False
        port.write()
        self.sent[m.index] = port.values.tobytes()  # as written (an Integer port rounds)
        self.fresh[m.index] = False
        return True

    def refresh(self, m: _Member) -> None:
        """Read m's outputs into y unless they are there already."""
        if not self.fresh[m.index]:
            m.read.read()
            self.fresh[m.index] = True

    def forget(self) -> None:
        """After the FMUs' states were set: nothing is known of their inputs and outputs."""
        self.sent = [None] * len(self.slaves)
        self.fresh[:] = False

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
        chain, no loop), nothing can have moved. Without a cycle among the
        written components, one pass in dependency order settles them: each
        is written after the feedthrough components that feed it were read."""
        u, written = self.u, self.u_last
        order = self.settle_order[every_component]
        if order is not None:
            for m in order:
                m.feed(self.y, u[m.inputs])
                self.send(m, m.write_settled)
                if m.feedthrough:
                    self.refresh(m)
            self.all_inputs(self.y, u)
            return
        targets = self.in_members if every_component else self.ft_members
        self.all_inputs(self.y, u)
        for m in targets:
            self.send(m, m.write_settled)
        if not self.ft_members:
            return
        for m in self.ft_members:
            self.refresh(m)
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
                self.send(m, m.write_settled)
                if m.feedthrough:
                    self.refresh(m)
            written[:] = u
        loops = self.m.system.loops
        if loops:
            raise AlgebraicLoop(loops, f" did not settle in {self.m.settle_passes} fixed-point passes at "
                                       f"t = {self.t:.9g} s")

    def initialize(self) -> None:
        for slave in self.slaves.values():
            slave.enter_initialization()
        self.forget()
        for m in self.members.values():
            self.refresh(m)
        self.settle(every_component=True)
        for slave in self.slaves.values():
            slave.exit_initialization()
        self.fresh[:] = False  # the models exist now: outputs may differ for the same inputs
        for m in self.members.values():
            self.refresh(m)
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
                self.send(m, m.write_held)
                if self.read_at_start[m.index] and not self.fresh[m.index]:  # outputs at t+ see the held inputs
                    self.refresh(m)
                    m.at_start[:] = m.read.values
            for m in group.members:
                m.slave.do_step(t, h)
                self.fresh[m.index] = False
            for m in group.members:
                if self.read_after_step[m.index]:
                    self.refresh(m)
                if advanced is not None:
                    advanced[m.outputs] = True

    def save(self):
        return [(s, s.save_state()) for s in self.slaves.values()], self.y.copy()

    def restore(self, saved) -> None:
        states, y = saved
        for slave, state in states:
            slave.restore_state(state)
        self.forget()
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
