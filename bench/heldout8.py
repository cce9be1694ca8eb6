"""The eighth held-out set (issue 22, round 8): written and measured only, NEVER used to tune a rule.

Sets 1 to 6 were each tuned on after their first run; set 7 was the first never tuned. This set is a
second never-tuned measurement, from a source unlike sets 1 to 7 (providers' documented formats,
GitOps places, scanners' issue trackers, real GitOps repositories' file shapes, other scanners'
rule files): the self-hosted applications that home-ops and platform GitOps repositories deploy,
and what THEIR OWN documentation says about their configuration. Each row takes the setting an
app documents for a secret (its env var or config key) and the shape of the value the app expects
(`openssl rand -hex 32`, `openssl rand -base64 48`, a JWT, `sk-…`, Laravel's `base64:…`, a 32-hex
`ApiKey`), and puts it where a GitOps repository holds it: app-template `env:` maps, HelmRelease
values, env lists of a workload, a ConfigMap with the app's own config file (app.ini, config.php,
config.xml, homeserver.yaml, configuration.yml), a Secret's `stringData`, a compose file, an `.env`,
a Kustomize generator's env file. Every value is random at run time, deterministic for a seed; no
value is copied from a page.

The look-alikes are what the same apps document beside those secrets: references to Secrets
(`valueFrom.secretKeyRef`, `existingSecret`, `envFrom`), the apps' own indirections (authentik's
`file://` and `env://`, Gitea's `*_URI = file:`, Grafana's `__FILE`, n8n's `_FILE`, LiteLLM's
`os.environ/`, Home Assistant's `!secret`, Frigate's `{FRIGATE_*}`), Flux `postBuild` `${VAR}`
substitutions, placeholders from the apps' docs (`generate_a_new_key`, `change-me`, NetBox's
sequential example token), hashes where an app expects a hash (Vaultwarden's argon2 `ADMIN_TOKEN`,
htpasswd bcrypt and apr1 for Traefik and Caddy, AdGuard Home's and Authelia's user files,
qBittorrent's PBKDF2), and IDs, URLs and digests. The sops files are made by the real `sops`, in
shapes sets 2 to 7 did not use (key groups with a Shamir threshold, an app's XML config encrypted
whole as binary, YAML written out as JSON, INI with `unencrypted_regex`, JSON with
`unencrypted_regex`, a Kustomize generator's env file whose name does not say sops, a compose file
and an app config by key regex, `--encrypted-suffix` on the command line).

Each row is one file: (row id, label "secret" or "clean", file name, content); each cites its source.
"""

from __future__ import annotations

import base64
import json
import random
import string
import subprocess
import tempfile
from pathlib import Path

from bench.heldout2 import _jwt, assemble, encrypt_cases
from bench.heldout3 import _b64, _b64url, _cm, _hr, _indent, _uuid, _workload
from bench.heldout4 import _secret_doc
from bench.heldout7 import _compose
from bench.labelled import HEX, LOW, URLSAFE, A, r

DIG = string.digits
BCRYPT = "./" + string.ascii_uppercase + string.ascii_lowercase + string.digits
SYMBOLS = A + "!@%^&*()-_=+"  # no `#`: an env file or YAML would read a comment


def _app(name: str, env: str, image: str = "") -> str:
    """A HelmRelease of bjw-s' app-template (v3) with one controller, its container's `env:` a map."""
    image = image or f"ghcr.io/home-operations/{name}"
    return _hr(name, f"controllers:\n  {name}:\n    containers:\n      app:\n        image:\n"
                     f"          repository: {image}\n          tag: 1.4.2@sha256:{r(64, HEX)}\n        env:\n"
               + _indent(env, 10) + "service:\n  app:\n    controller: " + name + "\n    ports:\n      http:\n"
                                     "        port: 8080\n")


def _argon2() -> str:
    """A PHC string as `argon2 "$(openssl rand -base64 32)" -e -id -k 65540 -t 3 -p 4` prints it."""
    salt = base64.b64encode(_b64(32).encode()).decode().rstrip("=")
    return f"$argon2id$v=19$m=65540,t=3,p=4${salt}${_b64(32).rstrip('=')}"


def _bcrypt(cost: str = "05", prefix: str = "2y") -> str:
    return f"${prefix}${cost}${r(53, BCRYPT)}"


def _apr1() -> str:
    return f"$apr1${r(8, BCRYPT)}${r(22, BCRYPT)}"


def _laravel_key() -> str:
    return "base64:" + _b64(32)


def _ha_token() -> str:
    """A Home Assistant long-lived access token: an HS256 JWT whose `iss` is the refresh token's 32-hex ID."""
    return _jwt({"iss": r(32, HEX), "iat": 1718000000 + random.randint(0, 10 ** 7), "exp": 2033360000})


def tokens() -> list[tuple[str, str, str]]:
    """(setting, file name, content): a secret whose shape the app documents, where GitOps repositories keep it."""
    return [
        # docs.goauthentik.io/install-config/install/kubernetes (authentik.secret_key: `openssl rand 60 | base64`)
        ("authentik-secret-key-values", "authentik-helmrelease.yaml",
         _hr("authentik", f"authentik:\n  secret_key: {_b64(60)}\n  error_reporting:\n    enabled: false\n"
                          "server:\n  ingress:\n    enabled: true\n    hosts: [auth.acme.io]")),
        # docs.goauthentik.io/install-config/install/docker-compose (.env: AUTHENTIK_SECRET_KEY from openssl)
        ("authentik-secret-key-dotenv", "authentik/.env",
         f"PG_PASS={r(36, LOW)}\nAUTHENTIK_SECRET_KEY={_b64(60)}\nAUTHENTIK_ERROR_REPORTING__ENABLED=true\n"),
        # docs.paperless-ngx.com/configuration/#PAPERLESS_SECRET_KEY (a long random string)
        ("paperless-secret-key-app-template", "paperless-helmrelease.yaml",
         _app("paperless", f"PAPERLESS_URL: https://docs.acme.io\nPAPERLESS_SECRET_KEY: '{r(64, SYMBOLS)}'\n"
                           "PAPERLESS_TIME_ZONE: Europe/Berlin\nPAPERLESS_OCR_LANGUAGE: deu+eng",
              "ghcr.io/paperless-ngx/paperless-ngx")),
        # github.com/dani-garcia/vaultwarden/wiki/Enabling-admin-page (a plain token, `openssl rand -base64 48`)
        ("vaultwarden-admin-token-plain", "vaultwarden-helmrelease.yaml",
         _app("vaultwarden", f"DOMAIN: https://vault.acme.io\nSIGNUPS_ALLOWED: 'false'\nADMIN_TOKEN: {_b64(48)}",
              "ghcr.io/dani-garcia/vaultwarden")),
        # docs.gitea.com/administration/config-cheat-sheet ([security] INTERNAL_TOKEN is a JWT; SECRET_KEY 64)
        ("gitea-app-ini-configmap", "gitea-config.yaml",
         _cm("gitea-config", "app.ini: |\n  APP_NAME = Acme Git\n  RUN_MODE = prod\n\n  [server]\n"
                             "  DOMAIN = git.acme.io\n  ROOT_URL = https://git.acme.io/\n\n  [security]\n"
                             f"  INSTALL_LOCK = true\n  INTERNAL_TOKEN = {_jwt({'nbf': 1700000000})}\n")),
        # docs.gitea.com/administration/config-cheat-sheet ([oauth2] JWT_SECRET: 43 base64url characters)
        ("gitea-jwt-secret-values", "gitea-values.yaml",
         _hr("gitea", "gitea:\n  config:\n    server:\n      DOMAIN: git.acme.io\n    oauth2:\n"
                      f"      JWT_SECRET: {_b64url(32)}\n    service:\n      DISABLE_REGISTRATION: true")),
        # docs.gitea.com/installation/install-with-docker (GITEA__section__KEY env; SECRET_KEY, 64 alphanumerics)
        ("gitea-secret-key-compose", "gitea/compose.yaml",
         _compose("gitea", "docker.gitea.com/gitea:1.22",
                  "USER_UID: '1000'\nGITEA__database__DB_TYPE: postgres\n"
                  f"GITEA__security__SECRET_KEY: {r(64)}\nGITEA__server__ROOT_URL: https://git.acme.io/")),
        # forgejo.org/docs/latest/admin/config-cheat-sheet ([server] LFS_JWT_SECRET, as FORGEJO__ env)
        ("forgejo-lfs-jwt-env", "forgejo.yaml",
         _workload("StatefulSet", "forgejo", "env:\n  - name: FORGEJO__server__LFS_START_SERVER\n    value: 'true'\n"
                   f"  - name: FORGEJO__server__LFS_JWT_SECRET\n    value: {_b64url(32)}")),
        # docs.n8n.io/hosting/configuration/configuration-examples/encryption-key (N8N_ENCRYPTION_KEY)
        ("n8n-encryption-key", "n8n-helmrelease.yaml",
         _app("n8n", f"N8N_HOST: n8n.acme.io\nN8N_PROTOCOL: https\nN8N_ENCRYPTION_KEY: {r(32)}\n"
                     "GENERIC_TIMEZONE: Europe/Berlin", "docker.n8n.io/n8nio/n8n")),
        # docs.openwebui.com/getting-started/env-configuration (WEBUI_SECRET_KEY)
        ("openwebui-secret-key-compose", "open-webui/compose.yaml",
         _compose("open-webui", "ghcr.io/open-webui/open-webui:main",
                  f"OLLAMA_BASE_URL: http://ollama:11434\nWEBUI_SECRET_KEY: {r(24, URLSAFE)}")),
        # docs.openwebui.com/getting-started/env-configuration (OPENAI_API_KEY; OpenAI's sk-proj- key)
        ("openwebui-openai-key", "open-webui-helmrelease.yaml",
         _hr("open-webui", "ollama:\n  enabled: false\nopenaiBaseApiUrl: https://api.openai.com/v1\nextraEnvVars:\n"
                           f"  - name: OPENAI_API_KEY\n    value: sk-proj-{r(74, URLSAFE)}T3BlbkFJ{r(74, URLSAFE)}")),
        # docs.litellm.ai/docs/proxy/virtual_keys (general_settings.master_key must start with sk-)
        ("litellm-master-key-config", "litellm-config.yaml",
         _cm("litellm", "config.yaml: |\n  model_list:\n    - model_name: gpt-4o\n      litellm_params:\n"
                        "        model: openai/gpt-4o\n        api_key: os.environ/OPENAI_API_KEY\n"
                        f"  general_settings:\n    master_key: sk-{r(32, URLSAFE)}\n")),
        # docs.litellm.ai/docs/proxy/prod (LITELLM_SALT_KEY, sk-…, never changed once set)
        ("litellm-salt-key-secret", "litellm-secret.yaml",
         _secret_doc("litellm", f"LITELLM_SALT_KEY: sk-{r(40)}\nDATABASE_URL: postgresql://litellm@litellm-pg/litellm\n")),
        # gethomepage.dev/widgets/services/homeassistant (a long-lived access token, a JWT)
        ("homeassistant-token-homepage", "homepage-config.yaml",
         _cm("homepage", "services.yaml: |\n  - Home:\n      - Home Assistant:\n          href: https://ha.acme.io\n"
                         "          widget:\n            type: homeassistant\n            url: http://home-assistant:8123\n"
                         f"            key: {_ha_token()}\n")),
        # docs.getoutline.com/s/hosting/doc/docker-7pfeLP5a8t (SECRET_KEY: `openssl rand -hex 32`)
        ("outline-secret-key-app-template", "outline-helmrelease.yaml",
         _app("outline", f"URL: https://wiki.acme.io\nSECRET_KEY: {r(64, HEX)}\nFILE_STORAGE: s3",
              "docker.getoutline.com/outlinewiki/outline")),
        # github.com/outline/outline .env.sample (UTILS_SECRET: `openssl rand -hex 32`)
        ("outline-utils-secret-dotenv", "outline/docker.env",
         f"NODE_ENV=production\nURL=https://wiki.acme.io\nUTILS_SECRET={r(64, HEX)}\nREDIS_URL=redis://redis:6379\n"),
        # wiki.servarr.com/sonarr/settings (General > Security: the 32-hex API key, kept in config.xml)
        ("sonarr-config-xml", "sonarr-config.yaml",
         _cm("sonarr-config", "config.xml: |\n  <Config>\n    <BindAddress>*</BindAddress>\n    <Port>8989</Port>\n"
                              f"    <ApiKey>{r(32, HEX)}</ApiKey>\n    <AuthenticationMethod>External"
                              "</AuthenticationMethod>\n    <UrlBase></UrlBase>\n  </Config>\n")),
        # wiki.servarr.com/radarr/environment-variables (RADARR__AUTH__APIKEY)
        ("radarr-apikey-env", "radarr-helmrelease.yaml",
         _app("radarr", f"TZ: Europe/Berlin\nRADARR__AUTH__METHOD: External\nRADARR__AUTH__APIKEY: {r(32, HEX)}\n"
                        "RADARR__SERVER__PORT: 7878")),
        # recyclarr.dev/wiki/yaml/config-reference/basic (api_key: the *arr's 32-hex key)
        ("recyclarr-api-keys", "recyclarr-config.yaml",
         _cm("recyclarr", "recyclarr.yml: |\n  sonarr:\n    series:\n      base_url: http://sonarr:8989\n"
                          f"      api_key: {r(32, HEX)}\n  radarr:\n    movies:\n      base_url: http://radarr:7878\n"
                          f"      api_key: {r(32, HEX)}\n")),
        # gethomepage.dev/widgets/services/jellyfin (key: a Jellyfin API key, 32 hex)
        ("jellyfin-key-homepage", "homepage-media.yaml",
         _cm("homepage-media", "services.yaml: |\n  - Media:\n      - Jellyfin:\n          href: https://tv.acme.io\n"
                               "          widget:\n            type: jellyfin\n            url: http://jellyfin:8096\n"
                               f"            key: {r(32, HEX)}\n            enableBlocks: true\n")),
        # docs.renovatebot.com/modules/platform/gitea (RENOVATE_TOKEN: a Gitea/Forgejo access token, 40 hex)
        ("renovate-gitea-token", "renovate-cronjob.yaml",
         _workload("CronJob", "renovate", "env:\n  - name: RENOVATE_PLATFORM\n    value: gitea\n"
                   "  - name: RENOVATE_ENDPOINT\n    value: https://git.acme.io/api/v1\n"
                   f"  - name: RENOVATE_TOKEN\n    value: {r(40, HEX)}\n  - name: RENOVATE_AUTODISCOVER\n"
                   "    value: 'true'")),
        # docs.gitea.com/usage/actions/act-runner (GITEA_RUNNER_REGISTRATION_TOKEN, 40 alphanumerics)
        ("gitea-runner-registration", "act-runner.yaml",
         _workload("StatefulSet", "act-runner", "env:\n  - name: GITEA_INSTANCE_URL\n    value: https://git.acme.io\n"
                   f"  - name: GITEA_RUNNER_REGISTRATION_TOKEN\n    value: {r(40)}")),
        # woodpecker-ci.org/docs/administration/configuration/server (WOODPECKER_AGENT_SECRET, `openssl rand -hex 32`)
        ("woodpecker-agent-secret", "woodpecker-values.yaml",
         _hr("woodpecker", "server:\n  env:\n    WOODPECKER_HOST: https://ci.acme.io\n    WOODPECKER_GITEA: 'true'\n"
                           "    WOODPECKER_GITEA_URL: https://git.acme.io\nagent:\n  env:\n"
                           f"    WOODPECKER_AGENT_SECRET: {r(64, HEX)}")),
        # docs.nextcloud.com/server/latest/admin_manual/configuration_server/config_sample_php_parameters.html
        # (secret, passwordsalt, dbpassword in config.php)
        ("nextcloud-config-php", "nextcloud-config.yaml",
         _cm("nextcloud-config", "config.php: |\n  <?php\n  $CONFIG = array (\n"
                                 f"    'instanceid' => 'oc{r(10, LOW)}',\n    'passwordsalt' => '{r(30, A + '+/')}',\n"
                                 f"    'secret' => '{r(48, A + '+/')}',\n    'dbtype' => 'pgsql',\n"
                                 "    'dbhost' => 'nextcloud-pg-rw',\n    'dbuser' => 'nextcloud',\n"
                                 f"    'dbpassword' => '{r(30)}',\n  );\n")),
        # www.authelia.com/configuration/identity-validation/reset-password, session, storage (secrets, 64+)
        ("authelia-configuration", "authelia-config.yaml",
         _cm("authelia", "configuration.yml: |\n  identity_validation:\n    reset_password:\n"
                         f"      jwt_secret: {r(64)}\n  session:\n    secret: {r(64)}\n"
                         "    cookies:\n      - domain: acme.io\n        authelia_url: https://auth.acme.io\n"
                         f"  storage:\n    encryption_key: {r(64)}\n    local:\n      path: /config/db.sqlite3\n")),
        # element-hq.github.io/synapse/latest/usage/configuration/config_documentation.html
        # (registration_shared_secret, macaroon_secret_key, form_secret)
        ("synapse-homeserver", "synapse-config.yaml",
         _cm("synapse", "homeserver.yaml: |\n  server_name: acme.io\n  public_baseurl: https://matrix.acme.io/\n"
                        f"  registration_shared_secret: \"{r(50, SYMBOLS)}\"\n"
                        f"  macaroon_secret_key: \"{r(50, SYMBOLS)}\"\n"
                        f"  form_secret: \"{r(50, SYMBOLS)}\"\n"
                        "  signing_key_path: /data/acme.io.signing.key\n")),
        # vikunja.io/docs/config-options (service.JWTSecret, VIKUNJA_SERVICE_JWTSECRET)
        ("vikunja-jwt-secret", "vikunja-helmrelease.yaml",
         _app("vikunja", f"VIKUNJA_SERVICE_PUBLICURL: https://todo.acme.io\nVIKUNJA_SERVICE_JWTSECRET: {r(48)}\n"
                         "VIKUNJA_DATABASE_TYPE: postgres", "docker.io/vikunja/vikunja")),
        # github.com/plausible/community-edition (SECRET_KEY_BASE `openssl rand -base64 48`, TOTP_VAULT_KEY -base64 32)
        ("plausible-secret-key-base", "plausible/.env",
         f"BASE_URL=https://stats.acme.io\nSECRET_KEY_BASE={_b64(48)}\nTOTP_VAULT_KEY={_b64(32)}\n"),
        # docs.speedtest-tracker.dev/getting-started/installation (APP_KEY: `base64:` and 32 bytes)
        ("speedtest-tracker-app-key", "speedtest-tracker.yaml",
         _app("speedtest-tracker", f"APP_URL: https://speed.acme.io\nAPP_KEY: {_laravel_key()}\nDB_CONNECTION: sqlite",
              "lscr.io/linuxserver/speedtest-tracker")),
        # docs.firefly-iii.org/how-to/firefly-iii/installation/docker (APP_KEY 32 characters, STATIC_CRON_TOKEN 32)
        ("firefly-app-key-cron-token", "firefly/.env",
         f"APP_ENV=production\nAPP_KEY={r(32)}\nSITE_OWNER=ops@acme.io\nSTATIC_CRON_TOKEN={r(32)}\nTZ=Europe/Berlin\n"),
        # github.com/netbox-community/netbox-docker/wiki/Configuration (SUPERUSER_API_TOKEN 40 hex, SECRET_KEY 50+)
        ("netbox-superuser-token", "netbox.env",
         f"SUPERUSER_NAME=admin\nSUPERUSER_EMAIL=ops@acme.io\nSUPERUSER_API_TOKEN={r(40, HEX)}\n"
         f"SECRET_KEY='{r(60, SYMBOLS)}'\n"),
        # homarr.dev/docs/getting-started/installation/docker (SECRET_ENCRYPTION_KEY: `openssl rand -hex 32`)
        ("homarr-encryption-key", "homarr-helmrelease.yaml",
         _app("homarr", f"SECRET_ENCRYPTION_KEY: {r(64, HEX)}\nTZ: Europe/Berlin", "ghcr.io/homarr-labs/homarr")),
        # cert-manager.io/docs/configuration/acme/#external-account-bindings (the EAB HMAC key, base64url)
        ("cert-manager-eab-hmac", "zerossl-eab.yaml",
         _secret_doc("zerossl-eab", f"secret: {_b64url(64)}\n").replace("namespace: apps", "namespace: cert-manager")),
        # kubernetes-sigs.github.io/external-dns/latest/docs/tutorials/rfc2136 (--rfc2136-tsig-secret, base64 HMAC)
        ("external-dns-tsig-args", "external-dns-rfc2136.yaml",
         _hr("external-dns", "provider:\n  name: rfc2136\nextraArgs:\n  - --rfc2136-host=10.0.0.53\n"
                             "  - --rfc2136-zone=home.acme.io\n  - --rfc2136-tsig-keyname=externaldns\n"
                             f"  - --rfc2136-tsig-secret={_b64(32)}\n  - --rfc2136-tsig-secret-alg=hmac-sha256")),
        # doc.traefik.io/traefik/https/acme/#providers (CF_DNS_API_TOKEN, a Cloudflare API token of 40)
        ("traefik-cloudflare-dns-token", "traefik-helmrelease.yaml",
         _hr("traefik", "env:\n  - name: CF_DNS_API_TOKEN\n"
                        f"    value: {r(40, URLSAFE)}\ncertificatesResolvers:\n  letsencrypt:\n    acme:\n"
                        "      dnsChallenge:\n        provider: cloudflare")),
        # volsync.readthedocs.io/en/stable/usage/restic (the repository Secret: RESTIC_PASSWORD, AWS_* keys)
        ("volsync-restic-secret", "volsync-restic.yaml",
         _secret_doc("paperless-restic", "RESTIC_REPOSITORY: s3:https://s3.acme.io/volsync/paperless\n"
                                         f"RESTIC_PASSWORD: {r(32)}\nAWS_ACCESS_KEY_ID: {r(20)}\n"
                                         f"AWS_SECRET_ACCESS_KEY: {r(40)}\n")),
        # cloudnative-pg.io/documentation/current/backup_barmanobjectstore (ACCESS_KEY_ID, ACCESS_SECRET_KEY)
        ("cnpg-s3-credentials", "cnpg-s3.yaml",
         _secret_doc("cnpg-s3", f"ACCESS_KEY_ID: {r(20)}\nACCESS_SECRET_KEY: {r(40)}\n")
         .replace("namespace: apps", "namespace: database")),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(setting, file name, content): passwords and plain keys each app documents, in GitOps places."""
    return [
        # docs.goauthentik.io/install-config/configuration (AUTHENTIK_POSTGRESQL__PASSWORD) in the chart's values
        ("authentik-postgres-password", "authentik-values.yaml",
         _hr("authentik", f"authentik:\n  postgresql:\n    host: authentik-pg-rw\n    password: {r(24)}\n"
                          "postgresql:\n  enabled: false")),
        # immich.app/docs/install/environment-variables (DB_PASSWORD: A-Za-z0-9 only) in the compose .env
        ("immich-db-password", "immich/.env",
         f"UPLOAD_LOCATION=./library\nDB_DATA_LOCATION=./postgres\nIMMICH_VERSION=release\nDB_PASSWORD={r(28)}\n"
         "DB_USERNAME=postgres\nDB_DATABASE_NAME=immich\n"),
        # docs.paperless-ngx.com/configuration/#PAPERLESS_ADMIN_PASSWORD in docker-compose.env
        ("paperless-admin-password", "paperless/docker-compose.env",
         f"PAPERLESS_ADMIN_USER=admin\nPAPERLESS_ADMIN_PASSWORD={r(20)}\nPAPERLESS_OCR_LANGUAGE=eng\n"),
        # github.com/nextcloud/docker (NEXTCLOUD_ADMIN_PASSWORD, OBJECTSTORE_S3_KEY/SECRET) in a compose file
        ("nextcloud-admin-compose", "nextcloud/compose.yaml",
         _compose("nextcloud", "nextcloud:29-apache",
                  f"NEXTCLOUD_ADMIN_USER: admin\nNEXTCLOUD_ADMIN_PASSWORD: {r(22)}\n"
                  "NEXTCLOUD_TRUSTED_DOMAINS: cloud.acme.io")),
        ("nextcloud-objectstore-env", "nextcloud.yaml",
         _workload("StatefulSet", "nextcloud", "env:\n  - name: OBJECTSTORE_S3_BUCKET\n    value: nextcloud\n"
                   "  - name: OBJECTSTORE_S3_HOST\n    value: s3.acme.io\n"
                   f"  - name: OBJECTSTORE_S3_KEY\n    value: {r(20)}\n"
                   f"  - name: OBJECTSTORE_S3_SECRET\n    value: {r(40)}")),
        # github.com/nextcloud/helm charts/nextcloud/values.yaml (nextcloud.password, the admin's)
        ("nextcloud-chart-password", "nextcloud-values.yaml",
         _hr("nextcloud", f"nextcloud:\n  host: cloud.acme.io\n  username: admin\n  password: {r(18)}\n"
                          "internalDatabase:\n  enabled: false")),
        # grafana.com/docs/grafana/latest/setup-grafana/configure-grafana (GF_SECURITY_ADMIN_PASSWORD) in env
        ("grafana-admin-password-env", "grafana.yaml",
         _workload("StatefulSet", "grafana", "env:\n  - name: GF_SECURITY_ADMIN_USER\n    value: admin\n"
                   f"  - name: GF_SECURITY_ADMIN_PASSWORD\n    value: {r(16)}\n"
                   "  - name: GF_SERVER_ROOT_URL\n    value: https://grafana.acme.io")),
        # grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/generic-oauth
        # (GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET) in the chart's `env:` map; authentik's client secret is 128
        ("grafana-oauth-client-secret", "grafana-values.yaml",
         _hr("grafana", "env:\n  GF_AUTH_GENERIC_OAUTH_ENABLED: 'true'\n  GF_AUTH_GENERIC_OAUTH_NAME: authentik\n"
                        f"  GF_AUTH_GENERIC_OAUTH_CLIENT_ID: {r(40)}\n"
                        f"  GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: {r(128)}\n"
                        "  GF_AUTH_GENERIC_OAUTH_SCOPES: openid profile email")),
        # docs.frigate.video/frigate/installation (FRIGATE_RTSP_PASSWORD) in app-template env
        ("frigate-rtsp-password", "frigate-helmrelease.yaml",
         _app("frigate", f"TZ: Europe/Berlin\nFRIGATE_RTSP_PASSWORD: {r(16)}", "ghcr.io/blakeblackshear/frigate")),
        # docs.frigate.video/configuration/reference (mqtt.password) in the ConfigMap with config.yml
        ("frigate-mqtt-password-config", "frigate-config.yaml",
         _cm("frigate", "config.yml: |\n  mqtt:\n    host: mosquitto\n    user: frigate\n"
                        f"    password: {r(18)}\n  cameras:\n    door:\n      ffmpeg:\n        inputs:\n"
                        "          - path: rtsp://127.0.0.1:8554/door\n            roles: [detect]\n")),
        # docs.frigate.video/configuration/cameras (credentials in a camera's RTSP URL)
        ("frigate-camera-url", "frigate-go2rtc.yaml",
         _cm("frigate-go2rtc", "config.yml: |\n  go2rtc:\n    streams:\n      garage:\n"
                               f"        - rtsp://admin:{r(14)}@10.0.40.21:554/cam/realmonitor?channel=1&subtype=0\n")),
        # www.home-assistant.io/docs/configuration/secrets (secrets.yaml holds the values; here in plain)
        ("homeassistant-secrets-yaml", "home-assistant/secrets.yaml",
         f"mqtt_password: {r(20)}\nopenweathermap_api_key: {r(32, HEX)}\nlatitude: 52.52\nlongitude: 13.40\n"),
        # docs.mealie.io/documentation/getting-started/installation/backend-config (OIDC_CLIENT_SECRET, SMTP_PASSWORD)
        ("mealie-oidc-smtp", "mealie-helmrelease.yaml",
         _app("mealie", "BASE_URL: https://recipes.acme.io\nOIDC_AUTH_ENABLED: 'true'\n"
                        f"OIDC_CLIENT_ID: mealie\nOIDC_CLIENT_SECRET: {r(64)}\nSMTP_HOST: smtp.fastmail.com\n"
                        f"SMTP_PASSWORD: {r(16, LOW)}", "ghcr.io/mealie-recipes/mealie")),
        # miniflux.app/docs/configuration.html (ADMIN_PASSWORD, DATABASE_URL with its password)
        ("miniflux-admin-password", "miniflux/compose.yaml",
         _compose("miniflux", "miniflux/miniflux:2.2.0",
                  f"CREATE_ADMIN: '1'\nADMIN_USERNAME: admin\nADMIN_PASSWORD: {r(18)}\nRUN_MIGRATIONS: '1'")),
        ("miniflux-database-url", "miniflux-helmrelease.yaml",
         _app("miniflux", f"DATABASE_URL: postgres://miniflux:{r(24)}@miniflux-pg-rw.apps/miniflux?sslmode=disable\n"
                          "BASE_URL: https://rss.acme.io", "ghcr.io/miniflux/miniflux")),
        # linkding.link/options (LD_SUPERUSER_PASSWORD) in a Kustomize secretGenerator's env file
        ("linkding-generator-env", "linkding/secret.env",
         f"LD_SUPERUSER_NAME=admin\nLD_SUPERUSER_PASSWORD={r(20)}\n"),
        # github.com/StuffAnThings/qbit_manage/wiki/Config-Setup (qbt.pass, the WebUI's password)
        ("qbit-manage-password", "qbit-manage-config.yaml",
         _cm("qbit-manage", "config.yml: |\n  qbt:\n    host: qbittorrent.media:8080\n    user: admin\n"
                            f"    pass: {r(16)}\n  settings:\n    force_auto_tmm: false\n")),
        # github.com/unpoller/unpoller/wiki/Configuration (UP_UNIFI_DEFAULT_PASS)
        ("unpoller-password", "unpoller.yaml",
         _app("unpoller", "UP_UNIFI_DEFAULT_URL: https://10.0.0.1\nUP_UNIFI_DEFAULT_USER: unpoller\n"
                          f"UP_UNIFI_DEFAULT_PASS: {r(18)}\nUP_INFLUXDB_DISABLE: 'true'")),
        # docs.pi-hole.net/docker/configuration (FTLCONF_webserver_api_password)
        ("pihole-api-password", "pihole/compose.yaml",
         _compose("pihole", "pihole/pihole:2024.07.0",
                  f"TZ: Europe/Berlin\nFTLCONF_webserver_api_password: {r(14)}\nFTLCONF_dns_listeningMode: all")),
        # www.keycloak.org/server/all-config (KC_BOOTSTRAP_ADMIN_PASSWORD, KC_DB_PASSWORD)
        ("keycloak-bootstrap-admin", "keycloak.yaml",
         _workload("StatefulSet", "keycloak", "env:\n  - name: KC_BOOTSTRAP_ADMIN_USERNAME\n    value: admin\n"
                   f"  - name: KC_BOOTSTRAP_ADMIN_PASSWORD\n    value: {r(20)}\n  - name: KC_DB\n    value: postgres\n"
                   f"  - name: KC_DB_PASSWORD\n    value: {r(24)}")),
        # docs.tandoor.dev/install/docker (SECRET_KEY, POSTGRES_PASSWORD) in its .env
        ("tandoor-env", "tandoor/.env",
         f"SECRET_KEY={r(50, SYMBOLS)}\nDB_ENGINE=django.db.backends.postgresql\n"
         f"POSTGRES_HOST=db_recipes\nPOSTGRES_USER=djangouser\nPOSTGRES_PASSWORD={r(20)}\n"),
        # docs.requarks.io/install/docker (DB_PASS)
        ("wikijs-db-pass", "wikijs.yaml",
         _workload("StatefulSet", "wikijs", f"env:\n  - name: DB_TYPE\n    value: postgres\n  - name: DB_HOST\n"
                   f"    value: wikijs-pg-rw\n  - name: DB_USER\n    value: wikijs\n  - name: DB_PASS\n"
                   f"    value: {r(22)}")),
        # cloudnative-pg.io/documentation/current/bootstrap (a basic-auth Secret for the app user)
        ("cnpg-app-user-secret", "cnpg-app-user.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: immich-pg-app\n  namespace: database\n"
         f"type: kubernetes.io/basic-auth\nstringData:\n  username: immich\n  password: {r(32)}\n"),
        # kubernetes-sigs.github.io/external-dns/latest/docs/tutorials/pihole (EXTERNAL_DNS_PIHOLE_PASSWORD)
        ("external-dns-pihole-password", "external-dns-pihole.yaml",
         _hr("external-dns", "provider:\n  name: pihole\nenv:\n  - name: EXTERNAL_DNS_PIHOLE_PASSWORD\n"
                             f"    value: {r(14)}\nextraArgs:\n  - --pihole-server=http://pihole-web.dns")),
        # docs.renovatebot.com/self-hosted-configuration (a config.js with the token inline)
        ("renovate-config-js", "renovate-config.yaml",
         _cm("renovate-config", "config.js: |\n  module.exports = {\n    platform: 'gitea',\n"
                                f"    endpoint: 'https://git.acme.io/api/v1',\n    token: '{r(40, HEX)}',\n"
                                "    autodiscover: true,\n  };\n")),
        # velero.io/docs/main/contributions/minio (credentials-velero for MinIO: an access key and its secret)
        ("velero-minio-credentials", "velero-values.yaml",
         _hr("velero", "credentials:\n  useSecret: true\n  secretContents:\n    cloud: |\n      [default]\n"
                       f"      aws_access_key_id = velero\n      aws_secret_access_key = {r(32)}\n"
                       "configuration:\n  backupStorageLocation:\n    - provider: aws\n      bucket: velero")),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what the same apps document beside their secrets, holding none."""
    return [
        # docs.goauthentik.io/install-config/install/kubernetes: the key from a Secret, by the chart's env list
        ("authentik-secret-refs", "authentik-refs.yaml",
         _hr("authentik", "authentik:\n  error_reporting:\n    enabled: false\nglobal:\n  env:\n"
                          "    - name: AUTHENTIK_SECRET_KEY\n      valueFrom:\n        secretKeyRef:\n"
                          "          name: authentik-secret\n          key: secret-key\n"
                          "    - name: AUTHENTIK_POSTGRESQL__PASSWORD\n      valueFrom:\n        secretKeyRef:\n"
                          "          name: authentik-pg-app\n          key: password")),
        # docs.goauthentik.io/install-config/configuration (values may be `file://` and `env://` URIs)
        ("authentik-uri-values", "authentik-uri.yaml",
         _app("authentik", "AUTHENTIK_SECRET_KEY: file:///run/secrets/authentik_secret_key\n"
                           "AUTHENTIK_POSTGRESQL__PASSWORD: env://PG_PASS\n"
                           "AUTHENTIK_POSTGRESQL__HOST: authentik-pg-rw", "ghcr.io/goauthentik/server")),
        # goauthentik.io compose.yml (its required variables)
        ("authentik-compose-required", "authentik/compose.yml",
         "services:\n  server:\n    image: ghcr.io/goauthentik/server:2024.8.3\n    command: server\n"
         "    env_file:\n      - .env\n    environment:\n      AUTHENTIK_POSTGRESQL__HOST: postgresql\n"
         "      AUTHENTIK_POSTGRESQL__PASSWORD: ${PG_PASS}\n"
         "      AUTHENTIK_SECRET_KEY: ${AUTHENTIK_SECRET_KEY:?secret key required}\n"),
        # immich.app/docs/install/environment-variables (DB_PASSWORD from a Secret; DB_URL without a password)
        ("immich-secret-refs", "immich-helmrelease.yaml",
         _hr("immich", "env:\n  DB_HOSTNAME: immich-pg-rw\n  DB_USERNAME:\n    valueFrom:\n      secretKeyRef:\n"
                       "        name: immich-pg-app\n        key: username\n  DB_PASSWORD:\n    valueFrom:\n"
                       "      secretKeyRef:\n        name: immich-pg-app\n        key: password\n"
                       "  REDIS_HOSTNAME: dragonfly.database")),
        # paperless-ngx docker/compose/docker-compose.env (its documented commented placeholder)
        ("paperless-env-placeholder", "paperless/docker-compose.env.example",
         "# The secret key has a default that should be changed.\n#PAPERLESS_SECRET_KEY=change-me\n"
         "PAPERLESS_TIME_ZONE=America/Los_Angeles\nPAPERLESS_OCR_LANGUAGE=eng\n"),
        # paperless: envFrom a Secret, the rest plain settings
        ("paperless-envfrom", "paperless-envfrom.yaml",
         _workload("StatefulSet", "paperless", "envFrom:\n  - secretRef:\n      name: paperless-secret\n"
                   "env:\n  - name: PAPERLESS_URL\n    value: https://docs.acme.io\n"
                   "  - name: PAPERLESS_SECRET_KEY\n    valueFrom:\n      secretKeyRef:\n"
                   "        name: paperless-secret\n        key: PAPERLESS_SECRET_KEY")),
        # github.com/nextcloud/helm values.yaml (nextcloud.existingSecret)
        ("nextcloud-existing-secret", "nextcloud-existing.yaml",
         _hr("nextcloud", "nextcloud:\n  host: cloud.acme.io\n  existingSecret:\n    enabled: true\n"
                          "    secretName: nextcloud-admin\n    usernameKey: username\n    passwordKey: password\n"
                          "  objectStore:\n    s3:\n      enabled: true\n      existingSecret: nextcloud-s3\n"
                          "      secretKeys:\n        accessKey: access-key\n        secretKey: secret-key")),
        # Nextcloud config.php reading the environment (getenv), as the image's s3.config.php does
        ("nextcloud-getenv-config", "nextcloud-s3-config.yaml",
         _cm("nextcloud-s3", "s3.config.php: |\n  <?php\n  $CONFIG = array (\n    'objectstore' => array(\n"
                             "      'class' => '\\\\OC\\\\Files\\\\ObjectStore\\\\S3',\n      'arguments' => array(\n"
                             "        'bucket' => getenv('OBJECTSTORE_S3_BUCKET'),\n"
                             "        'key' => getenv('OBJECTSTORE_S3_KEY'),\n"
                             "        'secret' => getenv('OBJECTSTORE_S3_SECRET'),\n      ),\n    ),\n  );\n")),
        # github.com/dani-garcia/vaultwarden/wiki/Enabling-admin-page#secure-the-admin_token (an argon2 PHC hash)
        ("vaultwarden-argon2-admin-token", "vaultwarden-secure.yaml",
         _app("vaultwarden", f"DOMAIN: https://vault.acme.io\nADMIN_TOKEN: '{_argon2()}'",
              "ghcr.io/dani-garcia/vaultwarden")),
        # the same wiki page: in a compose file every `$` doubled
        ("vaultwarden-argon2-compose", "vaultwarden/compose.yaml",
         _compose("vaultwarden", "vaultwarden/server:1.32.0",
                  "DOMAIN: https://vault.acme.io\nADMIN_TOKEN: '" + _argon2().replace("$", "$$") + "'")),
        # grafana helm chart values (admin.existingSecret)
        ("grafana-existing-secret", "grafana-admin-ref.yaml",
         _hr("grafana", "admin:\n  existingSecret: grafana-admin\n  userKey: admin-user\n"
                        "  passwordKey: admin-password\ngrafana.ini:\n  server:\n    root_url: https://grafana.acme.io")),
        # grafana.com/docs/grafana/latest/setup-grafana/configure-grafana
        # (#override-configuration-with-environment-variables: `__FILE` reads a value from a file)
        ("grafana-file-suffix", "grafana-file.yaml",
         _workload("StatefulSet", "grafana", "env:\n  - name: GF_SECURITY_ADMIN_PASSWORD__FILE\n"
                   "    value: /etc/grafana-secrets/admin-password\n"
                   "  - name: GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE\n    value: /etc/grafana-secrets/oauth\n")),
        # Flux postBuild substitution of a secret and a domain in values
        ("grafana-flux-substitution", "grafana-oauth.yaml",
         _hr("grafana", "grafana.ini:\n  auth.generic_oauth:\n    enabled: true\n    client_id: grafana\n"
                        "    client_secret: ${GRAFANA_OAUTH_CLIENT_SECRET}\n"
                        "    auth_url: https://auth.${SECRET_DOMAIN}/application/o/authorize/")),
        # docs.gitea.com/administration/config-cheat-sheet (INTERNAL_TOKEN_URI, SECRET_KEY_URI, JWT_SECRET_URI)
        ("gitea-uri-settings", "gitea-uri.yaml",
         _cm("gitea-config", "app.ini: |\n  [security]\n  INSTALL_LOCK = true\n"
                             "  INTERNAL_TOKEN_URI = file:/etc/gitea/secrets/internal_token\n"
                             "  SECRET_KEY_URI = file:/etc/gitea/secrets/secret_key\n\n  [oauth2]\n"
                             "  JWT_SECRET_URI = file:/etc/gitea/secrets/jwt_secret\n")),
        # gitea helm chart (additionalConfigFromEnvs)
        ("gitea-config-from-envs", "gitea-envs.yaml",
         _hr("gitea", "gitea:\n  additionalConfigFromEnvs:\n    - name: GITEA__DATABASE__PASSWD\n"
                      "      valueFrom:\n        secretKeyRef:\n          name: gitea-pg-app\n          key: password\n"
                      "    - name: GITEA__MAILER__PASSWD\n      valueFrom:\n        secretKeyRef:\n"
                      "          name: gitea-smtp\n          key: password")),
        # docs.n8n.io/hosting/configuration/environment-variables (`_FILE` for a key from a file)
        ("n8n-key-file", "n8n-file.yaml",
         _app("n8n", "N8N_ENCRYPTION_KEY_FILE: /run/secrets/n8n/encryption-key\n"
                     "DB_POSTGRESDB_PASSWORD_FILE: /run/secrets/n8n/db-password\nN8N_HOST: n8n.acme.io")),
        # docs.openwebui.com env configuration: placeholders from its example .env
        ("openwebui-env-example", "open-webui/.env.example",
         "OLLAMA_BASE_URL='http://localhost:11434'\nOPENAI_API_BASE_URL=''\nOPENAI_API_KEY=''\n"
         "WEBUI_SECRET_KEY=<your-secret>\n"),
        # docs.litellm.ai/docs/proxy/configs (os.environ/ references)
        ("litellm-os-environ", "litellm-environ.yaml",
         _cm("litellm", "config.yaml: |\n  model_list:\n    - model_name: claude\n      litellm_params:\n"
                        "        model: anthropic/claude-3-5-sonnet\n        api_key: os.environ/ANTHROPIC_API_KEY\n"
                        "  general_settings:\n    master_key: os.environ/LITELLM_MASTER_KEY\n"
                        "    database_url: os.environ/DATABASE_URL\n")),
        # docs.litellm.ai quick start: the documented example master key, in a README
        ("litellm-docs-example-key", "docs/litellm.md",
         "# LiteLLM\n\nTry it locally with the docs' example key, then set a real one in the Secret:\n\n"
         "    curl -H 'Authorization: Bearer sk-1234' http://localhost:4000/v1/models\n"),
        # www.home-assistant.io/docs/configuration/secrets (`!secret` references)
        ("homeassistant-secret-refs", "home-assistant/configuration.yaml",
         "homeassistant:\n  name: Home\n  latitude: !secret latitude\n  longitude: !secret longitude\n"
         "mqtt:\n  password: !secret mqtt_password\nweather:\n  - platform: openweathermap\n"
         "    api_key: !secret openweathermap_api_key\n"),
        # docs.frigate.video/configuration/reference (`{FRIGATE_*}` substitution)
        ("frigate-env-substitution", "frigate-subst.yaml",
         _cm("frigate", "config.yml: |\n  mqtt:\n    host: mosquitto\n    user: '{FRIGATE_MQTT_USER}'\n"
                        "    password: '{FRIGATE_MQTT_PASSWORD}'\n  cameras:\n    door:\n      ffmpeg:\n"
                        "        inputs:\n          - path: rtsp://{FRIGATE_RTSP_USER}:{FRIGATE_RTSP_PASSWORD}"
                        "@10.0.40.20:554/stream1\n            roles: [detect, record]\n")),
        # docs.getoutline.com .env.sample (generate_a_new_key placeholders)
        ("outline-env-sample", "outline/.env.sample",
         "NODE_ENV=production\n# Generate a hex-encoded 32-byte random key: `openssl rand -hex 32`\n"
         "SECRET_KEY=generate_a_new_key\nUTILS_SECRET=generate_a_new_key\n"
         "DATABASE_URL=postgres://user:pass@postgres:5432/outline\n"),
        # 1Password references in an Outline env template (op:// paths, read by `op inject`)
        ("outline-op-references", "outline/docker.env.tpl",
         "SECRET_KEY=op://homelab/outline/secret-key\nUTILS_SECRET=op://homelab/outline/utils-secret\n"
         "OIDC_CLIENT_SECRET=op://homelab/outline/oidc-client-secret\nURL=https://wiki.acme.io\n"),
        # miniflux.app/docs/configuration.html (ADMIN_PASSWORD_FILE, DATABASE_URL_FILE)
        ("miniflux-file-settings", "miniflux-files.yaml",
         _app("miniflux", "DATABASE_URL_FILE: /run/secrets/miniflux/db-url\nADMIN_PASSWORD_FILE: /run/secrets/"
                          "miniflux/admin\nBASE_URL: https://rss.acme.io", "ghcr.io/miniflux/miniflux")),
        # kubectl.docs.kubernetes.io/references/kustomize/kustomization/secretgenerator (envs of a file)
        ("kustomize-secret-generator", "linkding/kustomization.yaml",
         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n"
         "  - helmrelease.yaml\nsecretGenerator:\n  - name: linkding-secret\n    envs:\n      - secret.sops.env\n"
         "configMapGenerator:\n  - name: linkding-config\n    literals:\n      - LD_SUPERUSER_NAME=admin\n"
         "      - LD_DISABLE_BACKGROUND_TASKS=False\n"),
        # wiki.servarr.com: an exporter that reads the *arr's key from a Secret
        ("exportarr-secret-ref", "exportarr.yaml",
         _workload("Deployment", "exportarr-sonarr", "args: [sonarr]\nenv:\n  - name: URL\n"
                   "    value: http://sonarr:8989\n  - name: APIKEY\n    valueFrom:\n      secretKeyRef:\n"
                   "        name: sonarr-secret\n        key: api-key")),
        # *arr env by envFrom and the API key by substitution
        ("arr-envfrom-substitution", "sonarr-helmrelease.yaml",
         _app("sonarr", "TZ: Europe/Berlin\nSONARR__AUTH__METHOD: External\nSONARR__AUTH__APIKEY: ${SONARR_API_KEY}\n"
                        "SONARR__SERVER__PORT: 8989")),
        # qBittorrent's qBittorrent.conf: the WebUI password as PBKDF2 (salt:hash), a hash where one is expected
        ("qbittorrent-pbkdf2", "qbittorrent-config.yaml",
         _cm("qbittorrent", "qBittorrent.conf: |\n  [Preferences]\n  WebUI\\Port=8080\n  WebUI\\Username=admin\n"
                            f"  WebUI\\Password_PBKDF2=\"@ByteArray({_b64(16)}:{_b64(64)})\"\n"
                            "  WebUI\\AuthSubnetWhitelistEnabled=true\n")),
        # doc.traefik.io/traefik/middlewares/http/basicauth (labels: htpasswd apr1 with `$` doubled)
        ("traefik-basicauth-labels", "traefik/compose.yaml",
         "services:\n  whoami:\n    image: traefik/whoami:v1.10\n    labels:\n"
         "      - traefik.http.routers.whoami.middlewares=auth\n"
         f"      - traefik.http.middlewares.auth.basicauth.users=admin:{_apr1().replace('$', '$$')}\n"),
        # doc.traefik.io/traefik/middlewares/http/basicauth (the file provider's users: bcrypt)
        ("traefik-basicauth-file", "traefik-dynamic.yaml",
         _cm("traefik-dynamic", "dynamic.yml: |\n  http:\n    middlewares:\n      dashboard-auth:\n"
                                f"        basicAuth:\n          users:\n            - \"admin:{_bcrypt()}\"\n"
                                f"            - \"ops:{_apr1()}\"\n")),
        # caddyserver.com/docs/caddyfile/directives/basic_auth (a `caddy hash-password` bcrypt hash)
        ("caddy-basic-auth", "caddy/Caddyfile",
         "prometheus.acme.io {\n\tbasic_auth {\n\t\tadmin " + _bcrypt("14", "2a") + "\n\t}\n"
         "\treverse_proxy prometheus:9090\n}\n"),
        # github.com/AdguardTeam/AdGuardHome/wiki/Configuration (users[].password: a bcrypt hash)
        ("adguard-users-bcrypt", "adguard-config.yaml",
         _cm("adguard-home", "AdGuardHome.yaml: |\n  http:\n    address: 0.0.0.0:3000\n  users:\n"
                             f"    - name: admin\n      password: {_bcrypt('10')}\n  dns:\n"
                             "    upstream_dns:\n      - https://dns.quad9.net/dns-query\n")),
        # www.authelia.com/reference/guides/passwords (users_database.yml: argon2id hashes)
        ("authelia-users-argon2", "authelia-users.yaml",
         _cm("authelia-users", "users_database.yml: |\n  users:\n    alice:\n      displayname: Alice\n"
                               f"      password: \"$argon2id$v=19$m=65536,t=3,p=4${_b64(16).rstrip('=')}$"
                               f"{_b64(32).rstrip('=')}\"\n      email: alice@acme.io\n      groups: [admins]\n")),
        # Authelia configuration: secrets by file (AUTHELIA_*_FILE) and the rest plain
        ("authelia-file-secrets", "authelia-env.yaml",
         _app("authelia", "AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE: /secrets/jwt\n"
                          "AUTHELIA_SESSION_SECRET_FILE: /secrets/session\n"
                          "AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: /secrets/storage", "ghcr.io/authelia/authelia")),
        # Synapse: secrets read from files (registration_shared_secret_path, macaroon_secret_key_path)
        ("synapse-secret-paths", "synapse-paths.yaml",
         _cm("synapse", "homeserver.yaml: |\n  server_name: acme.io\n"
                        "  registration_shared_secret_path: /secrets/registration\n"
                        "  macaroon_secret_key_path: /secrets/macaroon\n  signing_key_path: /data/signing.key\n"
                        "  trusted_key_servers:\n    - server_name: matrix.org\n")),
        # netbox-docker env/netbox.env (its documented example token of sequential hex)
        ("netbox-example-token", "netbox/env/netbox.env.example",
         "SUPERUSER_NAME=admin\nSUPERUSER_EMAIL=admin@example.com\n"
         "SUPERUSER_API_TOKEN=0123456789abcdef0123456789abcdef01234567\n"),
        # VolSync's ReplicationSource names its repository Secret; an ExternalSecret templates it
        ("volsync-replicationsource", "volsync-src.yaml",
         "apiVersion: volsync.backube/v1alpha1\nkind: ReplicationSource\nmetadata:\n  name: paperless\nspec:\n"
         "  sourcePVC: paperless-data\n  trigger:\n    schedule: '0 * * * *'\n  restic:\n"
         "    repository: paperless-restic\n    copyMethod: Snapshot\n    pruneIntervalDays: 7\n"
         "    retain:\n      hourly: 24\n      daily: 7\n"),
        ("volsync-externalsecret-template", "volsync-externalsecret.yaml",
         "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: paperless-restic\nspec:\n"
         "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword\n  target:\n    template:\n"
         "      data:\n        RESTIC_REPOSITORY: s3:https://s3.acme.io/volsync/paperless\n"
         "        RESTIC_PASSWORD: \"{{ .RESTIC_PASSWORD }}\"\n"
         "        AWS_ACCESS_KEY_ID: \"{{ .AWS_ACCESS_KEY_ID }}\"\n"
         "  dataFrom:\n    - extract:\n        key: volsync\n"),
        # cloudnative-pg.io Cluster: credentials by Secret reference
        ("cnpg-cluster-refs", "cnpg-cluster.yaml",
         "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: immich-pg\nspec:\n  instances: 3\n"
         "  superuserSecret:\n    name: cnpg-superuser\n  bootstrap:\n    initdb:\n      database: immich\n"
         "      owner: immich\n      secret:\n        name: immich-pg-app\n  backup:\n    barmanObjectStore:\n"
         "      destinationPath: s3://cnpg/immich\n      endpointURL: https://s3.acme.io\n      s3Credentials:\n"
         "        accessKeyId:\n          name: cnpg-s3\n          key: ACCESS_KEY_ID\n        secretAccessKey:\n"
         "          name: cnpg-s3\n          key: ACCESS_SECRET_KEY\n"),
        # cert-manager EAB: the key ID is an identifier, the HMAC key by reference
        ("cert-manager-eab-keyid", "clusterissuer-zerossl.yaml",
         "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: zerossl\nspec:\n  acme:\n"
         "    server: https://acme.zerossl.com/v2/DV90\n    externalAccountBinding:\n"
         f"      keyID: {_b64url(16)}\n      keySecretRef:\n        name: zerossl-eab\n        key: secret\n"
         "    privateKeySecretRef:\n      name: zerossl-account\n    solvers:\n      - http01:\n"
         "          ingress:\n            ingressClassName: nginx\n"),
        # external-dns: the token by reference and an owner ID
        ("external-dns-refs", "external-dns-cf.yaml",
         _hr("external-dns", "provider:\n  name: cloudflare\nenv:\n  - name: CF_API_TOKEN\n    valueFrom:\n"
                             "      secretKeyRef:\n        name: external-dns-cloudflare\n        key: api-token\n"
                             f"txtOwnerId: {_uuid()}\ndomainFilters: [acme.io]")),
        # docs.renovatebot.com/self-hosted-configuration (config.js reads process.env)
        ("renovate-process-env", "renovate-env.yaml",
         _cm("renovate", "config.js: |\n  module.exports = {\n    platform: 'gitea',\n"
                         "    token: process.env.RENOVATE_TOKEN,\n    hostRules: [{ matchHost: 'ghcr.io',\n"
                         "      password: process.env.GHCR_TOKEN }],\n  };\n")),
        # woodpecker: the OAuth client ID (a UUID) plain, the secret from a Secret
        ("woodpecker-client-id", "woodpecker-refs.yaml",
         _hr("woodpecker", f"server:\n  env:\n    WOODPECKER_GITEA_CLIENT: {_uuid()}\n"
                           "  extraSecretNamesForEnvFrom:\n    - woodpecker-secret\nagent:\n"
                           "  extraSecretNamesForEnvFrom:\n    - woodpecker-agent-secret")),
        # Pi-hole: the password from a file; Homarr: the key by substitution
        ("pihole-password-file", "pihole-file/compose.yaml",
         _compose("pihole", "pihole/pihole:2024.07.0",
                  "FTLCONF_webserver_api_password_FILE: /run/secrets/pihole_password\nTZ: Europe/Berlin")),
        ("homarr-substitution", "homarr-subst.yaml",
         _app("homarr", "SECRET_ENCRYPTION_KEY: ${HOMARR_ENCRYPTION_KEY}\nAUTH_PROVIDERS: oidc\n"
                        "AUTH_OIDC_ISSUER: https://auth.${SECRET_DOMAIN}/application/o/homarr/")),
        # Keycloak: secrets from a Secret, the realm's public URL
        ("keycloak-refs", "keycloak-refs.yaml",
         _workload("StatefulSet", "keycloak", "env:\n  - name: KC_HOSTNAME\n    value: https://id.acme.io\n"
                   "  - name: KC_BOOTSTRAP_ADMIN_PASSWORD\n    valueFrom:\n      secretKeyRef:\n"
                   "        name: keycloak-admin\n        key: password\n  - name: KC_DB_URL\n"
                   "    value: jdbc:postgresql://keycloak-pg-rw:5432/keycloak")),
        # app-template values with image digests and a Home Assistant's IDs
        ("app-template-digests", "home-assistant-helmrelease.yaml",
         _app("home-assistant", "TZ: Europe/Berlin\nHASS_HTTP_TRUSTED_PROXY_1: 10.42.0.0/16",
              "ghcr.io/home-operations/home-assistant")),
        ("homeassistant-ids", "home-assistant/.storage-core.config_entries.json",
         json.dumps({"version": 1, "data": {"entries": [
             {"entry_id": r(26, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), "domain": "mqtt", "title": "mosquitto",
              "unique_id": None},
             {"entry_id": r(26, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), "domain": "frigate", "title": "frigate",
              "unique_id": _uuid()}]}}, indent=2)),
        # Jellyseerr's settings.json: server and client IDs (32 hex and UUIDs), the key stored elsewhere
        ("jellyseerr-ids", "jellyseerr-settings.yaml",
         _cm("jellyseerr", "settings.json: |\n" + _indent(json.dumps({
             "clientId": _uuid(), "main": {"applicationTitle": "Jellyseerr", "applicationUrl": "https://req.acme.io"},
             "jellyfin": {"name": "Jellyfin", "ip": "jellyfin.media", "port": 8096,
                          "serverId": r(32, HEX), "apiKey": ""}}, indent=2), 2))),
        # Homepage: widgets that take keys by `{{HOMEPAGE_VAR_…}}` substitution
        ("homepage-var-substitution", "homepage-vars.yaml",
         _cm("homepage-vars", "services.yaml: |\n  - Media:\n      - Sonarr:\n          href: https://sonarr.acme.io\n"
                              "          widget:\n            type: sonarr\n            url: http://sonarr:8989\n"
                              "            key: \"{{HOMEPAGE_VAR_SONARR_API_KEY}}\"\n")),
        # compose's top-level secrets, file-backed
        ("compose-file-secrets", "immich/compose.yaml",
         "services:\n  database:\n    image: ghcr.io/immich-app/postgres:14-vectorchord0.3.0\n    environment:\n"
         "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n      POSTGRES_USER: postgres\n"
         "    secrets:\n      - db_password\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n"),
    ]


def _encrypt_groups(binary: str, name: str, plain: str, rule: str) -> str:
    """A file encrypted by the real sops under a `.sops.yaml` whose creation rule is ``rule`` verbatim
    (key groups name their own recipients)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(plain)
        (Path(tmp) / ".sops.yaml").write_text(f"creation_rules:\n  - {rule}\n")
        res = subprocess.run([binary, "encrypt", name], capture_output=True, check=True, cwd=tmp,
                             env={"PATH": "/usr/bin:/bin", "HOME": tmp})
        return res.stdout.decode()


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): the real sops, in shapes sets 2 to 7 did not use."""
    import pyrage

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    second = str(pyrage.x25519.Identity.generate().to_public())
    secret = _secret_doc("vaultwarden", f"ADMIN_TOKEN: {_b64(48)}\nSMTP_PASSWORD: {r(20)}\n")
    sonarr = (f"<Config>\n  <Port>8989</Port>\n  <ApiKey>{r(32, HEX)}</ApiKey>\n"
              "  <AuthenticationMethod>External</AuthenticationMethod>\n</Config>\n")
    frigate = (f"mqtt:\n  host: mosquitto\n  user: frigate\n  password: {r(18)}\ncameras:\n  door:\n"
               f"    ffmpeg:\n      inputs:\n        - path: rtsp://admin:{r(14)}@10.0.40.20:554/stream1\n")
    gitea = (f"APP_NAME = Acme Git\nRUN_MODE = prod\n\n[server]\nDOMAIN = git.acme.io\n\n[security]\n"
             f"INTERNAL_TOKEN = {_jwt({'nbf': 1700000000})}\nSECRET_KEY = {r(64)}\n\n[database]\nDB_TYPE = postgres\n"
             f"PASSWD = {r(24)}\n")
    vaultwarden = json.dumps({"domain": "https://vault.acme.io", "admin_token": _b64(48),
                              "smtp_host": "smtp.fastmail.com", "smtp_password": r(16, LOW),
                              "signups_allowed": False}, indent=2)
    linkding = f"LD_SUPERUSER_NAME=admin\nLD_SUPERUSER_PASSWORD={r(20)}\n"
    compose = _compose("outline", "docker.getoutline.com/outlinewiki/outline:0.80.0",
                       f"URL: https://wiki.acme.io\nSECRET_KEY: {r(64, HEX)}\nUTILS_SECRET: {r(64, HEX)}\n"
                       f"DATABASE_URL: postgres://outline:{r(20)}@db/outline")
    authelia = (f"identity_validation:\n  reset_password:\n    jwt_secret: {r(64)}\nsession:\n  secret: {r(64)}\n"
                f"  cookies:\n    - domain: acme.io\nstorage:\n  encryption_key: {r(64)}\n")
    ha = f"latitude: 52.52\nlongitude: 13.40\nmqtt_password: {r(20)}\nrouter_password: {r(16)}\n"
    cases = [
        ("binary-app-xml", "sonarr-config.xml.sops", sonarr, ["--input-type", "binary", "--output-type", "binary"]),
        ("yaml-written-as-json", "frigate-config.sops.json", frigate,
         ["--input-type", "yaml", "--output-type", "json"]),
        ("ini-unencrypted-regex", "app.sops.ini", gitea,
         ["--input-type", "ini", "--output-type", "ini",
          "--unencrypted-regex", "^(APP_NAME|RUN_MODE|DOMAIN|DB_TYPE)$"]),
        ("json-unencrypted-regex", "vaultwarden-config.sops.json", vaultwarden,
         ["--input-type", "json", "--output-type", "json",
          "--unencrypted-regex", "^(domain|smtp_host|signups_allowed)$"]),
        ("generator-env-unnamed", "secret.env", linkding, ["--input-type", "dotenv", "--output-type", "dotenv"]),
        ("compose-encrypted-regex", "compose.sops.yaml", compose,
         ["--encrypted-regex", "^(SECRET_KEY|UTILS_SECRET|DATABASE_URL)$"]),
        ("app-config-nested-regex", "authelia-configuration.sops.yml", authelia,
         ["--encrypted-regex", "^(jwt_secret|secret|encryption_key)$"]),
        ("cli-encrypted-suffix", "home-assistant-secrets.sops.yaml", ha,
         ["--encrypted-suffix", "_password"]),
    ]
    out = encrypt_cases(binary, cases, recipient)
    rule = (f"encrypted_regex: ^(data|stringData)$\n    shamir_threshold: 2\n    key_groups:\n"
            f"      - age: [{recipient}]\n      - age: [{second}]")
    out.append(("sops:shamir-key-groups", "vaultwarden.sops.yaml",
                _encrypt_groups(binary, "vaultwarden.sops.yaml", secret, rule)))
    return out


def rows(seed: int = 81) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)
