"""The FMUs on a fleet worker: each archive unpacked once per worker process
and every vehicle-day's instances loaded from that folder.

Unpacking an FMU for each instance (the master's default for an ``.fmu``)
costs a fleet more than the time: every new folder is a new path for the
dynamic loader (the FMU's binaries are loaded again and never unloaded), a
new entry on ``sys.path`` (pythonfmu inserts each instance's resources) and
a fresh import of the FMU's code snapshot (its old modules point at a folder
that is gone). One folder per archive and worker makes the second and later
instances cost only their instantiation, and a worker's memory stays flat.

The archives travel as bytes (so workers on other machines need no shared
file system) and the folder is keyed by their SHA-256, so a rebuilt FMU is
unpacked afresh. The folders live in the Dask worker's own local directory,
which Dask removes when the worker closes (and purges when a killed
worker's successor starts); outside a worker, in a temporary folder removed
at exit (``master.unpack``).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from btwin.master.unpack import temporary_folder, unpack

_FOLDERS: dict[str, Path] = {}  # SHA-256 of an archive -> the folder it was unpacked into


def unpacked(name: str, data: bytes) -> Path:
    """The folder FMU ``name`` (the archive's bytes ``data``) is unpacked
    into in this process, unpacking it on the first call."""
    digest = hashlib.sha256(data).hexdigest()
    folder = _FOLDERS.get(digest)
    if folder is None or not (folder / "modelDescription.xml").is_file():
        folder = _unpack_bytes(name, data, _scratch() / f"{name}-{digest[:16]}")
        _FOLDERS[digest] = folder
    return folder


def _unpack_bytes(name: str, data: bytes, into: Path) -> Path:
    into.parent.mkdir(parents=True, exist_ok=True)
    archive = into.with_suffix(".fmu")
    archive.write_bytes(data)
    try:
        return unpack(archive, "btwin-fleet-", into=into)
    finally:
        archive.unlink(missing_ok=True)


def _scratch() -> Path:
    """The worker's local directory (Dask removes it), else a temporary folder."""
    try:
        from distributed import get_worker
        return Path(get_worker().local_directory) / "btwin-fmus"
    except ValueError:  # not on a Dask worker
        global _OUTSIDE_WORKER
        if _OUTSIDE_WORKER is None:
            _OUTSIDE_WORKER = temporary_folder("btwin-fleet-")
        return _OUTSIDE_WORKER


_OUTSIDE_WORKER: Path | None = None
