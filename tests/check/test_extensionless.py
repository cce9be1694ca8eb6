"""A file without an extension (a kubeconfig, a manifest, a script, a Dockerfile), a shell script and a
makefile are read for secret-like keys: billimek's history holds a k3s kubeconfig at `setup/kubeconfig`
whose admin password (32 hex digits) betterleaks found and secretops did not, and betterleaks finds a
token written into a `.sh` or a Makefile. What such files hold that is no secret (an exec plugin, a
reference, a value read at run time, a file's path) is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check, commit_file, found_only, nothing_found
from tests.check.tokens import rand

HEX = "0123456789abcdef"


def _kubeconfig(user: str) -> str:
    return ("apiVersion: v1\nclusters:\n- cluster:\n    server: https://k3s-0:6443\n  name: default\n"
            "contexts:\n- context:\n    cluster: default\n    user: default\n  name: default\n"
            "current-context: default\nkind: Config\npreferences: {}\nusers:\n- name: default\n  user:\n" + user)


def _hex(n: int) -> str:
    return rand(n, HEX)


@pytest.mark.parametrize("rel, text", [
    ("setup/kubeconfig", _kubeconfig("    pass" + "word: " + helpers.plant(_hex(32)) + "\n    username: admin\n")),
    ("home/.kube/config", _kubeconfig("    to" + "ken: " + helpers.plant(rand(40)) + "\n")),
    ("clusters/prod/kubeconfig-ci", "# written by the installer\n---\n" + _kubeconfig(
        "    pass" + "word: \"" + helpers.plant(rand(20)) + "\"\n")),
    ("apps/db/secret-values", "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: db\ndata:\n  DB_PASS" + "WORD: "
     + helpers.plant(rand(24)) + "\n"),
    ("scripts/deploy", "#!/bin/sh\nset -e\nkubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nEOF\n"
                       "export API_TO" + "KEN=" + helpers.plant(rand(32)) + "\n./run\n"),  # a token written into a script
    ("Dockerfile", "FROM alpine\nENV API_TO" + "KEN=" + helpers.plant(rand(32)) + "\n"),
], ids=["kubeconfig", "kube-config", "kubeconfig-commented", "manifest", "script", "dockerfile"])
def test_a_kubeconfig_or_manifest_without_an_extension_is_read_by_keys(repo: Path, rel: str, text: str) -> None:
    commit_file(repo, rel, text)
    found_only(repo, rel, "credential")


@pytest.mark.parametrize("rel, text", [
    ("setup/kubeconfig", _kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                     "      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n")),
    ("setup/kubeconfig-ref", _kubeconfig("    token: ${KUBE_TOKEN}\n")),
    ("scripts/deploy", "#!/bin/sh\nset -e\nAPI_TO" + "KEN=$(cat /run/secrets/token) ./run\n"),  # read at run time
    ("Makefile", "TOKEN ?= $(shell cat .token)\nKEY_FILE := keys/age.txt\n"),
    ("Dockerfile", "FROM alpine\nARG API_TO" + "KEN\nENV API_TO" + "KEN=${API_TOKEN}\n"),
], ids=["exec-plugin", "reference", "script", "makefile", "dockerfile"])
def test_files_without_an_extension_that_hold_no_secret_or_are_not_yaml_are_left_alone(
        repo: Path, rel: str, text: str) -> None:
    commit_file(repo, rel, text)
    nothing_found(repo)


def test_a_password_added_to_an_extensionless_kubeconfig_is_found_in_history(repo: Path) -> None:
    """The history's changed-line shortcut reads such a file as its rule does."""
    commit_file(repo, "setup/kubeconfig", _kubeconfig("    username: admin\n"))
    commit_file(repo, "setup/kubeconfig", _kubeconfig("    username: admin\n    pass" + "word: "
                                                      + helpers.plant(_hex(32)) + "\n"))
    for i in range(3):  # later versions, each left to its previous one
        commit_file(repo, "setup/kubeconfig", _kubeconfig(f"    username: admin{i}\n    pass" + "word: "
                                                          + _hex(32) + "\n"))
    code, findings, out = check(repo, "--history", "--no-cache")
    assert code == 1 and {f["path"] for f in findings} == {"setup/kubeconfig"}, out


@pytest.mark.parametrize("rel, text", [
    ("scripts/bootstrap.sh", "#!/usr/bin/env bash\nset -euo pipefail\nexport API_TO" + "KEN=" + helpers.plant(rand(32))
     + "\nflux bootstrap github --owner acme\n"),
    ("scripts/env.bash", "DB_PASS" + "WORD=\"" + helpers.plant("Xk9m" + rand(14)) + "\"\n"),
    ("Makefile", "DEPLOY_TO" + "KEN := " + helpers.plant(rand(32)) + "\ndeploy:\n\tcurl -s https://x\n"),
    ("build/vars.mk", "REGISTRY_PASS" + "WORD ?= " + helpers.plant("Xk9m" + rand(16)) + "\n"),
    ("scripts/release.sh", "#!/bin/sh\nGITHUB_TO" + "KEN=" + helpers.plant(rand(36)) + " gh release create v1\n"),
], ids=["export", "quoted", "make-simple", "make-conditional", "command-prefix"])
def test_a_secret_written_into_a_shell_script_or_a_makefile_is_found(repo: Path, rel: str, text: str) -> None:
    commit_file(repo, rel, text)
    found_only(repo, rel, "credential")


@pytest.mark.parametrize("rel, text", [
    ("scripts/bootstrap.sh", "#!/usr/bin/env bash\nexport API_TO" + "KEN=$(op read op://infra/flux/token)\n"
     "PASS" + "WORD=\"$1\"\nTO" + "KEN=${GITHUB_TOKEN:?}\nSECRET_NAME=app-secret\n"
     "export SOPS_AGE_KEY_FILE=~/.config/sops/age/keys.txt\n"
     "kubectl create secret generic app --from-literal=pass" + "word=\"$PASS\"\n"),
    ("Makefile", "TO" + "KEN ?= $(shell cat .token)\nKEY_FILE := keys/age.txt\nSECRET_DIR := secrets\n"),
    ("scripts/release.sh", "GITHUB_TO" + "KEN=$(gh auth token) gh release create v1\nPASS" + "WORD=\"$DB_PASSWORD\" ./migrate\n"),
], ids=["script", "makefile", "command-prefix"])
def test_references_and_names_in_scripts_and_makefiles_are_left_alone(repo: Path, rel: str, text: str) -> None:
    commit_file(repo, rel, text)
    nothing_found(repo)
