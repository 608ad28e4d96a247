"""``btwin eis``: the file it writes is the model's spectrum, a pack scales
it, and bad input exits 2 naming the value."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters
from btwin.models.battery.impedance import CellImpedance
from btwin.scenarios.cli import main


def _read(path):
    table = np.genfromtxt(path, delimiter=",", names=True)
    return table["frequency_Hz"], table["z_real_Ohm"] + 1j * table["z_imag_Ohm"]


def test_writes_the_spectrum_and_the_plots(tmp_path, capsys):
    out, plot = tmp_path / "eis.csv", tmp_path / "eis.png"
    code = main(["eis", "--soc", "0.3", "--temperature", "283.15", "--fmin", "0.01", "--fmax", "100",
                 "--points", "9", "--out", str(out), "--plot", str(plot)])
    assert code == 0
    f, z = _read(out)
    np.testing.assert_allclose(f, np.logspace(-2, 2, 9), rtol=1e-9)
    expected = CellImpedance.at_soc(0.3, 283.15).impedance(f)
    np.testing.assert_allclose(z, expected, rtol=1e-8)
    assert np.all(z.imag < 0.0)
    assert plot.stat().st_size > 10_000
    assert "R_ct" in capsys.readouterr().out


def test_pack_and_contact_resistance_from_params(tmp_path):
    cell_file, pack_file = tmp_path / "cell.csv", tmp_path / "pack.csv"
    assert main(["eis", "--points", "5", "--out", str(cell_file)]) == 0
    assert main(["eis", "--points", "5", "--out", str(pack_file), "--param", "n_series=10",
                 "--param", "n_parallel=2", "--param", "contact_resistance=0.001"]) == 0
    _, cell = _read(cell_file)
    _, pack = _read(pack_file)
    np.testing.assert_allclose(pack, 5.0 * (cell + 0.001), rtol=1e-8)


@pytest.mark.parametrize("arguments, named", [
    (["--fmin", "0"], "--fmin"),
    (["--fmax", "-5"], "-5"),
    (["--fmax", "inf"], "inf"),
    (["--soc", "1.0"], "1.0"),
    (["--soc", "0"], "soc"),
    (["--temperature", "200"], "200"),
    (["--param", "n_seris=3"], "n_series"),
    (["--param", "separator_porosity=1.5"], "separator_porosity"),
    (["--param", "sei_enabled=maybe"], "sei_enabled"),
])
def test_bad_input_exits_2_naming_the_value(tmp_path, capsys, arguments, named):
    assert main(["eis", "--out", str(tmp_path / "x.csv"), *arguments]) == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
