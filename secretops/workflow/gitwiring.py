"""Wire encrypted files into git: `.gitattributes` lines (`merge=secretops diff=secretops`) for the
encrypted suffix, and the driver and textconv in the clone's own git config. Idempotent: a user's
own lines and settings are never replaced. A fresh clone needs `secretops install-hook` once (git
config is not cloned)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from secretops.git import command as git
from secretops.sops.creation_rules import CONFIG_NAME


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
    """The `.gitattributes` bytes with our lines appended, or None when nothing is missing. A suffix
    the user configured (whatever they chose for it) is theirs; a line of ours that matches the sops
    config is repaired by the override line after it."""
    path = root / ".gitattributes"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = [line.split() for line in text.splitlines()]
    mine = [w for w in lines if w and w[0] == f"*{suffix}"]
    if mine and not any("merge=secretops" in w or "diff=secretops" in w for w in mine):
        return None  # the user's own line for the suffix
    wanted = [line for line in attribute_lines(suffix) if line.split() not in lines]
    if mine:
        wanted = [line for line in wanted if line != attribute_line(suffix)]
    if not wanted:
        return None
    return (text + ("" if not text or text.endswith("\n") else "\n") + "".join(f"{w}\n" for w in wanted)).encode()


def _wanted() -> dict[str, str]:
    return {"merge.secretops.name": "secretops: merge sops files value by value",
            "merge.secretops.driver": f"{command()} merge-driver %O %A %B %P",
            "diff.secretops.textconv": f"{command()} textconv"}


def planned(root: Path) -> list[tuple[str, str]]:
    """The settings `configure` would set: missing or stale ones of ours, never the user's own."""
    out = []
    for key, value in _wanted().items():
        current = git.git(root, "config", "--local", "--get", key, ok_codes=(0, 1)).stdout.decode().strip()
        if current and "secretops" not in current:
            continue  # the user's own
        if current != value:
            out.append((key, value))
    return out


def configure(root: Path) -> list[str]:
    """Set the merge driver and the textconv in the clone's config, unless the user set their own."""
    done = []
    for key, value in planned(root):
        git.git(root, "config", "--local", key, value)
        done.append(key)
    return done
