"""Rules about what a file holds: plaintext Secrets, private keys and credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from secretops.check import patterns, tokens
from secretops.check.mask import inside, mask, masked_spans
from secretops.check.model import FileView, Finding, rule
from secretops.sops.cipher import PREFIX as ENC_PREFIX
from secretops.util.redact import preview

_FIX_SECRET = "move the values into a *.clear.yaml and run `secretops encrypt`"


def _secret_docs(doc: Any) -> Iterator[Mapping[str, Any]]:
    """Every core/v1 Secret in a document, inside ``List`` kinds too."""
    if not isinstance(doc, Mapping):
        return
    if doc.get("kind") == "Secret" and str(doc.get("apiVersion", "v1")) == "v1":
        yield doc
    elif str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _secret_docs(item)


def _real_values(secret: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Plaintext values in data/stringData. A sops file is no excuse: a Secret value that is not
    ciphertext is plaintext, whatever the file's metadata allowed."""
    out = []
    for fld in ("data", "stringData"):
        block = secret.get(fld)
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            text = value.decode("latin-1") if isinstance(value, bytes) else "" if value is None else str(value)
            if text.strip() and not patterns.is_template(text) and not text.startswith(ENC_PREFIX):
                out.append((str(key), text))
    return out


@rule("plaintext-secret", "error", "A Kubernetes Secret with plaintext data or stringData", _FIX_SECRET)
def plaintext_secret(view: FileView) -> Iterator[Finding]:
    if view.binary or view.blob.chunked or not view.path.endswith(patterns.STRUCTURED) or view.is_clear_file:
        return  # clear files are reported as clear-file
    if "Secret" not in view.text or not patterns.KIND_SECRET.search(view.text):
        return
    docs = view.parsed.documents if not view.parsed.error else (view.lenient_documents or [])
    for doc in docs:
        for secret in _secret_docs(doc):
            values = _real_values(secret)
            if not values:
                continue
            key, value = values[0]
            line = next((n for n, text in enumerate(view.lines, 1)
                         if key in text and value[:8] in text and ":" in text), 1)
            joined = "\0".join(f"{k}={v}" for k, v in sorted(values))
            yield view.finding(plaintext_secret, line,
                               f"a Secret has {len(values)} plaintext value(s) in data/stringData; {_FIX_SECRET}",
                               joined, preview(value))


@rule("age-private-key", "error", "An age private key in plaintext",
      "remove it, rotate the key (`secretops rotate start`) and keep keys in ~/.config/sops/age/keys.txt")
def age_private_key(view: FileView) -> Iterator[Finding]:
    if view.binary or "AGE-SECRET-KEY-" not in view.text:
        return
    for match in re.finditer(patterns.AGE_KEY, mask(view.text)):
        yield view.finding(age_private_key, view.line_of(match.start()), "age private key in plaintext",
                           match.group(0))


_B64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,}={0,2}")  # base64 of "-----BEGIN": kubeconfig *-key-data


@rule("private-key", "error", "A PEM or OpenSSH private key in plaintext, or base64-encoded (kubeconfig "
      "client-key-data, a Secret's tls.key)", "remove it, revoke or rotate the key, and store it encrypted")
def private_key(view: FileView) -> Iterator[Finding]:
    if view.binary:
        return
    text = view.text
    if "PRIVATE KEY" in text:
        for match in re.finditer(patterns.PRIVATE_KEY, mask(text)):
            body = re.sub(r"\s+", "", match.group("body"))
            body = re.sub(r"^(?:Proc-Type:[^\n]*|DEK-Info:[^\n]*)", "", body)
            if len(body) < 64 or patterns.is_template(body):
                continue
            yield view.finding(private_key, view.line_of(match.start()), f"{match.group('kind').lower()} in plaintext",
                               body, f"-----BEGIN {match.group('kind')}-----…")
    if "LS0tLS1CRUdJTi" in text:
        spans = masked_spans(text)
        for match in _B64_PEM.finditer(text):
            if inside(spans, match.start(), match.end()):
                continue
            decoded = _b64(match.group(0))
            kind = re.search(r"-----BEGIN ([A-Z ]*PRIVATE KEY)-----", decoded)
            if kind:
                yield view.finding(private_key, view.line_of(match.start()),
                                   f"base64-encoded {kind.group(1).lower()} in plaintext", match.group(0),
                                   f"-----BEGIN {kind.group(1)}-----… (base64)")


def _b64(value: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


@rule("credential", "error", "A well-known token format, or a value under a secret-like key",
      "remove it, revoke it at its source, and keep it in an encrypted file")
def credential(view: FileView) -> Iterator[Finding]:
    if view.binary:
        return
    text = view.text
    spans: list[tuple[int, int]] | None = None
    seen: set[str] = set()
    prefixed, keyed = tokens.candidates(text, view.settings.small_scan)
    keyed_kinds = {kind for kind, _rx in keyed}
    for kind, regex in [*prefixed, *keyed]:
        for match in regex.finditer(text):
            group = "s" if match.group("s") is not None else "s2"
            secret = match.group(group)
            if secret in seen or patterns.is_template(secret) or patterns.is_placeholder(secret):
                continue
            if kind == "age private key":
                continue  # its own rule
            if kind == "Docker registry auth" and not _basic_auth(secret):
                continue
            if kind.startswith("Docker config") and not _docker_config(secret):
                continue
            if kind == "URL with a password" and patterns.is_placeholder_password(secret):
                continue
            if kind not in keyed_kinds:  # beside a provider's name, a UUID or hex value is that provider's key
                spans = masked_spans(text) if spans is None else spans
                if inside(spans, match.start(group), match.end(group)):
                    continue
            seen.add(secret)
            yield view.finding(credential, view.line_of(match.start(group)), kind, secret)
    yield from _keyed(view, seen)


_KEYED_FILES = (".yaml", ".yml", ".json", ".env", ".ini", ".cfg", ".conf", ".properties", ".toml")


def _keyed(view: FileView, seen: set[str]) -> Iterator[Finding]:
    """Values under secret-like keys (YAML, JSON, .env, INI, HelmRelease values, ConfigMaps,
    secretGenerator literals): high-entropy ones under any such key, and any value that is not a
    reference or a placeholder under a key that names a password, token or API key. Never in sops
    files: there the metadata says which values are secret."""
    name = view.path.rsplit("/", 1)[-1]
    if not (view.path.endswith(_KEYED_FILES) or ".env" in name):
        return
    text = view.text
    hint, line_rx, secret_key, strong_key = patterns.keyed_regexes()
    hints = [m.start() for m in hint.finditer(text)]
    if not hints or ("sops" in text and view.parsed.meta is not None):
        return
    spans: list[tuple[int, int]] | None = None
    done: set[int] = set()
    for at in hints:  # only the lines a key hint is on
        start = text.rfind("\n", 0, at) + 1
        if start in done:
            continue
        done.add(start)
        end = text.find("\n", at)
        match = line_rx.match(text, start, len(text) if end < 0 else end)
        if match is None:
            continue
        key, value = match.group("key"), match.group("value")
        if value in seen or not secret_key.search(key) or patterns.is_placeholder(value):
            continue
        strong = strong_key.search(key) is not None
        if not (patterns.looks_random(value) or (strong and patterns.looks_like_a_password(value))):
            continue
        spans = masked_spans(text) if spans is None else spans
        if inside(spans, match.start("value"), match.end("value")):
            continue
        seen.add(value)
        yield view.finding(credential, view.line_of(match.start("value")), "a value under a secret-like key", value)


def _docker_config(value: str) -> bool:
    """A base64 .dockerconfigjson that holds registry credentials."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return '"auths"' in decoded and ('"auth"' in decoded or '"password"' in decoded)


def _basic_auth(value: str) -> bool:
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded and not patterns.is_template(decoded)
