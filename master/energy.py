"""The energy ledger of every power bond and power signal, and the NEPCE
correction that feeds each coupling's residual back into the next inputs.

Ledger
------
Over a macro step ``[t, t+h]`` each FMU integrates with its inputs held at
the value ``u`` the master set, while its own outputs move from ``y(t+)`` to
``y(t+h-)``. The energy each side of a coupling booked is therefore taken
with the trapezoidal rule on that side's own output and its held input::

    source side of a bond:  E_src = h * u_flow_src * (y_eff_src(t) + y_eff_src(t+h)) / 2
    sink side of a bond:    E_snk = h * u_eff_snk  * (y_flow_snk(t) + y_flow_snk(t+h)) / 2
    power signal:           E_src = h * (P_out(t) + P_out(t+h)) / 2,   E_snk = h * u_P

(values converted to SI with the unit factors of each FMU's
``UnitDefinitions``; offsets ignored, as power needs none). An output the
system declares a *step mean* (its value after a step is its mean over that
step, as a powertrain that reports the mean current it drew at the held
voltage) enters with ``y(t+h)`` in place of the trapezoid: that product is
then exactly the energy the FMU exchanged. The residual
``E_src - E_snk`` is the energy the coupling created (< 0) or destroyed (> 0).
This is the energy residual of ECCO (Sadjina et al. 2017; libcosim's
``ecco_algorithm.cpp`` forms the same per-bond power products).

Correction (``correction="nepce"``)
-----------------------------------
NEPCE (Benedikt, Watzenig & Hofer 2013) modifies a coupling input so that the
energy lost or created so far is paid back in the next step. Our law, per
coupling with running residual ``R = sum(E_src - E_snk)`` before the step::

    power signal:  u_P  <-  u_P + K * R / h
    bond, sink side corrected:    u_eff  <-  u_eff + K * R * y / (h * (y**2 + y_floor**2))
    bond, source side corrected:  u_flow <-  u_flow - K * R * y / (h * (y**2 + y_floor**2))

where ``y`` is the corrected side's own bond output at ``t`` (its flow for the
sink, its effort for the source), so that the corrected side books an extra
``+/- K R`` over the step. The residual then obeys ``R' = (1 - K) R + d``
with ``d`` the fresh coupling error of the step: for ``0 < K < 2`` the books
no longer drift, and with the default ``K = 0.5`` an old residual halves every
step without overshoot even when the coupled side answers at once.

Which side: following Sadjina & Pedersen (2020, NEPCE with direct
feedthrough), the correction goes into the side whose corrected input does
not reach its bond output through direct feedthrough, so the correction
does not immediately disturb what the other side sees; when both sides
have feedthrough, the source's flow input is corrected (the source then
delivers what the sink consumed). A step-mean bond output counts as
feedthrough: it answers the input held over the same step, and the energy
that side books is ``h * u * y(u)`` with a response the master cannot
predict (a constant-power load books the same energy whatever effort it is
given, so correcting its effort would pay nothing back).

Limit with Jacobi: a sink without feedthrough (a powertrain that answers a
held voltage with its mean current) hands the source its flow one step late.
NEPCE then pays back a one-step lag: the energy books close, but the
source's corrected flow becomes an extrapolation of the sink's, rougher than
either, and a resistive source loses more to I**2 R (on ev_wltc at 1 s the
final SOC moves away from the reference; ``benchmarks/master_ev_wltc.py``).
Gauss-Seidel with the sink first gives the source the flow of the same step,
and NEPCE then only pays back the held effort's small error.

Stability for stiff couplings: ``y_floor`` (5 % of the running RMS of ``y``)
keeps the division finite when the output crosses zero, and each correction
is clipped to ``max_fraction`` (50 %) of the running RMS of the corrected
input, so a large residual is paid back over several steps rather than in
one kick that a stiff partner would amplify.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_GAIN = 0.5
FLOOR_FRACTION = 0.05
MAX_FRACTION = 0.5


@dataclass
class Coupling:
    """One ledger entry. Indices point into the master's output vector ``y``
    (outputs at the step's start and end) and held-input vector ``u``."""

    name: str
    kind: str  # "power_bond" | "power_signal"
    # source side: output index (effort; or the power for a signal) and held input index (flow; -1 for a signal)
    src_out: int
    src_in: int
    # sink side: held input index (effort; or the power) and output index (flow; -1 for a signal)
    snk_in: int
    snk_out: int
    scale_src: float  # SI factor of the source side's product
    scale_snk: float
    correct_sink: bool  # which input NEPCE corrects
    src_mean: bool = False  # the source's output is a step mean (booked at t+h), not a sample
    snk_mean: bool = False  # the sink's flow output is a step mean
    energy_source_J: float = 0.0
    energy_sink_J: float = 0.0
    rms_y: float = 0.0
    rms_u: float = 0.0
    # the running residual at its largest in magnitude over the run, and when
    max_abs_running_residual_J: float = 0.0
    max_running_residual_time_s: float = 0.0

    @property
    def residual_J(self) -> float:
        return self.energy_source_J - self.energy_sink_J

    def report(self) -> dict:
        return {"name": self.name, "kind": self.kind, "energy_source_J": self.energy_source_J,
                "energy_sink_J": self.energy_sink_J, "residual_J": self.residual_J,
                "max_abs_running_residual_J": self.max_abs_running_residual_J,
                "max_running_residual_time_s": self.max_running_residual_time_s}


class Ledger:
    def __init__(self, couplings: list[Coupling], gain: float = DEFAULT_GAIN, correct: bool = False):
        if not 0.0 < gain < 2.0:
            raise ValueError(f"NEPCE gain must lie in (0, 2) for the residual to decay, got {gain!r}")
        self.couplings = couplings
        self.gain = gain
        self.correct = correct
        self._applied = np.zeros(len(couplings))  # energy each correction meant to add this step

    def step_energies(self, c: Coupling, y0: np.ndarray, y1: np.ndarray, u: np.ndarray, h: float):
        source = h * _over_step(y0, y1, c.src_out, c.src_mean) * c.scale_src
        if c.kind == "power_signal":
            return source, h * float(u[c.snk_in]) * c.scale_snk
        source *= float(u[c.src_in])
        sink = h * float(u[c.snk_in]) * _over_step(y0, y1, c.snk_out, c.snk_mean) * c.scale_snk
        return source, sink

    def corrected_inputs(self, inputs: slice) -> list[tuple[int, Coupling, int]]:
        """``(i, coupling, index)`` of each coupling whose corrected input ``u[index]``
        lies in ``u[inputs]``: what :meth:`apply_correction` takes."""
        found = []
        for i, c in enumerate(self.couplings):
            index = c.snk_in if c.kind == "power_signal" or c.correct_sink else c.src_in
            if inputs.start <= index < inputs.stop:
                found.append((i, c, index))
        return found

    def apply_correction(self, y0: np.ndarray, u: np.ndarray, h: float,
                         targets: list[tuple[int, Coupling, int]]) -> None:
        """Add the NEPCE correction to the held inputs ``u`` of ``targets``
        (from :meth:`corrected_inputs`)."""
        if not self.correct:
            return
        for i, c, index in targets:
            if c.kind == "power_signal":
                delta = self.gain * c.residual_J / (h * c.scale_snk)
            else:
                delta = self._bond_correction(c, float(y0[c.snk_out] if c.correct_sink else y0[c.src_out]), h)
            uu = float(u[index])
            c.rms_u = abs(uu) if c.rms_u == 0.0 else math.sqrt(0.99 * c.rms_u**2 + 0.01 * uu * uu)
            limit = MAX_FRACTION * max(c.rms_u, abs(uu))
            if limit > 0.0:
                delta = min(max(delta, -limit), limit)
            elif c.kind != "power_signal":
                delta = 0.0
            u[index] = uu + delta
            self._applied[i] = delta

    def _bond_correction(self, c: Coupling, y: float, h: float) -> float:
        """The change of the corrected input that books ``+/- K R`` on its side;
        ``y`` is that side's own bond output at the step's start."""
        c.rms_y = abs(y) if c.rms_y == 0.0 else math.sqrt(0.99 * c.rms_y**2 + 0.01 * y * y)
        floor = FLOOR_FRACTION * c.rms_y
        denominator = h * (c.scale_snk if c.correct_sink else c.scale_src) * (y * y + floor * floor)
        if denominator <= 0.0:
            return 0.0
        sign = 1.0 if c.correct_sink else -1.0
        return sign * self.gain * c.residual_J * y / denominator

    def book(self, y0: np.ndarray, y1: np.ndarray, u: np.ndarray, h: float, t_end: float = 0.0) -> None:
        """Add one accepted step, ending at ``t_end``, to the books."""
        for i, c in enumerate(self.couplings):
            source, sink = self.step_energies(c, y0, y1, u, h)
            c.energy_source_J += source
            c.energy_sink_J += sink
            running = abs(c.energy_source_J - c.energy_sink_J)
            if running > c.max_abs_running_residual_J:
                c.max_abs_running_residual_J, c.max_running_residual_time_s = running, t_end
            self._applied[i] = 0.0

    def step_error(self, y0, y1, u, h, atol: float, rtol: float) -> float:
        """max over couplings of |step residual| / (atol + rtol |step energy|),
        where the residual excludes what NEPCE injected on purpose."""
        worst = 0.0
        for i, c in enumerate(self.couplings):
            source, sink = self.step_energies(c, y0, y1, u, h)
            residual = source - sink
            if self.correct and self._applied[i] != 0.0:
                residual += self._correction_energy(i, c, y0, y1, h)
            worst = max(worst, abs(residual) / (atol + rtol * max(abs(source), abs(sink))))
        return worst

    def _correction_energy(self, i: int, c: Coupling, y0, y1, h: float) -> float:
        """Energy the correction added to the source-minus-sink difference,
        with the sign that undoes it."""
        delta = self._applied[i]
        if c.kind == "power_signal":
            return h * delta * c.scale_snk
        if c.correct_sink:
            return h * delta * _over_step(y0, y1, c.snk_out, c.snk_mean) * c.scale_snk
        return -h * delta * _over_step(y0, y1, c.src_out, c.src_mean) * c.scale_src

    def report(self) -> list[dict]:
        return [c.report() for c in self.couplings]


def _over_step(y0: np.ndarray, y1: np.ndarray, index: int, step_mean: bool) -> float:
    """The output's mean over the step: as reported for a step mean, else the trapezoid."""
    return float(y1[index]) if step_mean else 0.5 * (float(y0[index]) + float(y1[index]))
