"""Joint extended Kalman filter over the twin's five states, one scalar
measurement at a time.

Law (Jazwinski 1970; Plett, J. Power Sources 134 (2004) 277 for the joint
state-and-parameter form): with F and H the Jacobians of the model at the
estimate,

    predict:  x <- f(x, u),          P <- F P F^T + Q_d
    update:   s = H P H^T + r,  K = P H^T / s,
              x <- x + K nu,   P <- P - (P H^T)(P H^T)^T / s

for each scalar measurement with innovation nu = y - h(x, u). Scalar,
sequential updates need no matrix inverse (the voltage and the temperature
noises are independent), and the covariance update is an outer product of one
vector with itself, symmetric to the last bit; the variances are checked
(finite, none negative) after every step and P repaired if round-off ever
breaks them.

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
* persistent gate violation: after ``max_rejections`` in a row it is a
  change, not a glitch, and is taken with its measurement variance raised
  until it is a 1-sigma innovation, which moves the prediction by
  H P H^T / nu; then the counter starts again. A step of n standard
  deviations of s is so re-acquired only after about (n^2 - gate) s /
  (2 H P H^T) taken readings, (max_rejections + 1) steps apart: slow when
  the state is known much better than the measurement. With the diagnostics
  campaign's twin (H P H^T about 0.13 s in a charge) a 6-sigma (29 mV) step
  takes 8 minutes, a 10-sigma one 53. Fading memory (inflating P along
  P H^T until the reading is a 1-sigma innovation, after Fagin 1964 and
  Sorenson and Sacks, Inf. Sci. 3 (1971) 101) re-acquires in one step, but a
  twin whose residuals a Diagnoser reads must not learn a fault away: tried
  in the diagnostics campaign, it let the current offset absorb every
  internal short's leak current (isolation over all classes 0.81 against
  0.94 without it, seed 0), so it is not used;
* bounds: a state that an update carries outside ``bounds`` (index, (low,
  high)) is put back on the bound by projecting the whole estimate on it
  with the weight P^-1, x <- x - P e_i (x_i - b) / P_ii (Simon and Chia,
  IEEE Trans. Aerosp. Electron. Syst. 38 (2002) 128; Simon, IET Control
  Theory Appl. 4 (2010) 1303): the states correlated with it move with it, so the
  estimate still explains the measurements it has seen. Clipping the one
  state instead leaves its partners where they only fit the unclipped value:
  with capacity held at its upper bound in a 0.9C charge from 23 % SOC,
  clipping drove SOC down 3 % and the resistance factor to 2 within a
  minute, every later voltage reading 30 mV off and gated out (1571 of 1800).
  P is kept: the projected estimate's error covariance is no larger (Simon
  and Chia 2002), so P stays an upper bound;
* repair: if P has a negative or non-finite variance, it is replaced by its
  symmetric part with eigenvalues floored at ``floor``, and the repair is
  counted (``repair`` may also be called on any other suspicion).
Limits: a linearisation, so the covariance is only as honest as the model
error allowed for in Q_d and r (see ``estimator``).
"""
from __future__ import annotations

import math

import numpy as np

DEFAULT_GATE = 25.0
DEFAULT_MAX_REJECTIONS = 10


class KalmanFilter:
    """State ``x`` and covariance ``P``; the model supplies f, F, h and H."""

    def __init__(self, x: np.ndarray, covariance: np.ndarray, gate: float = DEFAULT_GATE,
                 floor: float = 1e-18, max_rejections: int = DEFAULT_MAX_REJECTIONS, bounds=()):
        self.x = np.array(x, dtype=float)
        self.P = np.array(covariance, dtype=float)
        self.gate, self.floor, self.max_rejections = gate, floor, max_rejections
        self.bounds = bounds  # ((index, (low, high)), ...): projected on after every update
        self.rejected_in_a_row: dict[str, int] = {}  # consecutive rejections per measurement
        self.outliers = 0
        self.repairs = 0
        self.events: list[str] = []  # what was skipped or repaired since last taken, newest last

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
            rejected = self.rejected_in_a_row.get(what, 0)
            if rejected < self.max_rejections or not s > 0.0:
                self.rejected_in_a_row[what] = rejected + 1
                self.outliers += 1
                self._log(f"{what} innovation {innovation:.4g} outside {self.gate:g} x its variance "
                          f"{s:.3g}: skipped")
                return False
            # persistent: the plant has changed, not the sensor glitched; take it with
            # the noise that makes it a 1-sigma innovation, so the estimate moves
            # without trusting it more than it deserves
            noise = innovation * innovation - (s - noise)
            s = innovation * innovation
            self._log(f"{what}: {rejected} innovations in a row outside the gate: taken with variance {s:.3g}")
        self.rejected_in_a_row[what] = 0
        self.x += ph * (innovation / s)
        self._downdate(ph, s)
        self._check(what)
        self._project()
        return True

    def update_iterated(self, measure, measurement: float, noise: float, what: str,
                        relinearize_above: float = 9.0, iterations: int = 5, bound=None,
                        at_prior: tuple[float, np.ndarray] | None = None, far_moves: bool = False) -> float:
        """One scalar measurement y = h(x) + v, ``measure(x) -> (h(x), H(x))``
        (``at_prior``: that pair at the present estimate, if the caller has it).
        The plain update is taken unless the prior is no point to linearise
        at: an innovation beyond ``relinearize_above`` times its predicted
        variance s, or (``far_moves``) an update that would move the estimate more than
        sqrt(``relinearize_above``) posterior standard deviations (the step
        K nu measured with the posterior's P^-1 is nu^2 H P H^T / (s r), r the
        measurement's variance: large when the prior is much wider than what
        one reading tells, as at a twin's first reading). Then the iterated
        EKF's Gauss-Newton steps (Bell and Cathey, IEEE TAC 38 (1993) 294)
        relinearise h at each new estimate, each iterate kept in the model's
        domain by ``bound(x)`` (in place), and the covariance is updated with
        the Jacobian where they end. Returns the innovation of the prior."""
        value, h = measure(self.x) if at_prior is None else at_prior
        innovation = measurement - value
        ph = self.P @ h
        hph = float(h @ ph)
        s = hph + noise
        squared = innovation * innovation
        # far from the prior's spread, or moving the estimate far outside the posterior's
        # (its step in the posterior's metric is nu^2 HPH^T / (s r)): the prior is no point to linearise at
        far = far_moves and squared * hph > relinearize_above * s * noise
        if not s > 0.0 or (squared <= relinearize_above * s and not far):
            self.update(innovation, h, noise, what)
            return innovation
        if innovation * innovation > self.gate * s:
            self.update(innovation, h, noise, what)  # counted and skipped there
            return innovation
        prior, x = self.x.copy(), self.x.copy()
        for _ in range(iterations):
            x_next = prior + ph * ((measurement - value - float(h @ (prior - x))) / s)
            if bound is not None:
                bound(x_next)
            done = np.allclose(x_next, x, rtol=1e-9, atol=1e-12)
            x = x_next
            value, h = measure(x)
            ph = self.P @ h
            s = float(h @ ph) + noise
            if done:
                break
        self.x = prior + ph * ((measurement - value - float(h @ (prior - x))) / s)
        self._downdate(ph, s)
        self._check(what)
        self._project()
        return innovation

    def _downdate(self, ph: np.ndarray, s: float) -> None:
        """P <- P - K S K^T with K = P H^T / s, as the outer product of P H^T
        with itself over s (symmetric as written; numpy's outer without its
        call overhead)."""
        self.P -= ph[:, None] * (ph * (1.0 / s))

    def _project(self) -> None:
        """Each state outside its bound onto it, the others along their covariance
        with it (module docstring); a few passes, as one projection may push
        another state out, then clipped."""
        for _ in range(3):
            moved = False
            for index, (low, high) in self.bounds:
                value = self.x[index]
                if low <= value <= high:
                    continue
                target = min(max(value, low), high)
                variance = self.P[index, index]
                if variance > 0.0:
                    self.x -= self.P[:, index] * ((value - target) / variance)
                self.x[index] = target
                moved = True
            if not moved:
                return
        for index, (low, high) in self.bounds:
            self.x[index] = min(max(self.x[index], low), high)

    def _check(self, what: str) -> None:
        """A cheap necessary condition per step: a finite diagonal, none negative
        (0 is a state known exactly, as a frozen parameter)."""
        if all(0.0 <= v < math.inf for v in self.P.diagonal().tolist()):  # False for NaN too
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
