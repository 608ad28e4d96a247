"""What a Python FMU carries so that it runs the code it was built from:

* a snapshot of the project's model and FMU code (``models/``, ``fmus/``) as
  one package with a name of its own, ``btwin_frozen_<fmu>_<hash of the
  code>``, inside the archive's resources (the import statements rewritten to
  it), so that a checkout changed after the build, or another FMU's snapshot
  in the same process (each FMU imports its own, from its own folder),
  changes nothing;
* the exact versions of Python and of the packages that code imports
  (``resources/btwin_requirements.json``), checked when the FMU is
  instantiated: a Python without them is refused with a message naming what
  is missing and what to run (``btwin fmu-env``), instead of running the
  model on whatever numpy the host happens to have.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import sys
from pathlib import Path

# the third-party packages the frozen code imports at run time
DEPENDENCIES = ("numpy", "scipy", "pythonfmu")
REQUIREMENTS_NAME = "btwin_requirements.json"
_FOLDERS = ("models", "fmus")
_DATA = ("*.py", "*.csv", "*.json")
_IMPORT = re.compile(r"\bbtwin\.(models|fmus)\b")


def _source_root() -> Path:
    """The folder holding ``models/`` and ``fmus/`` of the installed btwin."""
    return Path(__file__).resolve().parent.parent


def _files() -> list[tuple[str, Path]]:
    root = _source_root()
    found = []
    for folder in _FOLDERS:
        for pattern in _DATA:
            for path in (root / folder).rglob(pattern):
                if "__pycache__" not in path.parts:
                    found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def package_name(fmu: str) -> str:
    """``btwin_frozen_<fmu>_<hash>``: one name per FMU and state of the code."""
    digest = hashlib.sha256()
    for relative, path in _files():
        digest.update(relative.encode() + b"\0" + path.read_bytes())
    return f"btwin_frozen_{fmu.lower()}_{digest.hexdigest()[:12]}"


def rewrite(source: str, package: str) -> str:
    """``source`` importing ``package.models``/``package.fmus`` instead of btwin's."""
    return _IMPORT.sub(lambda match: f"{package}.{match.group(1)}", source)


def freeze(into: Path, fmu: str) -> str:
    """Write the snapshot package of FMU ``fmu`` into the folder ``into``; its name."""
    package = package_name(fmu)
    target = Path(into) / package
    if target.exists():
        shutil.rmtree(target)
    for relative, path in _files():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            destination.write_text(rewrite(path.read_text(encoding="utf-8"), package), encoding="utf-8")
        else:
            shutil.copyfile(path, destination)
    (target / "__init__.py").write_text(_PACKAGE_INIT.format(fmu=fmu, requirements=REQUIREMENTS_NAME))
    return package


# The snapshot package's __init__: the check runs when the FMU first imports it.
_PACKAGE_INIT = '''"""btwin's models and FMU code as they were when the {fmu} FMU was built.

Importing it checks that this Python has the versions the FMU recorded
(../{requirements}) and refuses, naming what differs, if not."""
import importlib.metadata as _metadata
import json as _json
import pathlib as _pathlib
import sys as _sys


def _check_environment():
    recorded = _json.loads(_pathlib.Path(__file__).parent.with_name("{requirements}").read_text())
    wanted = {{"Python": recorded["python"], **recorded["packages"]}}
    found = {{"Python": "%d.%d" % _sys.version_info[:2]}}
    for package in recorded["packages"]:
        try:
            found[package] = _metadata.version(package)
        except _metadata.PackageNotFoundError:
            found[package] = "none"
    wrong = [f"{{what}} {{version}} (this Python has {{found[what]}})" for what, version in wanted.items()
             if found[what] != version]
    if wrong:
        raise ImportError("the {fmu} FMU was built for " + ", ".join(wrong) + "; create that environment "
                          "with `btwin fmu-env {fmu}.fmu --venv DIR`, which also points the FMU at it")


_check_environment()
'''


def requirements() -> dict:
    """Python's version and the exact versions of ``DEPENDENCIES`` here."""
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "packages": {name: importlib.metadata.version(name) for name in DEPENDENCIES}}


def requirements_text() -> str:
    return json.dumps(requirements(), indent=2) + "\n"
