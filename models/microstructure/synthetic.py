"""Synthetic electrodes whose truth is known, and the "imaging" that blurs and
noises them, so that every stage of the pipeline can be scored.

Labels: 0 pore, 1 active material, 2 carbon-binder domain (CBD). Axis 0 runs
through the electrode thickness (separator at index 0, current collector at
the last index).

* ``sphere_pack``: overlapping spheres (a Boolean model) with log-normal
  radii at uniform random centres, added until the solid fraction is reached;
  the CBD fills the necks between particles (the voxels a morphological
  closing of the solid adds). Assumption: spheres may overlap; the overlap
  stands for the contact flattening of real particles.
* ``straight_channels``: square pore channels along one axis; tortuosity 1
  along it exactly, no percolation across it.
* ``layered``: pore slabs normal to one axis; tortuosity 1 along the other
  two, no percolation along the normal.
* ``image_of``: grey levels per phase, an optional Gaussian point-spread
  function, additive Gaussian noise of a stated signal-to-noise ratio (the
  smallest grey-level step between phases over the noise standard deviation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..checks import fraction, non_negative, positive

PORE, ACTIVE, BINDER = 0, 1, 2
# Grey levels of the imaging model, in arbitrary units: the pore darkest, the
# active material brightest (X-ray attenuation rises with density; the CBD,
# mostly carbon and PVDF, lies between). Assumption, typical ordering of
# lab-source X-ray CT of graphite/NMC electrodes.
GREY_LEVELS = (0.0, 1.0, 0.45)


@dataclass(frozen=True)
class SpherePack:
    """A sphere pack and its truth: labels, centres and radii in voxels."""

    labels: np.ndarray  # uint8, PORE/ACTIVE/BINDER
    centres: np.ndarray  # (n, 3) float, voxel coordinates
    radii: np.ndarray  # (n,) float, voxels

    @property
    def porosity(self) -> float:
        return float(np.mean(self.labels == PORE))


def sphere_pack(shape, mean_radius: float, porosity: float, *, radius_spread: float = 0.2,
                binder_fraction: float = 0.0, seed: int = 0) -> SpherePack:
    """Spheres (radii log-normal, mean ``mean_radius`` voxels, relative spread
    ``radius_spread``) until the pore fraction after adding the CBD is
    ``porosity`` or just below it."""
    shape = _shape(shape)
    positive("mean_radius", mean_radius)
    fraction("porosity", porosity, open_low=True)
    non_negative("radius_spread", radius_spread)
    fraction("binder_fraction", binder_fraction)
    rng = np.random.default_rng(seed)
    target_active = 1.0 - porosity - binder_fraction
    solid = np.zeros(shape, dtype=bool)
    centres, radii = [], []
    sigma = np.sqrt(np.log1p(radius_spread ** 2))
    while solid.mean() < target_active:
        missing = (target_active - solid.mean()) * solid.size
        count = max(1, int(0.5 * missing / (4.0 / 3.0 * np.pi * mean_radius ** 3)))
        batch_radii = mean_radius * rng.lognormal(-0.5 * sigma ** 2, sigma, count)
        batch_centres = rng.uniform(0.0, 1.0, (count, 3)) * shape
        for centre, radius in zip(batch_centres, batch_radii):
            _paint_sphere(solid, centre, radius)
        centres.append(batch_centres)
        radii.append(batch_radii)
    labels = solid.astype(np.uint8) * ACTIVE
    if binder_fraction > 0.0:
        _add_binder(labels, binder_fraction)
    return SpherePack(labels, np.concatenate(centres), np.concatenate(radii))


def render_spheres(shape, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Boolean image of the union of spheres (voxel centres inside)."""
    solid = np.zeros(_shape(shape), dtype=bool)
    for centre, radius in zip(centres, radii):
        _paint_sphere(solid, centre, radius)
    return solid


def _paint_sphere(solid: np.ndarray, centre, radius: float) -> None:
    low = np.maximum(np.floor(centre - radius).astype(int), 0)
    high = np.minimum(np.ceil(centre + radius).astype(int) + 1, solid.shape)
    if np.any(high <= low):
        return
    grids = np.ogrid[tuple(slice(a, b) for a, b in zip(low, high))]
    inside = sum((g + 0.5 - c) ** 2 for g, c in zip(grids, centre)) <= radius ** 2
    solid[tuple(slice(a, b) for a, b in zip(low, high))] |= inside


def _add_binder(labels: np.ndarray, binder_fraction: float) -> None:
    """CBD in the necks: pore voxels a closing of the solid adds, nearest the
    solid first, up to ``binder_fraction`` of the volume."""
    solid = labels == ACTIVE
    necks = ndimage.binary_closing(solid, structure=_ball(2), border_value=0) & ~solid
    wanted = int(round(binder_fraction * labels.size))
    if necks.sum() > wanted:
        distance = ndimage.distance_transform_edt(~solid)
        order = np.argsort(distance[necks], kind="stable")[:wanted]
        keep = np.zeros(int(necks.sum()), dtype=bool)
        keep[order] = True
        necks[necks] = keep
    labels[necks] = BINDER


def _ball(radius: int) -> np.ndarray:
    grid = np.mgrid[tuple(slice(-radius, radius + 1) for _ in range(3))]
    return (grid ** 2).sum(axis=0) <= radius ** 2


def straight_channels(shape, width: int, spacing: int, axis: int = 0) -> np.ndarray:
    """Square pore channels ``width`` voxels wide every ``spacing`` voxels,
    running along ``axis``; the rest is active material."""
    shape = _shape(shape)
    if not 0 < width < spacing:
        raise ValueError(f"channel width must lie in (0, spacing={spacing}), got {width!r}")
    across = [ax for ax in range(3) if ax != axis]
    grids = np.ogrid[tuple(slice(0, n) for n in shape)]
    open_ = (grids[across[0]] % spacing < width) & (grids[across[1]] % spacing < width)
    return np.where(np.broadcast_to(open_, shape), PORE, ACTIVE).astype(np.uint8)


def layered(shape, period: int, pore_width: int, normal_axis: int = 0) -> np.ndarray:
    """Pore slabs ``pore_width`` voxels thick every ``period`` voxels, normal
    to ``normal_axis``; the rest is active material."""
    shape = _shape(shape)
    if not 0 < pore_width < period:
        raise ValueError(f"pore_width must lie in (0, period={period}), got {pore_width!r}")
    index = np.arange(shape[normal_axis]) % period < pore_width
    view = [1, 1, 1]
    view[normal_axis] = shape[normal_axis]
    return np.where(np.broadcast_to(index.reshape(view), shape), PORE, ACTIVE).astype(np.uint8)


def image_of(labels: np.ndarray, snr: float, *, blur: float = 0.0, seed: int = 0) -> np.ndarray:
    """Grey-level image of ``labels``: phase grey levels, a Gaussian
    point-spread function of ``blur`` voxels (standard deviation), then
    Gaussian noise whose standard deviation is the smallest grey-level step
    between the phases present divided by ``snr``."""
    positive("snr", snr)
    non_negative("blur", blur)
    levels = np.asarray(GREY_LEVELS, dtype=np.float32)
    grey = levels[labels]
    if blur > 0.0:
        grey = ndimage.gaussian_filter(grey, blur)
    present = np.sort(levels[np.unique(labels)])
    step = float(np.diff(present).min()) if present.size > 1 else 1.0
    rng = np.random.default_rng(seed)
    grey += rng.normal(0.0, step / snr, grey.shape).astype(np.float32)
    return grey


def _shape(shape) -> tuple[int, int, int]:
    shape = tuple(int(n) for n in np.atleast_1d(shape))
    if len(shape) == 1:
        shape = shape * 3
    if len(shape) != 3 or min(shape) < 2:
        raise ValueError(f"a synthetic electrode needs a 3-D shape of at least 2 voxels per axis, "
                         f"got {shape}")
    return shape
