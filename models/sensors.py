"""What a battery management system measures: the true current, voltage and
surface temperature through imperfect sensors.

Each channel reads

    y(t_k) = Q( x(t_k) + e_k + [t_k >= t_on] (b + d (t_k - t_on)) )

with x the true value at the sample instant t_k, e_k white Gaussian noise of
standard deviation ``noise``, an offset b and a drift rate d that both appear
at ``offset_time`` t_on (a sensor fault, or a calibration error from t = 0),
and Q rounding to the quantization step (none when it is 0). Between samples
the reading is held (sample-and-hold); a sample period of 0 samples at every
communication point.

The noise of sample k of channel c is drawn from a generator seeded with
(seed, c, k // 4096): the same seed gives the same noise, whatever the step
sizes or restarts, and a saved state needs no generator state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from . import checks

CHANNELS = ("current", "voltage", "surface_temperature")
_BLOCK = 4096
_ON_INSTANT = 1e-9  # s, a time this close to k * period is the instant k


@dataclass(frozen=True)
class ChannelSpec:
    noise: float = 0.0  # standard deviation, in the channel's unit
    offset: float = 0.0  # in the channel's unit
    offset_time: float = 0.0  # s, when offset and drift appear
    drift_rate: float = 0.0  # channel unit per s, from offset_time on
    quantization: float = 0.0  # channel unit; 0: none
    sample_period: float = 0.0  # s; 0: every communication point

    def __post_init__(self) -> None:
        for field in fields(self):
            checks.finite(field.name, getattr(self, field.name))
        for name in ("noise", "quantization", "sample_period", "offset_time"):
            checks.non_negative(name, getattr(self, name))

    def bias(self, time: float) -> float:
        if time < self.offset_time:
            return 0.0
        return self.offset + self.drift_rate * (time - self.offset_time)


class _Channel:
    def __init__(self, spec: ChannelSpec, seed: int, index: int):
        self.spec, self.seed, self.index = spec, seed, index
        self._block_number, self._block = -1, None

    def noise(self, k: int) -> float:
        if self.spec.noise == 0.0:
            return 0.0
        number = k // _BLOCK
        if number != self._block_number:
            rng = np.random.default_rng([self.seed, self.index, number])
            self._block, self._block_number = rng.standard_normal(_BLOCK), number
        return self.spec.noise * float(self._block[k % _BLOCK])

    def read(self, k: int, time: float, true_value: float) -> float:
        value = true_value + self.noise(k) + self.spec.bias(time)
        q = self.spec.quantization
        return value if q == 0.0 else q * round(value / q)


class Sensors:
    """Current [A], voltage [V] and surface temperature [K] sensors.

    ``measure(true)`` gives the readings at the present time for the true
    values (a mapping of ``CHANNELS``); ``advance(dt)`` moves time on.
    """

    def __init__(self, specs: dict[str, ChannelSpec], seed: int = 0):
        unknown = set(specs) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown sensor channels {sorted(unknown)}; known: {CHANNELS}")
        self.specs = {name: specs.get(name, ChannelSpec()) for name in CHANNELS}
        self.seed = int(seed)
        self._channels = [_Channel(self.specs[name], self.seed, i) for i, name in enumerate(CHANNELS)]
        self.time = 0.0
        self._steps = 0
        # per channel: index of the sample held and the true value it holds
        self._held_index = [-1] * len(CHANNELS)
        self._held_true = [math.nan] * len(CHANNELS)
        self._held_time = [0.0] * len(CHANNELS)

    def advance(self, dt: float) -> None:
        checks.step_size(dt)
        self.time += dt
        self._steps += 1

    def measure(self, true: dict[str, float]) -> tuple[float, ...]:
        readings = []
        for i, name in enumerate(CHANNELS):
            value = checks.finite(name, true[name])
            channel = self._channels[i]
            k, on_instant = self._sample_index(channel.spec.sample_period)
            if k != self._held_index[i] or on_instant:
                self._held_index[i], self._held_true[i] = k, value
                self._held_time[i] = k * channel.spec.sample_period if channel.spec.sample_period else self.time
            readings.append(channel.read(k, self._held_time[i], self._held_true[i]))
        return tuple(readings)

    def _sample_index(self, period: float) -> tuple[int, bool]:
        """The latest sample instant at or before now, and whether now is one."""
        if period == 0.0:
            return self._steps, True
        k = math.floor(self.time / period + _ON_INSTANT)
        return k, abs(self.time - k * period) <= _ON_INSTANT * max(1.0, self.time)

    def get_state(self) -> dict:
        return {"time": self.time, "steps": self._steps, "held_index": list(self._held_index),
                "held_true": list(self._held_true), "held_time": list(self._held_time)}

    def set_state(self, state: dict) -> None:
        self.time = float(state["time"])
        self._steps = int(state["steps"])
        self._held_index = [int(k) for k in state["held_index"]]
        self._held_true = [float(v) for v in state["held_true"]]
        self._held_time = [float(v) for v in state["held_time"]]
