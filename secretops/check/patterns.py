"""Credential formats, written from each provider's documented token format, and entropy."""

from __future__ import annotations

import math
import re
from collections import Counter

# (kind, literal markers, regex). A format's regex runs only on text holding one of its markers
# (a C-speed substring search), so a clean file costs a few `in` tests. The secret is group "s".
CREDENTIALS: list[tuple[str, tuple[str, ...], str]] = [
    ("AWS access key id", ("AKIA", "ASIA", "ABIA", "ACCA"), r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b"),
    ("AWS secret access key", ("ecret_access_key", "ECRET_ACCESS_KEY", "ecretAccessKey"),
     r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
    ("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{36,255})\b"),
    ("GitHub fine-grained token", ("github_pat_",), r"\b(?P<s>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b"),
    ("GitLab token", ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "gloas-"),
     r"\b(?P<s>(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|gloas)-[0-9A-Za-z_\-]{20,})"),
    ("GitLab runner registration token", ("GR1348941",), r"\b(?P<s>GR1348941[0-9A-Za-z_\-]{20,})"),
    ("Slack token", ("xox",), r"\b(?P<s>xox[abposr]-[0-9A-Za-z]{10,48}(?:-[0-9A-Za-z]{4,48}){1,4})"),
    ("Slack webhook", ("hooks.slack.com",),
     r"(?P<s>https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]{20,})"),
    ("Stripe key", ("_live_", "_test_"), r"\b(?P<s>(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,})\b"),
    ("Google API key", ("AIza",), r"\b(?P<s>AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])"),
    ("npm token", ("npm_",), r"\b(?P<s>npm_[A-Za-z0-9]{36})\b"),
    ("PyPI token", ("pypi-AgEI",), r"\b(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})"),
    ("JSON Web Token", ("eyJ",), r"\b(?P<s>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})"),
    ("Azure storage connection string", ("AccountKey=",),
     r"(?P<s>DefaultEndpointsProtocol=https?;AccountName=[^;\s]+;AccountKey=[A-Za-z0-9+/]{40,}={0,2})"),
    ("Docker registry auth", ('"auth"',), r"\"auth\"\s*:\s*\"(?P<s>[A-Za-z0-9+/]{12,}={0,2})\""),
    ("Docker config (.dockerconfigjson)", (".dockerconfigjson",),
     r"\.dockerconfigjson[\"']?[ \t]*:[ \t]*[\"']?(?P<s>[A-Za-z0-9+/]{20,}={0,2})"),
    ("URL with a password", ("://",),
     r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@\"']{1,64}:(?P<s>[^\s:/@\"'$%{}<>]{3,128})@[\w.\-]+"),
]

AGE_KEY = r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{58,}"
PRIVATE_KEY = (
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
    r"(?P<body>[\s\S]*?)(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)")

SECRET_KEY = (
    r"(?i)(?:^|[_.\-]|(?<=[a-z]))(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|secret[_\-]?key|"
    r"private[_\-]?key|client[_\-]?secret|auth[_\-]?token|credentials?|passphrase)$")
KEY_HINT = r"(?i)pass|pwd|secret|token|api.?key|access.?key|private.?key|credential"
KEYED_VALUE = (
    r"(?m)^[ \t]*(?:export[ \t]+|-[ \t]+)?[\"']?(?P<key>[A-Za-z0-9_.\-]{2,64})[\"']?[ \t]*[:=][ \t]*"
    r"(?P<q>[\"']?)(?P<value>[^\s\"'#,;]{8,512})(?P=q)[ \t]*,?[ \t]*(?:#.*)?$")
PLACEHOLDER = (r"(?i)^(?:x+|\*+|<+[^<>]*>+|changeme|change_me|redacted|example\w*|placeholder|dummy\w*|"
                         r"(?:your|my)[_\-].*|null|none|true|false|secret|password|token)$")
_TEMPLATE = (r"\$\{[^}]*\}|\{\{.*?\}\}|\$\([^)]*\)|<<[^<>]+>>|%\([^)]+\)s|#\{[^}]*\}|@[A-Z_]+@"
                       r"|^\{[A-Za-z_][A-Za-z0-9_]*\}$|^\$[A-Za-z_][A-Za-z0-9_]*$")


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_template(value: str) -> bool:
    """Flux ``${VAR}``, Helm ``{{ }}``, ``$(VAR)``, ``<<VAR>>``, ``{VAR}`` and the like are not secrets."""
    return bool(re.search(_TEMPLATE, value))


_SEGMENT = r"[A-Za-z]+|[0-9]+|[A-Za-z0-9]{1,4}"


def is_identifier(value: str) -> bool:
    """A name, not a secret: ``grafana-secret``, ``OIDC_CLIENT_SECRET``, ``aws-access-key-id``, ``camelCase``."""
    parts = [p for p in re.split(r"[-_.:/]", value) if p]
    if not parts or not all(re.fullmatch(_SEGMENT, p) for p in parts):
        return False
    return all(p.islower() or p.isupper() or p.isdigit() or re.fullmatch(r"[A-Z]?[a-z]+(?:[A-Z][a-z]+)*", p)
               for p in parts)


def looks_random(value: str) -> bool:
    """A high-entropy value: long enough, several character classes, not a name, path, URL or template."""
    if len(value) < 12 or value[0] in "*&!" or re.match(PLACEHOLDER, value) or is_template(value):
        return False
    if value.startswith(("/", "./", "http://", "https://", "file:")) or value.count("/") > 2 or is_identifier(value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 2:
        return False
    return entropy(value) >= (3.0 if len(value) < 20 else 3.5)
