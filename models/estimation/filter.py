"""Joint extended Kalman filter over the twin's five states, one scalar
measurement at a time.

Law (Jazwinski 1970; Plett, J. Power Sources 134 (2004) 277 for the joint
state-and-parameter form): with F and H the Jacobians of the model at the
estimate,

    predict:  x <- f(x, u),          P <- F P F^T + Q_d
    update:   s = H P H^T + r,  K = P H^T / s,
              x <- x + K nu,   P <- (I - K H) P (I - K H)^T + K r K^T  (Joseph)

for each scalar measurement with innovation nu = y - h(x, u). Scalar,
sequential updates need no matrix inverse (the voltage and the temperature
noises are independent); the Joseph form keeps P symmetric and positive
semi-definite in floating point.

Why an EKF and not a sigma-point filter: over one step the model is nearly
linear (the particle diffusion, the most nonlinear part in time, runs outside
the filter), and an unscented filter would need 11 model evaluations per step
instead of one, against a 100 us budget. Why our own ten lines and not
filterpy: filterpy's EKF inverts S as a matrix and allocates per call; this
loop is the hot path of every twin.

Safeguards:
* gating: a measurement whose normalised innovation squared nu^2 / s exceeds
  ``gate`` (default 25, a 5-sigma outlier; chi-square with 1 degree of
  freedom passes it with probability 6e-7) is skipped and counted;
* repair: if P has a non-positive diagonal or is not symmetric positive
  definite (Cholesky fails), it is replaced by its symmetric part with
  eigenvalues floored at ``floor``, and the repair is counted.
Limits: a linearisation, so the covariance is only as honest as the model
error allowed for in Q_d and r (see ``estimator``).
"""
from __future__ import annotations

import numpy as np

DEFAULT_GATE = 25.0


class KalmanFilter:
    """State ``x`` and covariance ``P``; the model supplies f, F, h and H."""

    def __init__(self, x: np.ndarray, covariance: np.ndarray, gate: float = DEFAULT_GATE,
                 floor: float = 1e-18):
        self.x = np.array(x, dtype=float)
        self.P = np.array(covariance, dtype=float)
        self.gate, self.floor = gate, floor
        self.outliers = 0
        self.repairs = 0
        self.events: list[str] = []  # what was skipped or repaired since last taken, newest last
        self._identity = np.eye(self.x.size)

    def predict(self, x_new: np.ndarray, f: np.ndarray, process_noise: np.ndarray) -> None:
        self.x = x_new
        p = f @ self.P @ f.T
        p += process_noise
        self.P = p
        self._check("prediction")

    def update(self, innovation: float, h: np.ndarray, noise: float, what: str) -> bool:
        """One scalar measurement; False (and counted) if gated out as an outlier."""
        ph = self.P @ h
        s = float(h @ ph) + noise
        if not s > 0.0 or innovation * innovation > self.gate * s:
            self.outliers += 1
            self._log(f"{what} innovation {innovation:.4g} outside {self.gate:g} x its variance {s:.3g}: skipped")
            return False
        k = ph / s
        self.x += k * innovation
        a = self._identity - np.outer(k, h)
        p = a @ self.P @ a.T
        p += noise * np.outer(k, k)
        self.P = p
        self._check(what)
        return True

    def _check(self, what: str) -> None:
        diagonal = np.diag(self.P)
        if np.all(diagonal > 0.0) and np.all(np.isfinite(diagonal)):
            return
        self.repair(f"covariance lost positive definiteness after {what}")

    def repair(self, reason: str) -> None:
        p = np.nan_to_num(0.5 * (self.P + self.P.T), nan=0.0, posinf=0.0, neginf=0.0)
        values, vectors = np.linalg.eigh(p)
        self.P = (vectors * np.maximum(values, self.floor)) @ vectors.T
        self.repairs += 1
        self._log(reason + ": repaired (eigenvalues floored)")

    def positive_definite(self) -> bool:
        try:
            np.linalg.cholesky(self.P)
            return True
        except np.linalg.LinAlgError:
            return False

    def take_events(self) -> list[str]:
        """The events since the last call (at most the last 100), and forget them."""
        events, self.events = self.events, []
        return events

    def _log(self, message: str) -> None:
        self.events.append(message)
        del self.events[:-100]
