"""The charge controller's prediction model: a reduced SPMe of one cell with
its two-state thermal model, written once as CasADi functions.

The equations are those of the plant (``models/battery/spme.py``, after
Marquis et al., J. Electrochem. Soc. 166 (2019) A3693, and
``models/thermal.py``, after Lin et al. 2014) on coarser grids and with the
nonlinear transport frozen, so that a control step is a handful of small
matrix products and the output map is a short closed form:

  * particles: Fickian diffusion on ``particle_shells`` finite volumes, advanced
    exactly in the eigenbasis for a current held over the step;
  * electrolyte: diffusion across ``electrolyte_cells`` volumes; the
    diffusivity D_e(c) (Nyman 2008) varies 2x over the 400-1500 mol/m3 a fast
    charge spans, so the part above a reference diffusivity is integrated
    exactly and the rest by exponential Euler (``electrolyte_substeps``); the
    conductivity is frozen at the initial concentration (the plant uses the
    mean concentration, which moves by < 1 %);
  * outputs: Butler-Volmer overpotentials per electrolyte node, the
    concentration overpotential and the ohmic drops as in the plant; the
    plating overpotential phi_s - phi_e at the negative electrode/separator
    interface; heat i (OCV - V);
  * thermal: core and surface temperature, integrated exactly for heat held
    over the step (closed-form 2 x 2 matrix exponential).

Left out: SEI growth (the film is held at its initial thickness; it grows by
< 0.1 % over one charge with the default SEI parameters) and entropic heat
(zero for Chen 2020).

Uncertain parameters ``theta`` (the tube's set, :mod:`.uncertainty`):
factor on the negative particle diffusivity, factor on the negative reaction
rate, an extra series (contact) resistance [Ohm] and a factor on the
surface-to-ambient thermal resistance.

Why a graph of its own rather than a full-order CasADi form of the SPMe: the
controller needs the uncertain parameters as symbols (one graph serves the
nominal cell and every corner of the tube), a coarse grid (a solve within
budget) and a smooth step (the exponential Euler above has no rounded
reference diffusivity), so that the solver sees exact, continuous derivatives. The
fit functions (OCPs, electrolyte properties, written once for numbers and
CasADi expressions), the grids (``diffusion.sphere``/``layers``) and the
stoichiometry window are the battery package's own, not copies.

State vector ``x``: negative particle modes, positive particle modes,
electrolyte modes, core temperature [K], surface temperature [K]. Current
``i`` [A] per cell, > 0 discharges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import casadi as ca
import numpy as np

from ..battery import BatteryParameters, stoichiometry_window
from ..battery.chen2020 import FARADAY, GAS_CONSTANT
from ..battery.diffusion import ModalDiffusion, layers, sphere
from ..thermal import ThermalParameters

THETA_NAMES = ("negative_diffusivity_factor", "negative_rate_factor", "contact_resistance",
               "heat_transfer_resistance_factor")
NOMINAL_THETA = (1.0, 1.0, 0.0, 1.0)
OUTPUTS = ("plating_overpotential", "voltage", "core_temperature", "soc", "heat_generation")


@dataclass(frozen=True)
class ReducedCellConfig:
    battery: BatteryParameters = field(default_factory=BatteryParameters)
    thermal: ThermalParameters = field(default_factory=ThermalParameters)
    particle_shells: int = 6  # finite volumes per particle (the plant has 20)
    electrolyte_cells: tuple[int, int, int] = (3, 2, 3)  # negative, separator, positive (plant: 10, 5, 10)
    electrolyte_substeps: int = 4  # exponential Euler substeps of the electrolyte per step


class _Particle:
    """Constants of one electrode's particle on the reduced grid."""

    def __init__(self, p: BatteryParameters, side: str, shells: int):
        self.radius = getattr(p, f"{side}_particle_radius")
        self.c_max = getattr(p, f"{side}_max_concentration")
        self.diffusivity = getattr(p, f"{side}_particle_diffusivity")
        volumes, transmissibilities, self.surface_gap = sphere(self.radius, shells)
        self.diffusion = ModalDiffusion(volumes, transmissibilities)
        self.inflow = self.diffusion.projection[:, -1] * -(self.radius**2)
        self.outer_row = self.diffusion.modes[-1]
        self.mean_row = volumes @ self.diffusion.modes / volumes.sum()
        # the zero mode per unit uniform concentration: z[0] = c * mean_scale
        self.mean_scale = float(self.diffusion.to_modal(np.ones(volumes.size))[0])
        self.surface_area = p.specific_surface_area(side) * getattr(p, f"{side}_electrode_thickness") \
            * p.electrode_area
        self.rate = getattr(p, f"{side}_reaction_rate")
        self.rate_activation = getattr(p, f"{side}_reaction_activation_energy")


class ReducedCell:
    """CasADi functions of the reduced model.

    ``step(x, i, dt, ambient, theta) -> x_next`` advances by ``dt`` [s] with
    ``i`` held; ``outputs(x, i, theta)`` gives ``OUTPUTS`` (plating
    overpotential [V], voltage [V], core temperature [K], soc [1], heat [W]).
    """

    def __init__(self, config: ReducedCellConfig | None = None):
        self.config = c = config or ReducedCellConfig()
        p = c.battery
        self.window = stoichiometry_window(p)
        self.negative = _Particle(p, "negative", c.particle_shells)
        self.positive = _Particle(p, "positive", c.particle_shells)
        self._build_electrolyte(p, c.electrolyte_cells)
        n_s, n_e = c.particle_shells, self._electrolyte.volumes.size
        self.slices = {"negative": slice(0, n_s), "positive": slice(n_s, 2 * n_s),
                       "electrolyte": slice(2 * n_s, 2 * n_s + n_e)}
        self.size = 2 * n_s + n_e + 2
        self.capacity_ah = (self.window.x_100 - self.window.x_0) * p.capacity("negative")
        self.step, self.outputs = self._functions()

    # --- constants -----------------------------------------------------------------
    def _build_electrolyte(self, p: BatteryParameters, cells) -> None:
        thickness = (p.negative_electrode_thickness, p.separator_thickness, p.positive_electrode_thickness)
        porosity = (p.negative_electrode_porosity, p.separator_porosity, p.positive_electrode_porosity)
        regions = ("negative_electrode", "separator", "positive_electrode")
        self._efficiency = tuple(p.transport_efficiency(r) for r in regions)
        volumes, transmissibilities, _, widths = layers(thickness, cells, porosity, self._efficiency)
        self._electrolyte = ModalDiffusion(volumes, transmissibilities)
        n_n, n_s, n_p = cells
        source = np.zeros(volumes.size)
        source[:n_n] = widths[:n_n] / thickness[0]
        source[n_n + n_s:] = -widths[n_n + n_s:] / thickness[2]
        source *= (1.0 - p.cation_transference_number) / FARADAY
        self._source_modes = self._electrolyte.projection @ source
        self._mean_n = np.r_[np.full(n_n, 1.0 / n_n), np.zeros(n_s + n_p)]
        self._mean_p = np.r_[np.zeros(n_n + n_s), np.full(n_p, 1.0 / n_p)]
        g_left = self._efficiency[0] / (0.5 * widths[n_n - 1])
        g_right = self._efficiency[1] / (0.5 * widths[n_n])
        self._interface = (n_n, g_left / (g_left + g_right), g_right / (g_left + g_right))
        c0 = p.electrolyte_concentration
        self._transmissibilities = transmissibilities
        # D_e is largest where c is lowest; above D_e(300 mol/m3) the exponential
        # Euler remainder is damping, which keeps it stable for any step
        self._reference_diffusivity = float(p.electrolyte_diffusivity(300.0, p.reference_temperature))
        kappa = float(p.electrolyte_conductivity(c0, p.reference_temperature))
        b_n, b_s, b_p = self._efficiency
        electrolyte_length = (thickness[0] / (3.0 * b_n) + thickness[1] / b_s + thickness[2] / (3.0 * b_p))
        solid = (thickness[0] / (3.0 * p.solid_conductivity("negative"))
                 + thickness[2] / (3.0 * p.solid_conductivity("positive")))
        self._ohmic_area_resistance = electrolyte_length / kappa + solid  # Ohm m2
        self._plating_ohmic = thickness[0] * (1.0 / (3.0 * kappa * b_n)
                                              - 1.0 / (6.0 * p.solid_conductivity("negative")))
        self._reaction_per_density = (1.0 / (p.specific_surface_area("negative") * thickness[0]),
                                      1.0 / (p.specific_surface_area("positive") * thickness[2]))
        self._chi = 2.0 * (1.0 - p.cation_transference_number) * p.thermodynamic_factor
        self._film_resistance = p.sei_initial_thickness * p.sei_resistivity if p.sei_enabled else 0.0  # Ohm m2

    # --- numeric helpers -------------------------------------------------------------
    def initial_state(self, soc: float, temperature: float) -> np.ndarray:
        """Rested cell: uniform concentrations at ``soc``, both temperatures equal."""
        x = np.zeros(self.size)
        c0 = self.config.battery.electrolyte_concentration
        x[self.slices["electrolyte"]] = self._electrolyte.to_modal(
            np.full(self._electrolyte.volumes.size, c0))
        x[-2:] = temperature
        return self.with_soc(x, soc)

    def with_soc(self, x: np.ndarray, soc: float) -> np.ndarray:
        """``x`` with both particles' mean stoichiometries moved to ``soc`` and
        their profiles kept (a uniform shift is the zero mode alone)."""
        x = np.array(x, dtype=float)
        for side, sto in (("negative", self.window.negative(soc)), ("positive", self.window.positive(soc))):
            particle = getattr(self, side)
            x[self.slices[side].start] = sto * particle.c_max * particle.mean_scale
        return x

    def with_core_temperature(self, x: np.ndarray, core_temperature: float) -> np.ndarray:
        """``x`` with the core temperature set and the surface moved by as much."""
        x = np.array(x, dtype=float)
        x[-1] += core_temperature - x[-2]
        x[-2] = core_temperature
        return x

    # --- the CasADi graph --------------------------------------------------------------
    def _functions(self):
        x = ca.SX.sym("x", self.size)
        i = ca.SX.sym("i")
        dt = ca.SX.sym("dt")
        ambient = ca.SX.sym("ambient")
        theta = ca.SX.sym("theta", len(THETA_NAMES))
        out = self._output_expressions(x, i, theta)
        x_next = self._step_expression(x, i, dt, ambient, theta, out[4])
        step = ca.Function("reduced_cell_step", [x, i, dt, ambient, theta], [x_next],
                           ["x", "i", "dt", "ambient", "theta"], ["x_next"])
        outputs = ca.Function("reduced_cell_outputs", [x, i, theta], [ca.vertcat(*out)],
                              ["x", "i", "theta"], ["y"])
        return step, outputs

    def _step_expression(self, x, i, dt, ambient, theta, heat):
        p = self.config.battery
        neg, pos = self.negative, self.positive
        flux_n = i / (FARADAY * neg.surface_area)
        flux_p = -i / (FARADAY * pos.surface_area)
        z_n = _propagate(neg.diffusion, neg.diffusivity * theta[0], dt,
                         x[self.slices["negative"]], neg.inflow * flux_n)
        z_p = _propagate(pos.diffusion, pos.diffusivity, dt, x[self.slices["positive"]], pos.inflow * flux_p)
        z_e = self._electrolyte_step(x[self.slices["electrolyte"]], i / p.electrode_area, dt)
        temperatures = self._thermal_step(x[-2:], heat, ambient, dt, theta[3])
        return ca.vertcat(z_n, z_p, z_e, temperatures)

    def _electrolyte_step(self, z, density, dt):
        """Exponential Euler: D_ref exactly, (D_e(c) - D_ref) and the reaction
        source held over each substep."""
        p = self.config.battery
        e = self._electrolyte
        h = dt / self.config.electrolyte_substeps
        for _ in range(self.config.electrolyte_substeps):
            c = ca.mtimes(e.modes, z)
            d = p.electrolyte_diffusivity(c, p.reference_temperature)
            faces = (0.5 * (d[1:] + d[:-1]) - self._reference_diffusivity) * self._transmissibilities \
                * (c[1:] - c[:-1])
            inflow = ca.vertcat(faces, 0.0) - ca.vertcat(0.0, faces)
            source = ca.mtimes(e.projection, inflow) + self._source_modes * density
            z = _propagate(e, self._reference_diffusivity, h, z, source)
        return z

    def _thermal_step(self, t, heat, ambient, dt, resistance_factor):
        """Exact step of C dT/dt = A T + b with heat and ambient held
        (Lin et al. 2014), via the closed-form 2 x 2 matrix exponential."""
        q = self.config.thermal
        r_u = q.surface_to_ambient_resistance * resistance_factor
        a = ca.vertcat(ca.horzcat(-1.0 / (q.core_heat_capacity * q.core_to_surface_resistance),
                                  1.0 / (q.core_heat_capacity * q.core_to_surface_resistance)),
                       ca.horzcat(1.0 / (q.surface_heat_capacity * q.core_to_surface_resistance),
                                  -1.0 / (q.surface_heat_capacity * q.core_to_surface_resistance)
                                  - 1.0 / (q.surface_heat_capacity * r_u)))
        b = ca.vertcat(heat / q.core_heat_capacity, ambient / (q.surface_heat_capacity * r_u))
        trace, det = a[0, 0] + a[1, 1], a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
        root = ca.sqrt(trace * trace / 4.0 - det)  # real: an RC network has real eigenvalues
        l1, l2 = trace / 2.0 + root, trace / 2.0 - root
        e1, e2 = ca.exp(l1 * dt), ca.exp(l2 * dt)
        propagator = ((l1 * e2 - l2 * e1) / (l1 - l2)) * ca.SX.eye(2) + ((e1 - e2) / (l1 - l2)) * a
        steady = -ca.solve(a, b)  # the temperatures the held inputs settle to
        return steady + ca.mtimes(propagator, t - steady)

    def _output_expressions(self, x, i, theta):
        p = self.config.battery
        neg, pos = self.negative, self.positive
        temperature = x[-2]
        rt_f = GAS_CONSTANT * temperature / FARADAY
        density = i / p.electrode_area
        z_n, z_p = x[self.slices["negative"]], x[self.slices["positive"]]
        c_e = ca.mtimes(self._electrolyte.modes, x[self.slices["electrolyte"]])
        d_n = neg.diffusivity * theta[0]
        c_sn = ca.dot(neg.outer_row, z_n) - i / (FARADAY * neg.surface_area) * neg.surface_gap / d_n
        c_sp = ca.dot(pos.outer_row, z_p) + i / (FARADAY * pos.surface_area) * pos.surface_gap / pos.diffusivity
        log_c = ca.log(c_e)
        inverse_sqrt_c = ca.exp(-0.5 * log_c)
        j0_n = neg.rate * theta[1] * _arrhenius(neg.rate_activation, temperature, p.reference_temperature)
        j0_p = pos.rate * _arrhenius(pos.rate_activation, temperature, p.reference_temperature)
        j_n = density * self._reaction_per_density[0]  # A/m2 of particle surface
        film = j_n * self._film_resistance
        x_n = j_n / (2.0 * j0_n * ca.sqrt(c_sn * (neg.c_max - c_sn)))
        x_p = -density * self._reaction_per_density[1] / (2.0 * j0_p * ca.sqrt(c_sp * (pos.c_max - c_sp)))
        eta_n = 2.0 * rt_f * ca.dot(self._mean_n, ca.asinh(x_n * inverse_sqrt_c))
        eta_p = 2.0 * rt_f * ca.dot(self._mean_p, ca.asinh(x_p * inverse_sqrt_c))
        log_n = ca.dot(self._mean_n, log_c)
        eta_c = self._chi * rt_f * (ca.dot(self._mean_p, log_c) - log_n)
        u_n = p.negative_ocp(c_sn / neg.c_max)
        u_p = p.positive_ocp(c_sp / pos.c_max)
        voltage = (u_p - u_n + eta_p - eta_n + eta_c - film - density * self._ohmic_area_resistance
                   - i * theta[2])
        n_mean = ca.dot(neg.mean_row, z_n) / neg.c_max
        p_mean = ca.dot(pos.mean_row, z_p) / pos.c_max
        ocv = p.positive_ocp(p_mean) - p.negative_ocp(n_mean)
        n_at, w_left, w_right = self._interface
        c_interface = w_left * c_e[n_at - 1] + w_right * c_e[n_at]
        plating = (u_n + eta_n + film + density * self._plating_ohmic
                   + self._chi * rt_f * (log_n - ca.log(c_interface)))
        soc = (n_mean - self.window.x_0) / (self.window.x_100 - self.window.x_0)
        return [plating, voltage, temperature, soc, i * (ocv - voltage)]


def _propagate(diffusion: ModalDiffusion, diffusivity, dt, z, source):
    """Exact modal step z <- exp(-D mu dt) z + (1 - exp(-D mu dt)) / (D mu) q,
    with the zero mode accumulated (gain dt)."""
    rates = diffusion.rates[1:]
    decay = ca.exp(-diffusivity * dt * rates)
    gain = ca.vertcat(dt, (1.0 - decay) / (diffusivity * rates))
    return ca.vertcat(1.0, decay) * z + gain * source


def _arrhenius(activation_energy, temperature, reference):
    return ca.exp(activation_energy / GAS_CONSTANT * (1.0 / reference - 1.0 / temperature))
