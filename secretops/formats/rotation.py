"""Rotation output: the plan (dry run) and cluster status, as text or JSON. Public keys only."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from secretops.flux.readiness import Readiness
from secretops.formats.interface import Formats
from secretops.rotation.plan import Plan
from secretops.rotation.status import StatusReport
from secretops.util.display import safe, short


@dataclass(frozen=True)
class PlanReport:
    plan: Plan
    problems: tuple[str, ...] = ()
    readiness: tuple[Readiness, ...] | None = None  # a move to post-quantum keys: each cluster's controller


def plan_text(report: PlanReport) -> str:
    plan, problems = report.plan, report.problems
    lines = ["rotation plan (dry run, nothing written):", "keys (by public key):"]
    for key in plan.old_keys:
        clusters = ", ".join(plan.key_clusters.get(key, ())) or "no cluster"
        lines.append(f"  {safe(short(key))} -> a new key   used by: {safe(clusters)}")
    lines.append(f"clusters: {safe(', '.join(c.name for c in plan.clusters)) or '-'}")
    lines.append(f".sops.yaml rules naming these keys: {plan.rules}")
    lines.append(f"key Secrets ({len(plan.key_secrets)}): both keys during the rotation, then only the new one")
    lines += [f"  {safe(rel)}" for rel in plan.key_secrets]
    lines.append(f"files ({len(plan.files)}): a new recipient each (data keys re-wrapped in-process"
                 f"{f'; {len(plan.fallback)} through sops' if plan.fallback else ''})")
    lines += [f"  {safe(rel)}" for rel in plan.files]
    lines += [f"note: {safe(note)}" for note in plan.notes]
    if report.readiness is not None:
        lines[0] = "post-quantum migration plan (dry run, nothing written): new keys are ML-KEM-768 + X25519"
        lines.append("clusters' kustomize-controller (post-quantum keys need 1.9, Flux 2.9):")
        for r in report.readiness:
            flag = f"; global key Secret --sops-age-secret={safe(r.global_secret)}" if r.global_secret else ""
            lines.append(f"  {safe(r.cluster):<16} {'ready' if r.ready else 'NOT READY':<10} "
                         f"{safe(r.describe())}{flag}")
    for problem in problems:
        lines.append(f"would fail: {safe(problem)}")
    return "\n".join(lines) + "\n"


def status_text(rep: StatusReport) -> str:
    lines = [f"rotation {rep.state.id}: commit 1 is {rep.commit1[:12]} on {rep.state.branch}"]
    for c in rep.clusters:
        word = "verified" if c.verified else ("unreachable" if not c.reachable else "waiting")
        lines.append(f"  {safe(c.name):<16} {word:<11} {safe('; '.join(c.problems))}".rstrip())
        lines += [f"  {'':<16} warning: {safe(w)}" for w in c.warnings]
    done = sum(c.verified for c in rep.clusters)
    lines.append(f"{done}/{len(rep.clusters)} cluster(s) verified" +
                 ("; run `secretops rotate finish`" if rep.verified else ""))
    return "\n".join(lines) + "\n"


def status_json(rep: StatusReport) -> str:
    body = {"rotation": rep.state.id, "commit1": rep.commit1, "branch": rep.state.branch, "verified": rep.verified,
            "clusters": [dataclasses.asdict(c) for c in rep.clusters]}
    return json.dumps(body, indent=2) + "\n"


def plan_json(report: PlanReport) -> str:
    plan = report.plan
    body = {"keys": [{"old": k, "clusters": list(plan.key_clusters.get(k, ()))} for k in plan.old_keys],
            "clusters": [c.name for c in plan.clusters],
            "key_delivery": {c.name: "git" if c.key_secrets else "api" for c in plan.clusters},
            "notes": list(plan.notes), "rules": plan.rules, "key_secrets": list(plan.key_secrets),
            "files": list(plan.files), "through_sops": list(plan.fallback), "problems": list(report.problems)}
    if report.readiness is not None:
        body["post_quantum"] = True
        body["readiness"] = [{"cluster": r.cluster, "ready": r.ready, "kustomize_controller": r.version,
                              "source": r.source, "asserted": r.asserted, "global_age_secret": r.global_secret}
                             for r in report.readiness]
    return json.dumps(body, indent=2) + "\n"


PLAN_FORMATS: Formats[PlanReport] = Formats({"text": plan_text, "json": plan_json})
STATUS_FORMATS: Formats[StatusReport] = Formats({"text": status_text, "json": status_json})
