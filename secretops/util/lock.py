"""One secretops command that writes at a time, per clone.

A POSIX record lock (``fcntl.lockf``) on one file in the common git dir: the kernel holds it for the
process and drops it when the process ends, however it ends, so a lock is never left behind by a
dead process; forked workers do not inherit it. The file also carries who holds it (pid, command,
since when, host and boot), said to a second command, which exits 2. The record is emptied when the
lock is released, so a record found by the next holder was left by a command that was killed: it is
reported once (``Lock.left``) and replaced. A process holds the lock once; nested holds in the same
process count up (the CLI entry is the only taker in practice).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from secretops.errors import StateError

NAME = "secretops.lock"
SCHEMA = 1


@dataclass(frozen=True)
class Owner:
    pid: int
    command: str
    since: str  # UTC, ISO 8601
    host: str
    boot: str

    def alive(self) -> bool:
        """The recorded process still runs (this host and boot only: another's pid says nothing)."""
        if self.host != _host() or self.boot != _boot():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def words(self) -> str:
        return f"`{self.command}` (pid {self.pid}, since {self.since.replace('T', ' ').replace('Z', ' UTC')})"


@dataclass(frozen=True)
class Lock:
    path: Path
    left: Owner | None  # the record of a killed command found on taking it (its lock died with it)


_HELD: dict[str, tuple[int, int]] = {}  # path -> (fd, depth), in this process only
_LEFT: list[Owner] = []  # the record a killed command left, found when this process took the lock


def _forget_in_child() -> None:
    _HELD.clear()  # a forked child holds no POSIX lock; its copies of the fds release nothing of ours


os.register_at_fork(after_in_child=_forget_in_child)


def _host() -> str:
    return os.uname().nodename


def _boot() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _read(fd: int) -> Owner | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        if not isinstance(data, dict) or data.get("version") != SCHEMA:
            return None
        return Owner(int(data["pid"]), str(data["command"]), str(data["since"]), str(data["host"]),
                     str(data["boot"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(fd: int, command: str) -> None:
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"version": SCHEMA, **asdict(Owner(os.getpid(), command, since, _host(), _boot()))}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record, sort_keys=True) + "\n").encode(), 0)


def _open(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o600)
    except OSError as exc:
        raise StateError(f"cannot create the lock {path} ({exc.strerror or type(exc).__name__})",
                         hint="make .git writable (or replace a symlink there with nothing), then run the "
                         "command again") from None


def _try_lock(path: Path) -> tuple[int, bool]:
    """(fd, taken): the lock taken on the file that is at ``path`` now (one removed and made again
    under us is taken again), or the fd to read the holder's record from."""
    import fcntl

    for _ in range(8):
        fd = _open(path)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise StateError(f"cannot lock {path} ({exc.strerror})", hint="run the command again") from None
            return fd, False
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd, True
        os.close(fd)  # the file was removed or replaced while we took it: take the one there now
    raise StateError(f"the lock {path} keeps being replaced", hint="run the command again")


@contextlib.contextmanager
def hold(folder: Path, command: str) -> Iterator[Lock]:
    """Hold the lock in ``folder`` (the common git dir) for ``command``, or raise StateError naming
    the holder. Everything the command reads that decides anything is read inside."""
    path = folder / NAME
    key = str(path)
    if key in _HELD:
        fd, depth = _HELD[key]
        _HELD[key] = (fd, depth + 1)
        try:
            yield Lock(path, None)
        finally:
            _HELD[key] = (fd, depth)
        return
    fd, taken = _try_lock(path)
    if not taken:
        holder = _read(fd)
        os.close(fd)
        who = holder.words() if holder is not None and holder.alive() else "another secretops command"
        raise StateError(f"{who} is writing this repository (lock {path})",
                         hint="wait for it to end, then run this command again")
    try:
        left = _read(fd)
        _write(fd, command)
        _HELD[key] = (fd, 1)
        _LEFT[:] = [left] if left is not None else []
        yield Lock(path, left)
    finally:
        _HELD.pop(key, None)
        _LEFT.clear()
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # released normally: no record left for the next holder to report
        os.close(fd)  # closing drops the lock


def killed_before() -> Owner | None:
    """While this process holds the lock: the command that held it last and was killed, if any."""
    return _LEFT[0] if _LEFT and _HELD else None


@contextlib.contextmanager
def attempt(folder: Path, command: str) -> Iterator[bool]:
    """The lock if it is free now (True), else nothing (False): for writes that may be skipped."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(hold(folder, command))
    except StateError:
        yield False
        return
    with stack:
        yield True
