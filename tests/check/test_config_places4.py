"""Secrets in the places and formats held-out set 4 showed were not read (issue 22, round 4), and the
look-alikes beside them: each rule on both sides.

- found: token formats (Supabase `sb_secret_`, Contentful `CFPAT-`, CircleCI `CCIPAT_`, Private
  Packagist, Dropbox `sl.u.`, Linear OAuth, 1Password secret keys, Bitbucket `ATBB`, Firebase server
  keys, Plex tokens), PuTTY and OpenVPN static keys, a URL's password with an empty user or in its
  query (JDBC), HAProxy's `stats auth` / `insecure-password`, Redis ACL `>password`, npm's `_auth` /
  `_password`, Caddy's DNS provider tokens, `.pypirc`, MySQL's `.my.cnf`, systemd's `Environment=`,
  Python settings, cloud-init user-data, a `.pgpass` file, PgBouncer's userlist, a key as a list of
  its bytes (Zigbee2MQTT's `network_key`);
- left alone: Supabase's publishable keys, Mapbox's public tokens, references of each syntax (Home
  Assistant's `!secret`, argocd-vault-plugin's `<path:…>`, bank-vaults' `vault:…#…`, `{env.X}`,
  `${X}`, `os.environ`), password hashes (`$6$`, SCRAM, md5, Redis's `#<sha256>`), keywords
  (`RANDOM`, `GENERATE`), `existingSecret` names, PGP public keys, OpenVPN certificates, 8-byte IDs."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check, commit_file, found_only, nothing_found
from tests.check.tokens import rand

HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _configmap(key: str, body: str) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  " + key + ": |\n"
            + "".join(f"    {line}\n" for line in body.splitlines()))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _putty() -> str:
    public = base64.b64encode(b"\0\0\0\x0bssh-ed25519\0\0\0\x20" + secrets.token_bytes(32)).decode()
    private = helpers.plant(base64.b64encode(b"\0\0\0\x20" + secrets.token_bytes(32)).decode())
    return ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n"
            f"{public[:64]}\n{public[64:]}\nPrivate-Lines: 1\n{private}\nPrivate-MAC: {rand(64, HEX)}\n")


def _openvpn(indent: str = "") -> str:
    lines = [helpers.plant(rand(32, HEX)) for _ in range(16)]
    return "".join(f"{indent}{line}\n" for line in ["-----BEGIN OpenVPN " + "Static key V1-----", *lines,
                                                    "-----END OpenVPN Static key V1-----"])


def _base64_with_slashes() -> str:
    """A random base64 run that holds three `/` (one 48-byte value in twelve does): letters and digits
    of changing classes between them, as random bytes give."""
    piece = "".join(rand(1, "ABCDEFGHJKLMNPQRSTUVWXYZ") + rand(1, "abcdefghijkmnopqrstuvwxyz") + rand(1, "23456789")
                    for _ in range(20))
    return helpers.plant(f"{piece[:12]}/{piece[12:27]}/{piece[27:40]}/{piece[40:]}+A=")


def _found() -> dict[str, tuple[str, str, str]]:
    """case -> (path, body, rule): one secret each."""
    pw = helpers.plant(rand(10) + "7x" + rand(10))
    hexed = helpers.plant(rand(32, HEX))
    onepassword = "A3-" + "-".join(rand(n, UPPER) for n in (6, 6, 5, 5, 5, 5))
    return {
        "supabase-secret": ("web/.env.local", "SUPABASE_SERVICE=" + helpers.plant("sb_" + "secret_" + rand(31, URLSAFE))
                            + "\n", "credential"),
        "contentful": ("web/netlify.toml", '[build.environment]\n  CONTENTFUL_MGMT = "'
                       + helpers.plant("CFPAT" + "-" + rand(43, URLSAFE)) + '"\n', "credential"),
        "circleci": ("Makefile", "CIRCLE_TOKEN ?= " + helpers.plant("CCIPAT" + "_" + rand(22) + "_" + rand(40, HEX))
                     + "\n", "credential"),
        "private-packagist": ("auth.json", '{"bearer": {"repo.packagist.com": "'
                              + helpers.plant("packagist" + "_ort_" + rand(68, HEX)) + '"}}', "credential"),
        "dropbox": ("apps/backup.yaml", "environment:\n  DROPBOX_SESSION: "
                    + helpers.plant("sl." + "u." + rand(140, URLSAFE)) + "\n", "credential"),
        "linear-oauth": ("mcp.json", '{"env": {"LINEAR_ACCESS": "' + helpers.plant("lin_" + "oauth_" + rand(64, HEX))
                         + '"}}', "credential"),
        "onepassword-secret-key": ("bootstrap.sh", "op account add --address acme.1password.com \\\n  --signin "
                                   + helpers.plant(onepassword) + "\n", "credential"),
        "bitbucket-app-password": ("apps/values.yaml", "bitbucket:\n  user: bot\n  app: "
                                   + helpers.plant("AT" + "BB" + rand(32)) + "\n", "credential"),
        "firebase-server-key": ("apps/push.yaml", "push:\n  fcm: " + helpers.plant(
            "AAAA" + rand(7, URLSAFE) + ":" + "APA91b" + rand(134, URLSAFE)) + "\n", "credential"),
        "plex-token": ("apps/gatus.yaml", _configmap("endpoints.yaml", "- url: http://plex:32400/identity?X-Plex-"
                                                     + "Token=" + helpers.plant(rand(20, URLSAFE))), "credential"),
        "putty-key": ("keys/deploy.ppk", _putty(), "private-key"),
        "openvpn-static-key": ("apps/openvpn.yaml", _configmap("ta.key", _openvpn()), "private-key"),
        "url-empty-user": ("apps/sidekiq.yaml", "data:\n  REDIS_URL: rediss://:" + pw + "@redis.lan:6380/0\n",
                           "credential"),
        "jdbc-query-password": ("apps/application.properties", "spring.datasource.url=jdbc:postgresql://db:5432/app"
                                "?user=app&" + "password=" + pw + "&ssl=true\n", "credential"),
        "haproxy-stats-auth": ("apps/haproxy.yaml", _configmap("haproxy.cfg", "frontend stats\n  stats"
                                                               + " auth admin:" + pw), "credential"),
        "haproxy-userlist": ("lb/haproxy.cfg", "userlist ops\n  user admin " + "insecure-" + "password " + pw + "\n",
                             "credential"),
        "redis-acl": ("apps/redis.yaml", _configmap("users.acl", "user default off\nuser app on " + ">" + pw
                                                    + " ~app:* +@all"), "credential"),
        "npm-auth": ("web/.npmrc", "registry=https://nexus.lan/npm/\n_auth" + "=" + helpers.plant(_b64("ci:" + pw))
                     + "\n", "credential"),
        "npm-password": ("web2/.npmrc", "//nexus.lan/npm/:username=ci\n//nexus.lan/npm/:_password" + "="
                         + helpers.plant(_b64(pw)) + "\n", "credential"),
        "caddy-dns-token": ("proxy/Caddyfile", "*.acme.io {\n\ttls {\n\t\tdns cloud" + "flare "
                            + helpers.plant(rand(40, URLSAFE)) + "\n\t}\n}\n", "credential"),
        "pypirc": ("ci/.pypirc", "[acme]\nrepository = https://pypi.lan/\nusername = ci\npass" + "word = " + pw + "\n",
                   "credential"),
        "my-cnf": ("db/.my.cnf", "[client]\nuser = root\npass" + "word = " + pw + "\n", "credential"),
        "systemd-environment": ("units/backup.service", "[Service]\nEnvironment=\"RESTIC_REPOSITORY=s3:s3.lan/b\" "
                                "\"RESTIC_PASS" + "WORD=" + pw + "\"\nExecStart=/usr/bin/restic backup /srv\n",
                                "credential"),
        "python-settings": ("app/settings_prod.py", "DEBUG = False\nSECRET_" + "KEY = '" + pw + "'\n", "credential"),
        "cloud-init": ("nodes/user-data", "#cloud-config\nusers:\n  - name: ops\n    plain_text_pass" + "wd: " + pw
                       + "\n", "credential"),
        "pgpass-file": ("db/.pgpass", "# host:port:db:user:password\ndb.lan:5432:*:backup:" + pw + "\n", "credential"),
        "pgpass-named-file": ("db/replica.pgpass", "*:*:*:replica:" + pw + "\n", "credential"),
        "pgbouncer-userlist": ("db/pgbouncer.yaml", _configmap("userlist.txt", '"app" "' + pw + '"'), "credential"),
        "pgbouncer-userlist-file": ("db/userlist.txt", '"stats" "' + pw + '"\n', "credential"),
        "key-as-bytes": ("apps/zigbee2mqtt.yaml", "advanced:\n  network_key: ["
                         + ", ".join(str(b) for b in bytes.fromhex(hexed)) + "]\n", "credential"),
        "base64-with-slashes-json": ("apps/config.json", '{"auth": {"jwtSecret": "' + _base64_with_slashes() + '"}}',
                                     "credential"),
        "base64-with-slashes-yaml": ("apps/values.yaml", "session:\n  secret: " + _base64_with_slashes() + "\n",
                                     "credential"),
        "base64-from-a-slash": ("apps/app.env", "JWT_SECRET=/" + _base64_with_slashes()[1:] + "\n", "credential"),
        "quoted-leading-star": ("app/settings_local.py", "SECRET_" + "KEY = '*" + pw + "'\n", "credential"),
        "quoted-leading-ampersand": ("apps/auth.yaml", "auth:\n  password: \"&" + pw + "\"\n", "credential"),
        "parsed-leading-bang": ("apps/auth.json", '{"client_secret": "!' + pw + '"}', "credential"),
    }


def _left_alone() -> dict[str, tuple[str, str]]:
    """case -> (path, body): what real repositories hold beside such secrets."""
    return {
        "supabase-publishable": ("web/.env", "NEXT_PUBLIC_SUPABASE_KEY=sb_" + "publishable_" + rand(31, URLSAFE) + "\n"),
        "mapbox-public": ("web/map.env", "MAPBOX_PUBLIC_TOKEN=pk.eyJ1" + rand(58, URLSAFE) + "." + rand(22) + "\n"),
        "url-references": ("apps/urls.yaml", "data:\n  REDIS_URL: redis://:${REDIS_PASSWORD}@redis:6379/0\n"
                                             "  LOCAL: redis://:password@localhost:6379\n"),
        "jdbc-references": ("apps/application.properties", "spring.datasource.url=jdbc:postgresql://db/app?user=app"
                                                           "&password=${DB_PASSWORD}\nx.url=jdbc:mysql://db/app?"
                                                           "user=app&password=&ssl=true\n"),
        "haproxy-hashed-and-references": ("apps/haproxy.yaml", _configmap(
            "haproxy.cfg", "userlist ops\n  user admin password $6$" + rand(16) + "$" + rand(86)
            + "\nfrontend stats\n  stats auth ${STATS_USER}:${STATS_PASSWORD}")),
        "redis-acl-hashed": ("apps/redis.yaml", _configmap("users.acl", "user app on #" + rand(64, HEX)
                                                           + " ~app:* +@all\nuser metrics on nopass +info")),
        "npmrc-references": ("web/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n_auth=${NPM_AUTH}\n"),
        "caddy-env": ("proxy/Caddyfile", "*.acme.io {\n\ttls {\n\t\tdns cloudflare {env.CF_API_TOKEN}\n\t}\n}\n"),
        "python-expressions": ("app/settings.py", "import os\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
                                                  "password = get_password(user)\napi_key = \"\"\n"
                                                  "token = \"Bearer \" + session.token\n"
                                                  "PASSWORD_PROMPT = \"Enter the password\"\n"),
        "python-strings-holding-files": ("tests/test_render.py", "CONFIG = (\n    'db:\\n'\n"
                                                                "    '  password: ' + FAKE + '\\n'\n)\n"
                                                                "EXPECTED = f'api_key = \"{rendered}\"'\n"),
        "url-query-flags": ("docs/links.md", "- [reset](https://id.lan/reset?password=true&user=me)\n"
                                             "- [files](https://files.lan/index.php?dir=/srv&pwd=/var/www)\n"),
        "pgbouncer-ini": ("db/pgbouncer.yaml", _configmap("pgbouncer.ini", "[databases]\n* = host=db port=5432\n"
                                                          "[pgbouncer]\nauth_file = /etc/pgbouncer/userlist.txt\n"
                                                          "auth_type = scram-sha-256\nadmin_users = \"admin\"")),
        "systemd-files": ("units/api.service", "[Service]\nEnvironmentFile=/etc/api/env\n"
                                               "Environment=API_TOKEN_FILE=%d/token \"LOG_LEVEL=info\"\n"),
        "cloud-init-keywords": ("nodes/user-data", "#cloud-config\nchpasswd:\n  users:\n    - name: ops\n"
                                                   "      password: RANDOM\n      type: RANDOM\nusers:\n"
                                                   "  - name: ci\n    lock_passwd: true\n    hashed_passwd: $6$"
                                                   + rand(16) + "$" + rand(86) + "\n"),
        "pgpass-references": ("db/.pgpass", "# host:port:database:username:password\n*:*:*:app:${PGPASSWORD}\n"),
        "pgbouncer-hashes": ("db/pgbouncer.yaml", _configmap("userlist.txt", '"app" "SCRAM-SHA-256$4096:'
                                                             + rand(24) + "$" + rand(44) + '"\n"ro" "md5'
                                                             + rand(32, HEX) + '"')),
        "key-bytes-placeholders": ("apps/zigbee2mqtt.yaml", "advanced:\n  network_key: GENERATE\n"
                                                            "  ext_pan_id: [221, 221, 221, 221, 221, 221, 221, 221]\n"
                                                            "  zero_key: [" + ", ".join(["0"] * 16) + "]\n"),
        "home-assistant-tags": ("ha/configuration.yaml", "mqtt:\n  username: hass\n  password: !secret mqtt_password\n"
                                                         "influxdb:\n  token: !env_var INFLUX_TOKEN\n"),
        "argocd-vault-plugin": ("apps/avp-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                                                        "  annotations:\n    avp.kubernetes.io/path: kv/data/db\n"
                                                        "stringData:\n  password: <path:kv/data/db#password>\n"
                                                        "  token: <path:kv/data/api#token | base64encode>\n"),
        "bank-vaults": ("apps/api.yaml", "env:\n  - name: DB_PASSWORD\n    value: vault:secret/data/db#password\n"
                                         "  - name: API_TOKEN\n    value: \">>vault:secret/data/api#token#2\"\n"),
        "existing-secret-names": ("apps/values.yaml", "config:\n  existingSecret: oauth2-proxy\n"
                                                      "auth:\n  postgresExistingSecret: pg16-app-credentials\n"),
        "paths-under-secret-keys": ("apps/vault.yaml", "vault:\n  secret: kv/data/ProdApp/DbPassword/Value1\n"
                                                       "  token: /run/secrets/MyAppToken123abc\n"
                                                       "other:\n  secret: Vault/Path/To/MySecret2024Key\n"),
        "yaml-alias": ("apps/aliased.yaml", "defaults: &admin_password ${ADMIN_PASSWORD}\n"
                                            "grafana:\n  adminPassword: *admin_password\n"),
        "pgp-public-key": ("keys/.sops.pub.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
                           + "\n".join(rand(64) for _ in range(4)) + "\n-----END PGP PUBLIC KEY BLOCK-----\n"),
        "openvpn-client": ("vpn/client.ovpn", "client\nremote vpn.lan 1194\nauth-user-pass /etc/openvpn/creds\n"
                                              "<ca>\n-----BEGIN CERTIFICATE-----\n" + rand(64) + "\n"
                                              "-----END CERTIFICATE-----\n</ca>\n"),
    }


@pytest.mark.parametrize("case", sorted(_found()))
def test_secrets_in_these_places_are_found(repo: Path, case: str) -> None:
    rel, body, rule = _found()[case]
    commit_file(repo, rel, body)
    found_only(repo, rel, rule)


@pytest.mark.parametrize("case", sorted(_left_alone()))
def test_look_alikes_in_these_places_are_left_alone(repo: Path, case: str) -> None:
    rel, body = _left_alone()[case]
    commit_file(repo, rel, body)
    nothing_found(repo)


def test_a_password_file_is_read_in_history_though_its_lines_name_nothing(repo: Path) -> None:
    """A `.pgpass` holds no marker a quiet-blob skip or a change's word test could see: its path is enough
    (the history's first run reads every version; a changed line alone says nothing)."""
    commit_file(repo, "db/.pgpass", "# host:port:database:username:password\n")
    pw = helpers.plant(rand(12) + "9q" + rand(6))
    commit_file(repo, "db/.pgpass", "# host:port:database:username:password\ndb.lan:5432:*:app:" + pw + "\n")
    found_only(repo, "db/.pgpass", "credential", "--history", "--no-cache")


@pytest.mark.parametrize(("rel", "line", "message"), [
    ("db/.pgpass", "db.lan:5432:*:app:{}", "a password in a .pgpass file"),
    ("db/userlist.txt", '"app" "{}"', "a password in a PgBouncer userlist")])
def test_a_changed_line_of_a_password_file_is_read_though_it_names_nothing(repo: Path, rel: str, line: str,
                                                                           message: str) -> None:
    """A version whose other lines are not quiet (a URL with a password) is not left to its change's word
    test either: the added line names no rule's word, and is found all the same."""
    url = "# postgres://app:" + helpers.plant(rand(14)) + "@db.lan/app\n# replicas\n# reports\n"
    commit_file(repo, rel, url)
    pw = helpers.plant(rand(12) + "9q" + rand(6))
    commit_file(repo, rel, url + line.format(pw) + "\n")
    code, findings, out = check(repo, "--history", "--no-cache")
    assert code == 1 and message in {f["message"] for f in findings}, out
    assert pw not in out
