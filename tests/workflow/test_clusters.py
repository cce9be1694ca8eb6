"""Clusters come and go: a new one can decrypt every file it applies, shared ones included; a retired
one leaves no file that the remaining keys cannot open. Judged by the real sops."""

from __future__ import annotations

from pathlib import Path

from secretops.sops import agekeys, creation_rules
from tests import helpers


def _cluster_key(root: Path, name: str) -> list[agekeys.Identity]:
    rules = creation_rules.load(root)
    publics = next(r.recipients.age for r in rules.rules if r.path_regex and f"clusters/{name}/" in
                   r.path_regex.replace("\\", ""))
    return [i for i in agekeys.load_identities() if i.public in publics]


def test_add_then_remove_a_cluster(fleet: Path) -> None:
    res = helpers.run_cli(["cluster", "add", "edge"], fleet)
    assert res.code == 0, res.text
    edge = _cluster_key(fleet, "edge")
    assert len(edge) == 1
    rules = creation_rules.load(fleet).rules
    own = next(i for i, r in enumerate(rules) if r.path_regex and "edge" in r.path_regex)
    catch_all = next(i for i, r in enumerate(rules) if r.path_regex and not r.path_regex.startswith("^"))
    assert own < catch_all and edge[0].public in rules[catch_all].recipients.age
    assert helpers.sops_opens(fleet, "apps/shared.enc.yaml", edge)  # the shared file, for edge's Flux
    assert helpers.sops_opens(fleet, "clusters/edge/flux-system/sops-age.enc.yaml", edge)
    assert not helpers.sops_opens(fleet, "clusters/dev/apps/app0.enc.yaml", edge)
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "edge")

    before = helpers.repo_state(fleet)
    res = helpers.run_cli(["cluster", "remove", "edge"], fleet)
    assert res.code == 2 and "git rm -r clusters/edge" in res.err and helpers.repo_state(fleet) == before
    helpers.git(fleet, "rm", "-rq", "clusters/edge")
    helpers.git(fleet, "commit", "-qm", "retire edge's workloads")
    res = helpers.run_cli(["cluster", "remove", "edge"], fleet)
    assert res.code == 0, res.text
    assert edge[0].public not in (fleet / ".sops.yaml").read_text()
    assert not helpers.sops_opens(fleet, "apps/shared.enc.yaml", edge)
    assert helpers.sops_opens(fleet, "apps/shared.enc.yaml", _cluster_key(fleet, "dev"))


def test_clusters_do_not_come_and_go_during_a_rotation(fleet: Path) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], fleet).code == 0
    before = helpers.repo_state(fleet)
    for args in (["cluster", "add", "edge"], ["cluster", "remove", "dev"], ["init", "--cluster", "edge"]):
        res = helpers.run_cli(args, fleet)
        assert res.code == 2 and "rotation is in progress" in res.err, res.text
    assert helpers.repo_state(fleet) == before


def test_add_a_post_quantum_cluster(fleet: Path) -> None:
    """`cluster add --pq`: an age1pq1 recipient in its rule and the shared rule, the shared files re-wrapped for
    it in-process; the reference age (Node) and the real sops open them with its PQ key alone."""
    from tests.pq.judge import judge_sops_file

    res = helpers.run_cli(["cluster", "add", "edge", "--pq"], fleet)
    assert res.code == 0, res.text
    assert "AGE-SECRET-KEY" not in res.text
    edge = _cluster_key(fleet, "edge")
    assert len(edge) == 1 and edge[0].post_quantum and edge[0].public.startswith("age1pq1")
    for rel in ("apps/shared.enc.yaml", "clusters/edge/flux-system/sops-age.enc.yaml"):
        assert helpers.sops_opens(fleet, rel, edge), rel
        assert judge_sops_file(fleet / rel, [edge[0].secret])["opened"] == [edge[0].public], rel
    assert not helpers.sops_opens(fleet, "clusters/dev/apps/app0.enc.yaml", edge)
    res = helpers.run_cli(["status", "--quantum", "--format", "json"], fleet)
    assert "apps/shared.enc.yaml" not in res.out.split('"x25519_only"')[1].split("]")[0]
