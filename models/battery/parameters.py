"""Parameters of the SPMe cell model, defaults for the LG M50 21700 cell.

Sources (cited beside each value):
  [Chen2020] C.-H. Chen et al., J. Electrochem. Soc. 167 (2020) 080534, as
             tabulated in PyBaMM's ``Chen2020`` parameter set.
  [Nyman2008] A. Nyman et al., Electrochim. Acta 53 (2008) 6356 (electrolyte).
  [PyBaMM-SEI] the example SEI values PyBaMM ships with ``Chen2020``
             (Ramadass 2004, Ploehn 2004, Single 2018, Safari 2008).
  [M50-spec] LG Chem INR21700 M50 product specification (operating window).
  [PyBaMM-Chen2020-set] values PyBaMM 26.10's ``Chen2020`` parameter set
             carries beyond the paper (double-layer capacity, contact resistance).
  [CRC] CRC Handbook of Chemistry and Physics, 97th ed., "Permittivity
             (dielectric constant) of inorganic solids": Li2CO3 4.9.
  [OKane2022] S. E. J. O'Kane et al., Phys. Chem. Chem. Phys. 24 (2022) 7909,
             as tabulated in PyBaMM's ``OKane2022`` parameter set (built on
             Chen2020): partially reversible lithium plating.
SI units throughout; names say the unit where it is not the SI base unit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable, Optional

from . import chen2020

Function = Callable[..., float]


@dataclass(frozen=True)
class BatteryParameters:
    # --- microstructure and geometry --------------------------------------
    negative_electrode_thickness: float = 85.2e-6  # m [Chen2020]
    separator_thickness: float = 12.0e-6  # m [Chen2020]
    positive_electrode_thickness: float = 75.6e-6  # m [Chen2020]
    electrode_height: float = 0.065  # m [Chen2020]
    electrode_width: float = 1.58  # m [Chen2020]
    negative_particle_radius: float = 5.86e-6  # m [Chen2020]
    positive_particle_radius: float = 5.22e-6  # m [Chen2020]
    negative_electrode_porosity: float = 0.25  # 1 [Chen2020]
    separator_porosity: float = 0.47  # 1 [Chen2020]
    positive_electrode_porosity: float = 0.335  # 1 [Chen2020]
    negative_active_material_fraction: float = 0.75  # 1 [Chen2020]
    positive_active_material_fraction: float = 0.665  # 1 [Chen2020]
    # Electrolyte transport efficiency is eps**b (Bruggeman) unless a measured
    # tortuosity factor tau is given for the region; then it is eps / tau.
    negative_electrode_bruggeman: float = 1.5  # 1 [Chen2020]
    separator_bruggeman: float = 1.5  # 1 [Chen2020]
    positive_electrode_bruggeman: float = 1.5  # 1 [Chen2020]
    negative_electrode_tortuosity: Optional[float] = None  # 1, overrides Bruggeman
    separator_tortuosity: Optional[float] = None  # 1, overrides Bruggeman
    positive_electrode_tortuosity: Optional[float] = None  # 1, overrides Bruggeman
    # Solid-phase conductivity correction eps_s**b; 0 means none [Chen2020]
    negative_solid_bruggeman: float = 0.0  # 1 [Chen2020]
    positive_solid_bruggeman: float = 0.0  # 1 [Chen2020]

    # --- solid phase ---------------------------------------------------------
    negative_solid_conductivity: float = 215.0  # S/m [Chen2020]
    positive_solid_conductivity: float = 0.18  # S/m [Chen2020]
    negative_max_concentration: float = 33133.0  # mol/m3 [Chen2020]
    positive_max_concentration: float = 63104.0  # mol/m3 [Chen2020]
    negative_particle_diffusivity: float = 3.3e-14  # m2/s at 298.15 K [Chen2020]
    positive_particle_diffusivity: float = 4.0e-15  # m2/s at 298.15 K [Chen2020]
    # Concentrations that fix the cyclable lithium (PyBaMM's initial_soc uses them)
    negative_reference_concentration: float = 29866.0  # mol/m3 [Chen2020]
    positive_reference_concentration: float = 17038.0  # mol/m3 [Chen2020]
    negative_ocp: Function = chen2020.graphite_ocp  # V(sto) [Chen2020]
    positive_ocp: Function = chen2020.nmc811_ocp  # V(sto) [Chen2020]
    negative_entropic_coefficient: float = 0.0  # V/K, dU/dT [Chen2020 in PyBaMM: 0]
    positive_entropic_coefficient: float = 0.0  # V/K, dU/dT [Chen2020 in PyBaMM: 0]

    # --- kinetics (symmetric Butler-Volmer) ----------------------------------
    # j0 = m * exp(Ea/R (1/Tref - 1/T)) * sqrt(c_e c_s (c_max - c_s))
    negative_reaction_rate: float = 6.48e-7  # A/m2 (m3/mol)^1.5 [Chen2020]
    positive_reaction_rate: float = 3.42e-6  # A/m2 (m3/mol)^1.5 [Chen2020]
    negative_reaction_activation_energy: float = 35000.0  # J/mol [Chen2020, PyBaMM j0 fn]
    positive_reaction_activation_energy: float = 17800.0  # J/mol [Chen2020, PyBaMM j0 fn]
    # Arrhenius factors of the transport properties; Chen2020 gives none (0).
    negative_diffusivity_activation_energy: float = 0.0  # J/mol [Chen2020]
    positive_diffusivity_activation_energy: float = 0.0  # J/mol [Chen2020]
    electrolyte_diffusivity_activation_energy: float = 0.0  # J/mol [Nyman2008: none]
    electrolyte_conductivity_activation_energy: float = 0.0  # J/mol [Nyman2008: none]

    # --- electrolyte -----------------------------------------------------------
    electrolyte_concentration: float = 1000.0  # mol/m3, initial [Chen2020]
    cation_transference_number: float = 0.2594  # 1 [Chen2020]
    thermodynamic_factor: float = 1.0  # 1 [Chen2020]
    electrolyte_diffusivity: Function = chen2020.electrolyte_diffusivity  # m2/s (c,T) [Nyman2008]
    electrolyte_conductivity: Function = chen2020.electrolyte_conductivity  # S/m (c,T) [Nyman2008]

    # --- SEI: solvent-diffusion-limited growth on the negative particles -----
    sei_enabled: bool = True  # False: no SEI film at all (PyBaMM's default SPMe)
    sei_initial_thickness: float = 5.0e-9  # m [PyBaMM-SEI]
    sei_solvent_diffusivity: float = 2.5e-22  # m2/s [PyBaMM-SEI]
    sei_solvent_concentration: float = 2636.0  # mol/m3, bulk [PyBaMM-SEI]
    sei_partial_molar_volume: float = 9.585e-5  # m3/mol [PyBaMM-SEI]
    sei_lithium_per_mole: float = 2.0  # mol Li / mol SEI [PyBaMM-SEI]
    sei_resistivity: float = 2.0e5  # Ohm m [PyBaMM-SEI]
    sei_activation_energy: float = 0.0  # J/mol [PyBaMM-SEI]

    # --- lithium plating, partially reversible (plating.py) --------------------
    plating_enabled: bool = True  # False: no plating reaction (the overpotential is still an output)
    plating_rate_constant: float = 1.0e-9  # m/s, k in j0 = F k c [OKane2022]
    plating_transfer_coefficient: float = 0.65  # 1, alpha of plating; stripping 1 - alpha [OKane2022]
    dead_lithium_decay_constant: float = 1.0e-6  # 1/s, gamma_0 of plated -> dead lithium [OKane2022]
    # Assumption: lithium nucleates on a negative electrode without plated lithium
    # only below 0 V vs Li/Li+ (the metal's own potential); OKane2022's rate law
    # alone would plate a little at any potential (see plating.py).
    plating_onset_potential: float = 0.0  # V vs Li/Li+, assumption

    # --- interface capacitances and contact ------------------------------------
    # The double layer and the SEI film's capacitance enter only the impedance
    # model (impedance.py); the time-domain SPMe neglects them (time constants
    # below 0.1 s). The contact resistance is in both.
    negative_double_layer_capacity: float = 0.2  # F/m2 [PyBaMM-Chen2020-set; not measured by Chen]
    positive_double_layer_capacity: float = 0.2  # F/m2 [PyBaMM-Chen2020-set; not measured by Chen]
    sei_relative_permittivity: float = 4.9  # 1, assumption: the film's as Li2CO3's [CRC]
    contact_resistance: float = 0.0  # Ohm per cell [PyBaMM-Chen2020-set: 0]

    # --- ageing of a used cell (all 0 for a fresh cell) ---------------------------
    # Cyclable lithium lost before t = 0 (to SEI, plating, ...), per cell: it
    # narrows the stoichiometry window and so the capacity between the cut-offs.
    lost_lithium_inventory: float = 0.0  # A.h per cell, assumption: 0 when fresh
    # Fractional growth of the ohmic (electrolyte, solid) and charge-transfer
    # resistances: both are multiplied by (1 + g), j0 divided by it.
    resistance_growth: float = 0.0  # 1, assumption: 0 when fresh

    # --- state of charge, operating window, pack --------------------------------
    initial_soc: float = 1.0  # 1, PyBaMM's definition (OCV 4.2 V -> 1, 2.5 V -> 0)
    lower_voltage_cutoff: float = 2.5  # V, OCV at soc 0 [Chen2020]
    upper_voltage_cutoff: float = 4.2  # V, OCV at soc 1 [Chen2020]
    reference_temperature: float = 298.15  # K [Chen2020]
    initial_temperature: float = 298.15  # K, for outputs before the first step
    minimum_temperature: float = 253.15  # K, -20 degC discharge limit [M50-spec]
    maximum_temperature: float = 333.15  # K, 60 degC discharge limit [M50-spec]
    n_series: int = 1
    n_parallel: int = 1
    nominal_capacity: float = 5.0  # A.h per cell [Chen2020: PyBaMM's "Nominal cell capacity [A.h]"]
    # Assumption: the model is trusted up to 10 C either way, several times the
    # rates a vehicle or a fast charger asks of a cell (ev_wltc peaks at 0.6 C); far beyond it
    # a single particle per electrode says little.
    max_c_rate: float = 10.0  # 1/h

    # --- discretisation ------------------------------------------------------
    particle_shells: int = 20  # finite volumes per particle
    negative_electrode_cells: int = 10  # electrolyte finite volumes
    separator_cells: int = 5
    positive_electrode_cells: int = 10

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if callable(value) or value is None or isinstance(value, bool):
                continue
            if not math.isfinite(value):
                raise ValueError(f"{field.name} must be finite, got {value!r}")
            if value < 0.0 and not field.name.endswith("entropic_coefficient"):
                raise ValueError(f"{field.name} must not be negative, got {value!r}")
        self._check_positive()
        self._check_fractions()
        self._check_counts()
        if self.lower_voltage_cutoff >= self.upper_voltage_cutoff:
            raise ValueError(
                f"lower_voltage_cutoff ({self.lower_voltage_cutoff!r} V) must lie below "
                f"upper_voltage_cutoff ({self.upper_voltage_cutoff!r} V)")
        if not self.minimum_temperature < self.maximum_temperature:
            raise ValueError(
                f"minimum_temperature ({self.minimum_temperature!r} K) must lie below "
                f"maximum_temperature ({self.maximum_temperature!r} K)")
        if not self.minimum_temperature <= self.initial_temperature <= self.maximum_temperature:
            raise ValueError(f"initial_temperature {self.initial_temperature!r} K is outside "
                             f"[{self.minimum_temperature}, {self.maximum_temperature}] K")

    def _check_positive(self) -> None:
        names = ("thickness", "radius", "height", "width", "conductivity", "diffusivity",
                 "max_concentration", "reaction_rate", "tortuosity", "partial_molar_volume",
                 "lithium_per_mole", "transference")
        for field in fields(self):
            value = getattr(self, field.name)
            if callable(value) or value is None or isinstance(value, bool):
                continue
            if any(n in field.name for n in names) and "activation" not in field.name \
                    and value <= 0.0:
                raise ValueError(f"{field.name} must be positive, got {value!r}")
        for region in ("negative_electrode", "separator", "positive_electrode"):
            tortuosity = getattr(self, f"{region}_tortuosity")
            if tortuosity is not None and tortuosity < 1.0:
                raise ValueError(f"{region}_tortuosity is a tortuosity factor and must be "
                                 f">= 1, got {tortuosity!r}")
        if self.electrolyte_concentration <= 0.0:
            raise ValueError(f"electrolyte_concentration must be positive, "
                             f"got {self.electrolyte_concentration!r}")

    def _check_fractions(self) -> None:
        for name in ("negative_electrode_porosity", "separator_porosity",
                     "positive_electrode_porosity", "negative_active_material_fraction",
                     "positive_active_material_fraction", "cation_transference_number",
                     "plating_transfer_coefficient"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must lie in (0, 1), got {value!r}")
        for side in ("negative", "positive"):
            total = (getattr(self, f"{side}_electrode_porosity")
                     + getattr(self, f"{side}_active_material_fraction"))
            if total > 1.0 + 1e-12:
                raise ValueError(f"{side}_electrode_porosity + {side}_active_material_fraction "
                                 f"must not exceed 1, got {total!r}")
            for name in (f"{side}_reference_concentration",):
                if not 0.0 < getattr(self, name) < getattr(self, f"{side}_max_concentration"):
                    raise ValueError(f"{name} must lie in (0, {side}_max_concentration), "
                                     f"got {getattr(self, name)!r}")
        if not 0.0 <= self.initial_soc <= 1.0:
            raise ValueError(f"initial_soc must lie in [0, 1], got {self.initial_soc!r}")

    def _check_counts(self) -> None:
        minimum = {"n_series": 1, "n_parallel": 1, "particle_shells": 3,
                   "negative_electrode_cells": 2, "separator_cells": 1,
                   "positive_electrode_cells": 2}
        for name, least in minimum.items():
            value = getattr(self, name)
            if int(value) != value or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")

    # --- derived microstructure quantities ------------------------------------
    @property
    def electrode_area(self) -> float:
        """Area of the electrode sheet [m2]."""
        return self.electrode_height * self.electrode_width

    def specific_surface_area(self, side: str) -> float:
        """a = 3 eps_s / R [1/m] of the ``"negative"`` or ``"positive"`` electrode."""
        return (3.0 * getattr(self, f"{side}_active_material_fraction")
                / getattr(self, f"{side}_particle_radius"))

    def transport_efficiency(self, region: str) -> float:
        """Effective / bulk electrolyte transport, eps/tau or eps**b, of
        ``"negative_electrode"``, ``"separator"`` or ``"positive_electrode"``."""
        porosity = getattr(self, f"{region}_porosity")
        tortuosity = getattr(self, f"{region}_tortuosity")
        if tortuosity is not None:
            return porosity / tortuosity
        return porosity ** getattr(self, f"{region}_bruggeman")

    def solid_conductivity(self, side: str) -> float:
        """Effective electronic conductivity [S/m] of an electrode."""
        fraction = getattr(self, f"{side}_active_material_fraction")
        return (getattr(self, f"{side}_solid_conductivity")
                * fraction ** getattr(self, f"{side}_solid_bruggeman"))

    def capacity(self, side: str) -> float:
        """Lithium an electrode holds between stoichiometry 0 and 1 [A.h]."""
        thickness = getattr(self, f"{side}_electrode_thickness")
        return (chen2020.FARADAY * getattr(self, f"{side}_max_concentration")
                * getattr(self, f"{side}_active_material_fraction")
                * thickness * self.electrode_area / 3600.0)
