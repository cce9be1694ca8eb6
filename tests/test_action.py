"""The composite action's steps run as GitHub would run them: the GITHUB_* variables, GITHUB_OUTPUT
and GITHUB_STEP_SUMMARY, on a real repository with a pull-request range. No runner is reachable
here, so `uses:` steps (setup-python, upload-sarif) are not run; their inputs are checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml as pyyaml

from tests import helpers

ROOT = Path(__file__).resolve().parents[1]


def _run_check(repo: Path, tmp: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    output, summary = tmp / "github_output", tmp / "step_summary"
    output.write_text("")
    summary.write_text("")
    full = dict(os.environ, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), RUNNER_TEMP=str(tmp),
                GITHUB_WORKSPACE=str(repo), GITHUB_ACTION_PATH=str(ROOT))
    full.update({"SECRETOPS_CMD": f"{sys.executable} -m secretops", **env})
    res = subprocess.run(["bash", str(ROOT / "hooks/action-check.sh")], cwd=repo, env=full, capture_output=True,
                         text=True, timeout=300)
    helpers.OUTPUTS.append(res.stdout + res.stderr + summary.read_text())
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return res, outputs, summary.read_text()


def test_action_yml_is_a_composite_action_with_its_inputs_and_outputs() -> None:
    action = pyyaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"mode", "base", "sarif", "version", "args"}
    assert set(action["outputs"]) == {"findings", "sarif"}
    uses = [s.get("uses", "") for s in action["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_pull_request_range(fleet: Path, tmp_path: Path) -> None:
    base = helpers.git(fleet, "rev-parse", "HEAD").strip()
    helpers.git(fleet, "checkout", "-qb", "feature")
    helpers.write(fleet / "apps/db.clear.yaml", helpers.secret_yaml("db", helpers.plant("pw-action-Zq8s")))
    assert helpers.run_cli(["encrypt", "apps/db.clear.yaml", "--rm"], fleet).code == 0
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "a new secret, encrypted")
    res, outputs, summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="pull_request",
                                       SECRETOPS_EVENT_BASE=base)
    assert res.returncode == 0, res.stderr
    assert outputs["findings"] == "0" and Path(outputs["sarif"]).is_file()
    assert "secretops check** (diff): 0 finding(s)" in summary and "| `apps/db.enc.yaml` |" in summary
    # a leak in the range: counted in the outputs and the SARIF, and the last step would fail
    helpers.write(fleet / "apps/leak.yaml", helpers.secret_yaml("leak", helpers.plant("pw-leak-Zq8s")))
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "oops")
    res, outputs, summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="pull_request",
                                       SECRETOPS_EVENT_BASE=base)
    assert res.returncode == 0 and outputs["findings"] == "1", res.stderr
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "plaintext-secret"


def test_push_event_checks_the_tree(fleet: Path, tmp_path: Path) -> None:
    res, outputs, summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="push")
    assert res.returncode == 0 and outputs["findings"] == "0" and "(all)" in summary


def test_a_mode_typo_fails_in_one_line_and_checks_nothing(fleet: Path, tmp_path: Path) -> None:
    res, outputs, summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="push", SECRETOPS_MODE="dif")
    assert res.returncode == 2 and outputs == {} and summary == ""
    lines = (res.stdout + res.stderr).strip().splitlines()
    assert len(lines) == 1 and "mode must be diff or all" in lines[0] and "Traceback" not in res.stderr


def test_args_that_take_the_report_away_are_refused(fleet: Path, tmp_path: Path) -> None:
    helpers.write(fleet / "apps/leak.yaml", helpers.secret_yaml("leak", helpers.plant("pw-leak-Zq8s")))
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "oops")
    for args in ("--format text", "--format=json", "-o out.txt", f"--output={tmp_path}/x", "-qo x", "-ox",
                 "--no-inline-allow\n--format text"):
        res, outputs, _summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="push", SECRETOPS_ARGS=args)
        assert res.returncode == 2 and outputs == {}, (args, res.stdout, res.stderr)
        lines = (res.stdout + res.stderr).strip().splitlines()
        assert len(lines) == 1 and "--format or -o" in lines[0] and "Traceback" not in res.stderr, args
    # ordinary extra args still work, and the leak is still counted
    res, outputs, _summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="push", SECRETOPS_ARGS="--no-inline-allow")
    assert res.returncode == 0 and outputs["findings"] == "1", res.stderr


def test_an_unreadable_report_is_an_error_not_a_count(fleet: Path, tmp_path: Path) -> None:
    """A check that exits 0 but leaves no SARIF (a wrapper, a full disk): one line, exit 2, no output."""
    fake = tmp_path / "fake-secretops"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    (tmp_path / "secretops.sarif").write_text('{"runs": [{"results": []}]}')  # a stale report is not counted
    res, outputs, _summary = _run_check(fleet, tmp_path, GITHUB_EVENT_NAME="push", SECRETOPS_CMD=str(fake))
    assert res.returncode == 2 and outputs == {}
    lines = (res.stdout + res.stderr).strip().splitlines()
    assert len(lines) == 1 and "no readable SARIF" in lines[0]
