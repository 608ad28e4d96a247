"""Single particle model with electrolyte (SPMe) of a lithium-ion cell, scaled
to a pack of ``n_series`` x ``n_parallel`` identical cells.

Physics (Marquis et al., J. Electrochem. Soc. 166 (2019) A3693; the same
composite closure PyBaMM's ``SPMe`` uses):
  * one spherical particle per electrode, Fickian diffusion, finite volumes;
  * electrolyte concentration across negative electrode, separator and positive
    electrode, d(eps c)/dt = d/dx(B D_e(c) dc/dx) + (1 - t+) a j / F, with the
    uniform (x-averaged) reaction of the SPMe;
  * electrolyte potential and solid ohmic drop in closed form;
  * symmetric Butler-Volmer kinetics at each electrolyte node, x-averaged;
  * SEI growth limited by solvent diffusion through the film (L dL/dt = const),
    consuming cyclable lithium from the negative particle, with a film
    resistance; Arrhenius factors on every rate;
  * partially reversible lithium plating on the negative particles (O'Kane et
    al. 2020, 2022; ``plating``), sharing the negative reaction current with
    intercalation at one potential; dead lithium counts in ``capacity_loss``.
    The reaction is only evaluated while lithium is plated or the electrode
    potential of the last evaluation was below the nucleation onset, so it
    starts at most one step late and costs a normal step nothing.

Numerics: both particles and the electrolyte are advanced in the eigenbasis of
their finite-volume operators (see ``diffusion``). Particle diffusion is linear,
so a step with the current held is exact for any dt. The electrolyte
diffusivity depends on concentration; the step integrates the largest nodal
diffusivity exactly and the (smaller) remainder with an exponential
Runge-Kutta 2 predictor-corrector; the linear part keeps it stable and the
steady state exact.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.integrate import quad

from ..errors import StepRejected
from .aging import lithium_per_thickness, sei_growth_rate
from .chen2020 import FARADAY, GAS_CONSTANT
from .diffusion import ModalDiffusion, arrhenius, layers, sphere
from .parameters import BatteryParameters
from .plating import NEGLIGIBLE, REMAINDER, PlatingRates, PlatingStep, advance, equilibrium, split
from .soc import stoichiometry_window

# Electrolyte step: the reference diffusivity is rounded up to a grid of this
# ratio so that propagators can be cached; any value above the nodal maximum
# keeps the step stable.
_DIFFUSIVITY_GRID = math.log(1.01)
_CACHE_LIMIT = 512
# While lithium plates or strips, longer steps are taken as sub-steps of this
# length [s]: the reaction split's potential is held over each (1 s keeps the
# voltage within 0.1 mV of a 0.01 s reference at plating onset).
PLATING_STEP = 1.0
_smallest, _largest = np.minimum.reduce, np.maximum.reduce  # no wrapper overhead


class BatteryOutputs(NamedTuple):
    """Pack outputs, names and units as in the BatteryCell FMU contract."""

    voltage: float  # V, pack terminal voltage
    soc: float  # 1, PyBaMM's initial_soc scale
    heat_generation: float  # W, whole pack, irreversible + reversible
    ocv: float  # V, pack open-circuit voltage of the relaxed (mean) stoichiometries
    plating_overpotential: float  # V, phi_s - phi_e at negative/separator, vs Li/Li+
    capacity_loss: float  # A.h, pack capacity lost to SEI and dead lithium
    plated_lithium: float = 0.0  # A.h, pack, reversibly plated lithium (strips back)


class Overpotentials(NamedTuple):
    """What the pack loses to each process [V, > 0 a loss on discharge, < 0 on
    charge]; they sum to ocv - voltage. Diffusion terms are the OCP at the
    particle surface against the OCP of the mean stoichiometry."""

    electrolyte_ohmic: float  # electrolyte conduction (porous electrodes and separator)
    solid_ohmic: float  # electronic conduction in the electrodes and the contact
    sei_film: float  # Li+ conduction through the SEI film
    negative_kinetic: float  # Butler-Volmer overpotential of the negative electrode
    positive_kinetic: float  # Butler-Volmer overpotential of the positive electrode
    negative_diffusion: float  # solid diffusion in the negative particles
    positive_diffusion: float  # solid diffusion in the positive particles
    electrolyte_concentration: float  # salt concentration gradients (diffusion potential)


class _Particle:
    """One electrode's representative particle and its constants."""

    def __init__(self, p: BatteryParameters, side: str):
        self.radius = getattr(p, f"{side}_particle_radius")
        self.c_max = getattr(p, f"{side}_max_concentration")
        self.diffusivity = getattr(p, f"{side}_particle_diffusivity")
        self.activation = getattr(p, f"{side}_diffusivity_activation_energy")
        volumes, transmissibilities, self.surface_gap = sphere(self.radius, p.particle_shells)
        self.diffusion = ModalDiffusion(volumes, transmissibilities)
        # flux u [mol/m2/s] leaving through the surface enters the last shell as -R^2 u
        self.inflow = self.diffusion.projection[:, -1] * -(self.radius**2)
        self.outer_row = np.ascontiguousarray(self.diffusion.modes[-1])
        self.mean_row = volumes @ self.diffusion.modes / volumes.sum()
        self.thickness = getattr(p, f"{side}_electrode_thickness")
        self.solid_volume = (getattr(p, f"{side}_active_material_fraction")
                             * self.thickness * p.electrode_area)
        self.surface_area = p.specific_surface_area(side) * self.thickness * p.electrode_area
        self.ocp = getattr(p, f"{side}_ocp")
        self.entropic = getattr(p, f"{side}_entropic_coefficient")
        self.rate = getattr(p, f"{side}_reaction_rate")
        self.rate_activation = getattr(p, f"{side}_reaction_activation_energy")

    def uniform(self, stoichiometry: float) -> np.ndarray:
        return self.diffusion.to_modal(np.full(self.diffusion.volumes.size,
                                               stoichiometry * self.c_max))


class _StepCoefficients:
    """Everything that depends only on (dt, temperature)."""

    __slots__ = ("decay_n", "gain_n", "decay_p", "gain_p", "half_shell_n", "half_shell_p",
                 "j0_n", "j0_p", "electrolyte_diffusivity", "conductivity", "rt_f",
                 "sei_growth", "entropic", "ocv_shift", "plating")


class SPMeBattery:
    """SPMe cell model of a pack; see the module docstring for the physics.

    ``step(dt, current, temperature)`` advances by ``dt`` [s] with the pack
    current [A] (> 0 discharges) and the cell temperature [K] held and returns
    the pack outputs at the end of the step. ``evaluate(current, temperature)``
    gives the outputs of the present state without advancing.
    """

    def __init__(self, parameters: BatteryParameters | None = None):
        self.parameters = p = parameters if parameters is not None else BatteryParameters()
        self.window = stoichiometry_window(p)
        self.negative = _Particle(p, "negative")
        self.positive = _Particle(p, "positive")
        self._build_electrolyte(p)
        self._area = p.electrode_area
        self._growth = 1.0 + p.resistance_growth  # ohmic and charge-transfer resistances
        self._sei_area_to_ah = lithium_per_thickness(p)
        self._negative_volume = p.negative_electrode_thickness * p.electrode_area  # m3 per cell
        self._plating_area = p.specific_surface_area("negative")  # 1/m
        self._coefficients: dict[tuple[float, float], _StepCoefficients] = {}
        self._electrolyte_propagators: dict[tuple[float, int], tuple] = {}
        self.reset()

    # --- construction -----------------------------------------------------------
    def _build_electrolyte(self, p: BatteryParameters) -> None:
        thickness = (p.negative_electrode_thickness, p.separator_thickness,
                     p.positive_electrode_thickness)
        cells = (p.negative_electrode_cells, p.separator_cells, p.positive_electrode_cells)
        porosity = (p.negative_electrode_porosity, p.separator_porosity,
                    p.positive_electrode_porosity)
        regions = ("negative_electrode", "separator", "positive_electrode")
        self._efficiency = tuple(p.transport_efficiency(r) for r in regions)
        volumes, transmissibilities, centres, widths = layers(thickness, cells, porosity,
                                                              self._efficiency)
        self.electrolyte = ModalDiffusion(volumes, transmissibilities)
        self.x_nodes = centres  # m, cell centres across the sandwich
        self._transmissibilities = transmissibilities
        self._face_flux = np.zeros(volumes.size + 1)
        n_n, n_s, _ = cells
        self._n_n, self._n_s = n_n, n_s
        # cell-integrated (1 - t+) a j / F per unit current density [mol/m2/s per A/m2]
        source = np.zeros(volumes.size)
        source[:n_n] = widths[:n_n] / thickness[0]
        source[n_n + n_s:] = -widths[n_n + n_s:] / thickness[2]
        source *= (1.0 - p.cation_transference_number) / FARADAY
        self._source_modes = self.electrolyte.projection @ source
        self._mean_n = np.zeros(volumes.size)
        self._mean_n[:n_n] = 1.0 / n_n
        self._mean_p = np.zeros(volumes.size)
        self._mean_p[n_n + n_s:] = 1.0 / cells[2]
        self._mean_x = widths / sum(thickness)
        # c at the negative/separator boundary from flux continuity of the two half cells
        g_left = self._efficiency[0] / (0.5 * widths[n_n - 1])
        g_right = self._efficiency[1] / (0.5 * widths[n_n])
        self._interface_weights = (g_left / (g_left + g_right), g_right / (g_left + g_right))
        # ohmic resistances per unit area that do not depend on state [Ohm m2]
        self._solid_resistance = (p.negative_electrode_thickness
                                  / (3.0 * p.solid_conductivity("negative"))
                                  + p.positive_electrode_thickness
                                  / (3.0 * p.solid_conductivity("positive")))
        b_n, b_s, b_p = self._efficiency
        self._electrolyte_length = (p.negative_electrode_thickness / (3.0 * b_n)
                                    + p.separator_thickness / b_s
                                    + p.positive_electrode_thickness / (3.0 * b_p))
        self._reaction_per_density = (
            1.0 / (p.specific_surface_area("negative") * p.negative_electrode_thickness),
            1.0 / (p.specific_surface_area("positive") * p.positive_electrode_thickness))
        self._negative_solid_term = 1.0 / (6.0 * p.solid_conductivity("negative"))
        self._chi = 2.0 * (1.0 - p.cation_transference_number) * p.thermodynamic_factor

    def reset(self) -> None:
        """Back to ``initial_soc``, uniform concentrations, fresh SEI, t = 0."""
        p = self.parameters
        self.time = 0.0
        self._z_n = self.negative.uniform(self.window.negative(p.initial_soc))
        self._z_p = self.positive.uniform(self.window.positive(p.initial_soc))
        self._z_e = self.electrolyte.to_modal(
            np.full(self.x_nodes.size, p.electrolyte_concentration))
        self._sei_thickness_0 = p.sei_initial_thickness if p.sei_enabled else 0.0
        self._sei_thickness = self._sei_thickness_0
        self._c_e = self.electrolyte.modes @ self._z_e
        self._current = 0.0
        self._temperature = p.initial_temperature
        self._plated = self._dead = 0.0  # mol/m3 of negative electrode
        self._plating_potential = math.inf  # V vs Li/Li+, x-averaged, of the last evaluation
        self.outputs = self.evaluate(0.0, p.initial_temperature)

    # --- the step -------------------------------------------------------------
    def step(self, dt: float, current: float, temperature: float) -> BatteryOutputs:
        """Advance ``dt`` [s] with pack ``current`` [A] and ``temperature`` [K] held."""
        if not (math.isfinite(dt) and dt > 0.0):
            raise ValueError(f"dt must be positive and finite, got {dt!r}")
        self._check_inputs(current, temperature)
        k = self._coefficients_for(dt, temperature)
        if dt <= PLATING_STEP or k.plating is None:
            return self._step(dt, current, temperature, k)
        if not self._plating_active(k):
            before = self._snapshot()
            out = self._step(dt, current, temperature, k)
            if not self._plating_active(k):
                return out
            self._restore(before)  # plating became possible within the step: again in sub-steps
        return self._plating_substeps(dt, current, temperature)

    def _plating_substeps(self, dt: float, current: float, temperature: float) -> BatteryOutputs:
        """``dt`` in equal steps of at most PLATING_STEP (the split's potential is held over
        each); all or nothing."""
        count = math.ceil(dt / PLATING_STEP)
        before = self._snapshot()
        try:
            for _ in range(count):
                self._step(dt / count, current, temperature,
                           self._coefficients_for(dt / count, temperature))
        except StepRejected:
            self._restore(before)
            raise
        self.time = before[0] + dt
        return self.outputs

    def _snapshot(self) -> tuple:
        """The evolving state by reference (a step replaces its arrays, never writes into them)."""
        return (self.time, self._z_n, self._z_p, self._z_e, self._c_e, self._sei_thickness,
                self._plated, self._dead, self._plating_potential, self._current, self._temperature,
                self.outputs, self._losses)

    def _restore(self, snapshot: tuple) -> None:
        (self.time, self._z_n, self._z_p, self._z_e, self._c_e, self._sei_thickness, self._plated,
         self._dead, self._plating_potential, self._current, self._temperature, self.outputs,
         self._losses) = snapshot

    def _step(self, dt: float, current: float, temperature: float, k: _StepCoefficients) -> BatteryOutputs:
        p = self.parameters
        i_cell = current / p.n_parallel
        density = i_cell / self._area  # A/m2

        sei_thickness = self._sei_thickness
        sei_flux = 0.0
        if k.sei_growth > 0.0:
            sei_thickness = math.sqrt(sei_thickness * sei_thickness + k.sei_growth)
            sei_flux = ((sei_thickness - self._sei_thickness) * p.sei_lithium_per_mole
                        / (p.sei_partial_molar_volume * dt))  # mol/m2/s on the particles
        flux_n = i_cell / (FARADAY * self.negative.surface_area) + sei_flux
        plating = None
        if self._plating_active(k):
            plating = self._plating_step(dt, density * self._reaction_per_density[0], k)
            flux_n -= plating.stripping_rate / self._plating_area  # stripped lithium enters the particle
        flux_p = -i_cell / (FARADAY * self.positive.surface_area)
        z_n = self._z_n * k.decay_n
        z_n += k.gain_n * flux_n
        z_p = self._z_p * k.decay_p
        z_p += k.gain_p * flux_p
        self._check_particle("negative", self.negative, z_n, flux_n * k.half_shell_n, dt)
        self._check_particle("positive", self.positive, z_p, flux_p * k.half_shell_p, dt)
        z_e, c_e = self._electrolyte_step(dt, density, k.electrolyte_diffusivity, temperature)

        self._z_n, self._z_p, self._z_e, self._c_e = z_n, z_p, z_e, c_e
        self._sei_thickness = sei_thickness
        if plating is not None:
            self._plated, self._dead = plating.plated, plating.dead
        self.time += dt
        self._current, self._temperature = current, temperature
        self.outputs = self._evaluate(current, temperature, k)
        return self.outputs

    def evaluate(self, current: float, temperature: float) -> BatteryOutputs:
        """Pack outputs of the present state with these inputs; no time passes."""
        self._check_inputs(current, temperature)
        return self._evaluate(current, temperature, self._coefficients_for(1.0, temperature))

    def _electrolyte_step(self, dt, density, diffusivity_factor, temperature):
        """Exponential Runge-Kutta 2 (Cox & Matthews 2002): the reference
        diffusivity part exactly, the remainder by predictor and corrector."""
        diffusivity = self.parameters.electrolyte_diffusivity
        c_e = self._c_e
        d = diffusivity(c_e, temperature) * diffusivity_factor
        level = math.ceil(math.log(float(_largest(d))) / _DIFFUSIVITY_GRID)
        decay, gain, correction_gain, d_ref = self._electrolyte_propagator(dt, level)
        projection, modes = self.electrolyte.projection, self.electrolyte.modes
        first = projection @ self._excess_inflow(c_e, d, d_ref)
        first += self._source_modes * density
        z_e = self._z_e * decay
        z_e += gain * first
        c_pred = modes @ z_e
        d = diffusivity(c_pred, temperature) * diffusivity_factor
        second = projection @ self._excess_inflow(c_pred, d, d_ref)
        second += self._source_modes * density
        second -= first
        z_e += correction_gain * second
        c_new = modes @ z_e
        if _smallest(c_new) <= 0.0:
            raise StepRejected(
                f"step from t = {self.time:.6g} s to t = {self.time + dt:.6g} s would deplete "
                f"the electrolyte (concentration {c_new.min():.4g} mol/m3 at x = "
                f"{self.x_nodes[c_new.argmin()] * 1e6:.1f} um); current too high for this state")
        return z_e, c_new

    def _excess_inflow(self, c_e, d, d_ref):
        """Net inflow [mol/m2/s] per cell of the flux the reference diffusivity
        does not carry, (D_face - D_ref) T dc."""
        faces = self._face_flux
        np.subtract(c_e[1:], c_e[:-1], out=faces[1:-1])
        faces[1:-1] *= (0.5 * (d[1:] + d[:-1]) - d_ref) * self._transmissibilities
        return faces[1:] - faces[:-1]

    def _electrolyte_propagator(self, dt: float, level: int):
        key = (dt, level)
        entry = self._electrolyte_propagators.get(key)
        if entry is None:
            d_ref = math.exp(level * _DIFFUSIVITY_GRID)
            decay, gain = self.electrolyte.propagation(d_ref, dt)
            entry = (decay, gain, self.electrolyte.correction_gain(d_ref, dt), d_ref)
            if len(self._electrolyte_propagators) > _CACHE_LIMIT:
                self._electrolyte_propagators.clear()
            self._electrolyte_propagators[key] = entry
        return entry

    def _check_particle(self, side, particle, z, surface_drop, dt) -> None:
        profile = particle.diffusion.modes @ z
        surface = float(particle.outer_row @ z) - surface_drop
        low = min(float(_smallest(profile)), surface)
        high = max(float(_largest(profile)), surface)
        if low <= 0.0 or high >= particle.c_max:
            value = low if low <= 0.0 else high
            state = "over-charged" if (side == "negative") == (value > 0.0) else "over-discharged"
            raise StepRejected(
                f"step from t = {self.time:.6g} s to t = {self.time + dt:.6g} s would drive the "
                f"{side} particle stoichiometry to {value / particle.c_max:.6f}, outside [0, 1] "
                f"(cell {state}); step refused, state unchanged")

    # --- plating (see plating.py) ---------------------------------------------------
    def _plating_active(self, k: _StepCoefficients) -> bool:
        return k.plating is not None and (
            self._plated > 0.0 or self._plating_potential < self.parameters.plating_onset_potential)

    def _plating_step(self, dt, reaction, k):
        """Plated and dead lithium after ``dt`` at the potential of the reaction split
        (``reaction``: negative reaction current per particle area [A/m2])."""
        c_e = float(self._mean_n @ self._c_e)
        _, eta = split(reaction, self._negative_potential(k), self._plated, c_e, k.plating)
        if eta > self.parameters.plating_onset_potential and self._plated <= min(
                NEGLIGIBLE * equilibrium(eta, c_e, k.plating.f), REMAINDER * c_e):
            return PlatingStep(0.0, self._dead, self._plated / dt)  # the rest strips back at once
        gamma = self.parameters.dead_lithium_decay_constant
        if self._sei_thickness > 0.0:
            gamma *= self._sei_thickness_0 / self._sei_thickness
        return advance(self._plated, self._dead, eta, c_e, self._plating_area, gamma, dt, k.plating)

    def _negative_potential(self, k: _StepCoefficients):
        """eta(j_int) = U_n(surface) + eta_intercalation [V vs Li/Li+], x-averaged, of the
        present state, and its derivative [V m2/A], for an intercalation current j_int [A/m2]."""
        neg = self.negative
        outer = float(neg.outer_row @ self._z_n)
        inverse_sqrt_c = np.exp(-0.5 * np.log(self._c_e))
        mean_n, rt_f, shift = self._mean_n, k.rt_f, k.ocv_shift[0]
        gap = k.half_shell_n / FARADAY
        low, high = 1e-9 * neg.c_max, (1.0 - 1e-9) * neg.c_max

        def potential(j_int: float) -> tuple[float, float]:
            c_s = min(max(outer - j_int * gap, low), high)  # a refused step is the particle check's
            sto = c_s / neg.c_max
            scale = inverse_sqrt_c / (2.0 * k.j0_n * math.sqrt(c_s * (neg.c_max - c_s)))
            y = j_int * scale
            eta = 2.0 * rt_f * float(mean_n @ np.arcsinh(y))
            d_eta = 2.0 * rt_f * float(mean_n @ (scale / np.sqrt(1.0 + y * y)))
            h = 1e-6
            d_ocp = (neg.ocp(sto + h) - neg.ocp(sto - h)) / (2.0 * h)
            return neg.ocp(sto) + shift + eta, d_eta - d_ocp * gap / neg.c_max
        return potential

    # --- outputs ----------------------------------------------------------------
    def _evaluate(self, current: float, temperature: float, k: _StepCoefficients) -> BatteryOutputs:
        p = self.parameters
        neg, pos = self.negative, self.positive
        i_cell = current / p.n_parallel
        density = i_cell / self._area
        j_n = density * self._reaction_per_density[0]  # A/m2 of particle surface
        j_int = j_n  # of which intercalation
        flux_n = i_cell / (FARADAY * neg.surface_area)
        if self._plating_active(k):
            j_int = split(j_n, self._negative_potential(k), self._plated, float(self._mean_n @ self._c_e),
                          k.plating)[0]
            flux_n = j_int / FARADAY
        flux_p = -i_cell / (FARADAY * pos.surface_area)
        c_sn = float(neg.outer_row @ self._z_n) - flux_n * k.half_shell_n
        c_sp = float(pos.outer_row @ self._z_p) - flux_p * k.half_shell_p
        c_e = self._c_e
        log_c = np.log(c_e)
        inverse_sqrt_c = np.exp(-0.5 * log_c)
        rt_f = k.rt_f
        # symmetric Butler-Volmer inverted per electrolyte node, then x-averaged
        j_p = -density * self._reaction_per_density[1]
        x_n = j_int / (2.0 * k.j0_n * math.sqrt(c_sn * (neg.c_max - c_sn)))
        x_p = j_p / (2.0 * k.j0_p * math.sqrt(c_sp * (pos.c_max - c_sp)))
        eta_n = 2.0 * rt_f * float(self._mean_n @ np.arcsinh(x_n * inverse_sqrt_c))
        eta_p = 2.0 * rt_f * float(self._mean_p @ np.arcsinh(x_p * inverse_sqrt_c))
        log_n = float(self._mean_n @ log_c)
        eta_c = self._chi * rt_f * (float(self._mean_p @ log_c) - log_n)
        kappa = p.electrolyte_conductivity(float(self._mean_x @ c_e), temperature) * k.conductivity
        film = j_n * self._sei_thickness * p.sei_resistivity  # V, film drop on the negative
        u_n = neg.ocp(c_sn / neg.c_max) + k.ocv_shift[0]
        u_p = pos.ocp(c_sp / pos.c_max) + k.ocv_shift[1]
        ohmic_electrolyte = density * self._electrolyte_length / kappa * self._growth
        ohmic_solid = density * self._solid_resistance * self._growth + i_cell * p.contact_resistance
        voltage = u_p - u_n + eta_p - eta_n + eta_c - film - ohmic_electrolyte - ohmic_solid

        n_mean = float(neg.mean_row @ self._z_n) / neg.c_max
        p_mean = float(pos.mean_row @ self._z_p) / pos.c_max
        u_n_mean = neg.ocp(n_mean) + k.ocv_shift[0]
        u_p_mean = pos.ocp(p_mean) + k.ocv_shift[1]
        ocv = u_p_mean - u_n_mean
        heat = i_cell * (ocv - voltage) - i_cell * temperature * k.entropic
        if j_int is not j_n:  # stripped lithium gives up u_n per charge as heat, plating stores it
            heat += (j_n - j_int) * neg.surface_area * u_n_mean

        c_interface = (self._interface_weights[0] * c_e[self._n_n - 1]
                       + self._interface_weights[1] * c_e[self._n_n])
        delta_phi_n = u_n + eta_n + film
        plating = (delta_phi_n + density * neg.thickness
                   * (1.0 / (3.0 * kappa * self._efficiency[0]) - self._negative_solid_term)
                   + self._chi * rt_f * (log_n - math.log(c_interface)))
        self._losses = (ohmic_electrolyte, ohmic_solid, film, eta_n, -eta_p,
                        u_n - u_n_mean, u_p_mean - u_p, -eta_c)
        self._plating_potential = u_n + eta_n
        to_ah = self._negative_volume * FARADAY / 3600.0 * p.n_parallel
        loss = (self._sei_thickness - self._sei_thickness_0) * self._sei_area_to_ah * p.n_parallel
        cells = p.n_series * p.n_parallel
        return BatteryOutputs(voltage * p.n_series, self.window.soc(n_mean), heat * cells,
                              ocv * p.n_series, plating, loss + self._dead * to_ah, self._plated * to_ah)

    def overpotentials(self) -> Overpotentials:
        """The pack's overpotentials by process at the last ``step`` or
        ``evaluate`` (its state and inputs); they sum to ocv - voltage."""
        n_series = self.parameters.n_series
        return Overpotentials(*(float(n_series * loss) for loss in self._losses))

    # --- cached coefficients ----------------------------------------------------------
    def _coefficients_for(self, dt: float, temperature: float) -> _StepCoefficients:
        key = (dt, temperature)
        k = self._coefficients.get(key)
        if k is None:
            k = self._make_coefficients(dt, temperature)
            if len(self._coefficients) > _CACHE_LIMIT:
                self._coefficients.clear()
            self._coefficients[key] = k
        return k

    def _make_coefficients(self, dt: float, temperature: float) -> _StepCoefficients:
        p = self.parameters
        t_ref = p.reference_temperature
        k = _StepCoefficients()
        for tag, particle in (("n", self.negative), ("p", self.positive)):
            d = particle.diffusivity * arrhenius(particle.activation, temperature, t_ref)
            decay, gain = particle.diffusion.propagation(d, dt)
            setattr(k, f"decay_{tag}", decay)
            setattr(k, f"gain_{tag}", gain * particle.inflow)
            # surface value from the last shell and the imposed flux: c_R = c_N - u gap / D
            setattr(k, f"half_shell_{tag}", particle.surface_gap / d)
            setattr(k, f"j0_{tag}", particle.rate / self._growth
                    * arrhenius(particle.rate_activation, temperature, t_ref))
        k.electrolyte_diffusivity = arrhenius(p.electrolyte_diffusivity_activation_energy,
                                              temperature, t_ref)
        k.conductivity = arrhenius(p.electrolyte_conductivity_activation_energy,
                                   temperature, t_ref)
        k.rt_f = GAS_CONSTANT * temperature / FARADAY
        k.sei_growth = 2.0 * sei_growth_rate(p, temperature) * dt  # m2 added to L^2
        k.entropic = p.positive_entropic_coefficient - p.negative_entropic_coefficient
        k.ocv_shift = ((temperature - t_ref) * p.negative_entropic_coefficient,
                       (temperature - t_ref) * p.positive_entropic_coefficient)
        k.plating = (PlatingRates(FARADAY * p.plating_rate_constant, p.plating_transfer_coefficient,
                                  1.0 / k.rt_f) if p.plating_enabled else None)
        return k

    def _check_inputs(self, current: float, temperature: float) -> None:
        if not math.isfinite(current):
            raise ValueError(f"current must be finite, got {current!r} A")
        p = self.parameters
        if not (p.minimum_temperature <= temperature <= p.maximum_temperature):
            raise ValueError(
                f"temperature {temperature!r} K is outside the validity range "
                f"[{p.minimum_temperature}, {p.maximum_temperature}] K")

    # --- state ----------------------------------------------------------------------
    def get_state(self) -> dict:
        """Everything that evolves (copies): modal coordinates of the particle and
        electrolyte concentrations, SEI thickness, plated and dead lithium [mol/m3],
        the plating potential of the last evaluation (None before any), time and the
        last inputs."""
        return {
            "time": self.time,
            "negative_particle_modes": self._z_n.copy(),
            "positive_particle_modes": self._z_p.copy(),
            "electrolyte_modes": self._z_e.copy(),
            "sei_thickness": self._sei_thickness,
            "plated_lithium": self._plated,
            "dead_lithium": self._dead,
            "plating_potential": _known(self._plating_potential),
            "current": self._current,
            "temperature": self._temperature,
        }

    def set_state(self, state: dict) -> None:
        """Restore a state from ``get_state`` exactly (outputs included)."""
        sizes = {"negative_particle_modes": self._z_n.size,
                 "positive_particle_modes": self._z_p.size,
                 "electrolyte_modes": self._z_e.size}
        arrays = {}
        for name, size in sizes.items():
            value = np.array(state[name], dtype=float)
            if value.shape != (size,) or not np.all(np.isfinite(value)):
                raise ValueError(f"state {name} must be {size} finite numbers, got {value!r}")
            arrays[name] = value
        self._z_n = arrays["negative_particle_modes"]
        self._z_p = arrays["positive_particle_modes"]
        self._z_e = arrays["electrolyte_modes"]
        self._c_e = self.electrolyte.modes @ self._z_e
        self.time = float(state["time"])
        self._sei_thickness = float(state["sei_thickness"])
        self._plated = _amount(state, "plated_lithium")
        self._dead = _amount(state, "dead_lithium")
        potential = state.get("plating_potential")
        self._plating_potential = math.inf if potential is None else float(potential)
        self._current = float(state["current"])
        self._temperature = float(state["temperature"])
        self.outputs = self.evaluate(self._current, self._temperature)

    # --- constants for reduced models of this cell (the twin's) ----------------------------
    def discretisation(self) -> dict:
        """The constants a reduced model needs to share this model's equations:
        per-area resistances [Ohm m2], reaction current density per current
        density [1] of each electrode, the electrolyte source per current density
        in modal coordinates, the electrode-averaging rows and the factor chi of
        the concentration overpotential (chi R T / F * ln(c_p / c_n))."""
        return {"solid_resistance": self._solid_resistance,
                "electrolyte_length": self._electrolyte_length,  # over kappa: Ohm m2
                "reaction_per_density": self._reaction_per_density,
                "electrolyte_source_modes": self._source_modes,
                "negative_mean_row": self._mean_n, "positive_mean_row": self._mean_p,
                "chi": self._chi}

    # --- internal quantities for users and tests ------------------------------------------
    def internals(self) -> dict:
        """Per-cell internal quantities of the present state (not for the hot loop)."""
        neg, pos = self.negative, self.positive
        c_n = neg.diffusion.modes @ self._z_n
        c_p = pos.diffusion.modes @ self._z_p
        electrolyte_li = float(self.electrolyte.volumes @ self._c_e) * self._area
        plated_li = (self._plated + self._dead) * self._negative_volume
        return {
            "negative_concentration": c_n,  # mol/m3 per shell, centre first
            "positive_concentration": c_p,
            "negative_mean_stoichiometry": float(neg.mean_row @ self._z_n) / neg.c_max,
            "positive_mean_stoichiometry": float(pos.mean_row @ self._z_p) / pos.c_max,
            "electrolyte_concentration": self._c_e.copy(),  # mol/m3 at x_nodes
            "sei_thickness": self._sei_thickness,  # m
            "plated_lithium": self._plated * self._negative_volume,  # mol, reversible
            "dead_lithium": self._dead * self._negative_volume,  # mol
            "lithium_inventory": (float(neg.diffusion.volumes @ c_n)
                                  / neg.diffusion.volumes.sum() * neg.solid_volume
                                  + float(pos.diffusion.volumes @ c_p)
                                  / pos.diffusion.volumes.sum() * pos.solid_volume
                                  + electrolyte_li + plated_li),  # mol, particles + electrolyte + plated
        }

    def stored_energy_change(self, negative_from: float, positive_from: float,
                             negative_to: float, positive_to: float) -> float:
        """Change [J, per cell] of the energy stored in the particles between two
        pairs of mean stoichiometries: -F sum(c_max V_s int U dsto)."""
        neg, pos = self.negative, self.positive
        w_n = quad(neg.ocp, negative_from, negative_to, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
        w_p = quad(pos.ocp, positive_from, positive_to, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
        return -FARADAY * (neg.c_max * neg.solid_volume * w_n + pos.c_max * pos.solid_volume * w_p)


def _known(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _amount(state: dict, name: str) -> float:
    """A plated or dead lithium amount of a saved state [mol/m3]; 0 in states saved without it."""
    value = float(state.get(name, 0.0))
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"state {name} must be a finite amount >= 0, got {value!r}")
    return value
