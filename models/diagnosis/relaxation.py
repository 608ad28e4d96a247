"""Lithium plating seen in the voltage relaxation after a charge.

After a charge that plated lithium, the plated metal strips back into the
graphite during the rest; while it does, the negative electrode's potential is
held near the metal's and the cell voltage keeps falling for tens of minutes
after the concentration gradients of the particles and electrolyte have
relaxed: the differential voltage dV/dt of the rest shows a plateau (O'Kane
et al., J. Electrochem. Soc. 167 (2020) 090540; Schindler et al., J. Power
Sources 304 (2016) 170; von Lüders et al., J. Power Sources 342 (2017) 17).

Statistic: the share of the rest's voltage drop that comes late,

    S = (V1 - V2) / (V0 - V1),

V0, V1, V2 the mean measured voltage over ``WINDOW`` seconds from ``EARLY``,
``MIDDLE`` and ``LATE`` seconds after the charge ended. A relaxation of
concentration gradients alone decays with fixed time constants, so S hardly
depends on the charge's rate, SOC and temperature: 0.065-0.085 on the LG M50
SPMe from 0.5C at 25 degC to 1.5C at -5 degC without plating, 0.12-0.5 after
cold fast charges that plated 50-170 mA.h (``benchmarks/plating_relaxation.py``).

Threshold: the largest noise-free S of fault-free rests (``fault_free_share``)
plus z standard deviations of S from the sensor noise, sigma_S = sigma_V
sqrt(2 / n) sqrt(1 + (1 + S)^2) / (V0 - V1) with n samples per window and
sigma_V estimated from the rest's own sample-to-sample differences; z for the
stated false-alarm probability per rest (one-sided normal tail). A small
relaxation (a gentle charge) so gets a wide margin instead of a false alarm.

Which rests count: after at least ``MIN_CHARGE`` seconds of charging, with
|current| below ``rest_current`` from the charge's end until LATE + WINDOW
seconds; a load before that ends the watch without a verdict. Limits: the
verdict comes LATE + WINDOW seconds after the charge (delay by design); a
plating too small to hold the potential for minutes (a few mA.h) is not seen;
temperature changes during the rest move the voltage too (the threshold
assumes a rest at a steady temperature).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

EARLY, MIDDLE, LATE, WINDOW = 60.0, 900.0, 2400.0, 180.0  # s after the charge ended
MIN_CHARGE = 300.0  # s of charging before a rest counts


@dataclass
class RelaxationVerdict:
    share: float  # S, the late share of the rest's drop
    threshold: float  # S above which plating is named
    plated: bool


class RelaxationWatch:
    """Streaming: ``step(dt, current, voltage)`` per sample; a verdict once a rest
    long enough after a charge has been seen (see the module docstring)."""

    def __init__(self, fault_free_share: float, false_alarm_probability: float, rest_current: float):
        self.fault_free_share = fault_free_share
        self.z = NormalDist().inv_cdf(1.0 - false_alarm_probability)
        self.rest_current = rest_current
        self.reset()

    def reset(self) -> None:
        self.charging_time = 0.0  # s of the charge being watched
        self.rest_time = -1.0  # s since the charge ended; < 0: not resting after a charge
        self.sums = [0.0, 0.0, 0.0]  # V summed over each window
        self.counts = [0, 0, 0]
        self.differences = [0.0, 0]  # sum of squared sample-to-sample differences, their count
        self.last_voltage = math.nan
        self.verdict: RelaxationVerdict | None = None

    def step(self, dt: float, current: float, voltage: float) -> RelaxationVerdict | None:
        """The verdict of the rest that this sample completes, else None."""
        if current < -self.rest_current:
            self.charging_time = self.charging_time + dt if self.rest_time < 0.0 else dt
            self._restart_rest(-1.0)
            return None
        if abs(current) > self.rest_current:  # a discharge: no rest to watch
            self.charging_time = 0.0
            self._restart_rest(-1.0)
            return None
        if self.rest_time < 0.0:
            if self.charging_time < MIN_CHARGE:
                return None
            self._restart_rest(0.0)
        self.rest_time += dt
        self._collect(voltage)
        if self.rest_time >= LATE + WINDOW:
            self.verdict = self._judge()
            self.charging_time = 0.0
            self._restart_rest(-1.0)
            return self.verdict
        return None

    def _restart_rest(self, time: float) -> None:
        self.rest_time = time
        self.sums, self.counts = [0.0, 0.0, 0.0], [0, 0, 0]
        self.differences, self.last_voltage = [0.0, 0], math.nan

    def _collect(self, voltage: float) -> None:
        t = self.rest_time
        for k, start in enumerate((EARLY, MIDDLE, LATE)):
            if start < t <= start + WINDOW:
                self.sums[k] += voltage
                self.counts[k] += 1
                if not math.isnan(self.last_voltage):
                    self.differences[0] += (voltage - self.last_voltage) ** 2
                    self.differences[1] += 1
                self.last_voltage = voltage
                return
        self.last_voltage = math.nan

    def _judge(self) -> RelaxationVerdict:
        v0, v1, v2 = (s / max(n, 1) for s, n in zip(self.sums, self.counts))
        early = v0 - v1
        noise = math.sqrt(self.differences[0] / max(self.differences[1], 1) / 2.0)  # sigma_V
        if early <= 0.0:
            return RelaxationVerdict(0.0, self.fault_free_share, False)  # the voltage did not fall
        share = (v1 - v2) / early
        n = min(self.counts)
        spread = noise * math.sqrt(2.0 / max(n, 1)) * math.sqrt(1.0 + (1.0 + share) ** 2) / early
        threshold = self.fault_free_share + self.z * spread
        return RelaxationVerdict(share, threshold, share > threshold)

    def get_state(self) -> dict:
        v = self.verdict
        return {"charging_time": self.charging_time, "rest_time": self.rest_time,
                "sums": list(self.sums), "counts": list(self.counts),
                "differences": list(self.differences),
                "last_voltage": None if math.isnan(self.last_voltage) else self.last_voltage,
                "verdict": None if v is None else [v.share, v.threshold, v.plated]}

    def set_state(self, state: dict) -> None:
        self.charging_time, self.rest_time = float(state["charging_time"]), float(state["rest_time"])
        self.sums = [float(s) for s in state["sums"]]
        self.counts = [int(n) for n in state["counts"]]
        self.differences = [float(state["differences"][0]), int(state["differences"][1])]
        last = state["last_voltage"]
        self.last_voltage = math.nan if last is None else float(last)
        v = state["verdict"]
        self.verdict = None if v is None else RelaxationVerdict(float(v[0]), float(v[1]), bool(v[2]))
