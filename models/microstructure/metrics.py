"""Volume, surface and size descriptors of a segmented electrode.

* Volume fractions: voxel counts over the image volume.
* Specific surface area a [1/m] of the pore/solid interface per electrode
  volume: the area of a marching-cubes surface (Lorensen & Cline 1987;
  scikit-image) of the Gaussian-smoothed solid indicator (sigma 0.5 voxel) at
  level 0.5, over the image volume. On voxelised spheres of radius >= 4 voxels
  it is within about 3 % of 3/R per sphere volume (the raw voxel faces would
  overestimate it by about 50 %).
* Mean particle radius: the mean radius of the largest spheres inscribed at
  the particle centres, the local maxima of the Euclidean distance transform
  of the active phase (at least ``min_separation`` voxels apart). The
  transform measures from a voxel centre to the nearest outside voxel centre:
  half a voxel beyond the surface, from a point about half a voxel off the
  true centre, so the two offsets cancel on average (within about 5 % on
  packs of radius >= 3 voxels). This is the diffusion
  length of a particle, what the single-particle model's radius stands for.
  Limits: a particle mostly covered by its neighbours shows no maximum of its
  own, so heavily overlapping packs read larger radii; the radius and the
  measured surface area need not satisfy the model's a = 3 eps_s / R (the
  touching faces of real particles react no lithium), and both are reported.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

_SMOOTHING = 0.5  # voxels, Gaussian of the indicator before marching cubes


def volume_fractions(labels: np.ndarray, n_phases: int) -> tuple[float, ...]:
    counts = np.bincount(labels.reshape(-1), minlength=n_phases)
    return tuple(float(c) / labels.size for c in counts[:n_phases])


def interface_area_density(phase: np.ndarray) -> float:
    """Area of the boundary of the boolean mask ``phase`` per image volume
    [1/voxel]."""
    from skimage.measure import marching_cubes, mesh_surface_area

    if not phase.any() or phase.all():
        return 0.0
    # a mirrored margin keeps the image faces from counting as interface
    padded = np.pad(phase.astype(np.float32), 1, mode="reflect")
    smooth = ndimage.gaussian_filter(padded, _SMOOTHING)
    vertices, faces, _, _ = marching_cubes(smooth, level=0.5)
    inside = np.all((vertices >= 1.0) & (vertices <= np.array(phase.shape, dtype=float)), axis=1)
    area = mesh_surface_area(vertices, faces[np.all(inside[faces], axis=1)])
    return float(area) / phase.size


def mean_particle_radius(phase: np.ndarray, min_separation: int = 2) -> float:
    """Mean inscribed radius at the distance-transform maxima [voxels]."""
    from skimage.feature import peak_local_max

    if not phase.any():
        return float("nan")
    padded = np.pad(phase, 1, mode="reflect")  # particles cut by the faces continue beyond
    distance = ndimage.distance_transform_edt(padded)[1:-1, 1:-1, 1:-1]
    peaks = peak_local_max(distance, min_distance=min_separation, threshold_abs=1.0,
                           exclude_border=False)
    if peaks.size == 0:
        return float(distance.max())
    return float(distance[tuple(peaks.T)].mean())
