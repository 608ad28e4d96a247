"""Python FMUs that travel: they run the snapshot of btwin's code inside the
archive (not the checkout), refuse a Python without the package versions they
record, refuse to start in a host that already runs another Python (instead
of aborting it), and ``btwin fmu-env`` points them at an environment."""
import gc
import glob
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from btwin.fmus.freeze import REQUIREMENTS_NAME
from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def _thermal_after(steps, q):
    model = CellThermal(ThermalParameters(), 298.15)
    for _ in range(steps):
        model.step(1.0, q, 298.15)
    return model.core_temperature


def test_the_fmu_runs_its_own_snapshot_not_the_checkout(fmu_dir, monkeypatch):
    """The checkout's model is changed in this very process (the FMU's Python
    is this one): the FMU's results do not move."""
    with zipfile.ZipFile(fmu_dir / "CellThermal.fmu") as archive:
        assert [n for n in archive.namelist() if n.startswith("resources/btwin_frozen_cellthermal_")
                and n.endswith("/models/thermal.py")]
    original = CellThermal.step
    monkeypatch.setattr(CellThermal, "step", lambda self, dt, q, ambient: original(self, dt, 2.0 * q, ambient))
    instance = Instance(fmu_dir / "CellThermal.fmu").initialize(heat_generation=3.0)
    instance.step(1.0, 200)
    core, = instance.get("core_temperature")
    instance.close()
    monkeypatch.undo()
    assert core == pytest.approx(_thermal_after(200, 3.0), abs=1e-9)
    assert _thermal_after(200, 3.0) > 298.15 + 1.0  # the heat moves the core: a doubled heat would show


def test_a_python_without_the_recorded_versions_is_refused_naming_them(fmu_dir, c_host, tmp_path):
    """In a fresh process (the plain C host): the FMU records another numpy
    than the Python it finds has, and instantiation fails naming both."""
    folder = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    recorded = folder / "resources" / REQUIREMENTS_NAME
    recorded.write_text(recorded.read_text().replace('"numpy": "', '"numpy": "0.0.1+'))
    result = run_c_host(c_host, 1, 1.0, f"{folder}|CellThermal||2")
    assert "instantiate-failed" in result.stdout
    assert "built for numpy 0.0.1+" in result.stderr and "(this Python has " in result.stderr
    assert "btwin fmu-env CellThermal.fmu --venv DIR" in result.stderr


FAKE_PYTHON = 'const char *Py_GetVersion(void) { return "3.12.1 (main, fake host)"; }\n'


def test_a_host_running_another_python_gets_a_refusal_not_a_crash(fmu_dir, tmp_path):
    """A C host that exports Py_GetVersion as Python 3.12 does (the process
    already runs that Python): instantiation returns NULL with both versions
    named, and the host carries on to its own exit code."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    (tmp_path / "fake_python.c").write_text(FAKE_PYTHON)
    host = tmp_path / "host"
    subprocess.run([compiler, "-O1", "-rdynamic", "-o", str(host), str(HERE / "c_host.c"),
                    str(tmp_path / "fake_python.c"), "-ldl"], check=True)
    folder = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    result = run_c_host(host, 1, 1.0, f"{folder}|CellThermal||2")
    assert result.returncode == 4 and "instantiate-failed" in result.stdout  # the host's own handling
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"this FMU runs on Python {minor}, but the host process already runs Python 3.12.1" in result.stderr


STDLIB_HOST = r'''
import ctypes, sys
folder, name = sys.argv[1], sys.argv[2]
lib = ctypes.CDLL(f"{folder}/binaries/linux64/{name}.so")
Logger = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)
class Callbacks(ctypes.Structure):
    _fields_ = [("logger", Logger), ("allocate", ctypes.c_void_p), ("free", ctypes.c_void_p),
                ("step_finished", ctypes.c_void_p), ("environment", ctypes.c_void_p)]
messages = []
log = Logger(lambda env, instance, status, category, message: messages.append(message.decode()))
callbacks = Callbacks(log, None, None, None, None)
lib.fmi2Instantiate.restype = ctypes.c_void_p
c = lib.fmi2Instantiate(name.encode(), 1, b"", f"file://{folder}/resources".encode(), ctypes.byref(callbacks),
                        0, 0)
print("instantiated" if c else "refused: " + " | ".join(messages))
'''


def _python_312():
    pyenv = str(Path.home() / ".pyenv/versions/3.12*/bin/python3.12")
    candidates = [shutil.which("python3.12"), *sorted(glob.glob(pyenv))]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.skipif(_python_312() is None, reason="no Python 3.12 on this machine (Debian bookworm has 3.11 only)")
def test_a_python_312_host_gets_a_clear_refusal_and_lives(fmu_dir, tmp_path):
    folder = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    script = tmp_path / "host.py"
    script.write_text(STDLIB_HOST)
    result = subprocess.run([_python_312(), "-I", "-S", str(script), str(folder), "CellThermal"],
                            capture_output=True, text=True, timeout=60, env={})
    assert result.returncode == 0, result.stderr  # the host's own error handling, no abort
    assert result.stdout.startswith("refused: this FMU runs on Python 3.11, but the host process already "
                                    "runs Python 3.12"), result.stdout


def test_fmu_env_points_the_fmu_at_a_new_environment(fmu_dir, c_host, tmp_path):
    fmu = tmp_path / "CellThermal.fmu"
    shutil.copy(fmu_dir / "CellThermal.fmu", fmu)
    venv = tmp_path / "env"
    done = subprocess.run([sys.executable, "-m", "btwin.scenarios.cli", "fmu-env", str(fmu), "--venv", str(venv),
                           "--no-install"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    site = next((venv / "lib").glob("python3.*/site-packages"))
    r = references(fmu)
    spec = f"{unpack(fmu, tmp_path / 'empty')}|CellThermal|{r['heat_generation']}=2|{r['core_temperature']}"
    empty = run_c_host(c_host, 100, 1.0, spec)
    assert "instantiate-failed" in empty.stdout
    assert "numpy" in empty.stderr and "this Python has none" in empty.stderr
    # stand-in for what `pip install` does without --no-install: the pinned packages become importable
    (site / "pinned.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    spec = f"{unpack(fmu, tmp_path / 'ready')}|CellThermal|{r['heat_generation']}=2|{r['core_temperature']}"
    ready = run_c_host(c_host, 100, 1.0, spec)
    assert ready.returncode == 0 and ready.stdout.split()[1] == "0", ready.stderr
    assert float(ready.stdout.split()[3]) == pytest.approx(_thermal_after(100, 2.0), abs=1e-9)


def test_fmu_env_refuses_a_native_fmu_and_a_wrong_python(native_dir, fmu_dir, tmp_path):
    native = subprocess.run([sys.executable, "-m", "btwin.scenarios.cli", "fmu-env",
                             str(native_dir / "fmi2" / "CellThermal.fmu"), "--venv", str(tmp_path / "a")],
                            capture_output=True, text=True)
    assert native.returncode == 2 and "a native FMU needs none" in native.stdout


def test_instances_from_one_unpacked_folder_share_its_code_and_one_path_entry(fmu_dir, tmp_path):
    """How a fleet worker runs an FMU vehicle-day after vehicle-day: every
    instance from the folder unpacked once; the snapshot is imported once and
    sys.path does not grow with the instances (pythonfmu inserts the
    resources folder at each instantiation) nor do the classes of its entry
    module (which pythonfmu runs again at each instantiation)."""
    from btwin.master.slave import Slave

    folder = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    resources = str(folder / "resources")

    def snapshot():
        return {name: id(module) for name, module in sys.modules.items()
                if name.startswith("btwin_frozen_cellthermal_")}

    def entry_classes():  # classes of the entry module, which pythonfmu runs again at each instantiation
        gc.collect()
        return sum(1 for o in gc.get_objects()
                   if isinstance(o, type) and str(getattr(o, "__module__", "")).startswith("btwin_cellthermal_"))

    Slave("first", folder).close()
    path_length, loaded, classes = len(sys.path), snapshot(), entry_classes()
    for k in range(3):
        Slave(f"again{k}", folder).close()
    assert loaded and snapshot() == loaded
    assert len(sys.path) == path_length and sys.path.count(resources) == 1
    assert entry_classes() == classes


def test_instances_from_one_folder_are_freed_and_leave_little_behind(fmu_dir, tmp_path):
    """Vehicle-day after vehicle-day a fleet worker instantiates and frees the
    same FMUs. Each freed instance takes its slave object with it, and what
    stays is pythonfmu 0.7.0's own leak at each instantiation (the ancestry
    of the entry module's class, as lists and texts: about 1.5 kB for
    CellThermal's, measured with tracemalloc; 2.5 kB while the entry module
    also left the snapshot's class defined)."""
    import tracemalloc

    from btwin.master.slave import Slave

    folder = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")

    def live_slaves():
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o).__name__ == "CellThermal" and hasattr(o, "instance_name"))

    Slave("first", folder).close()
    alive = Slave("alive", folder)
    assert live_slaves() == 1
    alive.close()
    assert live_slaves() == 0
    instances = 100
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for k in range(instances):
            Slave(f"again{k}", folder).close()
        gc.collect()
        per_instance = (tracemalloc.get_traced_memory()[0] - before) / instances
    finally:
        tracemalloc.stop()
    assert live_slaves() == 0
    assert per_instance < 2000, f"{per_instance:.0f} bytes left per instance"
