"""Acceptance (issue 23): a new user's first hour, end to end, as real processes: the installed
`secretops`, the real sops, git and pre-commit, in a throwaway $HOME. No step needs --force. Then
the adoption walk on every repository of ../shared/corpus and ../shared/histories."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers

BIN = Path(sys.executable).parent
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLEAR = "clusters/dev/apps/db.clear.yaml"
ENC = "clusters/dev/apps/db.enc.yaml"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(extra or {})}


def run(root: Path, *argv: str, code: int | None = 0, env: dict[str, str] | None = None) -> helpers.Result:
    """What the user types: `secretops …` is the installed console script, the rest is itself."""
    first = str(BIN / "secretops") if argv[0] == "secretops" else argv[0]
    res = helpers.run_proc([first, *argv[1:]], root, env=_env(env), timeout=300)
    if code is not None:
        assert res.code == code, (argv, res.text)
    return res


def _sops_values(root: Path, rel: str) -> dict[str, str]:
    """The real sops, with the key file init wrote, in memory only."""
    from ruamel.yaml import YAML

    out = subprocess.run([helpers.sops_bin(), "decrypt", rel], cwd=root, capture_output=True, timeout=60, check=True)
    return {str(k): str(v) for k, v in YAML(typ="safe").load(out.stdout)["stringData"].items()}


def _set_line(path: Path, key: str, value: str) -> None:
    text = path.read_text()
    new = re.sub(rf"(?m)^([ ]+{key}: )\S+", lambda m: m.group(1) + value, text)
    assert new != text
    path.write_text(new)


def test_a_new_users_first_hour(tmp_path: Path, keys_file: Path) -> None:
    if shutil.which("pre-commit", path=_env()["PATH"]) is None:
        pytest.skip("pre-commit is not installed")
    root = tmp_path / "fleet"
    helpers.write(root / "clusters/dev/flux-system/kustomization.yaml",
                  "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
    run(root, "git", "init", "-q", "-b", "main")
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-qm", "flux bootstrap")

    out = run(root, "secretops", "init").out
    assert "hook: installed" in out and "commits are not checked yet" not in out
    assert keys_file.is_file()

    # right after init, the hook blocks a plaintext Secret (git's hook, and pre-commit's run of the config)
    leak = "clusters/dev/apps/leak.yaml"
    helpers.write(root / leak, helpers.secret_yaml("leak", helpers.plant("pw-leak-Fh1")))
    run(root, "git", "add", "-A")
    blocked = run(root, "git", "commit", "-qm", "leak", code=None)
    assert blocked.code != 0 and "plaintext-secret" in blocked.text
    run(root, "git", "add", ".pre-commit-config.yaml")
    pre = run(root, "pre-commit", "run", "--files", leak, code=1)
    assert "secretops check" in pre.out and "plaintext-secret" in pre.out
    run(root, "git", "rm", "-q", "--cached", leak)
    (root / leak).unlink()
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-qm", "secretops init")  # the hook passes what init wrote

    # a clear file written by hand: 2-space indentation, comments
    pw, user = helpers.plant("pw-first-Fh1"), helpers.plant("user-first-Fh1")
    hand = ("# database credentials, by hand\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
            f"  namespace: apps\ntype: Opaque\nstringData:\n  user: {user}  # the login\n  password: {pw}\n")
    helpers.write(root / CLEAR, hand)
    assert f"encrypted {ENC}" in run(root, "secretops", "encrypt").out
    assert f"unchanged {ENC}" in run(root, "secretops", "encrypt").out
    assert f"unchanged {CLEAR}" in run(root, "secretops", "decrypt").out  # the same values: no refusal
    assert (root / CLEAR).read_text() == hand  # the user's layout and comments stay
    assert _sops_values(root, ENC) == {"user": user, "password": pw}

    # edit: sops's editor (a small script as $EDITOR); the clear copy follows
    pw2 = helpers.plant("pw-edited-Fh1")
    editor = helpers.write(tmp_path / "editor.sh", f"#!/bin/sh\nsed -i 's/{pw}/{pw2}/' \"$1\"\n", 0o755)
    run(root, "secretops", "edit", ENC, env={"EDITOR": str(editor)})
    assert _sops_values(root, ENC)["password"] == pw2 and pw2 in (root / CLEAR).read_text()
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-qm", "db credentials")
    assert run(root, "git", "ls-files", CLEAR).out == ""  # ignored: never committed

    status = run(root, "secretops", "status").out
    assert status.splitlines()[0].split()[:3] == ["FILE", "CLUSTER", "STATE"] or any(
        line.split()[:3] == ["FILE", "CLUSTER", "STATE"] for line in status.splitlines())
    assert re.search(rf"(?m)^{re.escape(CLEAR)}\s+dev\s+in-sync\b", status), status

    # a branch changes the user, main changes the password; the merge goes through the driver
    user2, pw3 = helpers.plant("user-branch-Fh1"), helpers.plant("pw-main-Fh1")
    run(root, "git", "checkout", "-qb", "new-user")
    _set_line(root / CLEAR, "user", user2)
    run(root, "secretops", "encrypt")
    run(root, "git", "commit", "-qam", "new user")
    run(root, "git", "checkout", "-q", "main")
    assert re.search(rf"(?m)^{re.escape(CLEAR)}\s+dev\s+stale\b", run(root, "secretops", "status").out)
    assert f"decrypted {CLEAR}" in run(root, "secretops", "decrypt").out  # refreshed, no --force
    _set_line(root / CLEAR, "password", pw3)
    run(root, "secretops", "encrypt")
    run(root, "git", "commit", "-qam", "new password")
    merged = run(root, "git", "merge", "--no-edit", "new-user")
    assert "merged value by value" in merged.text or merged.code == 0
    assert _sops_values(root, ENC) == {"user": user2, "password": pw3}

    # then decrypt again: the copy follows the merge, still without --force
    assert f"decrypted {CLEAR}" in run(root, "secretops", "decrypt").out
    assert user2 in (root / CLEAR).read_text() and pw3 in (root / CLEAR).read_text()
    assert "in-sync" in run(root, "secretops", "status").out
    run(root, "secretops", "check", "--all")


def _adoptable() -> list[str]:
    corpus = sorted(f"corpus/{p.name}" for p in (SHARED / "corpus").iterdir()) if (SHARED / "corpus").is_dir() else []
    hist = sorted(f"histories/{p.name}" for p in (SHARED / "histories").glob("*.bundle")) \
        if (SHARED / "histories").is_dir() else []
    return corpus + hist


def _dry_run_lines(out: str) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        match = re.match(r"^would (?:create|add to) (\S+?):?$", line)
        if match:
            current = match.group(1)
            files[current] = []
        elif line.startswith(("  + ", "  - ")) and current is not None:
            files[current].append(line[2:])
        else:
            current = None
    return files


NEW_KEY = re.compile(r"<the new (?:shared )?age key(?: of \S+)?>")  # a dry run names the keys it would make


def _same(said: str, got: str) -> bool:
    pattern = "age1[0-9a-z]{58}".join(re.escape(part) for part in NEW_KEY.split(said))
    return re.fullmatch(pattern, got) is not None


@pytest.mark.parametrize("source", _adoptable())
def test_adoption_walk(source: str, tmp_path: Path, keys_file: Path) -> None:
    """init --dry-run says every line init then adds; after init the .sops.yaml config keeps git's
    own diff and merge (a change to it shows in review), and the repository is guarded."""
    root = tmp_path / "repo"
    if source.startswith("corpus/"):
        shutil.copytree(SHARED / source, root)
        run(root, "git", "init", "-q", "-b", "main")
        run(root, "git", "add", "-A")
        run(root, "git", "commit", "-qm", "snapshot", "--no-verify")
    else:
        run(tmp_path, "git", "clone", "-q", str(SHARED / source), str(root))
    tracked = run(root, "git", "status", "--porcelain").out
    plan = run(root, "secretops", "init", "--dry-run").out
    assert run(root, "git", "status", "--porcelain").out == tracked  # a dry run writes nothing
    said = _dry_run_lines(plan)
    if "found: " in plan:  # an existing setup: its count of encrypted files is status's
        import json

        rows = json.loads(run(root, "secretops", "status", "--format", "json").out)["files"]
        encrypted = [r for r in rows if r["kind"] == "encrypted" and r["state"] != "not-encrypted"]
        count = re.search(r"(?m)^found: (\d+) encrypted file", plan)
        assert (int(count.group(1)) if count else 0) == len(encrypted), plan
    run(root, "secretops", "init")
    for rel, lines in said.items():
        if rel.endswith((".enc.yaml", ".sops.yaml")) and rel != ".sops.yaml":
            continue  # key Secrets: encrypted, said in words
        diff = run(root, "git", "diff", "--no-ext-diff", "-U0", "--", rel).out if run(
            root, "git", "ls-files", rel).out else "\n".join(f"+{ln}" for ln in (root / rel).read_text().splitlines())
        added = [f"{ln[0]} {ln[1:]}" for ln in diff.splitlines() if ln.startswith(("+", "-"))
                 and not ln.startswith(("+++", "---"))]
        assert len(added) == len(lines) and all(map(_same, lines, added)), (rel, added, lines)
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-qm", "secretops init")  # the hook passes what init wrote
    for config in [p for p in run(root, "git", "ls-files", "*.sops.yaml").out.split() if p.endswith("/.sops.yaml")
                   or p == ".sops.yaml"] or [".sops.yaml"]:
        attrs = run(root, "git", "check-attr", "-a", "--", config).out
        assert "merge: secretops" not in attrs and "diff: secretops" not in attrs, attrs
        with (root / config).open("a") as fh:
            fh.write("# reviewed: a new recipient goes here\n")
        assert "+# reviewed: a new recipient goes here" in run(root, "git", "diff", "--", config).out
    assert "secretops pre-commit hook" in (root / ".git/hooks/pre-commit").read_text()
