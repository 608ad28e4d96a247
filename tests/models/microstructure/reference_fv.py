"""An independent finite-volume solve of the tortuosity factor, written
apart from ``btwin.models.microstructure.tortuosity`` to check it: every
voxel of the grid is an unknown (solid voxels get a diffusivity 1e-9 of the
pore's, so the system stays regular without any cluster search), face
conductances are harmonic means of the two voxels' diffusivities, the
system is solved directly (SuperLU), and the flux is read across the middle
plane of the slab instead of at the inlet."""
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

SOLID_DIFFUSIVITY = 1e-9


def tortuosity_fv(pore: np.ndarray) -> float:
    d = np.where(pore, 1.0, SOLID_DIFFUSIVITY)
    n = d.shape
    index = np.arange(d.size).reshape(n)
    rows, cols, vals = [], [], []
    diagonal = np.zeros(d.size)
    for axis in range(3):
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[axis], b[axis] = slice(0, -1), slice(1, None)
        g = 2.0 * d[tuple(a)] * d[tuple(b)] / (d[tuple(a)] + d[tuple(b)])
        i, j = index[tuple(a)].ravel(), index[tuple(b)].ravel()
        rows += [i, j]
        cols += [j, i]
        vals += [-g.ravel(), -g.ravel()]
        np.add.at(diagonal, i, g.ravel())
        np.add.at(diagonal, j, g.ravel())
    rhs = np.zeros(d.size)
    inlet, outlet = index[0].ravel(), index[-1].ravel()
    diagonal[inlet] += 2.0 * d[0].ravel()  # reservoir c = 1 half a voxel away
    diagonal[outlet] += 2.0 * d[-1].ravel()  # reservoir c = 0
    rhs[inlet] = 2.0 * d[0].ravel()
    matrix = sp.csr_matrix((np.concatenate(vals + [diagonal]),
                            (np.concatenate(rows + [np.arange(d.size)]),
                             np.concatenate(cols + [np.arange(d.size)]))), shape=(d.size, d.size))
    c = spsolve(matrix.tocsc(), rhs).reshape(n)
    k = n[0] // 2
    g = 2.0 * d[k - 1] * d[k] / (d[k - 1] + d[k])
    flux = float(np.sum(g * (c[k - 1] - c[k])))
    diffusivity_ratio = flux * n[0] / (n[1] * n[2])
    return float(pore.mean()) / diffusivity_ratio
