"""Secrets in the places held-out set 3 showed were not read (issue 22, round 3), and the look-alikes
beside them: each rule on both sides.

- found: HCL (`.tfvars`, `.tf`, `.hcl`, `.nomad`) string literals under secret-like keys; env entries
  written `value:` first; pairs inside a line (`password="…"` in a JAAS line, an inventory's
  `ansible_password=…`), XML elements (`<password>…`), `Key value` config lines with a
  high-entropy value, PHP's `'key' => 'value'`; JSON kept in one string value; `pass` and
  `secret_key_base` keys; HTTP Authorization headers; SQL that sets a password; Proxmox API tokens
  and Honeycomb keys;
- left alone: HCL expressions (`var.x`, `local.x`, `get_env()`), references in each syntax,
  replace-token placeholders (`__X__`, `%X%`), password files of hashes (`user:$7$…`), SQL
  variables and stored hashes, prose of two words, `bypass`/`compass`/`passthrough` keys."""

from __future__ import annotations

import base64
from pathlib import Path

from tests import helpers
from tests.check.conftest import commit_file, nothing_found, place_tests
from tests.check.tokens import rand

HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"


def _uuid() -> str:
    return f"{rand(8, HEX)}-{rand(4, HEX)}-4{rand(3, HEX)}-a{rand(3, HEX)}-{rand(12, HEX)}"


def _configmap(key: str, body: str) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  " + key + ": |\n"
            + "".join(f"    {line}\n" for line in body.splitlines()))


def _env(entries: str) -> str:
    return ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: job\n          image: busybox\n          env:\n"
            + "".join(f"            {line}\n" for line in entries.splitlines()))


def _found() -> dict[str, tuple[str, str]]:
    """case -> (path, body): one secret each, found as `credential`."""
    pw = helpers.plant(rand(10) + "7x" + rand(10))
    hexed = helpers.plant(rand(40, HEX))
    return {
        "tfvars-string": ("infra/prod.tfvars", f'region = "eu-west-1"\nadmin_password = "{pw}"\n'),
        "tfvars-nested-map": ("infra/dns.auto.tfvars", f'provider_cfg = {{\n  name    = "pdns"\n  api_key = "{hexed}"\n}}\n'),
        "tf-provider": ("infra/main.tf", f'provider "grafana" {{\n  url  = "https://grafana.lan"\n  auth = "x"\n'
                                         f'  token = "{pw}"\n}}\n'),
        "hcl-inputs": ("live/prod/terragrunt.hcl", f'inputs = {{\n  db_password = "{pw}"\n}}\n'),
        "nomad-env": ("jobs/web.nomad", f'job "web" {{\n  group "g" {{\n    task "t" {{\n      env {{\n'
                                         f'        API_TOKEN = "{pw}"\n      }}\n    }}\n  }}\n}}\n'),
        "terraformrc": ("ci/.terraformrc", f'credentials "tfe.corp.lan" {{\n  token = "{pw}"\n}}\n'),
        "env-value-first": ("apps/job.yaml", _env(f"- value: {pw}\n  name: GRAFANA_SA_TOKEN")),
        "env-value-first-flow": ("apps/job-flow.yaml", _env("- {value: '" + hexed + "', name: SIGNING_KEY}")),
        "jaas-line": ("apps/client.properties", "sasl.jaas.config=org.apache.kafka.common.security.scram."
                                                f'ScramLoginModule required username="svc" password="{pw}";\n'),
        "inventory-pair": ("ansible/inventory.ini", f"[db]\ndb1 ansible_host=10.1.0.5 ansible_password={pw}\n"),
        "xml-element": ("apps/users.yaml", _configmap("users.xml", f"<users>\n  <app>\n    <password>{pw}</password>\n"
                                                                   "  </app>\n</users>")),
        "xml-attribute": ("apps/server.yaml", _configmap("server.xml", f'<Realm className="x" username="app" '
                                                                       f'password="{pw}" />')),
        "spaced-config": ("apps/msmtp.yaml", _configmap("msmtprc", f"account default\nhost smtp.lan\nuser app\n"
                                                                   f"password {pw}\n")),
        "php-array": ("apps/php.yaml", _configmap("config.php", f"<?php\n$CONFIG = array (\n  'mail_smtppassword' => "
                                                                f"'{pw}',\n);")),
        "json-string-value": ("apps/values.yaml", "config:\n  app.json: '{\"name\": \"x\", \"clientSecret\": \""
                                                  + pw + "\"}'\n"),
        "pass-key": ("backup/rclone.conf", f"[nas]\ntype = smb\nhost = nas.lan\nuser = b\npass = {pw}\n"),
        "pass-suffix": ("apps/.env", f"SMTP_PASS={pw}\n"),
        "secret-key-base": ("apps/rails.env", f"SECRET_KEY_BASE={rand(128, HEX)}\n"),
        "bearer-header-continued": ("ci/deploy.yml", "steps:\n  - run: |\n      curl -X POST https://x.lan/hook \\\n"
                                                     f'        -H "Authorization: Bearer {pw}"\n'),
        "basic-header": ("apps/nginx.yaml", _configmap("nginx.conf", "proxy_set_header Authorization \"Basic "
                                                       + base64.b64encode(f"ops:{pw}".encode()).decode() + "\";")),
        "sql-create-user": ("db/init.yaml", _configmap("init.sql", f"CREATE ROLE grafana WITH LOGIN PASSWORD '{pw}';")),
        "sql-mysql": ("db/init.sql", f"CREATE USER 'app'@'%' IDENTIFIED BY '{pw}';\n"),
        "proxmox-token": ("apps/pve-exporter.yaml", "args:\n  - --pve.auth=" + helpers.plant(
            f"monitor@pve!exporter={_uuid()}") + "\n"),
        "honeycomb-ingest": ("apps/otel.yaml", "exporters:\n  otlp:\n    headers:\n      x-team: "
                             + helpers.plant("hcaik_" + rand(58, LOWER)) + "\n"),
        "pgpass-in-a-configmap": ("db/backup.yaml", _configmap(".pgpass", f"db.lan:5432:*:backup:{pw}\n"
                                                                          "*:*:*:replica:" + helpers.plant(rand(18)))),
        "honeycomb-classic": ("apps/otel2.yaml", "exporters:\n  otlp:\n    headers:\n      x-honeycomb-team: "
                              + helpers.plant(rand(32, HEX)) + "\n"),
    }


def _left_alone() -> dict[str, tuple[str, str]]:
    """case -> (path, body): what real repositories hold beside such secrets."""
    return {
        "tf-expressions": ("infra/main.tf", 'provider "grafana" {\n  auth = var.grafana_token\n}\n'
                                            'resource "x" "y" {\n  password = random_password.db.result\n'
                                            '  api_key  = data.sops_file.s.data["api_key"]\n}\n'),
        "hcl-functions": ("live/terragrunt.hcl", 'inputs = {\n  db_password = get_env("DB_PASSWORD")\n'
                                                 '  api_token   = local.secrets.api_token\n'
                                                 '  secret_key  = "${local.prefix}-${var.env}"\n}\n'),
        "tfvars-placeholders": ("infra/example.tfvars", 'admin_password = "CHANGE_ME"\napi_token = ""\n'
                                                        'ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI'
                                                        + rand(43) + ' me"\n'),
        "terraform-lock": ("infra/.terraform.lock.hcl", 'provider "registry.terraform.io/x/y" {\n  hashes = [\n'
                                                        f'    "h1:{rand(43)}=",\n    "zh:{rand(64, HEX)}",\n  ]\n}}\n'),
        "env-value-first-names": ("apps/job.yaml", _env("- value: /run/secrets/token\n  name: API_TOKEN_FILE\n"
                                                        "- value: grafana-admin\n  name: ADMIN_PASSWORD_SECRET")),
        "jaas-references": ("apps/client.properties", "sasl.jaas.config=x.PlainLoginModule required "
                                                      'username="${USER}" password="${KAFKA_PASSWORD}";\n'),
        "inventory-template": ("ansible/inventory.ini", "[db]\ndb1 ansible_password=\"{{ vault_db_pw }}\"\n"),
        "xml-hash": ("apps/users.yaml", _configmap("users.xml", f"<password_sha256_hex>{rand(64, HEX)}"
                                                                "</password_sha256_hex>\n<password></password>")),
        "alloy-env-call": ("apps/alloy.yaml", _configmap("config.alloy", 'basic_auth {\n  password = env("PW")\n}')),
        "prose-two-words": ("apps/notes.yaml", _configmap("README", "Token authentication\nPassword reset\n"
                                                                    "secret management\n")),
        "bypass-keys": ("apps/values.yaml", "proxy:\n  bypass: internal-service-name\n  compass: northnorthwest12\n"
                                            "  passthrough: tls-passthrough-route\n"),
        "replace-tokens": ("charts/app/values.yaml", "smtp:\n  password: __SMTP_PASSWORD__\n"
                                                     "  apiKey: \"%SMTP_API_KEY%\"\n  token: '#{DeployToken}'\n"),
        "password-file": ("apps/mosquitto.yaml", _configmap("passwd", f"ha:$7$101${rand(16)}==${rand(86)}==\n"
                                                                      f"node:$6$rounds=5000${rand(16)}${rand(86)}")),
        "sql-variable-and-hash": ("db/init.sql", "CREATE ROLE app LOGIN PASSWORD :'app_password';\n"
                                                 f"ALTER ROLE ro PASSWORD 'SCRAM-SHA-256$4096:{rand(24)}==';\n"
                                                 f"ALTER USER old PASSWORD 'md5{rand(32, HEX)}';\n"),
        "sql-in-docs": ("docs/db.md", "1. `ALTER USER \"app\" WITH PASSWORD 'NEWPASSWORD';`\n"
                                      "2. `CREATE USER app IDENTIFIED BY 'your_password';`\n"),
        "authorization-references": ("ci/deploy.yml", 'steps:\n  - run: curl -H "Authorization: Bearer $TOKEN" x\n'
                                                      '  - run: curl -H "Authorization: Bearer ${{ secrets.T }}" x\n'
                                                      "headers:\n  Authorization: Bearer <token>\n"),
        "proxmox-ids": ("infra/pve.tfvars", 'proxmox_api_token_id = "terraform@pve!provider"\n'
                                            'token = "user@pve!token=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"\n'),
        "pgpass-references": ("db/backup.yaml", _configmap(".pgpass", "db.lan:5432:*:backup:${PGPASSWORD}\n"
                                                                      "# host:port:db:user:password")),
        "pgpass-shaped-elsewhere": ("apps/hosts.yaml", _configmap("endpoints", f"db.lan:5432:app:web:{rand(18)}")),
        "json-string-names": ("apps/values.yaml", "config:\n  app.json: '{\"secretName\": \"app-secret\", "
                                                  "\"tokenFile\": \"/run/secrets/t\"}'\n"),
    }


test_secrets_in_these_places_are_found, test_look_alikes_in_these_places_are_left_alone = place_tests(_found, _left_alone)


def test_a_json_value_is_read_as_json_only_when_it_is_json(repo: Path) -> None:
    """A `{…}` string that is not JSON (a Go template, a flow of words) is a value like any other."""
    body = "config:\n  tpl: '{{ .Values.password }}'\n  note: '{\"password\": unquoted}'\n"
    commit_file(repo, "apps/values.yaml", body)
    nothing_found(repo)
