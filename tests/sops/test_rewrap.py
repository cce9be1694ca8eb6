from __future__ import annotations

import re
from pathlib import Path

import pytest

from secretops.errors import AgeKeyError
from secretops.sops import agekeys, document, rewrap
from tests import helpers, styles


def _setup(tmp_path: Path, style: str) -> tuple[Path, str, agekeys.Identity]:
    root = tmp_path / "r"
    root.mkdir()
    old = agekeys.generate()
    value = helpers.plant("rewrap-value-7Hq2")
    if style == "kustomize":
        styles.kustomize_controller_style(root, old.public, "s.enc.yaml", value)
    elif style == "sops371":
        styles.sops371_style(root, old.public, "s.enc.yaml", value)
    else:
        styles.rules_file(root, old.public)
        styles.encrypt_in_place(root, "s.enc.yaml", helpers.secret_yaml("a", value) + "---\n"
                                + helpers.secret_yaml("b", value))
    return root, "s.enc.yaml", old


_AGE_BLOCK = re.compile(r"^( +)age:\n(?:\1 +\S.*\n|\1- .*\n)*", re.M)


def _outside_age(text: str) -> str:
    """The file with every sops.age block cut out: must stay byte-identical."""
    stripped = _AGE_BLOCK.sub("", text)
    assert "BEGIN AGE" not in stripped
    return stripped


@pytest.mark.parametrize("style", ["kustomize", "sops371", "multidoc"])
def test_add_then_remove_keeps_everything_else(tmp_path: Path, style: str) -> None:
    root, rel, old = _setup(tmp_path, style)
    new = agekeys.generate()
    before = (root / rel).read_text()
    added = rewrap.rewrap_text(before, rel, [old], add=[new.public])
    assert _outside_age(added) == _outside_age(before)
    assert before.count(old.public) == added.count(old.public)  # stanza kept verbatim
    (root / rel).write_text(added)
    env_new = agekeys.identity_env([new])
    res = helpers.sops(root, "decrypt", rel, env=env_new)
    assert res.code == 0 and "rewrap-value-7Hq2" in res.out
    helpers.OUTPUTS.pop()  # that output holds the plaintext on purpose; it is not shown anywhere
    helpers.write(root / ".sops.yaml", (root / ".sops.yaml").read_text().replace(old.public, f"{old.public},{new.public}"))
    res = helpers.sops(root, "updatekeys", "-y", rel, env=agekeys.identity_env([old]))
    assert res.code == 0 and "already up to date" in res.err
    removed = rewrap.rewrap_text(added, rel, [new], remove={old.public})
    assert old.public not in removed and _outside_age(removed) == _outside_age(before)
    (root / rel).write_text(removed)
    assert helpers.sops(root, "decrypt", rel, env=agekeys.identity_env([old])).code == 128
    meta = document.parse(rel, removed.encode()).metas
    assert all(m is not None and m.recipients.age == (new.public,) for m in meta if m)


def test_style_of_the_file_is_kept(tmp_path: Path) -> None:
    root, rel, old = _setup(tmp_path, "kustomize")
    text = rewrap.rewrap_text((root / rel).read_text(), rel, [old], add=[agekeys.generate().public])
    assert "\n  age:\n    - recipient: " in text and "\n        -----BEGIN AGE ENCRYPTED FILE-----" in text


def test_key_groups_fall_back_to_sops(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    a, b = agekeys.generate(), agekeys.generate()
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n"
                                       f"      - age: [{a.public}]\n      - age: [{b.public}]\n")
    text = styles.encrypt_in_place(root, "g.enc.yaml", "k: v\n")
    assert document.parse("g.enc.yaml", text.encode()).meta.shamir_threshold == 2  # type: ignore[union-attr]
    with pytest.raises(rewrap.Unsupported):
        rewrap.rewrap_text(text, "g.enc.yaml", [a, b], add=[agekeys.generate().public])


def test_wrong_key_is_refused_without_change(tmp_path: Path) -> None:
    root, rel, _old = _setup(tmp_path, "kustomize")
    with pytest.raises(AgeKeyError, match="none of your age keys"):
        rewrap.rewrap_text((root / rel).read_text(), rel, [agekeys.generate()], add=[agekeys.generate().public])


def test_unchanged_when_nothing_to_do(tmp_path: Path) -> None:
    root, rel, old = _setup(tmp_path, "sops371")
    text = (root / rel).read_text()
    assert rewrap.rewrap_text(text, rel, [old], add=[old.public]) == text


def test_pgp_and_kms_recipients_are_kept(tmp_path: Path) -> None:
    root, rel, old = _setup(tmp_path, "kustomize")
    text = (root / rel).read_text()
    pgp = ("  pgp:\n    - created_at: \"2024-01-01T00:00:00Z\"\n      enc: |-\n        -----BEGIN PGP MESSAGE-----\n\n"
           "        hQEMAexample\n        -----END PGP MESSAGE-----\n      fp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n"
           "  kms:\n    - arn: arn:aws:kms:eu-west-1:111122223333:key/example\n      created_at: \"2024-01-01T00:00:00Z\"\n"
           "      enc: AQICAHexample\n      aws_profile: \"\"\n")
    text = text.replace("  lastmodified:", pgp + "  lastmodified:", 1)
    (root / rel).write_text(text)
    meta = document.parse(rel, text.encode()).meta
    assert meta is not None and meta.recipients.get("pgp") == ("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",)
    new = agekeys.generate()
    added = rewrap.rewrap_text(text, rel, [old], add=[new.public])
    assert pgp in added and _outside_age(added) == _outside_age(text)
    after = document.parse_light(rel, added.encode()).meta
    assert after is not None and set(after.recipients.age) == {old.public, new.public}
    assert after.recipients.get("kms") == ("arn:aws:kms:eu-west-1:111122223333:key/example",)
    (root / rel).write_text(added)
    res = helpers.sops(root, "decrypt", rel, env=agekeys.identity_env([new]))
    helpers.OUTPUTS.pop()
    assert res.code == 0, res.err


def test_an_ordinary_key_that_begins_with_age1pq_is_not_post_quantum(tmp_path: Path) -> None:
    """About one random X25519 key in 1,024 begins with `age1pq`: it is re-wrapped in-process."""
    lookalike = next(k for k in iter(agekeys.generate, None) if k.public.startswith("age1pq"))
    root, rel, old = _setup(tmp_path, "kustomize")
    text = rewrap.rewrap_text((root / rel).read_text(), rel, [old], add=[lookalike.public])
    (root / rel).write_text(text)
    assert helpers.sops_opens(root, rel, [lookalike])
