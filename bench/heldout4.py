"""The fourth held-out set (issue 22, round 4): written, and run, before any rule was changed for it.

New against sets 1 to 3: token formats from providers' public documentation that none of them holds
(Vault batch tokens, OpenAI service-account and admin keys, Anthropic admin keys, Supabase secret
keys, Airtable, Contentful, Brevo SMTP, SonarQube, Docker organisation tokens, NuGet, Tencent Cloud,
Fly.io macaroons, CircleCI, Private Packagist, Harness, Plaid, JFrog reference tokens, Azure SAS
URLs, Microsoft Teams webhooks, Discord bot tokens, Dropbox, Linear OAuth, GitLab OAuth/feed/runner
registration, 1Password secret keys, Bitbucket app passwords, PuTTY, OpenVPN static keys, OpenPGP
private keys, Firebase server keys, New Relic insert keys, ntfy, Plex), each in a place the earlier
sets did not use (`.envrc`, Taskfile, Justfile, Makefile, Python settings, `netlify.toml`, GitLab CI,
Azure Pipelines, Backstage, Gatus, Vector, `mcp.json`, composer's `auth.json`, `pip.conf`, shell
scripts); GitOps places the earlier sets did not use (a chart's own `values.yaml`, a kustomize
`.env`, Argo CD repository Secrets, Docker `config.json`, `.pypirc`, `.git-credentials`, JDBC, AMQP,
`rediss://` and multi-host Mongo URLs, systemd units, a `.pgpass` file, Spring properties, HAProxy,
kubeconfig and talosconfig, cloud-init, Caddyfile, Alertmanager e-mail, `.npmrc` `_auth`, Flux
Receiver and Provider, Prometheus scrape configs, Django, Home Assistant, Zigbee2MQTT, PgBouncer,
Redis ACL, Postfix, MetalLB); look-alikes that real repositories hold (kubeconfig `exec:` plugins,
certificates, hashes where a hash is expected, placeholders of each syntax, docs' examples,
checksums, git SHAs under `rev:`/`ref=`, IDs, public keys, publishable keys, ciphertext); and sops
files made by the real `sops` in shapes sets 2 and 3 did not use. No literal credential is stored:
every secret is random at run time, deterministic for a seed.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import urllib.parse

from bench.heldout2 import assemble, encrypt_cases
from bench.heldout3 import _b64, _b64url, _cm, _hr, _indent, _uuid, _workflow, _workload
from bench.labelled import HEX, LOW, UP, URLSAFE, A, r

DIG = string.digits
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _pem_block(label: str, lines: int) -> str:
    body = "".join(f"{_b64(48)}\n" for _ in range(lines))
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


def _talos_key() -> str:
    """An Ed25519 key as Talos writes it into a talosconfig: PKCS#8 under its own PEM label."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.from_private_bytes(random.randbytes(32))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem.replace("PRIVATE KEY", "ED25519 PRIVATE KEY")


def _pgp_private() -> str:
    """An armored OpenPGP secret key block (packet bytes random, framing as gpg writes it)."""
    raw = bytes([0x94, 0x58, 0x04]) + random.randbytes(600)
    text = base64.b64encode(raw).decode()
    body = "\n".join(text[i:i + 64] for i in range(0, len(text), 64))
    return (f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n={_b64(3)}\n"
            "-----END PGP PRIVATE KEY BLOCK-----\n")


def _putty() -> str:
    pub = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + random.randbytes(32)).decode()
    private = base64.b64encode(b"\x00\x00\x00\x20" + random.randbytes(32)).decode()
    return ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ed25519-key-20240611\n"
            f"Public-Lines: 2\n{pub[:64]}\n{pub[64:]}\nPrivate-Lines: 1\n{private}\nPrivate-MAC: {r(64, HEX)}\n")


def _discord_bot() -> str:
    snowflake = str(random.randint(10 ** 17, 2 * 10 ** 18))
    return f"{base64.b64encode(snowflake.encode()).decode().rstrip('=')}.{r(6, URLSAFE)}.{r(38, URLSAFE)}"


def _openai(kind: str) -> str:
    return f"sk-{kind}-{r(74, URLSAFE)}T3BlbkFJ{r(74, URLSAFE)}"


def _secret_doc(name: str, data: str, labels: str = "") -> str:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: apps\n{labels}type: Opaque\n"
            "stringData:\n" + _indent(data, 2))


def tokens() -> list[tuple[str, str, str]]:
    """(format, file name, content): one documented format each, in a place sets 1-3 did not use."""
    return [
        ("vault-batch", ".envrc", "export VAULT_ADDR=https://vault.acme.io:8200\n"
                                  f"export VAULT_TOKEN=hvb.AAAAAQ{r(130, URLSAFE)}\nuse flake\n"),
        ("openai-service-account", "compose.override.yml",
         "services:\n  open-webui:\n    environment:\n      OPENAI_API_BASE_URL: https://api.openai.com/v1\n"
         f"      OPENAI_API_KEY: {_openai('svcacct')}\n"),
        ("openai-admin", "settings.py",
         "import os\n\nDEBUG = False\nALLOWED_HOSTS = ['usage.acme.io']\n"
         f"OPENAI_ADMIN_KEY = \"{_openai('admin')}\"\nUSAGE_POLL_SECONDS = 300\n"),
        ("anthropic-admin", "Taskfile.yml",
         "version: '3'\n\nenv:\n  CLUSTER: prod\n"
         f"  ANTHROPIC_ADMIN_KEY: sk-ant-admin01-{r(93, URLSAFE)}AA\n\ntasks:\n  usage:\n"
         "    cmds:\n      - ./scripts/usage.sh\n"),
        ("supabase-secret", ".env.local", f"NEXT_PUBLIC_SUPABASE_URL=https://{r(20, LOW)}.supabase.co\n"
                                          f"SUPABASE_SERVICE=sb_secret_{r(31, URLSAFE)}\n"),
        ("airtable-pat", "airtable.yaml",
         _cm("airtable-sync", f"base: app{r(14)}\ntable: Inventory\npat: pat{r(14)}.{r(64, HEX)}\n")),
        ("contentful", "netlify.toml",
         '[build]\n  command = "npm run build"\n  publish = "dist"\n\n[build.environment]\n'
         f'  NODE_VERSION = "20"\n  CONTENTFUL_MANAGEMENT = "CFPAT-{r(43, URLSAFE)}"\n'),
        ("brevo-smtp", "alertmanager-config.yaml",
         _cm("alertmanager", "alertmanager.yml: |\n  global:\n    smtp_smarthost: smtp-relay.brevo.com:587\n"
                             "    smtp_from: alerts@acme.io\n    smtp_auth_username: ops@acme.io\n"
                             f"    smtp_auth_password: xsmtpsib-{r(64, HEX)}-{r(16)}\n")),
        ("sonarqube", "sonar-project.properties",
         "sonar.projectKey=acme_api\nsonar.sources=src\nsonar.host.url=https://sonar.acme.io\n"
         f"sonar.login=squ_{r(40, HEX)}\n"),
        ("docker-org-token", ".gitlab-ci.yml",
         "stages: [build]\n\nvariables:\n  DOCKER_DRIVER: overlay2\n  DOCKERHUB_USER: acme\n"
         f"  DOCKERHUB_TOKEN: dckr_oat_{r(32, URLSAFE)}\n\nbuild:\n  stage: build\n  script:\n"
         "    - docker build -t acme/api .\n"),
        ("nuget", "azure-pipelines.yml",
         "trigger:\n  - main\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: dotnet pack -c Release\n"
         f"  - script: dotnet nuget push bin/Release/*.nupkg --api-key oy2{r(43, LOW)} "
         "--source https://api.nuget.org/v3/index.json\n"),
        ("tencent-cloud", "dnspod-webhook.yaml",
         _hr("cert-manager-webhook-dnspod", f"groupName: acme.io\nsecretId: AKID{r(32)}\nsecretKey: {r(32)}")),
        ("flyio-macaroon", "Justfile",
         "set dotenv-load\n\ndeploy:\n    flyctl deploy --remote-only --access-token "
         f"\"FlyV1 fm2_lJPE{_b64(300).rstrip('=')},fm2_lJPE{_b64(150).rstrip('=')}\"\n"),
        ("circleci", "Makefile",
         f".PHONY: trigger\nCIRCLE_TOKEN ?= CCIPAT_{r(22)}_{r(40, HEX)}\n\ntrigger:\n"
         "\tcurl -X POST -H \"Circle-Token: $(CIRCLE_TOKEN)\" https://circleci.com/api/v2/project/gh/acme/api/pipeline\n"),
        ("private-packagist", "auth.json",
         json.dumps({"bearer": {"repo.packagist.com": f"packagist_ort_{r(68, HEX)}"}}, indent=4)),
        ("harness", "deploy.sh",
         "#!/usr/bin/env bash\nset -euo pipefail\n"
         "curl -sf -X POST 'https://app.harness.io/pipeline/api/pipeline/execute' \\\n"
         f"  -H 'x-api-key: pat.{r(22, URLSAFE)}.{r(24)}.{r(20)}' \\\n  -H 'Content-Type: application/yaml'\n"),
        ("plaid", "appsettings.Production.json",
         json.dumps({"Plaid": {"ClientId": r(24, HEX), "Environment": "production",
                               "AccessToken": f"access-production-{_uuid()}"}}, indent=2)),
        ("jfrog-reference", "pip.conf",
         "[global]\nindex-url = https://ci:cmVmdGtuOjAxOj"
         f"{r(54)}@acme.jfrog.io/artifactory/api/pypi/pypi/simple\ntimeout = 60\n"),
        ("azure-sas-url", "rclone-azure.conf",
         "[azure]\ntype = azureblob\nsas_url = https://acmebackups.blob.core.windows.net/velero?sv=2022-11-02"
         "&ss=b&srt=co&sp=rwdlacx&se=2026-12-31T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&sig="
         + urllib.parse.quote(_b64(32), safe="") + "\n"),
        ("teams-webhook", "provider-teams.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: teams\n"
         "  namespace: flux-system\nspec:\n  type: msteams\n"
         f"  address: https://acme.webhook.office.com/webhookb2/{_uuid()}@{_uuid()}/IncomingWebhook/"
         f"{r(32, HEX)}/{_uuid()}/V2{r(43, URLSAFE)}\n"),
        ("discord-bot", "bot-values.yaml", _hr("red-discordbot", f"bot:\n  prefix: '!'\n  discord: {_discord_bot()}\n"
                                                                 "  owner: \"" + r(18, DIG) + "\"")),
        ("dropbox", "compose.backup.yml",
         "services:\n  backup:\n    image: acme/dropbox-backup:1.4\n    environment:\n"
         f"      DROPBOX_SESSION: sl.u.AF{r(150, URLSAFE)}\n      SCHEDULE: '@daily'\n"),
        ("linear-oauth", "mcp.json",
         json.dumps({"mcpServers": {"linear": {"command": "npx", "args": ["-y", "linear-mcp"],
                                               "env": {"LINEAR_ACCESS": f"lin_oauth_{r(64, HEX)}"}}}}, indent=2)),
        ("gitlab-oauth-app", "app-config.production.yaml",
         "app:\n  baseUrl: https://backstage.acme.io\nauth:\n  environment: production\n  providers:\n"
         "    gitlab:\n      production:\n        clientId: " + r(64, HEX) + "\n"
         f"        clientSecret: gloas-{r(64, HEX)}\n        audience: https://gitlab.acme.io\n"),
        ("gitlab-feed", "feeds.yaml",
         _cm("miniflux-feeds", "feeds.yaml: |\n  - title: infra activity\n"
                               "    url: https://gitlab.acme.io/acme/infra.atom?feed_token="
                               f"glft-{r(20, URLSAFE)}\n  - title: flux releases\n"
                               "    url: https://github.com/fluxcd/flux2/releases.atom\n")),
        ("gitlab-runner-registration", "gitlab-runner.yaml",
         _hr("gitlab-runner", "gitlabUrl: https://gitlab.acme.io/\n"
                              f"runnerRegistrationToken: GR1348941{r(20, URLSAFE)}\nconcurrent: 4\n"
                              "rbac:\n  create: true")),
        ("onepassword-secret-key", "bootstrap.sh",
         "#!/bin/sh\nop account add --address acme.1password.com --email ops@acme.io \\\n"
         f"  --secret-key A3-{r(6, UP)}-{r(6, UP)}-{r(5, UP)}-{r(5, UP)}-{r(5, UP)}-{r(5, UP)}\n"),
        ("bitbucket-app-password", "config.js",
         "module.exports = {\n  platform: 'bitbucket',\n  username: 'renovate-bot',\n"
         f"  password: 'ATBB{r(32)}',\n  repositories: ['acme/infra'],\n}};\n"),
        ("putty-key", "deploy.ppk", _putty()),
        ("openvpn-static", "openvpn.yaml",
         _cm("openvpn", "ta.key: |\n  #\n  # 2048 bit OpenVPN static key\n  #\n"
                        "  -----BEGIN OpenVPN Static key V1-----\n"
             + "".join(f"  {r(32, HEX)}\n" for _ in range(16)) + "  -----END OpenVPN Static key V1-----\n")),
        ("pgp-private", "sops.asc", _pgp_private()),
        ("firebase-server-key", "push-values.yaml",
         _hr("gotify-push", f"notifications:\n  android:\n    fcm: AAAA{r(7, URLSAFE)}:APA91b{r(134, URLSAFE)}")),
        ("newrelic-insert", "vector.yaml",
         _cm("vector", "vector.yaml: |\n  sinks:\n    newrelic_events:\n      type: http\n      inputs: [k8s]\n"
                       "      uri: https://insights-collector.newrelic.com/v1/accounts/1234567/events\n"
                       "      encoding:\n        codec: json\n      request:\n        headers:\n"
                       f"          X-Insert-Key: NRII-{r(32, URLSAFE)}\n")),
        ("ntfy", "gatus.yaml",
         _cm("gatus", "config.yaml: |\n  alerting:\n    ntfy:\n      url: https://ntfy.acme.io\n"
                      f"      topic: cluster\n      token: tk_{r(29, LOW)}\n      priority: 4\n")),
        ("plex", "gatus-endpoints.yaml",
         _cm("gatus-endpoints", "endpoints.yaml: |\n  endpoints:\n    - name: plex\n"
                                f"      url: http://plex.media:32400/identity?X-Plex-Token={r(20, URLSAFE)}\n"
                                "      interval: 5m\n      conditions:\n        - '[STATUS] == 200'\n")),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(case, file name, content): plaintext secrets in GitOps places sets 1-3 did not use."""
    kube_token = _b64url(48)
    return [
        ("chart-own-values", "charts/wiki/values.yaml",
         "replicaCount: 1\nimage:\n  repository: ghcr.io/requarks/wiki\n  tag: \"2.5\"\npostgresql:\n"
         "  enabled: true\n  auth:\n    username: wiki\n"
         f"    password: {r(9, LOW)}{r(3, DIG)}\n    database: wiki\n"),
        ("kustomize-env-file", "overlays/prod/meilisearch.env",
         f"MEILI_ENV=production\nMEILI_MASTER_KEY={r(32, HEX)}\nMEILI_NO_ANALYTICS=true\n"),
        ("argocd-repo-secret", "repo-infra.yaml",
         _secret_doc("repo-infra", "type: git\nurl: https://git.acme.io/acme/infra.git\nusername: argocd\n"
                                   f"password: {r(20)}\n",
                     "  labels:\n    argocd.argoproj.io/secret-type: repository\n")),
        ("docker-config-json", ".docker/config.json",
         json.dumps({"auths": {"registry.acme.io": {"auth": base64.b64encode(f"ci:{r(18)}".encode()).decode()}}},
                    indent=1)),
        ("pypirc", ".pypirc",
         "[distutils]\nindex-servers =\n    acme\n\n[acme]\nrepository = https://pypi.acme.io/\n"
         f"username = ci\npassword = {r(20)}\n"),
        ("git-credentials", ".git-credentials", f"https://deploy-bot:{r(24)}@git.acme.io\n"),
        ("jdbc-url", "application-prod.properties",
         "server.port=8080\nspring.datasource.url=jdbc:postgresql://db.acme.lan:5432/orders"
         f"?user=orders&password={r(16)}&ssl=true\nspring.jpa.hibernate.ddl-auto=validate\n"),
        ("amqp-url", "worker-job.yaml",
         _workload("CronJob", "worker", "env:\n  - name: CELERY_BROKER_URL\n"
                   f"    value: amqp://celery:{r(18)}@rabbitmq.queue:5672/jobs")),
        ("rediss-url", "sidekiq.yaml", _cm("sidekiq", f"REDIS_URL: rediss://:{r(24)}@redis.acme.io:6380/0\n"
                                                     "RAILS_MAX_THREADS: \"5\"\n")),
        ("mongo-multi-host", "unifi-values.yaml",
         _hr("unifi", "mongodb:\n  enabled: false\n  uri: mongodb://unifi:" + r(16)
             + "@mongo-0.mongo:27017,mongo-1.mongo:27017/unifi?replicaSet=rs0&authSource=admin")),
        ("systemd-environment", "backup.service",
         "[Unit]\nDescription=Nightly backup\n\n[Service]\nType=oneshot\n"
         f"Environment=\"RESTIC_REPOSITORY=s3:s3.acme.io/backups\" \"RESTIC_PASSWORD={r(24)}\"\n"
         "ExecStart=/usr/bin/restic backup /srv\n"),
        ("pgpass-file", ".pgpass", f"# host:port:db:user:password\ndb.acme.lan:5432:*:backup:{r(22)}\n"),
        ("spring-mail", "application.properties",
         "spring.mail.host=smtp.acme.io\nspring.mail.port=587\nspring.mail.username=noreply@acme.io\n"
         f"spring.mail.password={r(16)}\nspring.mail.properties.mail.smtp.starttls.enable=true\n"),
        ("haproxy-stats-auth", "haproxy.yaml",
         _cm("haproxy", "haproxy.cfg: |\n  frontend stats\n    bind *:8404\n    stats enable\n    stats uri /\n"
                        f"    stats auth admin:{r(14)}\n")),
        ("kubeconfig-token", "kubeconfig-ci.yaml",
         "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n      server: https://10.0.0.10:6443\n"
         f"      certificate-authority-data: {_b64(400)}\nusers:\n  - name: ci\n    user:\n"
         f"      token: {kube_token}\ncontexts:\n  - name: ci@prod\n    context:\n      cluster: prod\n"
         "      user: ci\ncurrent-context: ci@prod\n"),
        ("talosconfig", "talosconfig",
         "context: prod\ncontexts:\n  prod:\n    endpoints:\n      - 10.0.0.10\n    nodes:\n      - 10.0.0.11\n"
         f"    ca: {_b64(420)}\n    crt: {_b64(420)}\n    key: {base64.b64encode(_talos_key().encode()).decode()}\n"),
        ("cloud-init-plain", "user-data",
         "#cloud-config\nhostname: node1\nusers:\n  - name: ops\n    sudo: ALL=(ALL) NOPASSWD:ALL\n"
         f"    lock_passwd: false\n    plain_text_passwd: {r(8, LOW)}{r(3, DIG)}\n"),
        ("caddy-dns-token", "Caddyfile",
         "{\n\temail ops@acme.io\n}\n\n*.acme.io {\n\ttls {\n"
         f"\t\tdns cloudflare {r(40, URLSAFE)}\n\t}}\n\treverse_proxy traefik:80\n}}\n"),
        ("alertmanager-email", "kube-prometheus-stack.yaml",
         _hr("kube-prometheus-stack", "alertmanager:\n  config:\n    receivers:\n      - name: email\n"
                                      "        email_configs:\n          - to: ops@acme.io\n"
                                      "            smarthost: smtp.fastmail.com:587\n"
                                      "            auth_username: ops@acme.io\n"
                                      f"            auth_password: {r(16, LOW)}\n")),
        ("npmrc-auth", ".npmrc",
         "registry=https://nexus.acme.io/repository/npm-group/\nalways-auth=true\n_auth="
         + base64.b64encode(f"ci:{r(18)}".encode()).decode() + "\n"),
        ("flux-receiver", "receiver.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: github\n"
         "  namespace: flux-system\nspec:\n  type: github\n  events: [ping, push]\n  secretRef:\n"
         "    name: webhook-token\n  resources:\n    - kind: GitRepository\n      name: flux-system\n---\n"
         + _secret_doc("webhook-token", f"token: {r(40, HEX)}\n").replace("namespace: apps", "namespace: flux-system")),
        ("flux-provider-proxy", "provider-proxy.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: slack\n"
         "  namespace: flux-system\nspec:\n  type: slack\n  channel: flux\n  secretRef:\n    name: slack-url\n"
         f"  proxy: http://flux:{r(16)}@proxy.acme.lan:3128\n"),
        ("prometheus-bearer", "prometheus-config.yaml",
         _cm("prometheus", "prometheus.yml: |\n  scrape_configs:\n    - job_name: home-assistant\n"
                           "      metrics_path: /api/prometheus\n"
                           f"      bearer_token: {r(48, URLSAFE)}\n"
                           "      static_configs:\n        - targets: ['hass.home:8123']\n")),
        ("django-secret-key", "settings_prod.py",
         "from .base import *  # noqa\n\nDEBUG = False\n"
         f"SECRET_KEY = '{r(50, A + '!@#%^&*(-_=+)')}'\nALLOWED_HOSTS = ['app.acme.io']\n"),
        ("home-assistant-secrets", "secrets.yaml",
         f"mqtt_password: {r(16)}\nlatitude: 52.52\nlongitude: 13.40\n"
         f"influx_token: {r(86, URLSAFE)}==\n"),
        ("zigbee2mqtt-network-key", "zigbee2mqtt.yaml",
         _hr("zigbee2mqtt", "config:\n  mqtt:\n    server: mqtt://mosquitto\n  serial:\n    port: /dev/ttyUSB0\n"
                            "  advanced:\n    pan_id: " + str(random.randint(1, 65000))
             + "\n    network_key: [" + ", ".join(str(random.randint(0, 255)) for _ in range(16)) + "]")),
        ("pgbouncer-userlist", "pgbouncer.yaml",
         _cm("pgbouncer", f"userlist.txt: |\n  \"app\" \"{r(20)}\"\n  \"stats\" \"{r(14)}\"\n")),
        ("redis-acl", "redis-acl.yaml",
         _cm("redis", f"users.acl: |\n  user default off\n  user app on >{r(24)} ~app:* +@all\n")),
        ("postfix-sasl", "postfix.yaml",
         _cm("postfix", f"sasl_passwd: |\n  [smtp.gmail.com]:587 relay@acme.io:{r(16, LOW)}\n")),
        ("metallb-bgp", "bgppeer.yaml",
         "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n  namespace: metallb-system\n"
         f"spec:\n  myASN: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n  password: {r(12)}\n"),
        ("age-key-in-workflow", "sops-check.yml",
         _workflow("- uses: actions/checkout@v4\n- run: sops -d clusters/prod/secrets.sops.yaml > /dev/null",
                   f"SOPS_AGE_KEY: AGE-SECRET-KEY-1{r(58, BECH32.upper())}")),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what real repositories hold beside their secrets that is no secret."""
    return [
        ("kubeconfig-exec", "kubeconfig-eks.yaml",
         "apiVersion: v1\nkind: Config\nclusters:\n  - name: eks\n    cluster:\n"
         f"      server: https://{r(32, HEX).upper()}.gr7.eu-central-1.eks.amazonaws.com\n"
         f"      certificate-authority-data: {_b64(400)}\nusers:\n  - name: eks\n    user:\n      exec:\n"
         "        apiVersion: client.authentication.k8s.io/v1beta1\n        command: aws\n"
         "        args: [eks, get-token, --cluster-name, prod]\n        interactiveMode: Never\n"
         "contexts:\n  - name: eks\n    context: {cluster: eks, user: eks}\ncurrent-context: eks\n"),
        ("kubeconfig-oidc", "kubeconfig-oidc.yaml",
         "apiVersion: v1\nkind: Config\nusers:\n  - name: oidc\n    user:\n      exec:\n"
         "        apiVersion: client.authentication.k8s.io/v1beta1\n        command: kubectl\n"
         "        args:\n          - oidc-login\n          - get-token\n          - --oidc-issuer-url=https://auth.acme.io\n"
         f"          - --oidc-client-id={_uuid()}\n"),
        ("kubeconfig-cert-files", "kubeconfig-files.yaml",
         "apiVersion: v1\nkind: Config\nusers:\n  - name: admin\n    user:\n"
         f"      client-certificate-data: {base64.b64encode(_pem_block('CERTIFICATE', 8).encode()).decode()}\n"
         "      client-key: /etc/kubernetes/pki/admin.key\n"),
        ("caddy-bcrypt", "Caddyfile.auth",
         "admin.acme.io {\n\tbasicauth {\n\t\tadmin $2a$14$" + r(53, A + "./") + "\n\t}\n"
         "\treverse_proxy admin:8080\n}\n"),
        ("caddy-env-token", "Caddyfile.env",
         "*.acme.io {\n\ttls {\n\t\tdns cloudflare {env.CF_API_TOKEN}\n\t}\n\treverse_proxy traefik:80\n}\n"),
        ("haproxy-hashed", "haproxy-users.yaml",
         _cm("haproxy", "haproxy.cfg: |\n  userlist admins\n    user admin password $6$" + r(16, A + "./") + "$"
             + r(86, A + "./") + "\n  frontend stats\n    stats auth ${STATS_USER}:${STATS_PASSWORD}\n")),
        ("pgbouncer-scram", "pgbouncer-hashed.yaml",
         _cm("pgbouncer", "userlist.txt: |\n  \"app\" \"SCRAM-SHA-256$4096:" + _b64(16) + "$" + _b64(32) + ":"
             + _b64(32) + "\"\n  \"stats\" \"md5" + r(32, HEX) + "\"\n")),
        ("redis-acl-hashed", "redis-acl-hashed.yaml",
         _cm("redis", "users.acl: |\n  user default off\n  user app on #"
             + hashlib.sha256(random.randbytes(16)).hexdigest() + " ~app:* +@all\n")),
        ("helm-template-configmap", "charts/app/templates/configmap.yaml",
         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"app.fullname\" . }}\ndata:\n"
         "  SMTP_PASSWORD: {{ .Values.smtp.password | quote }}\n"
         "  API_TOKEN: {{ required \"apiToken is required\" .Values.apiToken | quote }}\n"),
        ("gitlab-ci-variables", ".gitlab-ci-build.yml",
         "build:\n  image: docker:27\n  script:\n"
         "    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" $CI_REGISTRY\n"
         "    - echo \"$DOCKERHUB_TOKEN\" | docker login -u acme --password-stdin\n"),
        ("argo-workflow-refs", "workflow-template.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: backup\nspec:\n"
         "  templates:\n    - name: dump\n      container:\n        image: postgres:16\n        env:\n"
         "          - name: PGPASSWORD\n            valueFrom:\n              secretKeyRef:\n"
         "                name: db-app\n                key: password\n"),
        ("chart-values-existing", "charts/api/values.yaml",
         "auth:\n  # -- use an existing Secret holding `password` and `api-token`\n  existingSecret: api-auth\n"
         "  password: \"\"\n  apiToken: \"\"\nimage:\n  repository: ghcr.io/acme/api\n"
         f"  digest: sha256:{r(64, HEX)}\n"),
        ("home-assistant-refs", "configuration.yaml",
         "homeassistant:\n  name: Home\nmqtt:\n  broker: mosquitto\n  username: hass\n"
         "  password: !secret mqtt_password\n"
         "influxdb:\n  api_version: 2\n  token: !secret influx_token\n"),
        ("zigbee2mqtt-generate", "zigbee2mqtt-default.yaml",
         _hr("zigbee2mqtt", "config:\n  advanced:\n    network_key: GENERATE\n    pan_id: GENERATE\n"
                            "    ext_pan_id: GENERATE\n  devices:\n"
                            f"    '0x00158d000{r(7, HEX)}':\n      friendly_name: kitchen\n")),
        ("supervisord-env", "supervisord.conf",
         "[program:worker]\ncommand=/app/worker\nenvironment=API_TOKEN=\"%(ENV_API_TOKEN)s\","
         "DB_PASSWORD=\"%(ENV_DB_PASSWORD)s\"\n"),
        ("erb-env", "database.yml",
         "production:\n  adapter: postgresql\n  database: app\n  username: app\n"
         "  password: <%= ENV['DATABASE_PASSWORD'] %>\n"),
        ("ansible-lookup", "group_vars/all.yml",
         "k3s_token: \"{{ lookup('env', 'K3S_TOKEN') }}\"\n"
         "cloudflare_api_token: \"{{ lookup('community.general.onepassword', 'cloudflare', field='token') }}\"\n"),
        ("spring-placeholders", "application-dev.properties",
         "spring.datasource.url=jdbc:postgresql://db:5432/orders\nspring.datasource.username=orders\n"
         "spring.datasource.password=${DB_PASSWORD:}\nspring.mail.password=${MAIL_PASSWORD}\n"),
        ("python-environ", "settings_base.py",
         "import os\n\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
         "EMAIL_HOST_PASSWORD = os.environ.get(\"EMAIL_HOST_PASSWORD\", \"\")\n"),
        ("renovate-process-env", "renovate-config.js",
         "module.exports = {\n  platform: 'github',\n  token: process.env.RENOVATE_TOKEN,\n"
         "  hostRules: [{ matchHost: 'ghcr.io', password: process.env.GHCR_TOKEN }],\n};\n"),
        ("vals-refs", "helmfile-values.yaml",
         "auth:\n  password: ref+vault://secret/data/app#/password\n"
         "  token: ref+awssecrets://prod/app/token\n  key: ref+sops://secrets.sops.yaml#/key\n"),
        ("argocd-vault-plugin", "avp-secret.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n"
         "    avp.kubernetes.io/path: kv/data/db\ntype: Opaque\nstringData:\n"
         "  password: <path:kv/data/db#password>\n  username: <username>\n"),
        ("bank-vaults-refs", "bank-vaults.yaml",
         _workload("StatefulSet", "api", "env:\n  - name: DB_PASSWORD\n    value: vault:secret/data/db#password\n"
                   "  - name: API_TOKEN\n    value: \">>vault:secret/data/api#token\"")),
        ("readme-examples", "README.md",
         "# Setup\n\nExport your keys first:\n\n```sh\nexport OPENAI_API_KEY=sk-proj-...\n"
         "export ANTHROPIC_API_KEY=sk-ant-api03-xxxxxxxxxxxxxxxxxxxx\n"
         "export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
         "export VAULT_TOKEN=hvs.XXXXXXXXXXXXXXXXXXXXXXXX\n```\n"),
        ("sha256sums", "SHA256SUMS",
         "".join(f"{r(64, HEX)}  flux_2.4.0_linux_{arch}.tar.gz\n" for arch in ("amd64", "arm64", "arm"))),
        ("pnpm-lock", "pnpm-lock.yaml",
         "lockfileVersion: '9.0'\n\npackages:\n\n  left-pad@1.3.0:\n"
         f"    resolution: {{integrity: sha512-{_b64(64)}}}\n"),
        ("pre-commit-revs", ".pre-commit-config.yaml",
         "repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n"
         f"    rev: {r(40, HEX)}  # frozen: v4.6.0\n    hooks:\n      - id: check-yaml\n"
         f"  - repo: https://github.com/gitleaks/gitleaks\n    rev: {r(40, HEX)}  # frozen: v8.18.4\n"
         "    hooks:\n      - id: gitleaks\n"),
        ("terraform-module-ref", "modules.tf",
         'module "vpc" {\n  source = "git::https://github.com/acme/terraform-vpc.git?ref='
         f'{r(40, HEX)}"\n  cidr   = "10.0.0.0/16"\n}}\n'),
        ("talos-schematic", "talconfig.yaml",
         "clusterName: home\ntalosVersion: v1.9.0\nnodes:\n  - hostname: n1\n    ipAddress: 10.0.0.11\n"
         f"    talosImageURL: factory.talos.dev/installer/{r(64, HEX)}\n"
         f"    schematic:\n      id: {r(64, HEX)}\n"),
        ("azure-ids", "oauth2-proxy-azure.yaml",
         _hr("oauth2-proxy", f"config:\n  existingSecret: oauth2-proxy\nextraArgs:\n  provider: entra-id\n"
                             f"  azure-tenant: {_uuid()}\n  client-id: {_uuid()}\n"
                             f"  oidc-issuer-url: https://login.microsoftonline.com/{_uuid()}/v2.0")),
        ("proxmox-vm-ids", "vm-100.conf",
         f"boot: order=scsi0\ncores: 4\nmemory: 8192\nname: talos-1\nsmbios1: uuid={_uuid()}\n"
         f"vmgenid: {_uuid()}\nnet0: virtio=BC:24:11:{r(2, HEX)}:{r(2, HEX)}:{r(2, HEX)},bridge=vmbr0\n"),
        ("pgp-public", ".sops.pub.asc",
         "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
         + "\n".join(_b64(48) for _ in range(6)) + f"\n={_b64(3)}\n-----END PGP PUBLIC KEY BLOCK-----\n"),
        ("mapbox-public", "map.env", f"MAPBOX_PUBLIC_TOKEN=pk.eyJ1{r(58, URLSAFE)}.{r(22, URLSAFE)}\n"),
        ("supabase-publishable", "supabase.env",
         f"NEXT_PUBLIC_SUPABASE_URL=https://{r(20, LOW)}.supabase.co\n"
         f"NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY=sb_publishable_{r(31, URLSAFE)}\n"),
        ("google-client-id", "grafana-google.yaml",
         _hr("grafana", "grafana.ini:\n  auth.google:\n    enabled: true\n"
                        f"    client_id: {r(12, DIG)}-{r(32, LOW)}.apps.googleusercontent.com\n"
                        "    client_secret: $__file{/etc/secrets/google/client_secret}")),
        ("pulumi-secure", "Pulumi.prod.yaml",
         "config:\n  aws:region: eu-central-1\n  app:dbPassword:\n"
         f"    secure: v1:{_b64(12).rstrip('=')}:{_b64(40)}\n  app:apiToken:\n    secure: v1:{_b64(12).rstrip('=')}:"
         f"{_b64(48)}\n"),
        ("app-insights", "appinsights.yaml",
         _cm("web", f"APPLICATIONINSIGHTS_CONNECTION_STRING: \"InstrumentationKey={_uuid()};"
                    "IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;"
                    f"ApplicationId={_uuid()}\"\n")),
        ("docker-creds-store", "docker-config.json",
         json.dumps({"auths": {"ghcr.io": {}, "https://index.docker.io/v1/": {}}, "credsStore": "desktop",
                     "currentContext": "default"}, indent=1)),
        ("npmrc-env", "web/.npmrc",
         "@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}\n"
         "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
        ("pypirc-token-user", "pypirc/.pypirc",
         "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\n"),
        ("gitconfig", ".gitconfig",
         "[user]\n\tname = CI\n\temail = ci@acme.io\n[credential]\n\thelper = store\n"
         "[url \"https://oauth2@git.acme.io/\"]\n\tinsteadOf = git@git.acme.io:\n"),
        ("pg-service", "pg_service.conf",
         "[orders]\nhost=db.acme.lan\nport=5432\ndbname=orders\nuser=orders\nsslmode=verify-full\n"),
        ("systemd-credentials", "api.service",
         "[Service]\nEnvironmentFile=/etc/api/env\nLoadCredential=token:/etc/credstore/api-token\n"
         "Environment=API_TOKEN_FILE=%d/token\nExecStart=/usr/local/bin/api\n"),
        ("alertmanager-password-file", "alertmanager-files.yaml",
         _cm("alertmanager", "alertmanager.yml: |\n  global:\n    smtp_smarthost: smtp.acme.io:587\n"
                             "    smtp_auth_username: ops@acme.io\n"
                             "    smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password\n")),
        ("cloud-init-random", "user-data-random",
         "#cloud-config\nchpasswd:\n  expire: true\n  users:\n    - name: ops\n      password: RANDOM\n"
         "      type: RANDOM\nssh_pwauth: false\n"),
        ("metallb-secret-ref", "bgppeer-ref.yaml",
         "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n  namespace: metallb-system\n"
         "spec:\n  myASN: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n  passwordSecret:\n"
         "    name: bgp-password\n    namespace: metallb-system\n"),
        ("openvpn-client", "client.ovpn",
         "client\ndev tun\nproto udp\nremote vpn.acme.io 1194\nauth-user-pass /etc/openvpn/creds\n"
         "remote-cert-tls server\n<ca>\n" + _pem_block("CERTIFICATE", 10) + "</ca>\n"),
        ("crd-schema", "crd.yaml",
         "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: dbs.acme.io\n"
         "spec:\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          properties:\n"
         "            spec:\n              properties:\n                password:\n                  type: string\n"
         "                  description: The password of the admin user.\n                apiToken:\n"
         "                  type: string\n                  format: password\n"),
        ("json-schema", "values.schema.json",
         json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "properties": {
             "apiKey": {"type": "string", "description": "API key", "default": ""},
             "password": {"type": "string", "minLength": 12}}}, indent=2)),
        ("flux-receiver-ref", "receiver-ref.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: gitlab\n"
         "spec:\n  type: gitlab\n  events: [Push Hook]\n  secretRef:\n    name: receiver-token\n"
         "  resources:\n    - kind: GitRepository\n      name: flux-system\n"),
        ("flux-provider-ref", "provider-ref.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: github\n"
         "spec:\n  type: github\n  address: https://github.com/acme/infra\n  secretRef:\n    name: github-token\n"
         "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata:\n  name: all\n"
         "spec:\n  providerRef:\n    name: github\n  eventSeverity: info\n  eventSources:\n"
         "    - kind: Kustomization\n      name: '*'\n"),
        ("prometheus-credential-files", "prometheus-files.yaml",
         _cm("prometheus", "prometheus.yml: |\n  scrape_configs:\n    - job_name: hass\n"
                           "      authorization:\n        credentials_file: /etc/prometheus/secrets/hass-token\n"
                           "    - job_name: node\n"
                           "      bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token\n")),
        ("justfile-op-read", "Justfile.op",
         "export FLY_API_TOKEN := `op read op://infra/fly/token`\n\ndeploy:\n    flyctl deploy\n"),
        ("workflow-age-secret", "decrypt.yml",
         _workflow("- uses: actions/checkout@v4\n- run: sops -d secrets.sops.yaml >/dev/null",
                   "SOPS_AGE_KEY: ${{ secrets.SOPS_AGE_KEY }}")),
        ("git-lfs-pointer", "backup.tar.gz",
         f"version https://git-lfs.github.com/spec/v1\noid sha256:{r(64, HEX)}\n"
         f"size {random.randint(10 ** 6, 10 ** 9)}\n"),
        ("nix-hashes", "default.nix",
         "{ pkgs ? import <nixpkgs> {} }:\npkgs.buildGoModule {\n  pname = \"api\";\n  version = \"1.2.0\";\n"
         "  src = pkgs.fetchFromGitHub {\n    owner = \"acme\";\n    repo = \"api\";\n"
         f"    rev = \"{r(40, HEX)}\";\n    hash = \"sha256-{_b64(32)}\";\n  }};\n"
         f"  vendorHash = \"sha256-{_b64(32)}\";\n}}\n"),
    ]


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): sops files made by the real sops, in shapes sets 2 and 3 did not use
    (a ConfigMap beside a Secret, Home Assistant secrets whole, a talosconfig, `unencrypted_comment_regex`,
    typed JSON values, block scalars, many substitution variables; binary `.pgpass` and `config.json`,
    a multi-section INI, a long dotenv)."""
    import pyrage

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    secret = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: apps\ntype: Opaque\n"
              f"stringData:\n  password: {r(20)}\n  token: {r(40)}\n")
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: apps\ndata:\n  LOG_LEVEL: info\n"
    key = base64.b64encode(_talos_key().encode()).decode()
    talosconfig = ("context: prod\ncontexts:\n  prod:\n    endpoints:\n      - 10.0.0.10\n"
                   f"    ca: {_b64(420)}\n    crt: {_b64(420)}\n    key: {key}\n")
    values = (f"auth:\n  # sops:plain\n  adminUser: admin\n  adminPassword: {r(16)}\n  # sops:plain\n"
              f"  realm: acme\nsmtp:\n  password: {r(16)}\n")
    block = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: cfg\ntype: Opaque\nstringData:\n  config.yaml: |\n"
             f"    database:\n      password: {r(20)}\n    oauth:\n      client_secret: {r(32)}\n")
    cluster = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\n"
               "stringData:\n" + "".join(f"  SECRET_{name}: {r(24)}\n" for name in
                                         ("DOMAIN_TOKEN", "CF_TOKEN", "SMTP_PASSWORD", "GRAFANA_PASSWORD",
                                          "MINIO_KEY", "PUSHOVER_TOKEN", "NAS_PASSWORD", "VPN_KEY")))
    cases = [
        ("configmap-and-secret", "app.sops.yaml", configmap + "---\n" + secret,
         ["--encrypted-regex", "^(data|stringData)$"]),
        ("home-assistant-whole", "secrets.sops.yaml",
         f"mqtt_password: {r(16)}\ninflux_token: {r(86, URLSAFE)}==\nlatitude: 52.52\n", []),
        ("talosconfig", "talosconfig.sops.yaml", talosconfig, ["--encrypted-regex", "^(key|crt|ca)$"]),
        ("unencrypted-comment", "values.sops.yaml", values, ["config:unencrypted_comment_regex: sops:plain"]),
        ("typed-json", "settings.sops.json",
         json.dumps({"port": 8080, "debug": False, "ratio": 0.5, "admins": ["a", "b"],
                     "db": {"password": r(18), "pool": 10}}, indent=2),
         ["--input-type", "json", "--output-type", "json"]),
        ("block-scalar", "config.sops.yaml", block, ["--encrypted-regex", "^(data|stringData)$"]),
        ("cluster-secrets", "cluster-secrets.sops.yaml", cluster, ["--encrypted-regex", "^(data|stringData)$"]),
        ("binary-pgpass", "pgpass.sops", f"db.acme.lan:5432:*:backup:{r(22)}\n",
         ["--input-type", "binary", "--output-type", "binary"]),
        ("binary-docker-config", "config.json.sops",
         json.dumps({"auths": {"ghcr.io": {"auth": base64.b64encode(f"ci:{r(18)}".encode()).decode()}}}),
         ["--input-type", "binary", "--output-type", "binary"]),
        ("ini-sections", "my.sops.ini", f"[client]\nuser = root\npassword = {r(18)}\n\n[mysqldump]\n"
                                        f"user = backup\npassword = {r(18)}\n",
         ["--input-type", "ini", "--output-type", "ini"]),
        ("long-dotenv", "app.sops.env", "".join(f"VAR_{n}_SECRET={r(24)}\n" for n in range(20)),
         ["--input-type", "dotenv", "--output-type", "dotenv"]),
    ]
    return encrypt_cases(binary, cases, recipient)


def rows(seed: int = 41) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)
