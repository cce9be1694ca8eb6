"""The fifth held-out set (issue 22, round 5): written, and run, before any rule was changed for it.

Its source differs from sets 1 to 4 (written from providers' documented formats and GitOps places):
every row is rebuilt from what users of secret scanners reported in public issue trackers
(gitleaks, betterleaks, TruffleHog, detect-secrets, ggshield, Talisman, tartufo, checkov, shellclear,
semgrep, DevSkim, horusec, deepsecrets…): secrets a scanner missed, in the place, under the key and
in the file type the reporter showed, and look-alikes that scanners flagged and users complained
about. Each row cites its issue in a comment. The reported values are never copied: every secret is
random at run time, deterministic for a seed, in the reported shape. The sops files are made by the
real `sops`, in shapes sets 2 to 4 did not use.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import json
import random
import string

from bench.heldout2 import assemble, encrypt_cases
from bench.heldout3 import _b64, _b64url, _cm, _hr, _indent, _openssh_ed25519, _pem_ec, _uuid, _workload
from bench.heldout4 import _pem_block, _secret_doc
from bench.labelled import HEX, LOW, UP, URLSAFE, A, r

DIG = string.digits
LOWER = string.ascii_lowercase


def _env_map(name: str, env: str) -> str:
    """A HelmRelease whose chart takes an `env:` map (app-template style), as reporters pasted it."""
    return _hr(name, "env:\n" + _indent(env, 2))


def _jwt(claims: dict[str, object]) -> str:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{head}.{body}.{_b64url(32)}"


def _pw(n: int) -> str:
    """A generated password with symbols, as reporters showed them (`dY^5Ke76gdSiF`)."""
    return r(n - 2) + random.choice("^!$%&*#") + r(1, DIG)


def _kubeconfig_json() -> str:
    key = base64.b64encode(_pem_ec().encode()).decode()
    return json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [
        {"name": "prod", "cluster": {"server": "https://10.0.0.10:6443",
                                     "certificate-authority-data": _b64(600)}}],
        "users": [{"name": "admin", "user": {"client-certificate-data": _b64(600), "client-key-data": key}}],
        "contexts": [{"name": "admin@prod", "context": {"cluster": "prod", "user": "admin"}}],
        "current-context": "admin@prod"}, indent=2)


def _gcp_sa() -> str:
    return json.dumps({"type": "service_account", "project_id": "acme-prod", "private_key_id": r(40, HEX),
                       "private_key": _pem_ec(), "client_email": "velero@acme-prod.iam.gserviceaccount.com",
                       "client_id": r(21, DIG), "token_uri": "https://oauth2.googleapis.com/token"}, indent=2)


def tokens() -> list[tuple[str, str, str]]:
    """(case, file name, content): documented token formats a scanner was reported to miss."""
    return [
        # https://github.com/Yelp/detect-secrets/issues/460 (SendGrid key in a DaemonSet's env, not found)
        ("sendgrid-daemonset", "daemonset.yaml",
         _workload("DaemonSet", "daemon-cron", "env:\n  - name: NODE_NAME\n    valueFrom:\n      fieldRef:\n"
                   "        fieldPath: spec.nodeName\n  - name: SENDGRID_API_KEY\n"
                   f"    value: SG.{r(22, URLSAFE)}.{r(43, URLSAFE)}\n  - name: CRON_EXP\n    value: \"@hourly\"")),
        # https://github.com/GitGuardian/ggshield/issues/874 (a Slack bot token in a Python file, not found)
        ("slack-bot-python", "slack_bot.py",
         "from http.server import BaseHTTPRequestHandler, HTTPServer\nimport logging\n\n"
         f"slack_key = \"xoxb-{r(12, DIG)}-{r(13, DIG)}-{r(24)}\"\n"),
        # https://github.com/GitGuardian/ggshield/issues/459 (a Vault token in Ansible vars, not found)
        ("vault-token-ansible", "group_vars/vault.yml",
         f"vault_addr: https://vault.acme.io:8200\nvault_token: hvs.{r(24)}\nvault_kv_mount: kv\n"),
        # https://github.com/GitGuardian/ggshield/issues/314 (an AWS key pair on bare lines, not found)
        ("aws-pair-bare", "aws-notes.txt", f"AKIA{r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n{r(40, A + '+/')}\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/2515 (a fine-grained GitHub PAT in a workflow)
        ("github-fine-grained-workflow", ".github/workflows/sync.yml",
         "name: sync\non: [push]\njobs:\n  sync:\n    runs-on: ubuntu-latest\n    env:\n"
         f"      GH_TOKEN: github_pat_{r(22)}_{r(59)}\n    steps:\n      - run: gh repo sync\n"),
        # https://github.com/gitleaks/gitleaks/issues/1361 (a Groq key as a Spring placeholder's default)
        ("spring-default-groq", "application.yaml",
         "spring:\n  application:\n    name: chat\n  ai:\n    openai:\n"
         f"      api-key: ${{OPENAI_API_KEY:gsk_{r(52)}}}\n      base-url: https://api.groq.com/openai\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4313 (a Dropbox short-lived token without
        # the word "dropbox" near it)
        ("dropbox-short-lived", "backup.env", f"BACKUP_TARGET=remote\nDBX_ACCESS_TOKEN=sl.B{r(135, URLSAFE)}\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/2893 (client-key-data in a JSON kubeconfig,
        # filtered out by a word list)
        ("kubeconfig-json", "kubeconfig.json", _kubeconfig_json()),
        # https://github.com/trufflesecurity/trufflehog/issues/1953 (a UUID-shaped key taken for a false positive)
        ("heroku-uuid", ".env.production", f"HEROKU_APP=acme-api\nHEROKU_API_KEY={_uuid()}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1134 (GitLab's PRIVATE-TOKEN header in a script)
        ("gitlab-private-token-header", "main.sh",
         "#!/bin/bash\nset -e\ncurl --fail --request POST \\\n"
         f"  --header \"PRIVATE-TOKEN: {r(20, URLSAFE)}\" \\\n"
         "  \"https://gitlab.acme.io/api/v4/projects/42/trigger/pipeline\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/2093 (a Bearer token in a request, not found)
        ("bearer-fetch", "web/src/client.js",
         "export async function load() {\n  const res = await fetch('https://api.acme.io/v1/items', {\n"
         f"    headers: {{ Authorization: 'Bearer {r(40, URLSAFE)}' }},\n  }});\n  return res.json();\n}}\n"),
        # https://github.com/rusty-ferris-club/shellclear/issues/64 (Basic credentials in a curl header)
        ("basic-header-curl", "healthcheck.sh",
         "#!/bin/sh\ncurl -fsS -H 'Authorization: Basic "
         + base64.b64encode(f"monitor:{r(16)}".encode()).decode() + "' https://grafana.acme.io/api/health\n"),
        # https://github.com/rusty-ferris-club/shellclear/issues/64 (curl with a user and its password after -u)
        ("curl-user-pass", "scripts/backup.sh",
         "#!/bin/sh\ncurl -fsS -u " + f"backup:{r(18)} -T dump.sql.gz https://dav.acme.io/backups/\n"),
        # https://github.com/Yelp/detect-secrets/issues/458 (an Opsgenie key in a URL's query, not found)
        ("opsgenie-url-apikey", "opsgenie-values.yaml",
         _env_map("cloudwatch-alerts", "OPSGENIE_API_KEY_URL: https://api.opsgenie.com/v1/json/cloudwatch"
                  f"?apiKey={_uuid()}\nREGION: eu-west-1")),
        # https://github.com/trufflesecurity/trufflehog/issues/3919 (test tokens in a README, not found)
        ("github-pat-readme", "README.md",
         f"# infra\n\nCI pushes with the bot's token:\n\n    export GITHUB_TOKEN=ghp_{r(36)}\n"),
        # https://github.com/Yelp/detect-secrets/issues/458 (a Slack webhook in an env map)
        ("slack-webhook-env-map", "alerts-values.yaml",
         _env_map("kube-alerts", f"SLACK_WEBHOOK: https://hooks.slack.com/services/T{r(8, UP)}/B{r(10, UP)}/{r(24)}\n"
                                 "CHANNEL: '#alerts'")),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(case, file name, content): plaintext secrets in places a scanner was reported to miss."""
    return [
        # https://github.com/gitleaks/gitleaks/issues/1140 (a DB password in a YAML file, not found)
        ("spring-datasource-yaml", "application.yml",
         "spring:\n  datasource:\n    url: jdbc:postgresql://db.acme.lan:5432/orders\n    username: orders\n"
         f"    password: {r(14)}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1361 (a Spring placeholder's literal default)
        ("spring-default-password", "application-prod.yaml",
         "spring:\n  datasource:\n    url: jdbc:mysql://mysql:3306/app\n    username: app\n"
         f"    password: ${{DB_PASSWORD:{r(16)}}}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1134 (a Liquibase config's password)
        ("liquibase-password", "liquibase/config/liquibase.uat.yml",
         "url: jdbc:oracle:thin:@db.acme.lan:1521/UAT\nusername: LIQUIBASE\n"
         f"password: {r(12)}\nclasspath: /usr/lib/ojdbc8.jar\n"),
        # https://github.com/thoughtworks/talisman/issues/70 (a lower-case password in YAML, not found)
        ("lowercase-password", "deploy-notify.yaml",
         f"room: deploys@conference.jabber.org\nusername: deploy-bot@jabber.org\npassword: {r(10, LOWER)}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1795 (a password constant in JavaScript)
        ("node-const-password", "backend/server.js",
         "const express = require('express');\nconst app = express();\nconst port = 3000;\n"
         f"const password = \"{r(12)}\"\n"),
        # https://github.com/gitleaks/gitleaks/issues/1319 (appsettings.json connection strings)
        ("appsettings-connstring", "appsettings.Production.json",
         json.dumps({"ConnectionStrings": {"DbConnString": f"secret={r(6, DIG)}&password={r(10)}",
                                           "Password": _pw(20)},
                     "Logging": {"LogLevel": {"Default": "Information"}}}, indent=2)),
        # https://github.com/Yelp/detect-secrets/issues/699 (an Oracle connection string in C#)
        ("oracle-connstring-cs", "src/Db.cs",
         "// Get Connection String\nString oraConnStr = \"Data Source=sis2:1521/dprod.acme.org;User ID=svcacct;"
         f"Password={r(12)};\";\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/3576 (an SQL Server connection string in C#)
        ("sqlserver-connstring-cs", "Program.cs",
         "Console.WriteLine(\"Hello, World!\");\nvar dbConnStr = \"Server=tcp:acme.database.windows.net,1433;"
         f"Database=orders;User ID=mylogin@acme;Password={r(14)};Trusted_Connection=False;Encrypt=True;\";\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/3578 (an sqlserver:// URI's password)
        ("sqlserver-uri", "mssql-config.yaml",
         _cm("reports", f"MSSQL_URL: sqlserver://mylogin%40acme:{r(16)}@acme.database.windows.net:1433"
                        "?database=orders&encrypt=true\n")),
        # https://github.com/Yelp/detect-secrets/issues/458 (env map: a password with symbols)
        ("env-map-password", "app-values.yaml", _env_map("api", f"PASSWORD: {_pw(13)}\nLOG_LEVEL: info")),
        # https://github.com/Yelp/detect-secrets/issues/458 (env map: a 32-character token)
        ("env-map-anodot", "anodot-values.yaml", _env_map("anodot-agent", f"ANODOT_TOKEN: {r(32, LOW)}")),
        # https://github.com/gitleaks/gitleaks/issues/575 (env map: a 40-character token, lower case)
        ("env-map-github-token", "runner-values.yaml",
         _env_map("actions-runner", f"GITHUB_TOKEN: {r(40, LOW)}\nRUNNER_SCOPE: org")),
        # https://github.com/gitleaks/gitleaks/issues/575 (env map: an OAuth client secret)
        ("env-map-okta-secret", "okta-values.yaml",
         _env_map("oauth2-proxy", f"OKTA_CLIENT_ID: {r(20)}\nOKTA_CLIENT_SECRET: {r(40)}")),
        # https://github.com/Yelp/detect-secrets/issues/703 (a Secret's data as a block scalar)
        ("secret-data-block", "foo-secret.yaml",
         "apiVersion: v1\ndata:\n  foo: |\n    " + base64.b64encode(f"token={r(40)}\n".encode()).decode()
         + "\nkind: Secret\nmetadata:\n  name: foo\ntype: Opaque\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/849 (a Kubernetes Secret, not detected)
        ("secret-stringdata-url", "db-secret.yaml",
         _secret_doc("db", f"DATABASE_URL: postgres://app:{r(20)}@postgres.db:5432/app\n")),
        # https://github.com/gitleaks/gitleaks/issues/1513 (a Kubernetes Secret written as JSON)
        ("secret-json", "secret.json",
         json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api", "namespace": "apps"},
                     "type": "Opaque", "data": {"api-key": base64.b64encode(r(32).encode()).decode()}}, indent=2)),
        # https://github.com/IBM/detect-secrets/issues/87 (a .dockerconfigjson Secret)
        ("dockerconfigjson", "regcred.yml",
         "apiVersion: v1\ndata:\n  .dockerconfigjson: " + base64.b64encode(json.dumps({"auths": {"icr.io": {
             "auth": base64.b64encode(f"iamapikey:{r(44, URLSAFE)}".encode()).decode(),
             "username": "iamapikey"}}}).encode()).decode()
         + "\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\n"),
        # https://github.com/UnitOneAI/SecuritySkills/issues/1105 (an encoded service-account JSON in a Secret)
        ("gcp-sa-in-secret", "velero-gcp.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: velero-gcp\n  namespace: velero\ntype: Opaque\ndata:\n"
         f"  cloud: {base64.b64encode(_gcp_sa().encode()).decode()}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1513 (an ExternalSecret's template holding a literal)
        ("externalsecret-template-literal", "externalsecret.yaml",
         "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n"
         "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault\n  target:\n    name: app\n"
         "    template:\n      data:\n        DB_USER: app\n"
         f"        SMTP_PASSWORD: {r(18)}\n        DB_PASSWORD: \"{{{{ .db_password }}}}\"\n"
         "  data:\n    - secretKey: db_password\n      remoteRef:\n        key: apps/db\n        property: password\n"),
        # https://github.com/Yelp/detect-secrets-server/issues/40 (Maven settings.xml <password>)
        ("maven-settings", "settings.xml",
         "<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>deploy</username>\n"
         f"      <password>{r(16)}</password>\n    </server>\n  </servers>\n</settings>\n"),
        # https://github.com/bridgecrewio/checkov/issues/6644 (a word_123 password in local.env)
        ("local-env-weak", "local.env",
         f"SYSTEM_USER: admin\nSYSTEM_PASSWORD: {r(5, LOWER)}_{r(3, DIG)}\n"),
        # https://github.com/GitGuardian/ggshield/issues/531 (password= with a symbol, in a plain file)
        ("passfile", "passfile", f"password={r(8, LOWER)}!{r(4, LOWER)}\n"),
        # https://github.com/GitGuardian/ggshield/issues/1001 (PHP $_ENV assignments)
        ("php-env-array", "config/env.php",
         "<?php\n$_ENV['USER'] = 'token';\n"
         f"$_ENV['PASSWORD'] = '{r(40)}';\n$_ENV['AN_API_TOKEN'] = '{_uuid()}';\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/942 (user:password in an https URL)
        ("helmrepo-url-basic", "helmrepository.yaml",
         "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: internal\n"
         f"  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts:{r(20)}@charts.acme.io/stable\n"),
        # https://github.com/betterleaks/betterleaks/issues/261 (a pwgen password holding a stopword)
        ("pwgen-stopword", "chart-values.yaml",
         f"auth:\n  username: admin\n  password: {r(25)}hook{r(31)}\n"),
        # https://github.com/Yelp/detect-secrets/issues/12 (an unquoted INI value)
        ("ini-unquoted-secret", "credentials.ini",
         f"[credentials]\nadmin_user = ops\nadmin_secret = {r(32)}\n"),
        # https://github.com/godaddy/tartufo/issues/413 (a 26-character random value, ignored)
        ("random-26", ".env", f"APP_ENV=production\nSESSION_SECRET={r(26)}\n"),
        # https://github.com/bridgecrewio/checkov/issues/3658 (a quoted SECRET_KEY in a .env file)
        ("dotenv-quoted-secret-key", "web/.env", f"S3_BUCKET=\"acme-assets\"\nSECRET_KEY=\"{r(50, A + '-_')}\"\n"),
        # https://github.com/Yelp/detect-secrets/issues/458 (env map: a Slack bot token, found by no Slack rule)
        ("env-map-slack-bot", "slack-values.yaml",
         _env_map("kube-alerts", f"SLACK_API_KEY: xoxb-{r(10, DIG)}-{r(13, DIG)}-{r(24)}")),
        # https://github.com/godaddy/tartufo/issues/413 (a pronounceable generated password, ignored)
        ("pronounceable-password", "mqtt-values.yaml",
         _hr("mosquitto", "auth:\n  username: homeassistant\n  password: "
             + "".join(random.choice("bcdfghjklmnprstvz") + random.choice("aeiou") for _ in range(13)))),
        # https://github.com/Yelp/detect-secrets/issues/276 (an OAuth token response committed as JSON)
        ("oauth-token-json", "token.json",
         json.dumps({"access_token": r(40, URLSAFE), "refresh_token": r(16, LOW), "id_token": r(21, LOW),
                     "token_type": "Bearer", "expires_in": 3600}, indent=1)),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what scanners were reported to flag wrongly."""
    cert = base64.b64encode(_pem_block("CERTIFICATE", 12).encode()).decode()
    return [
        # https://github.com/gitleaks/gitleaks/issues/1728 (a SealedSecret's encryptedData)
        ("sealed-secret", "basic-auth-sealed.yaml",
         "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: basic-auth\n  namespace: default\n"
         f"spec:\n  encryptedData:\n    password: Ag{_b64(360)}\n    user: Ag{_b64(300)}\n"
         "  template:\n    metadata:\n      name: basic-auth\n      namespace: default\n"),
        # https://github.com/gitleaks/gitleaks/pull/760 (apiVersion taken for a key)
        ("api-versions", "apiservice.yaml",
         "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1beta1.metrics.k8s.io\n"
         "spec:\n  group: metrics.k8s.io\n  version: v1beta1\n  groupPriorityMinimum: 100\n  versionPriority: 100\n"
         "  service:\n    name: metrics-server\n    namespace: kube-system\n"),
        # https://github.com/gitleaks/gitleaks/issues/850 (RBAC apiGroup)
        ("rbac", "traefik-rbac.yml",
         "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: traefik\n"
         "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: traefik\nsubjects:\n"
         "  - kind: ServiceAccount\n    name: traefik\n    namespace: kube-system\n"),
        # https://github.com/gitleaks/gitleaks/issues/1321 (a Jenkins Vault plugin's vaultKey names)
        ("jenkins-vault-keys", "jenkins/deploy.jenkinsfile",
         "def secrets = [\n  [path: \"vault-settings/approle/jenkins\", secretValues: [\n"
         "    [envVar: 'TF_VAR_APPROLEID', vaultKey: 'inf-role-id'],\n"
         "    [envVar: 'TF_VAR_APPROLESECRETID', vaultKey: 'inf-vsqt-01-secret-id']\n  ]],\n]\n"
         "def configuration = [vaultUrl: \"https://vault.acme.io\", vaultCredentialId: \"approle-jenkins\"]\n"),
        # https://github.com/gitleaks/gitleaks/issues/1508 (an ExternalSecret: references and a template)
        ("externalsecret-refs", "externalsecret-refs.yaml",
         "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n"
         "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword\n  target:\n    template:\n"
         "      data:\n        config.yaml: |\n          password: \"{{ .password }}\"\n"
         "          token: '{{ .token }}'\n"
         "  data:\n    - secretKey: password\n      remoteRef:\n        key: app\n        property: password\n"
         "    - secretKey: token\n      remoteRef:\n        key: app\n        property: api-token\n"),
        # https://github.com/gitleaks/gitleaks/issues/1219 (a 32-hex ID under an *Id key)
        ("tokenization-id", "src/payment.ts",
         f"export const config = {{\n  tokenizationId: '{r(32, HEX)}',\n  currency: 'EUR',\n}};\n"),
        # https://github.com/gitleaks/gitleaks/issues/1857 (a setting that names the variable holding a key)
        ("env-var-names", "config.toml",
         "[llm]\nprovider = \"openai\"\napi_key_env = \"MY_SECRET1\"\n\n[search]\ntoken_env = \"SEARCH_API_TOKEN\"\n"),
        # https://github.com/gitleaks/gitleaks/issues/366 and /394 (go.sum hashes)
        ("go-sum", "tools/go.sum",
         "".join(f"github.com/{m} v1.{n}.0 h1:{_b64(32)}\ngithub.com/{m} v1.{n}.0/go.mod h1:{_b64(32)}\n"
                 for n, m in enumerate(("aws/aws-sdk-go", "fluxcd/pkg/apis", "go-logr/stdr", "linkedin/goavro")))),
        # https://github.com/gitleaks/gitleaks/issues/781 (a go.sum hash holding an Alibaba-like run)
        ("go-sum-ltai", "go.sum",
         f"github.com/go-logr/stdr v1.2.2 h1:{r(10, A + '+/')}LTAI{r(20)}{r(9, A + '+/')}=\n"
         f"github.com/go-logr/stdr v1.2.2/go.mod h1:{_b64(32)}\n"),
        # https://github.com/gitleaks/gitleaks/issues/1832 (Vault annotations and policy words in Terraform)
        ("terraform-vault-annotations", "main.tf",
         'resource "kubernetes_deployment" "ingest" {\n  metadata {\n    annotations = {\n'
         '      "vault.hashicorp.com/agent-inject-secret-ingest.json" = "kv/ops/ingest"\n    }\n  }\n}\n\n'
         'resource "vault_password_policy" "ops" {\n  name = "ops"\n  password_policy = "excellent"\n}\n'),
        # https://github.com/gitleaks/gitleaks/issues/1111 (gradle.lockfile)
        ("gradle-lockfile", "api-service/gradle.lockfile",
         "# This is a Gradle generated file for dependency locking.\n"
         "org.slf4j:slf4j-api:2.0.6=default\norg.springframework:spring-core:6.0.4=compileClasspath\nempty=\n"),
        # https://github.com/gitleaks/gitleaks/issues/575 (commands, getenv and test values under secret keys)
        ("env-commands", "ci-values.yaml",
         "env:\n  PASSWORD: test\n  OPSGENIE_API_KEY_URL: https://api.opsgenie.com/v1/json/cloudwatch?apiKey=test\n"
         "  ANODOT_TOKEN: $(echo $ASSUME_ROLE_OUTPUT | jq -r .Credentials.SessionToken)\n"
         "  GITHUB_TOKEN: os.getenv('AWS_SECRET_ACCESS_KEY')\n"),
        # https://github.com/gitleaks/gitleaks/pull/1484 (kubeadm's documented example bootstrap token)
        ("kubeadm-example-token", "kubeadm-config.yaml",
         "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nbootstrapTokens:\n"
         "  - token: abcdef.0123456789abcdef\n    ttl: 24h0m0s\n    usages: [signing, authentication]\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (a placeholder of one repeated digit)
        ("datadog-placeholder", "datadog-vars.yaml", "vars:\n  datadog_api_key: \"" + "1" * 32 + "\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (a CA bundle in a SecretStore)
        ("ca-bundle", "clustersecretstore.yaml",
         "apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata:\n  name: vault\nspec:\n"
         "  provider:\n    vault:\n      server: https://vault.acme.io:8200\n      path: kv\n      version: v2\n"
         f"      caBundle: {cert}\n      auth:\n        kubernetes:\n          mountPath: kubernetes\n"
         "          role: external-secrets\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (URL-encoded service names in links)
        ("datadog-links", "catalog-info.yaml",
         "links:\n  - icon: dashboard\n    title: APM\n    type: datadog\n"
         "    url: https://app.datadoghq.com/apm/entity/service%3Agrp-merchant-merchant-service-asia\n"
         "  - icon: dashboard\n    title: Logs\n    type: datadog\n"
         "    url: https://app.datadoghq.com/logs?query=service%3Agrp-merchant-merchant-service-asia\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (go.sum lines quoted in YAML comments)
        ("go-sum-comment", "datadog-agent.yaml",
         "# pinned by the tracer:\n"
         f"# gopkg.in/DataDog/dd-trace-go.v1 v1.53.0 h1:{_b64(32)}\n"
         f"# github.com/DataDog/datadog-go/v5 v5.1.1 h1:{_b64(32)}\n"
         "datadog:\n  site: datadoghq.eu\n  apiKeyExistingSecret: datadog-keys\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/1772 (a camelCase word)
        ("camel-case-word", "servicebus-values.yaml",
         _hr("servicebus-exporter", "azure:\n  existingSubscription: platform-prod\n  useExistingSecret: true")),
        # https://github.com/Yelp/detect-secrets/issues/443 (an image digest in a Dockerfile)
        ("dockerfile-digest", "Dockerfile",
         f"FROM alpine@sha256:{r(64, HEX)}\nRUN apk add --no-cache ca-certificates\nCOPY app /app\n"),
        # https://github.com/Yelp/detect-secrets/issues/250 (UUIDs that are IDs)
        ("workload-identity-uuids", "serviceaccount.yaml",
         "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: external-dns\n  annotations:\n"
         f"    azure.workload.identity/client-id: {_uuid()}\n    azure.workload.identity/tenant-id: {_uuid()}\n"),
        # https://github.com/IBM/detect-secrets/issues/146 (SRI integrity attributes in HTML)
        ("sri-integrity", "status-page.yaml",
         _cm("status-page", "index.html: |\n  <!doctype html>\n  <html><head>\n"
                            "  <link rel=\"stylesheet\" href=\"https://cdn.jsdelivr.net/npm/bulma@1.0.2/css/bulma.min.css\"\n"
                            f"        integrity=\"sha384-{_b64(48)}\" crossorigin=\"anonymous\">\n"
                            "  <script src=\"https://cdn.jsdelivr.net/npm/htmx.org@2.0.3\"\n"
                            f"          integrity=\"sha384-{_b64(48)}\" crossorigin=\"anonymous\"></script>\n"
                            "  </head><body></body></html>\n")),
        # https://github.com/semgrep/semgrep/issues/5728 (package-lock.json integrity)
        ("package-lock", "web/package-lock.json",
         json.dumps({"name": "web", "lockfileVersion": 3, "packages": {
             f"node_modules/{p}": {"version": "1.2.3",
                                   "resolved": f"https://registry.npmjs.org/{p}/-/{p}-1.2.3.tgz",
                                   "integrity": f"sha512-{_b64(64)}"}
             for p in ("left-pad", "ms", "debug")}}, indent=2)),
        # https://github.com/semgrep/semgrep-rules/issues/2959 (a yarn.lock hash starting "AP")
        ("yarn-lock-ap", "yarn.lock",
         "# yarn lockfile v1\n\n\"ms@^2.1.1\":\n  version \"2.1.3\"\n"
         "  resolved \"https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz\"\n"
         f"  integrity sha512-AP{r(83, A + '+/')}==\n"),
        # https://github.com/semgrep/semgrep-rules/issues/1178 (an npm-shrinkwrap hash starting "AP")
        ("shrinkwrap-ap", "npm-shrinkwrap.json",
         json.dumps({"lockfileVersion": 3, "packages": {"node_modules/debug": {
             "version": "4.3.7", "integrity": f"sha512-AP{r(84, A + '+/')}=="}}}, indent=2)),
        # https://github.com/microsoft/DevSkim/issues/546 (sha1 integrity and md5 package names)
        ("package-lock-sha1", "package-lock.json",
         json.dumps({"lockfileVersion": 1, "dependencies": {
             "md5": {"version": "2.3.0", "integrity": "sha1-" + _b64(20), "requires": {"md5.js": "^1.3.4"}},
             "ripemd160": {"version": "2.0.2", "integrity": "sha1-" + _b64(20)}}}, indent=2)),
        # https://github.com/ShiftLeftSecurity/sast-scan/pull/305 (Terraform's lock file)
        ("terraform-lock", ".terraform.lock.hcl",
         'provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.31.0"\n  hashes = [\n'
         + "".join(f'    "h1:{_b64(32)}",\n' for _ in range(2))
         + "".join(f'    "zh:{r(64, HEX)}",\n' for _ in range(3)) + "  ]\n}\n"),
        # https://github.com/tankpkg/tank/pull/406 (deno.lock)
        ("deno-lock", "deno.lock",
         json.dumps({"version": "4", "specifiers": {"jsr:@std/path@1": "1.0.8"},
                     "jsr": {"@std/path@1.0.8": {"integrity": r(64, HEX)}},
                     "remote": {"https://deno.land/std@0.224.0/fmt/colors.ts": r(64, HEX)}}, indent=2)),
        # https://github.com/microsoft/vscode-vsce/issues/1168 (an SPDX manifest's checksums)
        ("spdx-manifest", "_manifest/spdx_2.2/manifest.spdx.json",
         json.dumps({"spdxVersion": "SPDX-2.2", "files": [
             {"fileName": "./extension.js", "checksums": [{"algorithm": "SHA256", "checksumValue": r(64, HEX)},
                                                          {"algorithm": "SHA1", "checksumValue": r(40, HEX)}]}]},
                    indent=2)),
        # https://github.com/onedr0p/sops-pre-commit/issues/24 (a Secret of substitution variables)
        ("cluster-secrets-template", "tmpl/cluster/cluster-secrets.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n    name: cluster-secrets\n    namespace: flux-system\n"
         "stringData:\n    SECRET_DOMAIN: ${BOOTSTRAP_CLOUDFLARE_DOMAIN}\n"
         "    SECRET_CLOUDFLARE_EMAIL: ${BOOTSTRAP_CLOUDFLARE_EMAIL}\n"
         "    SECRET_PILOT_TOKEN: ${BOOTSTRAP_TRAEFIK_PILOT_TOKEN}\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/209 (a URL of ${username}:${password})
        ("url-template-creds", "mirror.sh",
         "#!/bin/sh\ngit clone \"https://${username}:${password}@git.acme.io/acme/infra.git\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/894 (a URL whose password is a shell variable)
        ("url-shell-var", "publish.sh",
         "#!/bin/sh\ncurl -T chart.tgz https://ci_user:$NEXUS_PASSWORD@nexus.acme.io/repository/helm/\n"),
        # https://github.com/trufflesecurity/trufflehog/pull/1489 (a URL-encoded redacted password)
        ("url-redacted", "docs/connection.md",
         "The operator logs the URL redacted:\n\n    postgres://app:%2A%2A%2A%2A%2A%2A%2A%2A@db.acme.lan:5432/app\n"),
        # https://github.com/ntoskernel/deepsecrets/issues/4 (an @ in a URL's path)
        ("url-at-path", "verdaccio-values.yaml",
         _hr("storybook", "env:\n  REGISTRY_URL: http://localhost:3001/@acme/ui/-/ui-1.4.0.tgz")),
        # https://github.com/trufflesecurity/trufflehog/issues/4364 (a GitHub zipball URL)
        ("github-zipball", "composer-repo.json",
         json.dumps({"type": "package", "package": {"name": "acme/theme", "version": "1.2.0", "dist": {
             "type": "zip", "url": f"https://api.github.com/repos/acme/theme/zipball/{r(40, HEX)}"}}}, indent=2)),
        # https://github.com/Yelp/detect-secrets/issues/693 (long identifiers)
        ("long-identifiers", "workflow.json",
         json.dumps({"steps": ["callFunctionCheckIfDataAlreadyExistsPerpetualSubinventory",
                               "recallNoticesRecallBusinessUnits-validation-group-1297083594-1",
                               "assignVariablesOjTabBar1482653721SelectedItem"]}, indent=2)),
        # https://github.com/Yelp/detect-secrets/issues/266 (*_FILE variables naming secret files)
        ("password-file-vars", "xbrowsersync.yaml",
         "services:\n  db:\n    image: mongo:7\n    environment:\n"
         "      - \"MONGO_INITDB_ROOT_PASSWORD_FILE=/run/secrets/db_password\"\n"
         "      - \"MONGO_INITDB_ROOT_USERNAME_FILE=/run/secrets/db_username\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/3886 (a URI without a password)
        ("uri-no-password", "app-config.yaml",
         _cm("app", "DATABASE_URL: postgres://app@postgres.db:5432/app?sslmode=require\n"
                    "REDIS_URL: redis://redis.cache:6379/0\n")),
        # https://github.com/asamassekou10/ship-safe/pull/154 (Supabase's public anon key)
        ("supabase-anon", "web/.env.production",
         f"NEXT_PUBLIC_SUPABASE_URL=https://{r(20, LOW)}.supabase.co\nNEXT_PUBLIC_SUPABASE_ANON_KEY="
         + _jwt({"iss": "supabase", "ref": r(20, LOW), "role": "anon", "iat": 1700000000, "exp": 2015576000})
         + "\n"),
        # https://github.com/Yelp/detect-secrets/issues/595 (secret names, not values)
        ("secret-names", "ingress-auth.yaml",
         "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n"
         "    nginx.ingress.kubernetes.io/auth-type: basic\n"
         "    nginx.ingress.kubernetes.io/auth-secret: app-basic-auth\n"
         "spec:\n  tls:\n    - hosts: [app.acme.io]\n      secretName: app-tls-cert\n"),
        # https://github.com/bridgecrewio/checkov/issues/4815 (a secret's path in a store)
        ("secret-store-path", "app-values.yaml",
         _hr("app", "secrets:\n  databasePassword:\n    path: kv/prod/app/database\n    key: password\n")),
        # https://github.com/UnitOneAI/SecuritySkills/issues/1105 (a Sentry DSN, public by design)
        ("sentry-dsn", "sentry-values.yaml",
         _env_map("web", f"SENTRY_DSN: https://{r(32, HEX)}@o{r(6, DIG)}.ingest.sentry.io/{r(7, DIG)}")),
        # https://github.com/bridgecrewio/checkov/issues/3658 (a dotenv example's placeholders)
        ("dotenv-example", ".env.example", "S3_BUCKET=\"YOURS3BUCKET\"\nSECRET_KEY=\"YOURSECRETKEYGOESHERE\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/3919 (a sequential test token)
        ("sequential-token", "docs/testing.md",
         "Use a fake token in tests:\n\n    GITHUB_TOKEN=ghp_" + "1234567890" * 3 + "abcdef\n"),
        # https://github.com/gitleaks/gitleaks/pull/1484 (Go code taken for a Vault token)
        ("go-code", "tools/options.go",
         "package tools\n\nfunc (s *ServerRunOptions) Flags() {\n\ts.ComponentGlobalsRegistry.AddFlags(fs)\n"
         "\tfs.IntVar(&s.MaxConnectionBytesPerSec, \"max-connection-bytes-per-sec\", 0, \"\")\n}\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (checksums; here a Chart.lock digest)
        ("chart-lock", "charts/app/Chart.lock",
         "dependencies:\n- name: postgresql\n  repository: oci://registry-1.docker.io/bitnamicharts\n"
         f"  version: 15.5.38\ndigest: sha256:{r(64, HEX)}\ngenerated: \"2024-09-01T10:00:00.000000+00:00\"\n"),
        # https://github.com/trufflesecurity/trufflehog/issues/4631 (checksums; here a Helm repository index)
        ("helm-index", "charts/index.yaml",
         "apiVersion: v1\nentries:\n  app:\n  - apiVersion: v2\n    appVersion: 1.3.37\n"
         f"    created: \"2025-11-28T12:00:00.000000+00:00\"\n    digest: {r(64, HEX)}\n    name: app\n"
         "    urls:\n    - https://acme.github.io/charts/app-1.3.37.tgz\n    version: 1.3.37\n"),
    ]


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): sops files made by the real sops, in shapes sets 2 to 4 did not use
    (a SopsSecret resource, a TLS Secret's `data`, a HelmRelease with keys chosen by name, YAML anchors,
    a users file, a JSON kubeconfig, nested JSON arrays, binary tfvars and an SSH key, typed YAML)."""
    import pyrage

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    # https://github.com/gitleaks/gitleaks/issues/1508 (SopsSecret resources flagged)
    sops_secret = ("apiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata:\n  name: app\nspec:\n"
                   "  secretTemplates:\n    - name: app\n      stringData:\n"
                   f"        password: {r(20)}\n        token: {r(40)}\n")
    # https://github.com/trufflesecurity/trufflehog/issues/4631 (SOPS-encrypted data flagged)
    tls = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: wildcard-tls\ntype: kubernetes.io/tls\ndata:\n"
           f"  tls.crt: {base64.b64encode(_pem_block('CERTIFICATE', 10).encode()).decode()}\n"
           f"  tls.key: {base64.b64encode(_pem_ec().encode()).decode()}\n")
    helmrelease = _hr("authentik", f"authentik:\n  secret_key: {r(50)}\n  postgresql:\n    password: {r(20)}\n"
                                   "  log_level: info\nserver:\n  replicas: 2")
    anchors = (f"defaults: &db\n  host: postgres.db\n  port: 5432\n  password: {r(18)}\n"
               "orders:\n  <<: *db\n  name: orders\nbilling:\n  <<: *db\n  name: billing\n")
    users = ("users:\n" + "".join(f"  {u}:\n    displayname: {u.title()}\n    password: {r(24)}\n"
                                  f"    email: {u}@acme.io\n" for u in ("alice", "bob")))
    datasources = json.dumps({"apiVersion": 1, "datasources": [
        {"name": "influx", "type": "influxdb", "secureJsonData": {"token": r(86, URLSAFE)}},
        {"name": "pg", "type": "postgres", "secureJsonData": {"password": r(20)}, "jsonData": {"sslmode": "require"}}]},
        indent=2)
    typed = (f"enabled: true\nreplicas: 3\nratio: 0.25\nempty: null\nadmin:\n  password: {r(16)}\n  "
             f"apiKeys:\n    - {r(32)}\n    - {r(32)}\n")
    cases = [
        ("sopssecret", "app.sops.yaml", sops_secret, ["--encrypted-regex", "^(data|stringData)$"]),
        ("tls-data", "wildcard-tls.sops.yaml", tls, ["--encrypted-regex", "^(data|stringData)$"]),
        ("helmrelease-keys", "authentik.sops.yaml", helmrelease,
         ["--encrypted-regex", "^(secret_key|password)$"]),
        ("yaml-anchors", "databases.sops.yaml", anchors, ["--encrypted-regex", "^password$"]),
        ("users-file", "users_database.sops.yml", users, ["--encrypted-regex", "^password$"]),
        ("kubeconfig-json", "kubeconfig.sops.json", _kubeconfig_json(),
         ["--input-type", "json", "--output-type", "json"]),
        ("datasources-json", "datasources.sops.json", datasources,
         ["--input-type", "json", "--output-type", "json", "--encrypted-regex", "^secureJsonData$"]),
        ("binary-tfvars", "secrets.tfvars.sops",
         f'hcloud_token = "{r(64)}"\ncloudflare_api_token = "{r(40, URLSAFE)}"\n',
         ["--input-type", "binary", "--output-type", "binary"]),
        ("binary-ssh-key", "id_ed25519.sops", _openssh_ed25519(),
         ["--input-type", "binary", "--output-type", "binary"]),
        ("typed-yaml", "values.sops.yaml", typed, []),
    ]
    return encrypt_cases(binary, cases, recipient)


def rows(seed: int = 51) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)

