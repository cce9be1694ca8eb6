"""Randomized kill test: SIGKILL start, finish and abort at random writes on fleets of 7 and ~120
files, and of a move to post-quantum keys (`start --to-pq`, finish re-keying every file) on 7 files,
recover by running the command again or by `rotate abort`, and check with the real sops that
every file opens with exactly the keys it should (never the code under test). Also `updatekeys`
(killed at a random write or at a random moment, mid-write included) and two rotation commands run
at once (start and start, finish and abort, each maybe killed). Run by `make bench` and `make
kills`; prints how many kills it made."""

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


def _fleet(work: Path, clusters: int, secrets: int, pq: bool = False) -> tuple[Path, Path]:
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
    if pq:  # no API server here: the operator asserts each cluster's kustomize-controller (1.9 takes PQ keys)
        (root / ".secretops.yaml").write_text("version: 1\nkustomize_controller_versions:\n" + "".join(
            f'  c{c}: "1.9.0"\n' for c in range(clusters)))
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


def _two_states(work: Path, clusters: int, secrets: int,
                pq: bool = False) -> tuple[Path, Path, dict[str, str], Path, str, str]:
    """A fleet before a rotation and a copy after `rotate start`: (template, started, env, key file,
    its text before, its text after)."""
    template, home = _fleet(work / "template", clusters, secrets, pq)
    env = _env(home)
    keyfile = home / ".config/sops/age/keys.txt"
    base_keys = keyfile.read_text()
    started = work / "started"
    shutil.copytree(template, started, symlinks=True)
    res = _run([str(BIN / "secretops"), *_start(pq)], started, env)
    assert res.returncode == 0, res.stderr
    return template, started, env, keyfile, base_keys, keyfile.read_text()


def _start(pq: bool) -> list[str]:
    return ["rotate", "start", "--all", *(["--to-pq"] if pq else [])]


def _campaign(work: Path, clusters: int, secrets: int, kills: int, max_write: int, rng: random.Random,
              pq: bool = False) -> str:
    template, started, env, keyfile, base_keys, started_keys = _two_states(work, clusters, secrets, pq)
    old = _keys(base_keys)
    made = runs = 0
    while made < kills:
        runs += 1
        op = rng.choice(["start", "finish", "abort"])
        source, keys = (template, base_keys) if op == "start" else (started, started_keys)
        root = work / f"run{runs}"
        shutil.copytree(source, root, symlinks=True)
        keyfile.write_text(keys)
        argv = {"start": _start(pq), "finish": ["rotate", "finish", "--unverified"],
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
    return f"{files} files{' (--to-pq)' if pq else ''}: {made} kills in {runs} runs; after each, a re-run or " \
           "`rotate abort` left every file " \
           f"opening with exactly the expected keys (real sops, old-only and new-only key files) and no temp file " \
           f"anywhere (the tree, .git, the key folder)"


def _publics(text: str) -> dict[str, str]:
    """{public key: private key} from a key file secretops wrote (each key under its `# public key:`)."""
    out, public = {}, ""
    for line in text.splitlines():
        if line.startswith("# public key:"):
            public = line.split(":", 1)[1].strip()
        elif line.startswith("AGE-SECRET-KEY-") and public:
            out[public], public = line, ""
    return out


def _no_strays(root: Path, keyfile: Path, work: Path, what: str) -> None:
    strays = [p for where in (root, keyfile.parent) for p in where.rglob("*.secretops-tmp")]
    if strays:
        raise SystemExit(f"kill test FAILED: a temp file was left after recovering from {what}: "
                         f"{strays[0].relative_to(work)}")


def _updatekeys(work: Path, kills: int, max_write: int, rng: random.Random) -> str:
    """The shared rule drops one cluster's key and gains a new one; `updatekeys` is killed at a random
    write, or at a random moment; a re-run must leave every file opening with exactly its rule's keys."""
    template, home = _fleet(work / "template", 2, 1)
    env = _env(home)
    for n in range(6):
        (template / "apps" / f"more{n}.clear.yaml").write_text(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: "
                                                               f"m{n}\nstringData:\n  v: {random.randbytes(8).hex()}\n")
    assert _run([str(BIN / "secretops"), "encrypt", "--rm"], template, env).returncode == 0
    keyfile = home / ".config/sops/age/keys.txt"
    from secretops.sops import agekeys

    extra = agekeys.generate()
    keys = _publics(keyfile.read_text())
    keyfile.write_text(keyfile.read_text() + f"# public key: {extra.public}\n{extra.secret}\n")
    c0, c1 = (next(p for p in keys if p in line) for line in (template / ".sops.yaml").read_text().splitlines()
              if line.strip().startswith("age:") and "," not in line)
    config = (template / ".sops.yaml").read_text()
    shared = next(line for line in config.splitlines() if line.strip().startswith("age:") and "," in line)
    (template / ".sops.yaml").write_text(config.replace(shared, f"    age: {c0},{extra.public}"))
    _run(["git", "add", "-A"], template, env)
    _run(["git", "commit", "-qm", "the shared rule drops c1 and gains a key"], template, env)
    every = {**keys, extra.public: extra.secret}

    def expected(rel: str) -> set[str]:
        for n, key in enumerate((c0, c1)):
            if rel.startswith(f"clusters/c{n}/"):
                return {key}
        return {c0, extra.public}

    made = runs = 0
    while made < kills:
        runs += 1
        root = work / f"run{runs}"
        shutil.copytree(template, root, symlinks=True)
        argv = [sys.executable, str(WRAPPER), "--kill-after", str(rng.randint(1, max_write)), "--", "updatekeys"]
        if rng.random() < 0.5:  # at a random moment: between a temp file's creation and its rename, too
            proc = subprocess.Popen([sys.executable, "-m", "secretops", "updatekeys"], cwd=root, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                proc.wait(timeout=rng.uniform(0.2, 2.5))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
            code = proc.returncode
        else:
            code = _run(argv, root, env, session=True).returncode
        if code == -9:
            made += 1
        elif code != 0:
            raise SystemExit(f"kill test FAILED: updatekeys exited {code}")
        again = _run([str(BIN / "secretops"), "updatekeys"], root, env)
        if again.returncode != 0:
            raise SystemExit(f"kill test FAILED: updatekeys after a killed one: {again.stderr[-300:]}")
        for rel in _files(root):
            opening = {pub for pub, secret in every.items() if _opens(root, rel, [secret], env)}
            if opening != expected(rel):
                raise SystemExit(f"kill test FAILED after updatekeys: {rel} opens with the wrong keys")
        _no_strays(root, keyfile, work, "a killed updatekeys")
        shutil.rmtree(root)
    return f"updatekeys, {len(_files(template))} files: {made} kills in {runs} runs (at a write or a random " \
           f"moment); after each, a re-run left every file opening with exactly its rule's keys (real sops, one " \
           f"key at a time) and no temp file anywhere"


PAIRS = ((("rotate", "start", "--all"), ("rotate", "start", "--all")),
         (("rotate", "finish", "--unverified"), ("rotate", "abort")))


def _recover(root: Path, env: dict[str, str], rng: random.Random) -> None:
    """Run the command an interrupted one names (its journal), else finish or abort at random."""
    first = ["rotate", "finish", "--unverified"] if rng.random() < 0.5 else ["rotate", "abort"]
    for argv in (first, ["rotate", "abort"], ["rotate", "finish", "--unverified"], ["rotate", "start", "--all"]):
        res = _run([str(BIN / "secretops"), *argv], root, env)
        if res.returncode == 0 or "no rotation is in progress" in res.stderr:
            return
        if "is writing this repository" in res.stderr:
            raise SystemExit(f"kill test FAILED: a killed command's lock outlived it: {res.stderr[-300:]}")
    raise SystemExit(f"kill test FAILED: no command recovers after two at once: {res.stderr[-300:]}")


def _concurrent(work: Path, kills: int, max_write: int, rng: random.Random) -> str:
    """Two rotation commands at once (two starts; finish and abort), each maybe killed at a random
    write: the lock lets one in; a recovery leaves every file opening with exactly the expected keys."""
    template, started, env, keyfile, base_keys, started_keys = _two_states(work, 2, 2)
    old = _keys(base_keys)
    made = runs = losers = 0
    while made < kills:
        runs += 1
        pair = rng.choice(PAIRS)
        source, keys = (template, base_keys) if pair[0][1] == "start" else (started, started_keys)
        root = work / f"run{runs}"
        shutil.copytree(source, root, symlinks=True)
        keyfile.write_text(keys)
        procs = []
        for argv in pair:
            opts = ["--kill-after", str(rng.randint(1, max_write))] if rng.random() < 0.7 else []
            procs.append(subprocess.Popen([sys.executable, str(WRAPPER), *opts, "--", *argv], cwd=root, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                          start_new_session=True))
        codes = []
        for proc in procs:
            _out, err = proc.communicate(timeout=900)
            codes.append(proc.returncode)
            losers += proc.returncode == 2 and "is writing this repository" in err
        made += codes.count(-9)
        if sorted(codes) == [0, 0] and pair[0][1] == "start":
            raise SystemExit("kill test FAILED: two starts at once both succeeded")
        _recover(root, env, rng)
        new = [k for k in _keys(keyfile.read_text()) + _keys(keys) if k not in old]
        if subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout:
            raise SystemExit(f"kill test FAILED: the tree is not clean after two at once ({pair})")
        _verify(root, old, new, _step_of(root), env)
        _no_strays(root, keyfile, work, "two commands at once")
        shutil.rmtree(root)
    return f"two rotation commands at once (start+start, finish+abort): {made} kills in {runs} runs, {losers} " \
           f"refused by the lock; after each, a recovery left every file opening with exactly the expected keys " \
           f"and no temp file anywhere"


def run() -> list[str]:
    rng = random.Random(int(os.environ.get("KILL_SEED", "11")))
    work = Path(tempfile.mkdtemp(prefix="secretops-kills-"))
    scale = float(os.environ.get("KILL_SCALE", "1"))  # fewer kills for a quick look (e.g. 0.2)
    small = _campaign(work / "small", clusters=2, secrets=2, kills=max(1, int(80 * scale)), max_write=40, rng=rng)
    large = _campaign(work / "large", clusters=11, secrets=10, kills=max(1, int(25 * scale)), max_write=300,
                      rng=rng)
    keys = _updatekeys(work / "updatekeys", kills=max(1, int(30 * scale)), max_write=8, rng=rng)
    pairs = _concurrent(work / "pairs", kills=max(1, int(30 * scale)), max_write=40, rng=rng)
    pq = _campaign(work / "pq", clusters=2, secrets=2, kills=max(1, int(40 * scale)), max_write=40, rng=rng, pq=True)
    shutil.rmtree(work, ignore_errors=True)
    return [small, large, keys, pairs, pq]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for line in run():
        print(line, flush=True)
