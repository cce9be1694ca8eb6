"""Randomized kill test: SIGKILL start, finish and abort at random writes on fleets of 7 and ~120
files, recover by running the command again or by `rotate abort`, and check with the real sops that
every file opens with exactly the keys it should (never the code under test). Run by `make bench`
and `make kills`; prints how many kills it made."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRAPPER = ROOT / "tests" / "wrapped.py"
BIN = Path(sys.executable).parent


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "GIT_", "XDG_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), PYTHONPATH=str(ROOT))
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str], session: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
                          start_new_session=session)


def _fleet(work: Path, clusters: int, secrets: int) -> tuple[Path, Path]:
    home = work / "home"
    home.mkdir(parents=True)
    (home / ".gitconfig").write_text("[user]\n\tname = k\n\temail = k@x\n[init]\n\tdefaultBranch = main\n")
    env = _env(home)
    root = work / "fleet"
    for c in range(clusters):
        (root / "clusters" / f"c{c}" / "flux-system").mkdir(parents=True)
        (root / "clusters" / f"c{c}" / "flux-system" / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
    _run(["git", "init", "-q"], root, env)
    _run(["git", "add", "-A"], root, env)
    _run(["git", "commit", "-qm", "init"], root, env)
    assert _run([str(BIN / "secretops"), "init"], root, env).returncode == 0
    (root / ".git/hooks/pre-commit").unlink()  # init installs the hook; the kills target secretops's own writes
    for c in range(clusters):
        for s in range(secrets):
            path = root / "clusters" / f"c{c}" / "apps" / f"s{s}.clear.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s{s}\nstringData:\n"
                            f"  password: {random.randbytes(12).hex()}\n")
    (root / "apps").mkdir()
    (root / "apps" / "shared.clear.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: shared\n"
                                                     "stringData:\n  token: shared-value\n")
    assert _run([str(BIN / "secretops"), "encrypt", "--rm"], root, env).returncode == 0
    _run(["git", "add", "-A"], root, env)
    _run(["git", "commit", "-qm", "secrets"], root, env)
    return root, home


def _files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "*.enc.yaml"], cwd=root, capture_output=True, text=True).stdout
    return out.split()


def _keys(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("AGE-SECRET-KEY-")]


def _opens(root: Path, rel: str, keys: list[str], env: dict[str, str]) -> bool:
    from secretops.sops import binary

    sops_env = dict(env, SOPS_AGE_KEY="\n".join(keys), SOPS_AGE_KEY_FILE=os.devnull, XDG_CONFIG_HOME=os.devnull)
    res = subprocess.run([binary.locate(), "--config", str(root / ".sops.yaml"), "decrypt", rel], cwd=root,
                         env=sops_env, capture_output=True, timeout=60)
    return res.returncode == 0


def _verify(root: Path, old: list[str], new: list[str], step: str, env: dict[str, str]) -> None:
    """start: old alone and new alone both open every file; finish: only new; abort: only old."""
    want = {"1": (True, True), "2": (False, True), "abort": (True, False)}[step]
    files = _files(root)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got_old = list(pool.map(lambda rel: _opens(root, rel, old, env), files))
        got_new = list(pool.map(lambda rel: _opens(root, rel, new, env), files)) if new else [False] * len(files)
    bad = [rel for rel, o, n in zip(files, got_old, got_new) if (o, n) != want]
    if bad:
        raise SystemExit(f"kill test FAILED after {step}: {bad[:3]} do not open as expected")


def _step_of(root: Path) -> str:
    body = subprocess.run(["git", "log", "-1", "--format=%B"], cwd=root, capture_output=True, text=True).stdout
    for step in ("2", "1", "abort"):
        if f"Secretops-Step: {step}" in body:
            return step
    return "abort"  # no rotation commit on top: back to the old keys only


def _campaign(work: Path, clusters: int, secrets: int, kills: int, max_write: int, rng: random.Random) -> str:
    template, home = _fleet(work / "template", clusters, secrets)
    env = _env(home)
    keyfile = home / ".config/sops/age/keys.txt"
    base_keys = keyfile.read_text()
    old = _keys(base_keys)
    started = work / "started"
    shutil.copytree(template, started, symlinks=True)
    assert _run([str(BIN / "secretops"), "rotate", "start", "--all"], started, env).returncode == 0
    started_keys = keyfile.read_text()
    made = runs = 0
    while made < kills:
        runs += 1
        op = rng.choice(["start", "finish", "abort"])
        source, keys = (template, base_keys) if op == "start" else (started, started_keys)
        root = work / f"run{runs}"
        shutil.copytree(source, root, symlinks=True)
        keyfile.write_text(keys)
        argv = {"start": ["rotate", "start", "--all"], "finish": ["rotate", "finish", "--unverified"],
                "abort": ["rotate", "abort"]}[op]
        res = _run([sys.executable, str(WRAPPER), "--kill-after", str(rng.randint(1, max_write)), "--", *argv], root,
                   env, session=True)
        new = [k for k in _keys(keyfile.read_text()) + _keys(keys) if k not in old]  # this run's new keys
        if res.returncode == -9:
            made += 1
            recover = argv if rng.random() < 0.5 else ["rotate", "abort"]
            again = _run([str(BIN / "secretops"), *recover], root, env)
            # The kill may have come after the command's last write: it had completed, and says so.
            finished_already = again.returncode == 2 and any(
                words in again.stderr for words in ("was finished", "no rotation is in", "already in progress"))
            if again.returncode != 0 and not finished_already:
                raise SystemExit(f"kill test FAILED: `{' '.join(recover)}` after a killed {op}: {again.stderr[-300:]}")
        elif res.returncode != 0:
            raise SystemExit(f"kill test FAILED: {op} exited {res.returncode}: {res.stderr[-300:]}")
        new += [k for k in _keys(keyfile.read_text()) if k not in old and k not in new]  # a re-run may make them
        if subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout:
            raise SystemExit(f"kill test FAILED: the tree is not clean after recovering from a killed {op}")
        _verify(root, old, new, _step_of(root), env)
        strays = [p for where in (root, keyfile.parent) for p in where.rglob("*.secretops-tmp")]
        if strays:
            raise SystemExit(f"kill test FAILED: a temp file was left after recovering from a killed {op}: "
                             f"{strays[0].relative_to(work)}")
        shutil.rmtree(root)
    files = len(_files(template))
    return f"{files} files: {made} kills in {runs} runs; after each, a re-run or `rotate abort` left every file " \
           f"opening with exactly the expected keys (real sops, old-only and new-only key files) and no temp file " \
           f"anywhere (the tree, .git, the key folder)"


def run() -> list[str]:
    rng = random.Random(int(os.environ.get("KILL_SEED", "11")))
    work = Path(tempfile.mkdtemp(prefix="secretops-kills-"))
    small = _campaign(work / "small", clusters=2, secrets=2, kills=80, max_write=40, rng=rng)
    large = _campaign(work / "large", clusters=11, secrets=10, kills=25, max_write=300, rng=rng)
    shutil.rmtree(work, ignore_errors=True)
    return [small, large]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for line in run():
        print(line, flush=True)
