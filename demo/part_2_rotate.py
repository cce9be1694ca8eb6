"""Demo part: the two-commit key rotation, with demo/fakeflux.py standing in for each cluster's Flux."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLUSTERS = ("dev", "prod", "staging")
FAKEFLUX = Path(__file__).resolve().parent / "fakeflux.py"


def _flux(run: Callable[..., str], fleet: Path, env: dict[str, str], state: Path, sha: str,
          clusters: tuple[str, ...], tag: str = "") -> None:
    """Flux in each cluster pulls ``sha`` and applies it, with the cluster's key Secret."""
    for name in clusters:
        run(["python", str(FAKEFLUX), "apply", str(state), name, sha,
             "--key-secret", f"clusters/{name}/flux-system/sops-age.enc.yaml", *(["--tag", tag] if tag else [])],
            fleet, env, show=f"python demo/fakeflux.py apply $FLUX {name} {sha[:12]}"
                             f" --key-secret clusters/{name}/flux-system/sops-age.enc.yaml"
                             + (f" --tag {tag}" if tag else ""))


def run_part(fleet: Path, env: dict[str, str], run: Callable[..., str], say: Callable[[str], None]) -> Any:
    state = fleet.parent / "flux"
    kubeconfig = Path(env["HOME"]) / ".kube" / "config"
    env["KUBECONFIG"] = str(kubeconfig)
    say("rotate: demo/fakeflux.py plays each cluster's API server and Flux (no kube-apiserver here)")
    print(f"$ FLUX={state}; python demo/fakeflux.py serve $FLUX --clusters {','.join(CLUSTERS)} &", flush=True)
    server = subprocess.Popen([sys.executable, str(FAKEFLUX), "serve", str(state), "--clusters", ",".join(CLUSTERS),
                               "--kubeconfig", str(kubeconfig)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        print("  " + server.stdout.readline().strip(), flush=True)  # serving, once the kubeconfig is written
        run(["git", "remote", "add", "origin", "ssh://git@github.com/acme/fleet.git"], fleet, env)
        base = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
        run(["git", "tag", "-a", "v1.0.0", "-m", "release v1.0.0"], fleet, env)
        say("Flux applies the current commit: dev and staging follow main, prod follows tag v1.0.0")
        _flux(run, fleet, env, state, base, ("dev", "staging"))
        _flux(run, fleet, env, state, base, ("prod",), tag="v1.0.0")
        say("rotate start: commit 1 (old + new keys everywhere; each key Secret holds both)")
        run(["rotate", "start", "--all", "--dry-run"], fleet, env)
        run(["rotate", "start", "--all"], fleet, env)
        commit1 = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
        run(["rotate", "status"], fleet, env, expect=1)
        say("Flux applies commit 1 on main (dev, staging); prod still follows tag v1.0.0")
        _flux(run, fleet, env, state, commit1, ("dev", "staging"))
        run(["rotate", "status"], fleet, env, expect=1)
        say("promote: tag commit 1 as v1.1.0 and point prod's GitRepository at it")
        run(["rotate", "tag", "v1.1.0"], fleet, env)
        _flux(run, fleet, env, state, commit1, ("prod",), tag="v1.1.0")
        run(["rotate", "status", "--wait", "30"], fleet, env)
        say("rotate finish: commit 2 (the new keys only)")
        run(["rotate", "finish"], fleet, env)
        run(["git", "log", "--oneline", "-3"], fleet, env)
        run(["status"], fleet, env)
    finally:
        server.terminate()
        server.wait(timeout=30)
