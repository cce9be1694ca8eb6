"""Wire encrypted files into git: `.gitattributes` lines (`merge=secretops diff=secretops`) for the
encrypted suffix, and the driver and textconv in the clone's own git config. Idempotent: a user's
own lines and settings are never replaced. A fresh clone needs `secretops install-hook` once (git
config is not cloned)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from secretops.errors import StateError
from secretops.git import command as git
from secretops.sops.creation_rules import CONFIG_NAME
from secretops.workflow import repofiles


def command() -> str:
    """How git runs this secretops: its interpreter, so a virtualenv needs no PATH."""
    return f"{shlex.quote(sys.executable)} -m secretops"


def attribute_line(suffix: str) -> str:
    return f"*{suffix} merge=secretops diff=secretops"


CONFIG_OVERRIDE = f"{CONFIG_NAME} !merge !diff"  # the sops config is plain text: git's own diff and merge


def attribute_lines(suffix: str) -> list[str]:
    """Our `.gitattributes` lines; when the suffix also matches `.sops.yaml` (`*.sops.yaml`), a
    later line gives the config back git's own diff and merge (a recipient added in review shows)."""
    return [attribute_line(suffix), *([CONFIG_OVERRIDE] if CONFIG_NAME.endswith(suffix) else [])]


def attributes_update(root: Path, suffix: str) -> bytes | None:
    """The `.gitattributes` bytes with our lines appended (in the file's own line ending, its bytes
    otherwise kept), or None when nothing is missing. A suffix the user configured (whatever they chose
    for it) is theirs; a line of ours that matches the sops config is repaired by the override line after
    it. A symlink or a folder there is refused (ConfigError): nothing is written through one."""
    path = root / ".gitattributes"
    text, eol = repofiles.read_lines_file(path)
    lines = [line.split() for line in repofiles.lines_of(text)]
    mine = [w for w in lines if w and w[0] == f"*{suffix}"]
    if mine and not any("merge=secretops" in w or "diff=secretops" in w for w in mine):
        return None  # the user's own line for the suffix
    wanted = [line for line in attribute_lines(suffix) if line.split() not in lines]
    if mine:
        wanted = [line for line in wanted if line != attribute_line(suffix)]
    if not wanted:
        return None
    return (text + ("" if not text or text.endswith("\n") else eol) + "".join(f"{w}{eol}" for w in wanted)).encode()


def _wanted() -> dict[str, str]:
    return {"merge.secretops.name": "secretops: merge sops files value by value",
            "merge.secretops.driver": f"{command()} merge-driver %O %A %B %P",
            "diff.secretops.textconv": f"{command()} textconv"}


def _ours(key: str, value: str) -> bool:
    """A value secretops wrote: exactly ours, or ours from another interpreter (a moved virtualenv)."""
    import re

    want = _wanted()[key]
    if value == want or not want.startswith(command()):
        return value == want
    tail = want.removeprefix(command())
    return re.fullmatch(r"(?:'[^']*'|[^\s'\\]+) -m secretops" + re.escape(tail), value) is not None


def plan(root: Path) -> list[tuple[str, str]]:
    """The (key, value) pairs `apply` would set in the clone's config: ours that are missing or were
    written by another interpreter; never a user's own. Refused (StateError) before anything is
    written: a key with several values, or a config git could not write."""
    todo = []
    for key, value in _wanted().items():
        res = git.git(root, "config", "--local", "--get-all", key, ok_codes=(0, 1))
        values = [v for v in res.stdout.decode("utf-8", "replace").split("\n") if v]
        if len(values) > 1:
            raise StateError(f"{key} has {len(values)} values in this clone's git config",
                             hint=f"keep one (`git config --local --unset-all {key}` removes them all), then "
                             "run again")
        if values and not _ours(key, values[0]):
            continue  # the user's own
        if values != [value]:
            todo.append((key, value))
    if todo:
        _require_writable_config(root)
    return todo


def _require_writable_config(root: Path) -> None:
    """git writes `config.lock` beside the config and renames it over: both must be possible (probed
    for real: permission bits say nothing to root, an immutable file or a read-only mount does)."""
    import os

    config = Path(git.out(root, "rev-parse", "--path-format=absolute", "--git-path", "config").strip())
    try:
        if config.exists():
            os.close(os.open(config, os.O_WRONLY | os.O_APPEND))
        probe = config.with_name("config.lock")
        if probe.exists():
            raise StateError(f"{probe} exists: another git command is changing the config, or one was killed",
                             hint="wait for it; if none runs, remove that file and run again")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise StateError(f"cannot write this clone's git config {config} ({exc.strerror})",
                         hint="make it writable, then run again") from None


def apply(root: Path, todo: list[tuple[str, str]]) -> list[str]:
    """Set what ``plan`` found missing; the keys set."""
    for key, value in todo:
        git.git(root, "config", "--local", key, value)
    return [key for key, _value in todo]


def configure(root: Path) -> list[str]:
    """Set the merge driver and the textconv in the clone's config, unless the user set their own."""
    return apply(root, plan(root))
