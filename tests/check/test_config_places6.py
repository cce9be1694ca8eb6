"""Secrets in the places held-out set 6 showed were not read (issue 22, round 6: file shapes of public GitOps,
home-ops and platform repositories), and the look-alikes it showed flagged: each rule on both sides.

- found: Terraform blocks that spread a pair over two attributes (helm_release's `set { name = "adminPassword"
  value = "…" }`, a `variable` block's `default`), NixOS modules (`services.k3s.token = "…";`), a key written as
  its bytes in a YAML block list or a JSON array (Zigbee2MQTT's `network_key`), JSON kept on one line of a
  block scalar (cloudflared's `credentials.json: |`), a UUID under a secret-like key whatever its digits;
- left alone: the shell's `${X:?message}`, Zigbee2MQTT's and Home Assistant's `'!secret …'` references written as
  strings, keys that start with `existingSecret` (Harbor's `existingSecretAdminPassword: harbor-admin`), an Argo CD
  cluster Secret that holds only settings (an exec provider, a CA certificate, its name and server); and the
  look-alikes beside the new readings (expressions, placeholder defaults, `tokenFile`, `GENERATE`, extended PAN
  IDs, lists of numbers under other keys, one-line JSON of settings)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests import helpers
from tests.check.conftest import check, commit_file, found_only, place_tests
from tests.check.tokens import rand

HEX = "0123456789abcdef"
URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
# A UUID whose hex digits repeat enough to fall short of looks_random's entropy (one in a few dozen does):
# under a secret-like key it is still a generated secret
LOW_ENTROPY_UUID = "55d85e8d-0046-4d69-aed6-54115b491561"


def _bytes(n: int, seed: str) -> list[int]:
    return list(bytes.fromhex(rand(2 * n, HEX)))[:n] if seed else []


def _ca() -> str:
    body = "".join(base64.b64encode(bytes.fromhex(rand(96, HEX))).decode() + "\n" for _ in range(6))
    return base64.b64encode(f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()).decode()


def _argocd_cluster(config: dict[str, object]) -> str:
    return ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: eks-prod\n  labels:\n"
            "    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: eks-prod\n"
            "  server: https://eks.acme.lan:6443\n  config: |\n    " + json.dumps(config) + "\n")


def _found() -> dict[str, tuple[str, str]]:
    """case -> (path, body): one secret each, found by the credential rule alone (each missed before)."""
    pw = helpers.plant(rand(10) + "7x" + rand(10))
    key = _bytes(16, "z")
    return {
        "terraform-helm-set": ("terraform/grafana.tf", 'resource "helm_release" "grafana" {\n  chart = "grafana"\n'
                               '  set {\n    name  = "adminPass' + 'word"\n    value = "' + pw + '"\n  }\n}\n'),
        "terraform-set-sensitive": ("terraform/dns.tf", 'resource "helm_release" "dns" {\n  set_sensitive {\n'
                                    '    name  = "cloudflare.apiTo' + 'ken"\n    value = "'
                                    + helpers.plant(rand(40, URLSAFE)) + '"\n  }\n}\n'),
        "terraform-variable-default": ("terraform/variables.tf", 'variable "pm_api_token_sec' + 'ret" {\n'
                                       '  type      = string\n  sensitive = true\n  validation {\n'
                                       '    condition = length(var.pm_api_token_secret) > 0\n'
                                       '    error_message = "empty"\n  }\n  default   = "'
                                       + helpers.plant(LOW_ENTROPY_UUID) + '"\n}\n'),
        "nix-module": ("hosts/node2/k3s.nix", "{ config, ... }:\n{\n  services.k3s = {\n    enable = true;\n"
                       "    tok" + "en = \"" + helpers.plant(rand(48, HEX)) + "\";\n  };\n}\n"),
        "byte-block-list-yaml": ("zigbee2mqtt/configuration.yaml", "advanced:\n  pan_id: 6754\n  network_key:\n"
                                 + "".join(f"    - {b}\n" for b in key) + "  channel: 15\n"),
        "byte-block-list-hex": ("z2m/configuration.yaml", "advanced:\n  network_key:\n"
                                + "".join(f"  - 0x{b:02X}\n" for b in _bytes(16, "h"))),
        "byte-array-json": ("zigbee2mqtt/options.json", json.dumps(
            {"serial": {"port": "/dev/ttyUSB0"}, "advanced": {"channel": 20, "network_key": _bytes(16, "j")}},
            indent=2)),
        "byte-block-list-helmrelease": ("apps/z2m/helmrelease.yaml", (
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: z2m\nspec:\n  values:\n"
            "    config:\n      advanced:\n        network_key:\n"
            + "".join(f"          - {b}\n" for b in _bytes(16, "r")))),
        "one-line-json-in-block-scalar": ("apps/cloudflared/configmap.yaml", (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cloudflared\ndata:\n  credentials.json: |\n    "
            + json.dumps({"AccountTag": rand(32, HEX), "TunnelSec" + "ret": helpers.plant(
                base64.b64encode(bytes.fromhex(rand(64, HEX))).decode()), "TunnelID": "tunnel-prod"}) + "\n")),
        "uuid-under-secret-key": ("apps/values.yaml", "proxmox:\n  token_sec" + "ret: " + helpers.plant(LOW_ENTROPY_UUID)
                                  + "\n"),
    }


def _left_alone() -> dict[str, tuple[str, str]]:
    """case -> (path, body): held-out set 6's false positives, and look-alikes beside the new readings."""
    return {
        # flagged before:
        "shell-required-variable": ("scripts/release.sh", "#!/usr/bin/env bash\n"
                                    "readonly API_TOKEN=\"${API_TOKEN:?set API_TOKEN first}\"\n"
                                    "DB_PASSWORD=${DB_PASSWORD?no password}\n"),
        "secret-references-as-strings": ("zigbee2mqtt/configuration.yaml", "mqtt:\n  user: '!secret.yaml user'\n"
                                          "  password: '!secret.yaml password'\nadvanced:\n"
                                          "  network_key: '!secret network_key'\n"),
        "existing-secret-prefix": ("apps/harbor/values.yaml", "existingSecretAdminPassword: harbor-admin\n"
                                   "existingSecretAdminPasswordKey: HARBOR_ADMIN_PASSWORD\n"
                                   "existingSecretSecretKey: harbor-secret-key\n"),
        "argocd-cluster-settings": ("argocd/clusters/eks.yaml", _argocd_cluster(
            {"execProviderConfig": {"command": "argocd-k8s-auth", "args": ["aws", "--cluster-name", "prod"],
                                    "apiVersion": "client.authentication.k8s.io/v1beta1"},
             "tlsClientConfig": {"insecure": False, "caData": _ca()}})),
        "argocd-cluster-aws-auth": ("argocd/clusters/irsa.yaml", _argocd_cluster(
            {"awsAuthConfig": {"clusterName": "prod", "roleARN": "arn:aws:iam::123456789012:role/argocd-deployer"},
             "tlsClientConfig": {"insecure": False, "caData": _ca()}})),
        # beside the new readings:
        "terraform-expressions": ("terraform/grafana.tf", 'resource "helm_release" "grafana" {\n  set {\n'
                                  '    name  = "adminPassword"\n    value = var.grafana_admin_password\n  }\n'
                                  '  set {\n    name  = "adminUser"\n    value = "admin"\n  }\n'
                                  '  set {\n    name  = "persistence.existingClaim"\n    value = "grafana-data"\n'
                                  '  }\n}\n'),
        "terraform-variable-defaults": ("terraform/variables.tf", 'variable "pm_api_token_secret" {\n'
                                        '  sensitive = true\n  default   = "your-token-secret-here"\n}\n\n'
                                        'variable "cloudflare_api_token" {\n  type      = string\n'
                                        '  sensitive = true\n}\n\nvariable "cloudflare_account_id" {\n'
                                        '  default = "' + rand(32, HEX) + '"\n}\n\nvariable "token_ttl" {\n'
                                        '  default = "24h"\n}\n'),
        "nix-expressions": ("hosts/node3/k3s.nix", "{ config, ... }:\n{\n  services.k3s = {\n    enable = true;\n"
                            "    tokenFile = config.age.secrets.k3s.path;\n    token = config.sops.placeholder.k3s;\n"
                            "  };\n}\n"),
        "byte-look-alikes": ("zigbee2mqtt/data/configuration.yaml", "advanced:\n  network_key: GENERATE\n"
                             "  pan_id: GENERATE\n  ext_pan_id:\n" + "".join(f"    - {b}\n" for b in _bytes(8, "e"))
                             + "retry:\n  backoff:\n" + "".join(f"    - {n}\n" for n in (1, 2, 4, 8, 16, 32, 64, 128,
                                                                                         250, 5, 10, 20, 40, 80, 160,
                                                                                         200))
                             + "theme:\n  key_colors:\n" + "".join(f"    - {n}\n" for n in range(300, 316))),
        "bytes-in-steps": ("zigbee2mqtt/configuration.yaml", "advanced:\n  network_key: [1, 3, 5, 7, 9, 11, 13, 15, 0, 2, "
                           "4, 6, 8, 10, 12, 13]\n  pan_key:\n" + "".join(f"    - {n}\n" for n in range(1, 17))
                           + "  ext_key: [" + ", ".join(str(n) for n in range(32, 0, -1)) + "]\n"),
        "byte-look-alikes-json": ("docs/bridge-info.json", json.dumps(
            {"config": {"advanced": {"ext_pan_id": [221] * 8, "pan_id": 6754, "channel": 11,
                                     "network_key": "GENERATE", "retry_backoff": list(range(16))}}}, indent=2)),
        "one-line-json-settings": ("apps/app/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
                                   "data:\n  settings.json: |\n    {\"apiUrl\": \"https://api.acme.io\", "
                                   "\"tokenFile\": \"/run/secrets/token\", \"secretName\": \"app-secrets\"}\n"),
    }


test_secrets_in_these_places_are_found, test_look_alikes_in_these_places_are_left_alone = place_tests(_found, _left_alone)


def test_an_argocd_cluster_secret_with_a_credential_is_still_found(repo: Path) -> None:
    """Only a `config` of settings is left alone: a bearer token in it, a random value or a password of any
    shape under any key, is a plaintext Secret (the one finding of a Secret's values: the credential rule leaves Secrets to it)."""
    token = helpers.plant(rand(60, URLSAFE))
    commit_file(repo, "argocd/clusters/edge.yaml", _argocd_cluster({"bearer" + "Token": token,
                                                                    "tlsClientConfig": {"insecure": True}}))
    commit_file(repo, "argocd/clusters/lab.yaml", _argocd_cluster({"data": helpers.plant(rand(40)),
                                                                   "tlsClientConfig": {"insecure": True}}))
    commit_file(repo, "apps/settings.yaml", _argocd_cluster({"login": "admin", "pw": helpers.plant(
        "Summer" + rand(4, "0123456789"))}))  # a weak password under a key without a hint word
    code, findings, out = check(repo, "--all")
    assert code == 1, out
    assert {(f["path"], f["rule"]) for f in findings} == {("argocd/clusters/edge.yaml", "plaintext-secret"),
                                                          ("argocd/clusters/lab.yaml", "plaintext-secret"),
                                                          ("apps/settings.yaml", "plaintext-secret")}, out
    for planted in helpers.PLANTED:
        assert planted not in out


def test_shell_declarations_of_a_literal_are_found(repo: Path) -> None:
    """`readonly`, `declare -r`/`-x`, `local` and `typeset` before an assignment (read as a command's own
    variables since this round's earlier commit, pinned here): a literal is found, in `.sh`, `.bash`, `.zsh`
    and a Makefile's recipe."""
    cases = {"scripts/a.sh": "readonly API_TO" + "KEN=\"{}\"\n", "scripts/b.bash": "f() {{\n  local tok" + "en='{}'\n}}\n",
             "dotfiles/c.zsh": "typeset -x HCLOUD_TO" + "KEN={}\n", "hack/d.sh": "declare -r DB_PASS" + "WORD=\"{}\"\n",
             "hack/e.sh": "declare -rx GITHUB_TO" + "KEN={}\n"}
    for rel, body in cases.items():
        commit_file(repo, rel, "#!/usr/bin/env bash\n" + body.format(helpers.plant(rand(24))))
    commit_file(repo, "Makefile", "deploy:\n\treadonly DEPLOY_TO" + "KEN=" + helpers.plant(rand(24)) + "; ./deploy\n")
    code, findings, out = check(repo, "--all")
    assert code == 1 and {f["path"] for f in findings} == {*cases, "Makefile"}, out
    assert {f["rule"] for f in findings} == {"credential"}, out


def test_shell_declarations_of_references_are_left_alone(repo: Path) -> None:
    commit_file(repo, "scripts/release.sh", "#!/usr/bin/env bash\nreadonly X_TOKEN=\"${Y}\"\n"
                "declare -r TOKEN_FILE=/run/secrets/token\nrelease() {\n  local token=\"$1\"\n"
                "  local password=$(cat \"$TOKEN_FILE\")\n  local secret=\"${2:-}\"\n  typeset -x GH_TOKEN=\"$token\"\n}\n")
    code, findings, out = check(repo, "--all")
    assert code == 0 and findings == [], out


def test_a_block_list_key_is_found_by_a_large_scan(repo: Path) -> None:
    """A scan of 256 files or more selects blobs by their hint words first (tokens.quiet): the `network_key:`
    line selects the file, and the key is found as in a small scan."""
    for n in range(300):
        helpers.write(repo / f"filler/cm{n}.yaml", f"kind: ConfigMap\nmetadata:\n  name: c{n}\ndata:\n  a: b\n")
    body = "advanced:\n  network_key:\n" + "".join(f"    - {b}\n" for b in _bytes(16, "l"))
    commit_file(repo, "z2m/configuration.yaml", body)
    found_only(repo, "z2m/configuration.yaml", "credential")


def test_a_changed_block_list_key_and_hcl_value_are_found_in_history(repo: Path) -> None:
    """The history reads what changed: a new network key whose changed lines are list items only (`- 17`, no
    hint word on them), and a new `value` in a `set { name = "adminPassword" … }` block, are found in the
    commit that brings each (one finding per version)."""
    def z2m() -> str:
        return "advanced:\n  pan_id: 6754\n  network_key:\n" + "".join(f"    - {b}\n" for b in _bytes(16, "k")) \
            + "  channel: 11\n"

    def tf() -> str:
        return ('resource "helm_release" "g" {\n  set {\n    name  = "adminPass' + 'word"\n    value = "'
                + helpers.plant(rand(20)) + '"\n  }\n}\n')

    for _version in range(2):
        commit_file(repo, "z2m/configuration.yaml", z2m())
        commit_file(repo, "terraform/grafana.tf", tf())
    code, findings, out = check(repo, "--history", "--no-cache")
    assert code == 1, out
    paths = sorted(str(f["path"]) for f in findings)
    assert paths == ["terraform/grafana.tf"] * 2 + ["z2m/configuration.yaml"] * 2, out
    assert len({f["fingerprint"] for f in findings}) == 4, out
    for planted in helpers.PLANTED:
        assert planted not in out
