"""Atomic writes: temp file, fsync, rename, then the folder fsynced. Never through a symlink."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from secretops.errors import InputError
from secretops.util.display import safe

_deferred: set[Path] | None = None  # folders whose fsync waits for the end of a batch
_lock = threading.Lock()


TEMP_SUFFIX = ".secretops-tmp"  # a write in progress (or killed): never one of the user's files

def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new bytes, never a mix.

    The mode of an existing file is kept unless ``mode`` is given; new files get ``mode`` or 0644.
    """
    path = Path(path)
    if path.is_symlink():
        raise InputError(f"{safe(str(path))} is a symlink; secretops never writes through one",
                         hint="replace the link with the file itself, or leave the file out")
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if _deferred is None:
        _fsync_dir(path.parent)
    else:
        with _lock:
            _deferred.add(path.parent)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Many atomic writes: each file is still fsynced before its rename, each folder once at the end.

    A crash inside the batch leaves every file either old or new (the journal resumes the rest).
    """
    global _deferred
    outer, _deferred = _deferred, set()
    try:
        yield
    finally:
        folders, _deferred = _deferred, outer
        for folder in folders:
            _fsync_dir(folder)


def atomic_delete(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def remove_stale_temps(root: Path, names: list[str]) -> None:
    """Remove temp files that a killed atomic_write left beside ``names`` (repo-relative)."""
    for name in names:
        target = root / name
        with contextlib.suppress(FileNotFoundError):
            for stray in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"):
                stray.unlink()


def require_replaceable(root: Path, names: list[str], what: str) -> None:
    """Before the first of several atomic writes: none of ``names`` (repo-relative) is a symlink or a
    folder, each folder takes a new file (probed for real: permission bits say nothing to root or to
    a read-only mount) and the disk has room for all of them. A refusal found half-way would leave
    some files written and others not."""
    for name in names:
        target = root / name
        if target.is_symlink() or target.is_dir():
            raise InputError(f"{safe(name)} is a symlink or a folder; secretops never writes through one",
                             hint="replace it with a regular file, then run again (nothing was written)")
    for folder in sorted({(root / name).parent for name in names}):
        try:
            if hasattr(os, "O_TMPFILE"):  # an unnamed file: nothing to clean up, nothing another reader sees
                os.close(os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600))
            else:
                fd, tmp = tempfile.mkstemp(prefix=".probe.", suffix=".secretops-tmp", dir=folder)
                os.close(fd)
                os.unlink(tmp)
        except OSError as exc:
            from secretops.errors import StateError

            raise StateError(f"cannot write into {safe(str(folder))} ({exc.strerror or type(exc).__name__}), "
                             f"which {what} needs", hint="make it writable, then run again (nothing was "
                             "written)") from None
    sizes = [(root / name).stat().st_size for name in names if (root / name).is_file()]
    require_space(root, 2 * sum(sizes), max([*sizes, 8192]) * 2, what)


@contextlib.contextmanager
def private_tempdir(base: Path | None = None) -> Iterator[Path]:
    """A 0700 temp folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="secretops-", dir=base) as name:
        os.chmod(name, 0o700)
        yield Path(name)


def require_space(folder: Path, total: int, largest: int, what: str) -> None:
    """Before the first write: room for ``total`` bytes on the folder's file system, and a process
    allowed to write a file of ``largest`` bytes (RLIMIT_FSIZE). A full disk found half-way leaves a
    command interrupted; found here, it changes nothing."""
    import shutil

    from secretops.errors import StateError

    margin = 1 << 20
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < total + margin:
        raise StateError(f"not enough free space for {what} (needs about {(total + margin) >> 10} KiB, "
                         f"{free >> 10} KiB free)", hint="free some space, then run it again")
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, OSError, ValueError):
        return
    if soft != resource.RLIM_INFINITY and soft < largest + 64 * 1024:
        raise StateError(f"this process may not write files of {largest >> 10} KiB or more, which {what} needs "
                         "(a file size limit, ulimit -f)", hint="raise the limit, then run it again")
