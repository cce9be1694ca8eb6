"""`edit`: sops's own editor on an encrypted file."""

from __future__ import annotations

import os
import shlex
import shutil
import sys

from secretops.errors import InputError, StateError
from secretops.repo.model import Repo
from secretops.sops.binary import Sops
from secretops.util.display import safe
from secretops.util.fsutil import atomic_write, private_tempdir
from secretops.workflow.files import clear_edited, parse_plain, read

MAX_ATTEMPTS = 3  # sops re-opens the editor after invalid YAML; without a terminal it would loop forever


def edit(repo: Repo, sops: Sops, path: str) -> int:
    rel = repo.rel(path)
    parsed = parse_plain(rel, read(repo, rel))
    if parsed.meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file",
                         hint=f"encrypt it in place with `secretops encrypt {shlex.quote(rel)}`")
    clear = repo.config.clear_name(rel)
    has_copy = (repo.root / clear).is_file() and not (repo.root / clear).is_symlink()
    if has_copy and clear_edited(repo, clear, sops.decrypt(rel)):
        raise StateError(f"{clear} holds edits that are not encrypted yet; editing {rel} too would split them",
                         hint=f"encrypt them first (`secretops encrypt {shlex.quote(clear)}`)")
    real = os.environ.get("SOPS_EDITOR") or os.environ.get("EDITOR") or "vim"
    _require_editor(real)
    with private_tempdir() as tmp:
        guard, count, status, errors = tmp / "editor", tmp / "count", tmp / "status", tmp / "stderr"
        guard.write_text("#!/bin/sh\n"  # counts the editor's runs; gives up after MAX_ATTEMPTS
                         f'n=$(cat {shlex.quote(str(count))} 2>/dev/null || echo 0); n=$((n+1)); '
                         f'echo $n > {shlex.quote(str(count))}\n'
                         f'if [ "$n" -gt {MAX_ATTEMPTS} ]; then exit 1; fi\n'
                         f'{real} "$@"\nrc=$?\necho $rc > {shlex.quote(str(status))}\nexit $rc\n')
        guard.chmod(0o700)
        interactive = sys.stdin.isatty()  # a terminal shows sops's own retry prompts; else they are judged
        code = sops.edit(rel, editor=str(guard) if os.name == "posix" else None,
                         stderr=None if interactive else errors)
        tries = int(count.read_text().strip() or "0") if count.exists() else 0
        editor_rc = int(status.read_text().strip() or "0") if status.exists() else 0
        said = errors.read_bytes() if errors.exists() else b""
    if tries > MAX_ATTEMPTS:
        raise InputError(f"the editor wrote invalid YAML {MAX_ATTEMPTS} times; {rel} is unchanged",
                         hint="fix the YAML and run `secretops edit` again")
    if code not in (0, 200) and editor_rc != 0:
        raise InputError(f"the editor ({safe(real)}) failed with exit status {editor_rc}; {rel} is unchanged",
                         hint="set SOPS_EDITOR or EDITOR to an editor that works, then run `secretops edit` again")
    if code not in (0, 200) and said:
        from secretops.util.redact import unquoted

        sys.stderr.write(unquoted(said.decode("utf-8", "replace")) + "\n")
    if code == 0 and has_copy:  # the clear copy was in step (or stale): it follows the edit
        from secretops.workflow import clearstate

        atomic_write(repo.root / clear, sops.decrypt(rel), mode=0o600)
        clearstate.record(repo, [clear])
    return code


def _require_editor(command: str) -> None:
    """The editor is a program on PATH (sops would only say "Could not run editor")."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if not words or shutil.which(words[0]) is None:
        raise InputError(f"the editor {safe(command)!r} ($SOPS_EDITOR or $EDITOR) was not found",
                         hint="set EDITOR to an editor on PATH (for example `export EDITOR=nano`)")
