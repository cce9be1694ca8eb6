"""Generic secrets in plaintext manifests (issue 22): a high-entropy, UUID-shaped or long-hex value
under a secret-like key, an env entry, a Deployment argument or a HelmRelease value is found, in
the tree and in history; placeholders, references and hashes where a hash is expected are not.
The shapes are those betterleaks found in real histories that the checker missed."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand

HEX = "0123456789abcdef"

HELMRELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {name}
spec:
  interval: 30m
  chart:
    spec:
      chart: {name}
      version: 1.2.3
      sourceRef:
        kind: HelmRepository
        name: {name}
        namespace: flux-system
  values:
{values}"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    metadata:
      annotations:
        checksum/config: {checksum}
    spec:
      containers:
        - name: {name}
          image: ghcr.io/example/{name}:v1.2.3@sha256:{digest}
{container}"""


def _hex(n: int) -> str:
    return "".join(secrets.choice(HEX) for _ in range(n))


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _deployment(container: str, name: str = "app") -> str:
    return DEPLOYMENT.format(name=name, checksum=_hex(64), digest=_hex(64), container=_indent(container, 10))


def _helmrelease(values: str, name: str = "app") -> str:
    return HELMRELEASE.format(name=name, values=_indent(values, 4))


def _licence_key() -> str:
    """Five groups of five from a licence alphabet, with letters and digits both (as issued; one
    draw in ~1,300 has no digit, which the grouped-key rule reads as a name, not a key)."""
    while True:
        key = "-".join(rand(5, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
        if any(c.isdigit() for c in key) and any(c.isalpha() for c in key):
            return key


def _secrets() -> dict[str, tuple[str, str]]:
    """case -> (path, file) holding one planted secret in a shape found in real histories."""
    lic = helpers.plant(_licence_key())
    hec = helpers.plant(str(uuid.uuid4()))
    hmac1, hmac2, hmac3 = (helpers.plant(_hex(40)) for _ in range(3))
    lic2, hec2, tok = helpers.plant(_hex(32)), helpers.plant(str(uuid.uuid4()).upper()), helpers.plant(rand(24))
    gen = helpers.plant(rand(32))
    return {
        "license-key-helm-value": ("apps/pixel/helmrelease.yaml",
                                   _helmrelease(f"config:\n  license:\n    key: {lic}\n  replicas: 1\n", "pixel")),
        "licenseKey-helm-value": ("apps/nr/helmrelease.yaml", _helmrelease(f"global:\n  licenseKey: {lic2}\n", "nr")),
        "hec-token-helm-value": ("apps/otel/helmrelease.yaml", _helmrelease(
            f"splunkPlatform:\n  endpoint: https://splunk.lan:8088/services/collector\n  token: {hec}\n"
            "  index: k8s\n", "otel")),
        "hec-token-env": ("apps/fluent/deployment.yaml", _deployment(
            f"env:\n  - name: SPLUNK_URL\n    value: https://splunk.lan:8088\n  - name: SPLUNK_HEC_TOKEN\n"
            f"    value: {hec2}\n", "fluent")),
        "hmac-key-arg": ("apps/imgproxy/deployment.yaml", _deployment(
            f"args:\n  - --port=8080\n  - --hmac-key={hmac1}\n  - --log-level=info\n", "imgproxy")),
        "hmac-key-arg-split": ("apps/thumbor/deployment.yaml", _deployment(
            f"args: [\"--listen\", \":8080\", \"--hmac-key\", \"{hmac2}\"]\n", "thumbor")),
        "hmacKey-env": ("apps/imaginary/deployment.yaml", _deployment(
            f"env:\n  - name: TZ\n    value: Europe/Paris\n  - name: HMAC_KEY\n    value: \"{hmac3}\"\n", "imaginary")),
        "token-env-low-entropy": ("apps/bot/deployment.yaml", _deployment(
            f"env:\n  - {{name: BOT_TOKEN, value: {tok}}}\n", "bot")),
        "secretGenerator-ordinary-key": ("apps/gen/kustomization.yaml",
                                         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                         "secretGenerator:\n  - name: app\n    literals:\n      - MODE=prod\n"
                                         f"      - SESSION={gen}\n"),
    }


def _look_alikes() -> dict[str, tuple[str, str]]:
    """Real look-alikes that stay quiet: references, names, placeholders and hashes where expected."""
    return {
        "digests-and-checksums": ("apps/a/deployment.yaml", _deployment(
            "env:\n  - name: CONFIG_HASH\n    value: " + _hex(64) + "\n  - name: API_KEY\n    valueFrom:\n"
            "      secretKeyRef:\n        name: app-secret\n        key: api-key\n", "a")),
        "placeholder-args": ("apps/b/deployment.yaml", _deployment(
            "args:\n  - --hmac-key=${HMAC_KEY}\n  - --license-key=YOUR_LICENSE_KEY\n  - --token=<token>\n"
            "  - --api-key=changeme\n  - --secret=xxxxxxxxxxxxxxxx\n  - --password-file=/run/secrets/pw\n"
            "  - --key-file=/etc/tls/tls.key\n", "b")),
        "placeholder-env": ("apps/c/deployment.yaml", _deployment(
            "env:\n  - name: HMAC_KEY\n    value: $(HMAC_KEY)\n  - name: LICENSE_KEY\n    value: example\n"
            "  - name: SECRET_NAME\n    value: app-credentials\n  - name: TOKEN_URL\n    value: https://id.lan/token\n",
            "c")),
        "helm-references": ("apps/d/helmrelease.yaml", _helmrelease(
            "auth:\n  existingSecret: d-admin\n  passwordSecretRef: {name: d, key: password}\n"
            "  tokenSecretKeyRef: {name: d, key: token}\nlicense:\n  existingSecret: d-license\n"
            "  secretKey: license-key\npodSecurityContext:\n  runAsUser: 1000\n"
            "tls:\n  secretName: d-tls\npublicKey: age1" + rand(58, "qpzry9x8gf2tvdw0s3jn54khce6mua7l") + "\n",
            "d")),
        "dashboard-uids": ("apps/grafana/dashboards.yaml", _helmrelease(
            "dashboards:\n  default:\n    flux:\n      uid: " + str(uuid.uuid4()) + "\n      gnetId: 16714\n"
            "datasources:\n  - name: Prometheus\n    uid: " + str(uuid.uuid4()) + "\n", "grafana")),
        "git-shas": ("clusters/main/flux-system/sync.yaml",
                     "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
                     "spec:\n  ref:\n    commit: " + _hex(40) + "\nstatus:\n  artifact:\n    revision: main@sha1:"
                     + _hex(40) + "\n    digest: sha256:" + _hex(64) + "\n"),
        "external-secret": ("apps/e/externalsecret.yaml",
                            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: e\nspec:\n"
                            "  secretStoreRef: {kind: ClusterSecretStore, name: onepassword}\n  data:\n"
                            "    - secretKey: HMAC_KEY\n      remoteRef:\n        key: " + str(uuid.uuid4()) +
                            "\n        property: hmac-key\n"),
        "hash-keys": ("apps/f/values.yaml", "image:\n  digest: sha256:" + _hex(64) + "\nchecksum: " + _hex(64) +
                      "\nsha256: " + _hex(64) + "\nrevision: " + _hex(40) + "\ncacheKey: v1-deps\n"
                      "sshKnownHosts: github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rand(43) + "\n"),
    }


def _commit(repo: Path, files: dict[str, str], message: str = "files") -> None:
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", message)


@pytest.mark.parametrize("case", sorted(_secrets()))
def test_generic_secrets_in_the_tree(repo: Path, case: str) -> None:
    rel, body = _secrets()[case]
    _commit(repo, {rel: body})
    code, findings, out = check(repo, "--all")
    assert code == 1 and {(f["path"], f["rule"]) for f in findings} == {(rel, "credential")}, out
    for planted in helpers.PLANTED:
        assert planted not in out


@pytest.mark.parametrize("case", sorted(_look_alikes()))
def test_generic_look_alikes_stay_quiet(repo: Path, case: str) -> None:
    rel, body = _look_alikes()[case]
    _commit(repo, {rel: body})
    code, findings, out = check(repo, "--all")
    assert code == 0 and findings == [], out


def test_generic_secrets_in_history_once_each(repo: Path) -> None:
    """Added, changed around and removed again: --history finds each secret once, at its commit."""
    cases = _secrets()
    _commit(repo, dict(cases.values()), "secrets")
    first = helpers.git(repo, "rev-parse", "HEAD").strip()
    _commit(repo, {rel: body.replace("replicas: 1", "replicas: 2") for rel, body in cases.values()}, "bump")
    helpers.git(repo, "rm", "-q", *[rel for rel, _b in cases.values()])
    helpers.git(repo, "commit", "-qm", "removed")
    _commit(repo, dict(_look_alikes().values()), "look-alikes")
    code, findings, out = check(repo, "--history", "--no-cache")
    assert code == 1, out
    assert sorted((f["path"], f["rule"]) for f in findings) == sorted((rel, "credential") for rel, _b in
                                                                       cases.values()), out
    assert {f["commit"] for f in findings} == {first}


@pytest.mark.parametrize("token", ["sk-or-v1-{hex64}", "nvapi-{a64}", "lsv2_pt_{hex32}_{hex10}", "tfp_{l59}",
                                   "AQVN{a36}", "s-s4t2ud-{hex64}", "sm_pat_{a16}", "dp.st.prd.{a40}"])
def test_token_formats_added_from_the_held_out_set(repo: Path, token: str) -> None:
    value = helpers.plant(token.format(hex64=_hex(64), a64=rand(64), hex32=_hex(32), hex10=_hex(10),
                                       l59=rand(59, "abcdefghijklmnopqrstuvwxyz0123456789"), a36=rand(36),
                                       a16=rand(16), a40=rand(40)))
    _commit(repo, {"ci/settings.yaml": f"provider:\n  endpoint: https://api.lan\n  value: {value}\n"})
    code, findings, out = check(repo, "--all")
    assert code == 1 and [f["rule"] for f in findings] == ["credential"] and value not in out, out
    prefix = value[:value.index("-", 4) + 1] if token.startswith(("sk-or", "s-s4")) else value[:5]
    _commit(repo, {"ci/settings.yaml": f"provider:\n  value: {prefix}...\n"})  # documentation's placeholder
    assert check(repo, "--all")[0] == 0


@pytest.mark.parametrize("body,found", [
    ("licenseKey: {grouped}\n", True),  # a licence key's groups, letters and digits
    ("licenseKey: ABCD-EFGH-IJKL-MNOP\n", False),  # letters only: a placeholder's shape
    ("services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={pw}\n      - POSTGRES_USER=app\n", True),
    ("services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=${{PG_PASSWORD}}\n", False),
])
def test_grouped_licence_keys_and_compose_environment(repo: Path, body: str, found: bool) -> None:
    grouped = helpers.plant("-".join(rand(5, "ABCDEFGHJKLMNPQRSTUVWXYZ") + str(n) for n in range(4)))
    _commit(repo, {"apps/values.yaml": body.format(grouped=grouped, pw=helpers.plant(rand(14)))})
    code, findings, out = check(repo, "--all")
    assert (code == 1 and [f["rule"] for f in findings] == ["credential"]) is found, out


def test_a_template_outside_templates_is_read_with_its_actions_set_aside(repo: Path) -> None:
    """gitleaks's own look-alike: `{{ .Values.Password }}` in a Secret kept beside the manifests. It
    is no finding (nor unscannable); a literal value beside it still is."""
    tpl = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ndata:\n  password: {{ .Values.Password }}\n"
    _commit(repo, {"deploy/secret.yaml": tpl})
    assert check(repo, "--all")[0] == 0
    _commit(repo, {"deploy/secret.yaml": tpl + "  token: " + helpers.plant("aHVudGVyMi1" + rand(12)) + "\n"})
    code, findings, out = check(repo, "--all")
    assert [f["rule"] for f in findings] == ["plaintext-secret"], out
    _commit(repo, {"deploy/secret.yaml": tpl + "  token: [unclosed\n"})  # still broken without the actions
    assert [f["rule"] for f in check(repo, "--all")[1]] == ["unscannable"]


@pytest.mark.parametrize("value,found", [
    ("08643c2c51d3edb363e6633f86749dddddda1a44", True),  # a random key with a run of six: chance, not filler
    ("88c9b1a26bc1a5a000000115c875f9b8333299ce", True),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),  # filler
    ("3f9c2e7b1aZZZZZZZZZZZZZZZZ", False),  # a run that is a third of it or more: filler
])
def test_a_run_of_one_character_is_filler_only_where_it_is_much_of_the_value(repo: Path, value: str,
                                                                               found: bool) -> None:
    _commit(repo, {"apps/imaginary/deployment.yaml": _deployment(
        f"env:\n  - name: HMAC_KEY\n    value: \"{helpers.plant(value)}\"\n", "imaginary")})
    code, findings, out = check(repo, "--all")
    assert ([f["rule"] for f in findings] == ["credential"]) is found, out
