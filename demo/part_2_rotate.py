"""Demo part: the two-commit key rotation, with a local stand-in for each cluster's Flux."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLUSTERS = ("dev", "prod", "staging")


def _play_flux(kube: Any, fleet: Path, env: dict[str, str], sha: str, only: tuple[str, ...] = CLUSTERS,
               ref: str = "main") -> None:
    """What kustomize-controller does after pulling ``sha`` (on branch or tag ``ref``): apply it and
    load the key Secret."""
    code = (
        "import json,sys; from pathlib import Path; from secretops.sops import agekeys;"
        "from secretops.repo import discovery as scan, keysecrets; from secretops.repo.model import open_repo;"
        "r=open_repo(Path(sys.argv[1])); s=scan.scan(r); ids=agekeys.load_identities(); out={};"
        "[out.setdefault(c, {e.name: e.content for k in s.key_secrets_for(r, c) "
        "for e in keysecrets.read_entries(r.root, k.rel, ids)}) for c in sys.argv[2:]];"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(fleet), *CLUSTERS], env=env, capture_output=True,
                          text=True, check=True)
    from tests import fakeflux

    for name, entries in json.loads(proc.stdout).items():
        if name not in only:
            continue
        cluster = kube.clusters[name]
        fakeflux.set_applied(cluster.get("kustomizations", "flux-system", "flux-system"), sha, ref=ref)
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
        run(["git", "tag", "-a", "v1.0.0", "-m", "release v1.0.0"], fleet, env)
        prod_source = kube.clusters["prod"].get("gitrepositories", "flux-system", "flux-system")
        prod_source["spec"]["ref"] = {"tag": "v1.0.0"}  # production follows release tags; dev and staging: main
        _play_flux(kube, fleet, env, base, ("dev", "staging"))
        _play_flux(kube, fleet, env, base, ("prod",), ref="v1.0.0")
        say("rotate start: commit 1 (old + new keys everywhere; each key Secret holds both)")
        run(["rotate", "start", "--all", "--dry-run"], fleet, env)
        run(["rotate", "start", "--all"], fleet, env)
        commit1 = run(["git", "rev-parse", "HEAD"], fleet, env).strip()
        run(["rotate", "status"], fleet, env, expect=1)
        say("Flux applies commit 1 on main (dev, staging); prod still follows tag v1.0.0")
        _play_flux(kube, fleet, env, commit1, ("dev", "staging"))
        run(["rotate", "status"], fleet, env, expect=1)
        say("promote: tag commit 1 as v1.1.0 and point prod's GitRepository at it")
        run(["rotate", "tag", "v1.1.0"], fleet, env)
        prod_source["spec"]["ref"] = {"tag": "v1.1.0"}
        _play_flux(kube, fleet, env, commit1, ("prod",), ref="v1.1.0")
        run(["rotate", "status", "--reconcile"], fleet, env)
        say("rotate finish: commit 2 (the new keys only)")
        run(["rotate", "finish"], fleet, env)
        run(["git", "log", "--oneline", "-3"], fleet, env)
        run(["status"], fleet, env)
