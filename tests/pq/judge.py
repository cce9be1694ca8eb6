"""Run the reference implementation of age (npm age-encryption) as an independent judge.

The package is installed once per machine into a cache folder under the temp dir (not $HOME), with
`npm install age-encryption@>=0.3`; tests skip, saying why, only when npm cannot reach its registry.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("pqjudge.mjs")
CACHE = Path(tempfile.gettempdir()) / "secretops-pqjudge-npm"


def _ready() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("the PQ judge needs Node and npm (the reference age implementation is npm age-encryption)")
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers install once
        if not (CACHE / "node_modules" / "age-encryption" / "package.json").is_file():
            (CACHE / "package.json").write_text('{"private": true, "type": "module"}\n')
            res = subprocess.run([npm, "install", "--no-audit", "--no-fund", "age-encryption@>=0.3"], cwd=CACHE,
                                 capture_output=True, text=True, timeout=300)
            if res.returncode != 0:
                pytest.skip(f"npm could not install age-encryption (registry unreachable?): "
                            f"{res.stderr.strip().splitlines()[-1:] or res.returncode}")
        version = json.loads((CACHE / "node_modules" / "age-encryption" / "package.json").read_text())["version"]
        assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 3), version
        target = CACHE / SCRIPT.name  # resolved against the cached node_modules
        if not target.is_file() or target.read_bytes() != SCRIPT.read_bytes():
            staged = CACHE / f".{SCRIPT.name}.{os.getpid()}"
            shutil.copyfile(SCRIPT, staged)
            os.replace(staged, target)  # a judge running in another worker never reads half a script
    return CACHE / SCRIPT.name


def judge(op: str, **fields: Any) -> dict[str, Any]:
    """One call to the reference implementation; its own error (a stanza that does not open) raises."""
    script = _ready()
    res = subprocess.run(["node", str(script)], input=json.dumps({"op": op, **fields}), capture_output=True,
                         text=True, timeout=120, cwd=script.parent)
    if res.returncode != 0:
        raise AssertionError(f"the reference age implementation refused: {res.stderr.strip().splitlines()[-1:]}")
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def judge_sops_file(path: Path, identities: list[str]) -> dict[str, Any]:
    """Node opens every PQ stanza of a sops YAML file it can and decrypts every value with the data key.
    The YAML is turned into JSON by ruamel (not by secretops)."""
    from ruamel.yaml import YAML

    docs = [d for d in YAML(typ="safe", pure=True).load_all(path.read_text()) if d is not None]
    results = [judge("sops", identities=identities, doc=json.loads(json.dumps(doc, default=str))) for doc in docs]
    keys = {r["datakey"] for r in results}
    assert len(keys) == 1, "the documents of one file hold different data keys"
    values = {f"{n}:{k}" if len(results) > 1 else k: v for n, r in enumerate(results) for k, v in r["values"].items()}
    return {"opened": results[0]["opened"], "values": values, "datakey": keys.pop()}


def judge_data_keys(text: str, identities: list[str]) -> dict[str, set[str]]:
    """The data keys the X25519 and the PQ stanzas of a sops YAML text wrap, as the reference age opens them."""
    from ruamel.yaml import YAML

    out: dict[str, set[str]] = {"x25519": set(), "pq": set()}
    for doc in YAML(typ="safe", pure=True).load_all(text):
        if isinstance(doc, dict) and "sops" in doc:
            found = judge("datakeys", identities=identities, doc=json.loads(json.dumps(doc, default=str)))
            for kind in out:
                out[kind] |= set(found[kind])
    return out
