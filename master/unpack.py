"""The one owner of the master's temporary folders: every archive it opens
(an ``.ssp`` system, each ``.fmu``) is unpacked here, and every folder made
here is removed when its user is done with it, and at the latest when the
process exits (also after SIGINT or SIGTERM, which the master turns into a
clean stop; see :mod:`.run_control`).

Archives are data from anyone, so before and while unpacking:

- member names are refused when absolute or with ``..`` (zip-slip);
- at most ``max_members`` members (default 10,000; ``BTWIN_MAX_ARCHIVE_MEMBERS``);
- at most ``max_bytes`` unpacked (default 2 GiB; ``BTWIN_MAX_UNPACKED_MB``),
  counted on the bytes actually inflated, not on the sizes the archive
  declares (which a crafted archive can understate).

A refused archive leaves nothing behind. Limits: symbolic links inside an
archive are written as plain files (zipfile does not create links).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_MEMBERS = 10_000
_CHUNK = 1 << 20

_LIVE: set[Path] = set()  # folders made here and not removed yet


class UnpackError(ValueError):
    """An archive that is refused: unreadable, unsafe member names, or over a limit."""


def max_bytes() -> int:
    """The unpacked-size limit in bytes: ``BTWIN_MAX_UNPACKED_MB`` (MiB) or 2 GiB."""
    return _env_limit("BTWIN_MAX_UNPACKED_MB", DEFAULT_MAX_BYTES, 1024**2)


def max_members() -> int:
    return _env_limit("BTWIN_MAX_ARCHIVE_MEMBERS", DEFAULT_MAX_MEMBERS, 1)


def _env_limit(name: str, default: int, scale: int) -> int:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UnpackError(f"{name}={text!r} is not a number") from None
    if not value > 0:
        raise UnpackError(f"{name}={text!r} must be positive")
    return int(value * scale)


def temporary_folder(prefix: str) -> Path:
    """A fresh folder, removed by :func:`remove` or at exit."""
    path = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
    _LIVE.add(path)
    return path


def remove(path: Path | None) -> None:
    """Remove a folder made by :func:`temporary_folder` (nothing else)."""
    if path is not None and path in _LIVE:
        shutil.rmtree(path, ignore_errors=True)
        _LIVE.discard(path)


@atexit.register
def _remove_all() -> None:
    for path in list(_LIVE):
        remove(path)


def unpack(archive: str | Path, prefix: str, into: str | Path | None = None) -> Path:
    """Unpack ``archive`` into ``into`` (made if missing, kept by the caller)
    or a fresh temporary folder, within the limits above; return the folder."""
    archive = Path(archive)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _checked_members(zf, archive)
            target = Path(into).resolve() if into is not None else temporary_folder(prefix)
            try:
                target.mkdir(parents=True, exist_ok=True)
                _extract(zf, members, target, archive)
            except BaseException:
                remove(target)
                raise
    except zipfile.BadZipFile as error:
        raise UnpackError(f"{archive}: not a zip archive ({error})") from None
    return target


def _checked_members(zf: zipfile.ZipFile, archive: Path) -> list[zipfile.ZipInfo]:
    members = zf.infolist()
    if len(members) > max_members():
        raise UnpackError(f"{archive}: {len(members)} members, more than the limit of {max_members()} "
                          f"(BTWIN_MAX_ARCHIVE_MEMBERS)")
    for member in members:
        name = member.filename
        posix = PurePosixPath(name.replace("\\", "/"))
        if posix.is_absolute() or (len(name) > 1 and name[1] == ":") or ".." in posix.parts:
            raise UnpackError(f"{archive}: refusing archive member {name!r} (absolute path or '..')")
    return members


def _extract(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], target: Path, archive: Path) -> None:
    budget = max_bytes()
    for member in members:
        path = target / member.filename.replace("\\", "/")
        if member.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(member) as source, open(path, "wb") as sink:
            while chunk := source.read(_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise UnpackError(f"{archive}: unpacks to more than {max_bytes() / 1024**2:g} MiB "
                                      f"(limit BTWIN_MAX_UNPACKED_MB); refused")
                sink.write(chunk)
