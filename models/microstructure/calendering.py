"""Calendering of a sphere-pack electrode, and the Bruggeman fit over a series.

Compression model (an assumption, stated): the roll compresses the coating
along its thickness (axis 0) by the strain e; particle centres move affinely
(z -> (1 - e) z) and in-plane positions do not change; particles stay
spherical and may overlap, the overlap standing for the flattened contacts of
real calendered particles (a geometric calendering model in the spirit of Lu
et al., J. Electrochem. Soc. 167 (2020) 110551, without their DEM). Material
is conserved: every radius grows by one common factor (found by bisection)
until the active volume equals the uncompressed one, as the flattened
material spreads into the pores. The CBD is laid again in the new necks with
the same volume. So the porosity falls as 1 - (1 - eps0) / (1 - e).

Bruggeman relation: tau = eps^(1 - b), i.e. transport efficiency eps / tau =
eps^b (Bruggeman 1935; Tjaden et al., Curr. Opin. Chem. Eng. 12 (2016) 44).
``bruggeman_exponent`` fits b over a series of (eps, tau) by least squares on
ln tau = (1 - b) ln eps; ``single_point_bruggeman`` is the b that one
structure's own (eps, tau) gives, b = 1 - ln tau / ln eps, which reproduces
its eps / tau in the cell model exactly.
"""
from __future__ import annotations

import numpy as np

from ..checks import fraction
from .synthetic import ACTIVE, BINDER, PORE, SpherePack, _add_binder, render_spheres

_BISECTIONS = 10  # radius factor to 1.5 / 2**10, active volume within about 0.1 %


def calender(pack: SpherePack, strain: float) -> SpherePack:
    """The pack compressed along axis 0 by ``strain`` (0 <= strain < 1)."""
    fraction("strain", strain)
    if strain >= 1.0:
        raise ValueError(f"strain must be < 1, got {strain!r}")
    thickness = pack.labels.shape[0]
    new_thickness = max(2, int(round(thickness * (1.0 - strain))))
    scale = new_thickness / thickness
    centres = pack.centres * np.array([scale, 1.0, 1.0])
    shape = (new_thickness, *pack.labels.shape[1:])
    active_voxels = int(np.count_nonzero(pack.labels == ACTIVE))
    low, high = 1.0, 1.5
    for _ in range(_BISECTIONS):
        middle = 0.5 * (low + high)
        if render_spheres(shape, centres, middle * pack.radii).sum() < active_voxels:
            low = middle
        else:
            high = middle
    radii = high * pack.radii
    labels = render_spheres(shape, centres, radii).astype(np.uint8) * ACTIVE
    binder_voxels = int(np.count_nonzero(pack.labels == BINDER))
    if binder_voxels:
        _add_binder(labels, binder_voxels / labels.size)
    return SpherePack(labels, centres, radii)


def single_point_bruggeman(porosity: float, tortuosity: float) -> float:
    fraction("porosity", porosity, open_low=True)
    if porosity >= 1.0:
        return 1.5  # any b gives efficiency 1 at eps = 1; Bruggeman's own value
    return 1.0 - np.log(tortuosity) / np.log(porosity)


def bruggeman_exponent(porosities, tortuosities) -> tuple[float, float]:
    """(b, its standard error) of tau = eps^(1 - b) fitted over a series."""
    x = np.log(np.asarray(porosities, dtype=float))
    y = np.log(np.asarray(tortuosities, dtype=float))
    if x.size < 2 or np.ptp(x) == 0.0:
        raise ValueError("the Bruggeman fit needs at least two different porosities")
    slope = float(np.dot(x, y) / np.dot(x, x))
    residual = y - slope * x
    error = float(np.sqrt(np.dot(residual, residual) / max(x.size - 1, 1) / np.dot(x, x)))
    return 1.0 - slope, error


__all__ = ["calender", "single_point_bruggeman", "bruggeman_exponent", "PORE"]
