"""Demo part: two branches change different values of one encrypted file; git merges them through
the secretops merge driver, and `secretops diff` reviews the change without keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

REL = "clusters/dev/apps/db.enc.yaml"


def _edit(fleet: Path, env: dict[str, str], run: Callable[..., str], values: dict[str, str]) -> None:
    clear = fleet / REL.replace(".enc.yaml", ".clear.yaml")
    print(f"# $EDITOR {clear.relative_to(fleet)}   (username, password)", flush=True)
    body = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n"
    clear.write_text(body + "".join(f"  {k}: {v}\n" for k, v in values.items()))
    run(["encrypt", "--rm", str(clear.relative_to(fleet))], fleet, env)


def run_part(fleet: Path, env: dict[str, str], run: Callable[..., str], say: Callable[[str], None]) -> Any:
    say("merge: two branches change different values of one encrypted file")
    _edit(fleet, env, run, {"password": "demo-dev-password", "username": "app"})
    run(["git", "commit", "-qam", "db: a username"], fleet, env)
    base = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
    run(["git", "checkout", "-qb", "feature"], fleet, env)
    _edit(fleet, env, run, {"password": "demo-dev-password", "username": "app-v2"})
    run(["git", "commit", "-qam", "feature: rename the user"], fleet, env)
    run(["git", "checkout", "-q", "main"], fleet, env)
    _edit(fleet, env, run, {"password": "demo-dev-password-2", "username": "app"})
    run(["git", "commit", "-qam", "main: a new password"], fleet, env)
    run(["git", "merge", "--no-edit", "feature"], fleet, env)
    say("review what the branch did to secrets (no key needed; values never shown)")
    run(["diff", f"{base}..HEAD"], fleet, env)
