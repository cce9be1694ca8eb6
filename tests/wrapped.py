"""Run the secretops CLI in this process under test instruments, from outside the product:

    python tests/wrapped.py [--kill-after N] [--forks FILE] -- ARGS…

``--kill-after N`` SIGKILLs the whole process group right after the Nth durable write (a rename
into place, a delete of a real file, or a git command that writes). ``--forks FILE`` appends the
pid of every forked child to FILE. Callers start it in a new session so the kill stays inside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

_WRITING_GIT = {"commit", "fast-import", "update-index", "reset", "checkout", "read-tree"}


def main() -> None:
    args = sys.argv[1:]
    sep = args.index("--")
    opts, cli_args = args[:sep], args[sep + 1:]
    limit = int(opts[opts.index("--kill-after") + 1]) if "--kill-after" in opts else 0
    forks = opts[opts.index("--forks") + 1] if "--forks" in opts else None
    count = [0]

    def tick() -> None:
        count[0] += 1
        if limit and count[0] >= limit:
            os.killpg(0, signal.SIGKILL)

    real_replace, real_unlink, real_run, real_fork = os.replace, os.unlink, subprocess.run, os.fork

    def replace(src: object, dst: object, *a: object, **k: object) -> None:
        real_replace(src, dst, *a, **k)  # type: ignore[arg-type]
        tick()

    def unlink(path: object, *a: object, **k: object) -> None:
        real_unlink(path, *a, **k)  # type: ignore[arg-type]
        if not str(path).endswith(".secretops-tmp"):
            tick()

    def run(argv: object, *a: object, **k: object) -> object:
        res = real_run(argv, *a, **k)  # type: ignore[call-overload]
        words = [str(w) for w in argv] if isinstance(argv, list) else []
        if words[:1] == ["git"] and len(words) > 3 and words[3] in _WRITING_GIT and res.returncode == 0:
            tick()
        return res

    def fork() -> int:
        pid = real_fork()
        if pid and forks:
            with open(forks, "a") as fh:
                fh.write(f"{pid}\n")
        return pid

    os.replace, os.unlink, os.fork = replace, unlink, fork  # type: ignore[assignment]
    subprocess.run = run  # type: ignore[assignment]
    from secretops.cli.main import main as cli

    cli(cli_args)


if __name__ == "__main__":
    main()
