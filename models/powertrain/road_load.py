"""Wheel power needed to go from speed v_a to v_b in h seconds.

Energy form over the interval (as FASTSim does), so that kinetic energy
telescopes exactly whatever the interval:

    P = m_eq (v_b^2 - v_a^2) / (2 h) + (F_roll + F_grade) v_bar + 1/2 rho Cd A v_bar^3,
    v_bar = (v_a + v_b) / 2.

For a coast (P = 0) this is the implicit midpoint rule for
m_eq dv/dt = -(F_roll + F_grade) - 1/2 rho Cd A v^2, second-order accurate.
"""
from __future__ import annotations

import math

from .parameters import VehicleParameters


class RoadLoad:
    def __init__(self, p: VehicleParameters):
        angle = math.atan(p.road_grade)
        weight = p.mass_kg * p.gravity_m_s2
        self.equivalent_mass_kg = p.equivalent_mass_kg
        self.rolling_force_n = weight * p.rolling_resistance_coefficient * math.cos(angle)
        self.grade_force_n = weight * math.sin(angle)
        self.drag_factor = 0.5 * p.air_density_kg_m3 * p.drag_coefficient * p.frontal_area_m2  # N s2/m2

    def wheel_power(self, v_a: float, v_b: float, h: float) -> float:
        """Mean power [W] at the wheels over the interval (> 0 propels, < 0 brakes)."""
        v_bar = 0.5 * (v_a + v_b)
        return (self.equivalent_mass_kg * (v_b * v_b - v_a * v_a) / (2.0 * h)
                + (self.rolling_force_n + self.grade_force_n) * v_bar
                + self.drag_factor * v_bar**3)

    def steady_power(self, v: float) -> float:
        """Road-load power [W] at constant speed v [m/s]."""
        return (self.rolling_force_n + self.grade_force_n) * v + self.drag_factor * v**3
