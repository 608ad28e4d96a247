"""Energy-based step control: a PI controller on the normalised energy
residual (the ECCO idea of Sadjina et al. 2017, as libcosim's
``ecco_algorithm.cpp`` applies it), bounded, and with rejection."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PIStepController:
    """``error`` is the step's energy residual over ``atol + rtol |E|``;
    1 is on tolerance. The next step is
    ``h * clip(safety * error**-k_i * (previous_error / error)**k_p)``.
    A step whose error exceeds ``reject_error`` is to be redone smaller."""

    h_min: float
    h_max: float
    safety: float = 0.9
    k_i: float = 0.3  # integral gain: exponent on the current error
    k_p: float = 0.2  # proportional gain: exponent on the error's trend
    min_factor: float = 0.2
    max_factor: float = 2.0
    reject_error: float = 10.0
    _previous: float = 1.0

    def __post_init__(self):
        if not 0.0 < self.h_min <= self.h_max:
            raise ValueError(f"step bounds must satisfy 0 < h_min <= h_max, got {self.h_min!r}, {self.h_max!r}")

    def rejects(self, error: float, h: float) -> bool:
        return error > self.reject_error and h > self.h_min * (1 + 1e-9)

    def next_step(self, h: float, error: float) -> float:
        error = max(error, 1e-10)
        factor = self.safety * error ** -self.k_i * (self._previous / error) ** self.k_p
        self._previous = error
        return self.bound(h * min(max(factor, self.min_factor), self.max_factor))

    def after_rejection(self, h: float, error: float) -> float:
        factor = self.safety * max(error, 1e-10) ** -0.5
        return self.bound(h * min(max(factor, self.min_factor), 0.5))

    def bound(self, h: float) -> float:
        return min(max(h, self.h_min), self.h_max)
