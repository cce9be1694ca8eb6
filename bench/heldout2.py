"""The second held-out set (issue 22, round 2): written before any rule was changed for it.

Token formats from providers' public documentation (prefix, alphabet, length), each in a different
place a GitOps repository keeps it (ConfigMap, HelmRelease values, Deployment env and args,
compose, .env, INI, JSON, TOML, tfvars, embedded configs); GitOps cases shaped like real
repositories; look-alikes that real repositories hold; and real sops files made by the real
`sops` in every store. No literal credential is stored: every secret is random at run time.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import json
import random
import string
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.labelled import B64, HEX, LOW, UP, URLSAFE, A, r

DIG = string.digits
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def _cm(name: str, data: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: apps\ndata:\n" + _indent(data, 2)


def _hr(name: str, values: str) -> str:
    return (
        f"---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n"
        f"spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: {name}\n      version: 4.2.1\n"
        f"      sourceRef:\n        kind: HelmRepository\n        name: {name}\n        namespace: flux-system\n"
        "  values:\n" + _indent(values, 4)
    )


def _deploy(name: str, container: str, annotations: str = "") -> str:
    meta = ("    metadata:\n      annotations:\n" + _indent(annotations, 8)) if annotations else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n"
        f"  selector:\n    matchLabels:\n      app: {name}\n  template:\n{meta}    spec:\n      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/{name}/{name}:v1.4.0@sha256:{r(64, HEX)}\n"
        + _indent(container, 10)
    )


def _b64(n: int) -> str:
    return base64.b64encode(random.randbytes(n)).decode()


def _b64url(n: int) -> str:
    return base64.urlsafe_b64encode(random.randbytes(n)).decode().rstrip("=")


def _jwt(claims: dict[str, object]) -> str:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{head}.{body}.{_b64url(32)}"


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return (
        rsa.generate_private_key(65537, 2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def tokens() -> list[tuple[str, str, str]]:
    """(format, file name, content): one documented format each, where repositories keep it."""
    return [
        (
            "github-classic-pat",
            "renovate.yaml",
            _deploy("renovate", f"env:\n  - name: RENOVATE_TOKEN\n    value: ghp_{r(36)}"),
        ),
        (
            "gitlab-pat",
            "gitrepo-url.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
            "metadata:\n  name: infra\nspec:\n  interval: 1m\n"
            f"  url: https://oauth2:glpat-{r(20, URLSAFE)}@gitlab.com/acme/infra.git\n",
        ),
        (
            "slack-webhook",
            "alertmanager.yaml",
            _cm(
                "alertmanager",
                "alertmanager.yml: |\n  global:\n"
                "    slack_api_url: https://hooks.slack.com/services/T"
                f"{r(8, UP)}/B{r(10, UP)}/{r(24)}\n  route:\n    receiver: slack\n",
            ),
        ),
        (
            "discord-webhook",
            "provider.yaml",
            "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
            "metadata:\n  name: discord\nspec:\n  type: discord\n"
            f"  address: https://discord.com/api/webhooks/{r(18, DIG)}/{r(68, URLSAFE)}\n",
        ),
        (
            "telegram-bot",
            "alertmanager-tg.yaml",
            _hr(
                "kube-prometheus-stack",
                "alertmanager:\n  config:\n"
                "    receivers:\n      - name: telegram\n        telegram_configs:\n"
                f"          - bot_token: {r(10, DIG)}:AA{r(33, URLSAFE)}\n"
                "            chat_id: -1001234567890\n",
            ),
        ),
        (
            "cloudflare-api-token",
            "external-dns.yaml",
            _deploy(
                "external-dns",
                "args:\n  - --source=ingress\n"
                "  - --provider=cloudflare\nenv:\n  - name: CF_API_TOKEN\n"
                f"    value: {r(40, URLSAFE)}",
            ),
        ),
        ("cloudflare-global-key", "cert-manager.env", f"CF_API_EMAIL=ops@acme.io\nCF_API_KEY={r(37, HEX)}\n"),
        (
            "cloudflare-tunnel",
            "cloudflared.yaml",
            _deploy(
                "cloudflared",
                "args:\n  - tunnel\n  - --no-autoupdate\n"
                "  - run\n  - --token\n  - "
                + base64.b64encode(
                    json.dumps({"a": r(32, HEX), "t": str(uuid.uuid4()), "s": _b64(32)}).encode()
                ).decode(),
            ),
        ),
        (
            "tailscale-oauth",
            "tailscale-operator.yaml",
            _hr(
                "tailscale-operator", f"oauth:\n  clientId: k{r(11)}CNTRL\n  clientSecret: tskey-client-{r(12)}-{r(32)}"
            ),
        ),
        ("pushover", "apprise.yaml", _cm("apprise", f"apprise.yml: |\n  urls:\n    - pover://{r(30, LOW)}@{r(30)}\n")),
        ("hetzner", "hcloud.tfvars", f'hcloud_token = "{r(64)}"\nlocation     = "fsn1"\n'),
        ("linode", "linode.env", f"LINODE_TOKEN={r(64, HEX)}\nLINODE_REGION=eu-central\n"),
        ("vultr", "ccm.yaml", _deploy("vultr-ccm", f'env:\n  - name: VULTR_API_KEY\n    value: "{r(36, UP)}"')),
        (
            "scaleway",
            "scw.yaml",
            f"access_key: SCW{r(17, UP)}\nsecret_key: {uuid.uuid4()}\n"
            "default_organization_id: " + str(uuid.uuid4()) + "\n",
        ),
        (
            "ovh",
            "ovh.ini",
            f"[default]\nendpoint=ovh-eu\n\n[ovh-eu]\napplication_key={r(16)}\n"
            f"application_secret={r(32)}\nconsumer_key={r(32)}\n",
        ),
        (
            "porkbun",
            "porkbun.json",
            json.dumps({"apikey": "pk1_" + r(64, HEX), "secretapikey": "sk1_" + r(64, HEX)}, indent=2),
        ),
        (
            "backblaze-b2",
            "volsync.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "secretGenerator:\n  - name: restic-b2\n    literals:\n"
            "      - RESTIC_REPOSITORY=b2:backups:/volsync\n"
            f"      - B2_ACCOUNT_ID=005{r(22, HEX)}\n"
            f"      - B2_ACCOUNT_KEY=K005{r(27, A + '+/')}\n",
        ),
        ("mailgun", "mail.env", f"MAILGUN_API_KEY={r(32, HEX)}-{r(8, HEX)}-{r(8, HEX)}\nMAILGUN_DOMAIN=mg.acme.io\n"),
        (
            "postmark",
            "postmark.yaml",
            _hr(
                "listmonk",
                f"smtp:\n  host: smtp.postmarkapp.com\n  username: {uuid.uuid4()}\n  password: {uuid.uuid4()}",
            ),
        ),
        (
            "sendgrid",
            "sendgrid.toml",
            f'[mail]\nprovider = "sendgrid"\napi_key = "SG.{r(22, URLSAFE)}.{r(43, URLSAFE)}"\n',
        ),
        (
            "openai",
            "open-webui.yaml",
            _hr("open-webui", f"openaiApiKey: sk-proj-{r(120, URLSAFE)}\nollama:\n  enabled: false"),
        ),
        (
            "anthropic",
            "litellm.yaml",
            _cm(
                "litellm",
                "config.yaml: |\n  model_list:\n    - model_name: claude\n"
                "      litellm_params:\n        model: anthropic/claude-sonnet\n"
                f"        api_key: sk-ant-api03-{r(93, URLSAFE)}AA\n",
            ),
        ),
        (
            "gcp-service-account",
            "gcp-sa.json",
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "acme-prod",
                    "private_key_id": r(40, HEX),
                    "private_key": _pem(),
                    "client_email": "dns@acme-prod.iam.gserviceaccount.com",
                    "client_id": r(21, DIG),
                },
                indent=2,
            ),
        ),
        (
            "azure-storage-key",
            "velero.yaml",
            _hr(
                "velero",
                "credentials:\n  useSecret: true\n  secretContents:\n"
                "    cloud: |\n      AZURE_STORAGE_ACCOUNT_ID=acmebackups\n"
                f"      AZURE_STORAGE_ACCOUNT_ACCESS_KEY={_b64(64)}\n"
                "      AZURE_CLOUD_NAME=AzurePublicCloud",
            ),
        ),
        (
            "aws-keys-ini",
            "aws-credentials.yaml",
            _cm(
                "loki-s3",
                "credentials: |\n  [default]\n"
                f"  aws_access_key_id = AKIA{r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n"
                f"  aws_secret_access_key = {r(40, A + '/+')}\n",
            ),
        ),
        (
            "r2-secret",
            "thanos-objstore.yaml",
            _cm(
                "thanos",
                "objstore.yml: |\n  type: S3\n  config:\n"
                "    bucket: thanos\n"
                f"    endpoint: {r(32, HEX)}.r2.cloudflarestorage.com\n"
                f"    access_key: {r(32, HEX)}\n    secret_key: {r(64, HEX)}\n",
            ),
        ),
        (
            "vault-token",
            "vault-env.yaml",
            _deploy(
                "app",
                f"env:\n  - name: VAULT_ADDR\n    value: https://vault:8200\n"
                f"  - name: VAULT_TOKEN\n    value: hvs.{r(91, URLSAFE)}",
            ),
        ),
        (
            "onepassword-connect",
            "op-connect.yaml",
            _hr(
                "connect",
                "operator:\n  create: true\n  token:\n    value: " + _jwt({"aud": ["acme"], "sub": r(26, LOW)}),
            ),
        ),
        (
            "dockerhub",
            "compose.yaml",
            "services:\n  watchtower:\n    image: containrrr/watchtower\n    environment:\n"
            "      REPO_USER: acme\n      REPO_PASS: dckr_pat_" + r(27, URLSAFE) + "\n",
        ),
        (
            "sonarr-apikey",
            "sonarr.yaml",
            _hr("sonarr", f"env:\n  SONARR__AUTH__METHOD: External\n  SONARR__AUTH__APIKEY: {r(32, HEX)}"),
        ),
        (
            "stripe-webhook",
            "shop.env",
            f"STRIPE_PUBLISHABLE_KEY=pk_live_{r(24)}\nSTRIPE_WEBHOOK_SECRET=whsec_{r(32)}\n",
        ),
        (
            "grafana-sa",
            "grafana-dashboards.yaml",
            _deploy(
                "dashboard-sync",
                f"args:\n  - --grafana-url=http://grafana\n  - --grafana-token=glsa_{r(32)}_{r(8, HEX)}",
            ),
        ),
        ("github-app-secret", "oauth.env", f"GITHUB_CLIENT_ID=Iv1.{r(16, HEX)}\nGITHUB_CLIENT_SECRET={r(40, HEX)}\n"),
        (
            "k3s-token",
            "k3s-config.yaml",
            f'write-kubeconfig-mode: "0644"\ntoken: K10{r(64, HEX)}::server:{r(32, HEX)}\ntls-san:\n  - k3s.acme.lan\n',
        ),
        (
            "kubeadm-bootstrap",
            "kubeadm.yaml",
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n"
            "bootstrapTokens:\n  - groups:\n      - system:bootstrappers:kubeadm:default-node-token\n"
            f"    token: {r(6, LOW)}.{r(16, LOW)}\n    ttl: 24h0m0s\n",
        ),
        (
            "wireguard",
            "wg0.conf",
            f"[Interface]\nAddress = 10.8.0.1/24\nListenPort = 51820\nPrivateKey = {_b64(32)}\n\n"
            f"[Peer]\nPublicKey = {_b64(32)}\nAllowedIPs = 10.8.0.2/32\n",
        ),
        ("npmrc", ".npmrc", f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_{r(36)}\n"),
        (
            "pagerduty",
            "am-pagerduty.yaml",
            _hr(
                "kube-prometheus-stack",
                "alertmanager:\n  config:\n    receivers:\n"
                "      - name: pagerduty\n        pagerduty_configs:\n"
                f"          - routing_key: {r(32, HEX)}\n",
            ),
        ),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(case, file name, content): plaintext secrets as real GitOps repositories hold them."""
    return [
        (
            "redis-requirepass",
            "redis-conf.yaml",
            _cm("redis", f"redis.conf: |\n  maxmemory 256mb\n  requirepass {r(24)}\n  appendonly yes\n"),
        ),
        (
            "grafana-ini",
            "grafana.yaml",
            _hr(
                "grafana",
                "grafana.ini:\n  server:\n    root_url: https://grafana.acme.io\n"
                f"  security:\n    admin_user: admin\n    admin_password: {r(8, LOW)}{r(3, DIG)}",
            ),
        ),
        (
            "gitea-app-ini",
            "gitea-cm.yaml",
            _cm(
                "gitea",
                "app.ini: |\n  [security]\n  INSTALL_LOCK = true\n"
                f"  SECRET_KEY = {r(64)}\n"
                f"  INTERNAL_TOKEN = {_jwt({'nbf': 1700000000})}\n"
                f"  [oauth2]\n  JWT_SECRET = {_b64url(32)}\n",
            ),
        ),
        (
            "authelia-config",
            "authelia.yaml",
            _cm(
                "authelia",
                "configuration.yml: |\n"
                f"  identity_validation:\n    reset_password:\n      jwt_secret: {r(64)}\n"
                f"  session:\n    secret: {r(64)}\n    cookies:\n      - domain: acme.io\n"
                f"  storage:\n    encryption_key: {r(64)}\n",
            ),
        ),
        (
            "oauth2-proxy",
            "oauth2-proxy.yaml",
            _hr(
                "oauth2-proxy",
                f"config:\n  clientID: oauth2-proxy\n  clientSecret: {r(32)}\n  cookieSecret: {_b64url(32)}",
            ),
        ),
        (
            "dex-static-client",
            "dex.yaml",
            _hr(
                "dex",
                "config:\n  issuer: https://dex.acme.io\n  staticClients:\n"
                "    - id: grafana\n      name: Grafana\n"
                f"      secret: {r(40)}\n      redirectURIs: ['https://grafana.acme.io/login/generic_oauth']",
            ),
        ),
        (
            "authentik-env",
            "authentik.yaml",
            _hr(
                "authentik",
                f'authentik:\n  secret_key: "{r(50, A + "!@#%^*")}"\n'
                "  postgresql:\n    host: postgres-rw\n"
                f"    password: {r(16)}",
            ),
        ),
        (
            "nextcloud-admin",
            "nextcloud.yaml",
            _hr(
                "nextcloud",
                "nextcloud:\n  host: cloud.acme.io\n  username: admin\n"
                f"  password: {r(6, LOW)}-{r(6, LOW)}-{r(6, LOW)}",
            ),
        ),
        (
            "immich-compose",
            "docker-compose.yml",
            "services:\n  database:\n    image: postgres:16\n    environment:\n"
            f"      POSTGRES_PASSWORD: {r(20)}\n      POSTGRES_USER: postgres\n"
            "      POSTGRES_DB: immich\n",
        ),
        (
            "paperless-env",
            "paperless.env",
            f"PAPERLESS_DBHOST=postgres\nPAPERLESS_SECRET_KEY={r(50, A + '-_!')}\nPAPERLESS_URL=https://docs.acme.io\n",
        ),
        (
            "vaultwarden-token",
            "vaultwarden.yaml",
            _deploy(
                "vaultwarden",
                "env:\n  - name: DOMAIN\n"
                "    value: https://vault.acme.io\n  - name: ADMIN_TOKEN\n"
                f"    value: {_b64(48)}",
            ),
        ),
        (
            "grafana-env",
            "grafana-deploy.yaml",
            _deploy(
                "grafana",
                "env:\n  - name: GF_SECURITY_ADMIN_PASSWORD\n"
                f"    value: {r(7, LOW)}{r(2, DIG)}\n"
                "  - name: GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET\n"
                f"    value: {r(40)}",
            ),
        ),
        (
            "datasource-secure",
            "datasources.yaml",
            _cm(
                "grafana-datasources",
                "datasources.yaml: |\n  apiVersion: 1\n"
                "  datasources:\n    - name: Loki\n      type: loki\n"
                "      url: http://loki:3100\n      basicAuth: true\n"
                "      basicAuthUser: grafana\n      secureJsonData:\n"
                f"        basicAuthPassword: {r(18)}\n",
            ),
        ),
        (
            "harbor-admin",
            "harbor.yaml",
            _hr(
                "harbor",
                f"externalURL: https://harbor.acme.io\nharborAdminPassword: "
                f"{r(5, UP)}{r(5, LOW)}{r(2, DIG)}\nsecretKey: {r(16)}",
            ),
        ),
        ("minio-root", "minio.yaml", _hr("minio", f"rootUser: admin\nrootPassword: {r(24)}\nmode: standalone")),
        (
            "etcd-encryption",
            "encryption-config.yaml",
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
            "resources:\n  - resources:\n      - secrets\n    providers:\n"
            "      - aescbc:\n          keys:\n            - name: key1\n"
            f"              secret: {_b64(32)}\n      - identity: {{}}\n",
        ),
        (
            "helmfile-set",
            "helmfile.yaml",
            "releases:\n  - name: postgres\n    chart: bitnami/postgresql\n    set:\n"
            "      - name: auth.postgresPassword\n"
            f"        value: {r(8, LOW)}{r(4, DIG)}\n",
        ),
        (
            "kustomize-patch",
            "kustomization-patch.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n  - ../../base\npatches:\n  - target:\n"
            "      kind: HelmRelease\n      name: app\n    patch: |\n"
            "      - op: replace\n        path: /spec/values/auth/password\n"
            f"        value: {r(14)}\n",
        ),
        (
            "secretgen-apikey",
            "kustomization.yaml",
            "secretGenerator:\n  - name: homepage\n    literals:\n"
            f"      - HOMEPAGE_VAR_JELLYFIN_KEY={r(32, HEX)}\n"
            f"      - HOMEPAGE_VAR_PROXMOX_PASSWORD={r(12)}\n",
        ),
        (
            "postbuild-substitute",
            "cluster-settings.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata:\n  name: apps\n  namespace: flux-system\nspec:\n"
            "  postBuild:\n    substitute:\n      CLUSTER_DOMAIN: acme.io\n"
            f'      SMTP_PASSWORD: "{r(16)}"\n',
        ),
        (
            "splunk-otel",
            "otel-collector.yaml",
            _cm(
                "otel",
                "relay.yaml: |\n  exporters:\n    splunk_hec:\n"
                f'      token: "{uuid.uuid4()}"\n'
                "      endpoint: https://splunk.acme.io:8088/services/collector\n",
            ),
        ),
        (
            "license-env",
            "license-deploy.yaml",
            _deploy(
                "enterprise",
                f"env:\n  - name: APP_LICENSE\n    value: {r(6, UP)}-{r(6, UP)}-{r(6, UP)}-{r(6, UP)}-{r(6, UP)}",
            ),
        ),
        (
            "hmac-values",
            "imgproxy.yaml",
            _hr("imgproxy", f"features:\n  signing:\n    hmacKey: {r(64, HEX)}\n    salt: {r(64, HEX)}"),
        ),
        (
            "webhook-secret-args",
            "atlantis.yaml",
            _deploy(
                "atlantis",
                f"args:\n  - server\n  - --gh-webhook-secret={r(32)}\n  - --repo-allowlist=github.com/acme/*",
            ),
        ),
        (
            "db-url-json",
            "appsettings.json",
            json.dumps(
                {
                    "ConnectionStrings": {"Default": f"Server=db;Database=app;User Id=app;Password={r(14)};"},
                    "Logging": {"LogLevel": "Info"},
                },
                indent=2,
            ),
        ),
        ("mongodb-uri", "mongo.env", f"MONGO_URL=mongodb+srv://app:{r(16)}@cluster0.{r(5, LOW)}.mongodb.net/app\n"),
        ("settings-toml", "config.toml", f'[server]\nport = 8080\n\n[database]\nuser = "app"\npassword = "{r(18)}"\n'),
        ("ini-db", "app.ini", f"[database]\nhost = db.lan\nuser = app\npasswd = {r(16)}\n"),
        ("flux-receiver-token", "receiver-values.yaml", _hr("flux-webhooks", f"github:\n  webhookToken: {r(40, HEX)}")),
        (
            "json-jwt-secret",
            "config.json",
            json.dumps({"server": {"port": 3000}, "auth": {"jwtSecret": _b64(48)}}, indent=2),
        ),
        (
            "restic-password",
            "restic.env",
            f"RESTIC_REPOSITORY=s3:https://s3.acme.io/backups\nRESTIC_PASSWORD={r(32)}\n",
        ),
        ("netrc", ".netrc", f"machine git.acme.io\nlogin deploy\npassword {r(20)}\n"),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what real GitOps repositories hold that is no secret."""
    sha = r(64, HEX)
    return [
        ("image-digest", "deploy-digest.yaml", _deploy("web", "ports:\n  - containerPort: 8080")),
        (
            "checksum-annotations",
            "deploy-checksum.yaml",
            _deploy(
                "api",
                "envFrom:\n  - secretRef:\n      name: api-secrets",
                f"checksum/config: {r(64, HEX)}\nchecksum/secret: {r(64, HEX)}",
            ),
        ),
        (
            "chart-lock",
            "Chart.lock",
            "dependencies:\n- name: postgresql\n  repository: oci://registry-1.docker.io/bitnamicharts\n"
            f'  version: 15.5.0\ndigest: sha256:{sha}\ngenerated: "2024-06-01T10:00:00Z"\n',
        ),
        (
            "oci-digest",
            "ocirepo.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n"
            f"  name: podinfo\nspec:\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n"
            f"  ref:\n    digest: sha256:{r(64, HEX)}\n",
        ),
        (
            "gitrepo-commit",
            "gitrepo.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n"
            "  name: app\nspec:\n  url: ssh://git@github.com/acme/app\n"
            f"  ref:\n    commit: {r(40, HEX)}\n  secretRef:\n    name: flux-system\n",
        ),
        (
            "dashboard-uids",
            "dashboard.json",
            json.dumps(
                {
                    "uid": r(9, A),
                    "title": "Nodes",
                    "panels": [
                        {
                            "id": 1,
                            "datasource": {"type": "prometheus", "uid": str(uuid.uuid4())},
                            "targets": [{"refId": "A", "datasource": {"uid": str(uuid.uuid4())}}],
                        }
                    ],
                    "__inputs": [],
                    "version": 7,
                },
                indent=2,
            ),
        ),
        (
            "object-dump",
            "exported.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca\n"
            f'  uid: {uuid.uuid4()}\n  resourceVersion: "{r(8, DIG)}"\n'
            "  ownerReferences:\n    - apiVersion: apps/v1\n      kind: ReplicaSet\n"
            f"      name: web-{r(10, LOW)}\n      uid: {uuid.uuid4()}\n"
            "data:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    "
            f"{r(64, B64)}\n    -----END CERTIFICATE-----\n",
        ),
        (
            "workload-identity",
            "sa.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: external-dns\n"
            "  annotations:\n"
            f"    azure.workload.identity/client-id: {uuid.uuid4()}\n"
            f"    azure.workload.identity/tenant-id: {uuid.uuid4()}\n"
            "    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/external-dns\n",
        ),
        (
            "azure-ids",
            "azure-values.yaml",
            _hr(
                "external-dns",
                f"azure:\n  tenantId: {uuid.uuid4()}\n"
                f"  subscriptionId: {uuid.uuid4()}\n"
                "  resourceGroup: dns\n  useWorkloadIdentityExtension: true",
            ),
        ),
        (
            "existing-secret",
            "existing.yaml",
            _hr(
                "postgresql",
                "auth:\n  existingSecret: postgres-auth\n"
                "  secretKeys:\n    adminPasswordKey: postgres-password\n"
                "    userPasswordKey: password\n    replicationPasswordKey: repl",
            ),
        ),
        (
            "secret-key-ref",
            "secretkeyref.yaml",
            _deploy(
                "app",
                "env:\n  - name: DATABASE_PASSWORD\n    valueFrom:\n"
                "      secretKeyRef:\n        name: app-db\n        key: password\n"
                "  - name: API_TOKEN_FILE\n    value: /run/secrets/api-token",
            ),
        ),
        (
            "substitute-from",
            "substitute-from.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata:\n  name: apps\nspec:\n  postBuild:\n    substituteFrom:\n"
            "      - kind: Secret\n        name: cluster-secrets\n"
            "      - kind: ConfigMap\n        name: cluster-settings\n",
        ),
        (
            "flux-vars",
            "vars.yaml",
            _hr(
                "app",
                'auth:\n  password: ${APP_PASSWORD}\n  token: "${SECRET_API_TOKEN}"\n'
                "ingress:\n  host: app.${SECRET_DOMAIN}",
            ),
        ),
        (
            "sops-config",
            ".sops.yaml",
            "creation_rules:\n  - path_regex: kubernetes/.*\\.sops\\.ya?ml\n"
            "    encrypted_regex: ^(data|stringData)$\n"
            "    key_groups:\n      - age:\n"
            f"          - age1{r(58, BECH32)}\n          - age1{r(58, BECH32)}\n"
            f"        pgp:\n          - {r(40, HEX).upper()}\n",
        ),
        (
            "identity-pub",
            "identity.pub.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deploy-key\ndata:\n"
            f"  identity.pub: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{r(43, B64)} flux\n"
            "  known_hosts: github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI"
            f"bmlzdHAyNTYAAABBB{r(120, B64)}=\n",
        ),
        (
            "wireguard-peer",
            "peer.conf",
            f"[Peer]\nPublicKey = {_b64(32)}\nEndpoint = vpn.acme.io:51820\n"
            "AllowedIPs = 0.0.0.0/0\nPersistentKeepalive = 25\n",
        ),
        (
            "cosign-pub",
            "cosign.yaml",
            "apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n"
            "  name: signed\nspec:\n  authorities:\n    - key:\n        data: |\n"
            "          -----BEGIN PUBLIC KEY-----\n"
            f"          {r(64, B64)}\n          {r(24, B64)}==\n"
            "          -----END PUBLIC KEY-----\n",
        ),
        (
            "authelia-users",
            "users_database.yml",
            "users:\n  jane:\n    displayname: Jane\n"
            f'    password: "$argon2id$v=19$m=65536,t=3,p=4${_b64(16).rstrip("=")}'
            f'${_b64(32).rstrip("=")}"\n    email: jane@acme.io\n',
        ),
        (
            "traefik-basicauth",
            "middleware.yaml",
            "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n"
            "  name: auth\nspec:\n  basicAuth:\n    secret: basic-auth-users\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: htpasswd\n"
            f'data:\n  users: "admin:$apr1${r(8, A)}${r(22, A + "./")}"\n',
        ),
        (
            "vaultwarden-argon",
            "vaultwarden-hash.yaml",
            _deploy(
                "vaultwarden",
                "env:\n  - name: ADMIN_TOKEN\n    value: '$argon2id$v=19$m=65540,t=3,p=4$"
                f"{_b64(32).rstrip('=')}${_b64(32).rstrip('=')}'",
            ),
        ),
        (
            "bcrypt-hash",
            "weave-gitops.yaml",
            _hr(
                "weave-gitops",
                f"adminUser:\n  create: true\n  username: admin\n  passwordHash: $2a$10${r(53, A + './')}",
            ),
        ),
        (
            "ansible-vault",
            "group_vars.yml",
            "db_user: app\ndb_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n"
            + "".join(f"  {r(80, HEX)}\n" for _ in range(4)),
        ),
        (
            "renovate-encrypted",
            "renovate.json",
            json.dumps(
                {
                    "extends": ["config:recommended"],
                    "hostRules": [
                        {"matchHost": "ghcr.io", "encrypted": {"token": "wcFMA/xDdHCJBTolAQ" + r(300, B64) + "="}}
                    ],
                },
                indent=2,
            ),
        ),
        ("stripe-publishable", "frontend.env", f"STRIPE_PUBLISHABLE_KEY=pk_live_{r(99)}\nNODE_ENV=production\n"),
        (
            "recaptcha-site",
            "recaptcha.yaml",
            _cm("web", f"RECAPTCHA_SITE_KEY: 6L{r(38, URLSAFE)}\nRECAPTCHA_SECRET_KEY_FILE: /run/secrets/recaptcha\n"),
        ),
        (
            "sentry-dsn",
            "sentry.yaml",
            _hr(
                "web",
                f"sentry:\n  dsn: https://{r(32, HEX)}@o{r(6, DIG)}.ingest.sentry.io/{r(7, DIG)}\n  environment: prod",
            ),
        ),
        (
            "env-example",
            ".env.example",
            "API_KEY=your-api-key-here\nSECRET_KEY=changeme\nDB_PASSWORD=<password>\n"
            "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nJWT_SECRET=\n",
        ),
        (
            "values-placeholders",
            "values-doc.yaml",
            "auth:\n  # -- admin password; set it in a Secret\n"
            '  adminPassword: ""\n  apiToken: REPLACE_ME\n'
            "  clientSecret: <client-secret>\n  licenseKey: YOUR_LICENSE_KEY\n",
        ),
        (
            "argocd-reference",
            "argocd-cm.yaml",
            _cm(
                "argocd-cm",
                "url: https://argo.acme.io\ndex.config: |\n"
                "  connectors:\n    - type: github\n      id: github\n"
                "      config:\n        clientID: Iv1.0123abcd\n"
                "        clientSecret: $dex.github.clientSecret\n",
            ),
        ),
        (
            "grafana-file-ref",
            "grafana-ini.yaml",
            _hr(
                "grafana",
                "grafana.ini:\n  security:\n"
                "    admin_password: $__file{/etc/secrets/admin_password}\n"
                "  auth.generic_oauth:\n"
                "    client_secret: $__env{OAUTH_CLIENT_SECRET}",
            ),
        ),
        (
            "password-file",
            "password-file.yaml",
            _hr(
                "app",
                "auth:\n  passwordFile: /run/secrets/password\n"
                "  tokenPath: /var/run/secrets/tokens/app\n"
                "  secretsDir: /etc/app/secrets",
            ),
        ),
        (
            "package-lock",
            "package-lock.json",
            json.dumps(
                {
                    "name": "web",
                    "lockfileVersion": 3,
                    "packages": {
                        "node_modules/left-pad": {
                            "version": "1.3.0",
                            "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
                            "integrity": "sha512-" + _b64(64),
                        }
                    },
                },
                indent=2,
            ),
        ),
        (
            "go-sum",
            "go.sum",
            f"github.com/fluxcd/pkg v1.2.0 h1:{_b64(32)}\ngithub.com/fluxcd/pkg v1.2.0/go.mod h1:{_b64(32)}\n",
        ),
        (
            "llm-tokens",
            "ai-values.yaml",
            _hr(
                "open-webui",
                "config:\n  max_tokens: 4096\n  maxTokens: 2048\n  tokenizer: cl100k_base\n  tokenTTL: 24h",
            ),
        ),
        (
            "cert-private-key-spec",
            "certificate.yaml",
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n"
            "  name: wildcard\nspec:\n  secretName: wildcard-tls\n"
            "  privateKey:\n    algorithm: ECDSA\n    size: 256\n"
            "    rotationPolicy: Always\n  dnsNames: ['*.acme.io']\n",
        ),
        (
            "sa-token-secret",
            "sa-token.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci-token\n"
            "  annotations:\n    kubernetes.io/service-account.name: ci\n"
            "type: kubernetes.io/service-account-token\n",
        ),
        (
            "jwks-public",
            "jwks.json",
            json.dumps(
                {
                    "keys": [
                        {
                            "kty": "RSA",
                            "use": "sig",
                            "kid": r(43, URLSAFE),
                            "alg": "RS256",
                            "n": _b64url(256),
                            "e": "AQAB",
                        }
                    ]
                },
                indent=2,
            ),
        ),
        (
            "gpg-fingerprint",
            "gpg-verify.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
            "metadata:\n  name: app\n  annotations:\n"
            f"    acme.io/signing-key-fingerprint: {r(40, HEX).upper()}\n"
            "spec:\n  verify:\n    mode: HEAD\n    secretRef:\n      name: pgp-public-keys\n",
        ),
        (
            "ssh-host-fingerprint",
            "hosts.yaml",
            _cm("ssh-hosts", f"fingerprint: SHA256:{_b64(32).rstrip('=')}\nhost: git.acme.io\n"),
        ),
        (
            "home-assistant-ids",
            "ha-entities.yaml",
            "sensor:\n  - platform: template\n    sensors:\n"
            f"      power:\n        unique_id: {uuid.uuid4()}\n"
            "        value_template: \"{{ states('sensor.p') }}\"\n",
        ),
        (
            "kyverno-pattern",
            "policy.yaml",
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n"
            "  name: no-plain-passwords\nspec:\n  rules:\n    - name: env\n"
            "      validate:\n        pattern:\n          spec:\n            containers:\n"
            '              - env:\n                  - (name): "*PASSWORD*"\n'
            '                    X(value): "?*"\n',
        ),
        (
            "image-pull-secret",
            "pull.yaml",
            _deploy("app", "envFrom:\n  - configMapRef:\n      name: app")
            + "      imagePullSecrets:\n        - name: ghcr-credentials\n      automountServiceAccountToken: false\n",
        ),
        (
            "valuesfrom",
            "valuesfrom.yaml",
            _hr("app", "replicaCount: 1").replace(
                "  values:\n",
                "  valuesFrom:\n    - kind: Secret\n      name: app-secret-values\n"
                "      valuesKey: adminPassword\n      targetPath: auth.adminPassword\n  values:\n",
            ),
        ),
        (
            "build-info",
            "build.env",
            f"GIT_COMMIT={r(40, HEX)}\nBUILD_ID={uuid.uuid4()}\nIMAGE_DIGEST=sha256:{r(64, HEX)}\n",
        ),
        (
            "token-endpoints",
            "oidc.yaml",
            _hr(
                "app",
                "oidc:\n  issuer: https://auth.acme.io\n"
                "  tokenUrl: https://auth.acme.io/oauth2/token\n"
                "  clientId: app\n  secretName: app-oidc\n  usePKCE: true",
            ),
        ),
        (
            "helm-template",
            "chart/templates/secret.yaml",
            'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include "app.fullname" . }}\n'
            "stringData:\n  password: {{ .Values.auth.password | quote }}\n"
            "  token: {{ randAlphaNum 32 | b64enc }}\n",
        ),
    ]


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): sops files made by the real sops, in every store and in the
    shapes Flux repositories use (`encrypted_regex` for data/stringData, whole files, dotenv, INI,
    JSON, binary, `--mac-only-encrypted`, an unencrypted suffix)."""
    import pyrage

    ident = pyrage.x25519.Identity.generate()
    recipient = str(ident.to_public())
    secret = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: apps\ntype: Opaque\n"
        f"stringData:\n  password: {r(20)}\n  token: ghp_{r(36)}\n  api_key: {r(32, HEX)}\n"
    )
    values = _hr("app", f"auth:\n  adminPassword: {r(16)}\n  hmacKey: {r(64, HEX)}\nimage:\n  tag: v1.2.3")
    cases = [
        ("secret-regex", "secret.sops.yaml", secret, ["--encrypted-regex", "^(data|stringData)$"]),
        ("secret-whole", "app.enc.yaml", secret, []),
        ("helmrelease-regex", "helmrelease.sops.yaml", values, ["--encrypted-regex", "^(adminPassword|hmacKey)$"]),
        ("mac-only", "config.sops.yaml", secret,
         ["config:encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true"]),  # only .sops.yaml sets it
        (
            "suffix",
            "talsecret.sops.yaml",
            f"cluster:\n  id: {r(43, B64)}=\n  secret_encrypted: {_b64(32)}\n  name: main\n",
            ["--encrypted-suffix", "_encrypted"],
        ),
        (
            "json",
            "secret.sops.json",
            json.dumps({"db": {"password": r(20)}, "token": f"glpat-{r(20, URLSAFE)}"}),
            ["--input-type", "json", "--output-type", "json"],
        ),
        (
            "dotenv",
            "app.sops.env",
            f"DB_PASSWORD={r(20)}\nSTRIPE_KEY=sk_live_{r(24)}\n",
            ["--input-type", "dotenv", "--output-type", "dotenv"],
        ),
        (
            "ini",
            "creds.sops.ini",
            f"[default]\naws_access_key_id = AKIA{r(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n"
            f"aws_secret_access_key = {r(40, A + '/+')}\n",
            ["--input-type", "ini", "--output-type", "ini"],
        ),
        ("binary", "id_ed25519.sops", _pem(), ["--input-type", "binary", "--output-type", "binary"]),
        (
            "multi-doc",
            "secrets.sops.yaml",
            secret + "---\n" + secret.replace("name: app", "name: app2"),
            ["--encrypted-regex", "^(data|stringData)$"],
        ),
    ]
    return encrypt_cases(binary, cases, recipient)


def encrypt_cases(binary: str, cases: list[tuple[str, str, str, list[str]]],
                  recipient: str) -> list[tuple[str, str, str]]:
    """(case, file name, ciphertext) of each (case, file name, plaintext, sops args), encrypted by the real sops
    to ``recipient`` (unless the args name recipients); args `["config:<rule lines>"]` write a `.sops.yaml`
    creation rule instead (what only a rule sets: `mac_only_encrypted`, `encrypted_comment_regex`)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, name, plain, args in cases:
            path = Path(tmp) / case / name
            path.parent.mkdir()
            path.write_text(plain)
            if args and args[0].startswith("config:"):
                (path.parent / ".sops.yaml").write_text(f"creation_rules:\n  - {args[0][7:]}\n    age: {recipient}\n")
                args = []
            elif "--age" not in args:
                args = ["--age", recipient, *args]
            res = subprocess.run([binary, "encrypt", *args, name], capture_output=True, check=True, cwd=path.parent,
                                 env={"PATH": "/usr/bin:/bin", "HOME": tmp})
            out.append((f"sops:{case}", name, res.stdout.decode()))
    return out


Maker = Callable[[], list[tuple[str, str, str]]]


def assemble(seed: int, tokens: Maker, gitops: Maker, lookalikes: Maker,
             sops_files: Callable[[str], list[tuple[str, str, str]]]) -> list[tuple[str, str, str, str]]:
    """A held-out set's rows, in order, from ``seed``: (row id, label, file name, content)."""
    random.seed(seed)
    out: list[tuple[str, str, str, str]] = []
    for kind, name, text in tokens():
        out.append((f"token:{kind}", "secret", name, text))
    for case, name, text in gitops():
        out.append((f"gitops:{case}", "secret", name, text))
    for case, name, text in lookalikes():
        out.append((f"clean:{case}", "clean", name, text))
    for case, name, text in sops_files(str(Path(sys.executable).parent / "sops")):
        out.append((case, "clean", name, text))
    return out


def rows(seed: int = 23) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)
