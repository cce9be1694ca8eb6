"""Fake credentials in each documented format, built at run time so no literal sits in the repo."""

from __future__ import annotations

import base64
import secrets
import string

from tests import helpers

ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def tokens() -> dict[str, str]:
    """kind -> a line of config holding a fresh, planted fake credential of that kind."""
    made = {
        "aws-id": "AK" + "IA" + rand(16, string.ascii_uppercase + "234567"),
        "github": "gh" + "p_" + rand(36),
        "github-fine": "github" + "_pat_" + rand(22) + "_" + rand(59),
        "gitlab": "gl" + "pat-" + rand(20),
        "slack": "xo" + "xb-" + rand(12, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24),
        "stripe": "sk" + "_live_" + rand(24),
        "google": "AI" + "za" + rand(35),
        "npm": "np" + "m_" + rand(36),
        "pypi": "py" + "pi-AgEIcHlwaS5vcmc" + rand(60),
        "jwt": "ey" + "J" + rand(20) + ".ey" + "J" + rand(30) + "." + rand(40),
        "azure": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + base64.b64encode(
            secrets.token_bytes(64)).decode(),
        "url": "postgres://admin:" + rand(16) + "@db.internal:5432/app",
        "docker": base64.b64encode(("robot:" + rand(24)).encode()).decode(),
        "dockerconfigjson": base64.b64encode(('{"auths":{"ghcr.io":{"auth":"' + base64.b64encode(
            ("bot:" + rand(24)).encode()).decode() + '"}}}').encode()).decode(),
        "entropy": rand(28),
    }
    for value in made.values():
        helpers.plant(value)
    return made


def config_lines(t: dict[str, str]) -> dict[str, str]:
    return {
        "aws-id": f"aws_access_key_id: {t['aws-id']}\n",
        "github": f"GITHUB_TOKEN={t['github']}\n",
        "github-fine": f"token: {t['github-fine']}\n",
        "gitlab": f"gitlab: {t['gitlab']}\n",
        "slack": f"slack: {t['slack']}\n",
        "stripe": f"stripe: {t['stripe']}\n",
        "google": f"maps: {t['google']}\n",
        "npm": f"//registry.npmjs.org/:_authToken={t['npm']}\n",
        "pypi": f"password = {t['pypi']}\n",
        "jwt": f"bearer: {t['jwt']}\n",
        "azure": f"conn: \"{t['azure']}\"\n",
        "url": f"databaseUrl: {t['url']}\n",
        "docker": '{"auths": {"registry.example.com": {"auth": "' + t["docker"] + '"}}}\n',
        "dockerconfigjson": f"imagePullSecret:\n  .dockerconfigjson: {t['dockerconfigjson']}\n",
        "entropy": f"apiKey: {t['entropy']}\n",
    }
