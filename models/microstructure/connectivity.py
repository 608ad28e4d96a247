"""Which part of a phase connects the separator to the current collector.

A phase's voxels are grouped into clusters by face connectivity (6
neighbours: two voxels that only share an edge do not conduct). Along an
axis, a cluster that touches both end faces *percolates*; one that touches
one face is a *dead end* (it stores and reacts but carries no through
current); one that touches neither is *isolated* (unreachable for ions if it
is pore, electronically cut off if it is solid). An electrode needs dual
connectivity (Kehrwald et al., J. Electrochem. Soc. 158 (2011) A1393): the
pore percolating for ions and the solid (active material with the carbon
binder) percolating for electrons, both through the thickness (axis 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class Connectivity:
    percolating: np.ndarray  # bool mask: voxels of clusters touching both end faces
    percolating_fraction: float  # of the phase's volume
    dead_end_fraction: float  # touching one end face only
    isolated_fraction: float  # touching neither
    isolated_clusters: int

    def as_dict(self) -> dict:
        return {"percolating_fraction": self.percolating_fraction,
                "dead_end_fraction": self.dead_end_fraction,
                "isolated_fraction": self.isolated_fraction,
                "isolated_clusters": self.isolated_clusters}


def connectivity(phase: np.ndarray, axis: int = 0) -> Connectivity:
    """Cluster classes of the boolean mask ``phase`` along ``axis``."""
    clusters, count = ndimage.label(phase)
    sizes = np.bincount(clusters.reshape(-1), minlength=count + 1).astype(float)
    sizes[0] = 0.0
    first = _touching(clusters, axis, 0, count)
    last = _touching(clusters, axis, -1, count)
    through, one_end = first & last, first ^ last
    isolated = ~(first | last)
    isolated[0] = False
    volume = max(sizes.sum(), 1.0)
    return Connectivity(
        percolating=through[clusters],
        percolating_fraction=float(sizes[through].sum() / volume),
        dead_end_fraction=float(sizes[one_end].sum() / volume),
        isolated_fraction=float(sizes[isolated].sum() / volume),
        isolated_clusters=int(isolated.sum()))


def _touching(clusters: np.ndarray, axis: int, index: int, count: int) -> np.ndarray:
    touched = np.zeros(count + 1, dtype=bool)
    touched[np.unique(np.take(clusters, index, axis=axis))] = True
    touched[0] = False
    return touched
