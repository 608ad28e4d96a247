"""``btwin build --native``: FMUs whose binary is compiled C with no Python,
no CasADi and no shared library beyond libc and libm.

For each FMU of ``catalogue.NATIVE``:
1. CasADi writes the C of its form's ``initial_state``, ``step`` and
   ``outputs`` (``model.c``);
2. ``table.py`` writes its variables and checks (``table.c``);
3. gcc compiles them with our core (``core.c``) and one API layer
   (``fmi2.c`` or ``fmi3.c``, against the FMI headers fmpy ships) into
   ``NAME.so``;
4. the archive gets ``modelDescription.xml`` (``description.py``, from the
   Python FMU's declarations), the binary and ``resources/btwin.ttl``.

Output: ``DIR/fmi2/NAME.fmu`` and ``DIR/fmi3/NAME.fmu``.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path

import casadi

from ..build import BuildResult, semantics_file
from ..catalogue import slave_class
from . import description, table
from .catalogue import NATIVE, native_spec

DEFAULT_OUT = Path("build/native")
HERE = Path(__file__).parent
BINARY_DIRS = {2: "binaries/linux64", 3: "binaries/x86_64-linux"}
VERSIONS = (2, 3)
# errno is never read after a math call, so libm need not set it: the calls
# then inline and vectorise (the step takes half the time); results are unchanged
_OPTIMISE = ("-O3", "-fno-math-errno", "-fno-trapping-math")


class NativeBuildError(RuntimeError):
    pass


def fmi_headers() -> Path:
    """The FMI 2.0 and 3.0 headers fmpy ships, used at build time only."""
    import fmpy
    folder = Path(fmpy.__file__).parent / "c-code"
    if not (folder / "fmi2Functions.h").is_file() or not (folder / "fmi3Functions.h").is_file():
        raise NativeBuildError(f"the FMI headers are not in {folder}; is fmpy installed completely?")
    return folder


def build_native(names: list[str] | None = None, out_dir: Path = DEFAULT_OUT,
                 versions: tuple[int, ...] = VERSIONS, values: dict | None = None) -> list[BuildResult]:
    """Build native FMUs (all of ``NATIVE`` by default), one per FMI version.
    ``values``: parameter start values to build with, by FMU parameter name
    (the way to give a native cell another microstructure, which is compiled in)."""
    names = list(names or NATIVE)
    specs = {name: native_spec(name) for name in names}  # unknown names fail before any work
    declarations = {name: with_start_values(slave_class(name).variables, {**(values or {}), **dict(specs[name].fixed)})
                    for name in names}
    _check_all_used(values or {}, declarations)
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise NativeBuildError("no C compiler (gcc or cc) on PATH; native FMUs are compiled C")
    results = []
    with tempfile.TemporaryDirectory(prefix="btwin-native-") as scratch:
        for name, spec in specs.items():
            started = time.perf_counter()
            sources = _generate(name, spec, Path(scratch) / name, declarations[name])
            for version in versions:
                binary = _compile(compiler, sources, version)
                path = Path(out_dir) / f"fmi{version}" / f"{name}.fmu"
                _package(path, name, sources.token, binary, version, declarations[name])
                results.append(BuildResult(f"{name} (FMI {version}.0)", path,
                                           time.perf_counter() - started))
                started = time.perf_counter()
    return results


class _Sources:
    def __init__(self, folder: Path, token: str):
        self.folder, self.token = folder, token


def with_start_values(declarations: tuple, values: dict) -> tuple:
    """``declarations`` with the start values of the parameters in ``values``
    (checked against their bounds as an FMU would check them)."""
    from ..slave import _check_value

    result = []
    for var in declarations:
        if var.causality == "parameter" and var.name in values:
            _check_value(var, values[var.name])
            var = replace(var, start=var.type(values[var.name]))
        result.append(var)
    return tuple(result)


def _check_all_used(values: dict, declarations: dict) -> None:
    known = sorted({var.name for variables in declarations.values() for var in variables
                    if var.causality == "parameter"})
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"no FMU being built has a parameter {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")


def _generate(name: str, spec, folder: Path, declarations: tuple) -> _Sources:
    folder.mkdir(parents=True)
    form = spec.form({var.name: var.start for var in declarations if var.causality == "parameter"})
    generator = casadi.CodeGenerator("model.c", {"with_header": True})
    for function in (form.initial_state, form.step, form.output_function):
        generator.add(function)
    generator.generate(str(folder) + "/")
    digest = hashlib.sha256((folder / "model.c").read_bytes() + repr(declarations).encode())
    token = str(uuid.UUID(bytes=digest.digest()[:16], version=4))
    (folder / "table.c").write_text(table.c_table(name, token, declarations, form, spec))
    return _Sources(folder, token)


def _compile(compiler: str, sources: _Sources, version: int) -> Path:
    """Link ``NAME.so`` for one FMI version; the model's objects are compiled once."""
    folder = sources.folder
    shared = [_object(compiler, source, folder) for source in
              (HERE / "core.c", folder / "table.c", folder / "model.c")]
    target = folder / f"fmi{version}" / "model.so"
    target.parent.mkdir(exist_ok=True)
    api = _object(compiler, HERE / f"fmi{version}.c", folder)
    _run([compiler, "-shared", *map(str, shared), str(api), "-o", str(target), "-lm", "-Wl,--no-undefined"])
    return target


def _object(compiler: str, source: Path, folder: Path) -> Path:
    target = folder / f"{source.stem}.o"
    if not target.exists():
        _run([compiler, "-c", "-fPIC", *_OPTIMISE, "-fvisibility=hidden", "-DCASADI_SYMBOL_EXPORT=", "-Wall",
              "-Wno-unused-variable", f"-I{HERE}", f"-I{fmi_headers()}", f"-I{folder}", str(source),
              "-o", str(target)])
    return target


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise NativeBuildError(f"compiling the native FMU failed:\n{' '.join(command)}\n{result.stderr}")


def _package(path: Path, name: str, token: str, binary: Path, version: int, declarations: tuple) -> None:
    cls = slave_class(name)
    writer = description.fmi2 if version == 2 else description.fmi3
    xml = writer(name, token, declarations, cls.description, getattr(cls, "default_experiment", None))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".fmu.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("modelDescription.xml", xml)
        archive.write(binary, f"{BINARY_DIRS[version]}/{name}.so")
        semantics = semantics_file(name)
        if semantics is not None:
            archive.write(semantics, "resources/btwin.ttl")
    partial.replace(path)
