"""Wire encrypted files into git: `.gitattributes` lines (`merge=secretops diff=secretops`) for the
encrypted suffix, and the driver and textconv in the clone's own git config. Idempotent: a user's
own lines and settings are never replaced. A fresh clone needs `secretops install-hook` once (git
config is not cloned)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from secretops.git import command as git
from secretops.workflow import repofiles


def command() -> str:
    """How git runs this secretops: its interpreter, so a virtualenv needs no PATH."""
    return f"{shlex.quote(sys.executable)} -m secretops"


def attribute_line(suffix: str) -> str:
    return f"*{suffix} merge=secretops diff=secretops"


def attributes_update(root: Path, suffix: str) -> bytes | None:
    """The `.gitattributes` bytes with our line appended, or None when the suffix is configured
    already (by us or by the user, whatever they chose for it)."""
    path = root / ".gitattributes"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == f"*{suffix}":
            return None
    return repofiles.append_line(path, attribute_line(suffix))


def configure(root: Path) -> list[str]:
    """Set the merge driver and the textconv in the clone's config, unless the user set their own."""
    wanted = {"merge.secretops.name": "secretops: merge sops files value by value",
              "merge.secretops.driver": f"{command()} merge-driver %O %A %B %P",
              "diff.secretops.textconv": f"{command()} textconv"}
    done = []
    for key, value in wanted.items():
        current = git.git(root, "config", "--local", "--get", key, ok_codes=(0, 1)).stdout.decode().strip()
        if current and "secretops" not in current:
            continue  # the user's own
        if current != value:
            git.git(root, "config", "--local", key, value)
            done.append(key)
    return done
