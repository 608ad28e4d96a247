"""Malformed and hostile input on the command line: a message naming what is
wrong and exit 2, never a traceback; archives that would unpack too much are
refused; no temporary folder is left behind."""
from __future__ import annotations

import zipfile

import pytest

from btwin.master import write_ssp
from btwin.scenarios.cli import main

from .conftest import rc_pair


def _rewritten(ssp, out, replace=(), members=None):
    """A copy of the archive ``ssp`` with text replaced in its SSD and members replaced or added."""
    members = dict(members or {})
    with zipfile.ZipFile(ssp) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = members.pop(name, None) or source.read(name)
            if name == "SystemStructure.ssd":
                text = data.decode()
                for old, new in replace:
                    assert old in text, old
                    text = text.replace(old, new)
                data = text.encode()
            target.writestr(name, data)
        for name, data in members.items():
            target.writestr(name, data)
    return out


@pytest.fixture
def rc_ssp(fmus, tmp_path):
    structure = rc_pair(fmus)
    structure.component("load").parameters["R2"] = 0.5
    return write_ssp(structure, tmp_path / "rc.ssp")


def _broken_xml_fmu(fmu) -> bytes:
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(fmu) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data[: len(data) // 2] if name == "modelDescription.xml" else data)
    return buffer.getvalue()


CASES = {
    "an FMU that is not a zip": dict(members={"resources/RCLoad.fmu": b"not a zip at all"},
                                     expect="not an FMU (not a zip archive)"),
    "broken XML in an FMU": dict(broken_load=True, expect="malformed XML"),
    'Integer "forty"': dict(replace=[('<ssv:Real value="0.5"/>', '<ssv:Integer value="forty"/>')],
                            expect="parameter 'R2': Integer value 'forty' is not a valid Integer"),
    "a non-numeric factor": dict(
        replace=[('endConnector="current"/>', 'endConnector="current"><ssc:LinearTransformation factor="two"/>'
                                              '</ssd:Connection>')],
        expect="LinearTransformation factor 'two'"),
    "a connection without startConnector": dict(replace=[('startConnector="voltage" ', '')],
                                                expect="has no startConnector"),
}


@pytest.mark.parametrize("case", CASES)
def test_malformed_systems_get_a_message_and_exit_2(case, fmus, rc_ssp, tmp_path, capsys, private_tmp):
    spec = CASES[case]
    members = dict(spec.get("members", {}))
    if spec.get("broken_load"):
        members["resources/RCLoad.fmu"] = _broken_xml_fmu(fmus["RCLoad"])
    bad = _rewritten(rc_ssp, tmp_path / "bad.ssp", spec.get("replace", ()), members)
    code = main(["run", str(bad), "--stop-time", "0.1", "--step", "0.05", "--out", str(tmp_path / "out"),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert spec["expect"] in err and "Traceback" not in err
    assert list(private_tmp.iterdir()) == []  # the refused system's unpacked folder is gone


def test_an_unwritable_out_folder_is_named(rc_ssp, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    code = main(["run", str(rc_ssp), "--stop-time", "0.1", "--step", "0.05", "--out", str(blocker / "out")])
    assert code == 2
    assert f"{blocker / 'out'}: Not a directory" in capsys.readouterr().err


def test_a_missing_sparql_file_is_named(fmus, tmp_path, capsys):
    code = main(["query", str(fmus["RCLoad"]), "--sparql", f"@{tmp_path / 'missing.rq'}"])
    assert code == 2
    assert f"{tmp_path / 'missing.rq'}: No such file or directory" in capsys.readouterr().err


def test_a_run_leaves_no_temporary_folder(rc_ssp, tmp_path, capsys, private_tmp):
    code = main(["run", str(rc_ssp), "--stop-time", "0.1", "--step", "0.05", "--out", str(tmp_path / "out"),
                 "--no-progress"])
    assert code == 0
    assert list(private_tmp.iterdir()) == []


def test_an_archive_that_unpacks_too_much_is_refused(rc_ssp, tmp_path, capsys, private_tmp, monkeypatch):
    monkeypatch.setenv("BTWIN_MAX_UNPACKED_MB", "4")
    bomb = _rewritten(rc_ssp, tmp_path / "bomb.ssp", members={"resources/zeros.bin": bytes(8 * 1024**2)})
    assert bomb.stat().st_size < 100_000  # 8 MiB of zeros compress to a few kB
    code = main(["run", str(bomb), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "unpacks to more than 4 MiB" in err
    assert list(private_tmp.iterdir()) == []


def test_an_archive_with_too_many_members_is_refused(rc_ssp, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BTWIN_MAX_ARCHIVE_MEMBERS", "20")
    crowded = _rewritten(rc_ssp, tmp_path / "crowded.ssp", members={f"resources/{i}.txt": b"x" for i in range(30)})
    code = main(["run", str(crowded), "--out", str(tmp_path / "out")])
    assert code == 2 and "more than the limit of 20" in capsys.readouterr().err
