"""Equivalent-circuit fit of an impedance spectrum.

The circuit, R0 - (R_SEI || C_SEI) - (R_ct || Q_dl) - W_o, reads a spectrum
from high to low frequency: the series resistance, the SEI film's arc, the
charge-transfer arc (a constant-phase element: the two electrodes' arcs
overlap into one depressed arc) and a finite-length Warburg element of the
diffusion that turns capacitive at the lowest frequencies
(Z_W = R_W coth(sqrt(j w tau)) / sqrt(j w tau)).

The fit is impedance.py's ``CustomCircuit`` (``impedance`` on PyPI, 1.7.1;
Murbach et al., J. Open Source Softw. 5 (2020) 2349): non-linear least
squares (scipy ``curve_fit``) on the real and imaginary parts weighted by
|Z|. Its standard errors come from the covariance of that fit; a 95 %
interval is +-1.96 of them (normal approximation). On a model's spectrum,
which has no noise, the interval measures only how well the circuit can
describe the model.

Starting values come from the spectrum itself, never from the model: R0 from
the highest frequency, the arcs from the peaks of -Im(Z), the Warburg from
what is left at the lowest frequency.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .impedance import check_frequencies

CIRCUIT = "R0-p(R1,C1)-p(R2,CPE1)-Wo1"
# the circuit's parameters in impedance.py's order, our names and units
ELEMENTS = (("r0", "Ohm"), ("r_sei", "Ohm"), ("c_sei", "F"), ("r_ct", "Ohm"),
            ("q_dl", "F.s^(alpha-1)"), ("alpha_dl", "1"), ("r_warburg", "Ohm"),
            ("tau_warburg", "s"))
_Z95 = 1.959963984540054  # two-sided 95 % quantile of the normal distribution


class Fitted(NamedTuple):
    """One fitted element: value and its 95 % interval."""

    value: float
    low: float
    high: float
    unit: str


def fit_spectrum(frequencies, impedance) -> dict[str, Fitted]:
    """Fit ``CIRCUIT`` to a spectrum (``impedance`` complex [Ohm] at
    ``frequencies`` [Hz]); the elements by name with 95 % intervals."""
    from impedance.models.circuits import CustomCircuit

    f = check_frequencies(frequencies)
    z = np.asarray(impedance, dtype=complex)
    if z.shape != f.shape or not np.all(np.isfinite(z)):
        raise ValueError(f"impedance must be {f.size} finite complex values, one per frequency")
    order = np.argsort(f)
    f, z = f[order], z[order]
    circuit = CustomCircuit(CIRCUIT, initial_guess=_starting_values(f, z))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # impedance.py warns about its own defaults
        circuit.fit(f, z, weight_by_modulus=True, bounds=_bounds(), maxfev=20000)
    errors = np.nan_to_num(np.asarray(circuit.conf_, dtype=float), nan=np.inf)
    return {name: Fitted(float(v), float(v - _Z95 * e), float(v + _Z95 * e), unit)
            for (name, unit), v, e in zip(ELEMENTS, circuit.parameters_, errors)}


def circuit_impedance(frequencies, elements: dict[str, Fitted]) -> np.ndarray:
    """The fitted circuit's Z [Ohm] at ``frequencies`` [Hz]."""
    from impedance.models.circuits import CustomCircuit

    values = [elements[name].value for name, _ in ELEMENTS]
    circuit = CustomCircuit(CIRCUIT, initial_guess=values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "simulating circuit based on initial parameters": meant
        return circuit.predict(check_frequencies(frequencies), use_initial=True)


def _starting_values(f: np.ndarray, z: np.ndarray) -> list[float]:
    r0 = float(z.real[-1])
    peaks = _arc_peaks(f, z)
    high, low = (peaks[-1], peaks[-2]) if len(peaks) >= 2 else (f[-1] / 10.0, peaks[-1])
    r_sei = max(2.0 * float(-np.interp(high, f, z.imag)), 1e-3 * r0)
    r_ct = max(2.0 * float(-np.interp(low, f, z.imag)), 1e-2 * r0)
    r_warburg = max(float(z.real[0]) - r0 - r_sei - r_ct, 1e-2 * r0)
    return [r0, r_sei, 1.0 / (2.0 * np.pi * high * r_sei), r_ct,
            1.0 / (2.0 * np.pi * low * r_ct), 0.9, r_warburg, 1.0 / f[0]]


def _arc_peaks(f: np.ndarray, z: np.ndarray) -> list[float]:
    """Frequencies of the local maxima of -Im(Z), low to high (at least one)."""
    height = -z.imag
    inner = np.flatnonzero((height[1:-1] > height[:-2]) & (height[1:-1] >= height[2:])) + 1
    return [float(f[i]) for i in inner] or [float(f[np.argmax(height)])]


def _bounds():
    low = [0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.0, 0.0]
    high = [np.inf, np.inf, np.inf, np.inf, np.inf, 1.0, np.inf, np.inf]
    return low, high
