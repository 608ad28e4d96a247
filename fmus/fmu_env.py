"""``btwin fmu-env FMU --venv DIR``: on a target machine, create the Python
environment a Python FMU records (``resources/btwin_requirements.json``:
Python major.minor and exact package versions) and point the FMU at it
(``resources/btwin_launcher.cfg``: the libpython, home and site-packages the
launcher loads), rewriting the archive in place.

The Python used (``--python``, default the one running btwin) must have the
recorded major.minor version and a shared libpython.
"""
from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from .freeze import REQUIREMENTS_NAME
from .launcher import CONFIG_NAME

_PROBE = ("import json, site, sys, sysconfig; print(json.dumps({'version': '%d.%d' % sys.version_info[:2], "
          "'base': sys.base_prefix, 'libdir': sysconfig.get_config_var('LIBDIR'), "
          "'soname': sysconfig.get_config_var('INSTSONAME') or sysconfig.get_config_var('LDLIBRARY'), "
          "'shared': bool(sysconfig.get_config_var('Py_ENABLE_SHARED')), "
          "'site': [p for p in site.getsitepackages()]}))")


class FmuEnvError(RuntimeError):
    pass


def recorded_requirements(fmu: Path) -> dict:
    try:
        with zipfile.ZipFile(fmu) as archive:
            return json.loads(archive.read(f"resources/{REQUIREMENTS_NAME}"))
    except (OSError, zipfile.BadZipFile) as error:
        raise FmuEnvError(f"{fmu}: not a readable FMU archive ({error})") from None
    except KeyError:
        raise FmuEnvError(f"{fmu}: records no Python requirements (resources/{REQUIREMENTS_NAME}); "
                          "a native FMU needs none, an older Python FMU must be rebuilt") from None


def _probe(python: Path) -> dict:
    result = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True)
    if result.returncode != 0:
        raise FmuEnvError(f"could not run {python}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def create(fmu: Path, venv: Path, python: Path, install: bool = True) -> str:
    """Create ``venv`` with the FMU's recorded packages (unless ``install`` is
    False) and point the FMU at it; the new launcher configuration."""
    wanted = recorded_requirements(fmu)
    base = _probe(python)
    if base["version"] != wanted["python"]:
        raise FmuEnvError(f"{fmu.name} needs Python {wanted['python']}; {python} is Python {base['version']} "
                          f"(give one with --python)")
    if not base["shared"]:
        raise FmuEnvError(f"{python} has no shared libpython; the FMU's launcher needs one")
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    if install:
        pins = [f"{name}=={version}" for name, version in wanted["packages"].items()]
        subprocess.run([str(venv_python), "-m", "pip", "install", "--quiet", *pins], check=True)
    inside = _probe(venv_python)
    config = "\n".join([
        f"# Written by `btwin fmu-env`: the environment at {venv.resolve()}.",
        f"libpython={Path(base['libdir']) / base['soname']}",
        f"home={base['base']}",
        f"site={':'.join(p for p in inside['site'] if Path(p).is_dir())}",
    ]) + "\n"
    _replace_member(fmu, f"resources/{CONFIG_NAME}", config)
    return config


def _replace_member(fmu: Path, member: str, text: str) -> None:
    partial = fmu.with_suffix(".fmu.part")
    with zipfile.ZipFile(fmu) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != member:
                target.writestr(item, source.read(item))
        target.writestr(member, text)
    partial.replace(fmu)
