from __future__ import annotations

import json
from pathlib import Path

from secretops.sops import agekeys
from tests import helpers


def _status(root: Path, *extra: str) -> dict[str, dict[str, object]]:
    res = helpers.run_cli(["status", "--format", "json", *extra], root)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    return {f["path"]: f for f in data["files"]}


def test_states(fleet: Path) -> None:
    helpers.write(fleet / "clusters/dev/apps/plain.enc.yaml", helpers.secret_yaml("p", helpers.plant("plain-Wd2")))
    rules = (fleet / ".sops.yaml").read_text()
    prod_key = rules.split("^clusters/prod/")[1].split("age: ")[1].split("\n")[0]
    dev_rel = "clusters/dev/apps/app0.enc.yaml"
    stranger = agekeys.generate().public
    (fleet / ".sops.yaml").write_text(rules.replace(prod_key, stranger))
    files = _status(fleet)
    assert files[dev_rel]["state"] == "ok" and files[dev_rel]["cluster"] == "dev"
    assert files["clusters/dev/apps/plain.enc.yaml"]["state"] == "not-encrypted"
    assert files["clusters/prod/apps/app0.enc.yaml"]["state"] == "unknown-key"
    (fleet / ".sops.yaml").write_text(rules.replace(f"age: {prod_key}\n", f"age: {prod_key},{stranger}\n", 1))
    files = _status(fleet)
    assert files["clusters/prod/apps/app0.enc.yaml"]["state"] == "recipients-mismatch"
    assert files[dev_rel]["recipients"] == {"age": [files[dev_rel]["rule_recipients"]["age"][0]]}  # type: ignore[index]
    assert files[dev_rel]["decryptable"] is True


def test_clear_files_listed_and_filtered_by_cluster(fleet: Path) -> None:
    assert helpers.run_cli(["decrypt", "clusters/dev/apps/app0.enc.yaml"], fleet).code == 0
    files = _status(fleet, "--cluster", "dev")
    assert files["clusters/dev/apps/app0.clear.yaml"]["kind"] == "clear"
    assert all(f["cluster"] == "dev" for f in files.values())
    text = helpers.run_cli(["status"], fleet).out
    assert "clusters/prod/apps/app0.enc.yaml" in text and "ok" in text


def test_corpus_onedr0p(corpus: Path) -> None:
    files = _status(corpus / "onedr0p__home-ops")
    key = "age15uzrw396e67z9wdzsxzdk7ka0g2gr3l460e0slaea563zll3hdfqwqxdta"
    assert len(files) == 17
    assert all(f["recipients"] == {"age": [key]} and f["state"] == "ok" for f in files.values())
    talos = files["kubernetes/main/bootstrap/talos/assets/k8s-0.secret.sops.yaml"]
    assert str(talos["rule"]).startswith("rule 1 ") and talos["sops_version"]


def test_corpus_joryirving(corpus: Path) -> None:
    files = _status(corpus / "joryirving__home-ops")
    key = "age12v9uw8k6myrr49z9aq6jmcwa79aepu0p6p462nrv968qcae72pcspwldec"
    assert files["talos/main/talsecret.sops.yaml"]["state"] == "not-encrypted"
    assert files["talos/utility/talsecret.sops.yaml"]["state"] == "not-encrypted"
    assert files["talos/test/talsecret.sops.yaml"]["state"] == "ok"
    encrypted = [f for f in files.values() if f["state"] == "ok"]
    assert len(encrypted) == 6 and all(f["recipients"] == {"age": [key]} for f in encrypted)


def test_clear_copy_in_sync_or_edited_by_values_not_layout(fleet: Path) -> None:
    """A clear copy rewritten with 2-space indentation and a comment holds the same values: in-sync;
    a changed value: edited. The text table has a header line."""
    rel, clear = "clusters/dev/apps/app0.enc.yaml", fleet / "clusters/dev/apps/app0.clear.yaml"
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0
    from secretops.util import yamlio

    data = yamlio.load_one(clear.read_text(), "x")
    body = yamlio.dump(yamlio.roundtrip((2, 2, 0)), data)
    clear.write_text("# my notes\n" + body)
    assert _status(fleet)["clusters/dev/apps/app0.clear.yaml"]["state"] == "in-sync"
    text = helpers.run_cli(["status"], fleet).out
    assert any(line.split()[:4] == ["FILE", "CLUSTER", "STATE", "RECIPIENTS"] for line in text.splitlines())
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0  # same values: no refusal, no --force
    first = next(iter(data["stringData"]))
    data["stringData"][first] = "changed-value-Qx7"
    clear.write_text(yamlio.dump(yamlio.roundtrip((2, 2, 0)), data))
    row = _status(fleet)["clusters/dev/apps/app0.clear.yaml"]
    assert row["state"] == "edited" and "secretops encrypt" in str(row["detail"])
    assert helpers.run_cli(["decrypt", rel], fleet).code == 2
    res = helpers.run_cli(["encrypt", "clusters/dev/apps/app0.clear.yaml"], fleet)
    assert res.code == 0 and "encrypted" in res.out
    assert _status(fleet)["clusters/dev/apps/app0.clear.yaml"]["state"] == "in-sync"
