"""A post-quantum recipient written into `.sops.yaml` by hand: `updatekeys` re-wraps in-process, `edit` runs
through a sops that takes PQ keys; judged by the reference age (Node) and the real sops with the PQ key alone."""

from __future__ import annotations

import re
from pathlib import Path

from secretops.sops import agekeys
from tests import helpers
from tests.pq.judge import judge_sops_file

SHARED = "apps/shared.enc.yaml"


def _add_to_shared_rule(fleet: Path, public: str) -> None:
    text = (fleet / ".sops.yaml").read_text()
    rules = list(re.finditer(r"^(\s+age: )(.*)$", text, re.M))
    last = rules[-1]  # the catch-all rule comes last: it governs apps/
    start, end = last.span(2)
    value = last.group(2)
    new = value[:-1] + f", {public}" + value[-1] if value.endswith(("'", '"')) else f"{value},{public}"
    (fleet / ".sops.yaml").write_text(text[:start] + new + text[end:])


def test_updatekeys_and_edit_with_a_pq_recipient(fleet: Path, tmp_path: Path) -> None:
    person = agekeys.generate(post_quantum=True)
    _add_to_shared_rule(fleet, person.public)
    res = helpers.run_cli(["updatekeys", "--dry-run"], fleet)
    assert res.code == 0 and SHARED in res.out, res.text
    res = helpers.run_cli(["updatekeys", SHARED], fleet)
    assert res.code == 0, res.text
    assert judge_sops_file(fleet / SHARED, [person.secret])["opened"] == [person.public]
    assert helpers.sops_opens(fleet, SHARED, [person])
    editor = helpers.write(tmp_path / "editor.sh", "#!/bin/sh\nsed -i 's/pw-shared-Zq8s/pw-shared-edited-Zq8s/' \"$1\"\n",
                           mode=0o755)
    helpers.plant("pw-shared-edited-Zq8s")
    res = helpers.run_cli(["edit", SHARED], fleet, env={"EDITOR": str(editor), "SOPS_EDITOR": str(editor)})
    assert res.code == 0, res.text
    values = judge_sops_file(fleet / SHARED, [person.secret])["values"]
    assert values["stringData:password"] == "pw-shared-edited-Zq8s"
    assert helpers.sops_opens(fleet, SHARED, [person])
