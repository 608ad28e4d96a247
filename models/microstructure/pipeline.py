"""The whole pipeline, image to cell parameters, with every stage kept.

    raw grey levels -> non-local-means denoise -> Gaussian-mixture segmentation
    -> island cleanup -> connectivity (dual: pore for ions, solid for electrons)
    -> volume fractions, surface area, particle radius
    -> tortuosity: steady state per axis (the tensor's diagonal) and random walk
    -> Bruggeman exponent -> BatteryCell parameters of one electrode

Axis 0 runs through the electrode thickness and spans all of it (separator
at index 0, current collector at the last); axes 1 and 2 are in-plane.
Phases by grey level: the darkest is pore, the brightest active material,
any between is carbon-binder domain (CBD), which conducts electrons but
stores no lithium. Refused with ``MicrostructureError`` (a ValueError): an
image that is not 3-D, is empty, holds non-finite values, is constant, or
whose pore does not percolate through the thickness (``NoPercolation``: the
tortuosity is infinite and no parameters follow).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..checks import positive
from .calendering import single_point_bruggeman
from .connectivity import Connectivity, connectivity
from .metrics import interface_area_density, mean_particle_radius, volume_fractions
from .segmentation import clean, denoise, segment
from .synthetic import ACTIVE, BINDER, PORE
from .tortuosity import NoPercolation, RandomWalk, SteadyState, random_walk, steady_state

ELECTRODES = ("negative", "positive")
_MIN_ISLAND = 8  # voxels; smaller islands of any phase are noise


class MicrostructureError(ValueError):
    """An image the pipeline cannot analyse; the message says why."""


class NoPercolatingPore(MicrostructureError, NoPercolation):
    """The pore phase does not join separator and current collector."""


@dataclass
class Stages:
    """The images of every stage, for slice plots."""

    raw: np.ndarray
    denoised: np.ndarray
    segmented: np.ndarray  # phases PORE/ACTIVE/BINDER before cleanup
    phases: np.ndarray  # after cleanup
    percolating_pore: np.ndarray
    concentration: np.ndarray  # steady-state field along axis 0, NaN outside


@dataclass
class Microstructure:
    voxel_size: float  # m
    porosity: float
    active_fraction: float
    binder_fraction: float
    n_phases: int
    tortuosity_tensor: tuple[float, float, float]  # steady state, inf where no percolation
    tortuosity_random_walk: float  # axis 0
    tortuosity_random_walk_error: float
    random_walk_tensor: tuple[float, float, float]
    random_walk_window: tuple[int, int]  # time steps
    specific_surface_area: float  # 1/m, pore/solid interface per electrode volume
    active_surface_area: float  # 1/m, active material's surface per electrode volume
    mean_particle_radius: float  # m
    thickness: float  # m
    pore: Connectivity
    solid: Connectivity
    stages: Stages = field(repr=False)

    @property
    def tortuosity(self) -> float:
        """Through-plane (axis 0) steady-state tortuosity factor."""
        return self.tortuosity_tensor[0]

    @property
    def bruggeman_exponent(self) -> float:
        return float(single_point_bruggeman(self.porosity, self.tortuosity))

    def battery_cell_parameters(self, electrode: str = "negative") -> dict[str, float]:
        """BatteryCell FMU parameter names -> values for one electrode."""
        if electrode not in ELECTRODES:
            raise ValueError(f"electrode must be one of {ELECTRODES}, got {electrode!r}")
        region = f"{electrode}_electrode"
        return {
            f"{region}_porosity": self.porosity,
            # the FMU takes tau >= 1; below 1 is discretisation noise on straight paths
            f"{region}_tortuosity": max(1.0, self.tortuosity),
            f"{region}_bruggeman": self.bruggeman_exponent,
            f"{region}_thickness": self.thickness,
            f"{electrode}_particle_radius": self.mean_particle_radius,
            f"{electrode}_active_material_fraction": self.active_fraction,
        }

    def summary(self, electrode: str = "negative") -> dict:
        """The descriptors as JSON-ready numbers (None for an infinite
        tortuosity: no percolation along that axis)."""
        return {
            "porosity": self.porosity,
            "active_material_fraction": self.active_fraction,
            "binder_fraction": self.binder_fraction,
            "phases": self.n_phases,
            "tortuosity": self.tortuosity,
            "tortuosity_tensor": [_finite_or_none(t) for t in self.tortuosity_tensor],
            "tortuosity_random_walk": self.tortuosity_random_walk,
            "tortuosity_random_walk_error": self.tortuosity_random_walk_error,
            "tortuosity_random_walk_tensor": [_finite_or_none(t) for t in self.random_walk_tensor],
            "random_walk_window_steps": list(self.random_walk_window),
            "bruggeman_exponent": self.bruggeman_exponent,
            "specific_surface_area": self.specific_surface_area,
            "active_surface_area": self.active_surface_area,
            "mean_particle_radius": self.mean_particle_radius,
            "thickness": self.thickness,
            "percolating_pore_fraction": self.pore.percolating_fraction,
            "pore_connectivity": self.pore.as_dict(),
            "solid_connectivity": self.solid.as_dict(),
            "battery_cell_parameters": self.battery_cell_parameters(electrode),
        }


def _finite_or_none(value: float):
    return float(value) if math.isfinite(value) else None


def check_image(image) -> np.ndarray:
    """The image as float32, or MicrostructureError saying what is wrong."""
    image = np.asarray(image)
    if image.ndim != 3:
        raise MicrostructureError(f"the image must be 3-D (a stack of slices), got {image.ndim}-D "
                                  f"of shape {image.shape}")
    if image.size == 0 or min(image.shape) < 2:
        raise MicrostructureError(f"the image is empty or flat: shape {image.shape}")
    if not np.issubdtype(image.dtype, np.number) or np.issubdtype(image.dtype, np.complexfloating):
        raise MicrostructureError(f"the image must hold real grey levels, got dtype {image.dtype}")
    image = image.astype(np.float32)
    if not np.isfinite(image).all():
        raise MicrostructureError("the image holds NaN or infinite grey levels")
    if float(image.max()) == float(image.min()):
        raise MicrostructureError(f"the image is constant (every voxel {float(image.min())!r}): "
                                  "there are no phases to tell apart")
    return image


def analyse(image, voxel_size: float, *, n_phases: int | None = None, denoised: bool = True,
            walkers: int = 10_000, walk_steps: int | None = None, seed: int = 0) -> Microstructure:
    """Run the pipeline on a 3-D grey-level ``image`` of ``voxel_size`` m."""
    positive("voxel_size", voxel_size)
    if n_phases not in (None, 2, 3):
        raise MicrostructureError(f"the phase count must be 2 (pore, solid) or 3 (pore, active material, "
                                  f"binder), got {n_phases!r}")
    raw = check_image(image)
    smooth = denoise(raw) if denoised else raw
    segmentation = segment(raw, smooth, n_phases, seed=seed)
    segmented = phases_by_grey(segmentation.labels, len(segmentation.means))
    phases = clean(segmented, _MIN_ISLAND)
    pore = phases == PORE
    pore_links = connectivity(pore)
    if not pore_links.percolating.any():
        raise NoPercolatingPore("the pore phase does not percolate through the thickness (axis 0): "
                                "the tortuosity is infinite; no parameters written")
    tensor = tuple(_steady_or_inf(pore, axis) for axis in range(3))
    active = phases == ACTIVE
    if not active.any():
        raise MicrostructureError("no active material found: the brightest phase is empty after cleanup")
    radius = mean_particle_radius(active)
    walk = random_walk(pore, walkers=walkers, steps=walk_steps or _walk_steps(radius), seed=seed)
    fractions = volume_fractions(phases, 3)
    return Microstructure(
        voxel_size=voxel_size, porosity=fractions[PORE], active_fraction=fractions[ACTIVE],
        binder_fraction=fractions[BINDER], n_phases=len(segmentation.means),
        tortuosity_tensor=tuple(t.tortuosity if t else math.inf for t in tensor),
        tortuosity_random_walk=float(walk.tortuosity[0]),
        tortuosity_random_walk_error=float(walk.error[0]),
        random_walk_tensor=tuple(_confined_as_inf(walk, axis) for axis in range(3)),
        random_walk_window=walk.window,
        specific_surface_area=interface_area_density(pore) / voxel_size,
        active_surface_area=interface_area_density(active) / voxel_size,
        mean_particle_radius=radius * voxel_size, thickness=phases.shape[0] * voxel_size,
        pore=pore_links, solid=connectivity(~pore),
        stages=Stages(raw, smooth, segmented, phases, pore_links.percolating, tensor[0].concentration))


def phases_by_grey(ranks: np.ndarray, count: int) -> np.ndarray:
    """Darkest -> PORE, brightest -> ACTIVE, any between -> BINDER."""
    table = np.full(count, BINDER, dtype=np.uint8)
    table[0], table[-1] = PORE, ACTIVE
    return table[ranks]


def _steady_or_inf(pore: np.ndarray, axis: int) -> SteadyState | None:
    try:
        return steady_state(pore, axis)
    except NoPercolation:
        return None


def _walk_steps(radius_voxels: float) -> int:
    """Enough steps for the free-space RMS displacement per axis to reach
    about 22 particle radii, t / 3 = (22 R)^2, bounded to [4000, 40000]:
    trapping in dead-end pores makes the MSD slope settle slowly (on packs
    with CBD in the necks, 2000 steps read tau 13 % low, 8000 steps 2 %)."""
    return int(np.clip(1500.0 * radius_voxels ** 2, 4000, 40_000))


def _confined_as_inf(walk: RandomWalk, axis: int) -> float:
    """A walker confined along an axis has an MSD that stops growing: its
    fitted tau is huge or negative; both mean no percolation."""
    tau = float(walk.tortuosity[axis])
    return tau if 0.0 < tau < 1e3 else math.inf
