"""Secrets in the places held-out set 5 showed were not read (issue 22, round 5: what users of secret
scanners reported as missed), and the look-alikes they reported as false positives: each rule on both sides.

- found: Maven's `settings.xml` `<password>`, a config file without an extension (`passfile`), a short weak
  password after a word (`hello_123`), own-line assignments in source files (JavaScript `const`, PHP
  `$_ENV['X']` and `define()`), a reference's literal default (Spring's `${X:pw}`, the shell's and Flux's
  `${X:-pw}`), an ExternalSecret template's literal, GitLab's `PRIVATE-TOKEN` header, an API key or access
  token in a URL's query;
- left alone: environment lookups written as code in a value (`os.getenv('X')`, `process.env.X`,
  `ENV['X']`), values written in counting order (kubeadm's example token, `ghp_1234567890…`), Supabase's
  anon key, defaults that are empty or placeholders, templates in an ExternalSecret, placeholders after
  `PRIVATE-TOKEN:` or `?apiKey=`, expressions and prompts in source files, references in XML and in files
  without an extension."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests import helpers
from tests.check.conftest import check, commit_file, found_only, place_tests
from tests.check.tokens import rand

LOWER = "abcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"
URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _uuid() -> str:
    h = rand(32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims) + "." + rand(43, URLSAFE)


def _external_secret(template: str) -> str:
    return ("apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n"
            "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault\n  target:\n    name: app\n"
            "    template:\n      data:\n" + "".join(f"        {line}\n" for line in template.splitlines())
            + "  data:\n    - secretKey: db_password\n      remoteRef:\n        key: apps/db\n"
              "        property: password\n")


def _found() -> dict[str, tuple[str, str]]:
    """case -> (path, body): one secret each, found by the credential rule alone."""
    pw = helpers.plant(rand(10) + "7x" + rand(10))
    return {
        "maven-settings-xml": ("ci/settings.xml", "<settings><servers>\n  <server>\n    <id>nexus</id>\n"
                               "    <username>deploy</username>\n    <pass" + "word>" + pw + "</password>\n"
                               "  </server>\n</servers></settings>\n"),
        "file-without-extension": ("ops/passfile", "pass" + "word=" + helpers.plant(rand(8, LOWER) + "!" + rand(4, LOWER))
                                   + "\n"),
        "weak-word-and-digits": ("local.env", "SYSTEM_USER: admin\nSYSTEM_PASS" + "WORD: "
                                 + helpers.plant(rand(5, LOWER) + "_" + rand(3, "123456789")) + "\n"),
        "javascript-const": ("backend/server.js", "const express = require('express');\nconst pass" + "word = \""
                             + pw + "\"\napp.listen(3000);\n"),
        "typescript-typed": ("web/src/config.ts", "export const apiToken: string = '" + pw + "';\n"),
        "php-env-entry": ("config/env.php", "<?php\n$_ENV['USER'] = 'app';\n$_ENV['PASS" + "WORD'] = '" + pw
                          + "';\n"),
        "php-define": ("site/wp-config.php", "<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_PASS" + "WORD', '"
                       + pw + "' );\n"),
        "spring-default": ("app/application.yaml", "spring:\n  datasource:\n    username: app\n    pass" + "word: "
                           "${DB_PASSWORD:" + pw + "}\n"),
        "shell-default": ("apps/values.yaml", "auth:\n  token: \"${API_TOKEN:-" + pw + "}\"\n"),
        "externalsecret-template-literal": ("apps/externalsecret.yaml", _external_secret(
            "DB_PASSWORD: \"{{ .db_password }}\"\nSMTP_PASS" + "WORD: " + pw)),
        "gitlab-private-token-header": ("scripts/trigger.sh", "curl --request POST --header \"PRIVATE-" + "TOKEN: "
                                        + helpers.plant(rand(20, URLSAFE)) + "\" https://gitlab.lan/api/v4/projects\n"),
        "url-query-api-key": ("apps/alerts.yaml", "env:\n  OPSGENIE_URL: https://api.opsgenie.com/v1/json/cloudwatch"
                              "?api" + "Key=" + helpers.plant(_uuid()) + "\n"),
        "url-query-access-token": ("docs/feed.md", "Feed: https://git.lan/acme.atom?access" + "_token="
                                   + helpers.plant(rand(32, URLSAFE)) + "&format=atom\n"),
    }


def _left_alone() -> dict[str, tuple[str, str]]:
    """case -> (path, body): what reporters showed scanners flagging wrongly, and look-alikes beside the new rules."""
    return {
        "env-lookups-in-values": ("apps/ci.yaml", "env:\n  GITHUB_TOKEN: os.getenv('AWS_SECRET_ACCESS_KEY')\n"
                                                  "  API_KEY: process.env.API_KEY\n  DB_PASSWORD: ENV['DB_PASSWORD']\n"
                                                  "  SMTP_PASSWORD: System.getenv(\"SMTP_PASSWORD\")\n"
                                                  "  ANODOT_TOKEN: $(echo $OUT | jq -r .Credentials.SessionToken)\n"
                                                  "  PASSWORD: test\n"),
        "counting-order": ("k8s/kubeadm-config.yaml", "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n"
                                                      "bootstrapTokens:\n  - token: abcdef.0123456789abcdef\n"),
        "counting-order-token": ("docs/testing.md", "Use a fake token:\n\n    GITHUB_TOKEN=gh" + "p_" + "1234567890" * 3
                                 + "abcdef\n"),
        "supabase-anon-key": ("web/.env", "NEXT_PUBLIC_SUPABASE_ANON_KEY=" + _jwt(
            {"iss": "supabase", "ref": rand(20, LOWER), "role": "anon", "iat": 1700000000}) + "\n"),
        "defaults-not-secrets": ("app/application-dev.yaml", "spring:\n  datasource:\n    password: ${DB_PASSWORD:}\n"
                                                             "  mail:\n    password: ${MAIL_PASSWORD:-changeme}\n"
                                                             "server:\n  port: ${PORT:8080}\n"
                                                             "auth:\n  token: ${API_TOKEN:-${FALLBACK_TOKEN}}\n"),
        "externalsecret-templates": ("apps/externalsecret.yaml", _external_secret(
            "DB_PASSWORD: \"{{ .db_password }}\"\nPLEX_TOKEN: \"{{ .PLEX_API_KEY }\"\n"
            "config.yaml: |\n  password: \"{{ .password }}\"\n"
            "  token: '{{ .token }}'")),
        "private-token-placeholders": ("scripts/api.sh", "curl --header \"PRIVATE-TOKEN: <your_access_token>\" "
                                                         "https://gitlab.lan/api/v4/projects\n"
                                                         "curl --header \"PRIVATE-TOKEN: $GITLAB_TOKEN\" x\n"),
        "url-query-placeholders": ("apps/urls.yaml", "env:\n  A_URL: https://api.opsgenie.com/v1/json/x?apiKey=test\n"
                                                     "  B_URL: https://x.lan/feed?access_token=${FEED_TOKEN}\n"),
        "source-expressions": ("web/src/server.js", "const password = process.env.PASSWORD;\n"
                                                    "const PASSWORD_PROMPT = \"Enter the password\";\n"
                                                    "let token = req.headers.authorization;\n"
                                                    "const secretName = 'app-secrets';\n"),
        "php-references": ("site/wp-config.php", "<?php\ndefine( 'DB_PASSWORD', getenv('DB_PASSWORD') );\n"
                                                 "$_ENV['API_TOKEN'] = $token;\n"),
        "xml-references": ("ci/pom.xml", "<settings><servers><server>\n  <password>${env.NEXUS_PASSWORD}</password>\n"
                                         "  <passwordEncryption>true</passwordEncryption>\n</server></servers>"
                                         "</settings>\n"),
        "files-without-extension": ("scripts/deploy", "#!/bin/sh\nPASSWORD=\"$1\"\nTOKEN=$(cat /run/secrets/token)\n"),
        "dockerfile-args": ("Dockerfile", "FROM alpine:3.20\nARG DB_PASSWORD\nENV DB_PASSWORD=${DB_PASSWORD}\n"),
    }


test_secrets_in_these_places_are_found, test_look_alikes_in_these_places_are_left_alone = place_tests(_found, _left_alone)


def test_supabase_service_role_key_is_still_found(repo: Path) -> None:
    """Only the anon key is public: the service_role key beside it (same issuer, same shape) is a secret."""
    key = helpers.plant(_jwt({"iss": "supabase", "ref": rand(20, LOWER), "role": "service_role", "iat": 1700000000}))
    commit_file(repo, "web/.env.server", "SUPABASE_SERVICE_ROLE_KEY=" + key + "\n")
    found_only(repo, "web/.env.server", "credential")


def test_a_changed_php_assignment_is_found_in_history(repo: Path) -> None:
    """The history's delta reads a changed line by its hint words: an added `$_ENV['PASSWORD'] = '…'` is found."""
    commit_file(repo, "config/env.php", "<?php\n$_ENV['USER'] = 'app';\n")
    pw = helpers.plant(rand(12) + "9q" + rand(6))
    commit_file(repo, "config/env.php", "<?php\n$_ENV['USER'] = 'app';\n$_ENV['DB_PASS" + "WORD'] = '" + pw + "';\n")
    code, findings, out = check(repo, "--history", "--no-cache")
    assert code == 1 and {f["path"] for f in findings} == {"config/env.php"}, out
    assert pw not in out
