"""The one way secretops runs an outside program: typed errors, redacted stderr, timeouts."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from secretops.errors import ToolError
from secretops.util.redact import redact_text

# Variables git sets while running a hook that would point a nested git at the wrong place.
_KEEP_GIT = {
    "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY",
    "GIT_CONFIG_COUNT", "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_ALLOW_PROTOCOL", "GIT_ASKPASS",
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
    "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
}


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without hook-set ``GIT_*`` variables.

    ``GIT_INDEX_FILE`` is kept as an absolute path: during ``git commit -a`` it names the
    index that is about to be committed, which is what a pre-commit check must read.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or k in _KEEP_GIT or k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    index = os.environ.get("GIT_INDEX_FILE")
    if index:
        env["GIT_INDEX_FILE"] = os.path.abspath(index)
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str],
    *,
    error: type[ToolError],
    what: str,
    cwd: Path | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    ok_codes: Sequence[int] = (0,),
    hint: str | None = None,
    missing_hint: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` and return its output; raise ``error`` with redacted stderr on failure.

    Secrets travel in ``input`` or ``env``, never in ``argv``.
    """
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            input=input,
            env=clean_env(env),
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL if input is None else None,
        )
    except FileNotFoundError as exc:
        raise error(f"{argv[0]} was not found", command=argv, returncode=None, hint=missing_hint or hint) from exc
    except subprocess.TimeoutExpired as exc:
        raise error(f"{what} timed out after {timeout:.0f}s", command=argv, returncode=None) from exc
    return _judged(proc, error=error, what=what, ok_codes=ok_codes, hint=hint)


def _judged(proc: subprocess.CompletedProcess[bytes], *, error: type[ToolError], what: str,
            ok_codes: Sequence[int], hint: str | None) -> subprocess.CompletedProcess[bytes]:
    if proc.returncode not in ok_codes:
        stderr = redact_text(proc.stderr.decode("utf-8", "replace"))
        raise error(f"{what} failed (exit {proc.returncode}): {stderr}", command=list(proc.args),
                    returncode=proc.returncode, stderr=stderr, hint=hint)
    return proc


def begin(argv: Sequence[str]) -> subprocess.Popen[bytes] | None:
    """``argv`` started now with no input, for ``finish`` to collect: the caller works while it runs.
    None if it cannot start (``run`` of the same argv then says why)."""
    try:
        return subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=clean_env())
    except OSError:
        return None


def finish(child: subprocess.Popen[bytes], *, error: type[ToolError], what: str, timeout: float = 120.0,
           ok_codes: Sequence[int] = (0,), hint: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """What ``run`` returns or raises, for a program ``begin`` started."""
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise error(f"{what} timed out after {timeout:.0f}s", command=[str(a) for a in child.args],  # type: ignore[union-attr]
                    returncode=None) from None
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    return _judged(done, error=error, what=what, ok_codes=ok_codes, hint=hint)



def started(
    argv: Sequence[str],
    *,
    error: type[ToolError],
    what: str,
    timeout: float = 3600.0,
    env: Mapping[str, str] | None = None,
) -> Callable[[], bytes]:
    """``argv`` started now, its output (to a temporary file, so no pipe is held open) read when the
    returned function is called: the caller works while it runs. ``error`` with redacted stderr if
    it failed; it is killed after ``timeout`` seconds."""
    import tempfile

    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by result())
    try:
        child = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=clean_env(env))
    except FileNotFoundError as exc:
        out.close()
        err.close()
        raise error(f"{argv[0]} was not found", command=argv, returncode=None) from exc

    def result() -> bytes:
        try:
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                raise error(f"{what} timed out after {timeout:.0f}s", command=argv, returncode=None) from None
            if child.returncode != 0:
                err.seek(0)
                stderr = redact_text(err.read(64 * 1024).decode("utf-8", "replace"))
                raise error(f"{what} failed (exit {child.returncode}): {stderr}", command=argv,
                            returncode=child.returncode, stderr=stderr)
            out.seek(0)
            return out.read()
        finally:
            out.close()
            err.close()

    return result


def streams(
    commands: Sequence[tuple[Sequence[str], bytes]],
    *,
    error: type[ToolError],
    what: str,
    timeout: float = 3600.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Several programs at once, each given its input, their output as it comes: (which, chunk),
    so that the reader works while they run. ``error`` with redacted stderr if one fails; all are
    killed after ``timeout`` seconds, or when the reader stops early."""
    import selectors
    import tempfile
    import threading

    with contextlib.ExitStack() as stack:
        children: list[subprocess.Popen[bytes]] = []
        errors = []
        stack.callback(_end, children)
        for argv, data in commands:
            given, err = stack.enter_context(tempfile.TemporaryFile()), stack.enter_context(tempfile.TemporaryFile())
            given.write(data)
            given.seek(0)
            try:
                children.append(subprocess.Popen(list(argv), stdin=given, stdout=subprocess.PIPE, stderr=err,
                                                 env=clean_env(env)))
            except FileNotFoundError as exc:
                raise error(f"{argv[0]} was not found", command=argv, returncode=None) from exc
            errors.append(err)
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            for child in children:
                child.kill()

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        stack.callback(timer.cancel)
        with selectors.DefaultSelector() as sel:
            for index, child in enumerate(children):
                assert child.stdout is not None
                sel.register(child.stdout, selectors.EVENT_READ, index)
            while sel.get_map():
                for key, _events in sel.select():
                    data = key.fileobj.read1(256 * 1024)  # type: ignore[union-attr]
                    if data:
                        yield key.data, data
                    else:
                        sel.unregister(key.fileobj)
        for (argv, _data), child, err in zip(commands, children, errors):
            child.wait()
            if expired:
                raise error(f"{what} timed out after {timeout:.0f}s", command=argv, returncode=None)
            if child.returncode != 0:
                err.seek(0)
                stderr = redact_text(err.read(64 * 1024).decode("utf-8", "replace"))
                raise error(f"{what} failed (exit {child.returncode}): {stderr}", command=argv,
                            returncode=child.returncode, stderr=stderr)


def _end(children: Sequence[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.kill()
        if child.stdout is not None:
            child.stdout.close()
        child.wait()
