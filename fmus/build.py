"""``btwin build``: turns each slave of the catalogue into an FMU that loads in
any FMI 2.0 host.

1. write an entry module with a name unique to the FMU and its source, which
   checks the Python it runs in against the versions recorded at build and
   imports the slave from a snapshot of btwin's code inside the FMU
   (``freeze``);
2. let pythonfmu package it;
3. complete ``modelDescription.xml`` (units, bounds, model structure, flags);
4. put the native launcher in place of pythonfmu's linux64 binary, keep
   pythonfmu's binary beside it, record the Python to use, drop the win64
   binary (it cannot find this project's Python);
5. add the FMU's semantics, ``ontology/fmus/<NAME>.ttl``, as
   ``resources/btwin.ttl`` where the ontology has one.
"""
from __future__ import annotations

import hashlib
import sys
import importlib.util
import inspect
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pythonfmu.builder import FmuBuilder

from . import freeze, launcher, model_description
from .catalogue import CATALOGUE, slave_class

DEFAULT_OUT = Path("build/fmus")
BINARY_DIR = "binaries/linux64"

# pythonfmu's native loader finds the slave by the text `class X(Fmi2Slave):`
ENTRY_TEMPLATE = '''"""Entry module of the {name} FMU, written by `btwin build`.

pythonfmu's native loader takes the class whose ancestry reaches `Fmi2Slave`
most deeply among the classes this file defines, so the btwin slave is
subclassed here under the FMU's name. The slave comes from the snapshot of
btwin's code inside this FMU ({package}), which refuses to load on another
Python or other package versions than it was built with ({requirements}).
"""
import os as _os
import sys as _sys

# pythonfmu re-runs this file at every instantiation: a snapshot imported before
# from a folder that is gone (an earlier instance, unpacked elsewhere) is imported
# afresh from this FMU's own folder, so that its data files are found
[_sys.modules.pop(_m) for _m in list(_sys.modules) if _m.split(".")[0] == "{package}"
 and not _os.path.exists(getattr(_sys.modules[_m], "__file__", None) or "")]
from {module} import {cls} as _Slave

# pythonfmu puts the resources folder first on sys.path at every instantiation: an FMU
# instantiated again and again from one folder (a fleet worker) keeps a single entry
_sys.path[1:] = [_p for _p in _sys.path[1:] if _p != _sys.path[0]]

# pythonfmu 0.7.0 drops one reference to this module's namespace every time it
# instantiates the slave (it releases a borrowed reference), and re-runs this
# file each time it does; one reference taken per run keeps the namespace alive.
globals().setdefault("_namespace_references", []).append(globals())


class {name}(_Slave):
    pass


# and it keeps every run's class alive: each run after the first hands pythonfmu the
# first run's class, so that a host instantiating this FMU again and again (a fleet
# worker) does not pile up classes
{name} = globals().setdefault("_first_{name}", {name})

# at every instantiation pythonfmu 0.7.0 leaks, for each class this file leaves defined, a list of
# its ancestry and two copies of each ancestor's name (about 250 bytes an ancestor): leave only one
del _Slave
'''


@dataclass
class BuildResult:
    name: str
    path: Path
    seconds: float


def build(names: list[str] | None = None, out_dir: Path = DEFAULT_OUT) -> list[BuildResult]:
    """Build the named FMUs (all of the catalogue by default) into ``out_dir``."""
    names = list(names or CATALOGUE)
    classes = {name: slave_class(name) for name in names}  # unknown names fail before any work
    return build_slaves(classes, out_dir)


def build_slaves(classes: dict, out_dir: Path = DEFAULT_OUT) -> list[BuildResult]:
    """Build one FMU per ``{name: slave class}`` into ``out_dir/name.fmu``.

    A slave outside the ``btwin`` package has its module copied into the FMU
    (under a unique name); one inside it is imported from the environment the
    launcher records."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="btwin-build-") as scratch:
        native = launcher.compile_launcher(Path(scratch) / "launcher")
        config = launcher.config_text()
        results = []
        for name, cls in classes.items():
            started = time.perf_counter()
            path = _build_one(name, cls, out_dir, Path(scratch), native, config)
            results.append(BuildResult(name, path, time.perf_counter() - started))
    return results


def _build_one(name: str, cls, out_dir: Path, scratch: Path, native: Path, config: str) -> Path:
    module_name = _entry_module_name(name, cls)
    entry_dir = scratch / module_name
    entry_dir.mkdir()
    project = entry_dir / "project"  # copied into the FMU's resources
    project.mkdir()
    package = freeze.freeze(project, name)
    (project / freeze.REQUIREMENTS_NAME).write_text(freeze.requirements_text())  # beside the snapshot
    source_module = freeze.rewrite(cls.__module__, package)
    if not cls.__module__.startswith("btwin."):  # a slave module from outside btwin
        source_module = f"{module_name}_slave"
        (project / f"{source_module}.py").write_text(
            freeze.rewrite(inspect.getsource(inspect.getmodule(cls)), package))
    entry = entry_dir / f"{module_name}.py"
    entry.write_text(ENTRY_TEMPLATE.format(name=name, module=source_module, cls=cls.__name__, package=package,
                                           requirements=freeze.REQUIREMENTS_NAME))
    sys.path.insert(0, str(project))  # pythonfmu imports the entry, which imports the copy
    try:
        raw = Path(FmuBuilder.build_FMU(entry, dest=entry_dir / f"{name}.fmu",
                                        project_files=list(project.iterdir())))
    finally:
        sys.path.remove(str(project))
        _forget_modules(module_name, package)  # the FMU imports them from its own folder when it runs
    target = out_dir / f"{name}.fmu"
    _finish(raw, target, name, cls, native, config)
    return target


def _forget_modules(*names: str) -> None:
    """Drop modules pythonfmu imported from the build's scratch folder (about
    to be deleted) so that an FMU instantiated in this process imports its own."""
    for loaded in [m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in names)]:
        del sys.modules[loaded]


def _entry_module_name(name: str, cls) -> str:
    """``btwin_<name>_<hash of the slave's source and btwin's code>``: two
    FMUs, or two builds of one FMU, never share a module name inside one process."""
    source = inspect.getsource(inspect.getmodule(cls))
    digest = hashlib.sha256(f"{name}\n{source}\n{freeze.package_name(name)}".encode()).hexdigest()[:10]
    return f"btwin_{name.lower()}_{digest}"


def _finish(raw: Path, target: Path, name: str, cls, native: Path, config: str) -> None:
    semantics = semantics_file(name)
    tmp = target.with_suffix(".fmu.part")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("binaries/") and not item.filename.startswith(BINARY_DIR):
                continue
            if item.filename == f"{BINARY_DIR}/{name}.so":
                dst.writestr(f"{BINARY_DIR}/pythonfmu-export.so", data)
                dst.write(native, f"{BINARY_DIR}/{name}.so")
                continue
            if item.filename == "modelDescription.xml":
                data = model_description.complete(data, cls.variables, cls.description)
            dst.writestr(item.filename, data)
        dst.writestr(f"resources/{launcher.CONFIG_NAME}", config)
        if semantics is not None:
            dst.write(semantics, "resources/btwin.ttl")
    tmp.replace(target)


def semantics_file(name: str) -> Path | None:
    """``ontology/fmus/<name>.ttl`` if the ontology describes this FMU.

    Located without importing the ontology package: the file is data."""
    spec = importlib.util.find_spec("btwin.ontology")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "fmus" / f"{name}.ttl"
        if candidate.is_file():
            return candidate
    return None
