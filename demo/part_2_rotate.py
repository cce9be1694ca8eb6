"""Demo part: the two-commit key rotation, with a local stand-in for each cluster's Flux."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLUSTERS = ("dev", "prod", "staging")


def _play_flux(kube: Any, fleet: Path, env: dict[str, str], sha: str) -> None:
    """What kustomize-controller does after pulling ``sha``: apply it and load the key Secret."""
    code = (
        "import json,sys; from pathlib import Path; from secretops import agekeys, scan;"
        "from secretops.repo import open_repo; from secretops.rotation import keysecrets;"
        "r=open_repo(Path(sys.argv[1])); s=scan.scan(r); ids=agekeys.load_identities(); out={};"
        "[out.setdefault(c, {e.name: e.content for k in s.key_secrets_for(r, c) "
        "for e in keysecrets.read_entries(r.root, k.rel, ids)}) for c in sys.argv[2:]];"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(fleet), *CLUSTERS], env=env, capture_output=True,
                          text=True, check=True)
    from tests import fakeflux

    for name, entries in json.loads(proc.stdout).items():
        cluster = kube.clusters[name]
        fakeflux.set_applied(cluster.get("kustomizations", "flux-system", "flux-system"), sha)
        cluster.put("secrets", fakeflux.key_secret("sops-age", "flux-system", entries))


def run_part(fleet: Path, env: dict[str, str], run: Callable[..., str], say: Callable[[str], None]) -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import fakeflux

    say("rotate: a local stand-in API server plays each cluster's Flux (no kube-apiserver here)")
    with fakeflux.FakeKube() as kube:
        for name in CLUSTERS:
            kube.add(name).put("kustomizations", fakeflux.kustomization("flux-system", path=f"./clusters/{name}"))
        env["KUBECONFIG"] = str(kube.kubeconfig(Path(env["HOME"]) / ".kube" / "config", list(CLUSTERS)))
        run(["git", "remote", "add", "origin", fakeflux.REPO_URL + ".git"], fleet, env)
        base = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
        _play_flux(kube, fleet, env, base)
        say("rotate start: commit 1 (old + new keys everywhere; each key Secret holds both)")
        run(["rotate", "start", "--all", "--dry-run"], fleet, env)
        run(["rotate", "start", "--all"], fleet, env)
        commit1 = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
        run(["rotate", "status"], fleet, env, expect=1)
        say("Flux applies commit 1 in every cluster (simulated)")
        _play_flux(kube, fleet, env, commit1)
        run(["rotate", "status", "--reconcile"], fleet, env)
        say("rotate finish: commit 2 (the new keys only)")
        run(["rotate", "finish"], fleet, env)
        run(["git", "log", "--oneline", "-3"], fleet, env)
        run(["status"], fleet, env)
