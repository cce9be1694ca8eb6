"""The checker on real repositories (issue 14): silent where nothing is wrong, complete where
something is. Each case is shaped like what public home-ops and fleet repositories hold, and is
tested on both sides: the look-alike that must pass, and the secret that must be found."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check, rules_of
from tests.check.tokens import rand

DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{n}\nspec:\n  replicas: 1\n"


def _commit(repo: Path, files: dict[str, str]) -> None:
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "files")


def test_a_catch_all_rule_makes_no_claim_about_ordinary_manifests(repo: Path) -> None:
    """`kubernetes/main/.*\\.ya?ml` picks the keys sops uses; it does not say every Deployment
    under it must be encrypted. A plaintext Secret under it is still found, and a rule that names
    encrypted files still claims them."""
    age = "age1" + "q" * 58
    files = {".sops.yaml": f"creation_rules:\n  - path_regex: .*\\.secret\\.sops\\.ya?ml\n    age: {age}\n"
                           f"  - path_regex: kubernetes/main/.*\\.ya?ml\n    age: {age}\n"}
    files |= {f"kubernetes/main/apps/app{n}/deployment.yaml": DEPLOY.format(n=n) for n in range(30)}
    _commit(repo, files)
    assert check(repo, "--all")[0] == 0
    pw = helpers.plant("pw-" + rand(12))
    _commit(repo, {"kubernetes/main/apps/app0/secret.yaml": helpers.secret_yaml("db", pw),
                   "kubernetes/main/apps/app1/db.secret.sops.yaml": DEPLOY.format(n=1)})
    code, findings, out = check(repo, "--all")
    got = {(f["path"], f["rule"]) for f in findings}
    assert got == {("kubernetes/main/apps/app0/secret.yaml", "plaintext-secret"),
                   ("kubernetes/main/apps/app1/db.secret.sops.yaml", "not-encrypted")}, out


def test_a_specific_rule_over_a_few_files_claims_them(repo: Path) -> None:
    age = "age1" + "q" * 58
    _commit(repo, {".sops.yaml": f"creation_rules:\n  - path_regex: ^apps/db/values\\.yaml$\n    age: {age}\n",
                   "apps/db/values.yaml": "replicas: 1\n"})
    code, findings, _ = check(repo, "--all")
    assert {(f["path"], f["rule"]) for f in findings} == {("apps/db/values.yaml", "not-encrypted")}


def test_sops_yaml_in_sub_folders_is_configuration(repo: Path) -> None:
    age = "age1" + "q" * 58
    rule = f"creation_rules:\n  - path_regex: .*\\.sops\\.ya?ml\n    age: {age}\n"
    _commit(repo, {"kubernetes/main/.sops.yaml": rule, "kubernetes/staging/.sops.yaml": rule,
                   ".secretops.yaml": "version: 1\nencrypted_suffix: .sops.yaml\n", ".gitignore": "*.clear.yaml\n"})
    assert check(repo, "--all")[0] == 0
    _commit(repo, {"kubernetes/main/apps/db.sops.yaml": "a: b\n"})  # governed by the nested config
    assert rules_of(check(repo, "--all")[1]) == {"not-encrypted"}


def test_sops_dotenv_and_ini_metadata_are_not_values(repo: Path, tmp_path: Path) -> None:
    from secretops.sops import agekeys

    key = agekeys.generate()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"creation_rules:\n  - age: {key.public}\n")
    for name, body, kind in (("app.env", "DB_PASSWORD=" + helpers.plant("pw-" + rand(10)) + "\nDB_USER=app\n", "dotenv"),
                             ("app.ini", "[db]\npassword = " + helpers.plant("pw-" + rand(10)) + "\n", "ini")):
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(cfg), "encrypt", "--input-type", kind,
                                "--output-type", kind, "/dev/stdin"], repo, input=body.encode())
        assert res.code == 0, res.err
        helpers.write(repo / "secrets" / name, res.out)
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert code == 0, out
    plain = "DB_PASSWORD=" + helpers.plant("pw-" + rand(10)) + "\n"
    helpers.write(repo / "secrets/other.env", plain)
    helpers.git(repo, "add", "-A")
    res = helpers.run_cli(["check", "--staged"], repo)
    assert res.code == 1 and all(line.count("\n") == 0 for line in res.out.splitlines())
    assert len([ln for ln in res.out.splitlines() if "secrets/other.env" in ln]) == 1


@pytest.mark.parametrize("value", ["$__env{GF_SECURITY_ADMIN_PASSWORD}", "$__file{/etc/secrets/admin}",
                                   "$(ADMIN_PASSWORD)", "${ADMIN_PASSWORD:-}", "{{ .Values.adminPassword }}",
                                   "<% admin_password %>", "ADMIN_PASSWORD"])
def test_references_under_password_keys_pass(repo: Path, value: str) -> None:
    body = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: grafana}\nspec:\n  values:\n"
            f"    adminPassword: \"{value}\"\n    grafana.ini:\n      database:\n        password: \"{value}\"\n")
    helpers.write(repo / "apps/grafana/helmrelease.yaml", body)
    helpers.git(repo, "add", "-A")
    assert check(repo, "--staged")[0] == 0


def test_external_secret_names_are_not_secrets(repo: Path) -> None:
    body = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: mikrotik
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: onepassword}
  target:
    name: mikrotik-secret
    template:
      data:
        MKTXP_PASSWORD: "{{ .MIKROTIK_PASSWORD }}"
  data:
    - secretKey: password
      remoteRef: {key: mikrotik, property: exporter-password}
    - secretKey: apiToken
      remoteRef:
        key: mikrotik-exporter-api-token
        property: token
"""
    helpers.write(repo / "apps/mikrotik/externalsecret.yaml", body)
    helpers.git(repo, "add", "-A")
    assert check(repo, "--staged")[0] == 0
    leak = helpers.plant("gh" + "p_" + rand(36))  # a literal token is found even there
    helpers.write(repo / "apps/mikrotik/externalsecret.yaml", body + f"# token: {leak}\n")
    helpers.git(repo, "add", "-A")
    assert rules_of(check(repo, "--staged")[1]) == {"credential"}


@pytest.mark.parametrize("name", [".vscode/settings.json", ".devcontainer.json", "renovate.json5"])
def test_json_with_comments_parses(repo: Path, name: str) -> None:
    body = '{\n  // the editor\n  "editor.tabSize": 2, /* inline */\n  "yaml.schemas": {"x": ["*.yaml"]},\n}\n'
    helpers.write(repo / name, body)
    helpers.git(repo, "add", "-A")
    assert check(repo, "--staged")[0] == 0
    helpers.write(repo / name, body.replace('"editor.tabSize": 2', '"apiToken": "' + helpers.plant(rand(32)) + '"'))
    helpers.git(repo, "add", "-A")
    assert rules_of(check(repo, "--staged")[1]) == {"credential"}


def test_helm_templates_are_checked_leniently(repo: Path) -> None:
    chart = "charts/app"
    benign = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n"
              "{{- with .Values.labels }}\n  labels: {{ toYaml . | nindent 4 }}\n{{- end }}\nstringData:\n"
              "  password: {{ .Values.password | quote }}\n")
    _commit(repo, {f"{chart}/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
                   f"{chart}/templates/secret.yaml": benign})
    assert check(repo, "--all")[0] == 0
    leak = helpers.plant("pw-" + rand(14))
    _commit(repo, {f"{chart}/templates/secret.yaml": benign + f"  admin-password: {leak}\n"})
    code, findings, out = check(repo, "--all")
    assert code == 1 and rules_of(findings) <= {"plaintext-secret", "credential"} and findings, out


def _pem(kind: str) -> str:
    body = base64.b64encode(bytes(range(256)) * 2).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n"


@pytest.mark.parametrize("kind", ["ED25519 PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY",
                                  "RSA PRIVATE KEY"])
def test_private_keys_of_every_form(repo: Path, kind: str) -> None:
    pem = _pem(kind)
    helpers.plant(pem.splitlines()[3])
    b64 = base64.b64encode(pem.encode()).decode()
    files = {"raw.key": pem,
             "talos/controlplane.yaml": f"machine:\n  ca:\n    crt: LS0tLQ==\n    key: {b64}\n",
             "kubeconfig.yaml": f"users:\n- name: admin\n  user:\n    client-key-data: {b64}\n",
             "creds.json": json.dumps({"private_key": pem})}
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert {f["path"] for f in findings if f["rule"] == "private-key"} == set(files), out


def test_password_keys_at_any_case_or_entropy_in_helm_values(repo: Path) -> None:
    body = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\nspec:\n  values:\n"
            "    auth:\n      adminPassword: " + helpers.plant("supersecretlowercase") + "\n")
    helpers.write(repo / "apps/app/helmrelease.yaml", body)
    helpers.git(repo, "add", "-A")
    assert rules_of(check(repo, "--staged")[1]) == {"credential"}


def test_history_reports_each_secret_once(repo: Path) -> None:
    """A secret that stays in a file through later versions is one finding, at the commit that
    introduced it, with the number of later versions that still hold it; the JSON keeps every commit."""
    token = helpers.plant("gh" + "p_" + rand(36))
    shas = []
    for n in range(4):
        shas.append(helpers.commit_file(repo, "apps/app/values.yaml", f"image: app:{n}\ntoken: {token}\n", f"v{n}"))
    helpers.commit_file(repo, "apps/app/values.yaml", "image: app:9\n", "removed")
    code, findings, out = check(repo, "--history")
    mine = [f for f in findings if f["path"] == "apps/app/values.yaml"]
    assert len(mine) == 1, out
    assert mine[0]["commit"] == shas[0] and mine[0]["later_versions"] == 3 and mine[0]["commits"] == shas
    text = helpers.run_cli(["check", "--history"], repo).out
    assert "still in 3 later version(s)" in text and text.count("apps/app/values.yaml") == 1
    code, findings, _ = check(repo, "--diff", f"{shas[0]}~1..HEAD")
    assert [f["later_versions"] for f in findings if f["path"] == "apps/app/values.yaml"] == [3]


def test_a_large_manifest_of_other_kinds_is_not_parsed_for_secrets(repo: Path) -> None:
    """The pre-test lets a gotk-components.yaml of CRDs through unparsed, and still lets every way
    of spelling a Secret in (test_guard.py); a Secret appended to it is found."""
    from secretops.check.rules_content import might_hold_a_secret

    crd = ("---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\n"
           "spec:\n  description: a reference to a Secret with the kind of token\n")
    assert not might_hold_a_secret(crd * 200)
    leak = helpers.plant("pw-" + rand(12))
    assert might_hold_a_secret(crd * 200 + "---\n" + helpers.secret_yaml("db", leak))
    helpers.write(repo / "clusters/main/flux-system/gotk-components.yaml", crd * 200 + "---\n" +
                  helpers.secret_yaml("db", leak))
    helpers.git(repo, "add", "-A")
    assert rules_of(check(repo, "--staged")[1]) == {"plaintext-secret"}


def test_secret_generator_literals(repo: Path) -> None:
    body = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n  - name: db\n"
            "    literals:\n      - username=app\n      - password=" + helpers.plant("pw-" + rand(12)) + "\n")
    helpers.write(repo / "apps/db/kustomization.yaml", body)
    helpers.git(repo, "add", "-A")
    assert rules_of(check(repo, "--staged")[1]) == {"credential"}
    helpers.write(repo / "apps/db/kustomization.yaml", body.split("      - password=")[0] +
                  "      - password=${DB_PASSWORD}\n")
    helpers.git(repo, "add", "-A")
    assert check(repo, "--staged")[0] == 0


def test_secret_generator_inputs_must_be_encrypted(repo: Path, tmp_path: Path) -> None:
    from secretops.sops import agekeys

    kustomization = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n"
                     "  - name: app\n    envs: [app.env]\n    files: [tls.key=certs/tls.key]\n")
    _commit(repo, {"apps/app/kustomization.yaml": kustomization,
                   "apps/app/app.env": "FOO=" + helpers.plant("pw-" + rand(10)) + "\n",
                   "apps/app/certs/tls.key": "not a key but plaintext " + helpers.plant("pw-" + rand(10)) + "\n"})
    code, findings, out = check(repo, "--all")
    got = {(f["path"], f["rule"]) for f in findings}
    assert got >= {("apps/app/kustomization.yaml", "plaintext-secret")}, out
    assert len([f for f in findings if f["path"] == "apps/app/kustomization.yaml"]) == 2
    key = agekeys.generate()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"creation_rules:\n  - age: {key.public}\n")
    for rel, kind in (("apps/app/app.env", "dotenv"), ("apps/app/certs/tls.key", "binary")):
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(cfg), "encrypt", "--input-type", kind,
                                "--output-type", kind, str(repo / rel)], repo)
        assert res.code == 0, res.err
        (repo / rel).write_text(res.out)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "encrypted")
    assert not [f for f in check(repo, "--all")[1] if f["path"] == "apps/app/kustomization.yaml"]


@pytest.mark.parametrize("body,found", [
    ("- Sonarr:\n    widget:\n      type: sonarr\n      url: http://sonarr.lan\n      key: {key}\n", True),
    ("- Radarr:\n    widget: {{type: radarr, url: 'http://radarr:7878', key: {key}}}\n", True),
    ("- Sonarr:\n    widget:\n      type: sonarr\n      url: http://sonarr.lan\n      key: \"{{{{HOMEPAGE_VAR_KEY}}}}\"\n",
     False),
    ("env:\n  - name: TOKEN\n    valueFrom:\n      secretKeyRef: {{name: api, key: token}}\n", False),
    ("widget:\n  type: sonarr\n  url: http://sonarr\n  key: sonarr-api-key-name\n", False),
])
def test_api_keys_in_dashboard_widgets(repo: Path, body: str, found: bool) -> None:
    key = helpers.plant("".join(rand(1) for _ in range(0)) + "9f" + "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c")
    helpers.write(repo / "apps/homepage/services.yaml", body.format(key=key))
    helpers.git(repo, "add", "-A")
    code, findings, _ = check(repo, "--staged")
    assert (rules_of(findings) == {"credential"}) is found
