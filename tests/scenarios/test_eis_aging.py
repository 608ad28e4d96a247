"""The eis_aging scenario, shortened: its files, the fits tracked against the
model's aging state, and the rate-limit table."""
from __future__ import annotations

import json

import pytest

from btwin.scenarios import eis_aging

SHORT = dict(years=2.0, aging_states=3, points=40, max_c_rate=1.0)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("eis_aging")
    return out, eis_aging.run(out, **SHORT)


def test_writes_every_file_and_the_summary(result):
    out, summary = result
    for name in ("spectra.csv", "aging_spectra.csv", "rate_limits.csv", "spectra.png", "aging.png",
                 "rate_limits.png"):
        assert (out / name).stat().st_size > 500, name
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(summary))


def test_fits_follow_the_models_elements(result):
    _, summary = result
    assert summary["spectra"]["largest R0 or R_ct fit error [%]"] < 5.0
    states = [v for k, v in summary["aging"].items() if k.endswith("years")]
    assert len(states) == 3
    thickness = [s["sei_thickness_nm"] for s in states]
    assert thickness == sorted(thickness) and thickness[-1] > 2 * thickness[0]
    for state in states:
        fitted = float(state["fit_r_sei_mOhm"].split()[0])
        assert fitted == pytest.approx(state["model_r_sei_mOhm"], rel=0.15)
    assert summary["aging"]["fitted R_SEI grows monotonically"] == "yes"
    losses = [s["capacity_loss_Ah"] for s in states]
    assert losses[0] == 0.0 and losses[1] < losses[2]


def test_rate_table_runs_to_the_cut_off_and_names_the_limit(result):
    _, summary = result
    table = summary["rate_limits"]
    assert list(table) == ["0.2C", "0.5C", "1C"]
    capacities = [row["capacity_Ah"] for row in table.values()]
    assert capacities == sorted(capacities, reverse=True)
    assert all(row["ended_by"] == "voltage cut-off" for row in table.values())
    assert all(row["limited_by"] in eis_aging.PROCESS_LABELS.values() for row in table.values())
