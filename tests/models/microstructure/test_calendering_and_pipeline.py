"""Calendering conserves material; the pipeline refuses bad images and its
parameters are the BatteryCell's."""
import numpy as np
import pytest

from btwin.fmus.catalogue import slave_class
from btwin.models.microstructure.calendering import bruggeman_exponent, calender
from btwin.models.microstructure.pipeline import (MicrostructureError, NoPercolatingPore, analyse,
                                                  check_image)
from btwin.models.microstructure.synthetic import ACTIVE, PORE, image_of, layered, sphere_pack
from btwin.models.microstructure.tortuosity import steady_state


def test_calendering_conserves_the_active_material_and_raises_tortuosity():
    pack = sphere_pack(32, 3.0, 0.5, seed=41)
    squeezed = calender(pack, 0.2)
    assert squeezed.labels.shape == (26, 32, 32)
    before, after = (pack.labels == ACTIVE).sum(), (squeezed.labels == ACTIVE).sum()
    assert after == pytest.approx(before, rel=0.005)
    # material conserved: 1 - eps = (1 - eps0) x thickness0 / thickness
    assert squeezed.porosity == pytest.approx(1.0 - (1.0 - pack.porosity) * 32 / 26, abs=0.005)
    assert steady_state(squeezed.labels == PORE).tortuosity > 1.2 * steady_state(pack.labels == PORE).tortuosity


def test_bruggeman_fit_recovers_a_known_exponent_and_needs_two_porosities():
    eps = np.array([0.5, 0.4, 0.3])
    b, error = bruggeman_exponent(eps, eps ** (1.0 - 2.2))
    assert b == pytest.approx(2.2, abs=1e-12) and error < 1e-12
    with pytest.raises(ValueError, match="two different porosities"):
        bruggeman_exponent([0.4, 0.4], [2.0, 2.1])


@pytest.mark.parametrize("image,reason", [
    (np.zeros((8, 8)), "3-D"),
    (np.zeros((0, 8, 8)), "empty"),
    (np.full((8, 8, 8), 0.3), "constant"),
    (np.where(np.arange(512).reshape(8, 8, 8) == 5, np.nan, 1.0), "NaN"),
])
def test_bad_images_are_refused_with_the_reason(image, reason):
    with pytest.raises(MicrostructureError, match=reason):
        check_image(image)


def test_no_percolating_pore_means_infinite_tortuosity_and_no_parameters():
    image = image_of(layered((18, 12, 12), 6, 2, normal_axis=0), snr=6.0, seed=1)
    with pytest.raises(NoPercolatingPore, match="infinite"):
        analyse(image, 1e-6)


def test_analysis_of_a_noisy_pack_gives_battery_cell_parameters():
    pack = sphere_pack(32, 3.0, 0.4, seed=42)
    result = analyse(image_of(pack.labels, snr=5.0, seed=43), 2e-6, walkers=2000, walk_steps=3000)
    assert result.porosity == pytest.approx(pack.porosity, abs=0.01)
    assert result.thickness == pytest.approx(64e-6)
    assert result.tortuosity == pytest.approx(steady_state(pack.labels == PORE).tortuosity, rel=0.05)
    cell = result.battery_cell_parameters("positive")
    names = {v.name for v in slave_class("BatteryCell").variables}
    assert set(cell) <= names
    assert cell["positive_particle_radius"] == pytest.approx(3.0 * 2e-6, rel=0.15)
