"""The SPMe of ``spme`` as CasADi expression graphs (a :class:`SteppedForm`).

Same physics, same numerics and the same constants as :class:`SPMeBattery`:
the discretisation (finite volumes, their eigenbases, the stoichiometry window)
is taken from an ``SPMeBattery`` built from the same parameter record, and the
material functions are the very ones of ``chen2020``. A step is the exact
modal step of the particles and the exponential Runge-Kutta 2 step of the
electrolyte, reference diffusivity on the same grid as the numpy model, so the
two agree to round-off (``tests/models/test_casadi_forms.py``).

Layout (``spme_form(parameters)``):
  x  = [negative particle modes (N_r), positive particle modes (N_r),
        electrolyte modes (N_e), SEI thickness [m]], as ``SPMeBattery.get_state``;
  u  = [current [A] (pack, > 0 discharges), temperature [K]];
  p  = [initial_soc, n_series, n_parallel, sei_enabled (0 or 1)]: what may
       change without changing the discretisation; the microstructure is fixed
       by the record the form is built from;
  y  = OUTPUTS (pack values, the BatteryCell FMU's names);
  checks = CHECKS: particle stoichiometries (surface included) must stay in
       (0, 1) and the electrolyte concentration above 0.

Not here: the plating reaction of ``plating`` (a switched reaction with a
root per step, for the plant only). The form is the SPMe with
``plating_enabled = False``: ``plated_lithium`` is 0 and ``capacity_loss`` is
the SEI's. Its users keep plating away instead of modelling it: the MPC holds
the plating overpotential above 0, where the plant's reaction stays off, and
the native BatteryCell is built with ``plating_enabled`` fixed to False.

Limits: the reference diffusivity is rounded up to a 1 % grid (``ceil``), so
the step is piecewise smooth in the electrolyte state; its derivatives ignore
the jumps (they are below 1e-7 of the step's change). ``derivatives`` is the
semi-discrete right-hand side, smooth everywhere.
"""
from __future__ import annotations

import casadi as ca
import numpy as np

from ..stepped_form import SteppedForm, make_form
from .chen2020 import FARADAY, GAS_CONSTANT
from .diffusion import arrhenius
from .parameters import BatteryParameters
from .spme import _DIFFUSIVITY_GRID, Overpotentials, SPMeBattery

INPUTS = ("current", "temperature")
PARAMETERS = ("initial_soc", "n_series", "n_parallel", "sei_enabled")
OUTPUTS = ("voltage", "power", "heat_generation", "ocv", "plating_overpotential", "soc",
           "capacity_loss", "plated_lithium", "negative_stoichiometry", "positive_stoichiometry",
           "electrolyte_concentration_min", "electrolyte_concentration_max", "sei_thickness",
           *(f"{name}_overpotential" for name in Overpotentials._fields))  # pack, sum to ocv - voltage
CHECKS = ("negative_stoichiometry_low", "negative_stoichiometry_high",
          "positive_stoichiometry_low", "positive_stoichiometry_high",
          "electrolyte_concentration_min")
CHECK_BOUNDS = ((0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, np.inf))


def spme_form(parameters: BatteryParameters | None = None) -> SteppedForm:
    """The CasADi form of ``SPMeBattery(parameters)``; see the module docstring."""
    return _Builder(SPMeBattery(parameters)).form()


class _Builder:
    """Writes the equations of one ``SPMeBattery`` as expressions."""

    def __init__(self, model: SPMeBattery):
        self.m = model
        self.p = model.parameters
        n_r = self.p.particle_shells
        n_e = model.x_nodes.size
        self.x = ca.SX.sym("x", 2 * n_r + n_e + 1)
        self.u = ca.SX.sym("u", len(INPUTS))
        self.q = ca.SX.sym("p", len(PARAMETERS))
        self.dt = ca.SX.sym("dt")
        self.z_n, self.z_p = self.x[:n_r], self.x[n_r:2 * n_r]
        self.z_e, self.sei = self.x[2 * n_r:2 * n_r + n_e], self.x[-1]
        self.current, self.temperature = self.u[0], self.u[1]
        self.initial_soc, self.n_series, self.n_parallel, self.sei_on = (self.q[i] for i in range(4))

    def form(self) -> SteppedForm:
        x_next, checks = self._step()
        return make_form(
            "battery_cell", self.x, self.u, self.q, self.dt, x0=self._initial_state(),
            x_next=x_next, y=self._outputs(self.x),
            checks=checks, check_bounds=CHECK_BOUNDS, rhs=self._derivatives(),
            inputs=INPUTS, parameters=PARAMETERS, outputs=OUTPUTS, check_names=CHECKS)

    # --- state at start -----------------------------------------------------
    def _initial_state(self):
        m, p = self.m, self.p
        neg, pos = m.negative, m.positive
        z_n = _dm(neg.uniform(1.0)) * m.window.negative(self.initial_soc)
        z_p = _dm(pos.uniform(1.0)) * m.window.positive(self.initial_soc)
        z_e = _dm(m.electrolyte.to_modal(np.full(m.x_nodes.size, p.electrolyte_concentration)))
        return ca.vertcat(z_n, z_p, z_e, p.sei_initial_thickness * self.sei_on)

    # --- shared pieces --------------------------------------------------------
    def _cell_current(self):
        return self.current / self.n_parallel

    def _particle_diffusivity(self, particle):
        return particle.diffusivity * arrhenius(particle.activation, self.temperature,
                                                self.p.reference_temperature)

    def _sei_rate(self):
        """d(L^2)/dt / 2 [m2/s], zero when SEI is off."""
        p = self.p
        return (p.sei_partial_molar_volume * p.sei_solvent_diffusivity * p.sei_solvent_concentration
                / p.sei_lithium_per_mole
                * arrhenius(p.sei_activation_energy, self.temperature, p.reference_temperature)
                * self.sei_on)

    def _electrolyte_diffusivity(self, c_e):
        p = self.p
        factor = arrhenius(p.electrolyte_diffusivity_activation_energy, self.temperature,
                           p.reference_temperature)
        return p.electrolyte_diffusivity(c_e, self.temperature) * factor

    def _inflow(self, c_e, d, d_ref):
        """Net inflow per cell of the flux (D_face - d_ref) T dc, walls closed."""
        faces = ((c_e[1:] - c_e[:-1]) * (0.5 * (d[1:] + d[:-1]) - d_ref)
                 * _dm(self.m._transmissibilities))
        faces = ca.vertcat(0.0, faces, 0.0)
        return faces[1:] - faces[:-1]

    # --- the step ---------------------------------------------------------------
    def _step(self):
        m, p, dt = self.m, self.p, self.dt
        i_cell = self._cell_current()
        sei_next = ca.sqrt(self.sei**2 + 2.0 * self._sei_rate() * dt)
        sei_flux = (sei_next - self.sei) * p.sei_lithium_per_mole / (p.sei_partial_molar_volume * dt)
        flux_n = i_cell / (FARADAY * m.negative.surface_area) + sei_flux
        flux_p = -i_cell / (FARADAY * m.positive.surface_area)
        z_n, low_n, high_n = self._particle_step(m.negative, self.z_n, flux_n)
        z_p, low_p, high_p = self._particle_step(m.positive, self.z_p, flux_p)
        z_e = self._electrolyte_step(i_cell / m._area)
        c_min = ca.mmin(_dm(m.electrolyte.modes) @ z_e)
        return ca.vertcat(z_n, z_p, z_e, sei_next), ca.vertcat(low_n, high_n, low_p, high_p, c_min)

    def _particle_step(self, particle, z, flux):
        """Exact step of linear diffusion with the surface flux held; the lowest
        and highest stoichiometry of the new profile and surface."""
        d = self._particle_diffusivity(particle)
        rates = _dm(particle.diffusion.rates[1:])
        decay = ca.exp(-d * self.dt * rates)
        gain = ca.vertcat(self.dt, (1.0 - decay) / (rates * d)) * _dm(particle.inflow)
        z_next = z * ca.vertcat(1.0, decay) + gain * flux
        profile = _dm(particle.diffusion.modes) @ z_next
        surface = ca.dot(_dm(particle.outer_row), z_next) - flux * particle.surface_gap / d
        values = ca.vertcat(profile, surface) / particle.c_max
        return z_next, ca.mmin(values), ca.mmax(values)

    def _electrolyte_step(self, density):
        """Exponential Runge-Kutta 2 around the reference diffusivity, as
        ``SPMeBattery._electrolyte_step``."""
        m, dt = self.m, self.dt
        modes, projection = _dm(m.electrolyte.modes), _dm(m.electrolyte.projection)
        rates = _dm(m.electrolyte.rates[1:])
        source = _dm(m._source_modes) * density
        c_e = modes @ self.z_e
        d = self._electrolyte_diffusivity(c_e)
        d_ref = ca.exp(ca.ceil(ca.log(ca.mmax(d)) / _DIFFUSIVITY_GRID) * _DIFFUSIVITY_GRID)
        a = d_ref * rates
        decay = ca.vertcat(1.0, ca.exp(-a * dt))
        gain = ca.vertcat(dt, (1.0 - decay[1:]) / a)
        correction = ca.vertcat(0.5 * dt, (ca.expm1(-a * dt) + a * dt) / (a * a * dt))
        first = projection @ self._inflow(c_e, d, d_ref) + source
        z_e = self.z_e * decay + gain * first
        c_pred = modes @ z_e
        second = projection @ self._inflow(c_pred, self._electrolyte_diffusivity(c_pred), d_ref)
        return z_e + correction * (second + source - first)

    # --- continuous-time right-hand side -------------------------------------
    def _derivatives(self):
        m, p = self.m, self.p
        i_cell = self._cell_current()
        sei_growth = self._sei_rate() / self.sei  # dL/dt, L dL/dt = rate
        sei_flux = sei_growth * p.sei_lithium_per_mole / p.sei_partial_molar_volume
        flux_n = i_cell / (FARADAY * m.negative.surface_area) + sei_flux
        flux_p = -i_cell / (FARADAY * m.positive.surface_area)
        dz_n = self._particle_rhs(m.negative, self.z_n, flux_n)
        dz_p = self._particle_rhs(m.positive, self.z_p, flux_p)
        c_e = _dm(m.electrolyte.modes) @ self.z_e
        dz_e = (_dm(m.electrolyte.projection) @ self._inflow(c_e, self._electrolyte_diffusivity(c_e), 0.0)
                + _dm(m._source_modes) * (i_cell / m._area))
        return ca.vertcat(dz_n, dz_p, dz_e, sei_growth)

    def _particle_rhs(self, particle, z, flux):
        d = self._particle_diffusivity(particle)
        return -d * _dm(particle.diffusion.rates) * z + _dm(particle.inflow) * flux

    # --- outputs ------------------------------------------------------------------
    def _outputs(self, x):
        """OUTPUTS of state ``x`` with the present inputs, as ``SPMeBattery._evaluate``."""
        m, p = self.m, self.p
        neg, pos = m.negative, m.positive
        n_r, temperature = p.particle_shells, self.temperature
        z_n, z_p, z_e, sei = x[:n_r], x[n_r:2 * n_r], x[2 * n_r:-1], x[-1]
        i_cell = self._cell_current()
        density = i_cell / m._area
        flux_n = i_cell / (FARADAY * neg.surface_area)
        flux_p = -i_cell / (FARADAY * pos.surface_area)
        c_sn = ca.dot(_dm(neg.outer_row), z_n) - flux_n * neg.surface_gap / self._particle_diffusivity(neg)
        c_sp = ca.dot(_dm(pos.outer_row), z_p) - flux_p * pos.surface_gap / self._particle_diffusivity(pos)
        c_e = _dm(m.electrolyte.modes) @ z_e
        log_c = ca.log(c_e)
        inverse_sqrt_c = ca.exp(-0.5 * log_c)
        rt_f = GAS_CONSTANT * temperature / FARADAY
        t_ref = p.reference_temperature
        j0_n = neg.rate * arrhenius(neg.rate_activation, temperature, t_ref)
        j0_p = pos.rate * arrhenius(pos.rate_activation, temperature, t_ref)
        j_n = density * m._reaction_per_density[0]
        j_p = -density * m._reaction_per_density[1]
        x_n = j_n / (2.0 * j0_n * ca.sqrt(c_sn * (neg.c_max - c_sn)))
        x_p = j_p / (2.0 * j0_p * ca.sqrt(c_sp * (pos.c_max - c_sp)))
        mean_n, mean_p = _dm(m._mean_n), _dm(m._mean_p)
        eta_n = 2.0 * rt_f * ca.dot(mean_n, ca.asinh(x_n * inverse_sqrt_c))
        eta_p = 2.0 * rt_f * ca.dot(mean_p, ca.asinh(x_p * inverse_sqrt_c))
        log_n = ca.dot(mean_n, log_c)
        eta_c = m._chi * rt_f * (ca.dot(mean_p, log_c) - log_n)
        conductivity = arrhenius(p.electrolyte_conductivity_activation_energy, temperature, t_ref)
        kappa = p.electrolyte_conductivity(ca.dot(_dm(m._mean_x), c_e), temperature) * conductivity
        film = j_n * sei * p.sei_resistivity
        shift_n = (temperature - t_ref) * p.negative_entropic_coefficient
        shift_p = (temperature - t_ref) * p.positive_entropic_coefficient
        u_n = neg.ocp(c_sn / neg.c_max) + shift_n
        u_p = pos.ocp(c_sp / pos.c_max) + shift_p
        ohmic_electrolyte = density * m._electrolyte_length / kappa
        ohmic_solid = density * m._solid_resistance + i_cell * p.contact_resistance
        voltage = u_p - u_n + eta_p - eta_n + eta_c - film - ohmic_electrolyte - ohmic_solid
        n_mean = ca.dot(_dm(neg.mean_row), z_n) / neg.c_max
        p_mean = ca.dot(_dm(pos.mean_row), z_p) / pos.c_max
        u_n_mean, u_p_mean = neg.ocp(n_mean) + shift_n, pos.ocp(p_mean) + shift_p
        ocv = u_p_mean - u_n_mean
        entropic = p.positive_entropic_coefficient - p.negative_entropic_coefficient
        heat = i_cell * (ocv - voltage) - i_cell * temperature * entropic
        c_interface = (m._interface_weights[0] * c_e[m._n_n - 1]
                       + m._interface_weights[1] * c_e[m._n_n])
        plating = (u_n + eta_n + film + density * neg.thickness
                   * (1.0 / (3.0 * kappa * m._efficiency[0]) - m._negative_solid_term)
                   + m._chi * rt_f * (log_n - ca.log(c_interface)))
        sei_0 = p.sei_initial_thickness * self.sei_on
        loss = (sei - sei_0) * m._sei_area_to_ah * self.n_parallel
        pack_voltage = voltage * self.n_series
        losses = (ohmic_electrolyte, ohmic_solid, film, eta_n, -eta_p, u_n - u_n_mean, u_p_mean - u_p, -eta_c)
        return ca.vertcat(pack_voltage, pack_voltage * self.current,
                          heat * self.n_series * self.n_parallel, ocv * self.n_series, plating,
                          m.window.soc(n_mean), loss, 0.0, n_mean, p_mean, ca.mmin(c_e), ca.mmax(c_e), sei,
                          *(loss_ * self.n_series for loss_ in losses))


def _dm(values) -> ca.DM:
    return ca.DM(np.asarray(values, dtype=float))
