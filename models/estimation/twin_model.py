"""The twin's model of one cell: the SPMe's electrode physics, split into a
part driven only by the measured current and five uncertain states for an
extended Kalman filter (state transition and measurement with analytic
Jacobians).

Why this model. An equivalent circuit with constant elements misses what the
plant does: the charge-transfer resistance and the diffusion polarisation of
an LG M50 change several-fold with state of charge, and when the cell loses
cyclable lithium its OCV(SOC) curve moves by up to 48 mV (5 % of SOC) at 10 %
capacity fade. Either would bias SOC by more than 1 %. A few particle modes
as filter states are not enough either: the surface concentration answers a
current step like sqrt(t), and eight modes still leave 54 mV peaks on a
random pulse train. But particle and electrolyte diffusion are *linear* in
the current and do not depend on the uncertain states, so the twin runs them
in full, outside the filter, from the measured current (every mode of the
SPMe's own finite volumes, stepped exactly); the filter keeps only

    x = [soc, T_c, T_s, Q, theta]

per cell: state of charge, core and surface temperature [K], capacity Q
[A.h] and a factor theta on the ohmic and charge-transfer resistances (1 for
the nominal cell). The terminal voltage is

    V = U_p(y_s) - U_n(x_s) + eta_p - eta_n + eta_c - theta R_ohm(T) I

with the surface stoichiometries x_s, y_s = mean (from soc and the window
of Q) + the diffusion deviation; eta from symmetric Butler-Volmer with j0 /
theta and the plant's Arrhenius factors; eta_c = chi RT/F (<ln c_e>_p -
<ln c_e>_n), <.> the mean over an electrode's nodes, as the SPMe has it.
Heat I (OCV - V), with the *measured* V, drives Lin et al.'s (2014)
core/surface model, stepped exactly.

The electrolyte in the kinetics. The SPMe's exchange current density goes
with sqrt(c_e), node by node, and it averages eta over the electrode:
eta = 2RT/F <asinh(a sqrt(c0 / c_e))>, a = theta j / (2 j0(c0)). The twin
takes eta = 2RT/F asinh(a <sqrt(c0 / c_e)>), exact where asinh is linear
(a << 1) and at a uniform concentration, and within 0.2 mV of the node
average in a 30 min 3.6 A charge (the fleet's 50 kW charge per cell). Taken
at rest (c_e = c0), the twin read the voltage 5.4 mV low on average over
that charge and 4.1 mV low over a 30 min 3 A discharge, given the SPMe's
own state at 25 degC; now 4.2 mV high and 0.4 mV low, the rest being
electrolyte transport (below; tests/models/test_estimation.py).

Capacity and the OCV curve. An aged cell loses capacity mainly as cyclable
lithium at first (Birkl et al., J. Power Sources 341 (2017) 373).
By default all of the capacity the twin does not find is lost lithium, so Q
also fixes the stoichiometry window, tabulated once over lost lithium. Cells
of one batch also differ in active material (coating loading, 0.2-0.3 % in
capacity), which scales the capacity and leaves the window where it is; a
twin that reads such a difference as lost lithium moves its window and
misreads it (in the fleet a car's error fell by 1.0-1.6 A.h per A.h its
loading added). ``fix_window`` takes capacity as loading instead: the window
is that of the lithium an aging law says is lost, and Q scales the charge
per unit of SOC alone; the law's error in lost lithium then becomes the
twin's (``scenarios/fleet``: 20 % spread in a vehicle's film rate).

Limits: electrolyte transport at its initial concentration (the plant's
diffusivity depends on it: after 30 min at 3.6 A the twin's concentration
overpotential is 2 mV too large) and its conductivity at c0; no SEI growth
in the twin (microamp-hours over hours); the Jacobian drops the dependence
of the kinetics on the surface concentration and of the heat on Q (the
estimator takes the capacity's column from ``capacity_differences``, which
keeps the kinetics). Against the nominal SPMe on a random
±15 A pulse train the voltage is within 4 mV RMS (tests/models).
"""
from __future__ import annotations

import bisect
import math
from dataclasses import replace

import numpy as np

from ..battery import BatteryParameters, SPMeBattery, stoichiometry_window
from ..battery.soc import cell_capacity
from ..battery.chen2020 import FARADAY, GAS_CONSTANT
from ..thermal import CellThermal, ThermalParameters

SOC, CORE, SURFACE, CAPACITY, THETA = range(5)
N_STATES = 5
_D_STO = 1e-7  # stoichiometry step of the forward difference of the OCPs
_LOST_LITHIUM_GRID = np.linspace(0.0, 2.5, 51)  # A.h per cell, for the window table
_STO_FLOOR = 1e-6


class TwinModel:
    """Reduced electro-thermal cell model; see the module docstring.

    ``diffusion`` holds the current-driven part (modal coordinates of both
    particles and the electrolyte); ``advance_diffusion(current, dt)`` steps
    it, ``predict`` steps the filter states, ``voltage`` measures.
    """

    def __init__(self, cell: BatteryParameters | None = None, thermal: ThermalParameters | None = None):
        p = cell if cell is not None else BatteryParameters()
        self.cell = p = replace(p, n_series=1, n_parallel=1, lost_lithium_inventory=0.0)
        # the SPMe's own discretisation and constants (modes, sources, resistances per
        # area), read once from a nominal instance, so that plant and twin share them
        spme = SPMeBattery(p)
        constants = spme.discretisation()
        self._thermal = CellThermal(thermal if thermal is not None else ThermalParameters(), 298.15)
        self._ocp_n, self._ocp_p = p.negative_ocp, p.positive_ocp
        self._particles(spme)
        self._electrolyte(spme, constants, p)
        self._window_table(p)
        area = p.electrode_area
        reaction = constants["reaction_per_density"]
        film = p.sei_initial_thickness * p.sei_resistivity * reaction[0]
        self._ohmic_fixed = (constants["solid_resistance"] + film) / area  # Ohm
        self._electrolyte_length = constants["electrolyte_length"] / area  # 1/m; over kappa gives Ohm
        self._kappa_ce = p.electrolyte_concentration
        self._conductivity = p.electrolyte_conductivity
        # Butler-Volmer per electrode: reaction density per cell ampere [A/m2 / A],
        # j0 prefactor at T_ref [A/m2], activation energy [J/mol], c_max
        root_ce = math.sqrt(p.electrolyte_concentration)
        self._kinetics = (
            (reaction[0] / area, p.negative_reaction_rate * root_ce
             * p.negative_max_concentration, p.negative_reaction_activation_energy),
            (-reaction[1] / area, p.positive_reaction_rate * root_ce
             * p.positive_max_concentration, p.positive_reaction_activation_energy))
        self._t_ref = p.reference_temperature
        self._propagators: dict[float, tuple] = {}
        self.window_voltage = math.nan  # V, OCPs at the surface and kinetics of the last ``voltage``
        self.nominal_capacity = self.capacity_of(0.0)
        self._fixed_window = None  # (x0, x100, y0, y100) when capacity is taken as loading (``fix_window``)
        self.reset_diffusion()

    # ------------------------------------------------------------ construction
    def _particles(self, spme: SPMeBattery) -> None:
        """Mode rates [1/s] and inputs per cell ampere of both particles; their
        surface stoichiometry per mode coordinate; the surface-gap terms [1/A]."""
        self._rates, self._inflow, self._surface_rows, self._gaps = [], [], [], []
        for particle, sign in ((spme.negative, 1.0), (spme.positive, -1.0)):
            d = particle.diffusivity  # Chen2020: no Arrhenius factor (activation energy 0)
            flux_per_amp = sign / (FARADAY * particle.surface_area)
            self._rates.append(d * particle.diffusion.rates[1:])
            self._inflow.append(particle.inflow[1:] * flux_per_amp)
            self._surface_rows.append(particle.outer_row[1:] / particle.c_max)
            self._gaps.append(-particle.surface_gap / d * flux_per_amp / particle.c_max)

    def _electrolyte(self, spme: SPMeBattery, constants: dict, p: BatteryParameters) -> None:
        """Electrolyte modes at the initial concentration's diffusivity; the
        readout of both surface deviations (rows x_s, y_s) and of the
        concentration at each electrode node (rows negative nodes, then
        positive), and the nodes' averaging weights."""
        e = spme.electrolyte
        d = float(p.electrolyte_diffusivity(p.electrolyte_concentration, p.reference_temperature))
        self._rates.append(d * e.rates[1:])
        self._inflow.append(constants["electrolyte_source_modes"][1:] / p.electrode_area)  # per cell ampere
        sizes = [r.size for r in self._rates]
        mean_n, mean_p = constants["negative_mean_row"], constants["positive_mean_row"]
        nodes_n, nodes_p = np.flatnonzero(mean_n), np.flatnonzero(mean_p)
        readout = np.zeros((2 + nodes_n.size + nodes_p.size, sum(sizes)))
        readout[0, :sizes[0]] = self._surface_rows[0]
        readout[1, sizes[0]:sizes[0] + sizes[1]] = self._surface_rows[1]
        readout[2:, sizes[0] + sizes[1]:] = e.modes[np.concatenate([nodes_n, nodes_p]), 1:]
        self._readout = readout
        self._node_weights = (mean_n[nodes_n], mean_p[nodes_p])
        self._rates, self._inflow = np.concatenate(self._rates), np.concatenate(self._inflow)
        self._chi = constants["chi"]
        self._c0 = p.electrolyte_concentration

    def _window_table(self, p: BatteryParameters) -> None:
        rows = []
        for lost in _LOST_LITHIUM_GRID:
            try:
                w = stoichiometry_window(replace(p, lost_lithium_inventory=float(lost)))
            except ValueError:
                continue
            rows.append((p.capacity("negative") * (w.x_100 - w.x_0), w.x_0, w.x_100, w.y_0, w.y_100))  # A.h
        table = np.array(sorted(rows))
        self._q_grid = table[:, 0].tolist()
        self._windows = table[:, 1:].tolist()
        self._window_slopes = (np.diff(table[:, 1:], axis=0) / np.diff(table[:, :1], axis=0)).tolist()
        # above the nominal capacity (more lithium than the fresh cell) the window
        # is extrapolated linearly, up to 2 %: an ageing cell does not gain capacity
        self.capacity_range = (self._q_grid[0], 1.02 * self._q_grid[-1])

    def fix_window(self, lost_lithium: float) -> None:
        """Take capacity as loading from now on: the stoichiometry window is
        that of a cell that lost ``lost_lithium`` A.h of cyclable lithium
        (what an aging law predicts), whatever the capacity; more or less
        active material (both electrodes' loading) moves capacity, not the
        window."""
        w = stoichiometry_window(replace(self.cell, lost_lithium_inventory=float(lost_lithium)))
        self._fixed_window = (w.x_0, w.x_100, w.y_0, w.y_100)

    def capacity_of(self, lost_lithium: float) -> float:
        """A.h per cell between the cut-offs of the twin's cell once it lost ``lost_lithium`` A.h of cyclable
        lithium."""
        return cell_capacity(replace(self.cell, lost_lithium_inventory=lost_lithium))

    # ------------------------------------------------------------ diffusion
    @property
    def diffusion(self) -> np.ndarray:
        """Modal coordinates of both particles and the electrolyte."""
        return self._diffusion

    @diffusion.setter
    def diffusion(self, modes: np.ndarray) -> None:
        """Set them; read the surface deviations and the electrolyte's effect
        on the kinetics once here, not at every voltage."""
        self._diffusion = modes
        readout = self._readout @ modes
        self._surface_deviation = readout[:2].tolist()
        weights_n, weights_p = self._node_weights
        c_n, c_p = np.split(np.maximum(self._c0 + readout[2:], 1.0), [weights_n.size])
        # sum_nodes w asinh(a sqrt(c0 / c)) ~ asinh(a sum_nodes w sqrt(c0 / c)): exact at small a
        self._kinetic_factor = (float(weights_n @ np.sqrt(self._c0 / c_n)), float(weights_p @ np.sqrt(self._c0 / c_p)))
        self._log_ratio = float(weights_p @ np.log(c_p)) - float(weights_n @ np.log(c_n))

    def reset_diffusion(self) -> None:
        """Both particles and the electrolyte at rest."""
        self.diffusion = np.zeros(self._rates.size)

    def advance_diffusion(self, current: float, dt: float) -> None:
        """Step the current-driven modes exactly over dt with the cell current held."""
        decay, gain = self._propagator(dt)[0]
        self.diffusion = self.diffusion * decay + gain * current

    def diffusion_step(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """(decay, gain) of the current-driven modes over dt at a held cell current:
        modes <- decay * modes + gain * current, what ``advance_diffusion`` applies."""
        return self._propagator(dt)[0]

    def rest_voltage(self, modes: np.ndarray, rest_time: float, soc: float, temperature: float) -> float:
        """Terminal voltage [V] of the nominal cell (theta 1, nominal capacity) at ``soc`` after
        ``rest_time`` seconds at zero current from the diffusion ``modes`` (they decay freely;
        the temperature enters only the electrolyte's concentration overpotential). Sets this
        model's diffusion."""
        self.diffusion = modes * np.exp(-self._rates * rest_time)
        return self.voltage(np.array([soc, temperature, temperature, self.nominal_capacity, 1.0]), 0.0)

    def _propagator(self, dt: float):
        entry = self._propagators.get(dt)
        if entry is None:
            decay = np.exp(-self._rates * dt)
            entry = ((decay, (1.0 - decay) / self._rates * self._inflow), *self._thermal_step(dt))
            if len(self._propagators) > 64:
                self._propagators.clear()
            self._propagators[dt] = entry
        return entry

    def heat_input(self, dt: float) -> np.ndarray:
        """Change of (T_c, T_s) [K] over dt per watt of heat held over it."""
        return self._propagator(dt)[2]

    def _thermal_step(self, dt: float):
        """Phi, Gamma_heat and Gamma_ambient of the thermal model's step over dt,
        (T_c, T_s) <- Phi (T_c, T_s) + Gamma_heat Q + Gamma_ambient T_amb, read
        from its public ``step`` (affine in state and inputs, so five steps
        from a reference point give it exactly)."""
        reference = 298.15

        def after(core=reference, surface=reference, heat=0.0, ambient=reference):
            self._thermal.set_state({"core_temperature": core, "surface_temperature": surface,
                                     "heat_rejected": 0.0})
            self._thermal.step(dt, heat * self._thermal.parameters.n_cells, ambient)
            return np.array([self._thermal.core_temperature, self._thermal.surface_temperature])

        base = after()
        phi = np.column_stack([after(core=reference + 1.0) - base, after(surface=reference + 1.0) - base])
        return phi, after(heat=1.0) - base, after(ambient=reference + 1.0) - base

    # ------------------------------------------------------------ pieces
    def mean_stoichiometries(self, soc: float, capacity: float):
        """x, y and their derivatives in soc and in Q (window linear in the table;
        fixed, so no derivative in Q, once ``fix_window``)."""
        if self._fixed_window is not None:
            x0, x100, y0, y100 = self._fixed_window
            return x0 + soc * (x100 - x0), y0 - soc * (y0 - y100), x100 - x0, y100 - y0, 0.0, 0.0
        grid = self._q_grid
        i = min(max(bisect.bisect_right(grid, capacity) - 1, 0), len(grid) - 2)
        x0, x100, y0, y100 = self._windows[i]
        dx0, dx100, dy0, dy100 = self._window_slopes[i]
        dq = capacity - grid[i]
        x0, x100, y0, y100 = x0 + dx0 * dq, x100 + dx100 * dq, y0 + dy0 * dq, y100 + dy100 * dq
        return (x0 + soc * (x100 - x0), y0 - soc * (y0 - y100), x100 - x0, y100 - y0,
                dx0 + soc * (dx100 - dx0), dy0 - soc * (dy0 - dy100))

    def capacity_differences(self, x: np.ndarray, current: float, step: float,
                             at_x: float | None = None) -> tuple[float, float]:
        """The voltage's divided differences in capacity between Q - step and
        Q + step [A.h] about x, both kept in ``capacity_range`` (the twin's
        domain): the first, (V(Q+) - V(Q-)) / (Q+ - Q-) [V/A.h], and the
        second, V(Q+) + V(Q-) - 2 V(Q) [V]. Q moves the stoichiometry window,
        so only the OCPs at the surface and the kinetics (j0 goes with
        sqrt(sto (1 - sto))) change; at 5 A and SOC 0.9 the kinetics make
        dV/dQ -16 mV/A.h instead of the OCPs' -5. ``at_x``: that part of the
        voltage at x, if known (``window_voltage`` after ``voltage(x, current)``)."""
        soc, capacity, temperature, theta = float(x[SOC]), float(x[CAPACITY]), float(x[CORE]), float(x[THETA])
        low, high = self.capacity_range
        above, below = min(capacity + step, high), max(capacity - step, low)
        v_above, v_below = (self._window_voltage(soc, q, temperature, theta, current) for q in (above, below))
        v = self._window_voltage(soc, capacity, temperature, theta, current) if at_x is None else at_x
        return (v_above - v_below) / (above - below), v_above + v_below - 2.0 * v

    def _window_voltage(self, soc: float, capacity: float, temperature: float, theta: float,
                        current: float) -> float:
        """The part of ``voltage`` that depends on capacity, at this capacity."""
        xm, ym, *_ = self.mean_stoichiometries(soc, capacity)
        xs, ys = self._surface(xm, ym, current)
        etas, _, _ = self._kinetic_overpotentials(xs, ys, temperature, theta, current)
        return self._ocp_p(ys) - self._ocp_n(xs) + etas[1] - etas[0]

    def ocv(self, soc: float, capacity: float) -> float:
        x, y, *_ = self.mean_stoichiometries(soc, capacity)
        return self._ocp_p(y) - self._ocp_n(x)

    def _ohmic(self, temperature: float) -> float:
        return self._ohmic_fixed + self._electrolyte_length / float(self._conductivity(self._kappa_ce, temperature))

    # ------------------------------------------------------------ EKF functions
    def predict(self, x: np.ndarray, current: float, ambient: float, measured_voltage: float,
                dt: float, f: np.ndarray) -> np.ndarray:
        """Filter state at t + dt for the cell current [A] held over dt (call
        before ``advance_diffusion``); writes the Jacobian into ``f``."""
        _, phi, gamma_q, gamma_amb = self._propagator(dt)
        soc, q = x[SOC], x[CAPACITY]
        xm, ym, dx_ds, dy_ds, _, _ = self.mean_stoichiometries(soc, q)
        u_n, u_p = self._ocp_n(xm), self._ocp_p(ym)
        heat = current * (u_p - u_n - measured_voltage)
        x_new = x.copy()
        x_new[SOC] = soc - current * dt / (3600.0 * q)
        x_new[CORE:SURFACE + 1] = phi @ x[CORE:SURFACE + 1] + gamma_q * heat + gamma_amb * ambient
        f[:] = 0.0
        f[SOC, SOC] = f[CAPACITY, CAPACITY] = f[THETA, THETA] = 1.0
        f[SOC, CAPACITY] = current * dt / (3600.0 * q * q)
        f[CORE:SURFACE + 1, CORE:SURFACE + 1] = phi
        docv = ((self._ocp_p(ym + _D_STO) - u_p) * dy_ds - (self._ocp_n(xm + _D_STO) - u_n) * dx_ds) / _D_STO
        f[CORE:SURFACE + 1, SOC] = gamma_q * (current * docv)
        return x_new

    def voltage(self, x: np.ndarray, current: float, h: np.ndarray | None = None) -> float:
        """Terminal voltage [V] of the cell in state x at this current; with
        ``h``, writes its gradient in x there."""
        soc, temperature, q, theta = x[SOC], x[CORE], x[CAPACITY], x[THETA]
        xm, ym, dx_ds, dy_ds, dx_dq, dy_dq = self.mean_stoichiometries(soc, q)
        xs, ys = self._surface(xm, ym, current)
        ohmic = self._ohmic(temperature)
        etas, deta_dtheta, deta_dt = self._kinetic_overpotentials(xs, ys, temperature, theta, current)
        eta_c = self._chi * GAS_CONSTANT * temperature / FARADAY * self._log_ratio
        u_n, u_p = self._ocp_n(xs), self._ocp_p(ys)
        self.window_voltage = u_p - u_n + etas[1] - etas[0]  # the part capacity moves (``capacity_differences``)
        v = self.window_voltage + eta_c - theta * ohmic * current
        if h is not None:
            dun = (self._ocp_n(xs + _D_STO) - u_n) / _D_STO
            dup = (self._ocp_p(ys + _D_STO) - u_p) / _D_STO
            h[SOC] = dup * dy_ds - dun * dx_ds
            h[CORE] = deta_dt + eta_c / temperature
            h[SURFACE] = 0.0
            h[CAPACITY] = dup * dy_dq - dun * dx_dq
            h[THETA] = deta_dtheta - ohmic * current
        return v

    def losses(self, x: np.ndarray, current: float) -> dict[str, float]:
        """What the cell in state x loses to each process at this current [V,
        > 0 a loss on discharge], named as ``SPMeBattery.overpotentials`` (the
        twin's ohmic drop lumps electrolyte, solid and film), and its ``ocv``
        (of the mean stoichiometries): ocv minus the losses is ``voltage``."""
        temperature, theta = x[CORE], x[THETA]
        xm, ym, *_ = self.mean_stoichiometries(x[SOC], x[CAPACITY])
        xs, ys = self._surface(xm, ym, current)
        (eta_n, eta_p), _, _ = self._kinetic_overpotentials(xs, ys, temperature, theta, current)
        return {"ocv": self._ocp_p(ym) - self._ocp_n(xm), "ohmic": theta * self._ohmic(temperature) * current,
                "negative_kinetic": eta_n, "positive_kinetic": -eta_p,
                "negative_diffusion": self._ocp_n(xs) - self._ocp_n(xm),
                "positive_diffusion": self._ocp_p(ym) - self._ocp_p(ys),
                "electrolyte_concentration": -self._chi * GAS_CONSTANT * temperature / FARADAY * self._log_ratio}

    def _surface(self, xm: float, ym: float, current: float) -> tuple[float, float]:
        """Surface stoichiometries from the mean ones: the diffusion's deviation and the surface gap."""
        dev_n, dev_p = self._surface_deviation
        return (min(max(xm + dev_n + self._gaps[0] * current, _STO_FLOOR), 1.0 - _STO_FLOOR),
                min(max(ym + dev_p + self._gaps[1] * current, _STO_FLOOR), 1.0 - _STO_FLOOR))

    def _kinetic_overpotentials(self, xs: float, ys: float, temperature: float, theta: float, current: float):
        """Butler-Volmer overpotentials [V] of both electrodes (module docstring)
        and the sums of their signed derivatives in theta and in temperature."""
        rt_f = GAS_CONSTANT * temperature / FARADAY
        etas, deta_dtheta, deta_dt = [0.0, 0.0], 0.0, 0.0
        for side, sto in enumerate((xs, ys)):
            density, prefactor, activation = self._kinetics[side]
            j0 = prefactor * math.exp(activation / GAS_CONSTANT * (1.0 / self._t_ref - 1.0 / temperature)) \
                * math.sqrt(sto * (1.0 - sto))
            a = theta * density * current * self._kinetic_factor[side] / (2.0 * j0)
            root = math.sqrt(1.0 + a * a)
            etas[side] = eta = 2.0 * rt_f * math.asinh(a)
            sign = 1.0 if side else -1.0
            deta_dtheta += sign * 2.0 * rt_f * (a / theta) / root
            deta_dt += sign * (eta / temperature - 2.0 * rt_f * a * activation / (GAS_CONSTANT * temperature**2) / root)
        return etas, deta_dtheta, deta_dt

    def resistance(self, x: np.ndarray) -> float:
        """Ohmic plus linearised charge-transfer resistance [Ohm] of the cell in state x."""
        temperature, theta = x[CORE], x[THETA]
        xm, ym, *_ = self.mean_stoichiometries(x[SOC], x[CAPACITY])
        rt_f = GAS_CONSTANT * temperature / FARADAY
        total = self._ohmic(temperature)
        for (density, prefactor, activation), sto in zip(self._kinetics, (xm, ym)):
            sto = min(max(sto, _STO_FLOOR), 1.0 - _STO_FLOOR)
            j0 = prefactor * math.exp(activation / GAS_CONSTANT * (1.0 / self._t_ref - 1.0 / temperature)) \
                * math.sqrt(sto * (1.0 - sto))
            total += rt_f * abs(density) / j0
        return theta * total
