"""Rules about what a file holds: plaintext Secrets, private keys and credentials."""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from secretops.check import patterns, tokens
from secretops.check.mask import inside, mask, masked_spans
from secretops.check.model import FileView, Finding, rule
from secretops.util.redact import preview

_FIX_SECRET = "move the values into a *.clear.yaml and run `secretops encrypt`"


def _fix_secret(view: FileView) -> str:
    """In history a value was published: what fixes it is revoking it, not encrypting it now."""
    if view.settings.history:
        from secretops.check.rules_files import FIX_HISTORY

        return FIX_HISTORY
    return _FIX_SECRET


def _kind(doc: Mapping[str, Any]) -> str:
    """The kind as kubectl reads it: escapes, aliases, block scalars and tags resolved by the parser."""
    kind = doc.get("kind")
    return kind.strip() if isinstance(kind, str) else str(kind or "")


def _secret_docs(doc: Any) -> Iterator[Mapping[str, Any]]:
    """Every core/v1 Secret in a document, inside ``List`` kinds too."""
    if not isinstance(doc, Mapping):
        return
    if _kind(doc) == "Secret" and str(doc.get("apiVersion", "v1")).strip() == "v1":
        yield doc
    elif _kind(doc).endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _secret_docs(item)


_ENC_VALUE = re.compile(r"ENC\[AES256_GCM,data:[A-Za-z0-9+/]*={0,2},iv:[A-Za-z0-9+/]+={0,2},tag:[A-Za-z0-9+/]+={0,2},"
                        r"type:(?:str|int|float|bool|bytes|comment)\]")
# Identities, not secrets: who and where (a Secret of a username and a host beside `${PASSWORD}`; an Argo CD
# cluster Secret's `name` and `server`).
_IDENTITY_KEY = re.compile(r"(?i)(?:^|[_.\-]|(?<=[a-z]))(?:user|username|login|host|hostname|port|database|dbname|"
                           r"db|db_?name|database_?name|server|schema|namespace|region|email|name)$")


def _identity(key: str, value: str) -> bool:
    return bool(_IDENTITY_KEY.search(key)) and len(value) <= 253 and not re.search(r"\s", value.strip()) and \
        not patterns.looks_random(value.strip())


def _real_values(secret: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Plaintext values in data/stringData. A sops file is no excuse: a Secret value that is not
    ciphertext is plaintext, whatever the file's metadata allowed. Exempt: a value that *is* a
    reference or *is* valid sops ciphertext; and, policy, values under identity keys (user, host,
    port, database…) that do not look random: they say who and where, not the secret."""
    out = []
    for fld in ("data", "stringData"):
        block = secret.get(fld)
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            text = value.decode("latin-1") if isinstance(value, bytes) else "" if value is None else \
                _text_of(value)
            if not text.strip() or patterns.is_template(text) or _ENC_VALUE.fullmatch(text.strip()):
                continue
            if fld == "data":
                decoded = _b64(text.strip()) if re.fullmatch(r"[A-Za-z0-9+/\s]*={0,2}", text.strip()) else ""
                if decoded and _identity(str(key), decoded):
                    continue
            elif _identity(str(key), text) or _settings_json(text):
                continue
            out.append((str(key), text))
    return out


def _settings_json(text: str) -> bool:
    """A JSON object that holds settings and no secret (an Argo CD cluster Secret's `config` with an exec
    provider or `awsAuthConfig`, and a CA certificate): no key names a secret (no hint word: `bearerToken`,
    `password`, `keyData` do), and every string is plainly a setting (_plain_setting)."""
    inner = _json_in(text)
    if not isinstance(inner, Mapping):
        return False
    stack: list[Any] = [inner]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if any(patterns.has_hint_word(str(name)) for name in node):
                return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and not _plain_setting(node.strip()):
            return False
    return True


# Lowercase words joined by dots, slashes and dashes: an API group (`client.authentication.k8s.io/v1beta1`),
# a host; an ARN, a URL without a password, an absolute path
@functools.cache  # compiled on first use, as the patterns below: the hook's manifests seldom ask
def _words_path() -> re.Pattern[str]:
    return re.compile(r"[a-z0-9]+(?:[./\-][a-z0-9]+)+|arn:[\w:/+=,.@\-]+|https?://[^\s@]+|/[\w./\-]*")


def _plain_setting(value: str) -> bool:
    """A value that is plainly no secret: empty, a name (patterns.is_identifier: `argocd-k8s-auth`, `prod`,
    `--cluster-name`), words joined by dots and slashes, an ARN, a URL without a password, a path, or a
    certificate. A password of any shape (`Summer2024`, `hunter2`) is none of these."""
    if not value or _certificate(value):
        return True
    return (patterns.is_identifier(value.lstrip("-")) or _words_path().fullmatch(value) is not None) and \
        re.fullmatch(r"[0-9a-fA-F\-]{32,}", value) is None


def _certificate(value: str) -> bool:
    """A PEM certificate, raw or base64 (a CA bundle's `caData`): public."""
    return value.startswith("-----BEGIN CERTIFICATE") or _b64(value).startswith("-----BEGIN CERTIFICATE")


def _text_of(value: Any) -> str:
    """A value as text: ``str`` (fingerprints stay as they were), or, for a structure too deep for
    Python's repr, its scalars."""
    try:
        return str(value)
    except RecursionError:
        return _scalars(value)


def _scalars(node: Mapping[str, Any] | list[Any], limit: int = 4096) -> str:
    """A structured value's scalars joined by spaces (kubectl rejects it, but its text is plaintext),
    read without recursion: a hostile value may nest 10,000 levels deep."""
    out: list[str] = []
    stack: list[Any] = [node]
    while stack and sum(map(len, out)) < limit:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(reversed([*item.keys(), *item.values()]))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif item is not None:
            out.append(str(item))
    return " ".join(out)[:limit]


_TOP_KIND = re.compile(r"^[\"']?kind[\"']?[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)
_PLAIN_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[ \t]+#.*)?")


_LETTER_ESCAPE = re.compile(patterns.LETTER_ESCAPE)  # what could spell a letter of `kind` or `Secret`


def might_hold_a_secret(text: str) -> bool:
    """A cheap pre-test before parsing: it may let through more, never less. `kind: Secret` can be
    spelled with escapes (`"Secr\\x65t"`, `"\\u0053ecret"`, a line folded with `\\`), so such an
    escape anywhere also means: parse (`\\.` in a regex cannot spell a letter). A document whose one
    top-level `kind:` is a plain other kind (`kind: CustomResourceDefinition`) cannot be a Secret,
    so a 500 KB gotk-components.yaml of such documents is not parsed for this rule."""
    escaped = "\\" in text and _LETTER_ESCAPE.search(text) is not None
    if not (("kind" in text or escaped) and ("Secret" in text or escaped)):
        return False
    if escaped or "Secret" not in text:
        return True
    from secretops.util.yamlio import document_bounds, lines_starting

    # Top-level `kind:` lines (with or without quotes), found with str.find, then read by _TOP_KIND.
    kinds = sorted((at, m.group(1)) for prefix in ("kind", '"kind', "'kind") for at in lines_starting(text, prefix)
                   if (m := _TOP_KIND.match(text, at)))
    index = 0
    for start, end in document_bounds(text):
        mine = []
        while index < len(kinds) and kinds[index][0] < end:
            if kinds[index][0] >= start:
                mine.append(kinds[index][1])
            index += 1
        if text.find("Secret", start, end) < 0 and text.find("&", start, end) < 0:
            continue
        if len(mine) != 1 or not _PLAIN_KIND.fullmatch(mine[0]):
            return True  # none at the top (flow style, JSON, a List), several (duplicates), or not plain
        value = mine[0].split("#", 1)[0].strip()
        if value == "Secret" or value.endswith("List"):
            return True
    return False


_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _generator_inputs(view: FileView) -> Iterator[Finding]:
    """kustomize `secretGenerator` `envs:`/`env:`/`files:` read files whose content becomes a Secret:
    each must be sops-encrypted (Flux decrypts them), else its values are plaintext in git."""
    import posixpath

    if view.path.rsplit("/", 1)[-1] not in _KUSTOMIZATIONS or "secretGenerator" not in view.text or \
            view.settings.read is None:
        return
    folder = posixpath.dirname(view.path)
    for doc in view.applied_documents:
        generators = doc.get("secretGenerator") if isinstance(doc, Mapping) else None
        for gen in generators if isinstance(generators, list) else []:
            if not isinstance(gen, Mapping):
                continue
            inputs = [*(gen.get("envs") or []), *([gen["env"]] if isinstance(gen.get("env"), str) else []),
                      *(str(f).split("=", 1)[-1] for f in gen.get("files") or [])]
            for item in inputs:
                target = posixpath.normpath(posixpath.join(folder, str(item)))
                data = view.settings.read(target, view.blob.commit)
                if data is None or not data.strip() or _sops_encrypted(target, data):
                    continue
                line = next((n for n, text in enumerate(view.lines, 1) if str(item) in text), 1)
                yield view.finding(plaintext_secret, line, "a secretGenerator reads a file that is not "
                                   f"sops-encrypted, and its content becomes a Secret; {_fix_secret(view)}", target, "")


def _sops_encrypted(rel: str, data: bytes) -> bool:
    from secretops.sops import document

    if document.parse(rel, data).meta is not None:
        return True
    import json

    try:  # sops's binary store: {"data": "ENC[…]", "sops": {…}}
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("sops"), dict) and str(doc.get("data", "")).startswith("ENC[")


@rule("plaintext-secret", "error", "A Kubernetes Secret with plaintext data or stringData", _FIX_SECRET)
def plaintext_secret(view: FileView) -> Iterator[Finding]:
    if view.binary or view.blob.chunked or view.is_clear_file:
        return  # clear files are reported as clear-file
    yield from _generator_inputs(view)
    if not might_hold_a_secret(view.text):
        return
    for doc in view.applied_documents:
        for secret in _secret_docs(doc):
            values = _real_values(secret)
            if not values:
                continue
            key, value = values[0]
            line = next((n for n, text in enumerate(view.lines, 1)
                         if key in text and value[:8] in text and ":" in text), 1)
            joined = "\0".join(f"{k}={v}" for k, v in sorted(values))
            dup = "; the file has duplicate keys, judged as kubectl applies it (and every version)" \
                if view.has_duplicates else ""
            said = f"a Secret has {len(values)} plaintext value(s) in data/stringData{dup}; {_fix_secret(view)}"
            yield view.finding(plaintext_secret, line, said,
                               joined, preview(value))


@rule("age-private-key", "error", "An age private key in plaintext",
      "remove it, rotate the key (`secretops rotate start`) and keep keys in ~/.config/sops/age/keys.txt")
def age_private_key(view: FileView) -> Iterator[Finding]:
    """X25519 (`AGE-SECRET-KEY-1…`) and post-quantum (`AGE-SECRET-KEY-PQ-1…`) identities: raw, in
    JSON strings, and base64-encoded at any offset (a key file's base64 in a ConfigMap or an env
    value). Recipients (`age1…`, `age1pq1…`) are public."""
    if view.binary:
        return
    text = view.text
    if "AGE-SECRET-KEY-" in text:
        for match in re.finditer(patterns.AGE_KEY, mask(text, sops_metadata=False)):
            kind = "post-quantum age private key" if match.group(0).startswith("AGE-SECRET-KEY-PQ-") else \
                "age private key"
            yield view.finding(age_private_key, view.line_of(match.start()), f"{kind} in plaintext", match.group(0))
    if any(marker in text for marker in patterns.AGE_KEY_B64):
        yield from _base64_age_keys(view)


_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _base64_age_keys(view: FileView) -> Iterator[Finding]:
    """Each base64 run that holds the base64 of `AGE-SECRET-KEY-` (at one of its three alignments),
    decoded at each possible start, searched for an identity."""
    text, done = view.text, set()
    for marker in patterns.AGE_KEY_B64:
        at = text.find(marker)
        while at >= 0:
            start, end = at, at + len(marker)
            while start > 0 and text[start - 1] in _B64_CHARS:
                start -= 1
            while end < len(text) and text[end] in _B64_CHARS:
                end += 1
            if start not in done:
                done.add(start)
                for key in _decoded_age_keys(text[start:end]):
                    kind = "post-quantum age private key" if key.startswith("AGE-SECRET-KEY-PQ-") else "age private key"
                    yield view.finding(age_private_key, view.line_of(start), f"base64-encoded {kind}", key,
                                       f"{key[:len('AGE-SECRET-KEY-')]}… (base64)")
            at = text.find(marker, end)


def _decoded_age_keys(run: str) -> list[str]:
    import base64
    import binascii

    for skip in range(4):
        body = run[skip:]
        body = body[:-1] if len(body) % 4 == 1 else body
        try:
            decoded = base64.b64decode(body + "=" * (-len(body) % 4)).decode("latin-1")
        except (binascii.Error, ValueError):
            continue
        found = re.findall(patterns.AGE_KEY, decoded)
        if found:
            return found
    return []


# PuTTY's key file (its private part: `Private-Lines: n` and the base64 lines below it, unencrypted or not)
# and OpenVPN's static key (the `ta.key` of `--tls-auth`/`--tls-crypt`: 2048 bits in hex)
@functools.cache  # compiled on first use: few files hold either
def _other_keys() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return (
        ("PuTTY private key", re.compile(r"PuTTY-User-Key-File-\d+:[^\n]*\n(?:[^\n]*\n){0,40}?[ \t]*Private-Lines:"
                                         r"[ \t]*\d+[ \t]*\r?\n(?P<body>(?:[ \t]*[A-Za-z0-9+/=]+[ \t]*(?:\r?\n|$))+)")),
        ("OpenVPN static key", re.compile(r"-----BEGIN OpenVPN Static key V\d-----(?P<body>[\s0-9a-fA-F]+)"
                                          r"-----END OpenVPN Static key")))

_B64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,}={0,2}")  # base64 of "-----BEGIN": kubeconfig *-key-data


@rule("private-key", "error", "A PEM, OpenSSH, PuTTY or OpenVPN static private key in plaintext, or a PEM one "
      "base64-encoded (kubeconfig client-key-data, a Secret's tls.key)",
      "remove it, revoke or rotate the key, and store it encrypted")
def private_key(view: FileView) -> Iterator[Finding]:
    if view.binary:
        return
    text = view.text
    if "PRIVATE KEY" in text:
        for match in re.finditer(patterns.PRIVATE_KEY, mask(text, sops_metadata=False)):
            body = re.sub(r"\s+|\\n|\\r", "", match.group("body"))  # a JSON string holds `\n` escapes
            body = re.sub(r"^(?:Proc-Type:[^\n]*|DEK-Info:[^\n]*)", "", body)
            if len(body) < 64 or patterns.is_template(body):
                continue
            yield view.finding(private_key, view.line_of(match.start()), f"{match.group('kind').lower()} in plaintext",
                               body, f"-----BEGIN {match.group('kind')}-----…")
    if "PuTTY-User-Key-File-" in text or "OpenVPN Static key" in text:
        for name, regex in _other_keys():
            for match in regex.finditer(text):
                body = re.sub(r"\s+", "", match.group("body"))
                if len(body) >= 32:
                    yield view.finding(private_key, view.line_of(match.start()), f"{name} in plaintext", body,
                                       match.group(0).split("\n", 1)[0].strip()[:40] + "…")
    if "LS0tLS1CRUdJTi" in text:
        spans = masked_spans(text)
        for match in _B64_PEM.finditer(text):
            if inside(spans, match.start(), match.end()):
                continue
            decoded = _b64(match.group(0))
            kind = re.search(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----", decoded)
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


# Passwords a person chose, in a format's own place: a word that names what belongs there is a placeholder
_PASSWORD_KINDS = {"URL with a password", "URL query password", "HAProxy password", "Redis ACL password"}


@rule("credential", "error", "A well-known token format, or a value under a secret-like key",
      "remove it, revoke it at its source, and keep it in an encrypted file")
def credential(view: FileView) -> Iterator[Finding]:
    if view.binary:
        return
    text = view.text
    spans: list[tuple[int, int]] | None = None
    seen: set[str] = set()
    prefixed, keyed, hinted, proved = tokens.candidates(text, view.settings.small_scan)
    keyed_kinds = {kind for kind, _rx in keyed}
    for kind, regex in tokens.may_match([*prefixed, *keyed], text):
        for match in regex.finditer(text):
            group = "s" if match.group("s") is not None else "s2"
            secret = match.group(group)
            if secret in seen or patterns.is_template(secret) or patterns.is_placeholder(secret):
                continue
            if kind == "age private key":
                continue  # its own rule
            if kind in ("Docker registry auth", "npm registry credentials") and not _basic_auth(secret) and \
                    not (kind.startswith("npm") and "_password" in match.group(0)):
                continue
            if kind.startswith("Docker config") and not _docker_config(secret):
                continue
            if (kind == "JSON Web Token" and patterns.public_jwt(secret)) or \
                    (kind in ("URL query API key", "GitLab PRIVATE-TOKEN header") and
                     not (patterns.looks_generated(secret) or patterns.looks_random(secret))):
                continue
            if kind in _PASSWORD_KINDS and patterns.is_placeholder_password(secret):
                continue
            if (kind == "HTTP Authorization header" and not (_basic_auth(secret) if group == "s2" else
                                                             patterns.looks_random(secret))) or \
                    (kind == "SQL password" and (patterns.is_public_or_hash(secret) or
                                                 patterns.is_placeholder_password(secret))):
                continue
            if kind == "URL query API key":  # named by its parameter: a UUID there is the key
                if inside(masked_spans(text, uuids=False), match.start(group), match.end(group)):
                    continue
            elif kind not in keyed_kinds:  # beside a provider's name, a UUID or hex value is that provider's key
                spans = masked_spans(text) if spans is None else spans
                if inside(spans, match.start(group), match.end(group)):
                    continue
            seen.add(secret)
            yield view.finding(credential, view.line_of(match.start(group)), kind, secret)
    if tokens.password_file(view.path) or "userlist.txt" in text:
        yield from _password_files(view, seen)
    if hinted:
        yield from _keyed(view, seen, proved)


_WIDGET_KEY = re.compile(r"(?m)(?:^[ \t]*|[{,][ \t]*)key[ \t]*:")  # homepage widgets: `key: <api key>`
# HCL (Terraform, Terragrunt, Nomad, Vault agent, .terraformrc): read by lines, where an unquoted value is
# an expression (`var.db_password`, `local.x`, `get_env("X")`), never a literal.
_HCL_FILES = (".tf", ".tfvars", ".hcl", ".nomad", ".tfrc", ".terraformrc")
# Code whose settings are assignments (Django's settings.py `SECRET_KEY = '…'`): read as HCL is, a quoted
# literal judged, an unquoted value an expression (`os.environ["X"]`); Python by its lines' own assignments
# only (its strings hold other files: a test's fixture, a template)
_CODE_FILES = (*_HCL_FILES, ".py")
# …and source files whose secrets reporters found in their own-line assignments of a quoted literal
# (`const password = "…"`, PHP's `$_ENV['PASSWORD'] = '…'` and `define('DB_PASSWORD', '…')`, C#'s
# `var apiKey = "…";`): read as Python is, an unquoted value an expression (`process.env.X`)
# (and NixOS modules: `services.k3s.token = "…";`, where `tokenFile = config.age.secrets.k3s.path;` is an expression)
_SOURCE_FILES = (".js", ".mjs", ".cjs", ".ts", ".php", ".cs", ".java", ".kt", ".go", ".rb", ".groovy", ".nix")
_CODE_ASSIGN = (
    r"[ \t]*(?:(?:export|const|let|var|val|final|static|private|public|protected|readonly|internal|string|String|"
    r"my|our|local|define)[ \t]+)*\$?(?P<key>[A-Za-z_][A-Za-z0-9_]{1,63})(?:\[[ \t]*[\"'](?P<sub>[A-Za-z0-9_.\-]{2,64})"
    r"[\"'][ \t]*\])?(?:[ \t]*:[ \t]*[A-Za-z]+)?[ \t]*:?=[ \t]*(?P<q>[\"'`])(?P<value>[^\"'`\r\n]{1,512})(?P=q)"
    r"[ \t]*;?[ \t]*(?://.*|#.*)?\r?"
    r"|[ \t]*define\([ \t]*(?P<dq>[\"'])(?P<dkey>[A-Za-z0-9_]{2,64})(?P=dq)[ \t]*,[ \t]*(?P<vq>[\"'])"
    r"(?P<dvalue>[^\"'\r\n]{1,512})(?P=vq)[ \t]*\)[ \t]*;?[ \t]*(?://.*|#.*)?\r?")


@functools.cache  # compiled on first use: the hook's manifests never ask
def _code_assign() -> re.Pattern[str]:
    return re.compile(_CODE_ASSIGN)


# …and INI-like files of their own names: MySQL's option files (`.my.cnf`), `.pypirc`, systemd units and
# Podman quadlets (`Environment="A=x" "B=y"`)
# (`.xml`: Maven's settings.xml `<password>`, read by INLINE_PAIR)
# …and shell scripts and makefiles, read by lines as `.env` is (`export API_TOKEN=…`, `TOKEN := …`): an
# unquoted value there is a literal; `$X`, `${X}` and `$(…)` are references, never judged secrets
_SHELL_FILES = (".sh", ".bash", ".zsh", ".ksh", ".mk")
_KEYED_FILES = (".yaml", ".yml", ".json", ".json5", ".jsonc", ".env", ".ini", ".cfg", ".conf", ".properties", ".toml",
                ".cnf", ".pypirc", ".service", ".container", ".xml", *_CODE_FILES, *_SOURCE_FILES, *_SHELL_FILES)
_STRUCTURED_KEYED = (".yaml", ".yml", ".json", ".json5", ".jsonc", ".toml")
# Documents whose values name secrets elsewhere, or hold ciphertext: never a password in plaintext.
_REFERENCE_KINDS = {"ExternalSecret", "ClusterExternalSecret", "PushSecret", "SealedSecret", "Secret",
                    "SecretStore", "ClusterSecretStore", "VaultStaticSecret", "OnePasswordItem"}


def _keyed(view: FileView, seen: set[str], proved: bool = False) -> Iterator[Finding]:
    """Values under secret-like keys (YAML, JSON, TOML, .env, INI, HelmRelease values, ConfigMaps,
    secretGenerator literals): high-entropy ones under any such key, and any value that is not a
    reference or a placeholder under a key that names a password, token or API key, at any case or
    entropy. Structured files are read as their parser reads them (flow style, values on the next
    line, block scalars, anchors, `!!str`, `#`/`,`/`;`/spaces inside values, JSON with comments,
    TOML tables); lines are read where a parser cannot (templates, .env, INI). Never in sops files:
    there the metadata says which values are secret. ``proved``: the token selector found a hinted key,
    a widget, a secretGenerator or a patch operation (tokens.Candidates), so none is searched again."""
    name = view.path.rsplit("/", 1)[-1].lower()
    text = view.text
    if not (name.endswith(_KEYED_FILES) or ".env" in name or "." not in name or text.startswith("#cloud-config")):
        return  # (cloud-init's user-data is YAML under any name: its first line says so; a name without an
        # extension is a config file's as often as not: `passfile`, `credentials`, `config`)
    if patterns.might_hold_sops(text) and view.parsed.meta is not None:
        return  # a sops file (parsed already: partially-encrypted reads every text that says sops)
    large_scan = not view.settings.small_scan
    if name.endswith(_HCL_FILES):
        yield from _hcl_blocks(view, seen)
    widget = patterns.has_folded("widget", text) and _WIDGET_KEY.search(text) is not None
    if not (proved or widget or patterns.has_hinted_key(text, large_scan) or "secretGenerator" in text or
            patterns.patch_op(text)):
        return  # no key names a secret (words in descriptions do not count): nothing to parse for
    structured = name.endswith(_STRUCTURED_KEYED) and (
        name.endswith((".toml", ".json", ".json5", ".jsonc")) or view.is_helm_template or widget
        or ("ExternalSecret" in text and "template" in text) or patterns.needs_parse(text, large_scan))
    docs = _structured(view) if structured else None
    if docs is not None:
        for key, value, where in _pairs(docs):
            if value in seen:
                continue
            if key.rsplit(".", 1)[-1].lower() == "pgpass":  # libpq's password file kept under its name
                yield from _pgpass(view, value, seen)
            if "\n" in value:  # a config file in a block scalar (a ConfigMap's `dendrite.yaml: |`): by lines
                yield from _embedded(view, value, seen)
            elif _may_hold_inline(value):  # a one-line config (`sasl.jaas.config: … password="…";`)
                yield from _inline_findings(view, value, seen)
            if where == "widget" and key == "key":  # a dashboard widget's API key under a generic `key:`
                if _api_key_like(value.strip()) and not patterns.is_placeholder(value):
                    seen.add(value)
                    yield view.finding(credential, _line_of_value(view, "key", value), "an API key in a dashboard "
                                       "widget", value)
                continue
            what = _judge(key, value, where, literal=True)
            if what:
                seen.add(value)
                yield view.finding(credential, _line_of_value(view, key, value), what, value)
        if not _parsed_whole(view):
            yield from _keyed_lines(view, seen)  # the documents _structured left to the line reader
        return
    yield from _keyed_lines(view, seen)


def _pointer_leaf(pointer: str) -> str:
    """The last key of a JSON pointer (`/spec/values/auth/password` -> `password`), unescaped."""
    return pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def _patch_ops(text: str) -> list[Any]:
    """The operations of a JSON patch kept as a string (kustomize's `patch: |`), if it is one."""
    if not patterns.patch_op(text):
        return []
    from secretops.util.yamlio import load_all_lenient

    docs = load_all_lenient(text) or []
    return [op for doc in docs if isinstance(doc, list) for op in doc if isinstance(op, Mapping) and "op" in op]


def _embedded(view: FileView, text: str, seen: set[str]) -> Iterator[Finding]:
    """The `key: value` / `key = value` lines of a multi-line string value, judged like a file's; a
    JSON patch's operations as a patch sets them."""
    for key, value, where in _pairs(_patch_ops(text)):
        what = _judge(key, value, where, literal=True) if value not in seen else ""
        if what:
            seen.add(value)
            yield view.finding(credential, _line_of_value(view, "value", value), what, value)
    line_rx = patterns.keyed_regexes()[0]
    for line in text.splitlines():
        match = line_rx.fullmatch(line)
        if match is not None:
            key, value = match.group("key"), match.group("value") or match.group("quoted") or ""
            what = _judge(key, value, literal=not match.group("value")) if value and value not in seen else ""
            if what:
                seen.add(value)
                yield view.finding(credential, _line_of_value(view, key, value), what, value)
                continue
        if _may_hold_inline(line):
            yield from _inline_findings(view, line, seen, spaced=match is None)


# A line of libpq's password file: `hostname:port:database:username:password` (port a number or `*`).
_PGPASS_LINE = re.compile(r"[ \t]*[^:\s#][^:\s]*:(?:\d{1,5}|\*):[^:\s]+:[^:\s]+:(?P<pw>\S{1,256})[ \t]*\r?")


def _pgpass(view: FileView, text: str, seen: set[str]) -> Iterator[Finding]:
    """The passwords of a `.pgpass`: a file of its own, or kept in a value under its name (`.pgpass: |`)."""
    for line in text.splitlines():
        match = _PGPASS_LINE.fullmatch(line)
        value = match.group("pw") if match else ""
        if value and value not in seen and patterns.looks_like_a_password(value, any_entropy=True):
            seen.add(value)
            yield view.finding(credential, _line_of_value(view, "pgpass", value), "a password in a .pgpass file",
                               value)


# A line of PgBouncer's auth_file (`userlist.txt`): `"username" "password"`, the password in plaintext, or
# `md5…` / `SCRAM-SHA-256$…` (hashes where a hash is expected: left alone)
_USERLIST_LINE = re.compile(r'[ \t]*"[^"\s]+"[ \t]+"(?P<pw>[^"\r\n]{1,256})"[ \t]*\r?')


def _password_files(view: FileView, seen: set[str]) -> Iterator[Finding]:
    """A `.pgpass` file of its own (libpq's `~/.pgpass`, `PGPASSFILE`), and PgBouncer's `userlist.txt`:
    a file of that name, or kept under that name in a ConfigMap (its lines found in the whole text)."""
    if view.path.rsplit("/", 1)[-1].lower() != "userlist.txt" and "userlist.txt" not in view.text:
        yield from _pgpass(view, view.text, seen)
        return
    for line in view.text.splitlines():
        match = _USERLIST_LINE.fullmatch(line)
        value = match.group("pw") if match else ""
        if value and value not in seen and not patterns.is_public_or_hash(value) and \
                patterns.looks_like_a_password(value, any_entropy=True):
            seen.add(value)
            yield view.finding(credential, _line_of_value(view, value, value), "a password in a PgBouncer userlist",
                               value)


def _may_hold_inline(line: str, hinted: bool = False) -> bool:
    """``line`` may hold what _inline_pairs reads (``hinted``: a hint word is known to be on it)."""
    return ("=" in line or "<" in line or " " in line.strip()) and (hinted or patterns.has_hint_word(line))


def _inline_pairs(line: str, spaced: bool) -> Iterator[tuple[str, str, int, bool]]:
    """(key, value, offset in the line, unquoted) of the pairs inside a line (patterns.INLINE_PAIR),
    and of a `Key value` line (patterns.SPACED_LINE) when ``spaced``: its value only if high-entropy."""
    if line.lstrip().startswith("Environment="):  # systemd: `Environment="A=x y" B=z`
        yield from _unit_environment(line)
        return
    for match in patterns.INLINE_PAIR.finditer(line):
        group = next(g for g in ("dq", "sq", "bare", "text") if match.group(g) is not None)
        yield match.group("key") or match.group("tag"), match.group(group), match.start(group), group == "bare"
    bare = patterns.SPACED_LINE.fullmatch(line) if spaced else None
    if bare is not None and patterns.looks_random(bare.group("value")):
        yield bare.group("key"), bare.group("value"), bare.start("value"), True


def _unit_environment(line: str) -> Iterator[tuple[str, str, int, bool]]:
    """The assignments of a systemd unit's `Environment=` line, as systemd splits them (quoted words)."""
    import shlex

    try:
        words = shlex.split(line.split("=", 1)[1], comments=True)
    except ValueError:
        return
    for word in words:
        key, sep, value = word.partition("=")
        if sep and value and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            yield key, value, max(line.find(value), 0), False


def _inline_findings(view: FileView, line: str, seen: set[str], spaced: bool = True) -> Iterator[Finding]:
    for key, value, _at, bare in _inline_pairs(line, spaced):
        what = _judge(key, value, literal=not bare) if value not in seen else ""
        if what:
            seen.add(value)
            yield view.finding(credential, _line_of_value(view, key, value), what, value)


def _api_key_like(value: str) -> bool:
    """What dashboards (homepage and the like) take as an API key: 20+ letters and digits, both."""
    return bool(re.fullmatch(r"[A-Za-z0-9_\-]{20,128}", value)) and bool(re.search(r"[0-9]", value)) and \
        bool(re.search(r"[A-Za-z]", value)) and patterns.entropy(value) >= 3.0 and not patterns.is_identifier(value)


# A chart's `existingSecret: <name>` (Bitnami's convention, in most charts) names a Secret, never holds one;
# so do the keys it starts (Harbor's `existingSecretAdminPassword: harbor-admin`, `existingSecretSecretKey`).
@functools.cache
def _existing() -> re.Pattern[str]:
    return re.compile(r"(?i)(?:^|[_.\-]|(?<=[a-z]))existing[_\-]?secret(?:$|(?-i:(?=[A-Z_.\-])))")


_WHERE = {"": "a value under a secret-like key", "env": "an env entry whose name is secret-like",
          "flag": "a command-line flag whose name is secret-like", "generator": "a secretGenerator literal"}


def _judge(key: str, value: str, where: str = "", literal: bool = False) -> str:
    """What the value is, if it is a secret under ``key``, else "". A key that names a password or
    token: as _judged_secret. A key that names a key of any kind (`hmacKey`, `license`): a value
    shaped like a generated secret (a UUID, 32+ hex digits, high entropy). A secretGenerator
    literal becomes a Secret value: shaped like a generated secret, under any key."""
    _line_rx, secret_key, strong_key = patterns.keyed_regexes()
    generic, not_secret = patterns.generic_regexes()
    named = secret_key.search(key) is not None and _existing().search(key) is None  # names a password, token…
    if not (named or where == "generator" or (generic.search(key) and not not_secret.search(key))):
        return ""  # most keys: decided by the name alone
    text = value.strip()
    if (default := patterns.reference_default(text)) is not None:  # `${DB_PASSWORD:pw}`: the default is a value
        text = value = default
        literal = True
    if not text or patterns.is_placeholder(text) or patterns.is_public_or_hash(text) or \
            patterns.is_password_file(text):
        return ""
    if named:
        return _WHERE[where] if _judged_secret(value, strong_key.search(key) is not None, key, literal) else ""
    return _WHERE[where] if patterns.looks_generated(text) else ""


def _judged_secret(value: str, strong: bool, key: str = "", literal: bool = False) -> bool:
    """High entropy or a generated shape (a UUID, 32+ hex digits) under any secret-like key; under a key
    that names the secret itself, any value that is not a reference or a name; under a password key, at
    any case or entropy. ``literal``: a quoted or parsed string (its first `*`, `&`, `!` is its own)."""
    text = value.strip()
    if patterns.looks_random(text, literal) or patterns.looks_generated(text):  # (a UUID: hex digits often
        return True  # fall short of looks_random's entropy, `55d85e8d-0046-…`)
    any_entropy = patterns.PASSWORD_KEY.search(key) is not None
    return strong and patterns.looks_like_a_password(text, any_entropy=any_entropy, literal=literal)


def _parsed_whole(view: FileView) -> bool:
    """_structured read every document of the file (not a large YAML file's selected documents)."""
    return view.path.lower().endswith((".toml", ".json", ".json5", ".jsonc")) or view.is_helm_template or \
        len(view.text) < 64 * 1024


def _structured(view: FileView) -> list[Any] | None:
    """The file's documents, or None when no parser reads it (a Helm template: read by lines)."""
    name = view.path.lower()
    if name.endswith(".toml"):
        import tomllib

        try:
            return [tomllib.loads(view.text)]
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            return None
    if name.endswith((".json", ".json5", ".jsonc")):
        from secretops.util.text import jsonc

        doc = jsonc(view.text)
        return None if doc is None else [doc]
    from secretops.util.yamlio import split_documents

    if view.is_helm_template or len(view.text) < 64 * 1024:
        docs = view.applied_documents
        return docs if docs or not view.text.strip() else None
    # a large multi-document file (a CRD bundle): only the documents the line reader cannot read
    # are parsed; _keyed reads the whole text by lines as well
    out: list[Any] = []
    for _line, doc in split_documents(view.text):
        if patterns.needs_parse(doc, not view.settings.small_scan):
            out += view.documents_of(doc)
    return out


def _pairs(docs: list[Any]) -> Iterator[tuple[str, str, str]]:
    """(key, string value, where) of every mapping entry, outside documents that only reference
    secrets. ``where`` says what pairs them: "" a mapping entry, "widget" one in a dashboard widget
    (a mapping with a `type` and a `url`, as homepage writes them), "env" an env entry (`name:` and
    `value:`), "flag" a command-line flag in a list of arguments (`--hmac-key=…`, `["--token", "…"]`),
    "generator" a kustomize secretGenerator `k=v` literal. A bare `key:` under a secret-like parent
    (`license: {key: …}`) is read as `license.key`."""
    stack: list[tuple[Any, str]] = [(d, "") for d in docs if not (isinstance(d, Mapping) and
                                                                   _kind(d) in _REFERENCE_KINDS)]
    stack += [(data, "") for d in docs if (data := _template_data(d)) is not None]
    seen: set[int] = set()
    generic, _not = patterns.generic_regexes()
    _rx, secret_key, _strong = patterns.keyed_regexes()
    while stack:
        node, parent = stack.pop()
        if id(node) in seen:  # aliases share objects: each is walked once
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            if _kind(node) in _REFERENCE_KINDS:
                continue
            widget = isinstance(node.get("type"), str) and isinstance(node.get("url"), str)
            env_name, env_value = node.get("name"), node.get("value")
            if isinstance(env_name, str) and isinstance(env_value, str):
                yield env_name, env_value, "env"
            patched = node.get("path")
            if node.get("op") in ("add", "replace") and isinstance(patched, str) and isinstance(env_value, str):
                yield _pointer_leaf(patched), env_value, ""  # a JSON patch sets the key its path ends in
            for key, value in node.items():
                if isinstance(value, str) and isinstance(key, str):
                    named = f"{parent}.{key}" if key in ("key", "value") and parent and (
                        generic.search(parent) or secret_key.search(parent)) else key
                    yield named, value, "widget" if widget else ""
                    if (inner := _json_in(value)) is not None:  # `settings.json: '{"apiKey": "…"}'`
                        stack.append((inner, key))
                elif key == "literals" and isinstance(value, list):  # kustomize generators: `k=v`
                    for item in value:
                        if isinstance(item, str) and "=" in item:
                            name, _eq, literal = item.partition("=")
                            yield name.strip(), literal, "generator" if parent == "secretGenerator" else ""
                elif isinstance(value, Mapping | list):
                    stack.append((value, str(key) if isinstance(key, str) else ""))
        elif isinstance(node, list):
            yield from _flags(node)
            if parent:  # `passwords: [a, b]`: each item under its list's key
                yield from ((parent, v, "") for v in node if isinstance(v, str))
                if (listed := _bytes_hex(node)) is not None:  # `network_key: [1, 2, …]`, any style
                    yield parent, listed, ""
            stack.extend((v, parent) for v in node if isinstance(v, Mapping | list))


def _template_data(doc: Any) -> Mapping[str, Any] | None:
    """An ExternalSecret's `spec.target.template.data` (a ClusterExternalSecret's under `externalSecretSpec`):
    the one place of such a document whose values are the Secret's own, literal unless they are templates
    (`{{ .password }}`): a literal there is a plaintext secret (gitleaks#1513's reporters)."""
    if not isinstance(doc, Mapping) or _kind(doc) not in ("ExternalSecret", "ClusterExternalSecret"):
        return None
    node: Any = doc.get("spec")
    path = ("externalSecretSpec", "target", "template", "data") if _kind(doc) == "ClusterExternalSecret" else \
        ("target", "template", "data")
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return None
    # a one-line value that opens a template action is a template, even a broken one (`"{{ .PLEX_API_KEY }"`,
    # in joryirving's home-ops): the template engine, not the repository, holds its value
    return {k: v for k, v in node.items() if not (isinstance(v, str) and "{{" in v and "\n" not in v.strip())}


def _json_in(value: str) -> Any:
    """The object or array a string value holds as JSON (a config file kept in one string), or None."""
    text = value.strip()
    if len(text) < 8 or text[0] not in "{[" or text[-1] not in "}]" or '":' not in text:
        return None
    import json

    try:
        inner = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return inner if isinstance(inner, Mapping | list) else None


_FLAG = re.compile(r"(?:^|\s)--?([A-Za-z][\w.\-]*)=(\S+)")
_BARE_FLAG = re.compile(r"--?([A-Za-z][\w.\-]*)")


_ENV_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.+)")


def _flags(items: list[Any]) -> Iterator[tuple[str, str, str]]:
    """`--name=value` in a list's strings (a shell command line too), `--name` `value` as two items,
    and `NAME=value` items (compose's `environment:` list)."""
    for index, item in enumerate(items):
        if isinstance(item, str) and (env := _ENV_ITEM.fullmatch(item)):
            yield env.group(1), env.group(2), "env"
        if not isinstance(item, str) or "-" not in item:
            continue
        for match in _FLAG.finditer(item):
            yield match.group(1), match.group(2).strip("\"'"), "flag"
        bare = _BARE_FLAG.fullmatch(item.strip())
        if bare and index + 1 < len(items) and isinstance(items[index + 1], str) and \
                not items[index + 1].startswith("-"):
            yield bare.group(1), items[index + 1], "flag"


def _line_of_value(view: FileView, key: str, value: str) -> int:
    first = value.strip().splitlines()[0][:40] if value.strip() else ""
    text, leaf = view.text, key.rsplit(".", 1)[-1]
    at = earliest = text.find(first) if first else -1
    while at >= 0 and leaf not in text[text.rfind("\n", 0, at) + 1:at]:  # the line that names the key too
        at = text.find(first, at + 1)
    at = earliest if at < 0 else at
    if at < 0:
        at = view.text.find(key)
    return view.line_of(max(at, 0))


def _reference_spans(text: str) -> list[tuple[int, int]]:
    """Where documents of kinds that only name secrets elsewhere (ExternalSecret…) lie in the text."""
    if not any(kind in text for kind in _REFERENCE_KINDS):
        return []
    from secretops.util.yamlio import split_documents

    spans, at = [], 0
    for _line, doc in split_documents(text):
        start = text.find(doc, at) if doc else at
        kinds = _TOP_KIND.findall(doc)
        if kinds and kinds[0].split("#", 1)[0].strip().strip("\"'") in _REFERENCE_KINDS:
            spans.append((start, start + len(doc)))
        at = max(at, start + len(doc))
    return spans


def _keyed_lines(view: FileView, seen: set[str]) -> Iterator[Finding]:
    text = view.text
    line_rx, _secret_key, _strong_key = patterns.keyed_regexes()
    yaml = view.path.lower().endswith((".yaml", ".yml"))
    references: list[tuple[int, int]] | None = None  # read once a line is judged a secret (few are)
    lines = patterns.hinted_lines(text)
    if lines is not None:  # a large text: the lines whose key holds a hint word, by RE2 (the others judge nothing)
        hints = [at for start in lines for at in _hints_on(text, start)]
    else:
        hints = patterns.hint_offsets(text)
    spans: list[tuple[int, int]] | None = None

    def hidden(at: int, length: int) -> bool:
        """A value judged a secret is none: in a document that only names secrets elsewhere (an
        ExternalSecret), or masked (ciphertext, a certificate…). Both read once, when first asked."""
        nonlocal references, spans
        references = (_reference_spans(text) if yaml else []) if references is None else references
        if inside(references, at, at + 1):
            return True
        spans = masked_spans(text, uuids=False) if spans is None else spans
        return inside(spans, at, at + length)

    done: set[int] = set()
    hcl = view.path.lower().endswith((*_CODE_FILES, *_SOURCE_FILES))
    # an assignment of its own line only (strings hold other files)
    python = view.path.lower().endswith((".py", *_SOURCE_FILES))
    for at in hints:  # only the lines a key hint is on
        start = text.rfind("\n", 0, at) + 1
        if start in done:
            continue
        done.add(start)
        end = len(text) if (end := text.find("\n", at)) < 0 else end
        match = line_rx.match(text, start, end)
        pairs: list[tuple[str, str, int, bool]] = []
        if match is not None and not (hcl and match.group("value")):  # HCL: unquoted is an expression
            where = "value" if match.group("value") else "quoted"
            pairs.append((match.group("key"), match.group(where) or "", match.start(where), where == "quoted"))
        elif python and (code := _code_assign().fullmatch(text, start, end)) is not None:
            where = "value" if code.group("value") is not None else "dvalue"
            key = code.group("sub") or code.group("key") if where == "value" else code.group("dkey")
            pairs.append((key, code.group(where), code.start(where), True))
        for key, value, at_value, quoted in pairs:
            what = _judge(key, value, literal=quoted) if value and value not in seen else ""
            if not what:
                continue
            if hidden(at_value, len(value)):
                continue
            seen.add(value)
            yield view.finding(credential, view.line_of(at_value), what, value)
            break
        else:
            line = text[start:end]
            if python:
                continue
            if (bare := _byte_lists()[0].fullmatch(line)) is not None and \
                    (block := _block_byte_list(text, end)) is not None:  # `network_key:` then `- 1` lines
                what = _judge(bare.group("key"), block) if block not in seen else ""
                if what and not hidden(end + 1, 1):
                    seen.add(block)
                    yield view.finding(credential, view.line_of(start), what, block)
                continue
            if line.lstrip().startswith("{") and (inner := _json_in(line)) is not None:
                # JSON kept on one line (cloudflared's `credentials.json: |` in a ConfigMap): as JSON reads it
                for key, value, where in _pairs([inner]):
                    what = _judge(key, value, where, literal=True) if value not in seen else ""
                    if what and not hidden(start + max(line.find(value), 0), len(value)):
                        seen.add(value)
                        yield view.finding(credential, view.line_of(start), what, value)
                continue
            if "[" in line and (listed := _byte_list(line)) is not None:
                key, value, at_line = listed
                what = _judge(key, value) if value not in seen else ""
                if what and not hidden(start + at_line, len(line) - at_line):
                    seen.add(value)
                    yield view.finding(credential, view.line_of(start + at_line), what, value)
                continue
            if not _may_hold_inline(line, hinted=True):
                continue
            for key, value, at_line, unquoted in _inline_pairs(line, spaced=match is None):
                what = _judge(key, value, literal=not unquoted) if value and value not in seen and \
                    not (hcl and unquoted) else ""
                if not what:
                    continue
                if hidden(start + at_line, len(value)):
                    continue
                seen.add(value)
                yield view.finding(credential, view.line_of(start + at_line), what, value)


# A key written as its bytes, a flow list of 16 or 32 numbers (Zigbee2MQTT's `network_key: [1, 2, …]`)
_BYTE_LIST = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?(?P<key>[\w.\-]{2,64})[\"']?[ \t]*[:=][ \t]*"
                        r"\[(?P<bytes>[0-9xXa-fA-F, \t]+)\][ \t]*,?[ \t]*(?:#.*)?\r?")


def _byte_list(line: str) -> tuple[str, str, int] | None:
    """(key, the bytes as hex, offset of the list) of a line that sets a key to 16 or 32 byte values
    (decimal or 0x…): judged as the hex string they make."""
    match = _BYTE_LIST.fullmatch(line)
    if match is None:
        return None
    try:
        values = [int(item, 16) if item[:2].lower() == "0x" else int(item)
                  for item in match.group("bytes").replace(" ", "").replace("\t", "").split(",") if item]
    except ValueError:
        return None
    listed = _bytes_hex(values)
    return None if listed is None else (match.group("key"), listed, match.start("bytes") - 1)


def _bytes_hex(items: list[Any]) -> str | None:
    """The hex of a list of 16 or 32 integers from 0 to 255 (a key written as its bytes), else None; None too
    for bytes written in steps, three neighbours in four one step apart (`1, 2, 3, …`, Zigbee2MQTT's documented
    default `1, 3, 5, …, 15, 0, 2, …`): an example, not a generated key (a random list practically never is)."""
    if len(items) not in (16, 32) or not all(type(v) is int and 0 <= v <= 255 for v in items):
        return None
    steps = Counter(b - a for a, b in itertools.pairwise(items))
    if 4 * steps.most_common(1)[0][1] >= 3 * (len(items) - 1):
        return None
    return bytes(items).hex()


@functools.cache
def _byte_lists() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A `key:` line with no value on it, and an item of a block list of bytes (`  - 1`, `  - 0x1a`)."""
    return (re.compile(r"[ \t]*[\"']?(?P<key>[\w.\-]{2,64})[\"']?[ \t]*:[ \t]*(?:#.*)?\r?"),
            re.compile(r"[ \t]*-[ \t]+(?P<n>0[xX][0-9a-fA-F]{1,2}|[0-9]{1,3})[ \t]*(?:#.*)?\r?"))


def _block_byte_list(text: str, end: int) -> str | None:
    """The hex of the block list of 16 or 32 byte values on the lines after ``end`` (a `key:` line's end),
    as YAML writes a list when not in flow style (`network_key:` then `  - 1`, `  - 3`…), else None."""
    values: list[int] = []
    at = end + 1
    while at < len(text) and len(values) <= 32:
        stop = len(text) if (stop := text.find("\n", at)) < 0 else stop
        item = _byte_lists()[1].fullmatch(text, at, stop)
        if item is None:
            break
        number = item.group("n")
        values.append(int(number, 16) if number[:2].lower() == "0x" else int(number))
        at = stop + 1
    return _bytes_hex(values)


# HCL blocks that spread a pair over two attributes: Terraform's helm_release `set { name = "adminPassword"
# value = "…" }` (and `set_sensitive`, an ECS or Nomad env's `name`/`value`), and a variable whose `default`
# holds a literal (`variable "pm_api_token_secret" { default = "…" }`): judged under the name they give.
@functools.cache
def _hcl() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A block's body, a `name`/`value`/`default` attribute holding a string, a `variable` block."""
    return (re.compile(r"\{(?P<body>[^{}]*)\}"),
            re.compile(r"(?m)^[ \t]*(?P<attr>name|value|default)[ \t]*=[ \t]*\"(?P<v>[^\"\r\n]{1,512})\""
                       r"[ \t]*(?:#.*|//.*)?\r?$"),
            re.compile(r"(?m)^[ \t]*variable[ \t]+\"(?P<name>[A-Za-z_][\w\-]{0,63})\"[ \t]*\{"
                       r"(?P<body>(?:[^{}]|\{[^{}]*\})*)\}"))


def _hcl_blocks(view: FileView, seen: set[str]) -> Iterator[Finding]:
    text = view.text
    name_value, attribute, variables = _hcl()
    found: list[tuple[str, str, int, str]] = []
    for block in name_value.finditer(text):
        attrs = {m.group("attr"): m for m in attribute.finditer(block.group("body"))}
        if "name" in attrs and "value" in attrs:
            given = attrs["value"]
            found.append((attrs["name"].group("v"), given.group("v"), block.start("body") + given.start("v"), "env"))
    for variable in variables.finditer(text):
        for attr in attribute.finditer(variable.group("body")):
            if attr.group("attr") == "default":
                found.append((variable.group("name"), attr.group("v"), variable.start("body") + attr.start("v"), ""))
    for key, value, at, where in found:
        what = _judge(key, value, where, literal=True) if value not in seen else ""
        if what:
            seen.add(value)
            yield view.finding(credential, view.line_of(at), what, value)


def _hints_on(text: str, start: int) -> list[int]:
    """The offsets of the hint words on the line that starts at ``start``."""
    end = text.find("\n", start)
    return [start + at for at in patterns.hint_offsets(text[start:len(text) if end < 0 else end])]


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
