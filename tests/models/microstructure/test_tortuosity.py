"""Tortuosity against exact limits and an independent finite-volume solve."""
import numpy as np
import pytest

from btwin.models.microstructure.synthetic import PORE, layered, sphere_pack, straight_channels
from btwin.models.microstructure.tortuosity import NoPercolation, random_walk, steady_state

from .reference_fv import tortuosity_fv


@pytest.mark.parametrize("width,spacing", [(1, 3), (3, 7), (4, 5)])
def test_straight_channels_have_tortuosity_one_along_them(width, spacing):
    pore = straight_channels((30, 21, 21), width, spacing, axis=0) == PORE
    result = steady_state(pore, axis=0)
    assert result.tortuosity == pytest.approx(1.0, abs=0.01)
    assert result.effective_diffusivity_ratio == pytest.approx(pore.mean(), rel=0.01)


def test_channels_along_another_axis_and_none_across():
    pore = straight_channels((20, 24, 18), 2, 5, axis=1) == PORE
    assert steady_state(pore, axis=1).tortuosity == pytest.approx(1.0, abs=0.01)
    for axis in (0, 2):
        with pytest.raises(NoPercolation, match="infinite"):
            steady_state(pore, axis=axis)


def test_layers_conduct_in_plane_only():
    pore = layered((24, 20, 20), period=6, pore_width=2, normal_axis=0) == PORE
    with pytest.raises(NoPercolation):
        steady_state(pore, axis=0)
    assert steady_state(pore, axis=2).tortuosity == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("seed,porosity,radius", [(21, 0.4, 3.0), (22, 0.3, 3.5)])
def test_steady_state_agrees_with_an_independent_finite_volume_solve(seed, porosity, radius):
    pore = sphere_pack((24, 20, 20), radius, porosity, binder_fraction=0.02, seed=seed).labels == PORE
    ours = steady_state(pore).tortuosity
    assert 1.2 < ours < 20.0  # a real obstacle course, not a straight path
    assert ours == pytest.approx(tortuosity_fv(pore), rel=0.03)


def test_random_walk_agrees_with_steady_state_on_a_sphere_pack():
    pore = sphere_pack(40, 3.0, 0.4, seed=11).labels == PORE
    walk = random_walk(pore, walkers=4000, steps=6000, seed=11)
    ss = steady_state(pore).tortuosity
    assert walk.tortuosity[0] == pytest.approx(ss, rel=0.05)
    assert 0.0 < walk.error[0] < 0.1 * walk.tortuosity[0]  # a stated, small statistical error


def test_random_walk_in_free_space_and_along_channels():
    free = random_walk(np.ones((16, 16, 16), dtype=bool), walkers=4000, steps=1000, seed=3)
    # free lattice walk: MSD per axis = t / 3 exactly in expectation
    np.testing.assert_allclose(free.tortuosity, 1.0, atol=4 * free.error.max())
    channels = random_walk(straight_channels((32, 24, 24), 3, 6) == PORE, walkers=4000, steps=2000, seed=4)
    assert channels.tortuosity[0] == pytest.approx(1.0, abs=max(3 * channels.error[0], 0.02))
    assert np.all(channels.tortuosity[1:] > 50.0)  # confined across the channels
