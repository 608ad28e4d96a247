"""Material functions of the LG M50 21700 cell (graphite-SiOx / NMC811).

Open-circuit potentials and exchange-current densities are the fits of
Chen et al., "Development of Experimental Techniques for Parameterization of
Multi-scale Lithium-ion Battery Models", J. Electrochem. Soc. 167 (2020) 080534,
in the form PyBaMM's ``Chen2020`` parameter set uses them. Electrolyte
transport is the LiPF6 in EC:EMC (3:7) fit of Nyman, Behm and Lindbergh,
Electrochim. Acta 53 (2008) 6356-6365, as in the same parameter set.

Every function takes and returns plain floats (``math``, not numpy): the model
calls them a few times per step and a numpy scalar call costs ten times more.
The same functions accept CasADi expressions (``maths_for`` picks the library),
so the CasADi form of the model (``casadi_form``) uses these very formulas.
The electrolyte functions also accept numpy arrays.
"""
from __future__ import annotations

import math

from scipy.constants import R as GAS_CONSTANT  # J/mol/K, CODATA 2018 (exact)
from scipy.constants import physical_constants

FARADAY = physical_constants["Faraday constant"][0]  # C/mol, CODATA 2018 (exact)


def maths_for(value):
    """``math`` for a number, ``casadi`` for a symbolic expression: one formula, two uses."""
    if isinstance(value, (float, int)):
        return math
    import casadi
    return casadi


def graphite_ocp(sto: float) -> float:
    """Graphite-SiOx open-circuit potential [V vs Li/Li+] (Chen et al. 2020 fit)."""
    m = maths_for(sto)
    return (
        1.9793 * m.exp(-39.3631 * sto)
        + 0.2482
        - 0.0909 * m.tanh(29.8538 * (sto - 0.1234))
        - 0.04478 * m.tanh(14.9159 * (sto - 0.2769))
        - 0.0205 * m.tanh(30.4444 * (sto - 0.6103))
    )


def nmc811_ocp(sto: float) -> float:
    """NMC811 open-circuit potential [V vs Li/Li+] (Chen et al. 2020 fit)."""
    m = maths_for(sto)
    return (
        -0.8090 * sto
        + 4.4875
        - 0.0428 * m.tanh(18.5138 * (sto - 0.5542))
        - 17.7326 * m.tanh(15.7890 * (sto - 0.3117))
        + 17.5842 * m.tanh(15.9308 * (sto - 0.3120))
    )


def electrolyte_diffusivity(c_e, temperature):
    """LiPF6 in EC:EMC diffusivity [m2/s] at concentration ``c_e`` [mol/m3]
    (Nyman et al. 2008, no temperature dependence given)."""
    return (8.794e-17 * c_e - 3.972e-13) * c_e + 4.862e-10  # c_e in mol/m3, Horner form


def electrolyte_conductivity(c_e, temperature):
    """LiPF6 in EC:EMC ionic conductivity [S/m] at ``c_e`` [mol/m3]
    (Nyman et al. 2008, no temperature dependence given)."""
    c = c_e / 1000.0
    return 0.1297 * c**3 - 2.51 * c**1.5 + 3.329 * c
