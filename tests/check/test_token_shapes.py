"""Token shapes that the held-out set 7 showed read too narrowly or too widely, each on both sides.

- found: a JWT whose payload's first claim starts with a digit (1Password Connect's token,
  `{"1password.com/auuid": …}`, whose payload is `eyI…`, not `eyJ…`), under a key that names nothing
  (Supabase's anon key, a public JWT, stays left alone: tests/check/test_config_places5.py);
- left alone: Mailgun's public validation key (`pubkey-` and 32 hex digits) beside the word mailgun,
  while its private key (`key-` and 32 hex digits) is still found."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests import helpers
from tests.check.conftest import commit_file, found_only, nothing_found
from tests.check.tokens import rand

HEX = "0123456789abcdef"
URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _part(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _connect_token() -> str:
    """A JWT shaped as 1Password Connect issues them (ES256; its claims' names start with `1password.com/`)."""
    claims = {"1password.com/auuid": rand(26).upper(), "1password.com/token": rand(32),
              "1password.com/fts": ["vaultaccess"], "aud": ["com.1password.connect"], "iat": 1718000000,
              "iss": "com.1password.b5", "sub": rand(26).upper()}
    return _part({"alg": "ES256", "kid": rand(26, "abcdefghijklmnopqrstuvwxyz0123456789"), "typ": "JWT"}) + "." + \
        _part(claims) + "." + rand(86, URLSAFE)


def _helm_release(values: str) -> str:
    return ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: connect\nspec:\n"
            "  interval: 1h\n  values:\n" + "".join(f"    {line}\n" for line in values.splitlines()))


def test_a_jwt_whose_first_claim_starts_with_a_digit_is_found(repo: Path) -> None:
    token = helpers.plant(_connect_token())
    assert token.split(".")[1].startswith("eyI")  # what made it unseen: `{"1…` in base64
    commit_file(repo, "apps/connect.yaml", _helm_release(f"operator:\n  create: true\n  token:\n    value: {token}"))
    found_only(repo, "apps/connect.yaml", "credential")


def test_mailguns_public_key_is_left_alone_and_its_private_key_found(repo: Path) -> None:
    public = "pub" + "key-" + rand(32, HEX)
    commit_file(repo, "apps/signup.yaml", _helm_release(f"env:\n  MAILGUN_DOMAIN: mg.acme.io\n  MAILGUN_PUBLIC_KEY: {public}"))
    nothing_found(repo)
    private = helpers.plant("key-" + rand(32, HEX))
    commit_file(repo, "apps/signup.yaml", _helm_release(f"env:\n  MAILGUN_DOMAIN: mg.acme.io\n  MAILGUN: {private}"))
    found_only(repo, "apps/signup.yaml", "credential")
