"""Tortuosity factor of a pore space, two independent ways.

Definition (Epstein 1989; as TauFactor computes it, Cooper et al.,
SoftwareX 5 (2016) 203): the effective diffusivity through a porous slab of
porosity eps is D_eff = D eps / tau, so tau = eps D / D_eff. Straight
channels give tau = 1; the BatteryCell's transport efficiency eps / tau is
D_eff / D.

``steady_state``: Fick's law on the voxel grid by finite volumes. Each pore
voxel is a control volume; two face-sharing pore voxels exchange flux with
conductance D (one voxel apart); the end faces along the chosen axis are held
at c = 1 and c = 0, half a voxel from the first and last voxel centres
(conductance 2D); every other face is closed. Only the pore cluster that
touches both end faces takes part (isolated and blind clusters carry no
flux; dead-end branches of the percolating cluster are kept). The symmetric
positive-definite system is solved with conjugate gradients preconditioned by
smoothed-aggregation algebraic multigrid (PyAMG; one forward and one
backward Gauss-Seidel sweep, which halves the cost of PyAMG's default
symmetric sweeps on 200^3 images), to a relative residual of 1e-7; the
flux leaving the inlet face gives D_eff = Q L / (A dc). Straight
channels give tau = 1 exactly, whatever their count and width. If no pore
cluster joins the two faces the tortuosity is infinite: ``NoPercolation``.

``random_walk``: the long-time self-diffusion of walkers in the pore space
(Einstein relation; Nakashima & Kamiya, J. Nucl. Sci. Technol. 44 (2007)
1233). Walkers start on random voxels of the percolating pore cluster; each
time step every walker tries one of the 6 face neighbours at random and stays
put if that voxel is solid ("blind ant", which keeps the walk's long-time
diffusivity equal to the lattice's conductivity, the same discretisation as
the steady-state solve). Outside the image the walk continues in its mirror
images (reflecting walls at the image faces, no loss of walkers). In free
space the mean-square displacement along an axis grows as t / 3 (steps,
voxels^2); in the pore space its slope s over the window, fitted by least
squares over the second half of the walk, gives tau_axis = (1/3) / s. The
statistical error is the standard error over ``batches`` independent walker
groups. The walk must outlast the structure: its RMS displacement should be
several particle diameters, or tau is underestimated (the walkers have not
yet met the obstacles).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .connectivity import connectivity

_TOLERANCE = 1e-7  # relative residual of the steady-state solve (tau to about 1e-5)


class NoPercolation(ValueError):
    """No pore cluster joins the two end faces: the tortuosity is infinite."""


@dataclass(frozen=True)
class SteadyState:
    tortuosity: float
    effective_diffusivity_ratio: float  # D_eff / D = eps / tau
    porosity: float
    concentration: np.ndarray  # float32 image, NaN outside the percolating pore


def steady_state(pore: np.ndarray, axis: int = 0) -> SteadyState:
    """Tortuosity factor of the boolean ``pore`` mask along ``axis``."""
    pore = np.moveaxis(np.asarray(pore, dtype=bool), axis, 0)
    porosity = float(pore.mean())
    active = connectivity(pore, axis=0).percolating
    if not active.any():
        raise NoPercolation(f"no pore path joins the two faces along axis {axis}: "
                            "the tortuosity is infinite")
    matrix, rhs, inlet = _fick_system(active)
    c = _solve_spd(matrix, rhs, _linear_guess(active))
    flux = float(np.sum(2.0 * (1.0 - c[inlet])))
    ratio = flux * active.shape[0] / (active.shape[1] * active.shape[2])
    field = np.full(active.shape, np.nan, dtype=np.float32)
    field[active] = c
    return SteadyState(porosity / ratio, ratio, porosity, np.moveaxis(field, 0, axis))


def _fick_system(active: np.ndarray):
    """Finite-volume matrix of the active voxels (unit conductances, Dirichlet
    faces at half a voxel along axis 0), its right-hand side and the inlet
    voxels' unknown numbers."""
    number = np.full(active.shape, -1, dtype=np.int64)
    count = int(active.sum())
    number[active] = np.arange(count)
    rows, cols = [], []
    for ax in range(3):
        low = [slice(None)] * 3
        high = [slice(None)] * 3
        low[ax], high[ax] = slice(0, -1), slice(1, None)
        a, b = number[tuple(low)], number[tuple(high)]
        linked = (a >= 0) & (b >= 0)
        rows.append(a[linked])
        cols.append(b[linked])
    i, j = np.concatenate(rows), np.concatenate(cols)
    degree = np.bincount(i, minlength=count) + np.bincount(j, minlength=count)
    inlet, outlet = number[0][active[0]], number[-1][active[-1]]
    diagonal = degree.astype(float)
    diagonal[inlet] += 2.0  # each voxel once per face; the faces are apart (at least 2 voxels)
    diagonal[outlet] += 2.0
    ones = -np.ones(i.size)
    matrix = sp.csr_matrix((np.concatenate([ones, ones, diagonal]),
                            (np.concatenate([i, j, np.arange(count)]),
                             np.concatenate([j, i, np.arange(count)]))), shape=(count, count))
    rhs = np.zeros(count)
    rhs[inlet] = 2.0
    return matrix, rhs, inlet


def _linear_guess(active: np.ndarray) -> np.ndarray:
    depth = (np.arange(active.shape[0]) + 0.5) / active.shape[0]
    return np.broadcast_to((1.0 - depth)[:, None, None], active.shape)[active]


def _solve_spd(matrix, rhs, guess):
    import pyamg
    from scipy.sparse.linalg import cg

    from threadpoolctl import threadpool_limits

    # the hierarchy's small dense eigenproblems gain nothing from BLAS threads
    # and lose much when the cores are shared
    with threadpool_limits(1):
        preconditioner = pyamg.smoothed_aggregation_solver(
            matrix, symmetry="symmetric", max_coarse=2000,
            presmoother=("gauss_seidel", {"sweep": "forward"}),
            postsmoother=("gauss_seidel", {"sweep": "backward"})).aspreconditioner()
        solution, info = cg(matrix, rhs, x0=guess, rtol=_TOLERANCE, maxiter=500, M=preconditioner)
    if info != 0:
        raise RuntimeError(f"steady-state diffusion solve did not converge ({info} iterations)")
    return solution


@dataclass(frozen=True)
class RandomWalk:
    tortuosity: np.ndarray  # (3,) per axis
    error: np.ndarray  # (3,) standard error over the batches
    window: tuple[int, int]  # time steps of the fitted MSD slope
    time: np.ndarray  # recorded time steps
    msd: np.ndarray  # (len(time), 3) mean-square displacement per axis, voxels^2


def random_walk(pore: np.ndarray, *, walkers: int = 10_000, steps: int = 4000, batches: int = 10,
                records: int = 40, seed: int = 0) -> RandomWalk:
    """Tortuosity factor per axis from the MSD of ``walkers`` walkers over
    ``steps`` time steps (slope fitted over the second half)."""
    pore = np.asarray(pore, dtype=bool)
    start_space = connectivity(pore, axis=0).percolating
    if not start_space.any():
        raise NoPercolation("no pore path joins the two faces along axis 0: the tortuosity is infinite")
    rng = np.random.default_rng(seed)
    where = np.flatnonzero(start_space.reshape(-1))
    voxel = where[rng.integers(0, where.size, walkers)]  # flat index in the image
    open_bits, wall_bits, offsets = _neighbourhood(pore)
    # The walk is isotropic, so directions are drawn in the image's frame; a
    # walker in a mirrored copy moves the other way in unfolded space.
    orientation = np.ones((3, walkers), dtype=np.int64)
    displacement = np.zeros((3, walkers), dtype=np.int64)
    column = np.arange(walkers)
    record_at = set(np.unique(np.linspace(steps // records, steps, records).astype(int)).tolist())
    times, squares = [], []
    for t in range(1, steps + 1):
        direction = rng.integers(0, 6, walkers, dtype=np.uint8)
        goes = ((open_bits[voxel] >> direction) & 1).astype(bool)
        walls = goes & ((wall_bits[voxel] >> direction) & 1).astype(bool)
        axis = (direction >> 1).astype(np.intp)
        sign = 1 - 2 * (direction & 1).astype(np.int64)
        displacement[axis[goes], column[goes]] += orientation[axis[goes], column[goes]] * sign[goes]
        orientation[axis[walls], column[walls]] *= -1
        inside = goes & ~walls
        voxel[inside] += offsets[direction[inside]]
        if t in record_at:
            times.append(t)
            squares.append(displacement.T.astype(np.float64) ** 2)
    time = np.array(times)
    square = np.stack(squares)  # (records, walkers, 3)
    window = time >= steps / 2
    groups = np.array_split(np.arange(walkers), batches)
    per_batch = np.array([_tau(time[window], square[window][:, g].mean(axis=1)) for g in groups])
    return RandomWalk(_tau(time[window], square[window].mean(axis=1)),
                      per_batch.std(axis=0, ddof=1) / np.sqrt(batches),
                      (int(time[window][0]), int(time[window][-1])), time, square.mean(axis=1))


def _neighbourhood(pore: np.ndarray):
    """Per voxel, bit k of ``open_bits``: a step in direction k (+0, -0, +1,
    -1, +2, -2 along the axes) lands on pore or leaves the image (into its
    mirror image, the same voxel); bit k of ``wall_bits``: it leaves the image.
    ``offsets``: the flat-index change of each direction."""
    open_bits = np.zeros(pore.shape, dtype=np.uint8)
    wall_bits = np.zeros(pore.shape, dtype=np.uint8)
    strides = np.array([pore.shape[1] * pore.shape[2], pore.shape[2], 1], dtype=np.int64)
    offsets = np.empty(6, dtype=np.int64)
    for axis in range(3):
        for k, step in ((2 * axis, 1), (2 * axis + 1, -1)):
            neighbour = np.roll(pore, -step, axis=axis)
            edge = [slice(None)] * 3
            edge[axis] = -1 if step == 1 else 0
            wall = np.zeros(pore.shape, dtype=bool)
            wall[tuple(edge)] = True
            open_bits |= ((neighbour & ~wall) | wall).astype(np.uint8) << k
            wall_bits |= wall.astype(np.uint8) << k
            offsets[k] = step * strides[axis]
    return open_bits.reshape(-1), wall_bits.reshape(-1), offsets


def _tau(time: np.ndarray, msd: np.ndarray) -> np.ndarray:
    """(1/3) / least-squares slope of the MSD (per axis) against time."""
    slope = np.polyfit(time.astype(float), msd, 1)[0]
    return (1.0 / 3.0) / slope
