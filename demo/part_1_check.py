"""Demo part: the checker blocks a commit of a clear working copy, as a real git hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_part(fleet: Path, env: dict[str, str], run: Callable[..., str], say: Callable[[str], None]) -> Any:
    say("check: install the pre-commit hook, then try to commit the clear copy")
    run(["install-hook"], fleet, env)
    run(["git", "add", "-f", "clusters/prod/apps/db.clear.yaml"], fleet, env)
    run(["git", "commit", "-m", "oops: a clear file"], fleet, env, expect=1)
    run(["git", "rm", "-q", "--cached", "clusters/prod/apps/db.clear.yaml"], fleet, env)
    say("check the whole history, as CI would (SARIF for GitHub code scanning with --format sarif)")
    run(["check", "--history", "-q"], fleet, env)
