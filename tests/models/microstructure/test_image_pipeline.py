"""Segmentation, connectivity and metrics scored against synthetic truth."""
import numpy as np
import pytest
from scipy import ndimage

from btwin.models.microstructure.connectivity import connectivity
from btwin.models.microstructure.metrics import interface_area_density, mean_particle_radius
from btwin.models.microstructure.segmentation import clean, denoise, noise_sigma, segment
from btwin.models.microstructure.synthetic import (ACTIVE, BINDER, PORE, image_of, render_spheres,
                                                   sphere_pack)


def test_two_phase_segmentation_at_snr_3_meets_the_accuracy_target():
    pack = sphere_pack(36, 3.5, 0.38, seed=31)
    raw = image_of(pack.labels, snr=3.0, seed=32)
    result = segment(raw, denoise(raw))
    assert len(result.means) == 2  # BIC: two phases
    labels = clean(result.labels)
    assert np.mean(labels == pack.labels) >= 0.98
    assert np.mean(labels == PORE) == pytest.approx(pack.porosity, abs=0.01)


def test_bic_finds_the_binder_as_a_third_phase():
    pack = sphere_pack(32, 3.5, 0.38, binder_fraction=0.04, seed=33)
    raw = image_of(pack.labels, snr=5.0, seed=34)
    result = segment(raw, denoise(raw))
    assert len(result.means) == 3
    phases = np.array([PORE, BINDER, ACTIVE], dtype=np.uint8)[clean(result.labels)]
    assert np.mean(phases == pack.labels) >= 0.98


def test_denoising_removes_most_of_the_noise():
    pack = sphere_pack(32, 3.0, 0.4, seed=35)
    raw = image_of(pack.labels, snr=3.0, seed=36)
    truth = np.where(pack.labels == PORE, 0.0, 1.0)
    assert noise_sigma(raw) == pytest.approx(1.0 / 3.0, rel=0.2)
    assert np.std(denoise(raw) - truth) < 0.6 * np.std(raw - truth)


def test_cleanup_removes_speckle_and_keeps_particles():
    pack = sphere_pack(32, 3.0, 0.4, seed=37)
    noisy = pack.labels.copy()
    rng = np.random.default_rng(0)
    flips = rng.random(noisy.shape) < 0.01
    noisy[flips] = 1 - noisy[flips]
    cleaned = clean(noisy, 8)
    # flips inside the other phase are islands and go; flips on a boundary cannot be told apart
    assert np.mean(cleaned != pack.labels) < 0.6 * np.mean(noisy != pack.labels)
    for phase in (PORE, ACTIVE):
        clusters, count = ndimage.label(cleaned == phase)
        assert np.bincount(clusters.ravel())[1:].min() >= 8


def test_connectivity_tells_percolating_dead_end_and_isolated_pores():
    solid = np.ones((20, 10, 10), dtype=bool)
    solid[:, 1:3, 1:3] = False  # a channel through
    solid[0:12, 6:8, 6:8] = False  # open at the separator, closed before the collector
    solid[8:12, 4, 7:9] = False  # a closed cavity
    pore = connectivity(~solid)
    volume = (~solid).sum()
    assert pore.percolating_fraction == pytest.approx(80 / volume)
    assert pore.dead_end_fraction == pytest.approx(48 / volume)
    assert pore.isolated_fraction == pytest.approx(8 / volume)
    assert pore.isolated_clusters == 1


def test_surface_area_of_a_sphere():
    sphere = render_spheres(40, np.array([[20.2, 19.7, 20.4]]), np.array([8.0]))
    area = interface_area_density(sphere) * sphere.size
    assert area == pytest.approx(4 * np.pi * 8.0 ** 2, rel=0.06)


def test_particle_radius_of_a_loose_pack():
    pack = sphere_pack(48, 4.0, 0.7, radius_spread=0.1, seed=38)
    assert mean_particle_radius(pack.labels == ACTIVE) == pytest.approx(pack.radii.mean(), rel=0.1)
