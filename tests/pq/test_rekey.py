"""PQ stanzas in real sops files and fresh data keys, judged by the reference age (Node) and the real sops."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretops.sops import agekeys, datakey, document, rekey, rewrap
from secretops.sops.rewrap import Unsupported
from tests import helpers
from tests.pq.judge import judge_sops_file
from tests.sops.test_rewrap import _setup


def _file(tmp_path: Path, style: str) -> tuple[Path, str, agekeys.Identity, str]:
    root, rel, old = _setup(tmp_path, style)  # real sops files in the layouts found in the wild
    return root, rel, old, helpers.plant("rewrap-value-7Hq2")


def _data_key(root: Path, rel: str, ident: agekeys.Identity) -> bytes:
    meta = document.parse(rel, (root / rel).read_bytes()).meta
    assert meta is not None
    return datakey.unwrap(meta, [ident], rel)


@pytest.mark.parametrize("style", ["kustomize", "sops371", "multidoc"])
def test_pq_stanza_added_in_process_opens_with_reference_age(tmp_path: Path, style: str) -> None:
    root, rel, old, value = _file(tmp_path, style)
    pq = agekeys.generate(post_quantum=True)
    before = (root / rel).read_text()
    (root / rel).write_text(rewrap.rewrap_text(before, rel, [old], [pq.public]))
    judged = judge_sops_file(root / rel, [pq.secret])
    assert judged["opened"] == [pq.public]
    assert value in judged["values"].values()
    assert judged["datakey"] == _data_key(root, rel, old).hex()  # commit 1: the same data key, wrapped twice
    assert helpers.sops_opens(root, rel, [old])  # the real sops still opens it with the old key alone


@pytest.mark.parametrize("style", ["kustomize", "sops371", "multidoc"])
def test_fresh_data_key_reencrypts_every_value(tmp_path: Path, style: str) -> None:
    root, rel, old, value = _file(tmp_path, style)
    pq = agekeys.generate(post_quantum=True)
    (root / rel).write_text(rewrap.rewrap_text((root / rel).read_text(), rel, [old], [pq.public]))
    old_key = _data_key(root, rel, old)
    before = judge_sops_file(root / rel, [pq.secret])
    text = rekey.fresh_data_key((root / rel).read_text(), rel, [old])
    (root / rel).write_text(text)
    after = judge_sops_file(root / rel, [pq.secret])
    assert after["datakey"] != old_key.hex() and after["values"] == before["values"]
    assert "ENC[" not in "".join(after["values"].values()) and value in after["values"].values()
    assert helpers.sops_opens(root, rel, [old])  # X25519 stanza re-wrapped: sops opens it, the MAC verifies
    assert old_key.hex() not in text
    # then the old key goes: the file is PQ-only, and the reference age still opens everything
    (root / rel).write_text(rewrap.rewrap_text(text, rel, [pq], [], [old.public]))
    assert judge_sops_file(root / rel, [pq.secret])["values"] == before["values"]
    assert not helpers.sops_opens(root, rel, [old])


def test_fresh_data_key_refuses_a_file_edited_by_hand(tmp_path: Path) -> None:
    root, rel, old, _ = _file(tmp_path, "kustomize")
    text = (root / rel).read_text().replace("type: Opaque", "type: Other")
    with pytest.raises(Unsupported, match="MAC"):
        rekey.fresh_data_key(text, rel, [old])
