"""Exothermic abuse reactions of a lithium-ion cell (Hatchard 2001, Kim 2007).

Four decompositions, each an Arrhenius rate k_i(T) = A_i exp(-E_i / (R T)):

    SEI decomposition         dc_sei/dt = -k_sei c_sei
    anode-electrolyte         dc_ne/dt  = -k_ne c_ne exp(-z / z_ref),  dz/dt = -dc_ne/dt
    cathode-electrolyte       da/dt     =  k_pe a (1 - a)
    electrolyte decomposition dc_e/dt   = -k_e c_e

and each releases Q_i = H_i W_i |dx_i/dt| [W/m3] (enthalpy H_i [J/kg], specific
content W_i [kg/m3 of jelly roll]). The anode reaction is slowed by the SEI it
grows (relative thickness z).

T. D. Hatchard, D. D. MacNeil, A. Basu, J. R. Dahn, "Thermal model of cylindrical
and prismatic lithium-ion cells", J. Electrochem. Soc. 148 (2001) A755-A761;
G.-H. Kim, A. Pesaran, R. Spotnitz, "A three-dimensional thermal abuse model for
lithium-ion cells", J. Power Sources 170 (2007) 476-489, Table 1 (all constants
below). Assumption: Kim's specific contents (an 18650 LiCoO2/graphite cell) are
applied to the LG M50 jelly roll; its chemistry (NMC811/graphite-SiOx) differs,
so onset and heat are indicative, not a fit to this cell.

Integration. With the temperature held over a sub-step, the SEI, cathode and
electrolyte equations have closed-form solutions (exponential and logistic);
the anode's inhibition exp(-z / z_ref) is frozen over the sub-step, which keeps
0 <= c <= 1 for any step. The energy released is exactly what the conversions
changed, so the heat passed to a thermal model conserves energy. The sub-step
is the caller's business (``CellThermal`` limits the temperature rise per
sub-step); at 25 degC the reactions are dormant (below 1e-5 W per cell).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import checks

GAS_CONSTANT = 8.314462618  # J/mol/K, CODATA 2018
# LG M50 cell volume, Chen et al., J. Electrochem. Soc. 167 (2020) 080534, as
# tabulated in PyBaMM's Chen2020 set (the same value models/thermal.py uses).
JELLY_ROLL_VOLUME = 2.42e-5  # m3


@dataclass(frozen=True)
class Reaction:
    """Arrhenius constants of one decomposition [Kim et al. 2007, Table 1]."""

    pre_exponential: float  # A [1/s]
    activation_energy: float  # E [J/mol]
    enthalpy: float  # H [J/kg]
    specific_content: float  # W [kg/m3 of jelly roll]
    initial: float  # x at start [1]

    def rate_constant(self, temperature: float) -> float:
        """k = A exp(-E / (R T)) [1/s]."""
        return self.pre_exponential * math.exp(-self.activation_energy / (GAS_CONSTANT * temperature))

    @property
    def heat_density(self) -> float:
        """H W [J/m3]: heat released per unit of conversion."""
        return self.enthalpy * self.specific_content


SEI = Reaction(1.667e15, 1.3508e5, 2.57e5, 610.4, 0.15)  # c_sei,0 = 0.15
ANODE = Reaction(2.5e13, 1.3508e5, 1.714e6, 610.4, 0.75)  # c_ne,0 = 0.75
CATHODE = Reaction(6.667e13, 1.396e5, 3.14e5, 1221.2, 0.04)  # alpha_0 = 0.04
ELECTROLYTE = Reaction(5.14e25, 2.74e5, 1.55e5, 406.9, 1.0)  # c_e,0 = 1
SEI_THICKNESS_INITIAL = 0.033  # z_0 [1], Kim et al. 2007, Table 1
SEI_THICKNESS_REFERENCE = 0.033  # z_ref [1], Kim et al. 2007, Table 1
NAMES = ("sei", "anode", "cathode", "electrolyte", "sei_thickness")


class AbuseReactions:
    """The four decompositions of one cell; ``advance`` returns the heat."""

    def __init__(self, volume: float = JELLY_ROLL_VOLUME):
        self.volume = checks.positive("volume", volume)
        self.sei = SEI.initial
        self.anode = ANODE.initial
        self.cathode = CATHODE.initial
        self.electrolyte = ELECTROLYTE.initial
        self.sei_thickness = SEI_THICKNESS_INITIAL

    def heat_rate(self, temperature: float) -> float:
        """Heat released now [W per cell] at ``temperature`` [K]."""
        t = temperature
        density = (SEI.heat_density * SEI.rate_constant(t) * self.sei
                   + ANODE.heat_density * ANODE.rate_constant(t) * self.anode * self._inhibition()
                   + CATHODE.heat_density * CATHODE.rate_constant(t) * self.cathode * (1.0 - self.cathode)
                   + ELECTROLYTE.heat_density * ELECTROLYTE.rate_constant(t) * self.electrolyte)
        return density * self.volume

    def advance(self, dt: float, temperature: float) -> float:
        """Advance ``dt`` [s] at ``temperature`` [K] held; the heat released [J per cell]."""
        t = temperature
        sei = self.sei * math.exp(-SEI.rate_constant(t) * dt)
        anode = self.anode * math.exp(-ANODE.rate_constant(t) * self._inhibition() * dt)
        odds = (1.0 - self.cathode) / self.cathode * math.exp(-CATHODE.rate_constant(t) * dt)
        cathode = 1.0 / (1.0 + odds)
        electrolyte = self.electrolyte * math.exp(-ELECTROLYTE.rate_constant(t) * dt)
        released = (SEI.heat_density * (self.sei - sei) + ANODE.heat_density * (self.anode - anode)
                    + CATHODE.heat_density * (cathode - self.cathode)
                    + ELECTROLYTE.heat_density * (self.electrolyte - electrolyte))
        self.sei_thickness += self.anode - anode
        self.sei, self.anode, self.cathode, self.electrolyte = sei, anode, cathode, electrolyte
        return released * self.volume

    def remaining_heat(self) -> float:
        """Heat [J per cell] the reactions can still release."""
        return self.volume * (SEI.heat_density * self.sei + ANODE.heat_density * self.anode
                              + CATHODE.heat_density * (1.0 - self.cathode)
                              + ELECTROLYTE.heat_density * self.electrolyte)

    def _inhibition(self) -> float:
        return math.exp(-self.sei_thickness / SEI_THICKNESS_REFERENCE)

    def get_state(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in NAMES}

    def set_state(self, state: dict[str, float]) -> None:
        for name in NAMES:
            setattr(self, name, float(state[name]))
