"""The committed state file: written by libyaml's emitter, read back to the same state."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretops.errors import StateError
from secretops.rotation.state import STATE_FILE, ClusterRef, KeyChange, RotationState, load_state
from secretops.sops import agekeys

# names a YAML 1.1 reader, a number or a null would take for something else, and text to quote
ODD = ["yes", "no", "on", "null", "~", "1.0", "0x1f", "2026-01-01", "a: b", "#x", "- x", "'q'", '"q"', "é ü",
       "tab\there", " lead", "trail ", "!tag", "&anchor", "*alias", "%pct", "@at", "`tick`", "{x}", "[x]"]


def _state(names: list[str]) -> RotationState:
    old, new = agekeys.generate(), agekeys.generate()
    return RotationState("20260101T000000Z", "started", "a" * 40, "main",
                         (KeyChange(old.public, new.public, tuple(names)),),
                         tuple(ClusterRef(n, f"ctx-{n}", (f"clusters/{n}/sops-age.enc.yaml",), i % 2 == 0)
                               for i, n in enumerate(names)), "2026-01-01T00:00:00Z", True, True)


@pytest.mark.parametrize("names", [ODD, [f"c{n:05d}" for n in range(300)]])
def test_the_state_reads_back_as_written(tmp_path: Path, names: list[str]) -> None:
    state = _state(names)
    (tmp_path / STATE_FILE).parent.mkdir()
    (tmp_path / STATE_FILE).write_text(state.to_yaml())
    assert load_state(tmp_path) == state


def test_flags_are_written_only_when_set(tmp_path: Path) -> None:
    plain = RotationState(**{**_state(["dev"]).__dict__, "post_quantum": False, "compromised": False})
    text = plain.to_yaml()
    assert "post_quantum" not in text and "compromised" not in text
    assert text.startswith("# secretops key rotation in progress.")
    (tmp_path / STATE_FILE).parent.mkdir()
    (tmp_path / STATE_FILE).write_text(text.replace("phase: started", "phase: done"))
    with pytest.raises(StateError):
        load_state(tmp_path)
