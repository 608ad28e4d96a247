"""With the real FMUs built (``btwin build`` into build/fmus), their
semantics agree with their modelDescription.xml and the depot runs."""
from __future__ import annotations

from pathlib import Path

import pytest

from btwin.ontology import wire_to_ssp
from btwin.ontology.wiring import load_system
from fmu_factory import DEPOT

BUILT = Path(__file__).resolve().parents[2] / "build" / "fmus"
pytestmark = pytest.mark.integration


def _built(names):
    paths = [BUILT / f"{name}.fmu" for name in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"real FMUs not built ({', '.join(missing)}); run `btwin build`")
    return paths


def test_real_fmus_carry_semantics_that_agree_with_their_xml():
    fmus = sorted(BUILT.glob("*.fmu")) if BUILT.is_dir() else []
    if not fmus:
        pytest.skip("no real FMUs built; run `btwin build`")
    annotated, _, _ = load_system(fmus)
    for fmu in annotated:
        assert fmu.problems == [], fmu.component


def test_real_depot_wires_and_runs(tmp_path):
    from btwin.master import Master, System
    system = wire_to_ssp(_built(DEPOT), tmp_path / "depot.ssp")
    assert len(system.structure.connections) == 6
    master = Master(System.from_ssp(tmp_path / "depot.ssp", extract_to=tmp_path / "run"), progress=False)
    result = master.run(stop_time=60.0, step=1.0, out_dir=tmp_path / "results")
    assert result.macro_steps >= 60
    assert {bond["name"] for bond in result.bonds} >= {"BatteryCell_Charger"}
