"""Lithium plating seen in the voltage relaxation after a charge, against the
twin's prediction of the same rest without plating.

After a charge that plated lithium, the plated metal strips back into the
graphite during the rest; while it does, the negative electrode is held near
the metal's potential (below the graphite's own), so the cell voltage stays
above its fault-free relaxation and falls back to it only as the metal is
gone, over minutes to tens of minutes (O'Kane et al., J. Electrochem. Soc. 167
(2020) 090540; Schindler et al., J. Power Sources 304 (2016) 170; von Lüders
et al., J. Power Sources 342 (2017) 17: a plateau in dV/dt).

Prediction (``RestPrediction``): the fault-free relaxation of this very rest
is the SPMe's own particle and electrolyte diffusion, linear in the current
(``models/estimation/twin_model.py``): its modes are driven by the measured
cell current all along, and from the charge's end they decay freely. The
rest's voltage is then U_p(y_s) - U_n(x_s) + eta_c of the nominal cell at
the measured temperature; its state of charge is the one whose predicted
voltage matches the measured mean over the last window (anchored at the end,
where the concentration gradients and nearly all plated lithium are gone).

Statistic: the rest's excess fall,

    e = ((V0 - V2) - (P0 - P2)) / (P0 - P2),

V0, V2 the mean measured voltage (per cell) over ``WINDOW`` seconds from
``EARLY`` and ``LATE`` seconds after the charge ended, P0, P2 the prediction's
means over the same windows (P2 = V2 by the anchoring): how much more the
voltage fell than the fault-free cell's would have, as a share of the
predicted fall. Threshold: ``fault_free_excess`` (the largest e of
noise-free fault-free rests with a margin for the twin's model error) plus z
standard deviations of e from the sensor noise, sigma_e = sigma_V sqrt(2 / n)
/ (P0 - P2) with n samples per window and sigma_V estimated from the rest's
own sample-to-sample differences; z for the stated false-alarm probability
per rest (one-sided normal tail). The late share S = (V1 - V2) / (V0 - V1)
(V1 from ``MIDDLE``) is kept as information: it needs no model, but a small
plating that has stripped within 15 minutes leaves it near its fault-free
0.05-0.09 (the spread of that range is the OCV's shape over SOC, which the
prediction takes in).

Which rests count: after at least ``MIN_CHARGE`` seconds of charging, with
|current| below ``rest_current`` from the charge's end until LATE + WINDOW
seconds; a load before that ends the watch without a verdict. Limits: the
verdict comes LATE + WINDOW seconds after the charge (delay by design); the
prediction is the nominal fresh cell's (its capacity and stoichiometry
window; an aged cell's OCV shape differs) with the electrolyte's diffusivity
at its initial concentration, and a plating too small to hold the potential
for minutes (a few mA.h) is not seen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from scipy.optimize import brentq

EARLY, MIDDLE, LATE, WINDOW = 60.0, 900.0, 2400.0, 180.0  # s after the charge ended
STARTS = (EARLY, MIDDLE, LATE)
MIN_CHARGE = 300.0  # s of charging before a rest counts
PREDICTION_SPACING = 10.0  # s between the predicted voltages averaged over a window


@dataclass
class RelaxationVerdict:
    excess: float  # e, the rest's fall beyond the predicted, over the predicted fall
    threshold: float  # e above which plating is named
    plated: bool
    share: float = 0.0  # S, the late share of the rest's measured drop (information)


@lru_cache(maxsize=1)
def _nominal_twin():
    from ..estimation.twin_model import TwinModel  # the twin's SPMe diffusion, built once per process

    return TwinModel()


class RestPrediction:
    """The fault-free relaxation of a rest (module docstring): ``track`` the diffusion modes
    with the measured current at every sample; ``anchored`` predicts a rest's window means."""

    def __init__(self, n_series: int = 1, n_parallel: int = 1):
        self.model = _nominal_twin()
        self.n_series, self.n_parallel = n_series, n_parallel
        self.modes = np.zeros(self.model.diffusion.size)

    def track(self, dt: float, current: float) -> None:
        """The modes after a step of ``dt`` at this pack current (> 0 discharges)."""
        decay, gain = self.model.diffusion_step(dt)
        self.modes = self.modes * decay + gain * (current / self.n_parallel)

    def window_means(self, modes: np.ndarray, soc: float, temperatures) -> list[float]:
        """Predicted mean cell voltage [V] over each window after a rest began with ``modes``."""
        means = []
        for start, temperature in zip(STARTS, temperatures):
            times = np.arange(start + PREDICTION_SPACING / 2, start + WINDOW, PREDICTION_SPACING)
            means.append(float(np.mean([self.model.rest_voltage(modes, t, soc, temperature) for t in times])))
        return means

    def anchored(self, modes: np.ndarray, last_mean: float, temperatures) -> list[float]:
        """Window means at the SOC whose voltage in the middle of the last window is ``last_mean``
        [V per cell] (the window's curvature is negligible so late in the rest)."""
        middle = STARTS[-1] + WINDOW / 2

        def mismatch(soc):
            return self.model.rest_voltage(modes, middle, soc, temperatures[-1]) - last_mean
        low, high = 1e-3, 1.0 - 1e-3
        if mismatch(low) >= 0.0:
            soc = low
        elif mismatch(high) <= 0.0:
            soc = high
        else:
            soc = brentq(mismatch, low, high, xtol=1e-7)
        return self.window_means(modes, soc, temperatures)


class RelaxationWatch:
    """Streaming: ``step(dt, current, voltage, temperature)`` per sample (pack current and
    voltage, a cell's surface temperature); a verdict once a rest long enough after a charge
    has been seen (see the module docstring)."""

    def __init__(self, fault_free_excess: float, false_alarm_probability: float, rest_current: float,
                 n_series: int = 1, n_parallel: int = 1):
        self.fault_free_excess = fault_free_excess
        self.z = NormalDist().inv_cdf(1.0 - false_alarm_probability)
        self.rest_current = rest_current
        self.prediction = RestPrediction(n_series, n_parallel)
        self.reset()

    def reset(self) -> None:
        self.charging_time = 0.0  # s of the charge being watched
        self._restart_rest(-1.0)
        self.rest_modes = np.zeros_like(self.prediction.modes)  # the diffusion at the charge's end
        self.verdict: RelaxationVerdict | None = None

    def _restart_rest(self, time: float) -> None:
        self.rest_time = time  # s since the charge ended; < 0: not resting after a charge
        self.sums, self.temperatures = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]  # V and K summed over each window
        self.counts = [0, 0, 0]
        self.differences = [0.0, 0]  # sum of squared sample-to-sample differences, their count
        self.last_voltage = math.nan

    def step(self, dt: float, current: float, voltage: float, temperature: float) -> RelaxationVerdict | None:
        """The verdict of the rest that this sample completes, else None."""
        self.prediction.track(dt, current)
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
            self._restart_rest(-dt)  # this first rest sample is at rest time 0 ...
            self.rest_modes = self.prediction.modes.copy()  # ... and so are the modes
        self.rest_time += dt
        self._collect(voltage, temperature)
        if self.rest_time >= LATE + WINDOW - dt:
            self.verdict = self._judge()
            self.charging_time = 0.0
            self._restart_rest(-1.0)
            return self.verdict
        return None

    def _collect(self, voltage: float, temperature: float) -> None:
        t = self.rest_time  # s since the first rest sample
        for k, start in enumerate(STARTS):
            if start <= t < start + WINDOW:
                self.sums[k] += voltage
                self.temperatures[k] += temperature
                self.counts[k] += 1
                if not math.isnan(self.last_voltage):
                    self.differences[0] += (voltage - self.last_voltage) ** 2
                    self.differences[1] += 1
                self.last_voltage = voltage
                return
        self.last_voltage = math.nan

    def _judge(self) -> RelaxationVerdict:
        n_series = self.prediction.n_series
        n = [max(count, 1) for count in self.counts]
        v0, v1, v2 = (s / k / n_series for s, k in zip(self.sums, n))
        temperatures = [s / k for s, k in zip(self.temperatures, n)]
        share = float((v1 - v2) / (v0 - v1)) if v0 > v1 else 0.0
        p0, _, p2 = self.prediction.anchored(self.rest_modes, v2, temperatures)
        predicted = p0 - p2
        if predicted <= 0.0:  # nothing to relax (no charge current reached the model)
            return RelaxationVerdict(0.0, self.fault_free_excess, False, share)
        excess = float(((v0 - v2) - predicted) / predicted)
        noise = math.sqrt(self.differences[0] / max(self.differences[1], 1) / 2.0) / n_series  # sigma_V
        spread = noise * math.sqrt(2.0 / min(n)) / predicted
        threshold = self.fault_free_excess + self.z * spread
        return RelaxationVerdict(excess, float(threshold), excess > threshold, share)

    def get_state(self) -> dict:
        v = self.verdict
        return {"charging_time": self.charging_time, "rest_time": self.rest_time,
                "modes": self.prediction.modes.copy(), "rest_modes": self.rest_modes.copy(),
                "sums": list(self.sums), "temperatures": list(self.temperatures), "counts": list(self.counts),
                "differences": list(self.differences),
                "last_voltage": None if math.isnan(self.last_voltage) else self.last_voltage,
                "verdict": None if v is None else [v.excess, v.threshold, v.plated, v.share]}

    def set_state(self, state: dict) -> None:
        self.charging_time, self.rest_time = float(state["charging_time"]), float(state["rest_time"])
        self.prediction.modes = np.array(state["modes"], dtype=float)
        self.rest_modes = np.array(state["rest_modes"], dtype=float)
        self.sums = [float(s) for s in state["sums"]]
        self.temperatures = [float(s) for s in state["temperatures"]]
        self.counts = [int(n) for n in state["counts"]]
        self.differences = [float(state["differences"][0]), int(state["differences"][1])]
        last = state["last_voltage"]
        self.last_voltage = math.nan if last is None else float(last)
        v = state["verdict"]
        self.verdict = None if v is None else RelaxationVerdict(float(v[0]), float(v[1]), bool(v[2]), float(v[3]))
