"""Results are never lost or mislabelled: concurrent runs on one folder,
stale files of an earlier run, a write that fails, SIGINT and SIGTERM."""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from btwin.master import Component, Endpoint, Master, System, write_ssp
from btwin.scenarios.cli import main

from .conftest import rc_pair


def _btwin(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import sys; from btwin.scenarios.cli import main; "
                                                   "sys.exit(main(sys.argv[1:]))", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _wait_for_rows(path, rows: int, process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") > rows:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError(f"{path} did not reach {rows} rows")


def _whole_rows(path) -> np.ndarray:
    lines = path.read_text().splitlines()
    widths = {line.count(",") for line in lines}
    assert len(widths) == 1 and path.read_text().endswith("\n") and "\0" not in path.read_text()
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


@pytest.fixture
def long_rc(fmus, tmp_path):
    """The RC pair with a pythonfmu FMU (CellThermal, inputs unconnected) beside it, to run for long."""
    from btwin.scenarios.common import fmu_path
    structure = rc_pair(fmus)
    structure.components.append(Component("thermal", fmu_path("CellThermal")))
    return write_ssp(structure, tmp_path / "rc.ssp")


@pytest.mark.parametrize("signal_number, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_run_after_a_step_with_whole_results(long_rc, tmp_path, signal_number, code):
    out, private_tmp = tmp_path / "out", tmp_path / "tmp"
    private_tmp.mkdir()
    run = _btwin("run", long_rc, "--stop-time", 1e6, "--step", 0.01, "--out", out,
                 env={**os.environ, "TMPDIR": str(private_tmp)})
    _wait_for_rows(out / "results.csv", 50, run)
    # a second run on the same folder is refused while the first holds it
    assert main(["run", str(long_rc), "--stop-time", "1", "--step", "0.1", "--out", str(out)]) == 2
    run.send_signal(signal_number)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == code, stderr
    assert f"stopped by {signal.Signals(signal_number).name}" in stderr and "Traceback" not in stderr
    rows = _whole_rows(out / "results.csv")
    report = json.loads((out / "energy.json").read_text())
    assert report["status"] == "interrupted" and report["signal"] == signal.Signals(signal_number).name
    assert report["macro_steps"] == len(rows) - 1  # the initial row, then one per step
    assert report["stopped_at_s"] == pytest.approx(rows[-1, 0])
    assert list(private_tmp.iterdir()) == []  # every unpacked FMU and the system's folder removed


def test_a_second_run_on_a_held_folder_is_refused(fmus, tmp_path):
    from btwin.master.results import OutputFolder
    holder = OutputFolder(tmp_path)
    try:
        with pytest.raises(ValueError, match="is in use by a run of process"):
            Master(System(rc_pair(fmus))).run(stop_time=0.1, step=0.05, out_dir=tmp_path)
    finally:
        holder.release()
    assert Master(System(rc_pair(fmus))).run(stop_time=0.1, step=0.05, out_dir=tmp_path).macro_steps == 2


def test_a_failed_set_up_never_presents_the_previous_results(fmus, tmp_path, capsys):
    out = tmp_path / "out"
    good = write_ssp(rc_pair(fmus), tmp_path / "good.ssp")
    assert main(["run", str(good), "--stop-time", "1", "--step", "0.05", "--out", str(out)]) == 0
    no_binary = tmp_path / "RCLoad.fmu"  # an FMU without a binary for this platform
    with zipfile.ZipFile(fmus["RCLoad"]) as source, zipfile.ZipFile(no_binary, "w") as target:
        target.writestr("modelDescription.xml", source.read("modelDescription.xml"))
    structure = rc_pair(fmus)
    structure.component("load").source = no_binary
    bad = write_ssp(structure, tmp_path / "bad.ssp")
    capsys.readouterr()
    assert main(["run", str(bad), "--stop-time", "1", "--step", "0.05", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "'load'" in err and "results up to the failure" not in err
    assert not (out / "results.csv").exists()
    report = json.loads((out / "energy.json").read_text())
    assert report["status"] == "failed" and report["macro_steps"] == 0 and "load" in report["error"]


def _limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_write_failure_keeps_whole_rows_and_the_energy_report(fmus, tmp_path):
    out = tmp_path / "out"
    ssp = write_ssp(rc_pair(fmus), tmp_path / "rc.ssp")
    limit = 40_000
    run = _btwin("run", ssp, "--stop-time", 1e4, "--step", 0.001, "--out", out,
                 preexec_fn=_limit_file_size(limit))
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 1, stderr
    assert "cannot write" in stderr and "File too large" in stderr and "Traceback" not in stderr
    assert (out / "results.csv").stat().st_size <= limit
    rows = _whole_rows(out / "results.csv")
    report = json.loads((out / "energy.json").read_text())
    assert report["status"] == "failed" and "File too large" in report["error"]
    assert report["macro_steps"] >= len(rows) - 1  # the steps run include those on disk


def test_results_record_the_inputs_as_corrected(fmus, tmp_path):
    """The source side of the bond, booked with the NEPCE-corrected current it
    was given, is recomputed from results.csv alone (its voltage has no
    feedthrough, so the rows hold its values at the step's ends)."""
    result = Master(System(rc_pair(fmus)), correction="nepce").run(stop_time=3.0, step=0.05, out_dir=tmp_path)
    data = np.genfromtxt(tmp_path / "results.csv", delimiter=",", names=True)
    h = np.diff(data["time"])
    source = h * data["sourcecurrent"][1:] * 0.5 * (data["sourcevoltage"][1:] + data["sourcevoltage"][:-1])
    assert result.bonds[0]["energy_source_J"] == pytest.approx(source.sum(), rel=1e-12)
    # and the correction is there to see: the current given is not the load's current of the row before
    assert np.max(np.abs(data["sourcecurrent"][2:] - data["loadcurrent"][1:-1])) > 1e-3


def test_energy_json_holds_the_largest_running_residual(fmus, tmp_path):
    """Against the final residuals of runs stopped at each communication point."""
    system, step = System(rc_pair(fmus)), 0.1
    nepce = dict(correction="nepce")  # the residual is paid back: its final value is not its largest
    Master(system, **nepce).run(stop_time=2.0, step=step, out_dir=tmp_path)
    running = [Master(system, **nepce).run(stop_time=k * step, step=step).bonds[0]["residual_J"]
               for k in range(1, 21)]
    worst = int(np.argmax(np.abs(running)))
    report = json.loads((tmp_path / "energy.json").read_text())["bonds"][0]
    assert report["max_abs_running_residual_J"] == pytest.approx(abs(running[worst]), rel=1e-12)
    assert report["max_running_residual_time_s"] == pytest.approx((worst + 1) * step)
    assert report["max_abs_running_residual_J"] > 2 * abs(report["residual_J"])  # the final figure hides it


def test_without_keeping_values_every_row_is_still_written(fmus, tmp_path):
    """keep_values=False (flat memory on long runs): nothing held, nothing lost."""
    system = System(rc_pair(fmus))
    kept = Master(system).run(stop_time=3.0, step=0.01)
    streamed = Master(system).run(stop_time=3.0, step=0.01, out_dir=tmp_path, keep_values=False)
    assert streamed.values.shape == (0, len(kept.columns))
    on_disk = _whole_rows(tmp_path / "results.csv")
    assert on_disk.shape == kept.values.shape and np.array_equal(on_disk, kept.values)  # repr round-trips
