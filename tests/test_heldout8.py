"""Held-out set 8 (bench/heldout8.py) is never used to tune a rule; these tests only check that it is what it
says: the same rows for the same seed, secrets that differ between seeds, and sops files that the real `sops`
itself reports as encrypted."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOPS = str(Path(sys.executable).parent / "sops")
_TYPES = {".json": "json", ".env": "dotenv", ".ini": "ini", ".sops": "binary"}


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str, str, str]]:
    from bench import heldout8

    state = random.getstate()
    try:
        return heldout8.rows()
    finally:
        random.setstate(state)


def test_the_set_is_deterministic_per_seed_and_random_between_seeds(rows: list[tuple[str, str, str, str]]) -> None:
    from bench import heldout8

    state = random.getstate()
    try:
        again, other = heldout8.rows(), heldout8.rows(3)
    finally:
        random.setstate(state)
    # sops files hold fresh data keys and age keys from the OS: all else is the seed's
    def fixed(some: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
        return [row for row in some if not row[0].startswith("sops:")]

    assert len(fixed(rows)) == len(rows) - 9 and fixed(rows) == fixed(again)
    assert [row[0] for row in rows] == [row[0] for row in other]
    secrets = [row for row in rows if row[1] == "secret"]
    differ = [a for a, b in zip(rows, other, strict=True) if a[1] == "secret" and a[3] != b[3]]
    assert len(secrets) >= 60 and differ == secrets
    assert len({row[0] for row in rows}) == len(rows)


def test_its_sops_files_are_encrypted_by_the_real_sops(rows: list[tuple[str, str, str, str]], tmp_path: Path) -> None:
    made = [row for row in rows if row[0].startswith("sops:")]
    assert len(made) == 9
    for n, (row, label, name, text) in enumerate(made):
        assert label == "clean"
        path = tmp_path / f"{n}-{name}"
        path.write_text(text)
        kind = _TYPES.get(path.suffix, "yaml")
        res = subprocess.run([SOPS, "filestatus", "--input-type", kind, str(path)], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60)
        assert json.loads(res.stdout) == {"encrypted": True}, (row, res.stderr)


def test_its_key_groups_file_needs_two_keys(rows: list[tuple[str, str, str, str]]) -> None:
    """The Shamir row is what its name says: two key groups of one age recipient each, threshold 2."""
    import yaml

    text = next(row[3] for row in rows if row[0] == "sops:shamir-key-groups")
    meta = yaml.safe_load(text)["sops"]
    assert meta["shamir_threshold"] == 2
    assert [len(group["age"]) for group in meta["key_groups"]] == [1, 1]
