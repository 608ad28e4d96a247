"""Finite-volume diffusion in the eigenbasis of its operator.

A finite-volume discretisation of  d(eps c)/dt = div(D B grad c) + q  with
zero-flux walls reads  M dc/dt = -D K c + q,  with M the diagonal of cell
volumes (times porosity) and K the symmetric matrix of face
transmissibilities. The generalised eigenvectors of (K, M) diagonalise it:
with c = V z and V^T M V = I,

    dz/dt = -D mu z + V^T q,

so a step with D and q held is exact, mode by mode (exponential integration),
at a cost linear in the number of cells and for any step size. The zero mode
carries the total amount and is advanced by plain accumulation, which keeps
mass to round-off.
"""
from __future__ import annotations


import numpy as np
from scipy.linalg import eigh

from .chen2020 import GAS_CONSTANT, maths_for


class ModalDiffusion:
    """M dc/dt = -D K c + q in modal coordinates z (c = modes @ z)."""

    def __init__(self, volumes: np.ndarray, transmissibilities: np.ndarray):
        volumes = np.asarray(volumes, dtype=float)
        transmissibilities = np.asarray(transmissibilities, dtype=float)
        n = volumes.size
        k = np.zeros((n, n))
        idx = np.arange(n - 1)
        k[idx, idx] += transmissibilities
        k[idx + 1, idx + 1] += transmissibilities
        k[idx, idx + 1] -= transmissibilities
        k[idx + 1, idx] -= transmissibilities
        rates, modes = eigh(k, np.diag(volumes))
        rates[0] = 0.0  # the conserved total; round-off would leak it
        self.volumes = volumes
        self.rates = rates  # mu [1/m2]
        self.modes = modes  # V: c = V z
        self.projection = np.ascontiguousarray(modes.T)  # V^T: dz/dt += V^T q
        self._inverse_rates = np.zeros(n)
        self._inverse_rates[1:] = 1.0 / rates[1:]

    def to_modal(self, values: np.ndarray) -> np.ndarray:
        """z such that modes @ z equals ``values`` (cell values)."""
        return self.projection @ (self.volumes * values)

    def propagation(self, diffusivity: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """(decay, gain) of an exact step: z <- decay * z + gain * (V^T q)."""
        decay = np.exp(-diffusivity * dt * self.rates)
        gain = (1.0 - decay) * self._inverse_rates * (1.0 / diffusivity)
        gain[0] = dt
        return decay, gain

    def correction_gain(self, diffusivity: float, dt: float) -> np.ndarray:
        """(exp(-a dt) - 1 + a dt) / (a^2 dt) with a = D mu: the weight of the
        change of a source over the step in exponential Runge-Kutta 2."""
        rate = diffusivity * self.rates
        gain = np.empty_like(rate)
        gain[0] = 0.5 * dt
        a = rate[1:]
        gain[1:] = (np.expm1(-a * dt) + a * dt) / (a * a * dt)
        return gain


def sphere(radius: float, shells: int, stretch: float = 2.0):
    """Shells of a sphere, thinner towards the surface where the gradients are
    (edges at R (1 - (1 - k/N)**stretch)): volumes [m3/sr], face
    transmissibilities [m/sr] and the distance from the outer centre to the
    surface [m]."""
    edges = radius * (1.0 - (1.0 - np.linspace(0.0, 1.0, shells + 1)) ** stretch)
    volumes = np.diff(edges**3) / 3.0
    centres = 0.5 * (edges[1:] + edges[:-1])
    transmissibilities = edges[1:-1] ** 2 / np.diff(centres)
    return volumes, transmissibilities, radius - centres[-1]


def layers(thicknesses, cells, porosities, efficiencies):
    """Cells across stacked layers (electrode, separator, electrode):
    porosity-weighted volumes [m], face transmissibilities [1] (harmonic across
    a layer boundary) and cell centres [m]."""
    widths = np.concatenate([np.full(n, t / n) for t, n in zip(thicknesses, cells)])
    eps = np.concatenate([np.full(n, e) for e, n in zip(porosities, cells)])
    eff = np.concatenate([np.full(n, b) for b, n in zip(efficiencies, cells)])
    half_resistance = 0.5 * widths / eff
    transmissibilities = 1.0 / (half_resistance[:-1] + half_resistance[1:])
    centres = np.cumsum(widths) - 0.5 * widths
    return eps * widths, transmissibilities, centres, widths


def arrhenius(activation_energy: float, temperature: float, reference: float) -> float:
    """exp(Ea/R (1/T_ref - 1/T)), the Arrhenius factor relative to ``reference``."""
    exp = maths_for(temperature).exp
    return exp(activation_energy / GAS_CONSTANT * (1.0 / reference - 1.0 / temperature))
