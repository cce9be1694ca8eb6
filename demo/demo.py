"""`make demo`: a sample three-cluster fleet in a temporary folder, driven through the real CLI.

Everything happens in a throwaway folder with its own $HOME, so your own age keys, git
config and kubeconfig are never touched. Each step is printed as the command you would type.
`--keep` (or SECRETOPS_DEMO_KEEP=1) keeps the folder and says how to go on in it by hand.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRETOPS = [sys.executable, "-m", "secretops"]


def say(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def note(text: str) -> None:
    """A step done by hand (an editor, Flux): said as a comment."""
    print(f"# {text}", flush=True)


def run(args: list[str], cwd: Path, env: dict[str, str], expect: int = 0, show: str | None = None) -> str:
    """``secretops …`` through this interpreter, ``python demo/…`` likewise, anything else as it is."""
    program = args[0] if args[0] in ("git", "python") else "secretops"
    shown = show or " ".join(shlex.quote(a) for a in (args if program != "secretops" else ["secretops", *args]))
    print(f"$ {shown}", flush=True)
    cmd = {"git": args, "python": [sys.executable, *args[1:]]}.get(program, [*SECRETOPS, *args])
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).rstrip()
    if out:
        print("  " + out.replace("\n", "\n  "), flush=True)
    if proc.returncode != expect:
        sys.exit(f"demo: `{shown}` exited {proc.returncode}, expected {expect}")
    return proc.stdout


def secret(name: str, ns: str, password: str) -> str:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"type: Opaque\nstringData:\n  username: app\n  password: {password}\n")


def build_fleet(root: Path, env: dict[str, str]) -> None:
    for cluster in ("dev", "staging", "prod"):
        (root / "clusters" / cluster / "flux-system").mkdir(parents=True)
        (root / "clusters" / cluster / "flux-system" / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
    (root / "apps").mkdir()
    (root / "README.md").write_text("# sample fleet\n")
    run(["git", "init", "-q", "-b", "main"], root, env)
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-qm", "sample fleet"], root, env)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    keep = "--keep" in args or os.environ.get("SECRETOPS_DEMO_KEEP", "") not in ("", "0")
    work = Path(tempfile.mkdtemp(prefix="secretops-demo-"))
    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "GIT_", "XDG_", "KUBECONFIG"))}
    env.update(HOME=str(home), GIT_AUTHOR_NAME="Demo", GIT_AUTHOR_EMAIL="demo@example.com",
               GIT_COMMITTER_NAME="Demo", GIT_COMMITTER_EMAIL="demo@example.com",
               GIT_CONFIG_GLOBAL=os.devnull, PYTHONPATH=str(HERE.parent),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    fleet = work / "fleet"
    fleet.mkdir()
    try:
        say("a sample fleet: clusters/{dev,staging,prod} and apps/")
        build_fleet(fleet, env)
        say("init: one age key per cluster, .sops.yaml rules, key Secrets, ignore files, hook config")
        run(["init"], fleet, env)
        say("write clear working copies (gitignored) and encrypt them")
        for cluster in ("dev", "staging", "prod"):
            path = fleet / "clusters" / cluster / "apps" / "db.clear.yaml"
            path.parent.mkdir(parents=True)
            note(f"$EDITOR clusters/{cluster}/apps/db.clear.yaml   (a Secret: username, password)")
            path.write_text(secret("db", "apps", f"demo-{cluster}-password"))
        note("$EDITOR apps/registry.clear.yaml   (shared by every cluster)")
        (fleet / "apps" / "registry.clear.yaml").write_text(secret("registry", "apps", "demo-shared-password"))
        run(["encrypt", "--rm"], fleet, env)
        run(["git", "add", "-A"], fleet, env)
        run(["git", "commit", "-qm", "encrypted secrets"], fleet, env)
        say("status: every encrypted file, its cluster and its recipients")
        run(["status"], fleet, env)
        say("decrypt a working copy (mode 0600, ignored by git)")
        run(["decrypt", "clusters/prod/apps/db.enc.yaml"], fleet, env)
        run(["git", "status", "--short", "--ignored"], fleet, env)
        for extra in sorted(HERE.glob("part_*.py")):
            sys.path.insert(0, str(HERE))
            module = __import__(extra.stem)
            module.run_part(fleet, env, run, say)
        say("done")
        if keep:
            print(f"kept: the fleet is {fleet}, its $HOME (keys, kubeconfig) {home}. To go on by hand:\n"
                  f"  export HOME={shlex.quote(str(home))} KUBECONFIG={shlex.quote(str(home / '.kube/config'))}\n"
                  f"  cd {shlex.quote(str(fleet))}\n"
                  f"  python {shlex.quote(str(HERE / 'fakeflux.py'))} serve {shlex.quote(str(work / 'flux'))} &"
                  "   # the stand-in for each cluster's Flux\n"
                  "  secretops status; secretops rotate start --all --dry-run")
        else:
            print(f"the demo fleet is in {fleet}; it is removed now (keep it with --keep)")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
