"""Secrets in config files that repositories keep beside their manifests (issue 22, held-out set 2),
and the look-alikes beside them: each rule on both sides.

- found: redis.conf's `requirepass`, a .netrc entry, a connection string's `Password=`, Apprise's
  Pushover URL, a Hetzner Cloud token next to its provider's name;
- left alone: password hashes where a hash is expected (Authelia, htpasswd, Vaultwarden), Ansible
  Vault and OpenPGP ciphertext (Renovate's `encrypted`), public keys by design (Stripe publishable,
  reCAPTCHA site keys), Argo CD's references into its secret, and the placeholders of each format."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand

HEX = "0123456789abcdef"


def _b64(n: int) -> str:
    return base64.b64encode(secrets.token_bytes(n)).decode().rstrip("=")


def _configmap(key: str, body: str) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  " + key + ": |\n"
            + "".join(f"    {line}\n" for line in body.splitlines()))


def _found() -> dict[str, tuple[str, str, str]]:
    """case -> (path, body, the finding's kind)."""
    pw = helpers.plant(rand(20))
    return {
        "redis-conf": ("apps/redis.yaml", _configmap("redis.conf", f"maxmemory 64mb\nrequirepass {pw}\n"),
                       "Redis password"),
        "redis-flag": ("apps/redis-args.yaml", "containers:\n  - name: redis\n    command: [sh, -c]\n    args:\n"
                       f"      - redis-server --appendonly yes --requirepass \"{pw}\"\n", "Redis password"),
        "netrc-lines": ("ci/.netrc", f"machine git.corp.lan\nlogin deploy\npassword {pw}\n", "netrc password"),
        "netrc-one-line": ("ci/netrc.yaml", _configmap(".netrc", f"machine git.corp.lan login ci password {pw}"),
                           "netrc password"),
        "ado-net": ("apps/appsettings.json", json.dumps({"ConnectionStrings": {
            "Default": f"Server=db;Database=app;User Id=app;Password={pw};"}}), "Connection string password"),
        "libpq": ("apps/pg.yaml", _configmap("DSN", f"host=db port=5432 user=app password={pw} dbname=app"),
                  "Connection string password"),
        "pushover-apprise": ("apps/apprise.yaml", _configmap("apprise.yml", "urls:\n  - pover://"
                                                             + helpers.plant(rand(30) + "@" + rand(30))),
                             "Pushover token"),
        "hetzner-tfvars": ("infra/hcloud.tfvars", f'hcloud_token = "{helpers.plant(rand(64))}"\n',
                           "Hetzner Cloud token"),
        "hetzner-env": ("infra/ccm.env", f"HCLOUD_TOKEN={helpers.plant(rand(64))}\n", "Hetzner Cloud token"),
        # in code, a literal password ends at the string's `\n` escape; braces beside it are no format field
        "code-literal": ("tools/gen.py", f'DSN = "host=db user=app password={pw}\\n"\n', "Connection string password"),
        "braces-in-a-password": ("apps/pg.yaml", _configmap("DSN", f"host=db user=app password={{{pw[:6]}}}{pw[6:]}"),
                                 "Connection string password"),
    }


def _left_alone() -> dict[str, tuple[str, str]]:
    """case -> (path, body): what real repositories hold that is no secret."""
    return {
        "redis-placeholders": ("apps/redis.yaml", _configmap("redis.conf", "# requirepass foobared\n"
                                                             "requirepass ${REDIS_PASSWORD}\n")),
        "redis-flag-reference": ("apps/redis-args.yaml", "args:\n  - redis-server --requirepass $(REDIS_PASSWORD)\n"),
        "netrc-reference": ("ci/.netrc", "machine github.com\nlogin x-access-token\npassword $GITHUB_TOKEN\n"),
        "netrc-prose": ("docs/setup.md", "Run the machine learning jobs nightly; the password manager holds "
                                         "the rest.\n"),
        "connection-string-reference": ("apps/appsettings.json", json.dumps({"ConnectionStrings": {
            "Default": "Server=db;Database=app;User Id=app;Password=${DB_PASSWORD};"}})),
        "connection-string-without-password": ("apps/pg.yaml", _configmap("DSN", "host=db port=5432 user=app "
                                                                                 "dbname=app sslmode=require")),
        "pushover-placeholder": ("apps/apprise.yaml", _configmap("apprise.yml", "urls:\n  - pover://{user_key}@{token}")),
        "hetzner-placeholder": ("infra/hcloud.tfvars", 'hcloud_token = "<your-hetzner-token>"\n'),
        "hetzner-ids": ("infra/servers.yaml", "hcloud:\n  location: fsn1\n  image: ubuntu-24.04\n"
                                              f"  sshKeyFingerprint: {':'.join(rand(2, HEX) for _ in range(16))}\n"),
        "argon2-users": ("auth/users_database.yml", "users:\n  jane:\n    displayname: Jane\n"
                         f"    password: \"$argon2id$v=19$m=65536,t=3,p=4${_b64(16)}${_b64(32)}\"\n"),
        "bcrypt-hash": ("apps/weave-gitops.yaml", f"adminUser:\n  username: admin\n  passwordHash: $2a$10${rand(53)}\n"
                                                  f"  password: $2y$12${rand(53)}\n"),
        "htpasswd-apr1": ("apps/htpasswd.yaml", f"auth:\n  password: \"$apr1${rand(8)}${rand(22)}\"\n"
                                                f"  hashedPassword: $6$rounds=5000${rand(16)}${rand(86)}\n"),
        "vaultwarden-admin-hash": ("apps/vaultwarden.yaml", "env:\n  - name: ADMIN_TOKEN\n    value: "
                                   f"'$argon2id$v=19$m=65540,t=3,p=4${_b64(32)}${_b64(32)}'\n"),
        "ansible-vault": ("ansible/group_vars/all.yml", "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n"
                          + "".join(f"  {rand(80, HEX)}\n" for _ in range(3))),
        "renovate-encrypted": ("renovate.json", json.dumps({"hostRules": [{"matchHost": "ghcr.io", "encrypted": {
            "token": "wcFMA/xDdHCJBTolAQ" + _b64(240)}}], "encrypted": {"npmToken": "hQEMA" + _b64(200)}})),
        "stripe-publishable": ("web/frontend.env", f"STRIPE_PUBLISHABLE_KEY=pk_live_{rand(99)}\n"
                                                   f"stripeKey=pk_test_{rand(24)}\n"),
        "site-keys": ("web/captcha.yaml", f"RECAPTCHA_SITE_KEY: 6L{rand(38)}\nturnstileSiteKey: 0x4AAAAAAA{rand(14)}\n"
                                          f"hcaptcha:\n  sitekey: {rand(8, HEX)}-{rand(4, HEX)}-{rand(4, HEX)}-"
                                          f"{rand(4, HEX)}-{rand(12, HEX)}\n"),
        # code that builds such files (format fields, `\n` escapes) and documents that show their shape
        "code-template": ("tools/gen.py", 'DSN = f"Server=db;User Id=app;Password={secret(14)};"\n'
                                          'CONF = f"host = db\\n    password = {PW}\\n"\n'
                                          'REDIS = "requirepass {cfg.redis_password}"\n'),
        "markdown-shapes": ("docs/config.md", "Set `requirepass …` (or `redis-server --requirepass …`), and a\n"
                                               "connection string such as `host=db user=app password=…`.\n"),
        "argocd-references": ("argocd/argocd-cm.yaml", "dex.config: |\n  connectors:\n    - type: github\n"
                              "      config:\n        clientID: Iv1.0123abcd\n"
                              "        clientSecret: $dex.github.clientSecret\n"
                              "oidc.config: |\n  clientSecret: $argocd-oidc:oidc.clientSecret\n"),
    }


def _commit(repo: Path, rel: str, body: str) -> None:
    helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", rel)


@pytest.mark.parametrize("case", sorted(_found()))
def test_config_file_secrets_are_found(repo: Path, case: str) -> None:
    rel, body, kind = _found()[case]
    _commit(repo, rel, body)
    code, findings, out = check(repo, "--all")
    assert code == 1 and [(f["path"], f["rule"]) for f in findings] == [(rel, "credential")], out
    assert kind in out
    for planted in helpers.PLANTED:
        assert planted not in out


@pytest.mark.parametrize("case", sorted(_left_alone()))
def test_config_file_look_alikes_are_left_alone(repo: Path, case: str) -> None:
    rel, body = _left_alone()[case]
    _commit(repo, rel, body)
    code, findings, out = check(repo, "--all")
    assert code == 0 and findings == [], out


@pytest.mark.parametrize("body", [
    "password: {pw}\n",  # a plain password beside the hash shapes is still one
    "env:\n  - name: ADMIN_TOKEN\n    value: {pw}\n",  # a plain Vaultwarden token, not its hash
    "STRIPE_SECRET_KEY: {pw}\n",  # Stripe's secret key beside the publishable one
    "RECAPTCHA_SECRET_KEY: {pw}\n",
    "clientSecret: ${pw}\n",  # `$` and a literal that is no reference's name
    "clientSecret: $Xk9v.{pw}\n",  # dotted like Argo CD's `$dex.github.clientSecret`, but no lowercase name first
])
def test_beside_the_look_alikes_a_secret_is_still_found(repo: Path, body: str) -> None:
    pw = helpers.plant(rand(12) + "4f!" + rand(12))
    if "$Xk9v" in body:  # a reference's characters only
        pw = helpers.plant(rand(10, "abcdefghijklmnopqrstuvwxyz") + "Q7" + rand(10))
    _commit(repo, "apps/values.yaml", body.format(pw=pw))
    code, findings, out = check(repo, "--all")
    assert code == 1 and [f["rule"] for f in findings] == ["credential"] and pw not in out, out


_PATCH = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\npatches:\n"
          "  - target:\n      kind: HelmRelease\n      name: app\n    patch: |\n      - op: replace\n"
          "        path: {path}\n        value: {value}\n")


@pytest.mark.parametrize("name, body", [
    ("kustomization.yaml", _PATCH),  # kustomize's inline patch, a string
    ("patch.yaml", "- op: replace\n  path: {path}\n  value: {value}\n"),  # a patchesJson6902 file
    ("patch.json", '[{{"op": "add", "path": "{path}", "value": "{value}"}}]'),
])
def test_a_json_patch_that_sets_a_password_is_found(repo: Path, name: str, body: str) -> None:
    value = helpers.plant(rand(14))
    helpers.write(repo / "apps/app" / name, body.format(path="/spec/values/auth/password", value=value))
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert code == 1 and [f["rule"] for f in findings] == ["credential"], out
    assert value not in out


@pytest.mark.parametrize("path, value", [
    ("/spec/values/auth/password", "${DB_PASSWORD}"),  # a Flux substitution
    ("/spec/values/auth/existingSecret", "app-secret"),  # the name of a Secret
    ("/spec/replicas", "3"),
    ("/metadata/annotations/passwordless", "true"),
])
def test_a_json_patch_of_anything_else_is_left_alone(repo: Path, path: str, value: str) -> None:
    helpers.write(repo / "apps/app/kustomization.yaml", _PATCH.format(path=path, value=value))
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert code == 0 and findings == [], out


_POLICY = """apiVersion: admissionregistration.k8s.io/v1alpha1
kind: MutatingAdmissionPolicy
metadata:
  name: postgres-certs
spec:
  mutations:
    - jsonPatch:
        expression: |
          [
            JSONPatch{
              op: "add",
              path: "/spec/volumes/-",
              value: Object.spec.volumes{
                name: "postgres-certs",
                secret: {secret}
                  secretName: object.metadata.annotations["cert-secret"],
                  defaultMode: 384
                }}
              }}
            }}
          ]
      patchType: JSONPatch
"""


@pytest.mark.parametrize("value, found", [
    ("Object.spec.volumes.secret{", False),  # CEL (a real repository's admission policy): code, not a value
    ("hunter2.Zq8x{", True),  # a password with a dot and a brace: digits make it no path of words
])
def test_code_in_an_expression_is_no_secret_value(repo: Path, value: str, found: bool) -> None:
    body = _POLICY.replace("{secret}", helpers.plant(value) if found else value).replace("}}", "}")
    helpers.write(repo / "apps/pg/policy.yaml", body)
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert (code == 1 and [f["rule"] for f in findings] == ["credential"]) is found, out


@pytest.mark.parametrize("body, found", [
    ("values:\n  auth:\n    rabbitmqErlangCookie: \"{v}\"\n", True),  # the Bitnami chart's value (a real history's)
    ("env:\n  - name: RABBITMQ_ERLANG_COOKIE\n    value: {v}\n", True),
    ("values:\n  auth:\n    erlangCookie: ${{ERLANG_COOKIE}}\n", False),  # a Flux substitution
    ("values:\n  session:\n    cookieName: _oauth2_proxy\n    cookieSecure: \"true\"\n", False),  # names, flags
    ("values:\n  auth:\n    existingErlangSecret: rabbitmq-cookie\n", False),  # the name of a Secret
])
def test_an_erlang_cookie_is_a_secret_and_other_cookies_are_not(repo: Path, body: str, found: bool) -> None:
    value = helpers.plant(rand(32))
    helpers.write(repo / "apps/mq/helmrelease.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
                  "metadata:\n  name: mq\nspec:\n" + "".join(f"  {line}\n" for line in body.format(v=value).splitlines()))
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert ([f["rule"] for f in findings] == ["credential"]) is found, out
