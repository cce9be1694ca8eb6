"""The third held-out set (issue 22, round 3): written, and run, before any rule was changed for it.

New against sets 1 and 2: token formats from providers' public documentation that neither set holds
(GitHub user-to-server, PlanetScale, Notion, Figma, Netlify, Render, Pinecone, Sourcegraph,
Buildkite, Sentry org tokens, Cloudflare origin CA keys, 1Password service accounts, Artifactory,
Mapbox, Shopify custom apps, Octopus, Tailscale API keys, Doppler service accounts, GitLab trigger
tokens, crates.io, Honeycomb ingest keys, InfluxDB, Proxmox, Bitwarden Secrets Manager…), each in a
place the earlier sets did not use (GitHub workflows, Terraform `.tfvars`/`.tf`, Terragrunt and
Nomad `.hcl`, `.terraformrc`, Alloy, Fluent Bit, Telegraf, rclone, Kafka JAAS, PHP, XML, SQL,
pgpass, Ansible inventories, Argo CD and Tekton parameters, env entries written value-first);
look-alikes that real repositories hold (Terraform references and lock files, workflow `${{ }}`
expressions, KMS key ARNs, secret-manager CRDs with IDs, hashes where a hash is expected, public
keys, placeholders of each syntax); and sops files made by the real `sops` in every store, in
shapes set 2 did not use. No literal credential is stored: every secret is random at run time,
deterministic for a seed.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid

from bench.heldout2 import assemble, encrypt_cases
from bench.labelled import B64, HEX, LOW, UP, URLSAFE, A, r

DIG = string.digits
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _uuid() -> str:
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def _b64(n: int) -> str:
    return base64.b64encode(random.randbytes(n)).decode()


def _b64url(n: int) -> str:
    return base64.urlsafe_b64encode(random.randbytes(n)).decode().rstrip("=")


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" if line else "\n" for line in text.splitlines())


def _cm(name: str, data: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: apps\ndata:\n" + _indent(data, 2)


def _hr(name: str, values: str) -> str:
    return (
        f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: {name}\n"
        f"spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: {name}\n      version: 1.9.3\n"
        f"      sourceRef:\n        kind: HelmRepository\n        name: {name}\n        namespace: flux-system\n"
        "  values:\n" + _indent(values, 4)
    )


def _workload(kind: str, name: str, container: str) -> str:
    """A StatefulSet, DaemonSet or CronJob (set 2 used Deployments) with one container."""
    pod = (f"spec:\n  containers:\n    - name: {name}\n      image: docker.io/acme/{name}:2.3.1\n"
           + _indent(container, 6))
    if kind == "CronJob":
        body = ("spec:\n  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n"
                + _indent(pod.replace("spec:\n", "spec:\n  restartPolicy: OnFailure\n", 1), 8))
        api = "batch/v1"
    else:
        body = (f"spec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n"
                f"    metadata:\n      labels:\n        app: {name}\n" + _indent(pod, 4))
        api = "apps/v1"
    return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n" + body


def _workflow(steps: str, env: str = "") -> str:
    head = "name: release\non:\n  push:\n    branches: [main]\n"
    if env:
        head += "env:\n" + _indent(env, 2)
    return head + "jobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n" + _indent(steps, 6)


def _pem_ec() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.derive_private_key(random.getrandbits(380), ec.SECP384R1())  # from the seed
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _openssh_ed25519() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.from_private_bytes(random.randbytes(32))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption()).decode()


def tokens() -> list[tuple[str, str, str]]:
    """(format, file name, content): one documented format each, in a place sets 1 and 2 did not use."""
    return [
        ("github-user-to-server", "release.yml",
         _workflow("- uses: actions/checkout@v4\n- run: gh release create v1.0.0\n  env:\n"
                   f"    GH_TOKEN: ghu_{r(36)}")),
        ("gitlab-trigger", "trigger-cronjob.yaml",
         _workload("CronJob", "trigger", "command: [curl, -X, POST, --fail]\nargs:\n"
                                     f"  - -F\n  - token=glptt-{r(40, HEX)}\n  - -F\n  - ref=main\n"
                                     "  - https://gitlab.acme.io/api/v4/projects/42/trigger/pipeline")),
        ("planetscale", "planetscale.env",
         f"DATABASE_HOST=aws.connect.psdb.cloud\nDATABASE_USERNAME={r(12, LOW)}\n"
         f"DATABASE_PASSWORD=pscale_pw_{r(43, URLSAFE)}\n"),
        ("notion", "compose.yml",
         "services:\n  notion-sync:\n    image: acme/notion-sync:1.2\n    environment:\n"
         f"      - NOTION_INTEGRATION=ntn_{r(11, DIG)}{r(35)}\n      - SYNC_INTERVAL=15m\n"),
        ("figma", "design-tokens.yml",
         _workflow("- uses: actions/checkout@v4\n- name: export tokens\n"
                   f"  run: npx figma-export --file ABC123 --token figd_{r(40, URLSAFE)}")),
        ("netlify", "deploy.yml",
         _workflow("- run: npx netlify-cli deploy --prod --dir dist",
                   f"NETLIFY_SITE_ID: {_uuid()}\nNETLIFY_AUTH: nfp_{r(36)}")),
        ("render", "render.tfvars", f'render_owner = "tea-{r(20, LOW)}"\nrender_api = "rnd_{r(32)}"\n'),
        ("pinecone", "rag-values.yaml",
         _hr("rag", f"vectorStore:\n  provider: pinecone\n  index: docs\n  pinecone: pcsk_{r(5, A)}_{r(60, A + '_')}")),
        ("sourcegraph", "src-cli.yaml", _cm("src", f"SRC_ENDPOINT: https://sourcegraph.acme.io\n"
                                                   f"SRC_ACCESS: sgp_{r(16, HEX)}_{r(40, HEX)}\n")),
        ("buildkite", "buildkite.json",
         json.dumps({"org": "acme", "pipelines": ["infra"], "graphql": {"bearer": f"bkua_{r(40, HEX)}"}}, indent=2)),
        ("sentry-org", ".sentryclirc", f"[defaults]\norg = acme\nproject = web\n\n[auth]\n"
                                       f"token = sntrys_eyJ{_b64(60).rstrip('=')}_{r(43, A)}\n"),
        ("cloudflare-origin-ca", "origin-issuer.toml",
         f'[issuer]\nzone = "acme.io"\nservice = "v1.0-{r(24, HEX)}-{r(146, HEX)}"\n'),
        ("onepassword-sa", "op-sync.yaml",
         _workload("StatefulSet", "op-sync", "env:\n  - name: OP_SERVICE_ACCOUNT\n    value: ops_eyJ"
                   + _b64(300).rstrip("="))),
        ("artifactory", "gradle.properties",
         f"org.gradle.jvmargs=-Xmx2g\nartifactoryUser=ci\nartifactoryApi=AKCp{r(69)}\n"),
        ("mapbox", "maps.env",
         f"MAP_STYLE=mapbox://styles/acme/ckx\nMAPBOX_DOWNLOADS=sk.eyJ1{r(58, URLSAFE)}.{r(22, URLSAFE)}\n"),
        ("shopify-custom-app", "shop.json", json.dumps({"shop": "acme.myshopify.com", "admin": f"shpca_{r(32, HEX)}"})),
        ("octopus", "octopus.tfvars", f'octopus_server = "https://deploy.acme.io"\noctopus_api = "API-{r(26, UP)}"\n'),
        ("tailscale-api", "tailscale.hcl",
         f'provider "tailscale" {{\n  api_key = "tskey-api-{r(12)}-{r(30)}"\n  tailnet = "acme.org"\n}}\n'),
        ("doppler-sa", "doppler-values.yaml",
         _hr("doppler-operator", f"serviceAccount:\n  create: true\nbootstrap:\n  dopplerAuth: dp.sa.{r(43)}")),
        ("crates-io", "credentials.toml", f'[registry]\ntoken = "cio{r(32)}"\n'),
        ("honeycomb-ingest", "otel-values.yaml",
         _hr("opentelemetry-collector",
             "config:\n  exporters:\n    otlp/honeycomb:\n      endpoint: api.honeycomb.io:443\n"
             f"      headers:\n        x-honeycomb-team: hcaik_01{r(56, LOW)}")),
        ("influxdb", "telegraf.conf",
         '[agent]\n  interval = "10s"\n\n[[outputs.influxdb_v2]]\n  urls = ["http://influxdb:8086"]\n'
         f'  token = "{r(86, URLSAFE)}=="\n  organization = "acme"\n  bucket = "metrics"\n'),
        ("proxmox-api-token", "proxmox.tfvars",
         f'proxmox_endpoint = "https://pve.lan:8006/"\nproxmox_api_token = "terraform@pve!provider={_uuid()}"\n'),
        ("bitwarden-sm", "bws.env", f"BWS_ACCESS_TOKEN=0.{_uuid()}.{r(30)}:{_b64(16)}\n"),
        ("new-relic-license", "otel-nr.yaml",
         _cm("otel", "collector.yaml: |\n  exporters:\n    otlphttp:\n      endpoint: https://otlp.nr-data.net\n"
                     f"      headers:\n        api-key: {r(36, HEX)}NRAL\n")),
        ("terraform-cloud", ".terraformrc",
         f'credentials "app.terraform.io" {{\n  token = "{r(14)}.atlasv1.{r(67, URLSAFE)}"\n}}\n'),
        ("gcp-refresh-in-rclone", "rclone.conf",
         "[gdrive]\ntype = drive\nscope = drive\ntoken = " + json.dumps({
             "access_token": f"ya29.a0{r(150, URLSAFE)}", "token_type": "Bearer",
             "refresh_token": f"1//0{r(99, URLSAFE)}", "expiry": "2025-01-01T00:00:00Z"}) + "\n"),
        ("slack-signing", "slackbot.yaml",
         _workload("DaemonSet", "slackbot", "env:\n  - name: SLACK_SIGNING_SECRET\n"
                   f"    value: {r(32, HEX)}\n  - name: SLACK_APP_TOKEN\n    value: xapp-1-A{r(10, UP)}-"
                   f"{r(13, DIG)}-{r(64, HEX)}")),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(case, file name, content): plaintext secrets as real GitOps repositories hold them, in shapes
    sets 1 and 2 did not use."""
    return [
        ("env-value-first", "api-statefulset.yaml",
         _workload("StatefulSet", "api", f"env:\n  - value: {r(40)}\n    name: UPSTREAM_API_TOKEN\n"
                   "  - value: info\n    name: LOG_LEVEL")),
        ("env-value-first-flow", "worker-cronjob.yaml",
         _workload("CronJob", "worker", "env:\n  - {value: '" + r(32, HEX) + "', name: WORKER_HMAC_KEY}")),
        ("tfvars-password", "prod.tfvars",
         f'region      = "eu-central-1"\ndb_username = "app"\ndb_password = "{r(20)}"\n'),
        ("tfvars-token-map", "dns.auto.tfvars",
         'zones = ["acme.io"]\ndns_provider = {\n  name = "powerdns"\n'
         f'  api_key = "{r(32, HEX)}"\n}}\n'),
        ("terragrunt-inputs", "terragrunt.hcl",
         'include "root" {\n  path = find_in_parent_folders()\n}\n\ninputs = {\n  cluster_name = "prod"\n'
         f'  grafana_admin_password = "{r(10, LOW)}{r(3, DIG)}"\n}}\n'),
        ("nomad-env", "app.nomad.hcl",
         'job "app" {\n  group "web" {\n    task "web" {\n      driver = "docker"\n      env {\n'
         f'        SESSION_SECRET = "{r(48)}"\n        PORT = "8080"\n      }}\n    }}\n  }}\n}}\n'),
        ("terraform-provider-literal", "providers.tf",
         'provider "proxmox" {\n  endpoint = "https://pve.lan:8006/"\n  username = "root@pam"\n'
         f'  password = "{r(8, LOW)}{r(2, DIG)}!"\n  insecure = true\n}}\n'),
        ("alloy-basic-auth", "alloy.yaml",
         _cm("alloy", 'config.alloy: |\n  prometheus.remote_write "cloud" {\n    endpoint {\n'
                      '      url = "https://prometheus.acme.io/api/prom/push"\n      basic_auth {\n'
                      f'        username = "12345"\n        password = "{r(40)}"\n      }}\n    }}\n  }}\n')),
        ("fluent-bit-http", "fluent-bit.yaml",
         _cm("fluent-bit", "fluent-bit.conf: |\n  [OUTPUT]\n      Name        http\n      Match       *\n"
                           "      Host        logs.acme.io\n      HTTP_User   shipper\n"
                           f"      HTTP_Passwd {r(22)}\n")),
        ("kafka-jaas", "kafka-client.properties",
         "bootstrap.servers=kafka:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
         "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
         f'username="app" password="{r(24)}";\n'),
        ("nextcloud-config-php", "nextcloud-config.yaml",
         _cm("nextcloud-config", "custom.config.php: |\n  <?php\n  $CONFIG = array (\n"
                                 "    'dbtype' => 'pgsql',\n    'dbhost' => 'postgres',\n"
                                 f"    'dbpassword' => '{r(30)}',\n    'instanceid' => 'oc{r(10, LOW)}',\n  );\n")),
        ("clickhouse-users-xml", "clickhouse-users.yaml",
         _cm("clickhouse", "users.xml: |\n  <clickhouse>\n    <users>\n      <grafana>\n"
                           f"        <password>{r(18)}</password>\n        <profile>readonly</profile>\n"
                           "      </grafana>\n    </users>\n  </clickhouse>\n")),
        ("initdb-sql", "initdb.yaml",
         _cm("postgres-init", "01-users.sql: |\n  CREATE DATABASE app;\n"
                              f"  CREATE USER app WITH PASSWORD '{r(18)}';\n"
                              "  GRANT ALL PRIVILEGES ON DATABASE app TO app;\n")),
        ("pgpass", "pgpass.yaml",
         _cm("pgbackup", f".pgpass: |\n  postgres.db.svc:5432:*:backup:{r(24)}\n")),
        ("ansible-inventory", "hosts.ini",
         "[k3s_servers]\nnode1 ansible_host=10.0.0.11 ansible_user=ubuntu "
         f"ansible_become_password={r(14)}\nnode2 ansible_host=10.0.0.12 ansible_user=ubuntu\n"),
        ("rclone-obscured", "rclone-sftp.conf",
         f"[nas]\ntype = sftp\nhost = nas.lan\nuser = backup\npass = {_b64url(33)}\n"),
        ("rails-secret-key-base", "mastodon.yaml",
         _workload("StatefulSet", "mastodon", "env:\n  - name: LOCAL_DOMAIN\n    value: social.acme.io\n"
                   f"  - name: SECRET_KEY_BASE\n    value: {r(128, HEX)}")),
        ("argocd-helm-parameters", "argocd-app.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: keycloak\n  namespace: argocd\n"
         "spec:\n  project: default\n  source:\n    repoURL: https://charts.bitnami.com/bitnami\n"
         "    chart: keycloak\n    targetRevision: 21.4.1\n    helm:\n      parameters:\n"
         f"        - name: auth.adminPassword\n          value: {r(9, LOW)}{r(2, DIG)}\n"
         "  destination:\n    server: https://kubernetes.default.svc\n    namespace: keycloak\n"),
        ("argocd-values-string", "argocd-app-values.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: n8n\nspec:\n  source:\n"
         "    repoURL: https://8gears.container-registry.com/chartrepo/library\n    chart: n8n\n"
         "    helm:\n      values: |\n        config:\n          executions:\n            pruneData: true\n"
         f"        secret:\n          n8n:\n            encryption_key: {r(32)}\n"),
        ("tekton-params", "pipelinerun.yaml",
         "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: publish-\nspec:\n"
         "  pipelineRef:\n    name: publish\n  params:\n    - name: registry\n      value: ghcr.io/acme\n"
         f"    - name: registry-password\n      value: {r(28)}\n"),
        ("strategic-merge-patch", "patches/env.yaml",
         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: paperless\nspec:\n  template:\n    spec:\n"
         "      containers:\n        - name: paperless\n          env:\n"
         f"            - name: PAPERLESS_ADMIN_PASSWORD\n              value: \"{r(7, LOW)}{r(3, DIG)}\"\n"),
        ("configmap-generator", "kustomization.yaml",
         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n"
         "configMapGenerator:\n  - name: homarr\n    literals:\n      - TZ=Europe/Berlin\n"
         f"      - SECRET_ENCRYPTION_KEY={r(64, HEX)}\n"),
        ("json-in-a-string", "bot-values.yaml",
         _hr("bot", "config:\n  settings.json: '{\"guild\": \"acme\", \"apiKey\": \""
             + r(40) + "\", \"debug\": false}'")),
        ("remote-write-credentials", "prometheus.yaml",
         _hr("kube-prometheus-stack",
             "prometheus:\n  prometheusSpec:\n    remoteWrite:\n      - url: https://metrics.acme.io/api/v1/write\n"
             f"        authorization:\n          type: Bearer\n          credentials: {r(44)}")),
        ("opsgenie", "alertmanager-opsgenie.yaml",
         _cm("alertmanager", "alertmanager.yml: |\n  receivers:\n    - name: opsgenie\n      opsgenie_configs:\n"
                             f"        - api_key: {_uuid()}\n          priority: P2\n")),
        ("workflow-docker-login", "publish.yml",
         _workflow("- uses: docker/login-action@v3\n  with:\n    registry: registry.acme.io\n"
                   f"    username: ci\n    password: {r(10, LOW)}{r(4, DIG)}{r(2, UP)}")),
        ("workflow-curl-bearer", "notify.yml",
         _workflow("- name: notify\n  run: |\n    curl -sf -X POST https://hooks.acme.io/deploy \\\n"
                   f"      -H \"Authorization: Bearer {r(48, URLSAFE)}\"")),
        ("nginx-basic-header", "nginx-proxy.yaml",
         _cm("proxy", "default.conf: |\n  location / {\n    proxy_pass http://backend:8080;\n"
                      "    proxy_set_header Authorization \"Basic "
                      + base64.b64encode(f"admin:{r(16)}".encode()).decode() + "\";\n  }\n")),
        ("cloudflared-credentials", "cloudflared-config.yaml",
         _cm("cloudflared", "credentials.json: |\n  {\n"
                            f'    "AccountTag": "{r(32, HEX)}",\n    "TunnelSecret": "{_b64(32)}",\n'
                            f'    "TunnelID": "{_uuid()}"\n  }}\n')),
        ("keycloak-realm-json", "realm-export.json",
         json.dumps({"realm": "acme", "enabled": True, "clients": [
             {"id": _uuid(), "clientId": "grafana", "protocol": "openid-connect", "secret": r(32),
              "redirectUris": ["https://grafana.acme.io/*"]}]}, indent=2)),
        ("gmail-app-password", "mail-values.yaml",
         _hr("vaultwarden", "smtp:\n  host: smtp.gmail.com\n  from: vault@acme.io\n"
                            "  username: vault@acme.io\n  password: \"" + " ".join(r(4, string.ascii_lowercase)
                                                                                for _ in range(4)) + "\"")),
        ("github-app-key-values", "arc-values.yaml",
         _hr("gha-runner-scale-set", "githubConfigUrl: https://github.com/acme\ngithubConfigSecret:\n"
                                     f"  github_app_id: \"{r(6, DIG)}\"\n"
                                     f"  github_app_installation_id: \"{r(8, DIG)}\"\n"
                                     "  github_app_private_key: |\n" + _indent(_pem_ec(), 4))),
        ("deploy-key-configmap", "deploy-key.yaml",
         _cm("git-sync", "ssh-key: |\n" + _indent(_openssh_ed25519(), 2))),
        ("pihole-env", "pihole.yaml",
         _hr("pihole", f"extraEnvVars:\n  TZ: Europe/Berlin\n  FTLCONF_webserver_api_password: {r(12)}")),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what real repositories hold beside their secrets that is no secret."""
    return [
        ("workflow-expressions", "ci.yml",
         _workflow("- uses: docker/login-action@v3\n  with:\n    registry: ghcr.io\n"
                   "    username: ${{ github.actor }}\n    password: ${{ secrets.GITHUB_TOKEN }}\n"
                   "- run: make release\n  env:\n    GH_TOKEN: ${{ github.token }}\n"
                   "    NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n    SENTRY_AUTH_TOKEN: ${{ vars.SENTRY_TOKEN_NAME }}")),
        ("terraform-references", "main.tf",
         'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n\n'
         'provider "proxmox" {\n  endpoint  = var.proxmox_endpoint\n  api_token = var.proxmox_api_token\n}\n\n'
         'resource "aws_db_instance" "app" {\n  username = "app"\n  password = var.db_password\n'
         '  kms_key_id = aws_kms_key.db.arn\n}\n\noutput "token" {\n  value     = random_password.token.result\n'
         '  sensitive = true\n}\n'),
        ("terragrunt-references", "terragrunt-env.hcl",
         'locals {\n  secrets = yamldecode(sops_decrypt_file("secrets.sops.yaml"))\n}\n\ninputs = {\n'
         '  db_password   = local.secrets.db_password\n  api_token     = get_env("API_TOKEN")\n'
         '  redis_password = dependency.redis.outputs.password\n}\n'),
        ("terraform-lock", ".terraform.lock.hcl",
         'provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.31.0"\n'
         '  constraints = "~> 5.0"\n  hashes = [\n'
         + "".join(f'    "h1:{_b64(32)}",\n' for _ in range(2))
         + "".join(f'    "zh:{r(64, HEX)}",\n' for _ in range(3)) + "  ]\n}\n"),
        ("tfvars-ids", "ids.tfvars",
         f'cloudflare_account_id = "{r(32, HEX)}"\ncloudflare_zone_id    = "{r(32, HEX)}"\n'
         f'azure_tenant_id       = "{_uuid()}"\nazure_client_id       = "{_uuid()}"\n'
         f'proxmox_api_token_id  = "terraform@pve!provider"\nssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI'
         f'{r(43, B64)} ops@acme"\n'),
        ("tfvars-example", "terraform.tfvars.example",
         'db_password      = "CHANGE_ME"\ncloudflare_api_token = "<your-cloudflare-token>"\n'
         'hcloud_token     = ""\nproxmox_api_token = "user@pve!token=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"\n'),
        ("kms-arns", "velero-values.yaml",
         _hr("velero", "configuration:\n  backupStorageLocation:\n    - name: default\n      provider: aws\n"
                       "      bucket: velero-backups\n      config:\n        region: eu-central-1\n"
                       "        kmsKeyId: arn:aws:kms:eu-central-1:123456789012:key/" + _uuid() + "\n"
                       "  volumeSnapshotLocation:\n    - name: default\n      provider: aws\n"
                       "      config:\n        encryptionKey: arn:aws:kms:eu-central-1:123456789012:alias/velero")),
        ("sops-config-kms", ".sops.yaml",
         "creation_rules:\n  - path_regex: clusters/prod/.*\\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n"
         f"    kms: arn:aws:kms:eu-west-1:123456789012:key/{_uuid()}\n"
         "    gcp_kms: projects/acme/locations/global/keyRings/sops/cryptoKeys/sops-key\n"
         f"    azure_keyvault: https://acme.vault.azure.net/keys/sops-key/{r(32, HEX)}\n"
         f"    hc_vault_transit_uri: https://vault.acme.io:8200/v1/sops/keys/prod\n"),
        ("bitwarden-crd", "bitwarden-secret.yaml",
         "apiVersion: k8s.bitwarden.com/v1\nkind: BitwardenSecret\nmetadata:\n  name: app\nspec:\n"
         f"  organizationId: \"{_uuid()}\"\n  secretName: app-secrets\n  map:\n"
         f"    - bwSecretId: {_uuid()}\n      secretKeyName: api-token\n"
         f"    - bwSecretId: {_uuid()}\n      secretKeyName: db-password\n"
         "  authToken:\n    secretName: bw-auth-token\n    secretKey: token\n"),
        ("infisical-crd", "infisical-secret.yaml",
         "apiVersion: secrets.infisical.com/v1alpha1\nkind: InfisicalSecret\nmetadata:\n  name: app\nspec:\n"
         "  hostAPI: https://app.infisical.com/api\n  resyncInterval: 60\n  authentication:\n"
         "    universalAuth:\n      secretsScope:\n        projectSlug: acme-prod\n        envSlug: prod\n"
         "        secretsPath: /\n      credentialsRef:\n        secretName: universal-auth-credentials\n"
         "        secretNamespace: infisical\n  managedSecretReference:\n    secretName: app-managed\n"),
        ("vault-annotations", "vault-injected.yaml",
         _workload("StatefulSet", "billing", "envFrom:\n  - configMapRef:\n      name: billing").replace(
             "    metadata:\n      labels:\n",
             "    metadata:\n      annotations:\n        vault.hashicorp.com/agent-inject: \"true\"\n"
             "        vault.hashicorp.com/role: billing\n"
             "        vault.hashicorp.com/agent-inject-secret-db-creds: database/creds/billing\n"
             "        vault.hashicorp.com/agent-inject-template-db-creds: |\n"
             "          {{- with secret \"database/creds/billing\" -}}\n"
             "          postgres://{{ .Data.username }}:{{ .Data.password }}@db:5432/billing\n"
             "          {{- end }}\n      labels:\n", 1)),
        ("cluster-secret-store", "store.yaml",
         "apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata:\n  name: aws\nspec:\n"
         "  provider:\n    aws:\n      service: SecretsManager\n      region: eu-central-1\n      auth:\n"
         "        secretRef:\n          accessKeyIDSecretRef:\n            name: aws-creds\n"
         "            key: access-key-id\n          secretAccessKeySecretRef:\n            name: aws-creds\n"
         "            key: secret-access-key\n"),
        ("external-secret-extract", "external-secret.yaml",
         "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: immich\nspec:\n"
         "  refreshInterval: 1h\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword\n"
         "  target:\n    name: immich-secret\n    template:\n      data:\n"
         "        DB_PASSWORD: \"{{ .IMMICH_POSTGRES_PASSWORD }}\"\n        JWT_SECRET: \"{{ .IMMICH_JWT }}\"\n"
         f"  dataFrom:\n    - extract:\n        key: immich\n    - extract:\n        key: {r(26, LOW)}\n"),
        ("sealed-secret-docker", "sealed-regcred.yaml",
         "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: regcred\n  namespace: apps\n"
         "spec:\n  encryptedData:\n    .dockerconfigjson: Ag" + r(540, B64) + "==\n  template:\n"
         "    type: kubernetes.io/dockerconfigjson\n    metadata:\n      name: regcred\n"),
        ("sealed-secrets-cert", "sealed-secrets-pub.yaml",
         _cm("sealed-secrets-cert", "cert.pem: |\n  -----BEGIN CERTIFICATE-----\n"
             + "".join(f"  {r(64, B64)}\n" for _ in range(8)) + "  -----END CERTIFICATE-----\n")),
        ("vapid-public", "push.env", f"VAPID_PUBLIC_KEY=B{_b64url(64)}\nVAPID_SUBJECT=mailto:ops@acme.io\n"),
        ("cloud-init-keys", "user-data.yaml",
         "#cloud-config\nusers:\n  - name: ops\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    lock_passwd: true\n"
         "    ssh_authorized_keys:\n      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(43, B64) + " ops@laptop\n"
         "      - ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB" + r(120, B64)
         + "= ci\n    passwd: $6$rounds=4096$" + r(16, A + "./") + "$" + r(86, A + "./") + "\n"),
        ("mosquitto-passwd", "mosquitto.yaml",
         _cm("mosquitto", "passwd: |\n  homeassistant:$7$101$" + _b64(12) + "$" + _b64(64) + "\n")),
        ("clickhouse-hash", "clickhouse-users-hash.yaml",
         _cm("clickhouse", "users.xml: |\n  <clickhouse>\n    <users>\n      <grafana>\n"
                           f"        <password_sha256_hex>{hashlib.sha256(random.randbytes(16)).hexdigest()}"
                           "</password_sha256_hex>\n      </grafana>\n    </users>\n  </clickhouse>\n")),
        ("kustomize-image-digests", "kustomization-images.yaml",
         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n"
         f"images:\n  - name: ghcr.io/acme/api\n    newTag: v2.1.0\n    digest: sha256:{r(64, HEX)}\n"
         f"  - name: ghcr.io/acme/web\n    digest: sha256:{r(64, HEX)}\n"),
        ("flake-lock", "flake.lock",
         json.dumps({"nodes": {"nixpkgs": {"locked": {"lastModified": 1700000000, "narHash": "sha256-" + _b64(32),
                                                      "owner": "NixOS", "repo": "nixpkgs", "rev": r(40, HEX),
                                                      "type": "github"}}}, "root": "root", "version": 7}, indent=2)),
        ("cargo-lock", "Cargo.lock",
         "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.193\"\n"
         "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
         f"checksum = \"{r(64, HEX)}\"\n"),
        ("requirements-hashes", "requirements.txt",
         f"requests==2.31.0 \\\n    --hash=sha256:{r(64, HEX)} \\\n    --hash=sha256:{r(64, HEX)}\n"),
        ("helm-values-image-digest", "values-digest.yaml",
         _hr("immich", f"image:\n  repository: ghcr.io/immich-app/immich-server\n  tag: v1.99.0\n"
                       f"  digest: sha256:{r(64, HEX)}\npodAnnotations:\n"
                       f"  checksum/secret: {r(64, HEX)}\n  config.hash: {r(40, HEX)}")),
        ("renovate-digests", "renovate.json5",
         '{\n  // pinned digests\n  "packageRules": [\n    {\n      "matchPackageNames": ["ghcr.io/acme/api"],\n'
         f'      "matchCurrentDigest": "sha256:{r(64, HEX)}",\n      "pinDigests": true\n    }}\n  ]\n}}\n'),
        ("uuid-ids", "longhorn-volume.yaml",
         "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pvc-" + _uuid() + "\nspec:\n"
         "  capacity:\n    storage: 10Gi\n  csi:\n    driver: driver.longhorn.io\n"
         f"    volumeHandle: pvc-{_uuid()}\n    volumeAttributes:\n      numberOfReplicas: \"3\"\n"
         f"  claimRef:\n    name: data\n    uid: {_uuid()}\n"),
        ("keycloak-public", "realm-public.json",
         json.dumps({"realm": "acme", "id": _uuid(), "publicKey": _b64(270).rstrip("="),
                     "certificate": _b64(500).rstrip("="), "clients": [
                         {"id": _uuid(), "clientId": "web", "publicClient": True, "secret": "**********"}]}, indent=2)),
        ("cert-manager-eab", "issuer-eab.yaml",
         "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: zerossl\nspec:\n  acme:\n"
         "    server: https://acme.zerossl.com/v2/DV90\n    externalAccountBinding:\n"
         f"      keyID: {r(22, URLSAFE)}\n      keySecretRef:\n        name: zerossl-eab\n        key: secret\n"
         "    privateKeySecretRef:\n      name: zerossl-account\n"),
        ("helm-chart-defaults", "charts/app/values.yaml",
         "# -- Admin password. Leave empty to generate one.\nadminPassword: \"\"\n"
         "# -- API token, e.g. `tok_0123456789`\napiToken: ~\nauth:\n  # -- Existing secret with keys `password`\n"
         "  existingSecret: \"\"\n  passwordKey: password\n  tokenKey: api-token\n"
         "smtp:\n  password: \"__SMTP_PASSWORD__\"\n  apiKey: \"%SMTP_API_KEY%\"\n  secret: \"@@SMTP_SECRET@@\"\n"),
        ("env-sample", ".env.sample",
         "# copy to .env and fill in\nPOSTGRES_PASSWORD=\nAPI_TOKEN=\"<token>\"\nSECRET_KEY_BASE=replace-me\n"
         "GITHUB_TOKEN=ghp_your_token_here\nOPENAI_API_KEY=sk-...\nTOKEN=$API_TOKEN\n"),
        ("workflow-hashes", "verify.yml",
         _workflow("- uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1\n"
                   "- uses: sigstore/cosign-installer@e1523de7571e31dbe865fd2e80c5c7c23ae71eb4 # v3.4.0\n"
                   f"- run: echo \"{r(64, HEX)}  flux.tar.gz\" | sha256sum -c -")),
        ("password-policy", "authentik-policy.yaml",
         _hr("authentik", "policies:\n  password:\n    length_min: 12\n    amount_digits: 1\n"
                          "    error_message: Password too weak\n    password_field: password\n"
                          "tokens:\n  lifetime: hours=1\n  tokenValidity: 3600\n  secretRotation: enabled\n"
                          "  keyAlgorithm: RS256\n  keySize: 4096\n  tokenType: jwt")),
        ("token-counts", "ollama-values.yaml",
         _hr("ollama", "ollama:\n  models:\n    - llama3\n  context:\n    numCtx: 8192\n    maxTokens: 4096\n"
                       "    tokensPerSecond: 40\n  keepAlive: 5m\n  passthrough: true")),
        ("grafana-dashboard-provisioning", "dashboards.yaml",
         _cm("grafana-dashboards", "dashboards.yaml: |\n  apiVersion: 1\n  providers:\n"
                                   f"    - name: flux\n      orgId: 1\n      folderUid: {r(14, LOW)}\n"
                                   "      type: file\n      options:\n        path: /var/lib/grafana/dashboards\n")),
        ("ssh-known-hosts", "flux-known-hosts.yaml",
         _cm("flux-ssh", "known_hosts: |\n  github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(43, B64) + "\n"
             "  gitlab.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB"
             + r(120, B64) + "=\n")),
        ("git-commit-ids", "argocd-app-pinned.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app\nspec:\n  source:\n"
         f"    repoURL: https://github.com/acme/app\n    targetRevision: {r(40, HEX)}\n    path: deploy\n"),
        ("otel-header-refs", "otel-refs.yaml",
         _hr("opentelemetry-collector",
             "config:\n  exporters:\n    otlp/honeycomb:\n      headers:\n"
             "        x-honeycomb-team: ${env:HONEYCOMB_API_KEY}\n        x-honeycomb-dataset: traces\n"
             "    otlphttp/nr:\n      headers:\n        api-key: ${env:NEW_RELIC_LICENSE_KEY}")),
        ("alloy-env-refs", "alloy-refs.yaml",
         _cm("alloy", 'config.alloy: |\n  prometheus.remote_write "cloud" {\n    endpoint {\n'
                      '      url = "https://prometheus.acme.io/api/prom/push"\n      basic_auth {\n'
                      '        username = env("PROM_USER")\n        password = env("PROM_PASSWORD")\n'
                      '      }\n    }\n  }\n')),
        ("fluent-bit-refs", "fluent-bit-refs.yaml",
         _cm("fluent-bit", "fluent-bit.conf: |\n  [OUTPUT]\n      Name        http\n      Match       *\n"
                           "      HTTP_User   ${HTTP_USER}\n      HTTP_Passwd ${HTTP_PASSWORD}\n")),
        ("nomad-template", "app-template.nomad.hcl",
         'job "app" {\n  group "web" {\n    task "web" {\n      template {\n        destination = "secrets/env"\n'
         '        env         = true\n        data        = <<EOT\nDB_PASSWORD={{ with secret "kv/db" }}'
         '{{ .Data.data.password }}{{ end }}\nEOT\n      }\n      vault {\n        policies = ["app"]\n'
         '      }\n    }\n  }\n}\n'),
        ("env-value-first-refs", "env-order.yaml",
         _workload("StatefulSet", "api", "env:\n  - value: /var/run/secrets/api/token\n    name: API_TOKEN_FILE\n"
                   "  - value: api-credentials\n    name: CREDENTIALS_SECRET_NAME\n"
                   "  - value: \"3600\"\n    name: TOKEN_TTL_SECONDS")),
        ("argocd-parameters-refs", "argocd-app-refs.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: grafana\nspec:\n  source:\n"
         "    chart: grafana\n    helm:\n      parameters:\n        - name: admin.existingSecret\n"
         "          value: grafana-admin\n        - name: admin.passwordKey\n          value: admin-password\n"),
        ("tekton-param-refs", "pipeline.yaml",
         "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: publish\nspec:\n  params:\n"
         "    - name: registry-password-secret\n      type: string\n      default: registry-creds\n"
         "  tasks:\n    - name: push\n      params:\n        - name: token-path\n"
         "          value: $(workspaces.creds.path)/token\n"),
        ("sql-schema", "schema.yaml",
         _cm("schema", "01-schema.sql: |\n  CREATE TABLE users (\n    id uuid PRIMARY KEY,\n"
                       "    password_hash text NOT NULL,\n    api_token_hash text\n  );\n"
                       "  CREATE USER app WITH PASSWORD :'app_password';\n")),
        ("php-env-refs", "nextcloud-env-config.yaml",
         _cm("nextcloud-config", "custom.config.php: |\n  <?php\n  $CONFIG = array (\n"
                                 "    'dbpassword' => getenv('POSTGRES_PASSWORD'),\n"
                                 "    'secret' => getenv('NEXTCLOUD_SECRET'),\n  );\n")),
        ("kafka-jaas-refs", "kafka-refs.properties",
         "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
         'username="${KAFKA_USER}" password="${KAFKA_PASSWORD}";\nssl.truststore.location=/etc/kafka/truststore.jks\n'),
        ("ansible-inventory-vault", "inventory.ini",
         "[k3s_servers]\nnode1 ansible_host=10.0.0.11 ansible_user=ubuntu "
         "ansible_become_password=\"{{ vault_become_password }}\"\n"),
        ("rclone-env-auth", "rclone-env.conf",
         "[s3]\ntype = s3\nprovider = Minio\nenv_auth = true\nendpoint = http://minio:9000\n"),
        ("compose-secret-files", "docker-compose.yaml",
         "services:\n  db:\n    image: postgres:16\n    environment:\n"
         "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n      POSTGRES_USER: app\n"
         "    secrets:\n      - db_password\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n"),
        ("workflow-oidc", "deploy-aws.yml",
         "permissions:\n  id-token: write\n  contents: read\n" + _workflow(
             "- uses: aws-actions/configure-aws-credentials@v4\n  with:\n"
             "    role-to-assume: arn:aws:iam::123456789012:role/gha-deploy\n    aws-region: eu-central-1\n"
             "    role-session-name: gha-${{ github.run_id }}")),
        ("vault-policy", "policies/app.hcl",
         'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n\n'
         'path "auth/token/renew-self" {\n  capabilities = ["update"]\n}\n'),
        ("telegraf-env-refs", "telegraf-refs.conf",
         '[[outputs.influxdb_v2]]\n  urls = ["http://influxdb:8086"]\n  token = "$INFLUX_TOKEN"\n'
         '  organization = "acme"\n  bucket = "metrics"\n'),
        ("nginx-auth-file", "nginx-auth.yaml",
         _cm("proxy", "default.conf: |\n  location / {\n    auth_basic \"restricted\";\n"
                      "    auth_basic_user_file /etc/nginx/htpasswd;\n"
                      "    proxy_set_header Authorization $http_authorization;\n  }\n")),
    ]


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): sops files made by the real sops, in shapes set 2 did not use
    (`unencrypted_regex`, `encrypted_comment_regex`, two age recipients, an unencrypted suffix, a
    HelmRelease values file, a Talos secrets bundle, a kubeconfig, dotenv, INI, JSON and binary)."""
    import pyrage

    recipients = [str(pyrage.x25519.Identity.generate().to_public()) for _ in range(2)]
    secret = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: cloudflare\n  namespace: cert-manager\ntype: Opaque\n"
        f"stringData:\n  api-token: {r(40, URLSAFE)}\n  CF_API_EMAIL: ops@acme.io\n"
    )
    values = (f"# values for valuesFrom\nauth:\n  adminPassword: {r(16)}  # sops:enc\n"
              f"  adminUser: admin\nlicense:\n  key: {r(5, UP)}-{r(5, UP)}-{r(5, UP)}-{r(5, UP)}  # sops:enc\n")
    talos = (f"cluster:\n  id: {_b64(32)}\n  secret: {_b64(32)}\nsecrets:\n  bootstraptoken: {r(6, LOW)}.{r(16, LOW)}\n"
             f"  secretboxencryptionsecret: {_b64(32)}\ntrustdinfo:\n  token: {r(6, LOW)}.{r(16, LOW)}\n")
    kubeconfig = ("apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n"
                  "      server: https://10.0.0.10:6443\ncontexts:\n  - name: prod\n    context:\n"
                  "      cluster: prod\n      user: admin\nusers:\n  - name: admin\n    user:\n"
                  f"      token: {r(6, LOW)}.{r(16, LOW)}\n")
    cases = [
        ("unencrypted-regex", "cloudflare.sops.yaml", secret,
         ["--unencrypted-regex", "^(apiVersion|kind|metadata|type|name|namespace)$"]),
        ("two-recipients", "secret.sops.yml", secret, ["--encrypted-regex", "^(data|stringData)$", "--age",
                                                        ",".join(recipients)]),
        ("comment-regex", "values.sops.yaml", values, ["config:encrypted_comment_regex: sops:enc"]),
        ("unencrypted-suffix", "talsecret.sops.yaml", talos.replace("  id:", "  id_unencrypted:"),
         ["--unencrypted-suffix", "_unencrypted"]),
        ("kubeconfig", "kubeconfig.sops.yaml", kubeconfig, ["--encrypted-regex", "^(token|client-key-data)$"]),
        ("dotenv", "restic.sops.env", f"RESTIC_PASSWORD={r(32)}\nAWS_SECRET_ACCESS_KEY={r(40, A + '/+')}\n",
         ["--input-type", "dotenv", "--output-type", "dotenv"]),
        ("ini", "rclone.sops.ini", f"[nas]\ntype = sftp\nhost = nas.lan\npass = {_b64url(33)}\n",
         ["--input-type", "ini", "--output-type", "ini"]),
        ("json-array", "tokens.sops.json", json.dumps({"tokens": [f"ghu_{r(36)}", f"glptt-{r(40, HEX)}"],
                                                      "admin": {"password": r(16)}}, indent=2),
         ["--input-type", "json", "--output-type", "json"]),
        ("binary", "terraform.tfvars.sops", f'db_password = "{r(20)}"\n',
         ["--input-type", "binary", "--output-type", "binary"]),
        ("yaml-whole-list", "users.sops.yaml",
         "users:\n" + "".join(f"  - name: u{n}\n    password: {r(14)}\n" for n in range(3)), []),
    ]
    return encrypt_cases(binary, cases, recipients[0])


def rows(seed: int = 31) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)
