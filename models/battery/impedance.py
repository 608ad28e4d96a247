"""Small-signal impedance of the SPMe cell around an operating point at rest.

The law. Around a state at rest (no current, uniform concentrations at the
mean stoichiometries x, y of the two electrodes, an SEI film of thickness L,
temperature T) the SPMe of ``spme.py`` answers a small current
i(t) = Re(I e^(st)), s = j 2 pi f, linearly: V = OCV - Z(s) I. Per electrode k
(particle surface S_k per cell, Faraday's constant F, j the current per unit
particle surface, > 0 out of the particle):

  * double layer: j = j_F + s C_dl (dphi - j Z_film) with dphi = phi_s - phi_e:
    the charging current bypasses the reaction (PyBaMM's "surface form:
    differential"), so the Faradaic share is 1 / (1 + s C_dl z_F);
  * reaction, symmetric Butler-Volmer linearised at rest:
    eta = R_ct j_F, R_ct = RT / (F j0(x, c_e, T));
  * solid diffusion: the surface concentration moves by -G(s) j_F / F, the OCP
    with it: z_F = R_ct + Z_D, Z_D = -U'(x) G(s) / (F c_max). G is the
    particle's finite-volume operator in modal form, the one the time-domain
    model steps: G = gap/D + sum_m R^2 V_Nm^2 / (s + D mu_m); its zero mode
    (mu_0 = 0) is the charge the electrode stores, a capacitor;
  * SEI film on the negative particles: R_f = rho L in parallel with its
    dielectric capacitance C_f = eps_0 eps_r / L, in series with the double
    layer (the film and interface arcs of Meyers et al., J. Electrochem. Soc.
    147 (2000) 2930);
  * electrolyte: the salt is fed by the Faradaic currents and drained by
    migration of the total current, source (a j_F - t+ a j) / F as in PyBaMM's
    SPMe; its x-averaged log-concentration difference across the cell is the
    diffusion potential 2 (1 - t+) RT/F (dc_p - dc_n) / c_e;
  * reaction distribution (``reaction_distribution=True``, PyBaMM's composite
    surface form): the particles see each electrode's mean Faradaic current,
    but the salt sees the local one, j_F(x) = mean + (dphi(x) - mean dphi)/R_ct,
    with dphi(x) from the solid and electrolyte ohmic profiles and the local
    diffusion potential; about 10 % of the diffusion potential at low
    frequency. ``False`` keeps the uniform reaction of the time-domain SPMe;
  * ohmic: electrolyte L_n/(3 kappa_n) + L_s/kappa_s + L_p/(3 kappa_p), solid
    L/(3 sigma) per electrode, and the contact resistance.

So Z = R_ohm + Z_film/S_n + z_F,n/(1 + s C_dl z_F,n)/S_n + (same)_p/S_p
+ Z_conc, per cell; a pack of n_series x n_parallel scales it by
n_series / n_parallel. Each frequency costs a few dot products and one solve
of the electrolyte's 25 modes: no time stepping.

Relation to the time-domain SPMe. With the double layer and the film
capacitance off (C_dl = 0, eps_r = 0) and a uniform reaction
(``reaction_distribution=False``) this is the exact small-signal transfer
function of the discretised equations ``SPMeBattery`` steps (same shells, same
electrolyte cells, same closures): a small sine through ``SPMeBattery`` gives
it back, and Z(s) - 1/(s C_ocv) tends to ``dc_resistance()``, the resistance a
long small current step shows (tests/models/test_impedance.py). In that limit
it is also -(C (sI - A)^-1 B + D) of the Jacobians of the shared CasADi form
of the SPMe, ``spme_casadi`` (tests/models/test_impedance_casadi.py, where
that form is present). It is not computed from those Jacobians because the
double layer and the reaction distribution change the equations: the
particles and the salt see the Faradaic current, not the cell current, and
the interface potential becomes a state of its own. Written per electrode in
closed form, a frequency costs a few dot products instead of a solve of the
whole state. The double layer (time constant R_ct C_dl, about 15 ms for the
LG M50 negative) is the one process the time-domain model leaves out; it
shows above a few Hz.

Limits. Small signal around rest only (no superposed DC current, no
concentration gradients at the operating point); isothermal, like PyBaMM's
EIS; no inductance of leads or windings; electrolyte properties at the rest
concentration; no plated-lithium layer (the model has a plating overpotential
but no plating reaction), so lithium plating has no signature here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.constants import epsilon_0

from ..checks import finite
from .chen2020 import FARADAY, GAS_CONSTANT
from .diffusion import arrhenius
from .parameters import BatteryParameters
from .spme import SPMeBattery

_OCP_STEP = 1e-6  # stoichiometry step of the central difference for dU/dx


@dataclass(frozen=True)
class OperatingPoint:
    """A cell at rest: mean stoichiometries, temperature [K], SEI thickness [m]."""

    negative_stoichiometry: float
    positive_stoichiometry: float
    temperature: float
    sei_thickness: float


class Elements(NamedTuple):
    """The model's own lumped elements of one cell at an operating point, the
    values an equivalent-circuit fit should find [Ohm, F]."""

    r0: float  # series resistance: electrolyte, solid, contact (the limit f -> inf)
    r_sei: float  # SEI film resistance
    c_sei: float  # SEI film capacitance
    r_ct: float  # charge transfer, both electrodes in series
    r_ct_negative: float
    r_ct_positive: float
    c_dl_negative: float  # double-layer capacitance of the whole electrode
    c_dl_positive: float


class _Electrode:
    """The small-signal constants of one electrode at rest."""

    def __init__(self, particle, stoichiometry: float, temperature: float,
                 double_layer: float, reference_temperature: float):
        c_s = stoichiometry * particle.c_max
        self.area = particle.surface_area  # m2 of particle surface per cell
        self.double_layer = double_layer  # F/m2
        self.surface = particle.outer_row
        self.inflow = particle.inflow
        self.diffusivity = particle.diffusivity * arrhenius(
            particle.activation, temperature, reference_temperature)
        self.rates = self.diffusivity * particle.diffusion.rates
        self.gap = particle.surface_gap
        slope = (particle.ocp(stoichiometry + _OCP_STEP)
                 - particle.ocp(stoichiometry - _OCP_STEP)) / (2.0 * _OCP_STEP)
        self.ocp_per_flux = -slope / (FARADAY * particle.c_max)  # V m3/C; Z_D = this x G
        j0_per_sqrt_ce = (particle.rate * arrhenius(particle.rate_activation, temperature,
                                                    reference_temperature)
                          * math.sqrt(c_s * (particle.c_max - c_s)))
        self._j0_per_sqrt_ce = j0_per_sqrt_ce
        self._rt_f = GAS_CONSTANT * temperature / FARADAY

    def charge_transfer(self, electrolyte_concentration: float) -> float:
        """R_ct [Ohm m2 of particle surface] = RT / (F j0)."""
        return self._rt_f / (self._j0_per_sqrt_ce * math.sqrt(electrolyte_concentration))

    def diffusion(self, s: np.ndarray, zero_mode: bool = True) -> np.ndarray:
        """Z_D(s) [Ohm m2]; without the zero mode it is the finite part at s -> 0."""
        weights = -self.surface * self.inflow  # R^2 V_Nm^2 >= 0
        first = 0 if zero_mode else 1
        modal = (weights[first:] / (s[:, None] + self.rates[first:])).sum(axis=1)
        return self.ocp_per_flux * (self.gap / self.diffusivity + modal)


class CellImpedance:
    """Impedance of the SPMe pack at an operating point at rest; see the module
    docstring for the law. ``impedance(f)`` [Ohm, complex, capacitive: imaginary
    part < 0] at frequencies ``f`` [Hz]."""

    def __init__(self, parameters: BatteryParameters, point: OperatingPoint,
                 reaction_distribution: bool = True):
        self.parameters = p = parameters
        self.point = point
        self.reaction_distribution = reaction_distribution
        _check_temperature(p, point.temperature)
        # the discretisation the time-domain model steps, at rest at the operating point
        cell = SPMeBattery(replace(p, initial_temperature=point.temperature))
        t, t_ref = point.temperature, p.reference_temperature
        c_e = p.electrolyte_concentration
        self._negative = _Electrode(cell.negative, point.negative_stoichiometry, t,
                                    p.negative_double_layer_capacity, t_ref)
        self._positive = _Electrode(cell.positive, point.positive_stoichiometry, t,
                                    p.positive_double_layer_capacity, t_ref)
        self._r_ct = (self._negative.charge_transfer(c_e), self._positive.charge_transfer(c_e))
        self._film_resistance = point.sei_thickness * p.sei_resistivity  # Ohm m2
        self._film_capacity = (epsilon_0 * p.sei_relative_permittivity / point.sei_thickness
                               if point.sei_thickness > 0.0 else 0.0)  # F/m2
        self._kappa = kappa = p.electrolyte_conductivity(c_e, t) * arrhenius(
            p.electrolyte_conductivity_activation_energy, t, t_ref)  # S/m, bulk at rest
        self._r0 = ((cell._electrolyte_length / kappa + cell._solid_resistance)
                    / p.electrode_area + p.contact_resistance)
        self._build_electrolyte(cell, c_e, t)
        self._pack = p.n_series / p.n_parallel

    @classmethod
    def at_soc(cls, soc: float, temperature: float, parameters: BatteryParameters | None = None,
               **options) -> "CellImpedance":
        """A fresh cell (its initial SEI) at rest at ``soc`` (PyBaMM's scale)."""
        p = parameters if parameters is not None else BatteryParameters()
        soc = finite("soc", soc)
        if not 0.0 < soc < 1.0:
            raise ValueError(f"soc must lie in (0, 1), got {soc!r}")
        window = SPMeBattery(p).window
        sei = p.sei_initial_thickness if p.sei_enabled else 0.0
        return cls(p, OperatingPoint(window.negative(soc), window.positive(soc),
                                     finite("temperature", temperature), sei), **options)

    @classmethod
    def of_cell(cls, cell: SPMeBattery, temperature: float, **options) -> "CellImpedance":
        """``cell`` relaxed: its mean stoichiometries (lithium lost to the SEI
        included) and its SEI film, at ``temperature``."""
        state = cell.internals()
        return cls(cell.parameters, OperatingPoint(
            state["negative_mean_stoichiometry"], state["positive_mean_stoichiometry"],
            finite("temperature", temperature), state["sei_thickness"]), **options)

    def _build_electrolyte(self, cell: SPMeBattery, c_e: float, temperature: float) -> None:
        p = self.parameters
        modes = cell.electrolyte
        d = p.electrolyte_diffusivity(c_e, temperature) * arrhenius(
            p.electrolyte_diffusivity_activation_energy, temperature, p.reference_temperature)
        self._electrolyte = modes
        self._electrolyte_rates = d * modes.rates
        # each electrode's cells, as weights of its mean [1]
        self._mean_n, self._mean_p = cell._mean_n, cell._mean_p
        chi = 2.0 * (1.0 - p.cation_transference_number) * p.thermodynamic_factor
        self._diffusion_potential = chi * GAS_CONSTANT * temperature / (FARADAY * c_e)  # V m3/mol
        self._potential_row = self._diffusion_potential * ((self._mean_p - self._mean_n)
                                                           @ modes.modes)
        if self.reaction_distribution:
            self._coupling, self._ohmic_feed = self._reaction_distribution(cell)
        else:
            self._coupling, self._ohmic_feed = 0.0, 0.0

    def _reaction_distribution(self, cell: SPMeBattery):
        """Where each electrode reacts more than its mean, the local Faradaic
        current is (dphi(x) - mean dphi) / R_ct with dphi = phi_s - phi_e of the
        composite SPMe potentials: the solid and electrolyte ohmic profiles
        (driven by the total current) and the local diffusion potential. It
        feeds the salt: a coupling of the concentration onto its own source
        [1/s in modal coordinates] and a source per unit cell current."""
        p = self.parameters
        x, lengths = cell.x_nodes, (p.negative_electrode_thickness, p.positive_electrode_thickness)
        total = lengths[0] + p.separator_thickness + lengths[1]
        kappa_n = self._kappa * cell._efficiency[0]
        kappa_p = self._kappa * cell._efficiency[2]
        sigma_n, sigma_p = p.solid_conductivity("negative"), p.solid_conductivity("positive")
        l_n, l_p = lengths
        profile = np.zeros(x.size)  # dphi per unit current density [Ohm m2]
        profile += (self._mean_n > 0) * ((x * x - 2.0 * l_n * x) / (2.0 * l_n * sigma_n)
                                         + x * x / (2.0 * l_n * kappa_n))
        gap = total - x
        profile -= (self._mean_p > 0) * ((x + gap * gap / (2.0 * l_p)) / sigma_p
                                         + gap * gap / (2.0 * l_p * kappa_p))
        resistance_n = self._r_ct[0] + self._film_resistance
        conductance = (  # mol/m2/s of salt per V of local dphi, per cell
            self._mean_n * l_n * p.specific_surface_area("negative") / resistance_n
            + self._mean_p * l_p * p.specific_surface_area("positive") / self._r_ct[1]) / FARADAY
        deviation = (np.eye(x.size) - np.outer(self._mean_n > 0, self._mean_n)
                     - np.outer(self._mean_p > 0, self._mean_p))  # value minus its electrode's mean
        modes = self._electrolyte
        coupling = modes.projection @ (conductance[:, None] * deviation
                                       * self._diffusion_potential) @ modes.modes
        ohmic_feed = modes.projection @ (conductance * (deviation @ profile)) / p.electrode_area
        return coupling, ohmic_feed

    # --- the spectrum --------------------------------------------------------------
    def impedance(self, frequencies) -> np.ndarray:
        """Z [Ohm] of the pack at ``frequencies`` [Hz] (each finite and > 0)."""
        return sum(self.contributions(frequencies).values())

    def contributions(self, frequencies) -> dict[str, np.ndarray]:
        """Z split by where the voltage drops [Ohm, pack]; the parts sum to Z."""
        s = 2j * np.pi * check_frequencies(frequencies)
        neg, pos = self._negative, self._positive
        z_fn = self._r_ct[0] + neg.diffusion(s)
        z_fp = self._r_ct[1] + pos.diffusion(s)
        faradaic_n = 1.0 / (1.0 + s * neg.double_layer * z_fn)
        faradaic_p = 1.0 / (1.0 + s * pos.double_layer * z_fp)
        film = self._film_resistance / (1.0 + s * self._film_resistance * self._film_capacity)
        parts = {
            "ohmic": np.full(s.shape, self._r0, dtype=complex),
            "sei_film": film / neg.area,
            "negative_interface": z_fn * faradaic_n / neg.area,
            "positive_interface": z_fp * faradaic_p / pos.area,
            "electrolyte_concentration": self._concentration(s, faradaic_n, faradaic_p),
        }
        return {name: self._pack * z for name, z in parts.items()}

    def _concentration(self, s, faradaic_n, faradaic_p, zero_mode: bool = True) -> np.ndarray:
        """-(diffusion potential) per unit cell current [Ohm]: the salt fed by
        the mean Faradaic currents, the migration of the total current and the
        reaction's distribution, (s + D mu + coupling) z = feed."""
        t_plus = self.parameters.cation_transference_number
        density = 1.0 / (self.parameters.electrode_area * FARADAY)  # mol/m2/s per A
        feed_n = self._electrolyte.projection @ self._mean_n
        feed_p = self._electrolyte.projection @ self._mean_p
        feed = (density * (np.outer(faradaic_n - t_plus, feed_n)
                           + np.outer(t_plus - faradaic_p, feed_p)) + self._ohmic_feed)
        first = 0 if zero_mode else 1
        operator = np.diag(self._electrolyte_rates) + self._coupling
        operator = operator[first:, first:]
        system = s[:, None, None] * np.eye(operator.shape[0]) + operator
        modal = np.linalg.solve(system, feed[:, first:, None])[..., 0]
        return -(modal @ self._potential_row[first:])

    # --- limits and lumped elements --------------------------------------------------
    def dc_resistance(self) -> float:
        """lim Z(s) - 1/(s C_ocv) as s -> 0 [Ohm, pack]: what a long small current
        step shows once the particles and the electrolyte have settled (the
        double layer carries no current at DC)."""
        zero = np.zeros(1)
        neg, pos = self._negative, self._positive
        cell = (self._r0 + self._film_resistance / neg.area
                + (self._r_ct[0] + neg.diffusion(zero, zero_mode=False)[0].real) / neg.area
                + (self._r_ct[1] + pos.diffusion(zero, zero_mode=False)[0].real) / pos.area
                + self._concentration(zero, np.ones(1), np.ones(1), zero_mode=False)[0].real)
        return self._pack * float(cell)

    def elements(self) -> Elements:
        """The model's own R0, SEI film, charge-transfer and double-layer
        elements of one cell (not scaled to the pack)."""
        neg, pos = self._negative, self._positive
        r_ct_n, r_ct_p = self._r_ct[0] / neg.area, self._r_ct[1] / pos.area
        return Elements(r0=self._r0, r_sei=self._film_resistance / neg.area,
                        c_sei=self._film_capacity * neg.area, r_ct=r_ct_n + r_ct_p,
                        r_ct_negative=r_ct_n, r_ct_positive=r_ct_p,
                        c_dl_negative=neg.double_layer * neg.area,
                        c_dl_positive=pos.double_layer * pos.area)


def impedance(frequencies, soc: float = 0.5, temperature: float = 298.15,
              parameters: BatteryParameters | None = None) -> np.ndarray:
    """Z [Ohm] of a fresh pack at rest at ``soc`` and ``temperature`` [K]."""
    return CellImpedance.at_soc(soc, temperature, parameters).impedance(frequencies)


def check_frequencies(frequencies) -> np.ndarray:
    """The frequencies as a 1-D float array; ValueError naming a bad one."""
    try:
        values = np.atleast_1d(np.asarray(frequencies, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"frequencies must be numbers in Hz, got {frequencies!r}") from None
    bad = values[~(np.isfinite(values) & (values > 0.0))]
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"frequencies must be a non-empty 1-D list, got {frequencies!r}")
    if bad.size:
        raise ValueError(f"frequencies must be finite and > 0 Hz, got {bad[0]!r} Hz")
    return values


def _check_temperature(p: BatteryParameters, temperature: float) -> None:
    if not p.minimum_temperature <= temperature <= p.maximum_temperature:
        raise ValueError(f"temperature {temperature!r} K is outside the model's range "
                         f"[{p.minimum_temperature}, {p.maximum_temperature}] K")
