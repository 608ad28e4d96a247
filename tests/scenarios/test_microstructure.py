"""``btwin microstructure`` and the microstructure_to_twin scenario."""
from __future__ import annotations

import json

import numpy as np
import pytest

from btwin.models.microstructure.synthetic import image_of, layered, sphere_pack
from btwin.scenarios import microstructure_to_twin
from btwin.scenarios.cli import main

DESIGN_KEYS = {"porosity", "tortuosity", "tortuosity_tensor", "tortuosity_random_walk", "bruggeman_exponent",
               "specific_surface_area", "mean_particle_radius", "percolating_pore_fraction",
               "battery_cell_parameters"}


@pytest.fixture(scope="module")
def pack_image(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    pack = sphere_pack(28, 3.0, 0.4, seed=51)
    image = image_of(pack.labels, snr=5.0, seed=52)
    np.save(folder / "pack.npy", image)
    import tifffile
    tifffile.imwrite(folder / "pack.tif", image)
    return folder, pack


@pytest.mark.parametrize("name", ["pack.npy", "pack.tif"])
def test_command_writes_the_parameters_and_the_stage_plot(pack_image, tmp_path, name):
    folder, pack = pack_image
    out = tmp_path / "params.json"
    assert main(["microstructure", str(folder / name), "--voxel-size", "2e-6", "--electrode", "positive",
                 "--walkers", "1000", "--walk-steps", "1500", "--out", str(out)]) == 0
    params = json.loads(out.read_text())
    assert DESIGN_KEYS <= set(params)
    assert params["porosity"] == pytest.approx(pack.porosity, abs=0.01)
    assert len(params["tortuosity_tensor"]) == 3
    assert params["battery_cell_parameters"]["positive_electrode_thickness"] == pytest.approx(56e-6)
    assert (tmp_path / "params_stages.png").stat().st_size > 0


@pytest.mark.parametrize("image,words", [
    (np.zeros((6, 6)), "3-D"),
    (np.ones((6, 6, 6)), "constant"),
    (image_of(layered((18, 12, 12), 6, 2, normal_axis=0), snr=6.0), "tortuosity is infinite"),
])
def test_command_refuses_a_bad_image_with_exit_2(tmp_path, capsys, image, words):
    path = tmp_path / "bad.npy"
    np.save(path, image)
    out = tmp_path / "params.json"
    assert main(["microstructure", str(path), "--voxel-size", "1e-6", "--out", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_command_refuses_a_missing_or_unknown_file(tmp_path, capsys):
    assert main(["microstructure", str(tmp_path / "none.npy"), "--voxel-size", "1e-6",
                 "--out", str(tmp_path / "p.json")]) == 2
    (tmp_path / "image.png").write_bytes(b"x")
    assert main(["microstructure", str(tmp_path / "image.png"), "--voxel-size", "1e-6",
                 "--out", str(tmp_path / "p.json")]) == 2
    assert ".npy" in capsys.readouterr().err


@pytest.mark.integration
@pytest.mark.slow
def test_calendered_electrode_has_higher_tortuosity_and_less_capacity_at_2c(fmu_dir, tmp_path):
    summary = microstructure_to_twin.run(tmp_path, fmu_dir=fmu_dir, voxels=48, wltc_duration=30.0,
                                       walkers=2000)
    coated, calendered = (summary["electrodes"][k] for k in ("as_coated", "calendered"))
    assert calendered["porosity"] < coated["porosity"] - 0.05
    assert calendered["tortuosity"] > coated["tortuosity"]
    for electrode in (coated, calendered):
        assert electrode["truth"]["segmentation_accuracy"] >= 0.97
        assert electrode["porosity"] == pytest.approx(electrode["truth"]["porosity"], abs=0.02)
    capacity = summary["capacity_Ah"]
    # same active material per area as the LG M50: the same capacity at low rate
    for name in ("as_coated", "calendered"):
        assert capacity[name]["0.5C"] == pytest.approx(capacity[microstructure_to_twin.REFERENCE]["0.5C"], rel=0.03)
    assert capacity["calendered"]["2C"] < capacity["as_coated"]["2C"]
    assert summary["bruggeman_fit"]["bruggeman_exponent"] > 1.0
    assert json.loads((tmp_path / "summary.json").read_text())["capacity_Ah"] == capacity
    for png in ("as_coated_stages.png", "calendered_stages.png", "comparison.png"):
        assert (tmp_path / png).stat().st_size > 0


def test_electrode_design_writes_its_optima_and_pareto_front(tmp_path):
    from btwin.scenarios import electrode_design

    summary = electrode_design.run(tmp_path, grid=2, min_power=300.0)
    for design in summary["optimal_designs"].values():
        assert design["plating_margin_V"] >= 0.0 and design["pulse_power_W_per_m2"] >= 300.0
    front = summary["pareto_front"]
    assert front and (tmp_path / "pareto.png").stat().st_size > 0
    low, high = "energy_0.5C_Wh_per_m2", "energy_2C_Wh_per_m2"
    energy_end = max(front, key=lambda point: point[low])["design"]
    power_end = max(front, key=lambda point: point[high])["design"]
    assert power_end["porosity"] >= energy_end["porosity"]  # rate needs electrolyte room
