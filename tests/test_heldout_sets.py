"""Held-out sets 7 and 8 (bench/heldout7.py, bench/heldout8.py) are never used to tune a rule; these tests
only check that each is what it says: the same rows for the same seed, secrets that differ between seeds,
and sops files that the real `sops` itself reports as encrypted."""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOPS = str(Path(sys.executable).parent / "sops")
_TYPES = {".json": "json", ".env": "dotenv", ".conf": "ini", ".ini": "ini", ".sops": "binary"}
SOPS_FILES = {"heldout7": 10, "heldout8": 9}
UNSEEDED = {"heldout7": 11, "heldout8": 9}  # its sops files, and set 7's one OpenSSH key
Row = tuple[str, str, str, str]


def _rows(module: ModuleType, *seed: int) -> list[Row]:
    state = random.getstate()  # (the sets seed the shared generator)
    try:
        return list(module.rows(*seed))
    finally:
        random.setstate(state)


@pytest.fixture(scope="module", params=sorted(SOPS_FILES))
def held_out(request: pytest.FixtureRequest) -> tuple[str, ModuleType, list[Row]]:
    module = importlib.import_module(f"bench.{request.param}")
    return request.param, module, _rows(module)


def _fixed(rows: list[Row]) -> list[Row]:
    """What the seed alone makes: sops files hold fresh data keys, and OpenSSH keys a check number from the OS."""
    return [row for row in rows if not row[0].startswith("sops:") and "OPENSSH PRIVATE" not in row[3]]


def test_the_set_is_deterministic_per_seed_and_random_between_seeds(held_out: tuple[str, ModuleType, list[Row]]
                                                                   ) -> None:
    name, module, rows = held_out
    again, other = _rows(module), _rows(module, 3)
    assert len(rows) - len(_fixed(rows)) == UNSEEDED[name] and _fixed(rows) == _fixed(again)
    assert [row[0] for row in rows] == [row[0] for row in other]
    secrets = [row for row in rows if row[1] == "secret"]
    differ = [a for a, b in zip(rows, other, strict=True) if a[1] == "secret" and a[3] != b[3]]
    assert len(secrets) >= 60 and differ == secrets
    assert len({row[0] for row in rows}) == len(rows)


def test_its_sops_files_are_encrypted_by_the_real_sops(held_out: tuple[str, ModuleType, list[Row]],
                                                       tmp_path: Path) -> None:
    name, _module, rows = held_out
    made = [row for row in rows if row[0].startswith("sops:")]
    assert len(made) == SOPS_FILES[name]
    for n, (row, label, file_name, text) in enumerate(made):
        assert label == "clean"
        path = tmp_path / f"{n}-{file_name}"
        path.write_text(text)
        kind = _TYPES.get(path.suffix, "yaml")
        res = subprocess.run([SOPS, "filestatus", "--input-type", kind, str(path)], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60)
        assert json.loads(res.stdout) == {"encrypted": True}, (row, res.stderr)


def test_set_8s_key_groups_file_needs_two_keys() -> None:
    """The Shamir row is what its name says: two key groups of one age recipient each, threshold 2."""
    import yaml

    from bench import heldout8

    text = next(row[3] for row in _rows(heldout8) if row[0] == "sops:shamir-key-groups")
    meta = yaml.safe_load(text)["sops"]
    assert meta["shamir_threshold"] == 2
    assert [len(group["age"]) for group in meta["key_groups"]] == [1, 1]
