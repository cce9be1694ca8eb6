"""Test helpers: real git repos, the real sops, the CLI run in-process, and an output guard."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from secretops.sops import binary as sops_mod

# Every output any test sees is kept here; the autouse guard greps it for secrets.
OUTPUTS: list[str] = []
PLANTED: set[str] = set()
PRIVATE_KEY = re.compile(r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}")


def plant(value: str) -> str:
    PLANTED.add(value)
    return value


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run ``secretops ARGS`` in-process (fast) from ``cwd``; restores cwd and env afterwards."""
    from secretops.cli.main import main

    old_cwd, old_env = os.getcwd(), dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        os.chdir(cwd)
        if env:
            os.environ.update(env)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
    result = Result(code, out.getvalue(), err.getvalue())
    OUTPUTS.append(result.text)
    return result


def run_proc(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
             input: bytes | None = None, timeout: float = 120) -> Result:
    """Run a real process (the installed CLI, git, sops); its output is guarded too."""
    full = dict(os.environ, **(env or {}))
    proc = subprocess.run(list(argv), cwd=cwd, env=full, input=input, capture_output=True, timeout=timeout)
    result = Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
    OUTPUTS.append(result.text)
    return result


def cli_proc(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    return run_proc([sys.executable, "-m", "secretops", *args], cwd, env)


WRAPPER = Path(__file__).with_name("wrapped.py")


def cli_killed_after(n: int, args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """The CLI in a subprocess of its own session, SIGKILLed (with any worker) after its Nth write."""
    return cli_wrapped(["--kill-after", str(n)], args, cwd, env)


def cli_wrapped(opts: Sequence[str], args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """The CLI in a subprocess of its own session under the test instruments of tests/wrapped.py."""
    full = dict(os.environ, **(env or {}))
    full["PYTHONPATH"] = str(WRAPPER.parents[1])
    proc = subprocess.run([sys.executable, str(WRAPPER), *opts, "--", *args], cwd=cwd, env=full,
                          capture_output=True, timeout=300, start_new_session=True)
    result = Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
    OUTPUTS.append(result.text)
    return result


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commit_file(root: Path, rel: str, text: str, message: str) -> str:
    """Write ``rel``, commit everything, and return the new HEAD."""
    write(root / rel, text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def sops_bin() -> str:
    return sops_mod.locate()


def sops(cwd: Path, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
    return run_proc([sops_bin(), *args], cwd, env, input)


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def secret_yaml(name: str, value: str, namespace: str = "default", key: str = "password") -> str:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"type: Opaque\nstringData:\n  {key}: {value}\n")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (but .git) with its bytes, to prove that nothing changed."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            p = Path(folder, name)
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def sops_opens(root: Path, rel: str, keys: Sequence[object]) -> bool:
    """The real sops decrypts ``rel`` with exactly these identities and no others (never the code
    under test). The plaintext is discarded, never kept in any output."""
    from secretops.sops import agekeys

    env = agekeys.identity_env(keys)  # type: ignore[arg-type]
    res = subprocess.run([sops_bin(), "--config", os.devnull, "decrypt", rel], cwd=root,  # decrypt reads no rules
                         env=dict(os.environ, **env), capture_output=True, timeout=60)
    return res.returncode == 0


def repo_state(root: Path) -> tuple[dict[str, bytes], str, str, str]:
    """The work tree (all files but .git), the index, HEAD and the status: all must stay identical
    across a refusal."""
    index = subprocess.run(["git", "ls-files", "-s", "--debug"], cwd=root, capture_output=True, text=True).stdout
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=root, capture_output=True,
                            text=True).stdout
    return snapshot(root), index, head, status
