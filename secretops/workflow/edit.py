"""`edit`: sops's own editor on an encrypted file."""

from __future__ import annotations

import os
import shlex
import sys

from secretops.errors import InputError
from secretops.repo.model import Repo
from secretops.sops.binary import Sops
from secretops.util.fsutil import private_tempdir
from secretops.util.redact import redact_text
from secretops.workflow.files import parse_plain, read

MAX_ATTEMPTS = 3  # sops re-opens the editor after invalid YAML; without a terminal it would loop forever


def edit(repo: Repo, sops: Sops, path: str) -> int:
    rel = repo.rel(path)
    parsed = parse_plain(rel, read(repo, rel))
    if parsed.meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file", hint="encrypt it with `secretops encrypt`")
    real = os.environ.get("SOPS_EDITOR") or os.environ.get("EDITOR") or "vim"
    with private_tempdir() as tmp:
        guard = tmp / "editor"
        count = tmp / "count"
        guard.write_text("#!/bin/sh\n"  # counts the editor's runs; gives up after MAX_ATTEMPTS
                         f'n=$(cat {shlex.quote(str(count))} 2>/dev/null || echo 0); n=$((n+1)); '
                         f'echo $n > {shlex.quote(str(count))}\n'
                         f'if [ "$n" -gt {MAX_ATTEMPTS} ]; then exit 1; fi\n'
                         f'exec {real} "$@"\n')
        guard.chmod(0o700)
        interactive = sys.stdin.isatty()  # no terminal: sops's retry prompts would only be noise
        with open(tmp / "sops-stderr", "wb") as said:
            code = sops.edit(rel, editor=str(guard) if os.name == "posix" else None,
                             stderr=None if interactive else said.fileno())
        tries = int(count.read_text().strip() or "0") if count.exists() else 0
        if tries > MAX_ATTEMPTS:
            raise InputError(f"the editor wrote invalid YAML {MAX_ATTEMPTS} times; {rel} is unchanged",
                             hint="fix the YAML and run `secretops edit` again")
        if not interactive and code not in (0, 200):
            sys.stderr.write(redact_text((tmp / "sops-stderr").read_text(errors="replace")))
    return code
