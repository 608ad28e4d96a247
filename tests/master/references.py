"""Monolithic references: the coupled test systems as one linear ODE, solved
exactly with the matrix exponential."""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm


def two_masses_reference(t, k=10.0, d=0.5, m1=1.0, m2=1.0, x1=1.0):
    """States x1, v1, x2, v2 of the spring-damper-coupled masses at times ``t``."""
    a = np.array([[0, 1, 0, 0], [-k / m1, -d / m1, k / m1, d / m1],
                  [0, 0, 0, 1], [k / m2, d / m2, -k / m2, -d / m2]])
    return np.array([expm(a * ti) @ np.array([x1, 0.0, 0.0, 0.0]) for ti in t])


def two_masses_energy(states, k=10.0, m1=1.0, m2=1.0):
    x1, v1, x2, v2 = states.T
    return 0.5 * m1 * v1**2 + 0.5 * m2 * v2**2 + 0.5 * k * (x2 - x1) ** 2


def rc_pair_reference(t, e=10.0, r1=0.5, c1=1.0, r2=0.5, c2=1.0, r3=2.0):
    """Capacitor voltages (vc, vl) of the RC source feeding the RC load, and the
    bond current, at times ``t``; both capacitors start empty."""
    a = np.array([[-1 / (r1 * c1) - 1 / (r2 * c1), 1 / (r2 * c1), e / (r1 * c1)],
                  [1 / (r2 * c2), -1 / (r2 * c2) - 1 / (r3 * c2), 0.0], [0.0, 0.0, 0.0]])
    states = np.array([expm(a * ti) @ np.array([0.0, 0.0, 1.0]) for ti in t])
    vc, vl = states[:, 0], states[:, 1]
    return vc, vl, (vc - vl) / r2


def rc_pair_energy(stop_time, **parameters):
    """Energy through the bond, integral of v i dt, on a fine grid (Simpson)."""
    from scipy.integrate import simpson
    t = np.linspace(0.0, stop_time, 4001)
    vc, _, i = rc_pair_reference(t, **parameters)
    return simpson(vc * i, x=t)
