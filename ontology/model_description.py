"""What the ontology needs from an FMU's ``modelDescription.xml``: the model
name, each variable's causality, type and unit, and the unit definitions,
read by the one reader the master uses too (:func:`btwin.master.fmu_info.describe`,
an :class:`~btwin.master.fmu_info.FmuInfo`); and other files inside the archive.

Nothing is extracted to disk."""
from __future__ import annotations

import zipfile
from pathlib import Path

from btwin.master.fmu_info import FmuInfo, describe

from .errors import OntologyError

ModelDescription = FmuInfo  # what read_model_description returns (model_name, variables, units)


def read_archive_member(fmu: Path, member: str) -> bytes | None:
    """A file inside an FMU (zip or directory), or None when it has none."""
    if fmu.is_dir():
        path = fmu / member
        return path.read_bytes() if path.is_file() else None
    try:
        with zipfile.ZipFile(fmu) as archive:
            try:
                return archive.read(member)
            except KeyError:
                return None
    except zipfile.BadZipFile:
        raise OntologyError(f"{fmu}: not an FMU (not a zip archive)") from None


def read_model_description(fmu: str | Path) -> FmuInfo:
    """The FMU's description; an :class:`OntologyError` names a missing or unreadable file."""
    try:
        return describe(fmu)
    except FileNotFoundError:
        raise OntologyError(f"{fmu}: no such FMU") from None
    except ValueError as error:
        raise OntologyError(str(error)) from None
