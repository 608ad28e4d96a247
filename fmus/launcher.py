"""Compiles the native launcher (``launcher.c``) and writes what it reads.

The launcher is built against the headers of the Python that runs the build,
and the same Python (its shared library, its home, the site-packages of the
environment the project is installed in) is recorded in
``resources/btwin_launcher.cfg`` of every FMU.
"""
from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

SOURCE = Path(__file__).with_name("launcher.c")
CONFIG_NAME = "btwin_launcher.cfg"


class LauncherError(RuntimeError):
    pass


def libpython_path() -> Path:
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        raise LauncherError(
            f"{sys.executable} was built without a shared libpython; the FMU launcher needs one "
            "(use a Python configured with --enable-shared, as Debian's and pyenv's default builds are)")
    name = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    for folder in (sysconfig.get_config_var("LIBDIR"), Path(sys.base_prefix) / "lib"):
        candidate = Path(folder) / name
        if candidate.exists():
            return candidate
    raise LauncherError(f"libpython {name} not found in {sysconfig.get_config_var('LIBDIR')}")


def config_text() -> str:
    """The launcher configuration for the running interpreter and environment."""
    site_dirs = [d for d in site.getsitepackages() if Path(d).is_dir()]
    lines = [
        "# Written by `btwin build`: the Python this FMU runs in.",
        "# Override with BTWIN_LIBPYTHON, BTWIN_PYTHONHOME, BTWIN_PYTHONPATH.",
        f"libpython={libpython_path()}",
        f"home={sys.base_prefix}",
        f"site={':'.join(site_dirs)}",
    ]
    return "\n".join(lines) + "\n"


def compile_launcher(out_dir: Path) -> Path:
    """Compile ``launcher.c`` into ``out_dir`` (reused if up to date)."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise LauncherError("no C compiler (gcc or cc) on PATH; it is needed to build the FMU launcher")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "btwin-launcher.so"
    if target.exists() and target.stat().st_mtime >= SOURCE.stat().st_mtime:
        return target
    command = [
        compiler, "-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-Wall", "-Wno-format-truncation",
        f"-I{sysconfig.get_paths()['include']}", str(SOURCE), "-o", str(target), "-ldl", "-lpthread",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise LauncherError(f"compiling the FMU launcher failed:\n{' '.join(command)}\n{result.stderr}")
    return target
