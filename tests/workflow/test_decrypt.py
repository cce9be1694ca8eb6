"""decrypt never destroys edits in a clear copy (git ignores it, so they could not be recovered)."""

from __future__ import annotations

from pathlib import Path

from tests import helpers


def test_edited_clear_copy_is_kept(fleet: Path) -> None:
    rel, clear = "clusters/dev/apps/app0.enc.yaml", fleet / "clusters/dev/apps/app0.clear.yaml"
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0
    res = helpers.run_cli(["decrypt", rel], fleet)
    assert res.code == 0 and "unchanged" in res.out  # equal to the decryption: nothing to lose
    edited = clear.read_text().replace("password:", "password: edited-Ns41 #", 1)
    helpers.plant("edited-Ns41")
    clear.write_text(edited)
    before = helpers.repo_state(fleet)
    res = helpers.run_cli(["decrypt", rel], fleet)
    assert res.code == 2 and "holds edits" in res.err and "--force" in res.err
    assert helpers.repo_state(fleet) == before and clear.read_text() == edited
    assert helpers.run_cli(["decrypt", "--force", rel], fleet).code == 0
    assert clear.read_text() != edited and oct(clear.stat().st_mode & 0o777) == "0o600"
